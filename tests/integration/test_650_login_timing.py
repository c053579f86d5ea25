"""Login for an unknown user costs the same bcrypt time as a wrong password,
so response times do not tell which usernames exist.

How it is measured, so that a loaded machine (an ASan run beside other
work) does not fail it, while a module that skips bcrypt for unknown users
still fails it every time:

- three kinds of login are interleaved, their order rotating every round,
  so that drift in the machine's load falls on all three alike: an unknown
  user, a wrong password, and a baseline that the module refuses before
  any lookup or hash (422, no password field);
- medians of many samples, not means: a stall hits a few samples; the
  two refusals are compared round by round (the median of the
  differences unknown - wrong within a round, a few milliseconds apart),
  so slower stretches cancel out;
- the comparison is against the hash's own cost, not the whole response
  time: hash = median(wrong) - median(baseline). Load adds time to all
  three kinds alike, so it cannot dilute the difference (against the whole
  response time it could: 200 ms of queueing makes a missing 45 ms hash
  look like 18 %). An unknown-user path without bcrypt answers in about
  the baseline's time, a difference of ~100 % of the hash, far above the
  20 % allowed, on any machine, loaded or not;
- the measurement is repeated up to three times; it fails only if all
  three differ by more than 20 % of the hash (or show no hash at all).
"""

import statistics
import time

import pytest

from env import TodoEnv

ROUNDS = 30
ATTEMPTS = 3


@pytest.fixture(scope="module")
def tenv():
    e = TodoEnv(name="timing", bcrypt_cost=10)  # ~45 ms a hash
    assert e.start() == 0
    yield e
    e.cleanup()


def timed_login(e, data):
    t0 = time.perf_counter()
    r = e.post("/auth/login", data=data)
    return r, time.perf_counter() - t0


def measure(e, username):
    """Median times of (baseline, unknown user, wrong password), and the
    median of the differences unknown - wrong round by round."""
    kinds = [
        ("baseline", {"username": username}, 422),
        ("unknown", None, 401),
        ("wrong", {"username": username, "password": "wrong password"}, 401),
    ]
    times = {k[0]: [] for k in kinds}
    answers = {}
    for i in range(ROUNDS):
        for j in range(3):
            name, data, status = kinds[(i + j) % 3]
            if data is None:  # a new unknown name each time: no caching
                data = {"username": "nobody%d" % i, "password": "pw%d" % i}
            r, took = timed_login(e, data)
            assert r.status_code == status, (name, r.status_code, r.text)
            if status == 401:
                answers[name] = (r.json(), r.headers["WWW-Authenticate"])
            times[name].append(took)
    # The two refusals are indistinguishable by content, too.
    assert answers["unknown"] == answers["wrong"], answers
    paired = statistics.median(
        u - w for u, w in zip(times["unknown"], times["wrong"]))
    return tuple(statistics.median(times[k])
                 for k in ("baseline", "unknown", "wrong")) + (paired,)


def test_todo_650_01_unknown_user_vs_wrong_password(tenv):
    user, _ = tenv.new_user()
    tries = []
    for _ in range(ATTEMPTS):
        mb, mu, mw, diff = measure(tenv, user["username"])
        hash_time = mw - mb
        tries.append((mb, mu, mw, diff))
        # A real hash (cost 10 is ~45 ms; more under a sanitizer), and
        # the unknown user's path within 20 % of that hash's cost.
        print("login timing: baseline %.4f s, unknown %.4f s, wrong %.4f s,"
              " difference %.0f %% of the hash" % (
                  mb, mu, mw, 100 * abs(diff) / max(hash_time, 1e-9)))
        if hash_time > 0.02 and abs(diff) < 0.2 * hash_time:
            return
    pytest.fail("unknown user vs wrong password, medians (baseline, "
                "unknown, wrong, unknown - wrong) in s, every attempt: %r"
                % tries)
