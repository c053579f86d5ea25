"""Who may read an instance's files (the hardening issue, item 8).

An instance holds every user's email and bcrypt hash (data/todo.db and
its -wal and -shm) and the request log. `make run` used to leave them
0644 in a 0755 directory, readable by every local user, and ran
`chmod o+x` on the directories above a clone (/root) so that httpd's
children could reach it. Now the instance is 0750 with the children's
group, data/ 0700 and the database 0600 for the children's user, logs
0640; nothing above the instance is ever changed: `make run` serves from a
fallback directory when the clone is out of the children's reach, and an
INSTANCE given there is refused with a message that says what to do.
"""

import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import pytest
import requests

from env import DB, TLS, TOP, TodoEnv, free_port

ROOT = os.geteuid() == 0
pytestmark = pytest.mark.skipif(
    DB != "sqlite3" or TLS or bool(os.environ.get("TODO_SAN_LOGDIR")),
    reason="runs once, in the plain SQLite pass")
needs_root = pytest.mark.skipif(
    not ROOT, reason="as root: httpd's children run as www-data")


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def owner(path):
    return subprocess.check_output(["stat", "-c", "%U:%G", path],
                                   text=True).strip()


def assert_private(instance, running=True):
    """The modes make run promises, and nothing under the instance that
    others may read, write or enter (but conf.d/, where tests drop their
    own files). With httpd stopped, SQLite has removed -wal and -shm."""
    user = "www-data" if ROOT else None
    assert mode(instance) == (0o750 if ROOT else 0o700), oct(mode(instance))
    if ROOT:
        assert owner(instance) == "root:www-data"
    data = os.path.join(instance, "data")
    assert mode(data) == 0o700
    db = os.path.join(data, "todo.db")
    for f in (db, db + "-wal", db + "-shm"):
        if not running and f != db and not os.path.exists(f):
            continue
        assert os.path.exists(f), f
        assert mode(f) == 0o600, (f, oct(mode(f)))
        if user:
            assert owner(f) == "www-data:www-data", f
    if user:
        assert owner(data) == "www-data:www-data"
    for name in ("error.log", "access.log", "access.json"):
        f = os.path.join(instance, "logs", name)
        if os.path.exists(f):
            assert mode(f) & 0o137 == 0, (f, oct(mode(f)))
    assert mode(os.path.join(instance, "jwt.secret")) == 0o600
    for d, dirs, files in os.walk(instance):
        if d == os.path.join(instance, "conf.d"):
            continue
        for name in dirs + files:
            p = os.path.join(d, name)
            # httpd sets its pid file's mode (0644) itself, whatever the
            # umask; a pid says nothing, and the instance is closed anyway.
            if p == os.path.join(instance, "run", "httpd.pid"):
                continue
            if not os.path.islink(p):
                assert mode(p) & 0o007 == 0, (p, oct(mode(p)))


def use(base, token=None):
    """Register, log in and create a task: the children write."""
    user = "p" + str(time.time_ns())[-10:]
    r = requests.post(base + "/auth/register", timeout=30, json={
        "email": user + "@example.com", "username": user,
        "password": "correct horse"})
    assert r.status_code == 201, r.text
    r = requests.post(base + "/auth/login", timeout=30,
                      data={"username": user, "password": "correct horse"})
    assert r.status_code == 200, r.text
    auth = {"Authorization": "Bearer " + r.json()["access_token"]}
    r = requests.post(base + "/tasks", headers=auth, timeout=30,
                      json={"title": "mine"})
    assert r.status_code == 201, r.text


def test_todo_955_01_instance_modes_first_start_and_restart():
    with TodoEnv(name="modes") as e:
        # TodoAutoMigrate ran in httpd's parent (root) at startup; the
        # children must still write.
        use(e.api)
        assert_private(e.dir)
        assert e.restart() == 0
        use(e.api)
        assert_private(e.dir)


def test_todo_955_02_an_existing_instance_is_brought_to_the_modes():
    with TodoEnv(name="old") as e:
        use(e.api)
        e.stop()
        # What the old instance.sh and httpd's default umask left.
        os.chmod(e.dir, 0o755)
        os.chmod(os.path.join(e.dir, "data"), 0o755)
        for f in os.listdir(os.path.join(e.dir, "data")):
            os.chmod(os.path.join(e.dir, "data", f), 0o644)
        for f in os.listdir(os.path.join(e.dir, "logs")):
            os.chmod(os.path.join(e.dir, "logs", f), 0o644)
        e.conf = e.prepare_instance()  # as make run does at every start
        assert e.start() == 0
        use(e.api)
        assert_private(e.dir)


