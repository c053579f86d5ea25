"""The OpenAPI document at <mount>/openapi.json: served as written
(docs/openapi.json), valid OpenAPI 3.1 (checked by an npm validator through
node, tests/js/), describing exactly the routes the module answers, with
schemas that the module's real responses satisfy."""

import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid

import pytest
import websockets

from env import TOP, TodoEnv

DOC = os.path.join(TOP, "docs", "openapi.json")
CHECK = os.path.join(TOP, "tests", "js", "openapi_check.mjs")
HANDLER = os.path.join(TOP, "mod_todo", "httpd", "mod_todo_handler.c")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

# Every documented operation must be routed (none is pending).
PENDING = set()


def shipped():
    with open(DOC) as f:
        return json.load(f)


def documented(doc):
    """{(METHOD, path template)} of every operation in the document but
    HEAD (the router routes GET, and answers HEAD wherever it does)."""
    return {(m.upper(), path) for path, item in doc["paths"].items()
            for m in item if m.upper() in METHODS}


def documented_heads(doc):
    """{path template} of every HEAD operation in the document."""
    return {path for path, item in doc["paths"].items() if "head" in item}


def as_shipped(doc):
    """What the mount point changes, put back as the file has it."""
    doc["servers"][0]["url"] = "/api/v1"
    flow = doc["components"]["securitySchemes"]["OAuth2PasswordBearer"][
        "flows"]["password"]
    flow["tokenUrl"] = "/api/v1/auth/login"
    flow["refreshUrl"] = "/api/v1/auth/refresh"
    return doc


def route_table():
    """{(METHOD, path template)} of mod_todo_handler.c's route table."""
    with open(HANDLER) as f:
        src = f.read()
    routes = set(re.findall(r'\{\{"([A-Z]+)", "([^"]+)", 0\}, todo_h_\w+\}',
                            src))
    assert len(routes) >= 19, "the route table was not found in " + HANDLER
    return routes


def node_check(*args):
    if not shutil.which("node"):
        pytest.fail("node is not installed: run scripts/deps.sh")
    if not os.path.isdir(os.path.join(TOP, "tests", "js", "node_modules")):
        pytest.fail("tests/js/node_modules is missing: run scripts/deps.sh")
    p = subprocess.run(["node", CHECK] + list(args), capture_output=True,
                       text=True, timeout=60)
    try:
        out = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        pytest.fail("openapi_check.mjs: %s\n%s" % (p.stdout, p.stderr))
    assert (p.returncode == 0) == out["valid"]
    return out


def routed_elsewhere(doc, method, path):
    """Does another documented template take METHOD on this literal path?
    (GET /tasks/bulk is GET /tasks/{id} with id "bulk".)"""
    for other, item in doc["paths"].items():
        if other != path and method.lower() in item and re.fullmatch(
                re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(other)), path):
            return True
    return False


def write_json(obj):
    fd, path = tempfile.mkstemp(suffix=".json", prefix="mod_todo-openapi-")
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f)
    return path


def concrete(path):
    """A request path for a template: any {id} is a fresh UUID."""
    return path.replace("{id}", str(uuid.uuid4()))


