"""Login for an unknown user costs the same bcrypt time as a wrong password,
so response times do not tell which usernames exist."""

import statistics
import time

import pytest

from env import TodoEnv


@pytest.fixture(scope="module")
def tenv():
    e = TodoEnv(name="timing", bcrypt_cost=10)  # ~45 ms a hash
    assert e.start() == 0
    yield e
    e.cleanup()


def timed_login(e, username, password):
    t0 = time.perf_counter()
    r = e.post("/auth/login", data={"username": username,
                                    "password": password})
    return r, time.perf_counter() - t0


def test_todo_650_01_unknown_user_vs_wrong_password(tenv):
    user, _ = tenv.new_user()
    unknown, wrong = [], []
    for i in range(12):
        r1, t1 = timed_login(tenv, "nobody%d" % i, "some password")
        r2, t2 = timed_login(tenv, user["username"], "wrong password")
        assert r1.status_code == r2.status_code == 401
        assert r1.json() == r2.json()
        assert r1.headers["WWW-Authenticate"] == r2.headers["WWW-Authenticate"]
        unknown.append(t1)
        wrong.append(t2)
    mu, mw = statistics.median(unknown), statistics.median(wrong)
    # Both paths run one bcrypt of the same cost: medians within 20 %.
    assert abs(mu - mw) / max(mu, mw) < 0.2, (mu, mw)
    # And that really is bcrypt time, not a shortcut on both.
    assert min(mu, mw) > 0.02, (mu, mw)
