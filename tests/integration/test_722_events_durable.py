"""Task events are as durable as the writes (the events table): a client
that resumes with Last-Event-ID after the server was stopped, or killed
with SIGKILL under write load, gets every event after its id exactly
once, in id order -- what the database holds, no more, no less -- and then
the live ones; and pruning (TodoEventRetention) moves the watermark, below
which a resume is told to start afresh. On both databases."""

import itertools
import json
import threading
import time

from env import TodoEnv
from test_720_events_sse import Sse

EVENTS = {"sqlite3": "SELECT id FROM events WHERE user_id = ? AND id > ? "
                     "ORDER BY id",
          "pgsql": "SELECT id FROM events WHERE user_id = ?::uuid "
                   "AND id > ?::bigint ORDER BY id"}


def stored_ids(e, user_id, after=0):
    """The user's event ids after @after, as the database holds them."""
    rows = e.sql(EVENTS, user_id, after)
    if e.db == "pgsql":
        return [int(x) for x in rows.split()]
    return [r[0] for r in rows]


def read_until(sse, title, timeout=20):
    """Events (id, event) up to and including the first whose task has
    @title; fails if the stream ends or goes quiet first."""
    got = []
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        try:
            ev = sse.next_event(timeout=left)
        except AssertionError:
            raise AssertionError(
                "no %r within %ss; had %d events (the last %s)%s" % (
                    title, timeout, len(got), got[-1][0] if got else None,
                    ", and the stream ended" if sse.closed.is_set() else ""))
        assert "data" in ev, ev
        got.append((int(ev["id"]), ev))
        if '"title":"%s"' % title in ev["data"]:
            return got


def assert_exactly(got, want_ids):
    """@got (from read_until) is exactly the events @want_ids, in order."""
    ids = [i for i, _ in got]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, "sent more than once: %s" % repeated[:20]
    assert ids == sorted(ids), "out of order: %s" % ids
    missing = sorted(set(want_ids) - set(ids))
    extra = sorted(set(ids) - set(want_ids))
    assert ids == want_ids, "missing %s, extra %s (of %d)" % (
        missing[:20], extra[:20], len(want_ids))


def wait_listening(e, timeout=15):
    """Until task events written now reach @e's streams live: on
    PostgreSQL its listener LISTENs, and has caught up on what was written
    before (so what a resume gets after this, from before, comes from its
    reading the table). A probe user's write, again until its stream has
    it. (SQLite: at once.)"""
    _, tokens, _ = e.new_session()
    token = tokens["access_token"]
    probe = Sse(e, token)
    deadline = time.time() + timeout
    try:
        for k in itertools.count():
            e.post("/tasks", token, json={"title": "probe%d" % k})
            try:
                read_until(probe, "probe%d" % k, timeout=1)
                return
            except AssertionError:
                assert time.time() < deadline, "no listener"
    finally:
        probe.close()


def new_env(name):
    e = TodoEnv(name=name, extra_env={"PROCS": "2", "THREADS": "16"})
    e.install_conf("TodoStreamHeartbeat 1\n", name="01-streams.conf")
    assert e.start() == 0
    return e


def assert_log_clean(e, *expected):
    for pattern in expected:
        e.expect_log(pattern)
    bad = e.unexpected_log_lines()
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)


class Writers:
    """Threads creating tasks (a connection each, so a dead server process
    fails only its own requests), @pause seconds apart, until stopped;
    what got a 201 is acknowledged."""

    def __init__(self, e, token, n=4, tag="w", pause=0):
        self.e, self.token, self.tag, self.pause = e, token, tag, pause
        self.acked = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,))
                        for i in range(n)]

    def run(self, i):
        k = 0
        s = self.e.client()
        while not self.stop.is_set():
            k += 1
            try:
                r = s.post(self.e.url("/tasks"), timeout=10,
                           json={"title": "%s%d-%d" % (self.tag, i, k)},
                           headers={"Authorization": "Bearer " + self.token})
                if r.status_code == 201:
                    with self.lock:
                        self.acked[r.json()["id"]] = r.json()
                self.stop.wait(self.pause)
            except Exception:  # noqa: BLE001 -- a killed server
                s.close()
                s = self.e.client()
                time.sleep(0.05)
        s.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


def test_todo_722_01_resume_after_a_stop_and_start():
    """Stopped and started again, the server has no ring left: the events
    come from the database, then the live ones follow."""
    e = new_env("ev-restart")
    try:
        user, tokens, _ = e.new_session()
        token = tokens["access_token"]
        sse = Sse(e, token)
        for title in ("one", "two", "three"):
            assert e.post("/tasks", token, json={"title": title}).status_code \
                == 201
        seen = read_until(sse, "three")
        sse.close()
        assert [json_title(ev) for _, ev in seen] == ["one", "two", "three"]
        first = seen[0][0]
        # Written while no stream was open, then the server goes.
        task = e.post("/tasks", token, json={"title": "four"}).json()
        e.patch("/tasks/" + task["id"], token, json={"status": "completed"})
        e.stop()
        assert e.start() == 0
        wait_listening(e)
        e.post("/tasks", token, json={"title": "five"})
        again = Sse(e, token, headers={"Last-Event-ID": str(first)})
        try:
            assert again.status == 200
            got = read_until(again, "five")
            assert_exactly(got, stored_ids(e, user["id"], first))
            assert [(json_type(ev), json_title(ev)) for _, ev in got] == [
                ("task.created", "two"), ("task.created", "three"),
                ("task.created", "four"), ("task.updated", "four"),
                ("task.created", "five")]
            assert [i for i, _ in got[:2]] == [i for i, _ in seen[1:]]
            # Then live, after the last one sent.
            e.post("/tasks", token, json={"title": "six"})
            live = read_until(again, "six")
            assert [json_title(ev) for _, ev in live] == ["six"]
            assert live[0][0] > got[-1][0]
        finally:
            again.close()
        # The same from the query string (a browser's new EventSource).
        q = Sse(e, query="?access_token=%s&last_event_id=%d"
                % (token, seen[2][0]))
        try:
            got = read_until(q, "six")
            assert_exactly(got, stored_ids(e, user["id"], seen[2][0]))
        finally:
            q.close()
        assert_log_clean(e)
    finally:
        e.cleanup()