class TestServed:
    def test_todo_180_01_served_as_written(self, env):
        r = env.get("/openapi.json")
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/json"
        doc = r.json()
        # Absolute URLs, as httpd makes self-referential ones: a page on
        # another origin resolves a relative server or tokenUrl against
        # itself (test_186_20: a stock Swagger UI does).
        assert doc["servers"][0]["url"] == env.api
        flow = doc["components"]["securitySchemes"][
            "OAuth2PasswordBearer"]["flows"]["password"]
        assert flow["tokenUrl"] == env.api + "/auth/login"
        assert as_shipped(doc) == shipped()
        assert r.json()["openapi"].startswith("3.1.")
        assert r.headers["Cache-Control"] == "no-cache"
        assert re.match(r'^"[0-9a-f]{16}-[0-9a-f]{8}"$', r.headers["ETag"])
        # HEAD: the same headers, no body.
        h = env.request("HEAD", "/openapi.json")
        assert h.status_code == 200 and h.content == b""
        assert h.headers["ETag"] == r.headers["ETag"]
        assert h.headers["Content-Length"] == r.headers["Content-Length"]

    def test_todo_180_02_etag_revalidation(self, env):
        etag = env.get("/openapi.json").headers["ETag"]
        r = env.get("/openapi.json", headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b""
        assert r.headers["ETag"] == etag
        r = env.get("/openapi.json", headers={"If-None-Match": '"other"'})
        assert r.status_code == 200 and r.json()["openapi"]

    def test_todo_180_03_public_no_token_needed(self, env):
        r = env.get("/openapi.json", token="not-a-token")
        assert r.status_code == 200

    def test_todo_180_04_mounted_elsewhere(self, env):
        """The document names the mount point it was fetched under."""
        e = TodoEnv(name="openapi-mount")
        try:
            e.install_conf("<Location /todo>\n    SetHandler todo-api\n"
                           "    Require all granted\n</Location>\n")
            assert e.start() == 0
            r = e.session.get(e.base + "/todo/openapi.json")
            assert r.status_code == 200
            doc = r.json()
            assert doc["servers"][0]["url"] == e.base + "/todo"
            # The OAuth2 URLs follow: absolute URLs below the mount
            # point, so every tool resolves them to the same place.
            flow = doc["components"]["securitySchemes"][
                "OAuth2PasswordBearer"]["flows"]["password"]
            assert flow["tokenUrl"] == e.base + "/todo/auth/login"
            assert flow["refreshUrl"] == e.base + "/todo/auth/refresh"
            assert as_shipped(doc) == shipped()
            # ... and answer there.
            assert e.session.post(e.base + "/todo/auth/login", data={
                "username": "nobody", "password": "nothing at all"}
            ).status_code == 401
            other = e.get("/openapi.json")
            assert other.json()["servers"][0]["url"] == e.api
            assert other.headers["ETag"] != r.headers["ETag"]
            # The host is the request's (UseCanonicalName Off, httpd's
            # default), as in httpd's own redirects...
            h = e.get("/openapi.json", headers={"Host": "api.example:8443"})
            assert h.json()["servers"][0]["url"] == "%s://api.example:8443" \
                "/api/v1" % e.scheme
            assert h.headers["ETag"] != other.headers["ETag"]
        finally:
            e.cleanup()

    def test_todo_180_05_canonical_name(self, env):
        """... or the ServerName, with UseCanonicalName On."""
        e = TodoEnv(name="openapi-canonical")
        try:
            e.install_conf("ServerName https://api.example.com:443\n"
                           "UseCanonicalName On\n")
            assert e.start() == 0
            doc = e.get("/openapi.json",
                        headers={"Host": "evil.example"}).json()
            assert doc["servers"][0]["url"] == \
                "https://api.example.com/api/v1"
            # Over TLS, mod_ssl says the test certificate is not that
            # name's: true, and beside the point.
            e.expect_log(r"AH01909")
            assert not e.unexpected_log_lines()
        finally:
            e.cleanup()


class TestValid:
    def test_todo_180_10_validator_accepts_served_document(self, env):
        path = write_json(env.get("/openapi.json").json())
        try:
            out = node_check("validate", path)
        finally:
            os.unlink(path)
        assert out["valid"], json.dumps(out["errors"], indent=1)[:4000]

    @pytest.mark.parametrize("breakage", [
        "no-info", "bad-ref", "duplicate-operation-id", "bad-example",
        "openapi-3.0"])
    def test_todo_180_11_validator_can_fail(self, breakage):
        """The check above means something: broken copies are refused."""
        doc = shipped()
        if breakage == "no-info":
            del doc["info"]
        elif breakage == "bad-ref":
            doc["paths"]["/auth/me"]["get"]["responses"]["200"]["content"][
                "application/json"]["schema"]["$ref"] = \
                "#/components/schemas/Nobody"
        elif breakage == "duplicate-operation-id":
            doc["paths"]["/readyz"]["get"]["operationId"] = "healthz"
        elif breakage == "bad-example":
            doc["paths"]["/tasks"]["post"]["requestBody"]["content"][
                "application/json"]["example"]["priority"] = "urgent"
        elif breakage == "openapi-3.0":
            doc["openapi"] = "3.0.3"
            doc["paths"]["/healthz"]["get"]["responses"]["200"]["content"][
                "application/json"]["schema"] = {"type": ["string", "null"]}
        path = write_json(doc)
        try:
            assert not node_check("validate", path)["valid"]
        finally:
            os.unlink(path)


class TestRoutesMatch:
    def test_todo_180_20_every_route_is_documented(self):
        doc_ops = documented(shipped())
        routes = route_table()
        assert routes - doc_ops == set(), "routes missing from the document"
        assert doc_ops - routes <= PENDING, "documented but not routed"
        # A documented HEAD is a GET route's (the router answers HEAD on
        # every GET route; docs/api.md says which the document declares).
        assert documented_heads(shipped()) == {"/events"}
        assert {("GET", p) for p in documented_heads(shipped())} <= routes

    def test_todo_180_21_every_documented_operation_is_answered(self, env):
        """No documented operation meets the router's 404 or 405 (without
        a token the protected ones answer 401; the public ones answer,
        or refuse the empty body with 422)."""
        ops = documented(shipped()) | {
            ("HEAD", p) for p in documented_heads(shipped())}
        for method, path in sorted(ops):
            r = env.request(method, concrete(path), json={} if method in (
                "POST", "PUT", "PATCH") else None)
            if (method, path) in PENDING and r.status_code == 404:
                continue
            assert r.status_code not in (404, 405), (method, path, r.text)

    def test_todo_180_22_other_methods_are_405(self, env):
        """The other way round: a method the document does not list on a
        path is one the module does not answer there, and Allow (the
        module's own list) is exactly what the document lists."""
        doc = shipped()
        for path, item in doc["paths"].items():
            listed = {m.upper() for m in item if m.upper() in METHODS}
            if all((m, path) in PENDING for m in listed):
                continue
            url = concrete(path)
            for method in METHODS:
                if method in listed or routed_elsewhere(doc, method, path):
                    continue
                r = env.request(method, url)
                assert r.status_code == 405, (method, path, r.status_code)
                allow = {a.strip() for a in r.headers["Allow"].split(",")}
                # HEAD is allowed wherever GET is, declared or not.
                assert allow - {"HEAD"} == listed - {"HEAD"}, (path, allow)
                assert ("HEAD" in allow) == ("GET" in listed), (path, allow)
                assert listed - allow == set(), (path, allow)

    def test_todo_180_24_security_tells_the_truth(self, env):
        """An operation with `security: []` answers without a token; any
        other refuses a request without one (401), and every one of those
        names a way to send it."""
        doc = shipped()
        for path, item in doc["paths"].items():
            for m, op in item.items():
                if m.upper() not in METHODS + ["HEAD"]:
                    continue
                assert "security" in op, (m, path)
                r = env.request(m.upper(), concrete(path), json={} if m in (
                    "post", "put", "patch") else None, headers={
                        "Upgrade": "websocket", "Connection": "Upgrade",
                        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                        "Sec-WebSocket-Version": "13"} if path == "/ws"
                    else None)
                if op["security"] == []:
                    assert r.status_code != 401, (m, path)
                else:
                    assert r.status_code == 401, (m, path, r.status_code)
                    assert all(len(req) == 1 for req in op["security"])

    def test_todo_180_23_unknown_paths_are_not_documented(self, env):
        doc = shipped()
        for path in ["/openapi", "/openapi.yaml", "/docs", "/tasks/bulk/x"]:
            assert path not in doc["paths"]
            assert env.get(path).status_code == 404


class Samples:
    """Real responses, recorded for openapi_check.mjs."""

    def __init__(self, env):
        self.env = env
        self.items = []

    def __call__(self, method, template, path=None, token=None, **kw):
        r = self.env.request(method, path or template, token, **kw)
        ctype = r.headers.get("Content-Type", "")
        body = r.json() if ctype.startswith("application/json") and \
            r.content else (r.text or None)
        self.items.append({"method": method, "path": template,
                           "status": r.status_code, "content_type": ctype,
                           "headers": dict(r.headers), "body": body})
        return r


def test_todo_180_30_real_responses_match_the_document(env):
    """Every status the module answered below is documented for its
    operation, with the headers and the body schema the document gives."""
    s = Samples(env)
    tag = uuid.uuid4().hex[:10]
    me = {"email": "oa%s@example.com" % tag, "username": "oa" + tag,
          "password": "correct horse"}
    s("GET", "/healthz")
    s("GET", "/readyz")
    s("GET", "/openapi.json")
    s("DELETE", "/healthz")
    user = s("POST", "/auth/register", json=me).json()
    s("POST", "/auth/register", json=me)  # 409
    s("POST", "/auth/register", json={"email": "x", "username": "a!",
                                      "password": "short"})  # 422
    s("POST", "/auth/register", data="x", headers={
        "Content-Type": "text/plain"})  # 415
    s("POST", "/auth/register", data=b"{" + b" " * (1024 * 1024 + 10),
      headers={"Content-Type": "application/json"})  # 413
    tokens = s("POST", "/auth/login", data={
        "username": me["username"], "password": me["password"],
        "grant_type": "password"}).json()
    s("POST", "/auth/login", json={"username": me["email"],
                                   "password": me["password"]})
    s("POST", "/auth/login", data={"username": me["username"],
                                   "password": "wrong password"})  # 401
    s("POST", "/auth/login", data={"username": me["username"]})  # 422
    tokens = s("POST", "/auth/refresh",
               json={"refresh_token": tokens["refresh_token"]}).json()
    s("POST", "/auth/refresh", json={"refresh_token": "nope"})  # 401
    tok = tokens["access_token"]
    s("GET", "/auth/me", token=tok)
    s("GET", "/auth/me")  # 401
    s("GET", "/auth/me", token="garbage")  # 401 invalid_token
    s("GET", "/users", "/users?page=1&page_size=2", token=tok)
    s("GET", "/users", "/users?page_size=101", token=tok)  # 422
    s("GET", "/users", "/users?page=%ff", token=tok)  # 400
    other = env.new_user()[0]
    s("GET", "/users/{id}", "/users/" + user["id"], token=tok)
    s("GET", "/users/{id}", "/users/" + str(uuid.uuid4()), token=tok)  # 404
    s("GET", "/users/{id}", "/users/not-a-uuid", token=tok)  # 422
    s("PATCH", "/users/{id}", "/users/" + user["id"], token=tok,
      json={"username": "oa" + tag + "x"})
    s("PUT", "/users/{id}", "/users/" + user["id"], token=tok,
      json={"email": None})
    s("PATCH", "/users/{id}", "/users/" + other["id"], token=tok,
      json={"username": "zz" + tag})  # 403
    s("PATCH", "/users/{id}", "/users/" + user["id"], token=tok,
      json={"username": other["username"]})  # 409
    s("DELETE", "/users/{id}", "/users/" + other["id"], token=tok)  # 403

    task = s("POST", "/tasks", token=tok, json={
        "title": "Buy milk", "priority": "high",
        "due_date": "2026-12-01T10:00:00+01:00"}).json()
    s("POST", "/tasks", token=tok, json={"title": ""})  # 422
    s("POST", "/tasks", token=tok, data="title", headers={
        "Content-Type": "text/plain"})  # 415
    s("POST", "/tasks/bulk", token=tok, json={"tasks": [
        {"title": "one"}, {"title": "two", "status": "completed",
                           "description": "d"}]})
    s("POST", "/tasks/bulk", token=tok, json={"tasks": [
        {"title": "ok"}, {"title": "x" * 201}]})  # 422 with an index
    s("GET", "/tasks", "/tasks?status=pending&completed=false&priority=high"
      "&q=milk&due_before=2027-01-01T00:00:00Z&due_after=2026-01-01T00:00:00Z"
      "&sort=due_date&order=asc&page=1&page_size=5", token=tok)
    s("GET", "/tasks", "/tasks?sort=nope&order=up&completed=maybe",
      token=tok)  # 422
    s("GET", "/tasks", "/tasks?q=%ff", token=tok)  # 400
    tid = "/tasks/" + task["id"]
    etag = s("GET", "/tasks/{id}", tid, token=tok).headers["ETag"]
    s("GET", "/tasks/{id}", tid, token=tok,
      headers={"If-None-Match": etag})  # 304
    s("GET", "/tasks/{id}", "/tasks/" + str(uuid.uuid4()), token=tok)  # 404
    s("PATCH", "/tasks/{id}", tid, token=tok, headers={"If-Match": etag},
      json={"status": "in_progress", "description": None})
    s("PUT", "/tasks/{id}", tid, token=tok, json={"completed": True})
    s("PATCH", "/tasks/{id}", tid, token=tok, headers={"If-Match": etag},
      json={"title": "stale"})  # 412
    s("PATCH", "/tasks/{id}", tid, token=tok,
      json={"status": "pending", "completed": True})  # 422
    s("DELETE", "/tasks/{id}", tid, token=tok, headers={"If-Match": etag})
    s("DELETE", "/tasks/{id}", tid, token=tok)  # 204
    s("DELETE", "/tasks", token=tok)  # 405
    # Inputs the document once refused and the server always took.
    s("GET", "/tasks", "/tasks?completed=Yes&due_before=2027-01-01 00:00:00",
      token=tok)
    s("POST", "/tasks", token=tok, json={"title": "naive",
                                         "due_date": "2026-12-01T09:00:00"})
    # HEAD: declared on /events, answered as GET elsewhere, without body.
    s("HEAD", "/healthz")
    s("HEAD", "/openapi.json")
    s("HEAD", "/tasks", token=tok)
    s("HEAD", "/tasks/{id}", "/tasks/" + str(uuid.uuid4()), token=tok)  # 404
    s("HEAD", "/events", "/events?access_token=" + tok)  # 200, at once
    s("HEAD", "/events", token="garbage")  # 401
    s("HEAD", "/ws", token=tok)  # 400: a HEAD is no handshake
    # The streams' refusals (their 200 and 101 stay open: test_720, 730).
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
               "Sec-WebSocket-Version": "13"}
    s("GET", "/events", token="garbage")  # 401
    s("GET", "/events", "/events?Access_Token=" + tok)  # 401: exact name
    s("GET", "/ws", token=tok)  # 400: not an upgrade
    s("GET", "/ws", token=tok, headers=dict(
        upgrade, **{"Sec-WebSocket-Version": "8"}))  # 426
    s("GET", "/ws", "/ws?access_token=garbage", headers=upgrade)  # 401
    s("POST", "/auth/logout", token=tok)  # 204
    s("GET", "/auth/me", token=tok)  # 401: the session is revoked
    tok2 = env.login(me["email"], me["password"])["access_token"]
    s("DELETE", "/users/{id}", "/users/" + user["id"], token=tok2)  # 204

    statuses = {(i["method"], i["path"], i["status"]) for i in s.items}
    for want in [("POST", "/auth/register", 409),
                 ("POST", "/auth/register", 413),
                 ("POST", "/auth/register", 415),
                 ("GET", "/users", 400), ("GET", "/tasks", 400),
                 ("PATCH", "/users/{id}", 403),
                 ("GET", "/tasks/{id}", 304), ("PATCH", "/tasks/{id}", 412),
                 ("DELETE", "/tasks", 405), ("DELETE", "/users/{id}", 204),
                 ("GET", "/tasks", 200), ("POST", "/tasks", 201),
                 ("HEAD", "/events", 200), ("HEAD", "/events", 401),
                 ("HEAD", "/ws", 400), ("HEAD", "/tasks/{id}", 404),
                 ("GET", "/events", 401), ("GET", "/ws", 400),
                 ("GET", "/ws", 426), ("GET", "/ws", 401)]:
        assert want in statuses, want
    loc = [i["body"]["detail"][0]["loc"] for i in s.items
           if i["path"] == "/tasks/bulk" and i["status"] == 422][0]
    assert loc == ["body", "tasks", 1, "title"]  # 4 parts: not a tuple
    ws = [i for i in s.items if i["path"] == "/ws" and i["status"] == 426]
    assert ws[0]["headers"]["Sec-WebSocket-Version"] == "13"
    path = write_json(s.items)
    try:
        out = node_check("responses", DOC, path)
    finally:
        os.unlink(path)
    assert out["valid"], json.dumps(out["errors"], indent=1)[:6000]


