"""Swagger UI at /docs/, served by Apache from the installed files (ui/ and
the npm package swagger-ui-dist), used in headless Chromium as a person
would: authorize with the OAuth2 password flow, "Try it out" on POST /tasks,
execute, see the 201 (tests/js/swagger_ui.mjs, Playwright)."""

import json
import os
import re
import subprocess
import uuid

from browser import ARTIFACTS, NO_BROWSER_TLS, node_script
from env import TOP


def run_ui(env, username, password, screenshot, title, login_timeout_ms=None):
    script = node_script("swagger_ui.mjs")
    p = subprocess.run(
        ["node", script, env.base, username, password, screenshot, title],
        capture_output=True, text=True, timeout=90,
        env=dict(os.environ, SWAGGER_UI_LOGIN_TIMEOUT=str(login_timeout_ms))
        if login_timeout_ms else None)
    lines = p.stdout.strip().splitlines()
    assert lines, "swagger_ui.mjs printed nothing:\n" + p.stderr
    return p.returncode, json.loads(lines[-1])


class TestServedByApache:
    def test_todo_185_01_page_and_assets(self, env):
        s = env.session
        r = s.get(env.base + "/docs", allow_redirects=False)
        assert r.status_code == 301
        assert r.headers["Location"].endswith("/docs/")
        r = s.get(env.base + "/docs/")
        assert r.status_code == 200
        assert r.headers["Content-Type"].startswith("text/html")
        assert "swagger-initializer.js" in r.text
        # Every script and stylesheet is our own: no CDN.
        refs = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert refs and not [u for u in refs if "//" in u], refs
        for ref in refs:
            if ref.startswith("../"):
                continue
            a = s.get(env.base + "/docs/" + ref)
            assert a.status_code == 200, ref
            want = {"js": "text/javascript", "css": "text/css",
                    "png": "image/png"}[ref.rsplit(".", 1)[1]]
            assert a.headers["Content-Type"].startswith(want), ref
        init = s.get(env.base + "/docs/swagger-initializer.js").text
        assert "../api/v1/openapi.json" in init
        assert "persistAuthorization: true" in init
        assert "validatorUrl: null" in init

    def test_todo_185_02_only_the_ui_is_exposed(self, env):
        env.expect_log(r"AH01630")  # client denied by server configuration
        for path in ["/docs/package.json", "/docs/node_modules/",
                     "/docs/dist/../package.json"]:
            r = env.session.get(env.base + path)
            assert r.status_code in (403, 404), path
            assert r.headers["Content-Type"] == "application/json"
        # The API itself is unchanged beside it.
        assert env.get("/healthz").json() == {"status": "ok"}

    def test_todo_185_03_only_the_files_the_page_needs(self, env):
        """/docs/dist/ used to serve the whole npm package: its stock
        index.html (which loads the petstore example from
        petstore.swagger.io) and its package.json among them. Only the
        files in ui/dist.files are there now; the rest is a JSON 404."""
        for path in ["/docs/dist/index.html", "/docs/dist/package.json",
                     "/docs/dist/README.md", "/docs/dist/swagger-ui.js",
                     "/docs/dist/absolute-path.js",
                     "/docs/dist/swagger-ui-bundle.js.map"]:
            r = env.session.get(env.base + path)
            assert r.status_code == 404, path
            assert r.headers["Content-Type"] == "application/json", path
            assert r.json() == {"detail": "Not Found"}, path
        with open(os.path.join(TOP, "ui", "dist.files")) as f:
            listed = f.read().split()
        assert "swagger-ui-bundle.js" in listed
        for name in listed:
            r = env.session.get(env.base + "/docs/dist/" + name)
            assert r.status_code == 200, name
            assert len(r.content) > 0, name


@NO_BROWSER_TLS
def test_todo_185_10_try_it_out_post_tasks(env):
    user, password = env.new_user()
    title = "From Swagger UI " + uuid.uuid4().hex[:8]
    shot = os.path.join(ARTIFACTS, "swagger-ui.png")
    if os.path.exists(shot):
        os.unlink(shot)
    code, out = run_ui(env, user["username"], password, shot, title)
    assert code == 0 and out["ok"], out
    assert out["status"] == 201
    assert out["task"]["title"] == title
    assert out["task"]["user_id"] == user["id"]
    # The token request went to the API's login, below the mount point.
    assert out["tokenRequests"] == [env.api + "/auth/login"]
    assert os.path.getsize(shot) > 10000
    # The task is really there, for that user.
    token = env.login(user["username"], password)["access_token"]
    tasks = env.get("/tasks?q=" + title, token).json()["tasks"]
    assert [t["id"] for t in tasks] == [out["task"]["id"]]


@NO_BROWSER_TLS
def test_todo_185_11_wrong_password_is_not_authorized(env):
    """The browser check can fail: with a wrong password the login dialog
    never shows Logout, and no task is created."""
    user, password = env.new_user()
    shot = os.path.join(ARTIFACTS, "swagger-ui-refused.png")
    code, out = run_ui(env, user["username"], password + "x", shot,
                       "never", login_timeout_ms=3000)
    assert code == 1 and not out["ok"]
    assert out["error"].startswith("see the login succeed"), out
    token = env.login(user["username"], password)["access_token"]
    assert env.get("/tasks", token).json()["total"] == 0
