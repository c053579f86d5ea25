"""`make install` on Debian, then `a2enmod todo` and `a2enconf todo` on a
stock Apache.

Nothing of the real system is touched: the tree is installed with DESTDIR
into a temporary directory, /etc/apache2 is copied next to it (Debian's
own apache2.conf, envvars, mods and the default site), the installed
mods-available/todo.{load,conf} and conf-available/todo{,-cors}.conf go
into the copy with their paths moved under DESTDIR (and the installed
/etc/mod_todo/todo-api.conf's too), and Debian's real a2enmod and
a2enconf enable them there (APACHE_CONFDIR, APACHE_STATE_DIRECTORY).
Debian's real apache2 then serves on a free loopback port with the
environment /etc/apache2/envvars would give it, its directories moved
into the temporary tree too.

Runs once, in the SQLite pass: it installs the regular build, and the
shipped configuration is SQLite's.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

from env import DB, TOP, free_port, parse_response

A2ENMOD = "/usr/sbin/a2enmod"
A2ENCONF = "/usr/sbin/a2enconf"
A2DISCONF = "/usr/sbin/a2disconf"
APACHE2 = "/usr/sbin/apache2"
# The Apache configuration copied (test_960_11 gives one where todo and dbd
# are already enabled, as on a machine that runs mod_todo).
APACHE_SRC = os.environ.get("TODO_TEST_APACHE_CONFDIR", "/etc/apache2")
# What a2enmod records for the real system (never to be touched here).
REAL_STATE = "/var/lib/apache2/module"

if os.geteuid() != 0:
    pytest.skip("needs root: installs files owned by www-data and starts "
                "Debian's apache2 as root, as the service does",
                allow_module_level=True)
if not (os.path.exists(A2ENMOD) and os.path.isdir(APACHE_SRC)):
    pytest.skip("no Debian apache2 (a2enmod, /etc/apache2) on this machine",
                allow_module_level=True)
if DB != "sqlite3" or os.environ.get("TODO_SAN_LOGDIR"):
    pytest.skip("runs once, in the SQLite pass (it installs the regular "
                "build with the shipped SQLite configuration)",
                allow_module_level=True)


def apxs(var):
    return subprocess.check_output(["apxs", "-q", var], text=True).strip()


MODULEDIR = apxs("LIBEXECDIR")


def make(*args):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TODO_MODULE", "TODO_SAN_LOGDIR")}
    return subprocess.run(["make", "--no-print-directory"] + list(args),
                          cwd=TOP, env=env, capture_output=True, text=True)


class Installed:
    """The DESTDIR tree, the copied /etc/apache2 and, once started, a
    Debian apache2 serving from them."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="mod_todo-install-")
        os.chmod(self.tmp, 0o755)  # the children (www-data) reach the db
        self.dest = os.path.join(self.tmp, "root")
        self.conf = os.path.join(self.tmp, "apache2")
        self.state = os.path.join(self.tmp, "state")
        self.port = free_port()
        self.api = "http://127.0.0.1:%d/api/v1" % self.port
        self.proc = None
        self.run_dirs = {name: os.path.join(self.tmp, name)
                         for name in ("run", "lock", "log")}

    def path(self, p):
        """Where the installed file p (an absolute path) is."""
        return self.dest + p

    @property
    def statedir(self):
        return self.path("/var/lib/mod_todo")

    @property
    def secret(self):
        return self.path("/etc/mod_todo/jwt.secret")

    @property
    def error_log(self):
        return os.path.join(self.run_dirs["log"], "error.log")

    @property
    def json_log(self):
        """conf-available/todo.conf's GlobalLog, in APACHE_LOG_DIR."""
        return os.path.join(self.run_dirs["log"], "todo-access.json.log")

    @property
    def api_conf(self):
        """The installed todo-api.conf, its paths moved under DESTDIR,
        beside the copied /etc/apache2 (the installed one is left as
        installed)."""
        return os.path.join(self.tmp, "todo-api.conf")

    def install(self):
        r = make("install", "DESTDIR=" + self.dest)
        assert r.returncode == 0, r.stdout + r.stderr
        return r

    def setup(self):
        """scripts/install-setup.sh, as make install runs it when DESTDIR
        is empty, on the DESTDIR's paths."""
        env = dict(os.environ, STATEDIR=self.statedir,
                   SECRET_FILE=self.secret)
        return subprocess.run(
            ["sh", os.path.join(TOP, "scripts", "install-setup.sh")],
            env=env, capture_output=True, text=True)

    def copy_apache(self):
        """Debian's configuration as the package leaves it with respect to
        todo and dbd, whatever this machine's own Apache has enabled: the
        copy's mods-enabled loses them (a system that runs mod_todo has
        both enabled, and a2enmod would only say "already enabled")."""
        shutil.copytree(APACHE_SRC, self.conf, symlinks=True)
        enabled = os.path.join(self.conf, "mods-enabled")
        for name in os.listdir(enabled):
            if re.fullmatch(r"(todo|dbd)\.(load|conf)", name):
                os.unlink(os.path.join(enabled, name))
        for name in ("todo.load", "todo.conf", "todo.conf.dist"):
            path = os.path.join(self.conf, "mods-available", name)
            if os.path.lexists(path):
                os.unlink(path)
        enabled = os.path.join(self.conf, "conf-enabled")
        for name in ("todo.conf", "todo-cors.conf"):
            for d in (enabled, os.path.join(self.conf, "conf-available")):
                if os.path.lexists(os.path.join(d, name)):
                    os.unlink(os.path.join(d, name))
        with open(os.path.join(self.conf, "ports.conf"), "w") as f:
            f.write("Listen 127.0.0.1:%d\n" % self.port)
        moves = {
            "mods-available/todo.load": [
                (MODULEDIR + "/mod_todo.so",
                 self.path(MODULEDIR + "/mod_todo.so"))],
            "mods-available/todo.conf": [],
            "conf-available/todo.conf": [
                ("/etc/mod_todo/todo-api.conf", self.api_conf)],
            "conf-available/todo-cors.conf": [],
        }
        for name, pairs in moves.items():
            with open(self.path("/etc/apache2/" + name)) as f:
                text = f.read()
            for old, new in pairs:
                assert old in text, "%s does not name %s" % (name, old)
                text = text.replace(old, new)
            with open(os.path.join(self.conf, name), "w") as f:
                f.write(text)
        with open(self.path("/etc/mod_todo/todo-api.conf")) as f:
            text = f.read()
        for old, new in [("/var/lib/mod_todo/", self.statedir + "/"),
                         ("/etc/mod_todo/jwt.secret", self.secret),
                         ("/usr/local/share/mod_todo/",
                          self.path("/usr/local/share/mod_todo/"))]:
            assert old in text, "todo-api.conf does not name %s" % old
            text = text.replace(old, new)
        with open(self.api_conf, "w") as f:
            f.write(text)

    def a2enmod(self, *mods, tool=A2ENMOD):
        env = dict(os.environ, APACHE_CONFDIR=self.conf,
                   APACHE_STATE_DIRECTORY=self.state)
        return subprocess.run([tool] + list(mods), env=env,
                              capture_output=True, text=True)

    def apache_env(self):
        """What /etc/apache2/envvars sets, with its directories here."""
        for d in self.run_dirs.values():
            os.makedirs(d, exist_ok=True)
        return {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C",
            "APACHE_RUN_USER": "www-data",
            "APACHE_RUN_GROUP": "www-data",
            "APACHE_RUN_DIR": self.run_dirs["run"],
            "APACHE_PID_FILE": os.path.join(self.run_dirs["run"],
                                            "apache2.pid"),
            "APACHE_LOCK_DIR": self.run_dirs["lock"],
            "APACHE_LOG_DIR": self.run_dirs["log"],
        }

    def apache2(self, *args, **kw):
        return subprocess.run([APACHE2, "-d", self.conf, "-f", "apache2.conf"]
                              + list(args), env=self.apache_env(),
                              capture_output=True, text=True, **kw)

    def start(self, timeout=30):
        self.proc = subprocess.Popen(
            [APACHE2, "-d", self.conf, "-f", "apache2.conf", "-DFOREGROUND"],
            env=self.apache_env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                log = open(self.error_log).read() \
                    if os.path.exists(self.error_log) else ""
                raise AssertionError("apache2 exited with %s:\n%s\n%s" % (
                    self.proc.returncode, self.proc.stdout.read(), log))
            try:
                if requests.get(self.api + "/healthz",
                                timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError("apache2 did not answer within %ss" % timeout)

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def real_state():
    """The real system's a2enmod state and mods-enabled, to compare."""
    out = {}
    for top in (REAL_STATE, "/etc/apache2/mods-enabled"):
        for d, _, files in os.walk(top):
            for f in files:
                p = os.path.join(d, f)
                out[p] = os.readlink(p) if os.path.islink(p) else ""
    return out


@pytest.fixture(scope="module")
def inst():
    """Installed, set up, enabled with a2enmod and serving."""
    i = Installed()
    i.real_before = real_state()
    try:
        i.install()
        r = i.setup()
        assert r.returncode == 0, r.stdout + r.stderr
        i.copy_apache()
        i.enable = i.a2enmod("todo")
        assert i.enable.returncode == 0, i.enable.stdout + i.enable.stderr
        i.enconf = i.a2enmod("todo", tool=A2ENCONF)
        assert i.enconf.returncode == 0, i.enconf.stdout + i.enconf.stderr
        i.start()
        yield i
    finally:
        i.cleanup()


def test_todo_960_01_install_layout(inst):
    # Where the files land: Debian's module directory, PREFIX=/usr/local.
    so = inst.path(MODULEDIR + "/mod_todo.so")
    assert MODULEDIR == "/usr/lib/apache2/modules"
    assert os.path.isfile(so)
    assert stat.S_IMODE(os.stat(so).st_mode) == 0o644
    todoctl = inst.path("/usr/local/bin/todoctl")
    assert os.access(todoctl, os.X_OK)
    for driver in ("sqlite3", "pgsql"):
        sql = inst.path("/usr/local/share/mod_todo/sql/" + driver)
        assert "0001_init.up.sql" in os.listdir(sql), driver
    doc = inst.path("/usr/local/share/doc/mod_todo")
    for name in ("README.md", "install.md", "configuration.md", "LICENSE"):
        assert os.path.isfile(os.path.join(doc, name)), name
    # A DESTDIR install stages files only: no secret, no database
    # directory (those are the live system's, made by install-setup.sh).
    r = make("install", "DESTDIR=" + inst.tmp + "/again")
    assert r.returncode == 0, r.stderr
    assert os.listdir(inst.tmp + "/again/etc/mod_todo") == ["todo-api.conf"]
    assert not os.path.exists(inst.tmp + "/again/var")
    shutil.rmtree(inst.tmp + "/again")


def test_todo_960_02_mods_available(inst):
    avail = inst.path("/etc/apache2/mods-available/")
    load = open(avail + "todo.load").read()
    # a2enmod reads "# Depends:" before the first directive: mod_dbd for
    # the module, mod_headers and mod_unique_id for the API's
    # configuration, which may sit in a <VirtualHost> (no LoadModule).
    assert load.startswith("# Depends: dbd headers unique_id\n")
    assert re.search(r"^LoadModule todo_module "
                     r"/usr/lib/apache2/modules/mod_todo\.so$", load, re.M)
    # mods-available/todo.conf: what the module brings to every server,
    # nothing that mounts the API or sets mod_dbd's database.
    mod = open(avail + "todo.conf").read()
    active = [l for l in mod.splitlines() if l and not l.startswith("#")]
    assert len(active) == 1 and active[0].startswith("LogFormat "), active
    assert active[0].endswith(" todo_json")
    # The API: the database, the secret, the <Location>, every directive.
    conf = open(inst.path("/etc/mod_todo/todo-api.conf")).read()
    for line in (r"DBDriver\s+sqlite3",
                 r"DBDParams\s+/var/lib/mod_todo/todo\.db",
                 r"TodoJWTSecretFile\s+/etc/mod_todo/jwt\.secret",
                 r"TodoAutoMigrate\s+On"):
        assert re.search("^" + line + "$", conf, re.M), line
    assert re.search(r"^<Location /api/v1>\n\s+SetHandler todo-api$",
                     conf, re.M)
    # Who reads the metrics is the module's decision (TodoMetricsAllow,
    # default local), not a path rule beside the API's <Location>.
    assert "<Location /api/v1/metrics>" not in conf
    assert re.search(r"^\s*#TodoMetricsAllow local$", conf, re.M)
    # Built from the conf/todo-*.conf.in files make run's instance is
    # made from: the same lines, in the same order.
    for part in ("docs", "headers", "limits"):
        src = open(os.path.join(TOP, "conf", "todo-%s.conf.in" % part)).read()
        src = (src.replace("@MOUNT@", "/api/v1")
               .replace("@DOCSDIR@", "/usr/local/share/mod_todo/ui"))
        assert src in conf, part
    # The whole server's: Includes the API, logs every virtual host.
    server = open(inst.path("/etc/apache2/conf-available/todo.conf")).read()
    assert 'Include "/etc/mod_todo/todo-api.conf"' in server
    assert re.search(r'^GlobalLog "\$\{APACHE_LOG_DIR\}/todo-access\.json\.log"'
                     r' todo_json$', server, re.M)
    assert re.search(r"^ServerTokens Prod$", server, re.M)


def test_todo_960_03_setup_secret_and_database_directory(inst):
    st = os.stat(inst.secret)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == 0
    secret = open(inst.secret).read()
    assert re.fullmatch(r"[0-9a-f]{64}", secret), secret
    st = os.stat(inst.statedir)
    assert subprocess.check_output(
        ["stat", "-c", "%U:%G", inst.statedir], text=True).strip() \
        == "www-data:www-data"
    assert stat.S_IMODE(st.st_mode) == 0o750
    # Running it again (every make install does) keeps the secret.
    r = inst.setup()
    assert r.returncode == 0, r.stderr
    assert "keeping the JWT secret" in r.stdout
    assert open(inst.secret).read() == secret


def test_todo_960_04_a2enmod_enables_dbd_too(inst):
    out = inst.enable.stdout
    for dep in ("dbd", "headers", "unique_id"):
        assert "Considering dependency %s for todo" % dep in out, out
    assert "Enabling module todo." in out, out
    enabled = os.path.join(inst.conf, "mods-enabled")
    for name in ("todo.load", "todo.conf", "dbd.load", "headers.load",
                 "unique_id.load"):
        assert os.readlink(os.path.join(enabled, name)) \
            == "../mods-available/" + name
    assert os.readlink(os.path.join(inst.conf, "conf-enabled", "todo.conf")) \
        == "../conf-available/todo.conf"
    r = inst.apache2("-t", "-D", "DUMP_MODULES")
    assert r.returncode == 0, r.stderr
    assert "dbd_module (shared)" in r.stdout
    assert "todo_module (shared)" in r.stdout
    # The real system's a2enmod state was left alone.
    assert real_state() == inst.real_before
    assert os.path.exists(os.path.join(
        inst.state, "module", "enabled_by_admin", "todo"))


def test_todo_960_05_serves_the_api(inst):
    r = requests.get(inst.api + "/healthz", timeout=10)
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    name = "inst" + uuid.uuid4().hex[:10]
    r = requests.post(inst.api + "/auth/register", timeout=30, json={
        "email": name + "@example.com", "username": name,
        "password": "correct horse"})
    assert r.status_code == 201, r.text
    r = requests.post(inst.api + "/auth/login", timeout=30, data={
        "username": name, "password": "correct horse"})
    assert r.status_code == 200, r.text
    auth = {"Authorization": "Bearer " + r.json()["access_token"]}
    r = requests.post(inst.api + "/tasks", headers=auth, timeout=30,
                      json={"title": "Installed", "priority": "high"})
    assert r.status_code == 201, r.text
    r = requests.get(inst.api + "/tasks", headers=auth, timeout=30)
    assert r.status_code == 200
    assert [t["title"] for t in r.json()["tasks"]] == ["Installed"]
    # TodoAutoMigrate made the database in the state directory, for the
    # children's user.
    db = os.path.join(inst.statedir, "todo.db")
    assert subprocess.check_output(["stat", "-c", "%U", db],
                                   text=True).strip() == "www-data"
    # The installed todoctl reads it.
    out = subprocess.check_output(
        [inst.path("/usr/local/bin/todoctl"), "-d", "sqlite3", "-p", db,
         "migrate", "status"], text=True)
    assert "0001_init" in out


def test_todo_960_05b_todoctl_reads_debians_apache2_conf(inst):
    """The installed todoctl, given Debian's apache2.conf (the copy this
    server runs), follows its Includes (conf-enabled/todo.conf, then
    todo-api.conf) to the API's database (no <VirtualHost> of
    sites-enabled counts) and administers the users the server registers;
    its manual page is installed."""
    man = inst.path("/usr/local/share/man/man1/todoctl.1")
    assert stat.S_IMODE(os.stat(man).st_mode) == 0o644
    todoctl = inst.path("/usr/local/bin/todoctl")
    conf = os.path.join(inst.conf, "apache2.conf")
    r = subprocess.run([todoctl, "-f", conf, "config"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^DBDParams\s+%s\s+\(%s:\d+\)$" % (
        re.escape(os.path.join(inst.statedir, "todo.db")),
        re.escape(inst.api_conf)), r.stdout, re.M), r.stdout
    name = "ctl" + uuid.uuid4().hex[:10]
    r = requests.post(inst.api + "/auth/register", timeout=30, json={
        "email": name + "@example.com", "username": name,
        "password": "correct horse"})
    assert r.status_code == 201, r.text
    r = subprocess.run([todoctl, "-f", conf, "user", "list", "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert name in [u["username"] for u in json.loads(r.stdout)]
    r = subprocess.run([todoctl, "-f", conf, "user", "disable", name],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert requests.post(inst.api + "/auth/login", timeout=30, data={
        "username": name, "password": "correct horse"}).status_code == 401


def test_todo_960_06_metrics_open_to_loopback(inst):
    # TodoMetricsAllow's default (local) admits 127.0.0.1; 403 would mean
    # the installed configuration shuts out the local scraper.
    r = requests.get(inst.api + "/metrics", timeout=10)
    assert r.status_code == 200, r.status_code
    assert "todo_http_requests_total" in r.text


def test_todo_960_06b_swagger_ui_installed_and_served(inst):
    """`make install` puts the docs page in place; todo.conf serves it."""
    ui = inst.path("/usr/local/share/mod_todo/ui")
    assert os.path.isfile(os.path.join(ui, "index.html"))
    assert os.path.isfile(os.path.join(ui, "dist", "swagger-ui-bundle.js"))
    base = inst.api[:-len("/api/v1")]
    r = requests.get(base + "/docs/", timeout=10)
    assert r.status_code == 200 and "swagger" in r.text.lower()
    r = requests.get(base + "/docs/swagger-initializer.js", timeout=10)
    assert r.status_code == 200 and "openapi.json" in r.text
    r = requests.get(base + "/docs/dist/swagger-ui-bundle.js", timeout=10)
    assert r.status_code == 200 and len(r.content) > 100000


def test_todo_960_07_error_log_clean(inst):
    bad = []
    for line in open(inst.error_log, errors="replace"):
        m = re.search(r"\] \[[a-z_0-9]+:(\w+)\]", line)
        if m and m.group(1) in ("emerg", "alert", "crit", "error", "warn"):
            bad.append(line.rstrip())
    assert not bad, "\n".join(bad[:5])


def test_todo_960_07b_cors_the_documented_way(inst):
    """The installed configuration ships CORS (conf-available/todo-cors.conf,
    `a2enconf todo-cors`), off until the admin defines TODO_CORS_ORIGINS in
    mods-available/todo.conf: then that origin, and only it, is
    allowed, and only it (or the API's own pages) may open /ws."""
    pre = {"Origin": "https://app.example.com",
           "Access-Control-Request-Method": "POST"}
    evil = dict(pre, Origin="https://evil.example")
    ws = {"Connection": "Upgrade", "Upgrade": "websocket",
          "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    conf = os.path.join(inst.conf, "mods-available", "todo.conf")
    before = open(conf).read()
    r = inst.a2enmod("todo-cors", tool="/usr/sbin/a2enconf")
    assert r.returncode == 0, r.stdout + r.stderr
    try:
        inst.stop()
        inst.start()
        r = requests.options(inst.api + "/tasks", headers=pre, timeout=10)
        assert "Access-Control-Allow-Origin" not in r.headers
        # The documented way: uncomment the Define, with one's origin.
        assert '#Define TODO_CORS_ORIGINS "^https://app\\.example\\.com$"' \
            in before
        with open(conf, "w") as f:
            f.write(before.replace('#Define TODO_CORS_ORIGINS',
                                   'Define TODO_CORS_ORIGINS'))
        assert inst.apache2("-t").returncode == 0
        inst.stop()
        inst.start()
        r = requests.options(inst.api + "/tasks", headers=pre, timeout=10)
        assert r.status_code == 204
        assert r.headers["Access-Control-Allow-Origin"] == pre["Origin"]
        r = requests.options(inst.api + "/tasks", headers=evil, timeout=10)
        assert "Access-Control-Allow-Origin" not in r.headers
        assert requests.get(inst.api + "/ws", timeout=10, headers=dict(
            ws, Origin=evil["Origin"])).status_code == 403
        assert requests.get(inst.api + "/ws", timeout=10, headers=dict(
            ws, Origin=pre["Origin"])).status_code == 401  # no token
    finally:
        with open(conf, "w") as f:
            f.write(before)
        inst.a2enmod("todo-cors", tool="/usr/sbin/a2disconf")
        inst.stop()
        inst.start()


def test_todo_960_08_reinstall_keeps_an_edited_todo_conf(inst):
    dest = inst.tmp + "/re"
    r = make("install", "DESTDIR=" + dest)
    assert r.returncode == 0, r.stderr
    conf = dest + "/etc/mod_todo/todo-api.conf"
    shipped = open(conf).read()
    with open(conf, "a") as f:
        f.write("TodoBcryptCost 11\n")
    r = make("install", "DESTDIR=" + dest)
    assert r.returncode == 0, r.stderr
    assert "kept your" in r.stdout
    assert open(conf).read() == shipped + "TodoBcryptCost 11\n"
    assert open(conf + ".dist").read() == shipped
    shutil.rmtree(dest)


def test_todo_960_09_uninstall(inst):
    dest = inst.tmp + "/un"
    assert make("install", "DESTDIR=" + dest).returncode == 0
    r = make("uninstall", "DESTDIR=" + dest)
    assert r.returncode == 0, r.stderr
    left = [os.path.join(d, f) for d, _, files in os.walk(dest)
            for f in files]
    assert left == []
    shutil.rmtree(dest)


def test_todo_960_10_install_without_swagger_ui(inst):
    """A clone where npm never ran (no ui/node_modules): make install used
    to stop at install-data, the module and SQL already copied. Now the
    rest installs, and it says that /docs/ is not there and how to get
    it."""
    dest = inst.tmp + "/noui"
    r = make("install", "DESTDIR=" + dest, "UI_DIST=" + inst.tmp + "/none")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Swagger UI NOT installed (/docs/ will answer 404)" in r.stdout
    assert "sh scripts/deps.sh ui" in r.stdout
    assert os.path.isfile(dest + MODULEDIR + "/mod_todo.so")
    assert os.path.isfile(dest + "/etc/apache2/mods-available/todo.conf")
    assert os.path.isfile(dest + "/usr/local/share/doc/mod_todo/README.md")
    assert not os.path.exists(dest + "/usr/local/share/mod_todo/ui")
    shutil.rmtree(dest)


def raw(port, data, timeout=10):
    """Send data as is, return (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(data)
        out = b""
        while True:
            try:
                chunk = c.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    line, headers, body = parse_response(out)
    return int(line.split()[1]), headers, body


def test_todo_960_12_module_alone_serves_nothing(inst):
    """`a2enmod todo` without the API's configuration (the package
    enables the module on install): httpd -t passes, the module is
    loaded and idle, nothing is mounted."""
    conf = os.path.join(inst.tmp, "apache2-module-only")
    shutil.copytree(inst.conf, conf, symlinks=True)
    try:
        env = dict(os.environ, APACHE_CONFDIR=conf,
                   APACHE_STATE_DIRECTORY=os.path.join(inst.tmp, "state2"))
        r = subprocess.run([A2DISCONF, "todo"], env=env,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        r = subprocess.run([APACHE2, "-d", conf, "-f", "apache2.conf", "-t",
                            "-D", "DUMP_MODULES"], env=inst.apache_env(),
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "todo_module (shared)" in r.stdout
    finally:
        shutil.rmtree(conf)


def test_todo_960_13_hardening_as_make_run(inst):
    """What `a2enmod todo` + `a2enconf todo` serve has make run's
    hardening (the same conf/todo-*.conf.in files): the headers, httpd's
    own errors as JSON, the request limits, the JSON access log."""
    r = requests.get(inst.api + "/healthz", timeout=10)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Server"] == "Apache"  # ServerTokens Prod
    # An encoded slash: httpd's own 404, before any module -- JSON.
    r = requests.get(inst.api + "/tasks%2Fx", timeout=10)
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "Not Found"}
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    # A header line over LimitRequestFieldSize (16 KiB): JSON 400.
    status, headers, body = raw(inst.port, (
        "GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "X-Big: %s\r\nConnection: close\r\n\r\n" % ("a" * 17000)).encode())
    assert status == 400, body
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == {"detail": "Bad Request"}
    # 16 KiB fit (room for long bearer tokens).
    status, _, _ = raw(inst.port, (
        "GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "X-Big: %s\r\nConnection: close\r\n\r\n" % ("a" * 15000)).encode())
    assert status == 200
    # A request line over LimitRequestLine: JSON 414.
    status, headers, body = raw(inst.port, (
        "GET /api/v1/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Connection: close\r\n\r\n" % ("a" * 9000)).encode())
    assert status == 414 and json.loads(body) == {"detail": "URI Too Long"}
    # A body over LimitRequestBody (2 MiB) on a route that is not the
    # module's: httpd's own JSON 413.
    status, headers, body = raw(inst.port, (
        "POST /docs/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Length: 3000000\r\nConnection: close\r\n\r\n").encode())
    assert status == 413, body
    assert json.loads(body) == {"detail": "Request body too large"}
    # TRACE is off, in JSON.
    status, _, body = raw(inst.port, b"TRACE /api/v1/healthz HTTP/1.1\r\n"
                          b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 405 and json.loads(body)["detail"]
    # The JSON access log: every line parses, with mod_todo's items.
    deadline = time.time() + 5
    while time.time() < deadline:
        lines = open(inst.json_log).read().splitlines()
        if any(json.loads(l)["method"] == "TRACE" for l in lines):
            break
        time.sleep(0.1)
    entries = [json.loads(l) for l in lines]
    # (%{path}J is the path as httpd decoded it.)
    assert any(e["path"] == "/api/v1/tasks/x" and e["status"] == 404
               for e in entries), lines[-5:]
    assert any(e["status"] == 400 for e in entries)
    hz = [e for e in entries if e["path"] == "/api/v1/healthz"
          and e["status"] == 200]
    assert hz and hz[-1]["method"] == "GET" and hz[-1]["request_id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z",
                        hz[-1]["time"]), hz[-1]["time"]
    # And the configuration still tests clean.
    r = inst.apache2("-t")
    assert r.returncode == 0 and "Syntax OK" in r.stderr, r.stderr


def sha_hash(password):
    return "{SHA}" + base64.b64encode(
        hashlib.sha1(password.encode()).digest()).decode()


def test_todo_960_14_a_vhost_with_its_own_database(inst):
    """Another module uses mod_dbd: the main server's DBDriver/DBDParams
    name its SQLite file, which another site (a <VirtualHost> without
    DBD lines of its own) authenticates against with mod_authn_dbd; the
    API is Included in one <VirtualHost>, with its own DBDriver/DBDParams,
    as docs/install.md says. Both work: the vhost serves the API, the
    other site's Basic authentication keeps its database, which mod_todo
    neither checks (www-data may not even write its directory), prepares
    statements on nor migrates; the other site mounts no API.

    (mod_dbd prepares the statements declared in the main server itself
    on every virtual host's connections, so the other module's query is
    declared in its site's <VirtualHost>: docs/install.md.)"""
    conf = os.path.join(inst.tmp, "apache2-vhost")
    shutil.copytree(inst.conf, conf, symlinks=True)
    other = os.path.join(inst.tmp, "other")
    os.makedirs(os.path.join(other, "files"))
    os.chmod(other, 0o755)  # root's: www-data could not write here
    users = os.path.join(other, "users.db")
    with sqlite3.connect(users) as db:
        db.execute("CREATE TABLE users (name TEXT PRIMARY KEY, "
                   "password TEXT)")
        db.execute("INSERT INTO users VALUES ('alice', ?)",
                   (sha_hash("wonderland"),))
    os.chmod(users, 0o644)
    with open(os.path.join(other, "files", "ok.txt"), "w") as f:
        f.write("ok\n")
    vport = free_port()
    env = dict(os.environ, APACHE_CONFDIR=conf,
               APACHE_STATE_DIRECTORY=os.path.join(inst.tmp, "state3"))
    for tool, name in ((A2DISCONF, "todo"), (A2ENMOD, "authn_dbd")):
        r = subprocess.run([tool, name], env=env, capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stdout + r.stderr
    with open(os.path.join(conf, "conf-enabled", "other-dbd.conf"), "w") as f:
        f.write("""# Another mod_dbd user: the main server's database...
DBDriver sqlite3
DBDParams %(users)s
# ... for a site's Basic authentication.
<VirtualHost 127.0.0.1:%(port)d>
    Alias /private %(other)s/files
    <Directory %(other)s/files>
        AuthType Basic
        AuthName private
        AuthBasicProvider dbd
        AuthDBDUserPWQuery "SELECT password FROM users WHERE name = %%s"
        Require valid-user
    </Directory>
</VirtualHost>
""" % {"users": users, "other": other, "port": inst.port})
    with open(os.path.join(conf, "ports.conf"), "a") as f:
        f.write("Listen 127.0.0.1:%d\n" % vport)
    vlog = os.path.join(inst.run_dirs["log"], "vhost.json.log")
    with open(os.path.join(conf, "sites-enabled", "todo-api.conf"), "w") as f:
        f.write("""<VirtualHost 127.0.0.1:%d>
    Include %s
    CustomLog %s todo_json
</VirtualHost>
""" % (vport, inst.api_conf, vlog))
    inst.stop()
    proc = None
    try:
        r = subprocess.run([APACHE2, "-d", conf, "-f", "apache2.conf", "-t"],
                           env=inst.apache_env(), capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        proc = subprocess.Popen(
            [APACHE2, "-d", conf, "-f", "apache2.conf", "-DFOREGROUND"],
            env=inst.apache_env(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        api = "http://127.0.0.1:%d/api/v1" % vport
        main = "http://127.0.0.1:%d" % inst.port
        deadline = time.time() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read() + open(
                inst.error_log).read()[-3000:]
            try:
                if requests.get(api + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.time() < deadline, "the vhost did not answer"
            time.sleep(0.1)
        name = "vh" + uuid.uuid4().hex[:10]
        r = requests.post(api + "/auth/register", timeout=30, json={
            "email": name + "@example.com", "username": name,
            "password": "correct horse"})
        assert r.status_code == 201, r.text + open(inst.error_log).read()
        r = requests.post(api + "/auth/login", timeout=30, data={
            "username": name, "password": "correct horse"})
        assert r.status_code == 200, r.text
        auth = {"Authorization": "Bearer " + r.json()["access_token"]}
        r = requests.post(api + "/tasks", headers=auth, timeout=30,
                          json={"title": "In a vhost"})
        assert r.status_code == 201, r.text
        assert r.headers["X-Frame-Options"] == "DENY"
        # The other site: the main server's database serves its Basic
        # authentication; no API there.
        r = requests.get(main + "/private/ok.txt", timeout=10,
                         auth=("alice", "wonderland"))
        assert r.status_code == 200 and r.text == "ok\n", r.status_code
        r = requests.get(main + "/private/ok.txt", timeout=10,
                         auth=("alice", "wrong"))
        assert r.status_code == 401
        assert requests.get(main + "/api/v1/healthz",
                            timeout=10).status_code == 404
        with sqlite3.connect(users) as db:
            tables = [t for (t,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert tables == ["users"], tables
        entries = [json.loads(l) for l in open(vlog).read().splitlines()]
        assert any(e["path"] == "/api/v1/tasks" and e["status"] == 201
                   for e in entries)
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        inst.start()


def test_todo_960_11_independent_of_the_systems_apache(tmp_path):
    """On a machine whose own Apache runs mod_todo (todo and dbd enabled),
    this file's tests pass all the same: they run here on a copy of
    /etc/apache2 with both enabled (and a dangling todo.load, as after
    make uninstall), in a pytest of their own."""
    if os.environ.get("TODO_TEST_APACHE_CONFDIR"):
        pytest.skip("already the inner run")
    dirty = str(tmp_path / "apache2")
    shutil.copytree("/etc/apache2", dirty, symlinks=True)
    enabled = os.path.join(dirty, "mods-enabled")
    for name in ("todo.load", "todo.conf", "dbd.load"):
        path = os.path.join(enabled, name)
        if not os.path.lexists(path):
            os.symlink("../mods-available/" + name, path)
    with open(os.path.join(dirty, "mods-available", "todo.load"), "w") as f:
        f.write("LoadModule todo_module /nonexistent/mod_todo.so\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("TODO_MODULE", "TODO_SAN_LOGDIR")}
    env["TODO_TEST_APACHE_CONFDIR"] = dirty
    r = subprocess.run(
        ["/usr/bin/python3", "-m", "pytest", "-p", "no:cacheprovider", "-q",
         "-k", "not 960_11", os.path.abspath(__file__)],
        cwd=os.path.dirname(os.path.abspath(__file__)), env=env,
        capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-2000:]
    others = len([n for n in globals() if n.startswith("test_todo_960_")])
    assert re.search(r"\b%d passed\b" % (others - 1), r.stdout), \
        r.stdout[-2000:]
