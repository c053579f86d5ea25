"""The Docker image: what the Dockerfile promises, and that it holds.

Three layers, so that something is tested wherever this runs:
  - static: the Dockerfile's base image, user, port, volume, health check,
    and that its runtime stage installs every library the module links;
  - the image's configuration without docker: docker/configure.sh on a
    copy of /etc/apache2 and docker/entrypoint.sh run as www-data start
    Debian's apache2 with no root process at all, make the secret, serve;
  - the image itself (`make docker-test`, TODO_DOCKER_TEST=1): built and
    run on 127.0.0.1, when a docker daemon is reachable.
"""

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

from env import DB, TOP, free_port

DOCKERFILE = os.path.join(TOP, "Dockerfile")
ENTRYPOINT = os.path.join(TOP, "docker", "entrypoint.sh")
CONFIGURE = os.path.join(TOP, "docker", "configure.sh")


def dockerfile():
    """(instruction, argument) pairs, continuation lines joined."""
    text = open(DOCKERFILE).read().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def final_stage():
    steps = dockerfile()
    last = max(i for i, (w, _) in enumerate(steps) if w == "FROM")
    return steps[last:]


def only(stage, word):
    args = [a for w, a in stage if w == word]
    assert len(args) == 1, (word, args)
    return args[0]


# ---- static -------------------------------------------------------------

def test_todo_970_01_base_image_and_build_steps():
    steps = dockerfile()
    froms = [a.split()[0] for w, a in steps if w == "FROM"]
    # Built on bookworm, run on bookworm-slim.
    assert froms == ["debian:bookworm", "debian:bookworm-slim"], froms
    runs = " ".join(a for w, a in steps if w == "RUN")
    # The README's steps, in order.
    assert re.search(r"sh scripts/deps\.sh.*make build.*make install", runs)
    # No secret baked into a layer.
    assert "SETUP=no" in runs
    assert "jwt.secret" not in runs
    # A change to the code does not download the packages again: in the
    # build stage the tree comes after the deps step, which sees only
    # deps.sh, ui-fetch.sh and ui/'s lock file.
    build = steps[:len(steps) - len(final_stage())]
    deps = next(i for i, (w, a) in enumerate(build)
                if w == "RUN" and "deps.sh build ui" in a)
    tree = next(i for i, (w, a) in enumerate(build)
                if w == "COPY" and a == ". .")
    assert deps < tree
    for w, a in build[:deps]:
        if w == "COPY":
            assert all(src.startswith(("scripts/deps.sh", "scripts/ui-fetch",
                                       "ui/")) for src in a.split()[:-1]), a
    assert "node_modules" in open(os.path.join(TOP, ".dockerignore")).read()


def test_todo_970_01b_labels():
    """OCI labels, the version from VERSION (a build argument whose
    default is VERSION's: `make docker-test` passes it)."""
    steps = dockerfile()
    args = dict(a.partition("=")[::2] for w, a in steps[:1] if w == "ARG")
    version = open(os.path.join(TOP, "VERSION")).read().strip()
    assert args.get("VERSION") == version, args
    labels = dict(re.findall(r'(org\.opencontainers\.image\.\w+)="([^"]*)"',
                             " ".join(a for w, a in final_stage()
                                      if w == "LABEL")))
    assert labels["org.opencontainers.image.title"] == "mod_todo"
    assert labels["org.opencontainers.image.version"] == "${VERSION}"
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert "org.opencontainers.image.source" in labels
    assert ("ARG", "VERSION") in final_stage()