@needs_root
def test_todo_955_03_unreachable_instance_is_refused_parent_untouched():
    tmp = tempfile.mkdtemp(prefix="mod_todo-reach-")
    try:
        os.chmod(tmp, 0o755)
        private = os.path.join(tmp, "private")
        os.mkdir(private, 0o700)
        inst = os.path.join(private, "instance")
        before = {p: (mode(p), owner(p)) for p in (tmp, private, "/tmp")}
        r = subprocess.run(
            ["sh", os.path.join(TOP, "scripts", "instance.sh"), inst,
             str(free_port())], capture_output=True, text=True)
        assert r.returncode == 1, r.stdout + r.stderr
        assert ("www-data (the user httpd's children run as) cannot reach "
                "%s: %s is not searchable by www-data" % (inst, private)
                ) in r.stderr, r.stderr
        assert "choose an instance directory" in r.stderr
        assert not os.path.exists(inst)
        # Through make run's script, INSTANCE given: the same refusal.
        env = dict(os.environ, INSTANCE=inst, PORT=str(free_port()))
        env.pop("TODO_MODULE", None)
        r = subprocess.run(["sh", os.path.join(TOP, "scripts", "run.sh")],
                           env=env, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 1 and "cannot reach" in r.stderr, r.stderr
        after = {p: (mode(p), owner(p)) for p in (tmp, private, "/tmp")}
        assert after == before
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def start_run(env, cwd):
    return subprocess.Popen(["sh", "scripts/run.sh"], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def wait_up(proc, api, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, proc.stdout.read()
        try:
            if requests.get(api + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError("run.sh did not serve within %ss" % timeout)


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@needs_root
def test_todo_955_04_clone_out_of_reach_serves_from_the_fallback():
    """A clone under a 0700 directory (as under /root): make run's default
    instance would be out of www-data's reach, so it serves from
    DEV_STATEDIR/<clone path> instead, says so, and changes nothing above
    the clone."""
    tmp = tempfile.mkdtemp(prefix="mod_todo-clone-")
    proc = None
    try:
        os.chmod(tmp, 0o755)
        private = os.path.join(tmp, "home")
        os.mkdir(private, 0o700)
        clone = os.path.join(private, "mod_todo")
        for d in ("scripts", "conf"):
            shutil.copytree(os.path.join(TOP, d), os.path.join(clone, d))
        os.makedirs(os.path.join(clone, "ui", "node_modules"))
        for f in ("index.html", "swagger-initializer.js", "dist.files"):
            shutil.copy(os.path.join(TOP, "ui", f), os.path.join(clone, "ui"))
        os.symlink(os.path.join(TOP, "ui", "node_modules", "swagger-ui-dist"),
                   os.path.join(clone, "ui", "node_modules",
                                "swagger-ui-dist"))
        dev = os.path.join(tmp, "dev")
        port = free_port()
        env = dict(os.environ, PORT=str(port), DEV_STATEDIR=dev,
                   BCRYPT_COST="4",
                   TODO_MODULE=os.path.join(TOP, "build", "mod_todo.so"))
        env.pop("INSTANCE", None)
        env.pop("TODO_SAN_LOGDIR", None)
        api = "http://127.0.0.1:%d/api/v1" % port
        proc = start_run(env, clone)
        wait_up(proc, api)
        instance = os.path.join(dev, clone.lstrip("/").replace("/", "-"))
        use(api)
        r = requests.get(api[:-len("/api/v1")] + "/docs/", timeout=10)
        assert r.status_code == 200 and "swagger" in r.text.lower()
        assert stop(proc) in (0, -signal.SIGTERM)
        out = proc.stdout.read()
        proc = None
        assert ("www-data (httpd's children) cannot reach %s, so the "
                "instance is %s" % (clone, instance)) in out, out
        assert_private(instance, running=False)
        assert not os.path.exists(os.path.join(clone, "var"))
        assert mode(private) == 0o700 and owner(private) == "root:root"
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


@needs_root
def test_todo_955_05_pgsql_cluster_in_a_0700_instance():
    """`make run DB=pgsql INSTANCE=$(mktemp -d)`: initdb used to fail with
    "could not access directory .../pgsql/data: Permission denied" (the
    postgres user could not enter the 0700 directory). The cluster now runs
    as httpd's user, in the instance it can enter."""
    if not os.path.isdir("/usr/lib/postgresql"):
        pytest.fail("no PostgreSQL server: sh scripts/deps.sh pgsql")
    inst = tempfile.mkdtemp(prefix="mod_todo-runpg-")
    assert mode(inst) == 0o700
    port = free_port()
    env = dict(os.environ, PORT=str(port), PGPORT=str(free_port()),
               INSTANCE=inst, DB="pgsql", BCRYPT_COST="4",
               TODO_MODULE=os.path.join(TOP, "build", "mod_todo.so"))
    env.pop("DB_PARAMS", None)
    env.pop("TODO_SAN_LOGDIR", None)
    api = "http://127.0.0.1:%d/api/v1" % port
    proc = start_run(env, TOP)
    try:
        wait_up(proc, api)
        use(api)
        pgsql = os.path.join(inst, "pgsql")
        assert mode(inst) == 0o750 and owner(inst) == "root:www-data"
        assert mode(pgsql) == 0o700 and owner(pgsql) == "www-data:www-data"
        assert mode(os.path.join(pgsql, "data")) == 0o700
        assert stop(proc) in (0, -signal.SIGTERM)
        out = proc.stdout.read()
        proc = None
        assert "mod_todo: stopped" in out, out
        # The cluster stopped with httpd.
        assert not os.path.exists(os.path.join(pgsql, "data",
                                               "postmaster.pid"))
    finally:
        if proc is not None:
            stop(proc)
        subprocess.call(["sh", os.path.join(TOP, "scripts", "pg.sh"),
                         "stop", os.path.join(inst, "pgsql")],
                        stderr=subprocess.DEVNULL)
        shutil.rmtree(inst, ignore_errors=True)
