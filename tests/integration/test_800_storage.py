"""Storage: migrations (automatic and through todoctl), durability, and
instances that keep their data and secret."""

import glob
import os
import sqlite3
import subprocess
import threading
import time

import pytest

from env import DB, TOP, PgCluster, TodoEnv

TODOCTL = os.path.join(TOP, "build", "todoctl")
sqlite_only = pytest.mark.skipif(DB != "sqlite3", reason="SQLite only")


def todoctl(params, *args, driver=DB):
    return subprocess.run([TODOCTL, "-d", driver, "-p", params] + list(args),
                          capture_output=True, text=True)


def env_params(e):
    return e.pg.params(e.dbname) if e.db == "pgsql" else e.db_path


def schema(db):
    con = sqlite3.connect(db)
    try:
        return sorted(r for r in con.execute(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        con.close()


@pytest.fixture
def fresh():
    e = TodoEnv(name="storage")
    yield e
    e.cleanup()


class TestMigrations:
    def test_todo_800_01_automigrate_applies_all(self, fresh):
        assert fresh.start() == 0
        fresh.stop()
        r = todoctl(env_params(fresh), "migrate", "status")
        assert r.returncode == 0, r.stderr
        lines = r.stdout.strip().splitlines()
        assert lines and all("pending" not in l for l in lines)
        assert lines[0].startswith("0001_init")

    @sqlite_only
    def test_todo_800_02_wal_mode(self, fresh):
        assert fresh.start() == 0
        con = sqlite3.connect(fresh.db_path)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.close()

    def test_todo_800_03_down_up_round_trip(self, tmp_path):
        if DB == "pgsql":
            pg = PgCluster.get()
            name = pg.createdb()
            db = pg.params(name)

            def schema_of(_):
                return pg.psql(name, "SELECT table_name, column_name, "
                               "data_type FROM information_schema.columns "
                               "WHERE table_schema = 'public' "
                               "AND table_name <> 'schema_migrations' "
                               "ORDER BY 1, 2") + pg.psql(
                    name, "SELECT indexdef FROM pg_indexes WHERE "
                    "schemaname = 'public' ORDER BY 1")
        else:
            db = str(tmp_path / "t.db")
            schema_of = schema
        r = todoctl(db, "migrate", "up")
        assert r.returncode == 0, r.stderr
        before = schema_of(db)
        assert "tasks" in str(before) and "sessions" in str(before)
        r = todoctl(db, "migrate", "down", "99", "--yes")
        assert r.returncode == 0 and "reverted" in r.stdout
        assert "pending" in todoctl(db, "migrate", "status").stdout
        assert "tasks" not in str(schema_of(db))
        assert "sessions" not in str(schema_of(db))
        assert todoctl(db, "migrate", "up").returncode == 0
        assert schema_of(db) == before
        # up again is a no-op
        r = todoctl(db, "migrate", "up")
        assert r.returncode == 0 and "0 applied" in r.stdout

    def test_todo_800_04_todoctl_usage_errors(self, tmp_path):
        r = subprocess.run([TODOCTL], capture_output=True, text=True)
        assert r.returncode == 2 and "usage" in r.stderr
        r = todoctl(str(tmp_path / "x.db"), "migrate", "sideways",
                    driver="sqlite3")
        assert r.returncode == 2
        r = subprocess.run([TODOCTL, "-d", "oracle", "-p", "x", "migrate",
                            "up"], capture_output=True, text=True)
        assert r.returncode == 1 and "not supported" in r.stderr

    def test_todo_800_05_two_servers_start_together(self):
        """Two servers on one database, started at once: each migration is
        applied exactly once and both serve."""
        a, b = TodoEnv(name="twin-a"), TodoEnv(name="twin-b")
        try:
            with open(os.path.join(b.dir, "jwt.secret"), "wb") as f:
                f.write(a.secret)
            conf = open(b.conf).read().replace(env_params(b), env_params(a))
            with open(b.conf, "w") as f:
                f.write(conf)
            results = {}
            threads = [threading.Thread(
                target=lambda e=e: results.__setitem__(e.dir, e.start()))
                for e in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert list(results.values()) == [0, 0], results
            rows = a.sql({"sqlite3": "SELECT version, count(*) FROM "
                                     "schema_migrations GROUP BY version",
                          "pgsql": "SELECT version, count(*) FROM "
                                   "schema_migrations GROUP BY version"})
            if a.db == "pgsql":
                rows = [tuple(map(int, l.split("|")))
                        for l in rows.split()]
            ups = glob.glob(os.path.join(TOP, "sql", a.db, "*.up.sql"))
            assert len(rows) == len(ups) and all(n == 1 for _, n in rows), \
                rows
            user, tokens, _ = a.new_session()
            assert b.get("/auth/me", tokens["access_token"]).json()["id"] \
                == user["id"]
        finally:
            a.cleanup()
            b.cleanup()


class TestDurability:
    def test_todo_800_10_restart_keeps_data_and_secret(self, fresh):
        assert fresh.start() == 0
        secret = fresh.secret
        user, password = fresh.new_user()
        fresh.stop()
        # make run prepares the instance again: the secret must survive.
        fresh.prepare_instance()
        assert fresh.secret == secret
        assert fresh.start() == 0
        tokens = fresh.login(user["username"], password)
        assert fresh.get("/auth/me", tokens["access_token"]).status_code == 200

    def test_todo_800_11_acknowledged_write_survives_kill9(self, fresh):
        assert fresh.start() == 0
        users = [fresh.new_user()[0] for _ in range(5)]
        fresh.kill9()
        fresh.expect_log(r".")  # whatever a crash leaves behind
        assert fresh.start() == 0
        _, tokens, _ = fresh.new_session()
        for u in users:
            r = fresh.get("/users/" + u["id"], tokens["access_token"])
            assert r.status_code == 200 and r.json() == u

    @sqlite_only
    def test_todo_800_12_unwritable_database_is_503(self, fresh):
        assert fresh.start() == 0
        _, tokens, _ = fresh.new_session()
        fresh.stop()
        os.chmod(fresh.db_path, 0o444)
        try:
            fresh.expect_log(r"readonly|read-only|MT0000[1-5]|MT00036|AH")
            assert fresh.start() == 0
            r = fresh.post("/auth/register", json={
                "email": "ro@example.com", "username": "readonly",
                "password": "password1"})
            assert r.status_code == 503, r.text
            assert r.json() == {
                "detail": "Service Unavailable: database unavailable"}
        finally:
            os.chmod(fresh.db_path, 0o600)


@sqlite_only
def test_todo_800_13_locked_database_is_503_and_nothing_half_written(fresh):
    """Another process holds SQLite's write lock: writes wait for the busy
    timeout, then answer 503 (never 500, never a hang); reads go on (WAL);
    a bulk create that could not commit leaves nothing behind."""
    fresh.install_conf("TodoSQLiteBusyTimeout 200\n", name="busy.conf")
    assert fresh.start() == 0
    _, tokens, _ = fresh.new_session()
    token = tokens["access_token"]
    assert fresh.post("/tasks", token, json={"title": "before"}).status_code \
        == 201
    locker = sqlite3.connect(fresh.db_path, timeout=1, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        fresh.expect_log(r"MT00001|MT00017|database is locked")
        t0 = time.monotonic()
        r = fresh.post("/tasks/bulk", token, json={"tasks": [
            {"title": "one"}, {"title": "two"}]})
        took = time.monotonic() - t0
        assert r.status_code == 503, r.text
        assert r.json() == {
            "detail": "Service Unavailable: database unavailable"}
        assert took < 10, took
        # Reads are not blocked by a writer in WAL mode.
        r = fresh.get("/tasks", token)
        assert r.status_code == 200 and r.json()["total"] == 1
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    r = fresh.get("/tasks", token)
    assert [t["title"] for t in r.json()["tasks"]] == ["before"]
    assert fresh.post("/tasks", token, json={"title": "after"}).status_code \
        == 201


def test_todo_800_20_list_totals_kept_through_writes_and_migration(fresh):
    """The unfiltered total of GET /tasks is a counter kept by triggers
    (SQLite 0003, PostgreSQL 0005): it equals the filtered totals' sum (a
    real count) after every kind of write, and after its migration is
    reverted and applied again over existing tasks."""
    assert fresh.start() == 0
    _, a, _ = fresh.new_session()
    b_user, b, _ = fresh.new_session()
    a, b = a["access_token"], b["access_token"]

    def totals(token):
        whole = fresh.get("/tasks", token).json()["total"]
        parts = sum(fresh.get("/tasks", token, params={"status": s})
                    .json()["total"]
                    for s in ("pending", "in_progress", "completed"))
        return whole, parts

    ids = [fresh.post("/tasks", a, json={"title": "t%d" % i}).json()["id"]
           for i in range(3)]
    assert totals(a) == (3, 3)
    r = fresh.post("/tasks/bulk", a, json={"tasks": [
        {"title": "b%d" % i, "status": "completed"} for i in range(4)]})
    assert r.status_code == 201, r.text
    assert totals(a) == (7, 7)
    assert fresh.patch("/tasks/" + ids[0], a,
                       json={"status": "in_progress"}).status_code == 200
    assert fresh.delete("/tasks/" + ids[1], a).status_code == 204
    assert totals(a) == (6, 6)
    # A refused write (one bad task in a bulk) counts nothing.
    r = fresh.post("/tasks/bulk", a, json={"tasks": [{"title": "ok"},
                                                     {"title": ""}]})
    assert r.status_code == 422 and totals(a) == (6, 6)
    for i in range(2):
        fresh.post("/tasks", b, json={"title": "x%d" % i})
    assert totals(b) == (2, 2)

    # The counter's migration, reverted and applied again while the
    # tasks exist: the totals are counted when it is applied.
    fresh.stop()
    counter = "0005_task_counts" if DB == "pgsql" else "0003_task_counts"
    status = todoctl(env_params(fresh), "migrate", "status").stdout
    newer = [l.split()[0] for l in status.splitlines()]
    n = len(newer) - newer.index(counter)
    r = todoctl(env_params(fresh), "migrate", "down", str(n), "--yes")
    assert r.returncode == 0, r.stderr
    assert todoctl(env_params(fresh), "migrate", "up").returncode == 0
    assert fresh.start() == 0
    assert totals(a) == (6, 6) and totals(b) == (2, 2)
    fresh.post("/tasks", a, json={"title": "after"})
    assert fresh.delete("/tasks/" + ids[2], a).status_code == 204
    assert totals(a) == (6, 6)
    # A user deleted goes with their count; the others' stay.
    assert fresh.delete("/users/" + b_user["id"], b).status_code == 204
    assert totals(a) == (6, 6)
