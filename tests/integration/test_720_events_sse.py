"""GET /events: Server-Sent Events of the caller's tasks — every live
stream of the owner gets each event, whichever httpd process holds it or
handled the write; nobody else does; Last-Event-ID resumes."""

import base64
import json
import queue
import threading
import time

import pytest

from env import TodoEnv


class Sse:
    """A client of /events reading in a thread: events land in a queue
    as dicts {"id", "event", "data"}; comments as {"comment"}."""

    def __init__(self, e, token=None, headers=None, query=""):
        self.q = queue.Queue()
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        self.s = e.client()
        self.r = self.s.get(e.url("/events" + query), headers=h, stream=True,
                            timeout=30)
        self.status = self.r.status_code
        self.closed = threading.Event()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        ev = {}
        try:
            for raw in self.r.iter_lines(chunk_size=1, decode_unicode=True):
                if raw == "":
                    if ev:
                        self.q.put(ev)
                    ev = {}
                elif raw.startswith(":"):
                    self.q.put({"comment": raw[1:].strip()})
                else:
                    k, _, v = raw.partition(":")
                    ev[k] = v[1:] if v.startswith(" ") else v
        except Exception:
            pass
        self.closed.set()

    def next_event(self, timeout=5, skip_comments=True):
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("no event within %ss" % timeout)
            try:
                ev = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if skip_comments and ("comment" in ev or "retry" in ev):
                continue
            return ev

    def task_event(self, timeout=5):
        ev = self.next_event(timeout)
        assert "data" in ev, ev
        return int(ev["id"]), json.loads(ev["data"])

    def close(self):
        self.r.close()
        self.s.close()


@pytest.fixture(scope="module")
def senv():
    # 3 processes (of 8 threads: 6 streams each, a quarter of the threads
    # kept for requests): a user's streams land in several.
    e = TodoEnv(name="sse", extra_env={"PROCS": "3", "THREADS": "8"})
    e.install_conf("TodoStreamHeartbeat 1\nTodoStreamsPerUser 4\n",
                   name="01-streams.conf")
    assert e.start() == 0
    yield e
    e.cleanup()


def test_todo_720_01_owner_gets_created_updated_deleted(senv):
    _, tokens, _ = senv.new_session()
    token = tokens["access_token"]
    sse = Sse(senv, token)
    try:
        assert sse.status == 200
        assert sse.r.headers["Content-Type"].startswith("text/event-stream")
        task = senv.post("/tasks", token, json={"title": "live"}).json()
        seq1, ev = sse.task_event()
        assert ev == {"type": "task.created", "task": task}
        upd = senv.patch("/tasks/" + task["id"], token,
                         json={"status": "completed"}).json()
        seq2, ev = sse.task_event()
        assert ev == {"type": "task.updated", "task": upd} and seq2 > seq1
        assert senv.delete("/tasks/" + task["id"], token).status_code == 204
        _, ev = sse.task_event()
        assert ev == {"type": "task.deleted", "task": {"id": task["id"]}}
        senv.post("/tasks/bulk", token,
                  json={"tasks": [{"title": "b1"}, {"title": "b2"}]})
        titles = [sse.task_event()[1]["task"]["title"] for _ in range(2)]
        assert titles == ["b1", "b2"]
    finally:
        sse.close()


def test_todo_720_02_nobody_else_sees_them(senv):
    _, a, _ = senv.new_session()
    _, b, _ = senv.new_session()
    sse_b = Sse(senv, b["access_token"])
    try:
        for i in range(3):
            senv.post("/tasks", a["access_token"], json={"title": "a%d" % i})
        # B's own write, after A's: the first thing B gets must be B's.
        mine = senv.post("/tasks", b["access_token"],
                         json={"title": "mine"}).json()
        _, ev = sse_b.task_event()
        assert ev["task"]["id"] == mine["id"]
    finally:
        sse_b.close()


def test_todo_720_03_every_stream_of_the_user_across_processes(senv):
    _, tokens, _ = senv.new_session()
    token = tokens["access_token"]
    streams = [Sse(senv, token) for _ in range(4)]
    try:
        assert all(s.status == 200 for s in streams)
        task = senv.post("/tasks", token, json={"title": "fan out"}).json()
        for s in streams:
            _, ev = s.task_event()
            assert ev["task"]["id"] == task["id"]
    finally:
        for s in streams:
            s.close()


