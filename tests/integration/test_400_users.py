"""The users resource: listing and paging, reading one, updating and
deleting oneself, and the 401/403/404/409/422 around them."""

import uuid

import pytest

USER_KEYS = {"id", "email", "username", "is_active", "created_at",
             "updated_at"}


def me(env, token):
    return env.get("/auth/me", token)


def error_at(r, loc):
    assert r.status_code == 422, r.text
    items = [e for e in r.json()["detail"] if e["loc"] == loc]
    assert len(items) == 1, r.text
    return items[0]


def login_status(env, login, password):
    return env.post("/auth/login",
                    data={"username": login, "password": password}).status_code


class TestList:
    def test_todo_400_01_envelope_and_defaults(self, env):
        _, t, _ = env.new_session()
        for _ in range(2):
            env.new_user()
        r = env.get("/users", t["access_token"])
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"users", "total", "page", "page_size"}
        assert body["page"] == 1 and body["page_size"] == 10
        assert isinstance(body["total"], int) and body["total"] >= 3
        assert len(body["users"]) == min(10, body["total"])
        for u in body["users"]:
            assert set(u) == USER_KEYS

    def test_todo_400_02_explicit_page(self, env):
        _, t, _ = env.new_session()
        env.new_user()
        r = env.get("/users", t["access_token"],
                    params={"page": 2, "page_size": 1})
        assert r.status_code == 200
        body = r.json()
        assert body["page"] == 2 and body["page_size"] == 1
        assert len(body["users"]) == 1

    def test_todo_400_03_paging_never_repeats(self, env):
        _, t, _ = env.new_session()
        for _ in range(4):
            env.new_user()
        total = env.get("/users", t["access_token"]).json()["total"]
        seen = []
        page = 1
        while True:
            r = env.get("/users", t["access_token"],
                        params={"page": page, "page_size": 3})
            assert r.status_code == 200
            body = r.json()
            assert body["total"] == total
            if not body["users"]:
                break
            assert len(body["users"]) <= 3
            seen.extend((u["created_at"], u["id"]) for u in body["users"])
            page += 1
        ids = [i for _, i in seen]
        assert len(ids) == len(set(ids)) == total
        # The order is creation time, then id.
        assert seen == sorted(seen)

    def test_todo_400_04_page_past_the_end(self, env):
        _, t, _ = env.new_session()
        r = env.get("/users", t["access_token"],
                    params={"page": 100000, "page_size": 100})
        assert r.status_code == 200
        assert r.json()["users"] == []
        assert r.json()["page"] == 100000

    def test_todo_400_14_large_page_is_not_out_of_range(self, env):
        # The contract bounds page from below only (page >= 1): a page far
        # past the end is an empty page, as in FastAPI (Query(ge=1)).
        _, t, _ = env.new_session()
        r = env.get("/users", t["access_token"],
                    params={"page": 1000001, "page_size": 100})
        assert r.status_code == 200, r.text
        assert r.json()["users"] == [] and r.json()["page"] == 1000001

    def test_todo_400_05_page_size_bounds_ok(self, env):
        _, t, _ = env.new_session()
        for size in (1, 100):
            r = env.get("/users", t["access_token"],
                        params={"page_size": size})
            assert r.status_code == 200
            assert r.json()["page_size"] == size
            assert len(r.json()["users"]) == min(size, r.json()["total"])

    @pytest.mark.parametrize("value, typ", [
        ("0", "greater_than_equal"), ("-1", "greater_than_equal"),
        ("101", "less_than_equal"), ("abc", "int_parsing"),
        ("1.5", "int_parsing"), ("", "int_parsing"),
    ])
    def test_todo_400_06_bad_page_size(self, env, value, typ):
        _, t, _ = env.new_session()
        r = env.get("/users?page_size=" + value, t["access_token"])
        item = error_at(r, ["query", "page_size"])
        assert item["type"] == typ

    @pytest.mark.parametrize("value, typ", [
        ("0", "greater_than_equal"), ("-5", "greater_than_equal"),
        ("x", "int_parsing"),
    ])
    def test_todo_400_07_bad_page(self, env, value, typ):
        _, t, _ = env.new_session()
        r = env.get("/users?page=" + value, t["access_token"])
        item = error_at(r, ["query", "page"])
        assert item["type"] == typ

    def test_todo_400_09_repeated_parameter_last_wins(self, env):
        _, t, _ = env.new_session()
        r = env.get("/users?page_size=0&page_size=2", t["access_token"])
        assert r.status_code == 200
        assert r.json()["page_size"] == 2

    def test_todo_400_08_list_hides_passwords(self, env):
        _, t, _ = env.new_session(password="hidden-password-1")
        r = env.get("/users", t["access_token"], params={"page_size": 100})
        assert "hidden-password-1" not in r.text
        assert "password" not in r.text and "$2" not in r.text


