"""Slow and huge clients (conf/todo-limits.conf.in): mod_reqtimeout cuts
off clients that trickle their request (slowloris) while others are
served; too many header fields and bodies over the limits are refused with
JSON errors.

The shipped timeouts are seconds long (handshake 5 s, headers 10-20 s,
body 10 s); this file's instance shortens them to 2-3 s to keep the test
fast, and checks the shipped values separately."""

import os
import re
import select
import socket
import ssl
import threading
import time

import pytest

from env import TodoEnv, parse_response

SHORT = ("RequestReadTimeout handshake=2 header=2-3,MinRate=500 "
         "body=2,MinRate=500\n")
# Cut-off bound: the longest configured timeout plus slack for a busy box.
BOUND = 3 + 3

# The API mounted a second time with a module limit above httpd's, so that
# httpd's LimitRequestBody is the one that answers.
BIG = """<Location /big>
    SetHandler todo-api
    Require all granted
    TodoMaxBodySize 4M
</Location>
"""

MIB = 1 << 20


@pytest.fixture(scope="module")
def lenv():
    e = TodoEnv(name="limits")
    e.install_conf(SHORT + BIG)
    assert e.start() == 0
    yield e
    e.cleanup()


@pytest.fixture(autouse=True)
def _limits_log_is_clean(lenv):
    lenv.new_log_lines()
    yield
    bad = lenv.unexpected_log_lines()
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)


def parse(raw):
    """(status code or None, headers, body) of a raw HTTP response."""
    line, headers, body = parse_response(raw)
    return (int(line.split()[1]) if line else None), headers, body


class SlowClient(threading.Thread):
    """Sends head at once, then slow one byte a second, until the server
    answers or closes. Records the response and when it ended (seconds
    after the first slow byte)."""

    def __init__(self, env, head, slow, tcp=False):
        """tcp: a bare TCP connection, even when the instance is HTTPS."""
        super().__init__(daemon=True)
        self.env, self.head, self.slow, self.tcp = env, head, slow, tcp
        self.raw, self.elapsed, self.error = b"", None, None
        self.started = threading.Event()

    def run(self):
        try:
            if self.tcp:
                s = socket.create_connection(("127.0.0.1", self.env.port),
                                             timeout=BOUND + 5)
            else:
                s = self.env.connect(timeout=BOUND + 5)
        except Exception as e:  # noqa: BLE001 (reported by the test)
            self.error = e
            self.started.set()
            return
        try:
            s.sendall(self.head)
            t0 = time.monotonic()
            self.started.set()
            self.raw = self.trickle(s, t0)
            self.elapsed = time.monotonic() - t0
        except Exception as e:  # noqa: BLE001
            self.error = e
        finally:
            s.close()

    def trickle(self, s, t0):
        out = b""
        for byte in self.slow:
            try:
                s.sendall(bytes([byte]))
            except OSError:  # the server has closed
                break
            if self.wait_readable(s, 1.0):
                break
            if time.monotonic() - t0 > BOUND + 5:
                return b"(still connected)"
        return out + read_all(s)

    @staticmethod
    def wait_readable(s, timeout):
        if isinstance(s, ssl.SSLSocket) and s.pending():
            return True
        return bool(select.select([s], [], [], timeout)[0])


def read_all(s):
    out = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ssl.SSLEOFError, ConnectionResetError):
            break
        if not chunk:
            break
        out += chunk
    return out


def test_todo_170_01_shipped_values(lenv):
    """What ships (the test instance overrides only the timeouts, after
    the shipped file: conf.d comes last)."""
    with open(os.path.join(lenv.dir, "todo-limits.conf")) as f:
        shipped = [line.strip() for line in f
                   if line.strip() and not line.startswith("#")]
    assert ("RequestReadTimeout handshake=5 header=10-20,MinRate=500 "
            "body=10,MinRate=500") in shipped
    for line in ("Timeout 30", "KeepAliveTimeout 5", "LimitRequestLine 8190",
                 "LimitRequestFields 50", "LimitRequestFieldSize 16384",
                 "LimitRequestBody 2097152"):
        assert line in shipped, line
    # Valid in a <VirtualHost> too (an installation Includes it in one):
    # the instance's httpd.conf loads mod_reqtimeout.
    assert not any(line.startswith("LoadModule") for line in shipped)
    with open(lenv.conf) as f:
        conf = f.read()
    assert re.search(r"^LoadModule reqtimeout_module ", conf, re.M)
    assert (conf.index("todo-limits.conf") < conf.index("conf.d/*.conf"))


