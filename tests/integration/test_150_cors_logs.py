"""Apache's own configuration shipped with the module: CORS with an
allow-list of origins (preflight answered by mod_rewrite, headers by
mod_headers) and a JSON access log with request id and user id."""

import json
import os
import time

ALLOWED = "http://localhost:3000"
FOREIGN = "https://evil.example"


def preflight(env, origin, path="/tasks"):
    return env.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})


class TestCors:
    def test_todo_150_01_preflight_from_allowed_origin(self, env):
        r = preflight(env, ALLOWED)
        assert r.status_code == 204
        assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert r.headers["Access-Control-Allow-Credentials"] == "true"
        assert "POST" in r.headers["Access-Control-Allow-Methods"]
        allowed = r.headers["Access-Control-Allow-Headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed
        # Swagger UI's token request carries X-Requested-With.
        assert "x-requested-with" in allowed
        assert "Origin" in r.headers["Vary"]

    def test_todo_150_02_foreign_origin_gets_nothing(self, env):
        r = preflight(env, FOREIGN)
        assert r.status_code == 405  # an ordinary OPTIONS: not routed
        assert not [h for h in r.headers
                    if h.lower().startswith("access-control-")]
        r = env.get("/healthz", headers={"Origin": FOREIGN})
        assert r.status_code == 200
        assert "Access-Control-Allow-Origin" not in r.headers

    def test_todo_150_03_actual_requests_carry_cors_headers(self, env):
        _, tokens, _ = env.new_session()
        r = env.post("/tasks", tokens["access_token"],
                     json={"title": "from the browser"},
                     headers={"Origin": ALLOWED})
        assert r.status_code == 201
        assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
        assert "ETag" in r.headers["Access-Control-Expose-Headers"]
        # Errors too, so the browser lets the page read them.
        r = env.get("/auth/me", headers={"Origin": ALLOWED})
        assert r.status_code == 401
        assert r.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_todo_150_04_foreign_origins_get_no_stream(env):
    """WebSocket handshakes are outside CORS, and a foreign EventSource is
    answered (the browser only hides it) while it holds a stream slot: a
    stream request from an origin neither allowed nor the API's own is
    refused, without an error-log line per refusal (the autouse fixture
    fails the test on any)."""
    _, tokens, _ = env.new_session()
    token = tokens["access_token"]
    ws = {"Connection": "Upgrade", "Upgrade": "websocket",
          "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    for _ in range(3):
        r = env.get("/events?access_token=" + token,
                    headers={"Origin": FOREIGN}, stream=True)
        assert r.status_code == 403
        r.close()
        r = env.get("/ws?access_token=" + token,
                    headers=dict(ws, Origin=FOREIGN))
        assert r.status_code == 403
    # An allowed origin, and the API's own pages, stream.
    for origin in (ALLOWED, env.base):
        r = env.get("/events?access_token=" + token,
                    headers={"Origin": origin}, stream=True)
        assert r.status_code == 200, origin
        r.close()


def test_todo_150_10_json_access_log(env):
    user, tokens, _ = env.new_session()
    marker = "/tasks?marker=%d" % time.time_ns()
    assert env.get(marker, tokens["access_token"]).status_code == 200
    path = env.access_log.replace("access.log", "access.json")
    deadline = time.time() + 5
    entry = None
    while entry is None and time.time() < deadline:
        with open(path) as f:
            for line in f:
                obj = json.loads(line)  # every line is JSON
                if obj["query"] == marker.split("?")[1]:
                    entry = obj
        time.sleep(0.05)
    assert entry, "no log line for the request"
    assert entry["user"] == user["id"]
    assert entry["status"] == 200 and entry["method"] == "GET"
    assert entry["path"] == "/api/v1/tasks"
    assert len(entry["request_id"]) >= 20
    assert isinstance(entry["duration_us"], int) and entry["bytes"] > 0
    assert entry["time"].endswith("Z")


def test_todo_150_11_json_access_log_is_json_for_any_bytes(make_env):
    """A User-Agent of caf\\xc3\\xa9 was logged as "caf\\xc3\\xa9", an
    invalid escape: the line was not JSON. Raw bytes in every logged field
    (path, query, User-Agent, a bad token's user) must still make lines
    that parse, showing the bytes (UTF-8 as it is, other bytes as
    U+0080..U+00FF); and the time is UTC, whatever TZ httpd runs in."""
    import calendar
    e = make_env(name="jsonlog", extra_env={"TZ": "Asia/Tokyo"})
    path = os.path.join(e.dir, "logs", "access.json")
    before = time.time()
    # Raw bytes in the path and query (httpd answers 400 to control
    # characters, but logs the request), then in a header it accepts.
    requests_raw = [
        [b"GET /api/v1/h\xc3\xa9\xff\x01ealthz?q=\xfe\x22\x5c%00 HTTP/1.1"],
        [b"GET /api/v1/healthz HTTP/1.1",
         b"User-Agent: caf\xc3\xa9 \xff\xfe \"quoted\" \\ end"]]
    for raw in requests_raw:
        s = e.connect()
        try:
            s.sendall(b"\r\n".join(raw + [b"Host: x", b"Connection: close",
                                          b"", b""]))
            while s.recv(65536):
                pass
        finally:
            s.close()
    e.get("/healthz", headers={"User-Agent": "caf\u00e9"})
    e.stop()  # everything written
    lines = open(path, "rb").read().splitlines()
    entries = [json.loads(l) for l in lines]  # each line is JSON
    odd = [x for x in entries if x["user_agent"] and "quoted" in x["user_agent"]]
    assert len(odd) == 1, entries
    odd = odd[0]
    assert odd["user_agent"] == "caf\u00e9 \u00ff\u00fe \"quoted\" \\ end"
    bad = [x for x in entries if x["path"].startswith("/api/v1/h\u00e9")]
    assert len(bad) == 1, entries
    assert bad[0]["path"] == "/api/v1/h\u00e9\u00ff\x01ealthz"
    assert bad[0]["query"] == "q=\u00fe\"\\%00"
    assert any(x["user_agent"] == "caf\u00e9" for x in entries)
    # UTC: the logged time is the request's, not Tokyo's nine hours on.
    t = odd["time"]
    assert t.endswith("Z")
    logged = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
    assert abs(logged - before) < 60, (t, before)


def test_todo_150_20_mounted_elsewhere():
    """The contract: mounting the API elsewhere works unchanged (here /todo,
    beside the shipped /api/v1)."""
    from env import TodoEnv
    e = TodoEnv(name="mount")
    try:
        # With a <Location> inside the API's that sets no handler: that
        # section is not mistaken for the mount point.
        e.install_conf("<Location /todo>\n    SetHandler todo-api\n"
                       "    Require all granted\n</Location>\n"
                       "<Location /todo/metrics>\n    Require local\n"
                       "</Location>\n")
        assert e.start() == 0
        base = e.base + "/todo"
        assert e.session.get(base + "/healthz").json() == {"status": "ok"}
        r = e.session.post(base + "/auth/register", json={
            "email": "m@example.com", "username": "mounted",
            "password": "password1"})
        assert r.status_code == 201
        assert r.headers["Location"] == "/todo/users/" + r.json()["id"]
        assert e.session.get(base + "/nope").status_code == 404
        r = e.session.get(base + "/metrics")
        assert r.status_code == 200 and "todo_http_requests_total" in r.text
        # The shipped mount still answers too.
        assert e.get("/healthz").status_code == 200
    finally:
        e.cleanup()


def test_todo_150_30_security_headers(env):
    """Security headers on every answer, errors included; the Server
    header names no version."""
    for r in (env.get("/healthz"), env.get("/auth/me"), env.get("/nope")):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Server"] == "Apache"
