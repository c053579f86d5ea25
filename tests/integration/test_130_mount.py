"""Routes answer at their own path only.

An outside attack found that, with no TodoBasePath, the handler took the
shortest URI prefix below which the rest named a route: /api/v1/x/healthz
answered as /healthz, and /api/v1/<anything>/metrics served the metrics
to a non-local client because the shipped `<Location /api/v1/metrics>
Require local` did not cover that spelling. A prefix of control bytes
(POST /api/v1/%0a/tasks) committed the task and then answered 500, as the
Location header was built from the decoded prefix; other prefixes were
reflected into Location unencoded.

Now the mount point is exactly the configured <Location> (or
TodoBasePath), everything else below it is a 404, Location is made from
the mount point and the id, and the module itself decides who reads the
metrics (TodoMetricsAllow, default loopback), tested from a non-local
address through mod_remoteip.
"""

import subprocess

import pytest

from env import TodoEnv

MODDIR = subprocess.check_output(["apxs", "-q", "LIBEXECDIR"],
                                 text=True).strip()
REMOTEIP = ("LoadModule remoteip_module %s/mod_remoteip.so\n"
            "RemoteIPHeader X-Forwarded-For\n"
            "RemoteIPInternalProxy 127.0.0.1\n" % MODDIR)
OUTSIDE = {"X-Forwarded-For": "203.0.113.5"}


def raw(e, method, path, body=None, headers=None):
    """Send @path as given (no client-side normalisation)."""
    c = e.http_connection()
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Type", "application/json")
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body.encode() if body is not None else None)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


@pytest.fixture
def own(make_env):
    return lambda conf="", **kw: make_env(conf, name="mount", **kw)


class TestExactMount:

    @pytest.mark.parametrize("path", [
        "/api/v1/x/healthz", "/api/v1/x/y/z/healthz", "/api/v1/tasks/x/openapi.json",
        "/api/v1/users/x/auth/me", "/api/v1/x/y/z/tasks", "/api/v1/x/metrics",
        "/api/v1/auth/x/metrics", "/api/v1/api/v1/healthz",
    ])
    def test_todo_130_01_routes_answer_only_at_their_path(self, env, path):
        _, tokens, _ = env.new_session()
        r = env.session.get(env.base + path, timeout=10, headers={
            "Authorization": "Bearer " + tokens["access_token"]})
        assert r.status_code == 404, (path, r.status_code, r.text[:200])
        assert r.json() == {"detail": "Not Found"}

    def test_todo_130_02_the_real_paths_still_answer(self, env):
        _, tokens, _ = env.new_session()
        assert env.get("/healthz").json() == {"status": "ok"}
        assert env.get("/auth/me", tokens["access_token"]).status_code == 200
        assert env.get("/tasks", tokens["access_token"]).status_code == 200
        assert env.get("/openapi.json").status_code == 200
        assert env.get("/metrics").status_code == 200

    def test_todo_130_03_a_write_below_a_foreign_prefix_commits_nothing(
            self, own):
        """POST <mount>/<prefix>/tasks was a 201 (or a 500 after the
        commit): now a 404 before anything is written, and no Location.
        (An instance of its own: these bytes are not for the shared
        instance's logs.)"""
        env = own()
        for prefix in ("%0a", "%0d%0a", "%7f", "%22%3e%3cscript%3e", "%ff",
                       "x"):
            self.write_below(env, prefix)

    @staticmethod
    def write_below(env, prefix):
        _, tokens, _ = env.new_session()
        auth = {"Authorization": "Bearer " + tokens["access_token"]}
        status, headers, _ = raw(env, "POST", "/api/v1/%s/tasks" % prefix,
                                 '{"title": "smuggled"}', auth)
        assert status == 404
        assert "Location" not in headers
        assert env.get("/tasks", tokens["access_token"]).json()["total"] == 0
        status, headers, _ = raw(
            env, "POST", "/api/v1/%s/auth/register" % prefix,
            '{"email": "s@example.com", "username": "smuggled%s", '
            '"password": "correct horse"}' % prefix.replace("%", ""))
        assert status == 404 and "Location" not in headers

    def test_todo_130_04_location_is_the_mount_and_the_id(self, env):
        _, tokens, _ = env.new_session()
        r = env.post("/tasks", tokens["access_token"], json={"title": "t"})
        assert r.status_code == 201
        assert r.headers["Location"] == "/api/v1/tasks/" + r.json()["id"]

    def test_todo_130_05_mount_with_a_space_is_encoded_in_location(self, own):
        e = own('<Location "/my api">\n    SetHandler todo-api\n'
                '    Require all granted\n</Location>\n')
        r = e.session.post(e.base + "/my%20api/auth/register", timeout=30,
                           json={"email": "sp@example.com",
                                 "username": "spaced",
                                 "password": "correct horse"})
        assert r.status_code == 201, r.text
        assert r.headers["Location"] == "/my%20api/users/" + r.json()["id"]
        # Nothing answers below another prefix of that mount.
        assert e.session.get(e.base + "/my%20api/x/healthz",
                             timeout=10).status_code == 404

    def test_todo_130_06_location_match_needs_base_path(self, own):
        """A <LocationMatch> has no one path: without TodoBasePath the API
        answers 404 and says why in the log; with it, it serves."""
        e = own('<LocationMatch "^/re/api">\n    SetHandler todo-api\n'
                '    Require all granted\n</LocationMatch>\n')
        e.new_log_lines()
        assert e.session.get(e.base + "/re/api/healthz",
                             timeout=10).status_code == 404
        assert any("MT00018" in line for line in e.new_log_lines())
        e.install_conf('<LocationMatch "^/re/api">\n    SetHandler todo-api\n'
                       '    Require all granted\n    TodoBasePath /re/api\n'
                       '</LocationMatch>\n')
        assert e.restart() == 0
        assert e.session.get(e.base + "/re/api/healthz",
                             timeout=10).json() == {"status": "ok"}
        assert e.session.get(e.base + "/re/api/x/healthz",
                             timeout=10).status_code == 404


