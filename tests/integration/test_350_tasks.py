"""Tasks: create, read, update, delete, list, bulk, ETags, isolation and
concurrency, as the contract and docs/api.md ("Tasks") say."""

import re
import threading
import uuid

import pytest

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}"
                     r"-[0-9a-f]{12}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def user(env):
    _, tokens, _ = env.new_session()
    return tokens["access_token"]


def create(env, token, **fields):
    fields.setdefault("title", "task " + uuid.uuid4().hex[:6])
    r = env.post("/tasks", token, json=fields)
    assert r.status_code == 201, r.text
    return r.json()


def errors(r):
    assert r.status_code == 422, r.text
    return {(tuple(e["loc"]), e["type"]) for e in r.json()["detail"]}


class TestCreateAndRead:
    def test_todo_350_01_create_defaults(self, env):
        me, tokens, _ = env.new_session()
        r = env.post("/tasks", tokens["access_token"], json={
            "title": "Buy milk", "id": str(uuid.uuid4()),
            "user_id": str(uuid.uuid4()), "created_at": "2000-01-01T00:00:00Z",
            "unknown": 1})
        assert r.status_code == 201
        t = r.json()
        assert UUID_RE.match(t["id"])
        assert t["user_id"] == me["id"]
        assert (t["title"], t["description"], t["status"], t["completed"],
                t["priority"], t["due_date"]) == (
            "Buy milk", None, "pending", False, "medium", None)
        assert TIME_RE.match(t["created_at"]) and t["created_at"] != \
            "2000-01-01T00:00:00.000000Z"
        assert r.headers["Location"] == "/api/v1/tasks/" + t["id"]
        assert r.headers["ETag"].startswith('"')
        g = env.get("/tasks/" + t["id"], tokens["access_token"])
        assert g.status_code == 200 and g.json() == t
        assert g.headers["ETag"] == r.headers["ETag"]

    def test_todo_350_02_due_date_normalised(self, env, user):
        t = create(env, user, due_date="2026-12-01T10:00:00.5+01:00")
        assert t["due_date"] == "2026-12-01T09:00:00.500000Z"

    @pytest.mark.parametrize("body, loc, type_", [
        ({}, ("body", "title"), "missing"),
        ({"title": ""}, ("body", "title"), "string_too_short"),
        ({"title": "x" * 201}, ("body", "title"), "string_too_long"),
        ({"title": 5}, ("body", "title"), "string_type"),
        ({"title": "t", "description": "d" * 2001}, ("body", "description"),
         "string_too_long"),
        ({"title": "t", "status": "done"}, ("body", "status"), "enum"),
        ({"title": "t", "status": None}, ("body", "status"), "enum"),
        ({"title": "t", "priority": "urgent"}, ("body", "priority"), "enum"),
        ({"title": "t", "completed": "yes"}, ("body", "completed"),
         "bool_type"),
        ({"title": "t", "status": "pending", "completed": True},
         ("body", "completed"), "value_error"),
        ({"title": "t", "due_date": "tomorrow"}, ("body", "due_date"),
         "datetime_parsing"),
        ({"title": "t", "due_date": 12}, ("body", "due_date"),
         "datetime_type"),
    ])
    def test_todo_350_03_create_validation(self, env, user, body, loc, type_):
        r = env.post("/tasks", user, json=body)
        assert (loc, type_) in errors(r)

    def test_todo_350_04_lengths_in_code_points(self, env, user):
        assert create(env, user, title="é" * 200)["title"] == "é" * 200
        r = env.post("/tasks", user, json={"title": "é" * 201})
        assert (("body", "title"), "string_too_long") in errors(r)

    def test_todo_350_05_not_an_object_and_bad_json(self, env, user):
        assert (("body",), "model_type") in errors(
            env.post("/tasks", user, json=[1]))
        r = env.post("/tasks", user, data="{", headers={
            "Content-Type": "application/json"})
        assert r.status_code == 422
        assert r.json()["detail"][0]["type"] == "json_invalid"

    def test_todo_350_06_auth_and_path_rules(self, env, user):
        for method, path in [("GET", "/tasks"), ("POST", "/tasks"),
                             ("POST", "/tasks/bulk"),
                             ("GET", "/tasks/" + str(uuid.uuid4())),
                             ("PATCH", "/tasks/" + str(uuid.uuid4())),
                             ("PUT", "/tasks/" + str(uuid.uuid4())),
                             ("DELETE", "/tasks/" + str(uuid.uuid4()))]:
            r = env.request(method, path, json={})
            assert r.status_code == 401, (method, path)
            assert r.headers["WWW-Authenticate"] == "Bearer"
        r = env.get("/tasks/not-a-uuid", user)
        assert (("path", "id"), "uuid_parsing") in errors(r)
        r = env.get("/tasks/" + str(uuid.uuid4()), user)
        assert r.status_code == 404
        assert r.json() == {"detail": "Task not found"}


