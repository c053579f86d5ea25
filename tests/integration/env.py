"""A mod_todo instance under test: a real httpd on a free loopback port.

Each TodoEnv owns an instance directory made by scripts/instance.sh (the
same script `make run` uses), so the tests run the shipped configuration.
Tests add Apache configuration through `env.install_conf(text)` followed by
`env.restart()`, in the manner of httpd's own test/pyhttpd.

With TODO_TEST_TLS=1 every instance serves HTTPS (instance.sh TLS=1) with
the self-signed certificate instance.sh makes, and every client verifies
it: `env.verify` for requests, `env.ssl_context()` for raw sockets.
"""

import atexit
import http.client
import itertools
import os
import re
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import time
import uuid

import requests

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
API = "/api/v1"

# Error-log lines that are expected in normal operation.
BENIGN = [
    r"AH00489",  # configured -- resuming normal operations
    r"AH00094",  # Command line
    r"AH00491",  # caught SIGTERM, shutting down
    r"AH00492",  # caught SIGWINCH, shutting down gracefully
    r"AH00493",  # SIGUSR1 received.  Doing graceful restart
    r"AH00169",  # caught SIGTERM
    r"AH00558",  # could not reliably determine the server's FQDN
    # mod_ssl built against a newer OpenSSL 3.0.x than the installed
    # libssl3 (same ABI; a Debian point release apart).
    r"AH01882",
    r"MT00010",  # applied migration
    r"MT00016",  # bearer token refused (info)
]


# Ports below the kernel's ephemeral range (32768-60999), a range of
# its own for each pytest-xdist worker (gw0, gw1, ...) and one for a run
# without workers: the suite's parallel workers never pick the same port,
# and no client connection's port is ever one of them. Each process starts
# at a place of its own in its range, so two suites run at once on one
# machine (two checkouts) seldom race for a port between the check and
# httpd's bind.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw") and int(_WORKER[2:]) < 5:
    _PORTS = (10000 + 4000 * int(_WORKER[2:]), 4000)
else:
    _PORTS = (30000, 2700)
_next_port = itertools.count(os.getpid() * 97 % _PORTS[1])


def free_port():
    """A loopback TCP port nobody listens on, not given out before by
    this process (unless its whole range has been)."""
    base, span = _PORTS
    for _ in range(span):
        port = base + next(_next_port) % span
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in %d-%d" % (base, base + span - 1))


