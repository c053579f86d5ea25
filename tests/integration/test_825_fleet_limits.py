"""Rate limits for the whole fleet: on PostgreSQL the register, login
and password limits are kept in the database, so two servers together
admit exactly the configured number, not twice it. (On SQLite one file
has one server, and its shared memory counts; see test_190.)"""

import concurrent.futures
import os

import pytest

from env import DB, TodoEnv

pytestmark = pytest.mark.skipif(
    DB != "pgsql", reason="fleet-wide limits are PostgreSQL's")

LIMITS = "TodoRateLimit login 5 60\nTodoRateLimit login-account 3 60\n" \
         "TodoRateLimit register 4 60\n"


@pytest.fixture
def fleet():
    a = TodoEnv(name="fleet-a", rate_limits=True)
    b = TodoEnv(name="fleet-b", rate_limits=True, pg=a.pg, dbname=a.dbname)
    with open(os.path.join(b.dir, "jwt.secret"), "wb") as f:
        f.write(a.secret)  # the nodes share the secret, as they must
    for e in (a, b):
        e.install_conf(LIMITS, name="limits.conf")
        assert e.start() == 0
    yield a, b
    a.cleanup()
    b.cleanup()


def statuses(calls):
    """Run @calls (functions returning a response) 16 at a time; their
    status codes, sorted."""
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        return sorted(r.status_code for r in pool.map(lambda f: f(), calls))


def login(e, name, password="wrong password"):
    return lambda: e.post("/auth/login",
                          data={"username": name, "password": password})


def test_todo_825_01_login_limit_is_the_fleets(fleet):
    a, b = fleet
    # Twelve failed logins for twelve accounts from one address, at
    # once, half on each node: the address's five, no more.
    calls = [login(a if i % 2 else b, "nobody%d" % i) for i in range(12)]
    got = statuses(calls)
    assert got == [401] * 5 + [429] * 7, got
    r = a.post("/auth/login", data={"username": "x", "password": "y"})
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 12


def test_todo_825_02_account_limit_is_the_fleets(fleet):
    a, b = fleet
    # One account, from one address whose own budget (5) is not the
    # bound here: three attempts for the account on the two nodes.
    calls = [login(a if i % 2 else b, "Somebody") for i in range(4)]
    got = statuses(calls)
    assert got == [401] * 3 + [429], got


def test_todo_825_03_register_limit_is_the_fleets(fleet):
    a, b = fleet

    def register(e, i):
        return lambda: e.post("/auth/register", json={
            "email": "fleet%d@example.com" % i, "username": "fleet%d" % i,
            "password": "correct horse"})

    got = statuses([register(a if i % 2 else b, i) for i in range(10)])
    assert got == [201] * 4 + [429] * 6, got
    # What was admitted was written, once.
    n = a.pg.psql(a.dbname, "SELECT count(*) FROM users"
                  " WHERE username LIKE 'fleet%'")
    assert int(n) == 4, n


def test_todo_825_04_rows_hold_no_address_or_login(fleet):
    a, _ = fleet
    statuses([login(a, "Visible.Name@example.com")])
    rows = a.pg.psql(a.dbname, "SELECT key, tat FROM rate_limits")
    assert rows, rows
    assert "127.0.0.1" not in rows and "visible" not in rows.lower(), rows
