"""The API from a browser (headless Chromium, tests/js/*.mjs): pages served
by the same httpd on other loopback origins (a Listen and <VirtualHost>
each, in the instance's conf.d/).

- CORS as an admin configures it: conf.d/cors.conf defines
  TODO_CORS_ORIGINS (docs/operations.md, "CORS") as exactly one of the
  two page origins. The instance's default would allow both (any port of
  127.0.0.1), so the page that must get nothing fails the test unless the
  Define is honoured.
- Realtime across token renewals: with 10-second access tokens a page
  follows its events with docs/realtime.md's followEvents() (the test
  copies the doc's code block into the page) while tasks are written
  every 200 ms; each one must arrive exactly once."""

import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
import uuid

import pytest

from browser import JS, NO_BROWSER_TLS, node_script
from env import API, TOP, TodoEnv, free_port

REALTIME_MD = os.path.join(TOP, "docs", "realtime.md")


def doc_sample():
    """The code block docs/realtime.md marks as followEvents'."""
    with open(REALTIME_MD) as f:
        text = f.read()
    m = re.search(r"<!-- followEvents: [^\n]*-->\n```js\n(.*?)\n```\n",
                  text, re.S)
    assert m, "docs/realtime.md: no followEvents block"
    return m.group(1) + "\n"


def page_env(name, conf=""):
    """A started instance that also serves tests/js/pages/ (with the doc's
    follow-events.js) on two more loopback ports: `allowed` is the
    origin conf.d/cors.conf allows, `foreign` one it does not."""
    e = TodoEnv(name=name)
    ports = set()
    while len(ports) < 2:
        ports.add(free_port())
    allowed, foreign = sorted(ports)
    pages = os.path.join(e.dir, "pages")
    shutil.copytree(os.path.join(JS, "pages"), pages)
    with open(os.path.join(pages, "follow-events.js"), "w") as f:
        f.write(doc_sample())
    vhosts = "".join(
        "Listen 127.0.0.1:%d\n"
        "<VirtualHost 127.0.0.1:%d>\n"
        "    DocumentRoot \"%s\"\n"
        "</VirtualHost>\n" % (port, port, pages) for port in (allowed, foreign))
    e.install_conf('<Directory "%s">\n    Require all granted\n'
                   "    Options None\n    AllowOverride None\n</Directory>\n"
                   % pages + vhosts, name="pages.conf")
    # The documented way: a Define in a file of the instance's conf.d/.
    e.install_conf('Define TODO_CORS_ORIGINS "^http://127\\.0\\.0\\.1:%d$"\n'
                   % allowed, name="cors.conf")
    if conf:
        e.install_conf(conf)
    out = e.start()
    if out != 0:
        e.cleanup()
    assert out == 0, out
    e.page = {"allowed": "http://127.0.0.1:%d/index.html" % allowed,
              "foreign": "http://127.0.0.1:%d/index.html" % foreign}
    return e


@pytest.fixture
def cors_env():
    e = page_env("cors")
    yield e
    e.cleanup()


@pytest.fixture
def renew_env():
    # Streams notice a page gone within 2 s (the test ends with its page).
    e = page_env("renew", "TodoAccessTokenLifetime 10\n"
                          "TodoStreamHeartbeat 2\n")
    yield e
    e.cleanup()


def access_log(e):
    with open(e.access_log) as f:
        return f.read()


def logged(e, method, path, status=None):
    """Access-log lines of requests METHOD path (with its query)."""
    pat = r'"%s %s HTTP/1\.1" %s ' % (
        method, re.escape(path), status if status else r"\d+")
    return re.findall(pat, access_log(e))


def clean_error_log(e, *expected):
    for pattern in expected:
        e.expect_log(pattern)
    bad = e.unexpected_log_lines()
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)