class TestUpdate:
    def test_todo_350_10_patch_is_partial(self, env, user):
        t = create(env, user, description="d", due_date="2026-01-01T00:00:00Z",
                   priority="high")
        r = env.patch("/tasks/" + t["id"], user, json={"title": "new"})
        assert r.status_code == 200
        u = r.json()
        assert u["title"] == "new"
        assert (u["description"], u["due_date"], u["priority"]) == (
            "d", "2026-01-01T00:00:00.000000Z", "high")
        assert u["updated_at"] > t["updated_at"]
        assert u["created_at"] == t["created_at"]
        r = env.put("/tasks/" + t["id"], user,
                    json={"description": None, "due_date": None})
        assert r.status_code == 200
        assert (r.json()["description"], r.json()["due_date"]) == (None, None)
        assert r.json()["title"] == "new"

    def test_todo_350_11_patch_validation(self, env, user):
        t = create(env, user)
        r = env.patch("/tasks/" + t["id"], user, json={"title": None})
        assert (("body", "title"), "string_type") in errors(r)
        r = env.patch("/tasks/" + t["id"], user,
                      json={"status": "completed", "completed": False})
        assert (("body", "completed"), "value_error") in errors(r)
        assert env.get("/tasks/" + t["id"], user).json() == t

    def test_todo_350_12_status_completed_coupling(self, env, user):
        t = create(env, user, completed=True)
        assert (t["status"], t["completed"]) == ("completed", True)
        t = create(env, user, status="completed")
        assert t["completed"] is True
        t = create(env, user, status="in_progress", completed=False)
        assert (t["status"], t["completed"]) == ("in_progress", False)
        path = "/tasks/" + t["id"]
        # completed=false on an in_progress task leaves it in_progress.
        u = env.patch(path, user, json={"completed": False}).json()
        assert (u["status"], u["completed"]) == ("in_progress", False)
        u = env.patch(path, user, json={"completed": True}).json()
        assert (u["status"], u["completed"]) == ("completed", True)
        # completed=false on a completed task makes it pending.
        u = env.patch(path, user, json={"completed": False}).json()
        assert (u["status"], u["completed"]) == ("pending", False)
        u = env.patch(path, user, json={"status": "completed"}).json()
        assert u["completed"] is True
        u = env.patch(path, user, json={"status": "in_progress"}).json()
        assert u["completed"] is False

    def test_todo_350_13_delete(self, env, user):
        t = create(env, user)
        assert env.delete("/tasks/" + t["id"], user).status_code == 204
        assert env.get("/tasks/" + t["id"], user).status_code == 404
        assert env.delete("/tasks/" + t["id"], user).status_code == 404


