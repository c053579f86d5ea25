"""The OpenAPI document held to the server by clients nobody here wrote,
from tests/js's package-lock.json, on the document as served:

- Redocly CLI lints it with its recommended ruleset (redocly.yaml: which
  rules are replaced, and why): no error, no warning;
- Prism proxies a real instance (`prism proxy --errors`) while a scenario
  goes through every operation and every status the document gives it,
  and reports no violation; what Prism cannot carry is listed, with why;
- openapi-typescript generates a client's types (default flags),
  tests/js/client_scenario.ts is compiled against them with `tsc --strict`
  and run against the instance with openapi-fetch and EventSource.

Each check is shown able to fail on a document broken on purpose.

They look at the document and one instance, which do not change with the
database or TLS: they run in the plain pass (SQLite over HTTP) of `make
test`; test_180 checks real responses against the document in every pass.
"""

import copy
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

from env import DB, TLS, TOP, free_port

JS = os.path.join(TOP, "tests", "js")
MODULES = os.path.join(JS, "node_modules")
REDOCLY = os.path.join(MODULES, "@redocly", "cli", "bin", "cli.js")
PRISM = os.path.join(MODULES, "@stoplight", "prism-cli", "dist", "index.js")
OPENAPI_TS = os.path.join(MODULES, "openapi-typescript", "bin", "cli.js")
TSC = os.path.join(MODULES, "typescript", "bin", "tsc")
SCENARIO = os.path.join(JS, "client_scenario.ts")
REDOCLY_YAML = os.path.join(TOP, "redocly.yaml")
DOC = os.path.join(TOP, "docs", "openapi.json")
METHODS = ["get", "put", "post", "delete", "options", "head", "patch",
           "trace"]

pytestmark = pytest.mark.skipif(
    TLS or DB != "sqlite3" or bool(os.environ.get("TODO_SAN_LOGDIR")),
    reason="the document and the tools are the same in every pass: "
           "run in the plain one (SQLite over HTTP)")

# Node's tools, quiet and offline: Redocly CLI would otherwise send usage
# data to its vendor and look for a newer version of itself.
NODE_ENV = dict(os.environ, REDOCLY_TELEMETRY="off",
                REDOCLY_SUPPRESS_UPDATE_NOTICE="true", NO_COLOR="1",
                FORCE_COLOR="0", CI="true")


def need_tools():
    if not shutil.which("node"):
        pytest.fail("node is not installed: run scripts/deps.sh")
    for path in (REDOCLY, PRISM, OPENAPI_TS, TSC):
        if not os.path.exists(path):
            pytest.fail("%s is missing: run scripts/deps.sh" % path)


def node(*args, cwd=TOP, timeout=120):
    need_tools()
    return subprocess.run(["node"] + list(args), capture_output=True,
                          text=True, cwd=cwd, env=NODE_ENV, timeout=timeout)


def shipped():
    with open(DOC) as f:
        return json.load(f)