class TestMetricsAccess:
    """Who reads /metrics is the module's decision, on the route."""

    @pytest.mark.parametrize("path", [
        "/api/v1/metrics", "/api/v1//metrics", "/api/v1/%6detrics",
        "/api/v1/./metrics", "/api/v1/x/../metrics"])
    def test_todo_130_10_not_local_is_403_whatever_the_spelling(self, own,
                                                                path):
        e = own(REMOTEIP)
        status, _, body = raw(e, "GET", path, headers=OUTSIDE)
        assert status == 403, (path, status)
        assert b"todo_http_requests_total" not in body
        # Other spellings that used to reach the metrics are 404 now.
        status, _, body = raw(e, "GET", "/api/v1/x/metrics", headers=OUTSIDE)
        assert status == 404 and b"todo_http" not in body
        # The local scraper still reads them.
        status, _, body = raw(e, "GET", path)
        assert status == 200 and b"todo_http_requests_total" in body

    def test_todo_130_11_a_broad_location_does_not_open_metrics(self, own):
        """`<Location /> Require all granted` on the vhost used to be all
        it took, the metrics' protection being a path rule."""
        e = own(REMOTEIP + "<Location />\n    Require all granted\n"
                "</Location>\n")
        assert e.get("/metrics", headers=OUTSIDE).status_code == 403
        assert e.get("/healthz", headers=OUTSIDE).status_code == 200

    def test_todo_130_12_allow_a_network(self, own):
        e = own(REMOTEIP + "<Location /api/v1>\n"
                "    TodoMetricsAllow 203.0.113.0/24 2001:db8::/32\n"
                "</Location>\n")
        assert e.get("/metrics", headers=OUTSIDE).status_code == 200
        assert e.get("/metrics", headers={
            "X-Forwarded-For": "198.51.100.7"}).status_code == 403
        assert e.get("/metrics", headers={
            "X-Forwarded-For": "2001:db8::7"}).status_code == 200
        # local is no longer in the list.
        assert e.get("/metrics").status_code == 403

    def test_todo_130_13_all_and_none(self, own):
        e = own(REMOTEIP + "<Location /api/v1>\n    TodoMetricsAllow all\n"
                "</Location>\n")
        assert e.get("/metrics", headers=OUTSIDE).status_code == 200
        e.install_conf(REMOTEIP + "<Location /api/v1>\n"
                       "    TodoMetricsAllow local none\n</Location>\n")
        assert e.restart() == 0
        r = e.get("/metrics")
        assert r.status_code == 403 and r.json() == {"detail": "Forbidden"}

    @pytest.mark.parametrize("value", ["bogus", "10.0.0.0/99", "300.1.2.3"])
    def test_todo_130_14_bad_value_stops_config_test(self, value):
        e = TodoEnv(name="mount")
        try:
            e.install_conf("<Location /api/v1>\n    TodoMetricsAllow %s\n"
                           "</Location>\n" % value)
            code, out = e.config_test()
            assert code != 0
            assert "TodoMetricsAllow" in out and value in out
        finally:
            e.cleanup()