def test_todo_970_02_runtime_promises():
    stage = final_stage()
    user = only(stage, "USER").split(":")[0]
    assert user not in ("0", "root")
    uid = int(user) if user.isdigit() else int(subprocess.check_output(
        ["id", "-u", user], text=True))
    assert uid != 0
    assert only(stage, "EXPOSE") == "8080"
    assert "/var/lib/mod_todo" in only(stage, "VOLUME")
    hc = only(stage, "HEALTHCHECK")
    assert re.search(r"CMD .*http://127\.0\.0\.1:8080/api/v1/healthz", hc)
    ep = json.loads(only(stage, "ENTRYPOINT"))
    copies = [a.split() for w, a in stage if w == "COPY"]
    assert any(c[-1] == ep[0] and c[0] == "docker/entrypoint.sh"
               for c in copies), copies
    assert os.access(ENTRYPOINT, os.X_OK)
    # Every file the Dockerfile copies from the context is there, and
    # .dockerignore keeps none of them out.
    ignored = [l.strip() for l in open(os.path.join(TOP, ".dockerignore"))
               if l.strip() and not l.startswith("#")]
    for c in copies:
        if c[0].startswith("--from"):
            continue
        for src in c[:-1]:
            if src != ".":
                assert os.path.exists(os.path.join(TOP, src)), src
                assert not any(src.startswith(i.rstrip("/")) for i in ignored)
    for needed in ("build/", "var/", ".git"):
        assert needed in ignored


def test_todo_970_03_runtime_stage_has_the_libraries():
    """Each library mod_todo.so or todoctl links comes from a package the
    runtime stage installs (or apache2, which brings APR and libc). The
    runtime stage installs scripts/deps.sh's serve set, the one `make run`
    serves with, and nothing of the build or test sets."""
    stage = final_stage()
    run = " ".join(a for w, a in stage if w == "RUN")
    m = re.search(r"sh (\S*deps\.sh) serve(?:\s|$)", run)
    assert m, run
    copies = [a.split() for w, a in stage if w == "COPY"]
    assert ["scripts/deps.sh", m.group(1)] in copies, copies
    installed = set(subprocess.check_output(
        ["sh", os.path.join(TOP, "scripts", "deps.sh"), "--list", "serve"],
        text=True).split())
    build = set(subprocess.check_output(
        ["sh", os.path.join(TOP, "scripts", "deps.sh"), "--list", "build"],
        text=True).split())
    assert not installed & {"gcc", "make", "apache2-dev", "nodejs", "npm"}
    assert "apache2-dev" in build
    # The build stage compiles with the build set (and ui, for Swagger UI),
    # not with everything the tests need.
    first = " ".join(a for w, a in dockerfile()[:len(dockerfile()) - len(stage)]
                     if w == "RUN")
    assert re.search(r"sh scripts/deps\.sh build ui\s+&&", first), first
    assert {"apache2", "libaprutil1-dbd-sqlite3", "openssl",
            "curl"} <= installed
    from_apache2 = {"libc6", "libapr1", "libaprutil1"}
    for binary in ("build/mod_todo.so", "build/todoctl"):
        path = os.path.join(TOP, binary)
        if not os.path.exists(path):
            pytest.skip("%s not built" % binary)
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.*?)\]",
                            subprocess.check_output(["readelf", "-d", path],
                                                    text=True))
        for lib in needed:
            where = subprocess.check_output(
                ["sh", "-c", "ldconfig -p | awk -v l=%s '$1 == l "
                 "{print $NF; exit}'" % lib], text=True).strip()
            real = os.path.realpath(where)
            # usrmerge: dpkg may know the file under /lib or /usr/lib.
            alt = real[4:] if real.startswith("/usr/") else "/usr" + real
            owner = ""
            for candidate in (real, alt):
                r = subprocess.run(["dpkg", "-S", candidate],
                                   capture_output=True, text=True)
                if r.returncode == 0:
                    owner = r.stdout.split(":")[0]
                    break
            assert owner in installed | from_apache2, (
                "%s needs %s (package %s), which the runtime stage does not "
                "install" % (binary, lib, owner))


# ---- the image's configuration, without docker ----------------------------

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/usr/sbin/a2enmod"),
    reason="needs root and Debian's apache2 (runs it as www-data)")
once = pytest.mark.skipif(
    DB != "sqlite3" or bool(os.environ.get("TODO_SAN_LOGDIR")),
    reason="runs once, in the SQLite pass")


def as_www_data(cmd):
    return ["setpriv", "--reuid=www-data", "--regid=www-data",
            "--clear-groups", "--"] + cmd