@pytest.fixture
def workdir():
    """A scratch directory inside tests/js, so that what is compiled there
    finds tests/js/node_modules (ESM resolves packages from the file)."""
    d = tempfile.mkdtemp(prefix=".interop-", dir=JS)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def write(dirname, name, doc):
    path = os.path.join(dirname, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


# ---- Redocly ---------------------------------------------------------------

def redocly_lint(*paths):
    """{path: [problems]} from `redocly lint` with redocly.yaml (its JSON
    format prints a report per file, in order)."""
    p = node(REDOCLY, "lint", "--config", REDOCLY_YAML, "--format", "json",
             "--max-problems", "1000", *paths)
    text, at, reports = p.stdout, p.stdout.find("{"), []
    decoder = json.JSONDecoder()
    while at >= 0:
        report, end = decoder.raw_decode(text, at)
        reports.append(report)
        at = text.find("{", end)
    assert len(reports) == len(paths), "redocly: %s\n%s" % (p.stdout,
                                                             p.stderr)
    found = {}
    for path, report in zip(paths, reports):
        found[path] = []
        for problem in report["problems"]:
            where = os.path.join(TOP, problem["location"][0]["source"]["ref"])
            assert os.path.realpath(where) == os.path.realpath(path), where
            found[path].append("%s %s %s" % (
                problem["severity"], problem["ruleId"], problem["message"]))
    errors = sum(r["totals"]["errors"] for r in reports)
    assert (p.returncode == 0) == (errors == 0), p.stderr
    return found


def test_todo_187_01_redocly_recommended_is_clean(env, workdir):
    """The file and the document as served: not one error or warning."""
    served = write(workdir, "served.json", env.get("/openapi.json").json())
    found = redocly_lint(DOC, served)
    assert found == {DOC: [], served: []}, json.dumps(found, indent=1)


def test_todo_187_02_redocly_can_fail(workdir):
    """The lint means something: each of these breakages is reported."""
    breakages = {}

    def broken(name, change):
        doc = shipped()
        change(doc)
        breakages[write(workdir, name + ".json", doc)] = name

    def flow(doc):
        return doc["components"]["securitySchemes"]["OAuth2PasswordBearer"][
            "flows"]["password"]

    broken("oauth2-urls-absolute",
           lambda d: flow(d).update(tokenUrl="auth/login"))
    broken("security-defined",
           lambda d: d["paths"]["/healthz"]["get"].pop("security"))
    broken("no-unused-components", lambda d: d["paths"]["/events"]["get"][
        "responses"]["200"]["content"]["text/event-stream"].update(
            schema={"type": "array"}))
    broken("operation-2xx-response", lambda d: d["paths"]["/auth/me"]["get"][
        "responses"].pop("200"))
    broken("operation-4xx-response", lambda d: [
        d["paths"]["/auth/me"]["get"]["responses"].pop(k) for k in ("401",)])
    broken("websocket-101-response", lambda d: d["paths"]["/ws"]["get"][
        "responses"].pop("101"))
    broken("no-invalid-media-type-examples", lambda d: d["paths"]["/tasks"][
        "post"]["requestBody"]["content"]["application/json"].update(
            example={"title": 5}))
    found = redocly_lint(*breakages)
    for path, rule in breakages.items():
        assert any(rule in p for p in found[path]), (rule, found[path])


# ---- Prism -----------------------------------------------------------------

class Prism:
    """`prism proxy --errors` (and extra flags) in front of @a upstream,
    on a free loopback port, logging to a file."""

    def __init__(self, doc_path, upstream, *flags, cert=None):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        fd, self.log = tempfile.mkstemp(prefix="mod_todo-prism-",
                                        suffix=".log")
        env = dict(NODE_ENV)
        if cert:
            env["NODE_EXTRA_CA_CERTS"] = cert
        self.proc = subprocess.Popen(
            ["node", PRISM, "proxy", "--errors", "--host", "127.0.0.1",
             "--port", str(self.port)] + list(flags) + [doc_path, upstream],
            stdout=fd, stderr=subprocess.STDOUT, env=env, cwd=JS,
            start_new_session=True)
        os.close(fd)

    def wait(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "Prism is listening" in self.text():
                return
            assert self.proc.poll() is None, "prism exited:\n" + self.text()
            time.sleep(0.05)
        raise AssertionError("prism did not start:\n" + self.text())

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def complaints(self):
        """Log lines at warning, error or fatal (signale's badges and
        labels; the sample URLs it logs at start are random words)."""
        return [line for line in self.text().splitlines()
                if re.search(r"[\u2716\u26a0]\s+(warning|error|fatal)\s", line)
                or "unable to correct" in line]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.unlink(self.log)


def documented_statuses(doc):
    """{(METHOD, path, status)} of every response of every operation."""
    return {(m.upper(), path, int(code))
            for path, item in doc["paths"].items()
            for m, op in item.items() if m in METHODS
            for code in op["responses"]}


# What the scenario cannot carry through Prism, and why; the rest of the
# document, every operation and status, it must.
LEFT_OUT = {
    ("GET", "/events", 200):
        "the stream stays open and Prism answers after the whole upstream "
        "body (test_720 reads it)",
    ("GET", "/ws", 101):
        "Prism does not proxy an upgrade (test_730 speaks WebSocket)",
    ("GET", "/users", 400):
        "Prism decodes and re-encodes the query string: an undecodable one "
        "never reaches the server (test_180_30 sends it)",
    ("GET", "/tasks", 400): "the same",
    ("HEAD", "/events", 401):
        "Prism 5.14 parses the empty body of a HEAD answer typed "
        "application/json as JSON, and fails (test_180_30 sends it)",
    ("HEAD", "/events", 503): "the same",
}


def uncovered(doc, covered):
    """What the document gives that the scenario did not do, beyond
    LEFT_OUT; and what LEFT_OUT names that is no longer documented."""
    documented = documented_statuses(doc)
    return (documented - covered - set(LEFT_OUT),
            set(LEFT_OUT) - documented)


class Scenario:
    """Requests through two Prism proxies of the same document: `strict`
    validates requests and responses, `lenient` responses only
    (--validate-request=false), for the requests the document refuses
    (the 400/415/422 that the server answers them): each of those is
    first sent to `strict`, which must refuse it itself."""

    def __init__(self, strict, lenient):
        self.strict, self.lenient = strict, lenient
        self.session = requests.Session()
        self.covered = set()
        self.refused = 0

    def call(self, method, template, status, path=None, token=None,
             refused=False, **kw):
        headers = dict(kw.pop("headers", None) or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        kw.setdefault("timeout", 30)
        url = path or template
        where = "%s %s -> %s" % (method, url, status)
        if refused:
            r = self.session.request(method, self.strict.url + url,
                                     headers=headers, **kw)
            assert r.headers.get("Server") != "Apache", \
                "the document takes it: %s (%s)" % (where, r.status_code)
            assert r.status_code in (401, 422), (where, r.text[:500])
            self.refused += 1
        proxy = self.lenient if refused else self.strict
        r = self.session.request(method, proxy.url + url, headers=headers,
                                 **kw)
        assert "sl-violations" not in r.headers, (where,
                                                  r.headers["sl-violations"])
        assert r.headers.get("Server") == "Apache", \
            "not forwarded: %s: %s %s" % (where, r.status_code, r.text[:500])
        assert r.status_code == status, (where, r.status_code, r.text[:500])
        self.covered.add((method, template, status))
        return r


UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
           "Sec-WebSocket-Version": "13"}
# Stream limits and rate limits low enough to reach, and the login limit
# per account only (the scenario logs in many times from one address).
LIMITS = """TodoStreamsPerUser 1
TodoRateLimit register 1000000 1
TodoRateLimit login 1000000 1
TodoRateLimit login-account 6 600
"""


def padded(body):
    """@a body with an unknown field that takes it over the 1 MiB limit
    (unknown fields are allowed: the document takes it)."""
    return dict(body, padding="x" * (1024 * 1024 + 16))


def register(s, tag):
    me = {"email": "%s@example.com" % tag, "username": tag,
          "password": "correct horse"}
    user = s.call("POST", "/auth/register", 201, json=me).json()
    tokens = s.call("POST", "/auth/login", 200, data={
        "username": tag, "password": "correct horse",
        "grant_type": "password"}).json()
    return user, tokens


def normal_phase(s, e):
    tag = "px" + uuid.uuid4().hex[:10]
    bad = "not-a-token"
    s.call("GET", "/healthz", 200)
    s.call("GET", "/readyz", 200)
    s.call("GET", "/metrics", 200)
    etag = s.call("GET", "/openapi.json", 200).headers["ETag"]
    s.call("GET", "/openapi.json", 304, headers={"If-None-Match": etag})

    # auth
    user, tokens = register(s, tag)
    other, other_tokens = register(s, tag + "o")
    tok = tokens["access_token"]
    s.call("POST", "/auth/register", 409, json={
        "email": "x" + user["email"], "username": tag,
        "password": "correct horse"})
    s.call("POST", "/auth/register", 413, json=padded({
        "email": "big@example.com", "username": "big" + tag,
        "password": "correct horse"}))
    s.call("POST", "/auth/register", 415, refused=True, data="x",
           headers={"Content-Type": "text/plain"})
    # Eight bytes are the least: the document says so in bytes
    # (x-min-bytes), which JSON Schema cannot count.
    s.call("POST", "/auth/register", 422, json={
        "email": "short@example.com", "username": "short" + tag,
        "password": "7 bytes"})
    s.call("POST", "/auth/login", 200, json={"username": user["email"],
                                             "password": "correct horse"})
    s.call("POST", "/auth/login", 401, data={"username": tag,
                                             "password": "wrong horse"})
    s.call("POST", "/auth/login", 413, json=padded({
        "username": tag, "password": "correct horse"}))
    s.call("POST", "/auth/login", 415, refused=True, data="x",
           headers={"Content-Type": "text/plain"})
    s.call("POST", "/auth/login", 422, refused=True, data={"username": tag})
    refreshed = s.call("POST", "/auth/refresh", 200, json={
        "refresh_token": tokens["refresh_token"]}).json()
    tok = refreshed["access_token"]
    s.call("POST", "/auth/refresh", 401, json={"refresh_token": "nope"})
    s.call("POST", "/auth/refresh", 413, json=padded({"refresh_token": "x"}))
    s.call("POST", "/auth/refresh", 415, refused=True, data="x",
           headers={"Content-Type": "text/plain"})
    s.call("POST", "/auth/refresh", 422, refused=True, json={})
    s.call("GET", "/auth/me", 200, token=tok)
    s.call("GET", "/auth/me", 401, token=bad)
    s.call("POST", "/auth/logout", 401, token=bad)

    # users
    uid = "/users/" + user["id"]
    oid = "/users/" + other["id"]
    nobody = "/users/" + str(uuid.uuid4())
    s.call("GET", "/users", 200, "/users?page=1&page_size=2", token=tok)
    s.call("GET", "/users", 401, token=bad)
    s.call("GET", "/users", 422, "/users?page_size=101", token=tok,
           refused=True)
    s.call("GET", "/users/{id}", 200, uid, token=tok)
    s.call("GET", "/users/{id}", 401, uid, token=bad)
    s.call("GET", "/users/{id}", 404, nobody, token=tok)
    s.call("GET", "/users/{id}", 422, "/users/not-a-uuid", token=tok,
           refused=True)
    for m in ("PATCH", "PUT"):
        s.call(m, "/users/{id}", 200, uid, token=tok,
               json={"username": tag + m.lower()})
        s.call(m, "/users/{id}", 401, uid, token=bad, json={})
        s.call(m, "/users/{id}", 403, oid, token=tok, json={})
        s.call(m, "/users/{id}", 404, nobody, token=tok, json={})
        s.call(m, "/users/{id}", 409, uid, token=tok,
               json={"username": other["username"]})
        s.call(m, "/users/{id}", 413, uid, token=tok, json=padded({}))
        s.call(m, "/users/{id}", 415, uid, token=tok, refused=True,
               data="x", headers={"Content-Type": "text/plain"})
        s.call(m, "/users/{id}", 422, uid, token=tok,
               json={"password": "7 bytes"})
    s.call("DELETE", "/users/{id}", 401, oid, token=bad)
    s.call("DELETE", "/users/{id}", 403, oid, token=tok)
    s.call("DELETE", "/users/{id}", 404, nobody, token=tok)
    s.call("DELETE", "/users/{id}", 422, "/users/not-a-uuid", token=tok,
           refused=True)

    # tasks: inputs the document once refused (completed=yes, a due date
    # without its offset) go through the strict proxy like any other.
    r = s.call("POST", "/tasks", 201, token=tok, json={
        "title": "Buy milk", "due_date": "2026-12-01T10:00:00"})
    task, tetag = r.json(), r.headers["ETag"]
    assert task["due_date"] == "2026-12-01T10:00:00.000000Z"
    s.call("POST", "/tasks", 401, token=bad, json={"title": "x"})
    s.call("POST", "/tasks", 413, token=tok, json=padded({"title": "x"}))
    s.call("POST", "/tasks", 415, token=tok, refused=True, data="x",
           headers={"Content-Type": "text/plain"})
    s.call("POST", "/tasks", 422, token=tok, json={
        "title": "x", "status": "pending", "completed": True})
    s.call("GET", "/tasks", 200, "/tasks?completed=yes&status=completed"
           "&due_after=2026-01-01 00:00:00&sort=due_date&order=asc",
           token=tok)
    s.call("GET", "/tasks", 200, "/tasks?completed=Off&q=milk", token=tok)
    s.call("GET", "/tasks", 401, token=bad)
    s.call("GET", "/tasks", 422, "/tasks?sort=nope", token=tok, refused=True)
    s.call("POST", "/tasks/bulk", 201, token=tok,
           json={"tasks": [{"title": "one"}, {"title": "two"}]})
    s.call("POST", "/tasks/bulk", 401, token=bad, json={"tasks": [
        {"title": "x"}]})
    s.call("POST", "/tasks/bulk", 413, token=tok,
           json=padded({"tasks": [{"title": "x"}]}))
    s.call("POST", "/tasks/bulk", 415, token=tok, refused=True, data="x",
           headers={"Content-Type": "text/plain"})
    s.call("POST", "/tasks/bulk", 422, token=tok, refused=True, json={
        "tasks": [{"title": "ok"}, {"title": "x" * 201}]})
    tid = "/tasks/" + task["id"]
    missing = "/tasks/" + str(uuid.uuid4())
    s.call("GET", "/tasks/{id}", 200, tid, token=tok)
    s.call("GET", "/tasks/{id}", 304, tid, token=tok,
           headers={"If-None-Match": tetag})
    s.call("GET", "/tasks/{id}", 401, tid, token=bad)
    s.call("GET", "/tasks/{id}", 404, missing, token=tok)
    s.call("GET", "/tasks/{id}", 422, "/tasks/nope", token=tok, refused=True)
    for m in ("PATCH", "PUT"):
        r = s.call(m, "/tasks/{id}", 200, tid, token=tok,
                   headers={"If-Match": tetag}, json={"status": "completed"})
        s.call(m, "/tasks/{id}", 412, tid, token=tok,
               headers={"If-Match": tetag}, json={"title": "stale"})
        tetag = r.headers["ETag"]
        s.call(m, "/tasks/{id}", 401, tid, token=bad, json={})
        s.call(m, "/tasks/{id}", 404, missing, token=tok, json={})
        s.call(m, "/tasks/{id}", 413, tid, token=tok, json=padded({}))
        s.call(m, "/tasks/{id}", 415, tid, token=tok, refused=True, data="x",
               headers={"Content-Type": "text/plain"})
        s.call(m, "/tasks/{id}", 422, tid, token=tok,
               json={"status": "pending", "completed": True})
    s.call("DELETE", "/tasks/{id}", 412, tid, token=tok,
           headers={"If-Match": '"0-000000000000"'})
    s.call("DELETE", "/tasks/{id}", 401, tid, token=bad)
    s.call("DELETE", "/tasks/{id}", 422, "/tasks/nope", token=tok,
           refused=True)
    s.call("DELETE", "/tasks/{id}", 204, tid, token=tok,
           headers={"If-Match": tetag})
    s.call("DELETE", "/tasks/{id}", 404, tid, token=tok)

    # The streams, as far as Prism carries them.
    s.call("HEAD", "/events", 200, "/events?access_token=" + tok)
    s.call("GET", "/events", 401, "/events?access_token=" + bad)
    s.call("GET", "/ws", 400, token=tok, refused=True)
    s.call("GET", "/ws", 401, token=bad, headers=UPGRADE)
    s.call("GET", "/ws", 426, "/ws?access_token=" + tok, refused=True,
           headers=dict(UPGRADE, **{"Sec-WebSocket-Version": "8"}))
    # 429: this user's one stream is open (TodoStreamsPerUser 1).
    with streaming(e, tok):
        r = s.call("GET", "/events", 429, token=tok)
        assert r.headers["Retry-After"] == "15"
        s.call("GET", "/ws", 429, token=tok, headers=UPGRADE)

    s.call("POST", "/auth/logout", 204, token=other_tokens["access_token"])
    me_tok = e.login(user["email"], "correct horse")["access_token"]
    s.call("DELETE", "/users/{id}", 204, uid, token=me_tok)
    kept = register(s, tag + "d")[1]["access_token"]

    # Rate limits: spend an account's logins (TodoRateLimit login-account)
    # and the address's registrations on the server, then one more of
    # each through Prism.
    spend(lambda: e.post("/auth/login", data={
        "username": other["username"], "password": "wrong horse"}))
    s.call("POST", "/auth/login", 429, data={
        "username": other["username"], "password": "wrong horse"})
    e.install_conf("TodoRateLimit register 1 600\n",
                   name="zz-register.conf")
    assert e.restart() == 0
    spend(lambda: e.post("/auth/register", json={
        "email": "l%s@example.com" % uuid.uuid4().hex[:10],
        "username": "l" + uuid.uuid4().hex[:10],
        "password": "correct horse"}))
    s.call("POST", "/auth/register", 429, json={
        "email": "late@example.com", "username": "late" + tag,
        "password": "correct horse"})
    e.remove_conf("zz-register.conf")
    return kept


def spend(attempt, most=10):
    """Call @a attempt until it is rate limited."""
    for _ in range(most):
        r = attempt()
        if r.status_code == 429:
            return
    raise AssertionError("never limited: %s %s" % (r.status_code, r.text))


class streaming:
    """One live SSE stream of @a token's user, straight to the server."""

    def __init__(self, e, token):
        self.e, self.token = e, token

    def __enter__(self):
        # The session is kept: a dropped one closes its connections.
        self.session = self.e.client()
        self.r = self.session.get(self.e.url("/events"), headers={
            "Authorization": "Bearer " + self.token}, stream=True, timeout=30)
        assert self.r.status_code == 200
        # "retry:": it is admitted and counted. (The iterator is kept: a
        # dropped one closes the connection.)
        self.lines = self.r.iter_lines(chunk_size=1)
        assert next(self.lines).startswith(b"retry:")
        return self

    def __exit__(self, *exc):
        self.r.close()
        self.session.close()


def degraded_phase(s, e, tok):
    """The database unreachable and /metrics closed: every 503 and 403."""
    # A directory where the database file should be: httpd -t accepts
    # it (its directory is there), SQLite cannot open it.
    gone = os.path.join(e.dir, "data", "gone.db")
    os.makedirs(gone)
    e.install_conf('DBDParams "%s"\nTodoAutoMigrate Off\n'
                   "<Location /api/v1>\n    TodoMetricsAllow none\n"
                   "</Location>\n" % gone,
                   name="zz-degraded.conf")
    e.expect_log(r".")  # every failed connection is logged, as it should
    assert e.restart() == 0
    nobody = str(uuid.uuid4())
    s.call("GET", "/readyz", 503)
    s.call("GET", "/metrics", 403)
    s.call("POST", "/auth/register", 503, json={
        "email": "down@example.com", "username": "down" + nobody[:8],
        "password": "correct horse"})
    s.call("POST", "/auth/login", 503, data={"username": "down",
                                             "password": "correct horse"})
    s.call("POST", "/auth/refresh", 503, json={"refresh_token": "x.0.y"})
    s.call("POST", "/auth/logout", 503, token=tok)
    s.call("GET", "/auth/me", 503, token=tok)
    s.call("GET", "/users", 503, token=tok)
    s.call("GET", "/users/{id}", 503, "/users/" + nobody, token=tok)
    s.call("PATCH", "/users/{id}", 503, "/users/" + nobody, token=tok,
           json={})
    s.call("PUT", "/users/{id}", 503, "/users/" + nobody, token=tok, json={})
    s.call("DELETE", "/users/{id}", 503, "/users/" + nobody, token=tok)
    s.call("POST", "/tasks", 503, token=tok, json={"title": "x"})
    s.call("GET", "/tasks", 503, token=tok)
    s.call("POST", "/tasks/bulk", 503, token=tok,
           json={"tasks": [{"title": "x"}]})
    for m in ("GET", "PATCH", "PUT", "DELETE"):
        s.call(m, "/tasks/{id}", 503, "/tasks/" + nobody, token=tok,
               json={} if m in ("PATCH", "PUT") else None)
    s.call("GET", "/events", 503, token=tok)
    s.call("GET", "/ws", 503, token=tok, headers=UPGRADE)
    e.remove_conf("zz-degraded.conf")


def test_todo_187_10_prism_sees_no_violation(make_env, workdir):
    """Every operation and every status the document gives, through
    Prism's proxy in front of a real instance: none is a violation."""
    need_tools()
    e = make_env(LIMITS, name="prism")
    doc = e.get("/openapi.json").json()
    path = write(workdir, "served.json", doc)
    strict = Prism(path, e.api, cert=e.cert)
    lenient = Prism(path, e.api, "--validate-request=false", cert=e.cert)
    try:
        strict.wait()
        lenient.wait()
        s = Scenario(strict, lenient)
        tok = normal_phase(s, e)
        assert not e.unexpected_log_lines()
        degraded_phase(s, e, tok)
        missing, stale = uncovered(doc, s.covered)
        assert not missing, "documented, not exercised: %s" % sorted(missing)
        assert not stale, "LEFT_OUT names what is not documented: %s" % stale
        # The logs: the lenient proxy complained of nothing; the strict one
        # only refused, each time, the requests the document refuses.
        assert lenient.complaints() == [], "\n".join(lenient.complaints())
        refusals = [l for l in strict.complaints()
                    if "Request terminated with error" in l]
        assert strict.complaints() == refusals, "\n".join(
            strict.complaints())
        assert len(refusals) == s.refused
        assert all(re.search(r"#(UNPROCESSABLE_ENTITY|UNAUTHORIZED)", l)
                   for l in refusals), "\n".join(refusals)
    finally:
        strict.stop()
        lenient.stop()


def test_todo_187_11_prism_scenario_can_fail(make_env, workdir):
    """The check means something: a status the document does not give,
    or a body its schema refuses, is a violation; and a status the
    document gives that the scenario does not do fails the coverage."""
    need_tools()
    e = make_env(name="prism-broken")
    doc = e.get("/openapi.json").json()
    missing, _ = uncovered(doc, set())
    assert ("GET", "/healthz", 200) in missing
    covered = documented_statuses(doc) - set(LEFT_OUT)
    more = copy.deepcopy(doc)
    more["paths"]["/tasks/{id}"]["get"]["responses"]["418"] = {
        "description": "I'm a teapot"}
    assert uncovered(more, covered) == ({("GET", "/tasks/{id}", 418)}, set())

    del doc["paths"]["/auth/me"]["get"]["responses"]["401"]
    doc["components"]["schemas"]["Health"]["properties"]["status"] = {
        "const": "fine"}
    prism = Prism(write(workdir, "broken.json", doc), e.api, cert=e.cert)
    try:
        prism.wait()
        s = Scenario(prism, prism)
        with pytest.raises(AssertionError, match="Unable to match the "
                           "returned status code"):
            s.call("GET", "/auth/me", 401, token="not-a-token")
        with pytest.raises(AssertionError, match="must be equal to "
                           "constant"):
            s.call("GET", "/healthz", 200)
        assert prism.complaints()
    finally:
        prism.stop()


# ---- a generated TypeScript client -----------------------------------------

TSCONFIG = {
    "compilerOptions": {
        "strict": True, "target": "es2022", "module": "nodenext",
        "moduleResolution": "nodenext", "lib": ["es2022", "dom"],
        "types": []},
}


def generate_and_compile(workdir, variants):
    """For each {name: document}: openapi-typescript's types of it and
    client_scenario.ts in workdir/name; one `tsc --strict` over all.
    @return {name: [tsc's errors in that directory]}"""
    for name, doc in variants.items():
        d = os.path.join(workdir, name)
        os.mkdir(d)
        write(d, "openapi.json", doc)
        shutil.copy(SCENARIO, d)
        with open(os.path.join(d, "package.json"), "w") as f:
            json.dump({"type": "module"}, f)
    # Default flags; run where no redocly.yaml is (it would read it).
    gens = [subprocess.Popen(
        ["node", OPENAPI_TS, "openapi.json", "-o", "api.d.ts"],
        cwd=os.path.join(workdir, name), env=NODE_ENV,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name in variants]
    for g in gens:
        out = g.communicate(timeout=120)[0]
        assert g.returncode == 0, out
    config = dict(TSCONFIG, include=["*/client_scenario.ts", "*/api.d.ts"])
    with open(os.path.join(workdir, "tsconfig.json"), "w") as f:
        json.dump(config, f)
    p = node(TSC, "-p", "tsconfig.json", cwd=workdir)
    errors = {name: [] for name in variants}
    for line in p.stdout.splitlines():
        name = line.split("/", 1)[0]
        if name in errors and "error TS" in line:
            errors[name].append(line)
    assert (p.returncode != 0) == any(errors.values()), p.stdout
    return errors


def test_todo_187_20_generated_client(env, workdir):
    """openapi-typescript + openapi-fetch, `tsc --strict`, then the
    scenario against the server: register, form login, a task with only
    a title, list, PATCH with If-Match, a 422's loc, and the task.created
    event's task.title from /events (?access_token=, EventSource)."""
    need_tools()
    doc = env.get("/openapi.json").json()

    def broken(change):
        d = copy.deepcopy(doc)
        change(d["components"]["schemas"])
        return d

    # The same compilation shows the check can fail: each of these
    # documents breaks the scenario's types.
    variants = {
        "served": doc,
        "loc-a-tuple": broken(lambda s: s["ValidationErrorItem"][
            "properties"].update(loc={
                "type": "array", "minItems": 1, "prefixItems": [
                    {"type": "string"}], "items": False})),
        "event-task-only-an-id": broken(lambda s: s["TaskWrittenEvent"][
            "properties"].update(task=s["TaskDeletedEvent"]["properties"][
                "task"])),
        "title-required-defaults": broken(lambda s: s["TaskCreate"][
            "properties"]["priority"].update(default="medium")),
    }
    errors = generate_and_compile(workdir, variants)
    assert errors.pop("served") == []
    for name, errs in errors.items():
        assert errs, "%s still type-checks" % name

    tag = uuid.uuid4().hex[:10]
    p = node(os.path.join(workdir, "served", "client_scenario.js"),
             env.api, tag, timeout=60)
    lines = p.stdout.strip().splitlines()
    assert lines, "client_scenario.js printed nothing:\n" + p.stderr
    out = json.loads(lines[-1])
    assert out["ok"] and p.returncode == 0, out
    assert out["task"]["status"] == "pending"
    assert out["task"]["priority"] == "medium"
    assert out["task"]["id"] in out["listed"]
    assert out["updated"] == "in_progress" and out["stale"] == 412
    assert out["bulk"] == 422
    assert out["loc"] == ["body", "tasks", 1, "title"]
    assert out["event_title"] == "Buy milk " + tag
    assert out["event_user"] == out["user"]
    # Task events are unnamed: a listener for "task.created" hears nothing.
    assert out["named_listener_calls"] == 0
