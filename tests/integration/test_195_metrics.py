"""GET /metrics: Prometheus text, aggregated over every httpd process,
checked by promtool and read back with the Prometheus project's own
Python parser (Debian's python3-prometheus-client)."""

import base64
import concurrent.futures
import json
import os
import subprocess
import time
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from env import TodoEnv

def parse(text):
    """{(sample name, frozenset(labels)): value}."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(scope="module")
def menv():
    e = TodoEnv(name="metrics", extra_env={"PROCS": "2", "THREADS": "4"})
    e.install_conf("TodoRateLimit login 1000000 1\n"
                   "TodoRateLimit login-account 3 3600\n"
                   "TodoStreamsPerUser 1\n",
                   name="01-metrics.conf")
    assert e.start() == 0
    yield e
    e.cleanup()


def scrape(e):
    r = e.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == \
        "text/plain; version=0.0.4; charset=utf-8"
    return r.text


def test_todo_195_01_promtool_accepts_it(menv):
    _, tokens, _ = menv.new_session()
    menv.get("/tasks", tokens["access_token"])
    menv.get("/nowhere")
    p = subprocess.run(["promtool", "check", "metrics"], input=scrape(menv),
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def test_todo_195_02_requests_by_route_and_status_all_processes(menv):
    """60 task reads on fresh connections, spread over both processes:
    the one scrape counts every one, and the histogram agrees."""
    _, tokens, _ = menv.new_session()
    token = tokens["access_token"]
    task = menv.post("/tasks", token, json={"title": "counted"}).json()
    before = parse(scrape(menv))

    def read(i):
        with menv.client() as s:
            tid = task["id"] if i % 3 else str(uuid.uuid4())
            return s.get(menv.url("/tasks/" + tid), timeout=30, headers={
                "Authorization": "Bearer " + token}).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(read, range(60)))
    assert codes.count(200) == 40 and codes.count(404) == 20
    route = {"method": "GET", "route": "/tasks/{id}"}

    def counted(samples):
        return value(samples, "todo_http_request_duration_seconds_count",
                     **route) - value(
            before, "todo_http_request_duration_seconds_count", **route)

    # A request is counted once it is logged, which is just after its
    # response left: the last few may still be on their way.
    deadline = time.monotonic() + 10
    after = parse(scrape(menv))
    while counted(after) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
        after = parse(scrape(menv))
    for status, n in (("200", 40), ("404", 20)):
        assert value(after, "todo_http_requests_total", status=status,
                     **route) - value(before, "todo_http_requests_total",
                                      status=status, **route) == n
    assert counted(after) == 60
    assert value(after, "todo_http_request_duration_seconds_bucket",
                 le="+Inf", **route) == value(
        after, "todo_http_request_duration_seconds_count", **route)
    assert value(after, "todo_db_acquires_total") > \
        value(before, "todo_db_acquires_total")
    pids = set()
    with open(menv.access_log.replace("access.log", "access.json")) as f:
        for line in f:
            pids.add(json.loads(line)["pid"])
    assert len(pids) >= 2


def test_todo_195_03_unmatched_routes(menv):
    before = parse(scrape(menv))
    assert menv.get("/no/such/route").status_code == 404
    after = parse(scrape(menv))
    labels = {"method": "any", "route": "unmatched", "status": "404"}
    assert value(after, "todo_http_requests_total", **labels) - \
        value(before, "todo_http_requests_total", **labels) == 1


def test_todo_195_04_auth_failures_by_reason(menv):
    user, tokens, password = menv.new_session()
    token = tokens["access_token"]
    before = parse(scrape(menv))
    menv.get("/auth/me")                                   # missing_token
    menv.get("/auth/me", "not-a-jwt")                      # malformed
    head, claims, sig = token.split(".")
    menv.get("/auth/me", "%s.%s.%s" % (head, claims, sig[::-1]))  # forged
    menv.post("/auth/login", data={"username": user["username"],
                                   "password": "wrong"})   # bad_credentials
    menv.post("/auth/refresh", json={"refresh_token": "x.y.z"})  # bad_refresh
    assert menv.post("/auth/logout", token).status_code == 204
    menv.get("/auth/me", token)                            # revoked
    after = parse(scrape(menv))
    for reason in ("missing_token", "malformed", "bad_signature",
                   "bad_credentials", "bad_refresh", "revoked"):
        assert value(after, "todo_auth_failures_total", reason=reason) - \
            value(before, "todo_auth_failures_total", reason=reason) == 1, \
            reason


def test_todo_195_05_rate_limited_requests(menv):
    user, _ = menv.new_user()
    before = parse(scrape(menv))
    codes = [menv.post("/auth/login", data={
        "username": user["username"], "password": "wrong"}).status_code
        for _ in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    after = parse(scrape(menv))
    assert value(after, "todo_rate_limited_total", limit="login_account") - \
        value(before, "todo_rate_limited_total", limit="login_account") == 2


def test_todo_195_06_gauges_and_db(menv):
    samples = parse(scrape(menv))
    assert value(samples, "todo_realtime_streams") == 0
    assert ("todo_db_errors_total", frozenset()) in samples
    assert ("todo_db_pool_waits_total", frozenset()) in samples


def test_todo_195_07_counters_survive_graceful_restart(menv):
    route = {"method": "GET", "route": "/healthz", "status": "200"}
    menv.get("/healthz")
    before = value(parse(scrape(menv)), "todo_http_requests_total", **route)
    assert before >= 1
    menv.graceful()
    assert value(parse(scrape(menv)), "todo_http_requests_total",
                 **route) >= before


def test_todo_195_08_refused_streams_never_ended(menv):
    """todo_realtime_streams_ended_total counts the streams that were
    admitted and then ended: a 429 (TodoStreamsPerUser 1 here), a 401 or
    a HEAD of a stream route is a request, not a stream that ended (it
    counted every request of /events and /ws)."""
    _, tokens, _ = menv.new_session()
    auth = {"Authorization": "Bearer " + tokens["access_token"]}
    upgrade = dict(auth, **{
        "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Sec-WebSocket-Version": "13"})
    before = parse(scrape(menv))

    def requests_of(samples, route, status):
        labels = {"method": "GET", "route": route, "status": status}
        return value(samples, "todo_http_requests_total", **labels) - \
            value(before, "todo_http_requests_total", **labels)

    def settle(done):
        """Scrapes until done(samples): a request is counted once it is
        logged, just after its response left."""
        deadline = time.monotonic() + 10
        samples = parse(scrape(menv))
        while not done(samples) and time.monotonic() < deadline:
            time.sleep(0.05)
            samples = parse(scrape(menv))
        assert done(samples)
        return samples

    with menv.client() as s:
        live = s.get(menv.url("/events"), headers=auth, stream=True,
                     timeout=30)
        assert live.status_code == 200
        for _ in range(3):
            assert menv.get("/events", headers=auth).status_code == 429
        assert menv.get("/ws", headers=upgrade).status_code == 429
        assert menv.get("/events").status_code == 401
        assert menv.request("HEAD", "/events",
                            headers=auth).status_code == 200
        after = settle(lambda m: requests_of(m, "/events", "429") == 3
                       and requests_of(m, "/ws", "429") == 1
                       and requests_of(m, "/events", "401") == 1
                       and requests_of(m, "/events", "200") == 1)
        assert value(after, "todo_realtime_streams_ended_total") == \
            value(before, "todo_realtime_streams_ended_total")
        assert value(after, "todo_realtime_streams_refused_total",
                     limit="user") - value(
            before, "todo_realtime_streams_refused_total",
            limit="user") == 4
        assert value(after, "todo_realtime_streams") == 1
        live.close()
    # The admitted one, once it ended, is.
    settle(lambda m: value(m, "todo_realtime_streams_ended_total") - value(
        before, "todo_realtime_streams_ended_total") == 1)
