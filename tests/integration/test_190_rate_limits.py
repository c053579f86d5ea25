"""Rate limits for register and login: per client address and per
account, in shared memory across every httpd process, answered 429 with
Retry-After; behind a proxy the client address comes from mod_remoteip.

Each test runs its own instance with the shipped limits or tighter ones
(the suite's shared instance raises them out of the way)."""

import concurrent.futures
import json
import os
import uuid

import pytest

from env import TodoEnv


@pytest.fixture
def limited(make_env):
    """An instance with the shipped limits (or tighter ones in conf): the
    suite's shared instance raises them out of the way."""
    return lambda conf="", **kw: make_env(conf, name="ratelimit",
                                          rate_limits=True, **kw)


def register(e, tag=None, headers=None, session=None):
    tag = tag or uuid.uuid4().hex[:10]
    return (session or e.session).post(
        e.url("/auth/register"), headers=headers or {}, timeout=30,
        json={"email": "r%s@example.com" % tag, "username": "r" + tag,
              "password": "correct horse"})


def login(e, name, password="wrong password", headers=None, session=None):
    return (session or e.session).post(
        e.url("/auth/login"), headers=headers or {}, timeout=30,
        data={"username": name, "password": password})


def assert_429(r, period=60):
    assert r.status_code == 429, r.text
    assert r.json() == {"detail": "Too many requests; retry later"}
    assert 1 <= int(r.headers["Retry-After"]) <= period


def test_todo_190_01_register_default_is_10_a_minute(limited):
    e = limited()
    tags = [uuid.uuid4().hex[:10] for _ in range(11)]
    for tag in tags[:10]:
        assert register(e, tag).status_code == 201
    r = register(e, tags[10])
    assert_429(r)
    # The refused registration wrote nothing.
    assert e.sql({"sqlite3": "SELECT count(*) FROM users WHERE username = ?",
                  "pgsql": "SELECT count(*) FROM users WHERE username = ?"},
                 "r" + tags[10]) in ([(0,)], "0\n")


def test_todo_190_02_login_per_client_address(limited):
    e = limited("TodoRateLimit login 3 60\n"
                "TodoRateLimit login-account 1000 60\n")
    for i in range(3):
        assert login(e, "nobody%d" % i).status_code == 401
    # A fourth attempt from the address is refused, whatever it names,
    # even with the right password.
    user = register(e).json()
    assert_429(login(e, user["username"], "correct horse"))


def test_todo_190_03_login_per_account(limited):
    e = limited("TodoRateLimit login 1000 60\n"
                "TodoRateLimit login-account 3 60\n")
    user = register(e).json()
    name = user["username"]
    for _ in range(3):
        assert login(e, name).status_code == 401
    # Brute force stops here: the right password is refused too, in any
    # letter case.
    assert_429(login(e, name, "correct horse"))
    assert_429(login(e, name.upper(), "correct horse"))
    # Other accounts are not affected.
    other = register(e).json()
    assert login(e, other["username"], "correct horse").status_code == 200


def test_todo_190_03b_username_and_email_share_one_budget(limited):
    """The per-account limit used to count a username and an email apart:
    20 guesses a minute per account, and a victim locked out twice over.
    Now one budget per account, however the login names it."""
    e = limited("TodoRateLimit login 1000 60\n"
                "TodoRateLimit login-account 4 60\n")
    user = register(e).json()
    for name in (user["username"], user["email"], user["email"].upper(),
                 user["username"].upper()):
        assert login(e, name).status_code == 401
    for name in (user["username"], user["email"]):
        assert_429(login(e, name, "correct horse"))


def test_todo_190_03c_password_changes_per_account(limited):
    """Each password change costs a bcrypt hash: 8 clients changing
    passwords kept both cores busy. Counted per account, before the hash."""
    e = limited("TodoRateLimit password 3 60\n")
    user = register(e).json()
    token = e.login(user["username"], "correct horse")["access_token"]
    for i in range(3):
        r = e.patch("/users/" + user["id"], token,
                    json={"password": "new password %d" % i})
        assert r.status_code == 200, r.text
    r = e.patch("/users/" + user["id"], token,
                json={"password": "one too many"})
    assert_429(r)
    # Other changes of the account, and other accounts, are not limited.
    r = e.patch("/users/" + user["id"], token, json={"username": "renamed" +
                                                     uuid.uuid4().hex[:6]})
    assert r.status_code == 200
    other = register(e).json()
    t2 = e.login(other["username"], "correct horse")["access_token"]
    assert e.patch("/users/" + other["id"], t2,
                   json={"password": "its own change"}).status_code == 200
    # The refused change changed nothing: the last accepted one stands.
    assert e.post("/auth/login", data={"username": user["email"],
                                       "password": "new password 2"}
                  ).status_code == 200


def test_todo_190_04_behind_a_proxy_mod_remoteip(limited):
    """With mod_remoteip trusting the local proxy, each forwarded client
    has its own limit (and /metrics is no longer 'local' for them)."""
    e = limited("LoadModule remoteip_module %s/mod_remoteip.so\n"
                "RemoteIPHeader X-Forwarded-For\n"
                "RemoteIPInternalProxy 127.0.0.1\n"
                "TodoRateLimit login 2 60\n" % os.popen(
                    "apxs -q LIBEXECDIR").read().strip())
    a = {"X-Forwarded-For": "203.0.113.5"}
    b = {"X-Forwarded-For": "203.0.113.6"}
    assert login(e, "x", headers=a).status_code == 401
    assert login(e, "y", headers=a).status_code == 401
    assert_429(login(e, "z", headers=a))
    assert login(e, "x", headers=b).status_code == 401
    # TodoMetricsAllow (default local) sees the real client.
    assert e.get("/metrics", headers=a).status_code == 403
    assert e.get("/metrics").status_code == 200


def test_todo_190_05_one_count_across_processes(limited):
    """40 attempts on fresh connections, 8 at a time: exactly 20 pass,
    whichever of the httpd processes served them."""
    e = limited("TodoRateLimit login 20 3600\n"
                "TodoRateLimit login-account 1000 60\n",
                extra_env={"PROCS": "2", "THREADS": "4"})

    def attempt(i):
        with e.client() as s:
            return login(e, "nobody%d" % i, session=s).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(attempt, range(40)))
    assert codes.count(401) == 20 and codes.count(429) == 20, codes
    pids = set()
    with open(e.access_log.replace("access.log", "access.json")) as f:
        for line in f:
            entry = json.loads(line)
            if entry["path"].endswith("/auth/login"):
                pids.add(entry["pid"])
    assert len(pids) >= 2, "all requests went to one process: %s" % pids


def test_todo_190_06_survives_graceful_restart(limited):
    e = limited("TodoRateLimit login 2 3600\n")
    assert login(e, "a").status_code == 401
    assert login(e, "b").status_code == 401
    assert_429(login(e, "c"), 3600)
    e.graceful()
    assert_429(login(e, "d"), 3600)


def test_todo_190_07_bad_directive_refused(limited):
    e = TodoEnv(name="ratelimit-bad", rate_limits=True)
    try:
        for bad in ("TodoRateLimit logout 1 60", "TodoRateLimit login x 60",
                    "TodoRateLimit login 1 0", "TodoRateLimit login 1"):
            e.install_conf(bad + "\n")
            code, out = e.config_test()
            assert code != 0 and "TodoRateLimit" in out, (bad, out)
    finally:
        e.cleanup()