def test_todo_180_31_response_check_can_fail(env):
    """The check above means something: an undocumented status, a body
    that breaks its schema and a missing header are all reported."""
    items = [
        {"method": "GET", "path": "/healthz", "status": 418,
         "content_type": "application/json", "headers": {},
         "body": {"detail": "teapot"}},
        {"method": "GET", "path": "/auth/me", "status": 200,
         "content_type": "application/json", "headers": {},
         "body": {"id": "x", "password_hash": "$2b$"}},
        {"method": "POST", "path": "/tasks", "status": 201,
         "content_type": "application/json", "headers": {},
         "body": None},
        {"method": "GET", "path": "/auth/me", "status": 401,
         "content_type": "application/json", "headers": {},
         "body": {"detail": "Not authenticated"}},
    ]
    path = write_json(items)
    try:
        out = node_check("responses", DOC, path)
    finally:
        os.unlink(path)
    assert not out["valid"]
    text = json.dumps(out["errors"])
    assert "status not documented" in text
    assert "password_hash" in text or "additionalProperties" in text
    assert "header Location missing" in text
    assert "header WWW-Authenticate missing" in text


class SSE:
    """An SSE client's view of /events: each event's id, event and data
    fields (data parsed as JSON), and its raw lines."""

    def __init__(self, env, token, last_event_id=None):
        headers = {"Authorization": "Bearer " + token}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.session = env.client()
        self.r = self.session.get(env.url("/events"), headers=headers,
                                  stream=True, timeout=10)
        assert self.r.status_code == 200, self.r.text
        # Kept: a dropped iterator closes the connection.
        self.lines = self.r.iter_lines(chunk_size=1, decode_unicode=True)

    def next(self):
        """The next event (a block with data), as {fields, "lines"}."""
        fields, lines = {}, []
        for line in self.lines:
            if line == "":
                if "data" in fields:
                    fields["data"] = json.loads(fields["data"])
                    return fields, lines
                fields, lines = {}, []
                continue
            lines.append(line)
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value
        raise AssertionError("the stream ended")

    def close(self):
        self.r.close()
        self.session.close()


