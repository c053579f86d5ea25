"""Health and readiness, routing, and the shape of generic errors."""


class TestHealth:
    def test_todo_100_01_healthz(self, env):
        r = env.get("/healthz")
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/json"
        assert r.json() == {"status": "ok"}

    def test_todo_100_02_readyz(self, env):
        r = env.get("/readyz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "checks": {"database": "ok"}}

    def test_todo_100_03_unknown_route(self, env):
        r = env.get("/no/such/thing")
        assert r.status_code == 404
        assert r.json() == {"detail": "Not Found"}

    def test_todo_100_04_wrong_method(self, env):
        r = env.delete("/healthz")
        assert r.status_code == 405
        assert r.json() == {"detail": "Method Not Allowed"}
        assert r.headers["Allow"] == "GET, HEAD"

    def test_todo_100_05_head(self, env):
        r = env.request("HEAD", "/healthz")
        assert r.status_code == 200
        assert r.content == b""
