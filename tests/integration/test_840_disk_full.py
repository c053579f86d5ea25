"""SQLite out of disk space (the hardening issue): the database on a
small tmpfs that fills up. Writes get a clear 503 in the contract's body
(never a 500, never a crash), reads go on, nothing is corrupted, and
writes work again as soon as space returns."""

import os
import sqlite3
import subprocess

import pytest

from env import DB, TodoEnv

pytestmark = pytest.mark.skipif(
    DB != "sqlite3" or os.geteuid() != 0,
    reason="SQLite on a tmpfs mount: needs root")


@pytest.fixture
def small():
    e = TodoEnv(name="diskfull")
    data = os.path.join(e.dir, "data")
    if subprocess.call(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755",
                        "tmpfs", data]) != 0:
        e.cleanup()
        pytest.skip("cannot mount a tmpfs here")
    subprocess.check_call(["chown", "www-data:www-data", data])
    try:
        assert e.start() == 0
        yield e, data
    finally:
        e.stop()
        subprocess.call(["umount", "-l", data])
        e.cleanup()


def test_todo_840_01_disk_full_then_space_returns(small):
    e, data = small
    _, tokens, _ = e.new_session()
    token = tokens["access_token"]
    kept = e.post("/tasks", token, json={"title": "before"}).json()
    # Leave little room, then write until the disk is full.
    filler = os.path.join(data, "filler")
    free = os.statvfs(data).f_bavail * os.statvfs(data).f_frsize
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - 96 * 1024))
    acked, refused = [], []
    for i in range(400):
        r = e.post("/tasks", token, json={"title": "fill %d" % i,
                                          "description": "x" * 2000})
        if r.status_code == 201:
            acked.append(r.json())
        else:
            refused.append(r)
            if len(refused) >= 5:
                break
    assert refused, "the disk never filled"
    for r in refused:
        assert r.status_code == 503, (r.status_code, r.text)
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["detail"]
    # Reads go on meanwhile; the server is up.
    assert e.get("/tasks/" + kept["id"], token).status_code == 200
    assert e.get("/healthz").status_code == 200
    # Space returns: writes work again, by themselves.
    os.remove(filler)
    r = e.post("/tasks", token, json={"title": "after"})
    assert r.status_code == 201, r.text
    # Nothing acknowledged was lost, nothing is corrupted.
    for t in acked + [kept]:
        assert e.get("/tasks/" + t["id"], token).json() == t
    con = sqlite3.connect(e.db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    e.expect_log(r"MT00017|database or disk is full|SQLITE_FULL|disk")