class TestGet:
    def test_todo_400_10_get_user(self, env):
        other, _ = env.new_user()
        _, t, _ = env.new_session()
        r = env.get("/users/" + other["id"], t["access_token"])
        assert r.status_code == 200
        assert r.json() == other

    def test_todo_400_11_get_missing(self, env):
        _, t, _ = env.new_session()
        r = env.get("/users/" + str(uuid.uuid4()), t["access_token"])
        assert r.status_code == 404
        assert isinstance(r.json()["detail"], str)

    @pytest.mark.parametrize("bad", [
        "not-a-uuid", "1234", "0" * 32 + "z",
        "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    ])
    def test_todo_400_12_get_not_a_uuid(self, env, bad):
        _, t, _ = env.new_session()
        r = env.get("/users/" + bad, t["access_token"])
        item = error_at(r, ["path", "id"])
        assert item["type"] == "uuid_parsing"

    def test_todo_400_13_uppercase_id(self, env):
        user, t, _ = env.new_session()
        r = env.get("/users/" + user["id"].upper(), t["access_token"])
        assert r.status_code == 200
        assert r.json()["id"] == user["id"]


class TestUpdate:
    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_todo_400_20_change_email(self, env, method):
        user, t, pw = env.new_session()
        new = "New.%s@Example.org" % uuid.uuid4().hex[:10]
        r = env.request(method, "/users/" + user["id"], t["access_token"],
                        json={"email": new})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["email"] == new.lower()
        assert body["username"] == user["username"]
        assert body["id"] == user["id"]
        assert body["created_at"] == user["created_at"]
        assert body["updated_at"] >= user["updated_at"]
        assert me(env, t["access_token"]).json() == body
        assert login_status(env, new, pw) == 200
        assert login_status(env, user["email"], pw) == 401

    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_todo_400_21_change_username(self, env, method):
        user, t, pw = env.new_session()
        new = "Renamed" + uuid.uuid4().hex[:10]
        r = env.request(method, "/users/" + user["id"], t["access_token"],
                        json={"username": new})
        assert r.status_code == 200, r.text
        assert r.json()["username"] == new
        assert r.json()["email"] == user["email"]
        assert login_status(env, new.lower(), pw) == 200
        assert login_status(env, user["username"], pw) == 401
        # The old name is free again.
        env.new_user(username=user["username"])

    def test_todo_400_22_change_own_username_case(self, env):
        user, t, _ = env.new_session()
        r = env.patch("/users/" + user["id"], t["access_token"],
                      json={"username": user["username"].upper()})
        assert r.status_code == 200, r.text
        assert r.json()["username"] == user["username"].upper()

    def test_todo_400_32_own_email_other_case(self, env):
        # Writing one's own email in another case is no conflict.
        user, t, _ = env.new_session()
        r = env.patch("/users/" + user["id"], t["access_token"],
                      json={"email": user["email"].upper()})
        assert r.status_code == 200, r.text
        assert r.json()["email"] == user["email"]

    @pytest.mark.parametrize("raw, typ", [
        (b"[]", "model_type"), (b'"x"', "model_type"),
        (b"{", "json_invalid"), (b"", "missing")])
    def test_todo_400_33_bad_bodies(self, env, raw, typ):
        user, t, _ = env.new_session()
        r = env.patch("/users/" + user["id"], t["access_token"], data=raw,
                      headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["type"] == typ
        assert r.json()["detail"][0]["loc"][0] == "body"

    def test_todo_400_34_not_json_is_415(self, env):
        user, t, _ = env.new_session()
        r = env.patch("/users/" + user["id"], t["access_token"],
                      data=b"username=x", headers={
                          "Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 415

    def test_todo_400_23_empty_update(self, env):
        user, t, _ = env.new_session()
        r = env.patch("/users/" + user["id"], t["access_token"], json={})
        assert r.status_code == 200
        assert r.json() == user

    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_todo_400_24_email_conflict(self, env, method):
        other, _ = env.new_user()
        user, t, _ = env.new_session()
        r = env.request(method, "/users/" + user["id"], t["access_token"],
                        json={"email": other["email"].upper()})
        assert r.status_code == 409
        assert r.json() == {"detail": "Email already registered"}
        assert me(env, t["access_token"]).json()["email"] == user["email"]

    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_todo_400_25_username_conflict(self, env, method):
        other, _ = env.new_user()
        user, t, _ = env.new_session()
        r = env.request(method, "/users/" + user["id"], t["access_token"],
                        json={"username": other["username"].upper()})
        assert r.status_code == 409
        assert r.json() == {"detail": "Username already taken"}
        assert me(env, t["access_token"]).json()["username"] == \
            user["username"]

    def test_todo_400_26_conflict_changes_nothing(self, env):
        other, _ = env.new_user()
        user, t, _ = env.new_session()
        new_name = "n" + uuid.uuid4().hex[:12]
        r = env.patch("/users/" + user["id"], t["access_token"],
                      json={"username": new_name, "email": other["email"]})
        assert r.status_code == 409
        assert me(env, t["access_token"]).json() == user

    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_todo_400_27_other_user_forbidden(self, env, method):
        other, other_pw = env.new_user()
        _, t, _ = env.new_session()
        r = env.request(method, "/users/" + other["id"], t["access_token"],
                        json={"username": "hijack" + uuid.uuid4().hex[:8]})
        assert r.status_code == 403
        assert isinstance(r.json()["detail"], str)
        r = env.request(method, "/users/" + other["id"], t["access_token"],
                        json={"password": "taken-over-pw"})
        assert r.status_code == 403
        assert login_status(env, other["username"], other_pw) == 200
        assert login_status(env, other["username"], "taken-over-pw") == 401

    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_todo_400_28_missing_user(self, env, method):
        _, t, _ = env.new_session()
        r = env.request(method, "/users/" + str(uuid.uuid4()),
                        t["access_token"], json={"username": "whatever1"})
        assert r.status_code == 404
        assert isinstance(r.json()["detail"], str)

    @pytest.mark.parametrize("body, field, typ", [
        ({"email": "broken"}, "email", "value_error"),
        ({"username": "x"}, "username", "string_too_short"),
        ({"username": "bad name"}, "username", "string_pattern_mismatch"),
        ({"password": "short"}, "password", "string_too_short"),
        ({"password": "p" * 73}, "password", "string_too_long"),
        ({"username": 5}, "username", "string_type"),
    ])
    def test_todo_400_29_validation(self, env, body, field, typ):
        user, t, _ = env.new_session()
        r = env.patch("/users/" + user["id"], t["access_token"], json=body)
        assert error_at(r, ["body", field])["type"] == typ
        assert me(env, t["access_token"]).json() == user

    def test_todo_400_30_server_owned_fields_ignored(self, env):
        user, t, _ = env.new_session()
        r = env.patch("/users/" + user["id"], t["access_token"],
                      json={"id": str(uuid.uuid4()), "is_active": False,
                            "created_at": "2000-01-01T00:00:00Z"})
        assert r.status_code == 200, r.text
        assert r.json()["id"] == user["id"]
        assert r.json()["is_active"] is True
        assert r.json()["created_at"] == user["created_at"]
        assert me(env, t["access_token"]).status_code == 200

    def test_todo_400_31_update_not_a_uuid(self, env):
        _, t, _ = env.new_session()
        r = env.patch("/users/not-a-uuid", t["access_token"],
                      json={"username": "whatever1"})
        assert error_at(r, ["path", "id"])["type"] == "uuid_parsing"


class TestPasswordChange:
    @pytest.mark.parametrize("method", ["PATCH", "PUT"])
    def test_todo_400_40_password_change(self, env, method):
        user, a, old_pw = env.new_session()
        b = env.login(user["username"], old_pw)
        new_pw = "brand new password"
        r = env.request(method, "/users/" + user["id"], a["access_token"],
                        json={"password": new_pw})
        assert r.status_code == 200, r.text
        assert "password" not in r.json()
        # The new password logs in, the old one does not.
        assert login_status(env, user["username"], new_pw) == 200
        assert login_status(env, user["username"], old_pw) == 401
        # The session that made the change keeps working ...
        assert me(env, a["access_token"]).status_code == 200
        a2 = env.post("/auth/refresh",
                      json={"refresh_token": a["refresh_token"]})
        assert a2.status_code == 200
        assert me(env, a2.json()["access_token"]).status_code == 200
        # ... and every other session of the user is revoked.
        r = me(env, b["access_token"])
        assert r.status_code == 401
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
        r = env.post("/auth/refresh",
                     json={"refresh_token": b["refresh_token"]})
        assert r.status_code == 401

    def test_todo_400_41_other_users_sessions_untouched(self, env):
        _, other, _ = env.new_session()
        user, t, _ = env.new_session()
        r = env.patch("/users/" + user["id"], t["access_token"],
                      json={"password": "another password"})
        assert r.status_code == 200
        assert me(env, other["access_token"]).status_code == 200


class TestDelete:
    def test_todo_400_50_delete_other_forbidden(self, env):
        other, other_pw = env.new_user()
        _, t, _ = env.new_session()
        r = env.delete("/users/" + other["id"], t["access_token"])
        assert r.status_code == 403
        assert isinstance(r.json()["detail"], str)
        assert env.get("/users/" + other["id"],
                       t["access_token"]).status_code == 200
        assert login_status(env, other["username"], other_pw) == 200

    def test_todo_400_51_delete_missing(self, env):
        _, t, _ = env.new_session()
        r = env.delete("/users/" + str(uuid.uuid4()), t["access_token"])
        assert r.status_code == 404

    def test_todo_400_52_delete_not_a_uuid(self, env):
        _, t, _ = env.new_session()
        r = env.delete("/users/not-a-uuid", t["access_token"])
        assert error_at(r, ["path", "id"])["type"] == "uuid_parsing"

    def test_todo_400_53_delete_self(self, env):
        user, t, pw = env.new_session()
        second = env.login(user["email"], pw)
        _, watcher, _ = env.new_session()
        r = env.delete("/users/" + user["id"], t["access_token"])
        assert r.status_code == 204
        assert r.content == b""
        # Its tokens, of every session, stop working at once.
        for tok in (t, second):
            r = me(env, tok["access_token"])
            assert r.status_code == 401
            assert r.headers["WWW-Authenticate"].startswith("Bearer")
            assert env.post("/auth/refresh", json={
                "refresh_token": tok["refresh_token"]}).status_code == 401
        # The user is gone.
        r = env.get("/users/" + user["id"], watcher["access_token"])
        assert r.status_code == 404
        ids = [u["id"] for u in env.get(
            "/users", watcher["access_token"],
            params={"page_size": 100,
                    "page": 1}).json()["users"]]
        assert user["id"] not in ids
        assert login_status(env, user["username"], pw) == 401
        assert login_status(env, user["email"], pw) == 401
        # Deleting again: the token is dead.
        assert env.delete("/users/" + user["id"],
                          t["access_token"]).status_code == 401

    def test_todo_400_54_deleted_names_are_free(self, env):
        user, t, _ = env.new_session()
        assert env.delete("/users/" + user["id"],
                          t["access_token"]).status_code == 204
        again, _ = env.new_user(email=user["email"],
                                username=user["username"])
        assert again["id"] != user["id"]


class TestRequiresAuth:
    @pytest.mark.parametrize("method, path, body", [
        ("GET", "/users", None),
        ("GET", "/users/{id}", None),
        ("PATCH", "/users/{id}", {"username": "nobody123"}),
        ("PUT", "/users/{id}", {"username": "nobody123"}),
        ("DELETE", "/users/{id}", None),
        ("GET", "/auth/me", None),
        ("POST", "/auth/logout", None),
    ])
    def test_todo_400_60_no_token(self, env, method, path, body):
        user, _ = env.new_user()
        kw = {"json": body} if body is not None else {}
        r = env.request(method, path.format(id=user["id"]), **kw)
        assert r.status_code == 401, r.text
        assert r.headers["WWW-Authenticate"] == "Bearer"
        assert isinstance(r.json()["detail"], str)

    @pytest.mark.parametrize("method, path, kw", [
        ("GET", "/users?page=0", {}),
        ("GET", "/users/not-a-uuid", {}),
        ("PATCH", "/users/{id}", {"json": {"email": "broken"}}),
        ("PATCH", "/users/{id}", {"data": b"text",
                                  "headers": {"Content-Type": "text/plain"}}),
    ])
    def test_todo_400_61_auth_before_validation(self, env, method, path, kw):
        user, _ = env.new_user()
        r = env.request(method, path.format(id=user["id"]), **kw)
        assert r.status_code == 401, r.text
        assert r.headers["WWW-Authenticate"] == "Bearer"