@NO_BROWSER_TLS
def test_todo_186_01_cors_for_the_allowed_origin_only(cors_env):
    e = cors_env
    user, password = e.new_user()
    token = e.login(user["username"], password)["access_token"]
    nonce = uuid.uuid4().hex[:12]
    cfg = {"api": e.api, "allowed": e.page["allowed"],
           "foreign": e.page["foreign"], "username": user["username"],
           "password": password, "token": token, "nonce": nonce}
    p = subprocess.run(["node", node_script("cors_page.mjs"), json.dumps(cfg)],
                       capture_output=True, text=True, timeout=120)
    lines = p.stdout.strip().splitlines()
    assert lines, "cors_page.mjs printed nothing:\n" + p.stderr
    out = json.loads(lines[-1])
    assert p.returncode == 0 and out["ok"], out

    # The allowed origin: everything readable.
    a = out["allowed"]
    assert a["login"] == 200
    task = a["post"]["task"]
    assert a["post"]["status"] == 201 and task["title"] == "cors " + nonce
    assert a["post"]["location"] == API + "/tasks/" + task["id"]
    assert re.fullmatch(r'"1-[0-9a-f]{12}"', a["post"]["etag"]), a["post"]
    # ... after a preflight, which the POST waited for.
    probe = API + "/tasks?probe=" + nonce
    log = access_log(e)
    pre = log.find('"OPTIONS %s HTTP/1.1" 204 ' % probe)
    post = log.find('"POST %s HTTP/1.1" 201 ' % probe)
    assert 0 <= pre < post, log
    # Its task, live on the EventSource (?access_token=) and the WebSocket.
    created = {"type": "task.created", "task": task}
    assert [ev["event"] for ev in a["sse"]] == [created]
    assert int(a["sse"][0]["id"]) > 0
    assert a["ws"] == [created]
    assert a["wsProtocol"] == "bearer"
    # A 401's body and WWW-Authenticate.
    assert a["unauthorized"]["status"] == 401
    assert a["unauthorized"]["body"] == {
        "detail": "Could not validate credentials"}
    assert a["unauthorized"]["wwwAuthenticate"].startswith("Bearer")
    # ETags: read, sent back, a stale one refused with a readable 412.
    assert a["update"]["status"] == 200
    assert a["update"]["etag"] not in (None, a["post"]["etag"])
    assert a["stale"]["status"] == 412
    assert "ETag mismatch" in a["stale"]["body"]["detail"]
    assert a["current"] == {"status": 200, "etag": a["update"]["etag"]}

    # The foreign origin: nothing.
    f = out["foreign"]
    assert not f["get"]["read"] and f["get"]["error"].startswith("TypeError")
    assert not f["post"]["read"] and f["post"]["error"].startswith("TypeError")
    # Its preflight was refused (an ordinary OPTIONS), so no POST was sent.
    probe = API + "/tasks?probe=foreign-" + nonce
    assert logged(e, "OPTIONS", probe, 405)
    assert not logged(e, "POST", probe)
    assert f["opaque"] == {"type": "opaque", "status": 0, "body": ""}
    assert f["es"] == {"error": True, "readyState": 2}  # CLOSED, for good
    assert f["ws"] == {"error": True, "code": 1006}
    assert logged(e, "GET", API + "/ws?probe=foreign-" + nonce, 403)
    assert f["after"] == {"sse": [], "ws": [], "esReadyState": 2,
                          "wsReadyState": 3}
    # Only the allowed page's task exists.
    tasks = e.get("/tasks", token).json()
    assert [t["id"] for t in tasks["tasks"]] == [task["id"]]
    clean_error_log(e, r"AH01630")  # the foreign /ws: denied