def test_todo_720_04_last_event_id_resumes_without_loss(senv):
    _, tokens, _ = senv.new_session()
    token = tokens["access_token"]
    sse = Sse(senv, token)
    senv.post("/tasks", token, json={"title": "one"})
    last, _ = sse.task_event()
    sse.close()
    senv.post("/tasks", token, json={"title": "two"})
    senv.post("/tasks", token, json={"title": "three"})
    again = Sse(senv, token, headers={"Last-Event-ID": str(last)})
    try:
        got = [again.task_event()[1]["task"]["title"] for _ in range(2)]
        assert got == ["two", "three"]
    finally:
        again.close()
    # An id that was never given (a ring id of the old per-server kind,
    # another database's) or is not one: told to start afresh.
    for bad in (str(last + 10**12), "1727000000000000", "abc", "-1"):
        old = Sse(senv, token, headers={"Last-Event-ID": bad})
        try:
            ev = old.next_event()
            assert ev["event"] == "reset", bad
            assert json.loads(ev["data"]) == {"type": "stream.reset"}
        finally:
            old.close()


def test_todo_720_04c_resume_below_the_pruned_watermark_resets(senv):
    """Ids are the events table's: a resume sends what the database holds
    after the id, unless events after it were pruned (the watermark, set
    here by hand as pruning sets it), which is a reset."""
    _, tokens, _ = senv.new_session()
    token = tokens["access_token"]
    sse = Sse(senv, token)
    try:
        senv.post("/tasks", token, json={"title": "one"})
        first, _ = sse.task_event()
        senv.post("/tasks", token, json={"title": "two"})
        second, _ = sse.task_event()
    finally:
        sse.close()
    # From before both: both, from the database.
    again = Sse(senv, token, headers={"Last-Event-ID": str(first - 1)})
    try:
        got = [again.task_event() for _ in range(2)]
        assert [g[0] for g in got] == [first, second]
        assert [g[1]["task"]["title"] for g in got] == ["one", "two"]
    finally:
        again.close()
    senv.sql({"sqlite3": "UPDATE events_pruned SET up_to = ?",
              "pgsql": "UPDATE events_pruned SET up_to = ?::bigint"}, first)
    senv.sql({"sqlite3": "DELETE FROM events WHERE id <= ?",
              "pgsql": "DELETE FROM events WHERE id <= ?::bigint"}, first)
    try:
        old = Sse(senv, token, headers={"Last-Event-ID": str(first - 1)})
        try:
            ev = old.next_event()
            assert ev["event"] == "reset"
        finally:
            old.close()
        # At the watermark: nothing after it was pruned.
        ok = Sse(senv, token, headers={"Last-Event-ID": str(first)})
        try:
            event_id, event = ok.task_event()
            assert event_id == second and event["task"]["title"] == "two"
        finally:
            ok.close()
    finally:
        senv.sql({"sqlite3": "UPDATE events_pruned SET up_to = 0",
                  "pgsql": "UPDATE events_pruned SET up_to = 0"})


def test_todo_720_04b_last_event_id_in_the_query(senv):
    """A browser renewing its token opens a new EventSource, which cannot
    send Last-Event-ID: ?last_event_id= resumes just the same (the
    header wins when both are sent)."""
    _, tokens, _ = senv.new_session()
    token = tokens["access_token"]
    sse = Sse(senv, query="?access_token=" + token)
    senv.post("/tasks", token, json={"title": "one"})
    last, _ = sse.task_event()
    sse.close()
    senv.post("/tasks", token, json={"title": "two"})
    again = Sse(senv, query="?access_token=%s&last_event_id=%d" % (token, last))
    try:
        assert again.task_event()[1]["task"]["title"] == "two"
    finally:
        again.close()
    both = Sse(senv, token, headers={"Last-Event-ID": str(last)},
               query="?last_event_id=1")
    try:
        assert both.task_event()[1]["task"]["title"] == "two"
    finally:
        both.close()
    # Only that spelling: LAST_EVENT_ID is not the name, so no resume and
    # no reset, just the events from now on.
    other = Sse(senv, token, query="?LAST_EVENT_ID=1")
    try:
        senv.post("/tasks", token, json={"title": "three"})
        assert other.task_event()[1]["task"]["title"] == "three"
    finally:
        other.close()


def test_todo_720_05_auth(senv):
    r = senv.get("/events")
    assert r.status_code == 401 and r.json()["detail"]
    assert r.headers["WWW-Authenticate"] == "Bearer"
    r = senv.get("/events", "forged.token.here")
    assert r.status_code == 401
    _, tokens, _ = senv.new_session()
    sse = Sse(senv, query="?access_token=" + tokens["access_token"])
    try:
        assert sse.status == 200
    finally:
        sse.close()


def test_todo_720_06_logout_ends_the_stream(senv):
    _, tokens, _ = senv.new_session()
    token = tokens["access_token"]
    sse = Sse(senv, token)
    assert senv.post("/auth/logout", token).status_code == 204
    assert sse.closed.wait(5), "stream still open after logout"
    sse.close()


