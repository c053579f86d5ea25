"""The API from a browser (headless Chromium, tests/js/*.mjs): pages served
by the same httpd on other loopback origins (a Listen and <VirtualHost>
each, in the instance's conf.d/).

CORS as an admin configures it: conf.d/cors.conf defines
TODO_CORS_ORIGINS (docs/operations.md, "CORS") as exactly one of the two
page origins. The instance's default would allow both (any port of
127.0.0.1), so the page that must get nothing fails the test unless the
Define is honoured."""

import json
import os
import re
import shutil
import subprocess
import uuid

import pytest

from browser import JS, NO_BROWSER_TLS, node_script
from env import API, TodoEnv, free_port

def page_env(name, conf=""):
    """A started instance that also serves tests/js/pages/ on two more
    loopback ports: `allowed` is the
    origin conf.d/cors.conf allows, `foreign` one it does not."""
    e = TodoEnv(name=name)
    ports = set()
    while len(ports) < 2:
        ports.add(free_port())
    allowed, foreign = sorted(ports)
    pages = os.path.join(e.dir, "pages")
    shutil.copytree(os.path.join(JS, "pages"), pages)
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