def read_head(sock):
    """Read the head of an HTTP/1.1 response from a raw socket: (status,
    the head as text, the bytes read past it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode("latin-1"), rest


def parse_response(raw):
    """(status line, headers with lowercased names, body) of the raw
    bytes of one HTTP/1.1 response; (None, {}, b"") for none at all."""
    if not raw:
        return None, {}, b""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, body


def httpd_binary():
    sbindir = subprocess.check_output(["apxs", "-q", "SBINDIR"], text=True).strip()
    target = subprocess.check_output(["apxs", "-q", "TARGET"], text=True).strip()
    return os.path.join(sbindir, target)


# Which database the suite runs against: sqlite3 (default) or pgsql.
DB = os.environ.get("TODO_TEST_DB", "sqlite3")
# Whether every instance serves HTTPS rather than HTTP.
TLS = os.environ.get("TODO_TEST_TLS", "0") == "1"


class PgCluster:
    """A private PostgreSQL cluster (scripts/pg.sh), one per test run,
    started on first use and removed at exit."""

    instance = None

    def __init__(self):
        # 0700 and root's, as mkdtemp makes it: scripts/pg.sh gives it to
        # the user the cluster runs as.
        self.dir = tempfile.mkdtemp(prefix="mod_todo-pg-")
        self.port = free_port()
        self.start()
        atexit.register(self.remove)

    def start(self):
        subprocess.check_call(["sh", os.path.join(TOP, "scripts", "pg.sh"),
                               "start", self.dir, str(self.port)])

    def stop(self):
        subprocess.check_call(["sh", os.path.join(TOP, "scripts", "pg.sh"),
                               "stop", self.dir])

    @classmethod
    def get(cls):
        if cls.instance is None:
            cls.instance = PgCluster()
        return cls.instance

    def createdb(self):
        name = "todo_" + uuid.uuid4().hex[:12]
        subprocess.check_call(["sh", os.path.join(TOP, "scripts", "pg.sh"),
                               "createdb", self.dir, str(self.port), name])
        return name

    def params(self, dbname):
        return ("host=127.0.0.1 port=%d dbname=%s user=postgres "
                "connect_timeout=2" % (self.port, dbname))

    def psql(self, dbname, sql, *args):
        """Run one statement; ? placeholders take args (as text)."""
        cmd = ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
               "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
               "-d", dbname]
        i = 0
        while "?" in sql:
            cmd += ["-v", "p%d=%s" % (i, args[i])]
            sql = sql.replace("?", ":'p%d'" % i, 1)
            i += 1
        out = subprocess.run(cmd, input=sql, capture_output=True, text=True,
                             check=True)
        return out.stdout

    def remove(self):
        subprocess.call(["sh", os.path.join(TOP, "scripts", "pg.sh"), "stop",
                         self.dir])
        shutil.rmtree(self.dir, ignore_errors=True)


def sanitizer_env():
    """The environment httpd runs in. With TODO_SAN_LOGDIR set (make
    test-asan) the module is an ASan/UBSan build: preload the runtime and
    send every report to that directory."""
    env = dict(os.environ)
    logdir = env.get("TODO_SAN_LOGDIR")
    if logdir:
        libasan = subprocess.check_output(
            ["gcc", "-print-file-name=libasan.so"], text=True).strip()
        env["LD_PRELOAD"] = os.path.realpath(libasan)
        env["ASAN_OPTIONS"] = ("log_path=%s/asan:detect_leaks=1:"
                               "fast_unwind_on_malloc=0:"
                               "halt_on_error=0" % logdir)
        env["UBSAN_OPTIONS"] = ("log_path=%s/ubsan:print_stacktrace=1:"
                                "halt_on_error=0" % logdir)
    return env


class Session(requests.Session):
    """A requests.Session whose own `verify` wins: plain requests lets
    REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE from the environment override it."""

    def request(self, method, url, **kw):
        if kw.get("verify") is None:
            kw["verify"] = self.verify
        return super().request(method, url, **kw)


class TodoEnv:
    def __init__(self, bcrypt_cost=4, name="todo", extra_env=None, pg=None,
                 dbname=None, rate_limits=False, tls=None):
        """pg/dbname: run on that PostgreSQL cluster (and database) rather
        than the suite's default; tls: HTTPS or not, whatever the suite's
        default (TODO_TEST_TLS). rate_limits: keep the shipped rate limits
        (10 a minute); otherwise they are raised out of the suite's way,
        since every test registers and logs in from 127.0.0.1."""
        # 0700, as mkdtemp makes it: scripts/instance.sh sets the modes
        # (make run's) that let httpd's children in and nobody else.
        self.dir = tempfile.mkdtemp(prefix="mod_todo-%s-" % name)
        self.port = free_port()
        self.tls = TLS if tls is None else tls
        self.scheme = "https" if self.tls else "http"
        # The certificate clients trust (instance.sh makes it), or True:
        # requests' own default.
        self.cert = os.path.join(self.dir, "tls.crt") if self.tls else None
        self.verify = self.cert or True
        self.base = "%s://127.0.0.1:%d" % (self.scheme, self.port)
        self.api = self.base + API
        self.bcrypt_cost = bcrypt_cost
        self.extra_env = extra_env or {}
        self.proc = None
        self.log_offset = 0
        self.expected = []
        env = dict(os.environ, BCRYPT_COST=str(bcrypt_cost), LOGLEVEL="info",
                   DB=DB, TLS="1" if self.tls else "0")
        for k in ("TLS_CERT", "TLS_KEY", "TLS_NAME"):
            env.pop(k, None)
        self.db = "pgsql" if pg else DB
        env["DB"] = self.db
        if self.db == "pgsql":
            self.pg = pg or PgCluster.get()
            self.dbname = dbname or self.pg.createdb()
            env["DB_PARAMS"] = self.pg.params(self.dbname)
        env.update(self.extra_env)
        self.instance_env = env
        self.conf = self.prepare_instance()
        if not rate_limits:
            self.install_conf("".join(
                "TodoRateLimit %s 1000000 1\n" % kind
                for kind in ("register", "login", "login-account",
                             "password")),
                name="00-ratelimits.conf")
        self.error_log = os.path.join(self.dir, "logs", "error.log")
        self.access_log = os.path.join(self.dir, "logs", "access.log")
        self.session = self.client()

    # ---- lifecycle -------------------------------------------------------

    def prepare_instance(self):
        """(Re)run scripts/instance.sh, as `make run` does at every start;
        returns the httpd.conf path."""
        return subprocess.check_output(
            ["sh", os.path.join(TOP, "scripts", "instance.sh"), self.dir,
             str(self.port)], env=self.instance_env, text=True).strip()

    def start(self, timeout=15):
        assert self.proc is None
        self.proc = subprocess.Popen(
            [httpd_binary(), "-f", self.conf, "-DFOREGROUND"],
            env=sanitizer_env(),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
            # scripts/run.sh's umask: what httpd makes is not for others.
            preexec_fn=lambda: os.umask(0o027))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read()
                code = self.proc.returncode
                self.proc = None
                # Startup errors after the config is read go to the log.
                log = "\n".join(self.new_log_lines())
                return "httpd exited with %s\n%s\n%s" % (code, out, log)
            try:
                r = requests.get(self.api + "/healthz", timeout=1,
                                 verify=self.verify)
                if r.status_code == 200:
                    return 0
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        return "httpd did not answer within %ss" % timeout

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.session.close()
        self.session = self.client()

    def graceful(self, timeout=60):
        """apachectl -k graceful: SIGUSR1 to the parent, then wait for
        the new generation to say it is running."""
        with open(self.error_log) as f:
            before = f.read().count("AH00489")
        old = set(self.children())
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.error_log) as f:
                if f.read().count("AH00489") > before:
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("no graceful restart within %ss" % timeout)
        # The old generation finishes what it is doing and exits; until
        # then a keep-alive connection to it would be answered with the
        # old configuration. Wait for it (a test holding a stream open
        # across the restart may keep it a while: not past the deadline),
        # and let the session's next request open a new connection.
        while old & set(self.children()) and time.time() < deadline:
            time.sleep(0.05)
        self.session.close()
        self.session = self.client()

    def children(self):
        """The pids of httpd's child processes."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid",
                              str(self.proc.pid)], capture_output=True,
                             text=True).stdout
        return sorted(int(p) for p in out.split())

    def kill9(self):
        """SIGKILL httpd and all its children at once (a crash)."""
        if self.proc is None:
            return
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.session.close()
        self.session = self.client()

    def restart(self):
        """Stop and start; returns 0 on success, else httpd's output."""
        self.stop()
        return self.start()

    def config_test(self):
        """Run httpd -t; returns (exit code, output)."""
        p = subprocess.run([httpd_binary(), "-t", "-f", self.conf],
                           capture_output=True, text=True,
                           env=sanitizer_env())
        return p.returncode, p.stdout + p.stderr

    def install_conf(self, text, name="test.conf"):
        with open(os.path.join(self.dir, "conf.d", name), "w") as f:
            f.write(text)

    def remove_conf(self, name="test.conf"):
        path = os.path.join(self.dir, "conf.d", name)
        if os.path.exists(path):
            os.remove(path)

    def cleanup(self):
        self.stop()
        if not os.environ.get("TODO_TEST_KEEP"):  # keep for a post-mortem
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        """`with TodoEnv(...) as e:` starts it (or fails) and cleans up."""
        out = self.start()
        assert out == 0, out
        return self

    def __exit__(self, *exc):
        self.cleanup()

    @property
    def secret(self):
        with open(os.path.join(self.dir, "jwt.secret"), "rb") as f:
            return f.read()

    def sql(self, statements, *args):
        """Run one statement on the instance's database, whichever it is:
        statements maps a driver name to its SQL (? placeholders).
        Returns the number of rows changed or the rows read."""
        sql = statements[self.db]
        if self.db == "pgsql":
            return self.pg.psql(self.dbname, sql, *args)
        con = sqlite3.connect(self.db_path, timeout=10)
        try:
            with con:
                cur = con.execute(sql, args)
                return cur.fetchall() if cur.description else cur.rowcount
        finally:
            con.close()

    @property
    def db_path(self):
        return os.path.join(self.dir, "data", "todo.db")

    # ---- the error log ---------------------------------------------------

    def expect_log(self, pattern):
        """Allow error-log lines matching pattern until the next check."""
        self.expected.append(pattern)

    def new_log_lines(self):
        try:
            with open(self.error_log, errors="replace") as f:
                f.seek(self.log_offset)
                data = f.read()
                self.log_offset = f.tell()
        except FileNotFoundError:
            return []
        return [line for line in data.splitlines() if line.strip()]

    def unexpected_log_lines(self):
        """Error-log lines at warn or worse that nobody expected."""
        bad = []
        for line in self.new_log_lines():
            m = re.search(r"\] \[[a-z_0-9]+:(\w+)\]", line)
            level = m.group(1) if m else "error"
            if level not in ("emerg", "alert", "crit", "error", "warn"):
                continue
            if any(re.search(p, line) for p in BENIGN + self.expected):
                continue
            bad.append(line)
        self.expected = []
        return bad

    # ---- HTTP ------------------------------------------------------------

    def client(self):
        """A new requests.Session that trusts this instance's certificate."""
        s = Session()
        s.verify = self.verify
        return s

    def ssl_context(self):
        """The TLS client context for raw connections (None without TLS)."""
        if not self.tls:
            return None
        return ssl.create_default_context(cafile=self.cert)

    def connect(self, timeout=5):
        """A raw connected socket, TLS-wrapped (handshake done) over HTTPS."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        if self.tls:
            try:
                s = self.ssl_context().wrap_socket(
                    s, server_hostname="127.0.0.1")
            except BaseException:
                s.close()
                raise
        return s

    def http_connection(self, timeout=30):
        """An http.client connection to the instance, HTTPS if it is."""
        if self.tls:
            return http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=timeout,
                context=self.ssl_context())
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)

    def url(self, path):
        return self.api + path

    def request(self, method, path, token=None, **kw):
        headers = dict(kw.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.url(path), headers=headers,
                                    **kw)

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token, **kw)

    def post(self, path, token=None, **kw):
        return self.request("POST", path, token, **kw)

    def patch(self, path, token=None, **kw):
        return self.request("PATCH", path, token, **kw)

    def put(self, path, token=None, **kw):
        return self.request("PUT", path, token, **kw)

    def delete(self, path, token=None, **kw):
        return self.request("DELETE", path, token, **kw)

    # ---- users -----------------------------------------------------------

    def new_user(self, password="correct horse", **fields):
        """Register a fresh user; returns (user json, password)."""
        tag = uuid.uuid4().hex[:12]
        body = {"email": "u%s@example.com" % tag, "username": "u" + tag,
                "password": password}
        body.update(fields)
        r = self.post("/auth/register", json=body)
        assert r.status_code == 201, r.text
        return r.json(), password

    def login(self, login, password):
        r = self.post("/auth/login",
                      data={"username": login, "password": password})
        assert r.status_code == 200, r.text
        return r.json()

    def new_session(self, **fields):
        """Register and log in; returns (user, tokens, password)."""
        user, password = self.new_user(**fields)
        return user, self.login(user["username"], password), password
