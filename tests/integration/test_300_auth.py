"""Login (form and JSON), /auth/me, refresh-token rotation and reuse
detection, logout, and the user id in the access log."""

import base64
import json
import re
import threading
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests

REFRESH_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"\.\d+\.[A-Za-z0-9_-]+$")
TOKEN_KEYS = {"access_token", "token_type", "expires_in", "refresh_token"}


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def check_pair(r):
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert "no-store" in r.headers.get("Cache-Control", "")
    pair = r.json()
    assert set(pair) == TOKEN_KEYS
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 900
    assert REFRESH_RE.match(pair["refresh_token"]), pair["refresh_token"]
    assert len(pair["access_token"].split(".")) == 3
    return pair


def me(env, token):
    return env.get("/auth/me", token)


def refresh(env, rt):
    return env.post("/auth/refresh", json={"refresh_token": rt})


def assert_refused(r, sent=True):
    assert r.status_code == 401, r.text
    assert isinstance(r.json()["detail"], str)
    www = r.headers.get("WWW-Authenticate", "")
    assert www.startswith("Bearer"), www
    if sent:
        assert 'error="invalid_token"' in www, www


class TestLogin:
    def test_todo_300_01_form_by_username(self, env):
        user, pw = env.new_user()
        r = env.post("/auth/login",
                     data={"username": user["username"], "password": pw})
        pair = check_pair(r)
        c = claims(pair["access_token"])
        assert c["sub"] == user["id"]
        assert {"sub", "sid", "jti", "iat", "exp"} <= set(c)
        assert c["exp"] - c["iat"] == 900
        assert abs(c["iat"] - time.time()) < 60
        assert pair["refresh_token"].split(".")[0] == c["sid"]

    def test_todo_300_02_json_by_username(self, env):
        user, pw = env.new_user()
        r = env.post("/auth/login",
                     json={"username": user["username"], "password": pw})
        pair = check_pair(r)
        assert claims(pair["access_token"])["sub"] == user["id"]

    def test_todo_300_03_form_by_email_any_case(self, env):
        user, pw = env.new_user()
        r = env.post("/auth/login",
                     data={"username": user["email"].upper(), "password": pw})
        assert claims(check_pair(r)["access_token"])["sub"] == user["id"]

    def test_todo_300_04_json_by_email(self, env):
        user, pw = env.new_user()
        r = env.post("/auth/login",
                     json={"username": user["email"], "password": pw})
        assert claims(check_pair(r)["access_token"])["sub"] == user["id"]

    def test_todo_300_05_username_any_case(self, env):
        user, pw = env.new_user(username="CaSe" + uuid.uuid4().hex[:10])
        for login in (user["username"].lower(), user["username"].upper()):
            r = env.post("/auth/login",
                         data={"username": login, "password": pw})
            assert claims(check_pair(r)["access_token"])["sub"] == user["id"]

    def test_todo_300_06_each_login_is_a_new_session(self, env):
        user, pw = env.new_user()
        a = env.login(user["username"], pw)
        b = env.login(user["username"], pw)
        assert claims(a["access_token"])["sid"] != claims(b["access_token"])["sid"]
        assert claims(a["access_token"])["jti"] != claims(b["access_token"])["jti"]
        assert a["refresh_token"] != b["refresh_token"]

    def test_todo_300_07_password_is_case_sensitive(self, env):
        user, pw = env.new_user(password="Correct Horse")
        r = env.post("/auth/login", data={"username": user["username"],
                                          "password": "correct horse"})
        assert r.status_code == 401

    def test_todo_300_08_oauth2_form_extras(self, env):
        # What OAuth2 clients send along (FastAPI's OAuth2PasswordRequestForm
        # takes grant_type, scope, client_id, client_secret).
        user, pw = env.new_user()
        r = env.post("/auth/login", data={
            "grant_type": "password", "username": user["username"],
            "password": pw, "scope": "", "client_id": "cli",
            "client_secret": "x"})
        check_pair(r)

    def test_todo_300_09_form_with_charset_and_encoding(self, env):
        user, pw = env.new_user(password="pä ss+w&rd=1")
        raw = urlencode({"username": user["username"], "password": pw})
        assert "+" in raw and "%" in raw
        r = env.post("/auth/login", data=raw.encode(), headers={
            "Content-Type":
            "application/x-www-form-urlencoded; charset=UTF-8"})
        check_pair(r)

    def test_todo_300_14_login_wrong_types(self, env):
        r = env.post("/auth/login", json={"username": 1, "password": ["x"]})
        assert r.status_code == 422
        items = r.json()["detail"]
        assert {tuple(e["loc"]) for e in items} == {
            ("body", "username"), ("body", "password")}
        assert {e["type"] for e in items} == {"string_type"}

    def test_todo_300_10_bad_credentials_indistinguishable(self, env):
        user, pw = env.new_user()
        wrong_pw = env.post("/auth/login", data={
            "username": user["username"], "password": pw + "!"})
        unknown_user = env.post("/auth/login", data={
            "username": "nobody" + uuid.uuid4().hex[:10], "password": pw})
        unknown_email = env.post("/auth/login", json={
            "username": "nobody%s@example.com" % uuid.uuid4().hex[:10],
            "password": pw})
        for r in (wrong_pw, unknown_user, unknown_email):
            assert r.status_code == 401
            assert r.json() == {"detail": "Incorrect username or password"}
            assert r.headers["WWW-Authenticate"] == "Bearer"
            assert "refresh_token" not in r.text
        assert wrong_pw.content == unknown_user.content == unknown_email.content

    @pytest.mark.parametrize("fields, missing", [
        ({"password": "correct horse"}, ["username"]),
        ({"username": "someone"}, ["password"]),
        ({}, ["username", "password"]),
    ])
    @pytest.mark.parametrize("as_json", [False, True])
    def test_todo_300_11_missing_fields(self, env, fields, missing, as_json):
        if as_json:
            r = env.post("/auth/login", json=fields)
        else:
            r = env.post("/auth/login", data=fields or "",
                         headers={"Content-Type":
                                  "application/x-www-form-urlencoded"})
        assert r.status_code == 422, r.text
        items = r.json()["detail"]
        assert sorted(tuple(e["loc"]) for e in items) == sorted(
            ("body", f) for f in missing)
        assert {e["type"] for e in items} == {"missing"}

    def test_todo_300_12_login_text_plain_is_415(self, env):
        r = env.post("/auth/login", data=b"username=a&password=b",
                     headers={"Content-Type": "text/plain"})
        assert r.status_code == 415
        assert isinstance(r.json()["detail"], str)

    def test_todo_300_13_login_malformed_json(self, env):
        r = env.post("/auth/login", data=b'{"username": ',
                     headers={"Content-Type": "application/json"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["type"] == "json_invalid"


class TestMe:
    def test_todo_300_20_me(self, env):
        user, tokens, _ = env.new_session()
        r = me(env, tokens["access_token"])
        assert r.status_code == 200
        assert r.json() == user

    def test_todo_300_21_me_without_token(self, env):
        r = env.get("/auth/me")
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == "Bearer"
        assert isinstance(r.json()["detail"], str)

    def test_todo_300_22_me_with_refresh_token_as_bearer(self, env):
        _, tokens, _ = env.new_session()
        assert_refused(me(env, tokens["refresh_token"]))


class TestRefresh:
    def test_todo_300_30_rotation(self, env):
        user, t0, _ = env.new_session()
        r = refresh(env, t0["refresh_token"])
        t1 = check_pair(r)
        assert t1["refresh_token"] != t0["refresh_token"]
        assert t1["access_token"] != t0["access_token"]
        c0, c1 = claims(t0["access_token"]), claims(t1["access_token"])
        assert c1["sid"] == c0["sid"] and c1["sub"] == user["id"]
        assert c1["jti"] != c0["jti"]
        assert me(env, t1["access_token"]).json()["id"] == user["id"]
        # The new refresh token works too (and rotates again).
        t2 = check_pair(refresh(env, t1["refresh_token"]))
        assert me(env, t2["access_token"]).status_code == 200

    def test_todo_300_31_reuse_revokes_the_session(self, env):
        _, t0, _ = env.new_session()
        t1 = check_pair(refresh(env, t0["refresh_token"]))
        # The old refresh token is presented again: reuse.
        r = refresh(env, t0["refresh_token"])
        assert r.status_code == 401
        assert isinstance(r.json()["detail"], str)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        # The whole session is gone: the successor is dead ...
        r = refresh(env, t1["refresh_token"])
        assert r.status_code == 401
        # ... and so are the access tokens of that session.
        assert_refused(me(env, t1["access_token"]))
        assert_refused(me(env, t0["access_token"]))

    def test_todo_300_32_reuse_leaves_other_sessions(self, env):
        user, t0, pw = env.new_session()
        other = env.login(user["username"], pw)
        check_pair(refresh(env, t0["refresh_token"]))
        assert refresh(env, t0["refresh_token"]).status_code == 401
        assert me(env, other["access_token"]).status_code == 200
        check_pair(refresh(env, other["refresh_token"]))

    @pytest.mark.parametrize("rt", [
        "", "garbage", "a.b.c",
        "0192a6e4-7c2b-7def-8abc-0123456789ab.0.AAAA",
        "0192a6e4-7c2b-7def-8abc-0123456789ac.1." + "A" * 43,
    ])
    def test_todo_300_33_invalid_refresh_token(self, env, rt):
        r = refresh(env, rt)
        assert r.status_code == 401, r.text
        assert r.json() == {"detail": "Invalid refresh token"}
        assert r.headers["WWW-Authenticate"].startswith("Bearer")

    def test_todo_300_34_forged_generation(self, env):
        _, t0, _ = env.new_session()
        sid, gen, mac = t0["refresh_token"].split(".")
        for forged in ("%s.%d.%s" % (sid, int(gen) + 1, mac),
                       "%s.%s.%s" % (sid, gen,
                                     ("A" if mac[0] != "A" else "B") + mac[1:]),
                       "%s.%s.%s" % (str(uuid.uuid4()), gen, mac)):
            r = refresh(env, forged)
            assert r.status_code == 401, forged
        # A forgery is not a reuse: the genuine token still works.
        check_pair(refresh(env, t0["refresh_token"]))

    def test_todo_300_35_access_token_is_not_a_refresh_token(self, env):
        _, t0, _ = env.new_session()
        assert refresh(env, t0["access_token"]).status_code == 401

    def test_todo_300_38_concurrent_refresh_single_use(self, env):
        # Six refreshes with the same token at once: at most one gets a new
        # pair (the token is single use; no grace window by default).
        _, t0, _ = env.new_session()
        results = []

        def one():
            r = requests.post(env.url("/auth/refresh"),
                              json={"refresh_token": t0["refresh_token"]},
                              timeout=30, verify=env.verify)
            results.append((r.status_code, r.json()))

        threads = [threading.Thread(target=one) for _ in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        codes = sorted(c for c, _ in results)
        assert codes.count(200) <= 1, results
        assert set(codes) <= {200, 401}, results
        # Whatever happened, the old token is spent.
        assert refresh(env, t0["refresh_token"]).status_code == 401

    def test_todo_300_39_expired_session(self, env):
        # A session past its expiry (TodoRefreshTokenLifetime) cannot be
        # refreshed. The expiry is moved into the past in the database.
        _, t0, _ = env.new_session()
        sid = claims(t0["access_token"])["sid"]
        env.sql({"sqlite3": "UPDATE sessions SET expires_at = ? WHERE id = ?",
                 "pgsql": "UPDATE sessions SET expires_at = ?::timestamptz "
                          "WHERE id = ?::uuid"},
                "2000-01-01T00:00:00.000000Z", sid)
        r = refresh(env, t0["refresh_token"])
        assert r.status_code == 401
        assert r.json() == {"detail": "Invalid refresh token"}

    def test_todo_300_36_missing_refresh_token(self, env):
        r = env.post("/auth/refresh", json={})
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "refresh_token"]
        assert r.json()["detail"][0]["type"] == "missing"

    def test_todo_300_37_refresh_wrong_type(self, env):
        r = env.post("/auth/refresh", json={"refresh_token": 12})
        assert r.status_code == 422
        assert r.json()["detail"][0]["type"] == "string_type"


class TestLogout:
    def test_todo_300_40_logout(self, env):
        _, t, _ = env.new_session()
        r = env.post("/auth/logout", t["access_token"])
        assert r.status_code == 204
        assert r.content == b""
        assert_refused(me(env, t["access_token"]))
        r = refresh(env, t["refresh_token"])
        assert r.status_code == 401
        # Logging out again with the dead token is refused too.
        assert_refused(env.post("/auth/logout", t["access_token"]))

    def test_todo_300_41_logout_without_token(self, env):
        r = env.post("/auth/logout")
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == "Bearer"

    def test_todo_300_42_other_sessions_unaffected(self, env):
        user, a, pw = env.new_session()
        b = env.login(user["username"], pw)
        assert env.post("/auth/logout", a["access_token"]).status_code == 204
        assert_refused(me(env, a["access_token"]))
        assert me(env, b["access_token"]).json()["id"] == user["id"]
        b2 = check_pair(refresh(env, b["refresh_token"]))
        assert me(env, b2["access_token"]).status_code == 200

    def test_todo_300_43_logout_after_refresh_kills_new_pair(self, env):
        _, t0, _ = env.new_session()
        t1 = check_pair(refresh(env, t0["refresh_token"]))
        assert env.post("/auth/logout", t1["access_token"]).status_code == 204
        assert refresh(env, t1["refresh_token"]).status_code == 401
        assert_refused(me(env, t1["access_token"]))

    @pytest.mark.parametrize("path", [
        "/tasks", "/tasks?page=9", "/tasks?status=completed",
        "/tasks?status=completed&page=9", "/tasks/{id}",
        "/tasks/0192a6e4-7c2b-7def-8abc-00000000ffff"])
    def test_todo_300_44_logout_ends_the_task_reads(self, env, path):
        """The task reads check the session in their own statement: a
        logged-out token is refused there as everywhere, whether the read
        would find something, nothing, or an empty page."""
        _, t, _ = env.new_session()
        task = env.post("/tasks", t["access_token"],
                        json={"title": "mine"}).json()
        path = path.replace("{id}", task["id"])
        assert env.get(path, t["access_token"]).status_code in (200, 404)
        assert env.post("/auth/logout", t["access_token"]).status_code == 204
        r = env.get(path, t["access_token"])
        assert_refused(r)
        assert r.json() == {"detail": "Session revoked or user inactive"}


class TestAccessLog:
    def log_lines(self, env, needle):
        deadline = time.time() + 5
        while True:
            with open(env.access_log) as f:
                lines = [l for l in f if needle in l]
            if lines or time.time() > deadline:
                return lines
            time.sleep(0.05)

    def test_todo_300_50_user_id_in_access_log(self, env):
        user, t, _ = env.new_session()
        mark = uuid.uuid4().hex
        r = env.get("/users/" + user["id"] + "?mark=" + mark,
                    t["access_token"])
        assert r.status_code == 200
        lines = self.log_lines(env, mark)
        assert len(lines) == 1, lines
        fields = lines[0].split()
        assert fields[2] == user["id"]
        assert '"GET /api/v1/users/%s?mark=%s HTTP/1.1" 200' % (
            user["id"], mark) in lines[0]

    def test_todo_300_50b_user_of_the_task_reads(self, env):
        """The reads that check the session in their own statement log
        the user too, for a task found, one not found, and a page."""
        user, t, _ = env.new_session()
        mark = uuid.uuid4().hex
        for path, code in (("/tasks", 200),
                           ("/tasks/0192a6e4-7c2b-7def-8abc-00000000ffff",
                            404)):
            r = env.get(path + "?mark=" + mark, t["access_token"])
            assert r.status_code == code
        deadline = time.time() + 5
        lines = self.log_lines(env, mark)
        while len(lines) < 2 and time.time() < deadline:
            time.sleep(0.05)
            lines = self.log_lines(env, mark)
        assert len(lines) == 2, lines
        assert [l.split()[2] for l in lines] == [user["id"]] * 2, lines

    def test_todo_300_51_no_user_without_token(self, env):
        mark = uuid.uuid4().hex
        env.get("/healthz?mark=" + mark)
        lines = self.log_lines(env, mark)
        assert len(lines) == 1 and lines[0].split()[2] == "-", lines

    def test_todo_300_52_no_user_for_refused_token(self, env):
        _, t, _ = env.new_session()
        env.post("/auth/logout", t["access_token"])
        mark = uuid.uuid4().hex
        r = env.get("/auth/me?mark=" + mark, t["access_token"])
        assert r.status_code == 401
        lines = self.log_lines(env, mark)
        assert len(lines) == 1 and lines[0].split()[2] == "-", lines