class TestETags:
    def test_todo_350_20_if_none_match(self, env, user):
        t = create(env, user)
        etag = env.get("/tasks/" + t["id"], user).headers["ETag"]
        r = env.get("/tasks/" + t["id"], user,
                    headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b""
        assert r.headers["ETag"] == etag
        r = env.get("/tasks/" + t["id"], user,
                    headers={"If-None-Match": "W/" + etag})
        assert r.status_code == 304
        r = env.get("/tasks/" + t["id"], user, headers={"If-None-Match": '"x"'})
        assert r.status_code == 200

    def test_todo_350_21_if_match(self, env, user):
        t = create(env, user)
        path = "/tasks/" + t["id"]
        etag = env.get(path, user).headers["ETag"]
        for method in ("PATCH", "PUT"):
            r = env.request(method, path, user, json={"title": "stale"},
                            headers={"If-Match": '"0-nothing"'})
            assert r.status_code == 412
            r = env.request(method, path, user, json={"title": "weak"},
                            headers={"If-Match": "W/" + etag})
            assert r.status_code == 412
        assert env.get(path, user).json()["title"] == t["title"]
        r = env.patch(path, user, json={"title": "fresh"},
                      headers={"If-Match": '"a", ' + etag})
        assert r.status_code == 200
        new = r.headers["ETag"]
        assert new != etag
        r = env.patch(path, user, json={"title": "old"},
                      headers={"If-Match": etag})
        assert r.status_code == 412
        # The 412 says which version is current: no GET needed.
        assert r.headers["ETag"] == new
        assert env.patch(path, user, json={"title": "any"},
                         headers={"If-Match": "*"}).status_code == 200
        assert env.delete(path, user,
                          headers={"If-Match": new}).status_code == 412
        cur = env.get(path, user).headers["ETag"]
        assert env.delete(path, user,
                          headers={"If-Match": cur}).status_code == 204

    def test_todo_350_22_concurrent_if_match(self, env, user):
        t = create(env, user)
        path = "/tasks/" + t["id"]
        etag = env.get(path, user).headers["ETag"]
        codes = []

        def worker(i):
            with env.client() as s:
                r = s.patch(env.url(path), json={"title": "w%d" % i},
                            headers={"Authorization": "Bearer " + user,
                                     "If-Match": etag}, timeout=30)
                codes.append(r.status_code)

        threads = [threading.Thread(target=worker, args=(i,))
                   for i in range(10)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(codes) == [200] + [412] * 9, codes

    def test_todo_350_23_concurrent_creates(self, env, user):
        codes = []

        def worker(i):
            with env.client() as s:
                r = s.post(env.url("/tasks"), json={"title": "c%d" % i},
                           headers={"Authorization": "Bearer " + user},
                           timeout=30)
                codes.append(r.status_code)

        threads = [threading.Thread(target=worker, args=(i,))
                   for i in range(20)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert codes == [201] * 20
        assert env.get("/tasks", user).json()["total"] == 20


class TestIsolation:
    def test_todo_350_30_other_users_task_is_404_everywhere(self, env):
        _, a, _ = env.new_session()
        _, b, _ = env.new_session()
        a, b = a["access_token"], b["access_token"]
        t = create(env, a, title="secret of a")
        path = "/tasks/" + t["id"]
        for method in ("GET", "PATCH", "PUT", "DELETE"):
            r = env.request(method, path, b, json={"title": "mine now"})
            assert r.status_code == 404, method
            assert r.json() == {"detail": "Task not found"}
        assert env.get(path, a).json() == t
        for query in ("", "?q=secret", "?status=pending", "?sort=title&order=asc",
                      "?page_size=100", "?priority=medium"):
            r = env.get("/tasks" + query, b)
            assert r.status_code == 200 and r.json()["total"] == 0, query
            assert r.json()["tasks"] == []

    def test_todo_350_31_deleting_a_user_deletes_their_tasks(self, env):
        u, tokens, _ = env.new_session()
        token = tokens["access_token"]
        for i in range(3):
            create(env, token)
        assert env.delete("/users/" + u["id"], token).status_code == 204
        rows = env.sql({"sqlite3": "SELECT count(*) FROM tasks "
                                   "WHERE user_id = ?",
                        "pgsql": "SELECT count(*) FROM tasks "
                                 "WHERE user_id = ?::uuid"}, u["id"])
        count = rows[0][0] if isinstance(rows, list) else int(rows.strip())
        assert count == 0


class TestBulk:
    def test_todo_350_40_bulk_creates_in_order(self, env, user):
        r = env.post("/tasks/bulk", user, json={"tasks": [
            {"title": "first"}, {"title": "second", "priority": "high"},
            {"title": "third", "completed": True}]})
        assert r.status_code == 201
        tasks = r.json()["tasks"]
        assert [t["title"] for t in tasks] == ["first", "second", "third"]
        assert tasks[2]["status"] == "completed"
        listed = env.get("/tasks?order=asc", user).json()["tasks"]
        assert [t["id"] for t in listed] == [t["id"] for t in tasks]

    def test_todo_350_41_one_bad_item_writes_nothing(self, env, user):
        create(env, user)
        r = env.post("/tasks/bulk", user, json={"tasks": [
            {"title": "ok"}, {"title": "ok too"}, {"title": ""},
            {"priority": "high"}]})
        errs = errors(r)
        assert (("body", "tasks", 2, "title"), "string_too_short") in errs
        assert (("body", "tasks", 3, "title"), "missing") in errs
        assert env.get("/tasks", user).json()["total"] == 1

    @pytest.mark.parametrize("body, loc, type_", [
        ({}, ("body", "tasks"), "missing"),
        ({"tasks": []}, ("body", "tasks"), "too_short"),
        ({"tasks": [{"title": "t"}] * 101}, ("body", "tasks"), "too_long"),
        ({"tasks": {"title": "t"}}, ("body", "tasks"), "list_type"),
        ({"tasks": ["t"]}, ("body", "tasks", 0), "model_type"),
    ])
    def test_todo_350_42_bulk_shape(self, env, user, body, loc, type_):
        assert (loc, type_) in errors(env.post("/tasks/bulk", user, json=body))

    def test_todo_350_43_bulk_of_100(self, env, user):
        r = env.post("/tasks/bulk", user,
                     json={"tasks": [{"title": "t%d" % i} for i in range(100)]})
        assert r.status_code == 201 and len(r.json()["tasks"]) == 100


class TestList:
    @pytest.fixture
    def seeded(self, env):
        _, tokens, _ = env.new_session()
        token = tokens["access_token"]
        specs = [
            dict(title="Äpfel kaufen", priority="high",
                 due_date="2026-01-03T00:00:00Z"),
            dict(title="banana", description="100% _real_ fruit",
                 priority="low", status="in_progress"),
            dict(title="Cherry", priority="medium", completed=True,
                 due_date="2026-01-01T00:00:00Z"),
            dict(title="STRASSE fegen", priority="high"),
            dict(title="date", priority="low",
                 due_date="2026-01-02T00:00:00Z"),
        ]
        tasks = [create(env, token, **s) for s in specs]
        return token, tasks

    def titles(self, env, token, query):
        r = env.get("/tasks" + query, token)
        assert r.status_code == 200, r.text
        return [t["title"] for t in r.json()["tasks"]]

    def test_todo_350_50_envelope_and_default_order(self, env, seeded):
        token, tasks = seeded
        r = env.get("/tasks", token).json()
        assert set(r) == {"tasks", "total", "page", "page_size"}
        assert (r["total"], r["page"], r["page_size"]) == (5, 1, 10)
        assert [t["id"] for t in r["tasks"]] == [t["id"] for t in tasks][::-1]

    def test_todo_350_51_filters(self, env, seeded):
        token, _ = seeded
        assert self.titles(env, token, "?status=in_progress") == ["banana"]
        assert self.titles(env, token, "?completed=true") == ["Cherry"]
        assert len(self.titles(env, token, "?completed=0")) == 4
        assert set(self.titles(env, token, "?priority=high")) == {
            "Äpfel kaufen", "STRASSE fegen"}
        assert self.titles(env, token, "?q=äpfel") == ["Äpfel kaufen"]
        assert self.titles(env, token, "?q=%C3%84PFEL") == ["Äpfel kaufen"]
        assert self.titles(env, token, "?q=stra%C3%9Fe") == ["STRASSE fegen"]
        assert self.titles(env, token, "?q=real") == ["banana"]
        assert self.titles(env, token, "?q=%25") == ["banana"]
        assert self.titles(env, token, "?q=_") == ["banana"]
        assert self.titles(env, token, "?q=b_nana") == []
        assert self.titles(env, token, "?q=ch%25") == []
        assert set(self.titles(
            env, token, "?due_before=2026-01-02T00:00:00Z")) == {"Cherry"}
        assert set(self.titles(
            env, token, "?due_after=2026-01-02T00:00:00Z")) == {"Äpfel kaufen"}
        assert self.titles(env, token,
                           "?status=pending&completed=true") == []

    def test_todo_350_52_sorts(self, env, seeded):
        token, tasks = seeded
        asc = self.titles(env, token, "?sort=due_date&order=asc")
        desc = self.titles(env, token, "?sort=due_date&order=desc")
        assert asc[:3] == ["Cherry", "date", "Äpfel kaufen"]
        assert desc[:3] == ["Äpfel kaufen", "date", "Cherry"]
        # No due date: last in both orders.
        assert set(asc[3:]) == set(desc[3:]) == {"banana", "STRASSE fegen"}
        assert self.titles(env, token, "?sort=title&order=asc") == [
            "banana", "Cherry", "date", "STRASSE fegen", "Äpfel kaufen"]
        prio = self.titles(env, token, "?sort=priority&order=asc")
        assert set(prio[:2]) == {"banana", "date"}
        assert prio[2] == "Cherry"
        # Ties broken by id, in the direction of the sort.
        by_id = sorted((t for t in tasks if t["priority"] == "high"),
                       key=lambda t: t["id"])
        assert self.titles(env, token, "?sort=priority&order=desc")[:2] == [
            t["title"] for t in reversed(by_id)]
        assert self.titles(env, token, "?sort=updated_at&order=asc") == [
            t["title"] for t in tasks]

    def test_todo_350_53_paging_never_repeats_or_skips(self, env, user):
        env.post("/tasks/bulk", user, json={"tasks": [
            {"title": "same", "priority": "medium"} for _ in range(11)]})
        for sort in ("created_at", "priority", "title", "due_date"):
            for order in ("asc", "desc"):
                seen = []
                for page in range(1, 6):
                    r = env.get("/tasks?page_size=3&page=%d&sort=%s&order=%s"
                                % (page, sort, order), user).json()
                    assert r["total"] == 11
                    seen += [t["id"] for t in r["tasks"]]
                assert len(seen) == 11 and len(set(seen)) == 11, (sort, order)

    @pytest.mark.parametrize("query, loc, type_", [
        ("page_size=0", ("query", "page_size"), "greater_than_equal"),
        ("page_size=101", ("query", "page_size"), "less_than_equal"),
        ("page_size=abc", ("query", "page_size"), "int_parsing"),
        ("page=0", ("query", "page"), "greater_than_equal"),
        ("sort=colour", ("query", "sort"), "enum"),
        ("order=up", ("query", "order"), "enum"),
        ("status=done", ("query", "status"), "enum"),
        ("priority=urgent", ("query", "priority"), "enum"),
        ("completed=maybe", ("query", "completed"), "bool_parsing"),
        ("due_before=soon", ("query", "due_before"), "datetime_parsing"),
    ])
    def test_todo_350_54_bad_queries(self, env, user, query, loc, type_):
        assert (loc, type_) in errors(env.get("/tasks?" + query, user))