def uids(pid):
    """Real and effective uid of pid and all its descendants."""
    out = set()
    for line in subprocess.check_output(
            ["ps", "-e", "-o", "pid=,ppid=,ruid=,euid="], text=True
            ).splitlines():
        p, pp, r, e = (int(x) for x in line.split())
        out.add((p, pp, r, e))
    tree, seen = {pid}, True
    while seen:
        seen = False
        for p, pp, _, _ in out:
            if pp in tree and p not in tree:
                tree.add(p)
                seen = True
    return {(r, e) for p, _, r, e in out if p in tree}


@needs_root
@once
def test_todo_970_04_image_configuration_runs_unprivileged():
    tmp = tempfile.mkdtemp(prefix="mod_todo-docker-")
    os.chmod(tmp, 0o755)
    dest = os.path.join(tmp, "root")
    conf = os.path.join(tmp, "apache2")
    port = free_port()
    api = "http://127.0.0.1:%d/api/v1" % port
    proc = None
    try:
        env = {k: v for k, v in os.environ.items()
               if k not in ("TODO_MODULE", "TODO_SAN_LOGDIR")}
        r = subprocess.run(["make", "--no-print-directory", "install",
                            "DESTDIR=" + dest, "SETUP=no"], cwd=TOP, env=env,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        moduledir = subprocess.check_output(["apxs", "-q", "LIBEXECDIR"],
                                            text=True).strip()
        statedir = dest + "/var/lib/mod_todo"
        rundirs = {d: os.path.join(tmp, d) for d in ("run", "lock", "log")}
        # Debian's /etc/apache2, with the installed todo.* (their paths
        # under DESTDIR) and envvars naming this tree's directories.
        shutil.copytree("/etc/apache2", conf, symlinks=True)
        for name in ("mods-available/todo.load", "mods-available/todo.conf",
                     "conf-available/todo.conf",
                     "conf-available/todo-cors.conf"):
            text = open(dest + "/etc/apache2/" + name).read()
            text = text.replace(moduledir + "/mod_todo.so",
                                dest + moduledir + "/mod_todo.so")
            text = text.replace("/etc/mod_todo/", dest + "/etc/mod_todo/")
            with open(os.path.join(conf, name), "w") as f:
                f.write(text)
        api_conf = dest + "/etc/mod_todo/todo-api.conf"
        text = open(api_conf).read()
        text = text.replace("/var/lib/mod_todo/", statedir + "/")
        text = text.replace("/usr/local/share/", dest + "/usr/local/share/")
        with open(api_conf, "w") as f:
            f.write(text)
        envvars = open(os.path.join(conf, "envvars")).read()
        for d in ("run", "lock", "log"):
            envvars, n = re.subn(r"/var/%s/apache2\$SUFFIX" % d,
                                 rundirs[d], envvars)
            assert n >= 1, d
        with open(os.path.join(conf, "envvars"), "w") as f:
            f.write(envvars)

        r = subprocess.run(
            ["sh", CONFIGURE], capture_output=True, text=True,
            env=dict(os.environ, APACHE_CONFDIR=conf,
                     APACHE_STATE_DIRECTORY=os.path.join(tmp, "state"),
                     TODO_CONFDIR=dest + "/etc/mod_todo",
                     TODO_STATEDIR=statedir,
                     TODO_RUN_DIRS=" ".join(rundirs.values())))
        assert r.returncode == 0, r.stdout + r.stderr
        assert open(os.path.join(conf, "ports.conf")).read() \
            == "Listen ${TODO_LISTEN}\n"
        assert not os.path.exists(
            os.path.join(conf, "sites-enabled", "000-default.conf"))

        secret = os.path.join(statedir, "jwt.secret")
        run_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                   "APACHE_CONFDIR": conf,
                   "TODO_LISTEN": "127.0.0.1:%d" % port,
                   "TODO_JWT_SECRET_FILE": secret}

        def start():
            p = subprocess.Popen(
                as_www_data(["sh", ENTRYPOINT]), env=run_env,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                start_new_session=True)
            deadline = time.time() + 30
            while time.time() < deadline:
                assert p.poll() is None, p.stdout.read()
                try:
                    if requests.get(api + "/healthz",
                                    timeout=1).status_code == 200:
                        return p
                except requests.RequestException:
                    pass
                time.sleep(0.1)
            raise AssertionError("no answer within 30s")

        def stop(p):
            # docker stop sends the STOPSIGNAL, SIGWINCH: a graceful stop.
            p.send_signal(signal.SIGWINCH)
            p.wait(timeout=20)
            return p.stdout.read()

        proc = start()
        # No process of the server runs as root, the parent included.
        www = int(subprocess.check_output(["id", "-u", "www-data"]))
        ids = uids(proc.pid)
        assert ids and ids == {(www, www)}, ids
        # The entrypoint made the secret, in the volume, for this user.
        st = os.stat(secret)
        assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (www, 0o600)
        key = open(secret).read()
        assert re.fullmatch(r"[0-9a-f]{64}", key)

        name = "dock" + uuid.uuid4().hex[:10]
        r = requests.post(api + "/auth/register", timeout=30, json={
            "email": name + "@example.com", "username": name,
            "password": "correct horse"})
        assert r.status_code == 201, r.text
        assert requests.get(api + "/metrics", timeout=10).status_code == 200
        # CORS is off by default: no origin is allowed.
        pre = {"Origin": "https://app.example.com",
               "Access-Control-Request-Method": "POST"}
        r = requests.options(api + "/tasks", headers=pre, timeout=10)
        assert "Access-Control-Allow-Origin" not in r.headers
        r = requests.get(api + "/tasks%2Fx", timeout=10)
        assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        out = stop(proc)
        proc = None
        # Both logs go to the container's output: the error log, and the
        # JSON access log, each of its lines an object.
        assert "AH00489" in out, out
        entries = [json.loads(l) for l in out.splitlines()
                   if l.startswith("{")]
        assert any(e["method"] == "POST" and e["status"] == 201
                   and e["path"] == "/api/v1/auth/register"
                   for e in entries), out
        assert any(e["path"] == "/api/v1/tasks/x" and e["status"] == 404
                   for e in entries), out
        assert not re.search(r'" 201 \d', out), out  # no combined log

        # A restart (a new container on the same volume) keeps the secret
        # and the users; -e TODO_CORS_ORIGINS allows that origin.
        run_env["TODO_CORS_ORIGINS"] = r"^https://app\.example\.com$"
        proc = start()
        assert open(secret).read() == key
        r = requests.options(api + "/tasks", headers=pre, timeout=10)
        assert r.status_code == 204
        assert r.headers["Access-Control-Allow-Origin"] == pre["Origin"]
        r = requests.post(api + "/auth/login", timeout=30, data={
            "username": name, "password": "correct horse"})
        assert r.status_code == 200, r.text
        stop(proc)
        proc = None
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@needs_root
@once
def test_todo_970_05_entrypoint_refuses_an_unwritable_volume():
    tmp = tempfile.mkdtemp(prefix="mod_todo-docker-")
    os.chmod(tmp, 0o755)  # root's: www-data cannot write here
    try:
        env = {"PATH": "/usr/bin:/bin",
               "TODO_JWT_SECRET_FILE": os.path.join(tmp, "jwt.secret")}
        r = subprocess.run(as_www_data(["sh", ENTRYPOINT, "true"]),
                           env=env, capture_output=True, text=True)
        assert r.returncode == 1
        assert "cannot write %s as www-data" % tmp in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(tmp, "jwt.secret"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the image itself ---------------------------------------------------

# The engine: docker, or Debian's podman (TODO_DOCKER=podman), which
# builds with chroot isolation and cgroupfs (no systemd cgroups to be had
# in a sandbox), in docker's format (OCI's has no HEALTHCHECK), and runs
# with runc, the host's network and no rlimit above the host's
# (docs/install.md, "Docker").
ENGINE = os.environ.get("TODO_DOCKER", "docker")
PODMAN = os.path.basename(ENGINE) == "podman"
PODMAN_GLOBAL = ["--cgroup-manager=cgroupfs", "--runtime",
                 os.environ.get("TODO_PODMAN_RUNTIME", "runc")]


def docker_usable():
    if not os.environ.get("TODO_DOCKER_TEST"):
        return "builds the image: run `make docker-test`"
    if not shutil.which(ENGINE):
        return "no %s client" % ENGINE
    info = [ENGINE] + (PODMAN_GLOBAL if PODMAN else []) + ["info"]
    if subprocess.run(info, capture_output=True).returncode:
        return "%s cannot run here (%s info fails)" % (ENGINE, ENGINE)
    return None


@pytest.mark.skipif(bool(docker_usable()), reason=docker_usable() or "")
def test_todo_970_06_image_builds_and_serves():
    tag = "localhost/mod_todo:test-" + uuid.uuid4().hex[:8]
    name = "mod_todo-test-" + uuid.uuid4().hex[:8]
    volume = name + "-data"
    port = free_port()
    api = "http://127.0.0.1:%d/api/v1" % port
    version = open(os.path.join(TOP, "VERSION")).read().strip()

    def docker(*args, check=True):
        cmd = [ENGINE] + (PODMAN_GLOBAL if PODMAN else [])
        return subprocess.run(cmd + list(args), capture_output=True,
                              text=True, check=check)

    def healthy():
        if PODMAN:  # no systemd timer runs podman's health checks
            return docker("healthcheck", "run", name,
                          check=False).returncode == 0
        return docker("inspect", "-f", "{{.State.Health.Status}}",
                      name).stdout.strip() == "healthy"

    def run():
        if PODMAN:
            net = ["--network", "host", "-e",
                   "TODO_LISTEN=127.0.0.1:%d" % port,
                   "--ulimit", "nofile=4096:4096", "--ulimit",
                   "nproc=4096:4096"]
        else:
            net = ["-p", "127.0.0.1:%d:8080" % port]
        docker("run", "-d", "--name", name, *net,
               "-v", volume + ":/var/lib/mod_todo", tag)
        deadline = time.time() + 90
        while time.time() < deadline:
            if healthy():
                return
            time.sleep(1)
        raise AssertionError("not healthy: " + docker("logs", name).stderr)

    try:
        build = ["build", "--build-arg", "VERSION=" + version, "-t", tag]
        if PODMAN:
            build += ["--isolation=chroot", "--format", "docker"]
        r = docker(*(build + [TOP]), check=False)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        labels = json.loads(docker("image", "inspect", "-f",
                                   "{{json .Config.Labels}}", tag).stdout)
        assert labels["org.opencontainers.image.version"] == version
        assert labels["org.opencontainers.image.title"] == "mod_todo"
        run()
        assert docker("exec", name, "id", "-u").stdout.strip() != "0"
        assert docker("exec", name, "stat", "-c", "%a",
                      "/var/lib/mod_todo/jwt.secret").stdout.strip() == "600"
        user = "img" + uuid.uuid4().hex[:8]
        r = requests.post(api + "/auth/register", timeout=30, json={
            "email": user + "@example.com", "username": user,
            "password": "correct horse"})
        assert r.status_code == 201, r.text
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        key = docker("exec", name, "cat", "/var/lib/mod_todo/jwt.secret").stdout
        # Both logs on the container's output, the access log as JSON.
        logs = docker("logs", name)
        out = logs.stdout + logs.stderr
        assert any(json.loads(l).get("path") == "/api/v1/auth/register"
                   for l in out.splitlines() if l.startswith("{")), out
        assert "AH00489" in out, out
        docker("rm", "-f", name)
        run()  # a new container on the same volume
        assert docker("exec", name, "cat",
                      "/var/lib/mod_todo/jwt.secret").stdout == key
        r = requests.post(api + "/auth/login", timeout=30, data={
            "username": user, "password": "correct horse"})
        assert r.status_code == 200, r.text
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", volume, check=False)
        docker("rmi", "-f", tag, check=False)