def test_todo_720_06b_refresh_reuse_ends_the_sessions_streams(senv):
    """A reused refresh token revokes its session, and its access tokens
    got 401 at once; its open streams went on receiving task events until
    the token's exp (up to 15 minutes). Now they end with the session;
    another session's stream of the same user goes on."""
    user, tokens, password = senv.new_session()
    other = senv.login(user["username"], password)
    token = tokens["access_token"]
    sse = Sse(senv, token)
    keep = Sse(senv, other["access_token"])
    try:
        assert sse.status == 200 and keep.status == 200
        r = senv.post("/auth/refresh",
                      json={"refresh_token": tokens["refresh_token"]})
        assert r.status_code == 200
        r = senv.post("/auth/refresh",
                      json={"refresh_token": tokens["refresh_token"]})
        assert r.status_code == 401  # reuse: the session is revoked
        assert sse.closed.wait(5), "stream outlived its revoked session"
        assert senv.post("/tasks", other["access_token"],
                         json={"title": "after"}).status_code == 201
        _, event = keep.task_event()
        assert event["task"]["title"] == "after"
        # Nothing of it reached the ended stream.
        while not sse.q.empty():
            assert "data" not in sse.q.get_nowait()
    finally:
        sse.close()
        keep.close()


def test_todo_720_06c_revoked_elsewhere_ends_within_a_heartbeat(senv):
    """A session revoked without this server's knowing (todoctl, another
    server on the same SQLite file, the database edited by hand) sends no
    event; streams recheck their session at each heartbeat (1 s here)
    and end."""
    user, tokens, _ = senv.new_session()
    sse = Sse(senv, tokens["access_token"])
    try:
        assert sse.status == 200
        sid = json.loads(base64.urlsafe_b64decode(
            tokens["access_token"].split(".")[1] + "==="))["sid"]
        n = senv.sql({"sqlite3": "UPDATE sessions SET revoked_at = "
                                 "'2026-01-01T00:00:00.000000Z' WHERE id = ?",
                      "pgsql": "UPDATE sessions SET revoked_at = now() "
                               "WHERE id = ?::uuid"}, sid)
        assert n in (1, "")
        assert sse.closed.wait(5), "stream outlived its revoked session"
    finally:
        sse.close()


def test_todo_720_07_heartbeat_comments(senv):
    _, tokens, _ = senv.new_session()
    sse = Sse(senv, tokens["access_token"])
    try:
        ev = sse.next_event(timeout=4, skip_comments=False)
        while "retry" in ev:
            ev = sse.next_event(timeout=4, skip_comments=False)
        assert ev == {"comment": "ping"}
    finally:
        sse.close()


def test_todo_720_08_streams_per_user_limit(senv):
    _, tokens, _ = senv.new_session()
    token = tokens["access_token"]
    streams = [Sse(senv, token) for _ in range(4)]
    try:
        assert all(s.status == 200 for s in streams)
        r = senv.get("/events", token)
        assert r.status_code == 429
        assert r.json() == {"detail": "Too many live event streams"}
        assert int(r.headers["Retry-After"]) >= 1
    finally:
        for s in streams:
            s.close()
    # Closed streams are counted out again.
    deadline = time.time() + 5
    while time.time() < deadline:
        s = Sse(senv, token)
        s.close()
        if s.status == 200:
            break
        time.sleep(0.2)
    assert s.status == 200


def test_todo_720_09_token_expiry_ends_the_stream():
    e = TodoEnv(name="sse-exp")
    e.install_conf("TodoAccessTokenLifetime 10\nTodoStreamHeartbeat 1\n",
                   name="01-exp.conf")
    assert e.start() == 0
    try:
        _, tokens, _ = e.new_session()
        sse = Sse(e, tokens["access_token"])
        assert sse.status == 200
        assert sse.closed.wait(14), "stream outlived its token"
        sse.close()
    finally:
        e.cleanup()


def test_todo_720_10_metrics_count_live_streams(senv):
    _, tokens, _ = senv.new_session()
    sse = Sse(senv, tokens["access_token"])
    try:
        text = senv.get("/metrics").text
        live = [l for l in text.splitlines()
                if l.startswith("todo_realtime_streams ")]
        assert int(live[0].split()[1]) >= 1
    finally:
        sse.close()


def test_todo_720_11_graceful_restart_lets_streams_go():
    """A graceful restart ends live streams (so the old processes can
    exit) and clients reconnect to the new ones without losing events."""
    e = TodoEnv(name="sse-graceful")
    e.install_conf("TodoStreamHeartbeat 1\n", name="01-streams.conf")
    assert e.start() == 0
    try:
        _, tokens, _ = e.new_session()
        token = tokens["access_token"]
        sse = Sse(e, token)
        e.post("/tasks", token, json={"title": "before"})
        last, _ = sse.task_event()
        e.graceful()
        assert sse.closed.wait(5), "stream kept the old generation alive"
        sse.close()
        e.post("/tasks", token, json={"title": "during"})
        again = Sse(e, token, headers={"Last-Event-ID": str(last)})
        try:
            assert again.task_event()[1]["task"]["title"] == "during"
        finally:
            again.close()
    finally:
        e.cleanup()