def test_todo_180_32_streams_carry_what_the_document_says(env):
    """What no proxy carries (Prism reads whole bodies and does not
    upgrade): /events read as an SSE client reads it is an EventStream
    (task events unnamed, each with an id; only the reset named), and the
    messages of /ws are TaskEvents."""
    _, tokens, _ = env.new_session()
    tok = tokens["access_token"]
    values = []
    # An id never given (ids are the events table's; 1 may well be a
    # valid one in this shared instance): a reset first.
    sse = SSE(env, tok, last_event_id=str(10**15))
    try:
        async def over_ws():
            url = env.api.replace("http", "ws", 1) + "/ws"
            async with websockets.connect(
                    url, ssl=env.ssl_context(),
                    extra_headers={"Authorization": "Bearer " + tok}) as ws:
                task = await asyncio.to_thread(lambda: env.post(
                    "/tasks", tok, json={"title": "streamed"}).json())
                await asyncio.to_thread(lambda: env.patch(
                    "/tasks/" + task["id"], tok, json={"status": "completed"}))
                await asyncio.to_thread(lambda: env.delete(
                    "/tasks/" + task["id"], tok))
                return [json.loads(await asyncio.wait_for(ws.recv(), 5))
                        for _ in range(3)]

        messages = asyncio.new_event_loop().run_until_complete(over_ws())
        events = [sse.next() for _ in range(4)]
    finally:
        sse.close()
    assert [m["type"] for m in messages] == [
        "task.created", "task.updated", "task.deleted"]
    values += [{"pointer": "#/components/schemas/TaskEvent", "value": m}
               for m in messages]
    (reset, reset_lines), tasks = events[0], events[1:]
    assert reset == {"event": "reset", "data": {"type": "stream.reset"}}
    assert reset_lines[0] == "event: reset"
    for fields, lines in tasks:
        assert not [l for l in lines if l.startswith("event:")], lines
        assert [l.split(":")[0] for l in lines] == ["id", "data"], lines
    assert [f["data"] for f, _ in tasks] == messages
    values.append({"pointer": "#/components/schemas/EventStream",
                   "value": [f for f, _ in events]})
    path = write_json(values)
    try:
        out = node_check("values", DOC, path)
    finally:
        os.unlink(path)
    assert out["valid"], json.dumps(out["errors"], indent=1)[:4000]


