"""No secret ever reaches a log: after a session of every kind of request
(logins by form and JSON, refresh, a token in the query string, wrong
passwords, forged and revoked tokens, errors), no password, access token,
refresh token or JWT secret appears in the error log or the access logs
— at LogLevel debug."""

import os

import pytest

from env import TodoEnv


@pytest.fixture
def denv():
    e = TodoEnv(name="secrets", extra_env={"LOGLEVEL": "debug"})
    assert e.start() == 0
    yield e
    e.cleanup()


def test_todo_155_01_no_secret_in_any_log(denv):
    e = denv
    password = "Sup3r-secret passphrase %d" % os.getpid()
    user, _ = e.new_user(password=password)
    secrets = [password, e.secret.decode()]
    tokens = e.login(user["username"], password)
    secrets += [tokens["access_token"], tokens["refresh_token"]]
    r = e.post("/auth/login", json={"username": user["email"],
                                    "password": password})
    assert r.status_code == 200
    secrets += [r.json()["access_token"], r.json()["refresh_token"]]
    r = e.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200
    fresh = r.json()
    secrets += [fresh["access_token"], fresh["refresh_token"]]
    token = fresh["access_token"]
    # Wrong passwords, a forged token.
    e.post("/auth/login", data={"username": user["username"],
                                "password": password + "x"})
    head, claims, sig = token.split(".")
    e.get("/auth/me", "%s.%s.%s" % (head, claims, sig[::-1]))
    # The token as a query parameter (how browsers reach the streams).
    r = e.session.get(e.url("/events?access_token=" + token), stream=True,
                      timeout=10)
    assert r.status_code == 200
    r.close()
    e.get("/tasks?access_token=" + token + "&page=1")
    # A change of password: the new one must not show either.
    new_password = "An0ther secret passphrase %d" % os.getpid()
    secrets.append(new_password)
    r = e.patch("/users/" + user["id"], token, json={"password": new_password})
    assert r.status_code == 200
    assert e.post("/auth/logout", token).status_code == 204
    e.get("/auth/me", token)
    # A spent refresh token presented again (reuse detection).
    e.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    e.stop()  # flush and close every log

    logs = {}
    for name in ("error.log", "access.log", "access.json"):
        path = os.path.join(e.dir, "logs", name)
        with open(path, errors="replace") as f:
            logs[name] = f.read()
    assert "access_token=[redacted]" in logs["access.log"]
    assert "access_token=[redacted]" in logs["access.json"]
    for name, text in logs.items():
        assert text, name
        for secret in secrets:
            # Whole, and any telling piece of a token (its signature).
            for piece in {secret, secret.split(".")[-1]}:
                if len(piece) >= 8:
                    assert piece not in text, "%s leaks %r" % (name, piece)


SPELLINGS = ["ACCESS_TOKEN", "Access_Token", "access%5Ftoken",
             "%61ccess_token"]


def test_todo_155_02_token_name_spellings(denv):
    """`?ACCESS_TOKEN=`, `?Access_Token=`, `?access%5Ftoken=` and
    `?%61ccess_token=` all used to authenticate /events and /ws (the query
    was read case-insensitively, names %-decoded), while only the literal
    `access_token=` was redacted: the whole JWT went to access.log and
    access.json. Now only the exact spelling authenticates, and every
    spelling is redacted from both logs."""
    e = denv
    _, tokens, _ = e.new_session()
    token = tokens["access_token"]
    ws_headers = {"Connection": "Upgrade", "Upgrade": "websocket",
                  "Sec-WebSocket-Version": "13",
                  "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}

    def status(path, headers=None):
        # http.client sends the path as it is: requests would turn
        # %5F back into "_" (an unreserved character) on the way out.
        c = e.http_connection(timeout=10)
        try:
            c.request("GET", "/api/v1" + path, headers=headers or {})
            return c.getresponse().status
        finally:
            c.close()

    for name in SPELLINGS:
        assert status("/events?%s=%s" % (name, token)) == 401, name
        assert status("/ws?x=1&%s=%s" % (name, token), ws_headers) == 401, \
            name
    # The exact spelling still authenticates (and is redacted too).
    r = e.session.get(e.url("/events?access_token=" + token), stream=True,
                      timeout=10)
    assert r.status_code == 200
    r.close()
    e.stop()
    for log in ("access.log", "access.json"):
        with open(os.path.join(e.dir, "logs", log), errors="replace") as f:
            text = f.read()
        for name in SPELLINGS + ["access_token"]:
            assert "%s=[redacted]" % name in text, (log, name)
        sig = token.split(".")[-1]
        assert token not in text and sig not in text, log