class Page:
    """renewal.mjs running: its JSON lines in a queue."""

    def __init__(self, cfg):
        self.p = subprocess.Popen(
            ["node", node_script("renewal.mjs"), json.dumps(cfg)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            line = None
        if line is None:
            self.p.kill()
            raise AssertionError("renewal.mjs: nothing within %ss\n%s"
                                 % (timeout, self.p.stderr.read()))
        return json.loads(line)

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


class Writer:
    """Tasks written by the test for the page's user, with tokens of a
    login of its own, logged in again before they expire."""

    def __init__(self, e, username, password):
        self.e, self.username, self.password = e, username, password
        self.token, self.renew_at = None, 0
        self.ids = []

    def write(self, title):
        if time.monotonic() >= self.renew_at:
            tokens = self.e.login(self.username, self.password)
            self.token = tokens["access_token"]
            self.renew_at = time.monotonic() + tokens["expires_in"] - 4
        r = self.e.post("/tasks", self.token, json={"title": title})
        assert r.status_code == 201, r.text
        self.ids.append(r.json()["id"])


@NO_BROWSER_TLS
def test_todo_186_10_events_survive_token_renewals(renew_env):
    """docs/realtime.md's recipe: when the stream ends (the token expired),
    renew the token and open a new EventSource with it and
    last_event_id. Tasks are written every 200 ms for 35 s (and until
    the page renewed 3 times); every event must arrive once, in order.
    The page's refreshes take a second more than they would (renewal.mjs),
    so several tasks each time are written while no stream is open."""
    e = renew_env
    user, password = e.new_user()
    last = "last " + uuid.uuid4().hex[:8]
    page = Page({"api": e.api, "page": e.page["allowed"],
                 "username": user["username"], "password": password,
                 "last": last, "timeout": 120000})
    try:
        assert page.next(60) == {"ready": True}
        writer = Writer(e, user["username"], password)
        start = time.monotonic()
        n = 0
        while True:
            elapsed = time.monotonic() - start
            if elapsed >= 70 or elapsed >= 35 and len(
                    logged(e, "POST", API + "/auth/refresh", 200)) >= 3:
                break
            writer.write("task %03d" % n)
            n += 1
            time.sleep(max(0.0, start + 0.2 * n - time.monotonic()))
        writer.write(last)
        out = page.next(120)
    finally:
        page.close()
    assert out["ok"], out

    events = out["events"]
    # Every task written, once, in order; nothing else.
    assert [ev["type"] for ev in events] == ["task.created"] * len(events)
    got = [ev["task"]["id"] for ev in events]
    assert len(got) == len(set(got)), "duplicates"
    assert got == writer.ids, ("missing: %s\nextra: %s" % (
        [i for i in writer.ids if i not in got],
        [i for i in got if i not in writer.ids]))
    # Their ids follow each other (the ring holds only these events).
    ids = [int(ev["id"]) for ev in events]
    assert ids == list(range(ids[0], ids[0] + len(ids))), ids
    # At least 3 renewals, each a new EventSource resuming from the last id
    # the page had seen; the session never ended.
    assert out["renewals"] >= 3, out
    assert out["ended"] is None
    assert len(logged(e, "POST", API + "/auth/refresh", 200)) == out["renewals"]
    assert not logged(e, "POST", API + "/auth/refresh", 401)
    streams = out["streams"]
    assert len(streams) == out["renewals"] + 1, streams
    assert streams[0]["lastEventId"] is None
    for s in streams[1:]:
        assert s["lastEventId"] is not None, streams
        assert s["lastEventId"] == s["lastSeen"], streams
    # Each ended stream was reported by an error event, then closed.
    assert len(out["errors"]) == out["renewals"], out["errors"]
    assert set(out["errors"]) <= {0, 2}, out["errors"]
    assert out["resets"] == 0
    clean_error_log(e)


@NO_BROWSER_TLS
def test_todo_186_11_a_refused_stream_is_renewed_too(renew_env):
    """The recipe's other case: an EventSource refused at once (here a page
    starting from a stored access token that is no longer valid; also what
    EventSource's own retry with an expired token gets) fires its error
    with readyState CLOSED; the page renews and follows on."""
    e = renew_env
    user, password = e.new_user()
    last = "last " + uuid.uuid4().hex[:8]
    page = Page({"api": e.api, "page": e.page["allowed"],
                 "username": user["username"], "password": password,
                 "last": last, "timeout": 30000, "staleToken": True})
    try:
        assert page.next(60) == {"ready": True}
        writer = Writer(e, user["username"], password)
        writer.write(last)
        out = page.next(60)
    finally:
        page.close()
    assert out["ok"], out
    assert [ev["task"]["id"] for ev in out["events"]] == writer.ids
    assert out["errors"] == [2]  # CLOSED: EventSource gave up by itself
    assert out["renewals"] == 1 and out["opens"] == 1
    assert logged(e, "GET", API + "/events?access_token=[redacted]", 401)
    clean_error_log(e)


@NO_BROWSER_TLS
def test_todo_186_20_stock_swagger_ui_on_another_origin(cors_env):
    """swagger-ui-dist as an admin downloads it (its own index.html and
    initializer, tests/js/stock-swagger-ui/, with only its url set to the
    API's document), served from an origin CORS allows: "Authorize" logs
    in with the OAuth2 password flow (the token request goes to the API,
    not to the page's server) and "Try it out" on POST /tasks gets a 201
    (tests/js/swagger_ui.mjs)."""
    e = cors_env
    stock = os.path.join(e.dir, "pages", "swagger")
    shutil.copytree(os.path.join(TOP, "ui", "node_modules",
                                 "swagger-ui-dist"), stock)
    for name in ("index.html", "swagger-initializer.js"):
        with open(os.path.join(JS, "stock-swagger-ui", name)) as f:
            text = f.read().replace("@SPEC_URL@", e.api + "/openapi.json")
        with open(os.path.join(stock, name), "w") as f:
            f.write(text)
    page = e.page["allowed"].replace("/index.html", "/swagger/index.html")
    user, password = e.new_user()
    title = "stock UI " + uuid.uuid4().hex[:8]
    p = subprocess.run(
        ["node", node_script("swagger_ui.mjs"), e.base, user["username"],
         password, os.path.join(e.dir, "stock-swagger-ui.png"), title],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, SWAGGER_UI_PAGE=page))
    lines = p.stdout.strip().splitlines()
    assert lines, "swagger_ui.mjs printed nothing:\n" + p.stderr
    out = json.loads(lines[-1])
    assert p.returncode == 0 and out["ok"], out
    assert out["task"]["title"] == title
    assert out["tokenRequests"] == [e.api + "/auth/login"], out
    # Preflighted, then posted, at the API: the access log has both.
    assert logged(e, "OPTIONS", API + "/tasks", 204) or \
        logged(e, "OPTIONS", API + "/tasks", 200)
    assert logged(e, "POST", API + "/tasks", 201)
    assert logged(e, "POST", API + "/auth/login", 200)
    clean_error_log(e)
