"""Task events across two servers on one PostgreSQL database: a stream on
one sees the writes made on the other; a client resumes on either with
the last id it read and gets exactly the events after it, in order, then
the live ones; and neither the SIGKILL of the process that LISTENs for a
server (another takes its lease over and catches up) nor of a whole
server (its clients resume on the other, and on it once it is back) costs
a stream an event. "Exactly" is checked against the events table: each
stream gets every event of its user that the database holds, once, in id
order -- every acknowledged write among them."""

import os
import signal
import time

import pytest

from env import DB, TodoEnv
from test_720_events_sse import Sse
from test_722_events_durable import (Writers, assert_exactly,
                                     assert_log_clean, json_of, read_until,
                                     stored_ids)

pytestmark = pytest.mark.skipif(
    DB != "pgsql", reason="servers share events through PostgreSQL; two "
                          "SQLite servers do not")

STREAMS = ("TodoStreamHeartbeat 1\nTodoStreamsPerUser 10\n"
           "TodoStreamsPerAddress 200\n")
# What a SIGKILL leaves in the log: the parent reports its child, and the
# next start finds the old pid file.
KILLED = r"AH00052|AH00098"


def make_pair(procs_a=2):
    a = TodoEnv(name="ev-node-a",
                extra_env={"PROCS": str(procs_a), "THREADS": "16"})
    b = TodoEnv(name="ev-node-b", pg=a.pg, dbname=a.dbname,
                extra_env={"PROCS": "2", "THREADS": "16"})
    with open(os.path.join(b.dir, "jwt.secret"), "wb") as f:
        f.write(a.secret)  # the nodes share the secret, as they must
    for e in (a, b):
        e.install_conf(STREAMS, name="01-streams.conf")
        assert e.start() == 0
    return a, b


@pytest.fixture
def pair():
    a, b = make_pair()
    yield a, b
    a.cleanup()
    b.cleanup()


@pytest.fixture
def pair3():
    """Node A with three processes: a stream may live in another than
    the one that listens."""
    a, b = make_pair(procs_a=3)
    yield a, b
    a.cleanup()
    b.cleanup()



def listener_pid(e, timeout=15):
    """The child of @e that holds the lease and LISTENs (its connection
    is named mod_todo-listener-<pid>)."""
    deadline = time.time() + timeout
    while True:
        names = e.sql({"pgsql": "SELECT application_name FROM "
                                "pg_stat_activity WHERE application_name "
                                "LIKE 'mod_todo-listener-%'"}).split()
        pids = {int(n.rsplit("-", 1)[1]) for n in names}
        mine = pids & set(e.children())
        if len(mine) == 1:
            return mine.pop()
        if time.time() > deadline:
            with open(e.error_log) as f:
                log = f.read()[-3000:]
            raise AssertionError("no one listener of %s (children %s): %s\n%s"
                                 % (e.dir, e.children(), names, log))
        time.sleep(0.2)


def server_pid(e, sse):
    """The httpd child that holds @sse's connection (from /proc: the
    socket whose ends are the server's port and the client's)."""
    sock = sse.r.raw.connection.sock
    if sock is None:
        # A response that says Connection: close (a parked stream's, on
        # the event MPM) takes the socket from its connection (http.client
        # hands it over): it is under the response's file.
        sock = sse.r.raw._fp.fp.raw._sock
    client = sock.getsockname()[1]
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                local = int(cols[1].rsplit(":", 1)[1], 16)
                remote = int(cols[2].rsplit(":", 1)[1], 16)
                if local == e.port and remote == client:
                    inodes.add("socket:[%s]" % cols[9])
    for pid in e.children():
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except FileNotFoundError:
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) in inodes:
                    return pid
            except OSError:
                pass
    raise AssertionError("no child of %d holds the stream" % e.proc.pid)


def received(sse):
    """What a stream that ended had received: [(id, event)]."""
    assert sse.closed.wait(10), "the stream did not end"
    got = []
    while not sse.q.empty():
        ev = sse.q.get_nowait()
        if "data" in ev:
            got.append((int(ev["id"]), ev))
    return got


def acked_in(writers, got):
    """Every write @writers had acknowledged is among the events @got,
    as its answer had it."""
    tasks = {}
    for _, ev in got:
        event = json_of(ev)
        tasks.setdefault(event["task"]["id"], event["task"])
    for w in writers:
        for tid, task in w.acked.items():
            assert tasks.get(tid) == task, tid


def test_todo_822_01_stream_on_a_sees_b_and_resumes_on_b(pair):
    a, b = pair
    user, tokens, _ = a.new_session()
    token = tokens["access_token"]
    on_a = Sse(a, token)  # at once: before A's listener may listen
    try:
        assert on_a.status == 200
        b.post("/tasks", token, json={"title": "b1"})
        a.post("/tasks", token, json={"title": "a1"})
        got = read_until(on_a, "a1")
    finally:
        on_a.close()
    assert_exactly(got, stored_ids(a, user["id"]))
    assert [json_of(ev)["task"]["title"] for _, ev in got] == ["b1", "a1"]
    last = got[-1][0]
    # While no stream is open, on both.
    b1 = json_of(got[0][1])["task"]
    b.post("/tasks", token, json={"title": "b2"})
    a.post("/tasks", token, json={"title": "a2"})
    a.patch("/tasks/" + b1["id"], token, json={"title": "b1x"})
    on_b = Sse(b, token, headers={"Last-Event-ID": str(last)})
    try:
        assert on_b.status == 200
        b.post("/tasks", token, json={"title": "b3"})  # then live ones
        a.post("/tasks", token, json={"title": "a3"})
        got = read_until(on_b, "a3")
    finally:
        on_b.close()
    assert_exactly(got, stored_ids(a, user["id"], last))
    assert [json_of(ev)["task"]["title"] for _, ev in got] == [
        "b2", "a2", "b1x", "b3", "a3"]
    for e in (a, b):
        assert_log_clean(e)