class TestInputsAgree:
    """The document accepts what the server accepts, and refuses what it
    refuses: it once refused `completed=yes` and a due date without an
    offset (`format: date-time`), both of which the server takes."""

    DATES = [
        "2026-12-01T09:00:00Z", "2026-12-01t09:00:00z",
        "2026-12-01 09:00:00", "2026-12-01T09:00:00",
        "2026-12-01T09:00:00.5+01:00", "2026-12-01T09:00:00.123456789-23:59",
        "2024-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "0004-02-29T00:00:00Z",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
        "2023-04-30T23:59:59Z", "2023-12-31T00:00:00+00:00",
        # refused by both
        "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2100-02-29T00:00:00Z",
        "0000-01-01T00:00:00Z", "2023-04-31T00:00:00Z", "2023-13-01T00:00:00Z",
        "2023-00-10T00:00:00Z", "2023-01-00T00:00:00Z", "2023-01-01T24:00:00Z",
        "2023-01-01T23:60:00Z", "2023-01-01T23:59:60Z", "2023-01-01",
        "2023-01-01T09:00Z", "2023-01-01T09:00:00.Z",
        "2023-01-01T09:00:00+0100", "2023-01-01T09:00:00+24:00",
        "2023-01-01T09:00:00+01:60", "2023-01-01T09:00:00 Z",
        "2023-1-01T09:00:00Z", "20230-01-01T09:00:00Z",
        "2023-01-01X09:00:00Z", "2023-01-01T09:00:00ZZ", "",
        "２０２３-01-01T09:00:00Z",
    ]
    # What the pattern cannot say (the description does): the offset
    # carries the instant out of the years 0001-9999 in UTC.
    OUT_OF_RANGE = ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"]
    BOOLS = ["true", "false", "TRUE", "False", "1", "0", "yes", "No", "ON",
             "off", "t", "F", "y", "N", "", "maybe", "2", "tru", "yess",
             "true ", "10", "n0"]

    def test_todo_180_40_due_dates(self, env):
        doc = shipped()
        pattern = re.compile(
            doc["components"]["schemas"]["DateTimeInput"]["pattern"])
        tok = env.new_session()[1]["access_token"]
        for value in self.DATES + self.OUT_OF_RANGE:
            r = env.get("/tasks", tok, params={"due_before": value})
            assert r.status_code in (200, 422), r.text
            server = r.status_code == 200
            document = bool(pattern.search(value))
            if value in self.OUT_OF_RANGE:
                assert document and not server, value
            else:
                assert document == server, (value, document, server)

    def test_todo_180_41_completed_spellings(self, env):
        doc = shipped()
        param = [p for p in doc["paths"]["/tasks"]["get"]["parameters"]
                 if p.get("name") == "completed"][0]
        pattern = re.compile([s for s in param["schema"]["anyOf"]
                              if s["type"] == "string"][0]["pattern"])
        tok = env.new_session()[1]["access_token"]
        for value in self.BOOLS:
            r = env.get("/tasks", tok, params={"completed": value})
            assert r.status_code in (200, 422), r.text
            assert bool(pattern.search(value)) == (r.status_code == 200), \
                value