def test_todo_722_02_resume_after_kill9_under_writes():
    """SIGKILL of the whole server while tasks are being created: after
    the start, a resume from an id seen before the crash gets exactly the
    events the database holds after it -- every acknowledged create among
    them, once, in order, as its 201 had it -- then the live ones."""
    e = new_env("ev-kill9")
    try:
        user, tokens, _ = e.new_session()
        token = tokens["access_token"]
        sse = Sse(e, token)
        e.post("/tasks", token, json={"title": "before"})
        (first, _), = read_until(sse, "before")
        with Writers(e, token) as w:
            time.sleep(1.5)
            e.kill9()
            time.sleep(0.3)
        sse.close()
        assert len(w.acked) > 10, "the load did not run"
        assert e.start() == 0
        wait_listening(e)
        again = Sse(e, token, headers={"Last-Event-ID": str(first)})
        try:
            assert again.status == 200
            e.post("/tasks", token, json={"title": "after"})
            got = read_until(again, "after")
        finally:
            again.close()
        want = stored_ids(e, user["id"], first)
        assert_exactly(got, want)
        tasks = {}
        for _, ev in got[:-1]:
            event = json_of(ev)
            assert event["type"] == "task.created"
            tasks[event["task"]["id"]] = event["task"]
        for tid, task in w.acked.items():
            assert tasks.get(tid) == task, tid
        # An event exactly for each write that is there (the tasks
        # committed but not acknowledged too, and nothing else).
        listed = all_task_ids(e, token)
        assert set(tasks) | {first_task(e, token, "before"),
                             json_of(got[-1][1])["task"]["id"]} == listed
        assert_log_clean(e, r"AH00098")  # the pid file of the killed run
    finally:
        e.cleanup()


def test_todo_722_03_pruned_events_reset_a_resume_from_before_them():
    """Events older than TodoEventRetention are pruned (at a server's
    start, then once a minute), and the watermark moves up to the newest
    pruned id: a resume from below it is told to start afresh, one from
    it or above gets the rest. Time passes here by moving the events'
    created_at a day and more back while the server is stopped."""
    e = new_env("ev-prune")
    try:
        user, tokens, _ = e.new_session()
        token = tokens["access_token"]
        sse = Sse(e, token)
        for i in range(5):
            e.post("/tasks", token, json={"title": "t%d" % i})
        ids = [i for i, _ in read_until(sse, "t4")]
        sse.close()
        e.stop()
        n = e.sql({"sqlite3": "UPDATE events SET created_at = created_at - "
                              "90000000 WHERE id <= ?",
                   "pgsql": "UPDATE events SET created_at = created_at - "
                            "90000000 WHERE id <= ?::bigint"}, ids[2])
        assert n in (3, "")
        assert e.start() == 0
        mark = {"sqlite3": "SELECT up_to FROM events_pruned",
                "pgsql": "SELECT up_to FROM events_pruned"}
        deadline = time.time() + 15
        while int(str(e.sql(mark)).strip("[](),\n ")) != ids[2]:
            assert time.time() < deadline, "not pruned at the start"
            time.sleep(0.2)
        assert stored_ids(e, user["id"]) == ids[3:]
        wait_listening(e)
        # From below the watermark: what it missed is gone.
        old = Sse(e, token, headers={"Last-Event-ID": str(ids[1])})
        try:
            ev = old.next_event(timeout=10)
            assert ev["event"] == "reset"
            e.post("/tasks", token, json={"title": "t5"})
            got = read_until(old, "t5")
            assert [json_title(ev) for _, ev in got] == ["t5"]
        finally:
            old.close()
        # From the watermark: nothing after it was pruned.
        ok = Sse(e, token, headers={"Last-Event-ID": str(ids[2])})
        try:
            got = read_until(ok, "t5")
            assert [json_title(ev) for _, ev in got] == ["t3", "t4", "t5"]
            assert [i for i, _ in got[:2]] == ids[3:]
        finally:
            ok.close()
        assert_log_clean(e)
    finally:
        e.cleanup()


# ---- helpers ----

def json_of(ev):
    return json.loads(ev["data"])


def json_type(ev):
    return json_of(ev)["type"]


def json_title(ev):
    return json_of(ev)["task"]["title"]


def all_task_ids(e, token):
    ids, page = set(), 1
    while True:
        r = e.get("/tasks?page_size=100&page=%d" % page, token)
        assert r.status_code == 200
        batch = r.json()["tasks"]
        ids |= {t["id"] for t in batch}
        if len(batch) < 100:
            return ids
        page += 1


def first_task(e, token, title):
    r = e.get("/tasks", token, params={"q": title})
    (task,) = [t for t in r.json()["tasks"] if t["title"] == title]
    return task["id"]