def test_todo_822_02_kill9_of_the_listening_process(pair3):
    """The process that LISTENs for A is killed while both servers take
    writes: another of A's processes takes the lease over (within
    TODO_LEASE_SECONDS), listens, and appends what was committed while
    nobody listened; A's streams in the other processes, and B's, get
    every event exactly once; those in the killed process resume on B."""
    a, b = pair3
    users = [a.new_session() for _ in range(3)]
    streams = []  # (user, token, node, Sse)
    for user, tokens, _ in users:
        token = tokens["access_token"]
        streams += [(user, token, a, Sse(a, token)) for _ in range(3)]
        streams.append((user, token, b, Sse(b, token)))
    writers = []
    try:
        assert all(s.status == 200 for _, _, _, s in streams)
        holder = listener_pid(a)
        where = {id(s): server_pid(a, s) for _, _, e, s in streams if e is a}
        assert set(where.values()) - {holder}, \
            "every stream on A is in the listening process"
        for _, tokens, _ in users:
            # Paced: the streams are read a byte at a time (Sse).
            writers += [Writers(a, tokens["access_token"], n=1, tag="a",
                                pause=0.05),
                        Writers(b, tokens["access_token"], n=1, tag="b",
                                pause=0.05)]
        for w in writers:
            w.__enter__()
        time.sleep(1)
        os.kill(holder, signal.SIGKILL)
        time.sleep(5)  # the lease lapses (3 s), another process takes it
    finally:
        for w in writers:
            w.__exit__(None, None, None)
    try:
        assert listener_pid(a) != holder
        for _, tokens, _ in users:
            b.post("/tasks", tokens["access_token"], json={"title": "end"})
        for user, token, e, s in streams:
            if e is a and where[id(s)] == holder:
                # Ended with its process: the client resumes on B.
                before = received(s)
                assert before, "nothing reached the stream before the kill"
                again = Sse(b, token,
                            headers={"Last-Event-ID": str(before[-1][0])})
                try:
                    got = before + read_until(again, "end")
                finally:
                    again.close()
            else:
                got = read_until(s, "end")
            assert_exactly(got, stored_ids(a, user["id"]))
            acked_in([w for w in writers if w.token == token], got)
        assert sum(len(w.acked) for w in writers) > 30, "the load did not run"
    finally:
        for _, _, _, s in streams:
            s.close()
    with open(a.error_log) as f:
        caught_up = [l for l in f if "MT00041" in l]
    assert caught_up, "A's new listener caught nothing up"
    assert_log_clean(a, KILLED)
    assert_log_clean(b)


def test_todo_822_03_kill9_of_a_server(pair):
    """A whole server is killed while B takes writes: its clients resume
    on B with the last id they read; once A is back, a client resuming on
    A at once (before its listener may listen) misses nothing either."""
    a, b = pair
    users = [a.new_session() for _ in range(2)]
    streams = []  # (user, token, Sse on A)
    for user, tokens, _ in users:
        streams += [(user, tokens["access_token"],
                     Sse(a, tokens["access_token"])) for _ in range(2)]
    writers = [Writers(b, tokens["access_token"], n=2, tag="b", pause=0.05)
               for _, tokens, _ in users]
    resumed = []  # (user, events before, Sse)
    try:
        assert all(s.status == 200 for _, _, s in streams)
        for w in writers:
            w.__enter__()
        time.sleep(1)
        a.kill9()
        time.sleep(1)
        ended = [(user, token, received(s)) for user, token, s in streams]
        for user, token, before in ended[0::2]:
            assert before, "nothing reached the stream before the kill"
            resumed.append((user, before, Sse(
                b, token, headers={"Last-Event-ID": str(before[-1][0])})))
        assert a.start() == 0
        for user, token, before in ended[1::2]:
            assert before, "nothing reached the stream before the kill"
            resumed.append((user, before, Sse(
                a, token, headers={"Last-Event-ID": str(before[-1][0])})))
        time.sleep(2)
    finally:
        for w in writers:
            w.__exit__(None, None, None)
    try:
        for _, tokens, _ in users:
            b.post("/tasks", tokens["access_token"], json={"title": "end"})
        for user, before, s in resumed:
            assert s.status == 200
            got = before + read_until(s, "end")
            assert_exactly(got, stored_ids(b, user["id"]))
            acked_in([w for w, (u, _, _) in zip(writers, users)
                      if u["id"] == user["id"]], got)
        assert sum(len(w.acked) for w in writers) > 30, "the load did not run"
    finally:
        for _, _, s in resumed:
            s.close()
        for _, _, s in streams:
            s.close()
    assert_log_clean(a, KILLED)
    assert_log_clean(b)