def test_todo_170_02_slow_clients_cut_off_others_served(lenv):
    """Four slow clients at once, each cut off within the configured
    bound, while ordinary requests -- the health check, and a user's
    task written and read back through the database -- are answered at
    once meanwhile."""
    _, tokens, _ = lenv.new_session()
    token = tokens["access_token"]
    slowloris = SlowClient(  # request line sent, headers one byte a second
        lenv, b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n",
        b"X-Slow: " + b"a" * 60)
    slow_line = SlowClient(  # the request line itself one byte a second
        lenv, b"", b"GET /api/v1/healthz?" + b"a" * 60)
    slow_body = SlowClient(  # complete headers, body one byte a second
        lenv, b"POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nContent-Length: 100\r\n"
              b"\r\n", b"{" + b" " * 99)
    # The first bytes of a TLS ClientHello, then one a second: a slow
    # handshake over HTTPS; over HTTP, a request line that never ends.
    # (A client that sends nothing at all is not httpd's to time out:
    # the kernel holds it until data comes, see AcceptFilter.)
    slow_hello = SlowClient(lenv, b"\x16\x03\x01", b"\x00" * 60, tcp=True)
    clients = [slowloris, slow_line, slow_body, slow_hello]
    for c in clients:
        c.start()
    for c in clients:
        assert c.started.wait(10)

    # Meanwhile: normal clients are served, promptly.
    time.sleep(0.5)
    for _ in range(5):
        t0 = time.monotonic()
        r = lenv.get("/healthz", timeout=5)
        assert r.status_code == 200 and r.json() == {"status": "ok"}
        assert time.monotonic() - t0 < 1.0
        t0 = time.monotonic()
        r = lenv.post("/tasks", token, json={"title": "served"}, timeout=5)
        assert r.status_code == 201, r.text
        got = lenv.get("/tasks/" + r.json()["id"], token, timeout=5)
        assert got.status_code == 200 and got.json() == r.json()
        assert time.monotonic() - t0 < 1.0
    assert all(c.is_alive() for c in clients), "cut off too early"

    for c in clients:
        c.join(BOUND + 10)
        assert not c.is_alive()
        assert c.error is None, c.error
        assert c.elapsed is not None and 1.5 <= c.elapsed <= BOUND, \
            (c.elapsed, c.raw[:200])

    # Headers too slow: 408, in JSON.
    status, headers, body = parse(slowloris.raw)
    assert status == 408, slowloris.raw[:300]
    assert headers["content-type"].startswith("application/json")
    assert body == b'{"detail":"Request Timeout"}'
    # No complete request line ever came: closed without an answer.
    assert slow_line.raw == b""
    # The slow handshake: closed, with at most a TLS alert, never HTTP.
    assert not slow_hello.raw.startswith(b"HTTP/"), slow_hello.raw[:100]
    if not lenv.tls:
        assert slow_hello.raw == b""
    # Body too slow: the module's JSON error, connection closed.
    status, headers, body = parse(slow_body.raw)
    assert status == 408, slow_body.raw[:300]
    assert headers["content-type"].startswith("application/json")
    assert b"Timed out" in body, body
    assert headers["connection"] == "close"


def raw_get(env, n_headers):
    conn = env.http_connection(timeout=10)
    try:
        conn.putrequest("GET", "/api/v1/healthz")
        for i in range(n_headers):
            conn.putheader("X-Extra-%d" % i, "v")
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()
    finally:
        conn.close()


def test_todo_170_03_too_many_header_fields(lenv):
    # http.client adds Host and Accept-Encoding: 40 + 2 < 50 < 60 + 2.
    status, _, body = raw_get(lenv, 40)
    assert status == 200, body
    status, ctype, body = raw_get(lenv, 60)
    assert status == 400
    assert ctype.startswith("application/json")
    assert body == b'{"detail":"Bad Request"}'


def post_body(env, path, size, chunked=False):
    body = b"{" + b" " * (size - 2) + b"}"
    data = body
    if chunked:  # a generator: requests sends it chunked
        step = 64 * 1024
        data = (body[i:i + step] for i in range(0, len(body), step))
    return env.session.post(env.base + path, data=data, timeout=30,
                            headers={"Content-Type": "application/json"})


def test_todo_170_04_between_module_and_httpd_limit(lenv):
    # 1.5 MiB: over TodoMaxBodySize (1 MiB), under LimitRequestBody
    # (2 MiB): the module's own 413.
    r = post_body(lenv, "/api/v1/auth/register", 3 * MIB // 2)
    assert r.status_code == 413
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "Request body larger than 1048576 bytes"}


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_todo_170_05_over_httpd_limit(lenv, chunked):
    # 3 MiB under the shipped mount: still the module's 413 (it decides
    # first, from Content-Length or as the body comes).
    r = post_body(lenv, "/api/v1/auth/register", 3 * MIB, chunked)
    assert r.status_code == 413
    assert r.json() == {"detail": "Request body larger than 1048576 bytes"}
    # Where the module would take more (TodoMaxBodySize 4M), httpd's
    # LimitRequestBody answers, in JSON as well.
    r = post_body(lenv, "/big/auth/register", 3 * MIB, chunked)
    assert r.status_code == 413
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "Request body too large"}
    # Under both limits the mount works.
    r = lenv.session.post(lenv.base + "/big/auth/register", json={})
    assert r.status_code == 422
