"""Scale-out: two httpd servers on one database (the PostgreSQL shape; on
SQLite, two servers on one file). Sessions, revocations and data live in
the database, so every server sees every change at once."""

import os

import pytest

from env import TodoEnv


@pytest.fixture(scope="module")
def pair():
    a = TodoEnv(name="node-a")
    kw = {}
    if a.db == "pgsql":
        kw = {"pg": a.pg, "dbname": a.dbname}
    b = TodoEnv(name="node-b", **kw)
    with open(os.path.join(b.dir, "jwt.secret"), "wb") as f:
        f.write(a.secret)  # the nodes share the secret, as they must
    if a.db == "sqlite3":
        conf = open(b.conf).read().replace(b.db_path, a.db_path)
        with open(b.conf, "w") as f:
            f.write(conf)
    for e in (a, b):
        e.install_conf("TodoStreamHeartbeat 5\n", name="01-streams.conf")
    assert a.start() == 0 and b.start() == 0
    yield a, b
    a.cleanup()
    b.cleanup()


def test_todo_820_01_token_from_a_works_on_b(pair):
    a, b = pair
    user, tokens, _ = a.new_session()
    r = b.get("/auth/me", tokens["access_token"])
    assert r.status_code == 200 and r.json()["id"] == user["id"]


def test_todo_820_02_logout_on_a_is_refused_on_b_at_once(pair):
    a, b = pair
    _, tokens, _ = a.new_session()
    token = tokens["access_token"]
    assert b.get("/auth/me", token).status_code == 200
    assert a.post("/auth/logout", token).status_code == 204
    r = b.get("/auth/me", token)
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    r = b.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401


def test_todo_820_03_write_on_a_read_on_b(pair):
    a, b = pair
    _, tokens, _ = a.new_session()
    token = tokens["access_token"]
    r = a.post("/tasks", token, json={"title": "written on A"})
    assert r.status_code == 201
    task = r.json()
    r = b.get("/tasks/" + task["id"], token)
    assert r.status_code == 200 and r.json() == task
    r = b.patch("/tasks/" + task["id"], token, json={"status": "in_progress"},
                headers={"If-Match": a.get("/tasks/" + task["id"], token)
                         .headers["ETag"]})
    assert r.status_code == 200
    assert a.get("/tasks/" + task["id"], token).json()["status"] == \
        "in_progress"


def test_todo_820_04_refresh_rotation_across_nodes(pair):
    a, b = pair
    _, t0, _ = a.new_session()
    r = b.post("/auth/refresh", json={"refresh_token": t0["refresh_token"]})
    assert r.status_code == 200
    # The spent token, replayed on the other node, is reuse.
    r = a.post("/auth/refresh", json={"refresh_token": t0["refresh_token"]})
    assert r.status_code == 401
    assert b.get("/auth/me", r.json() and t0["access_token"]).status_code \
        == 401


@pytest.mark.skipif(os.environ.get("TODO_TEST_DB", "sqlite3") != "pgsql",
                    reason="events cross servers through PostgreSQL "
                           "NOTIFY; two SQLite servers do not share them")
def test_todo_820_10_events_cross_servers(pair):
    """A write on A reaches the owner's stream on B (and nobody else's),
    big events too (several NOTIFY messages)."""
    from test_720_events_sse import Sse
    a, b = pair
    _, tokens, _ = a.new_session()
    _, other, _ = a.new_session()
    token = tokens["access_token"]
    mine = Sse(b, token)
    theirs = Sse(b, other["access_token"])
    try:
        assert mine.status == 200 and theirs.status == 200
        import time
        time.sleep(1.5)  # B's listener holds its lease and LISTENs
        task = a.post("/tasks", token, json={"title": "from A"}).json()
        _, ev = mine.task_event(timeout=10)
        assert ev == {"type": "task.created", "task": task}
        big = a.post("/tasks", token, json={
            "title": "big", "description": "\u20ac\u0001" * 1000}).json()
        _, ev = mine.task_event(timeout=10)
        assert ev == {"type": "task.created", "task": big}
        # The other user's stream saw nothing of it: its first event is
        # its own.
        own = a.post("/tasks", other["access_token"],
                     json={"title": "own"}).json()
        _, ev = theirs.task_event(timeout=10)
        assert ev["task"]["id"] == own["id"]
        # A logout on A ends the stream on B within a second (A's NOTIFY,
        # not B's heartbeat, 5 s here), whose listener ends it.
        t0 = time.monotonic()
        assert a.post("/auth/logout", token).status_code == 204
        assert mine.closed.wait(10)
        took = time.monotonic() - t0
        assert took < 1.0, took
    finally:
        mine.close()
        theirs.close()
