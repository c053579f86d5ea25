"""AuthType Bearer: the API's tokens protect other Apache content."""

import os
import time

import pytest

from env import TodoEnv


@pytest.fixture(scope="module")
def benv():
    e = TodoEnv(name="bearer")
    os.makedirs(os.path.join(e.dir, "htdocs", "private"))
    with open(os.path.join(e.dir, "htdocs", "private", "hello.txt"), "w") as f:
        f.write("hello, bearer\n")
    e.install_conf("""
<Directory "%s/htdocs">
    Require all granted
</Directory>
<Location /private>
    AuthType Bearer
    Require valid-user
</Location>
""" % e.dir)
    assert e.start() == 0
    yield e
    e.cleanup()


def fetch(e, token=None):
    headers = {"Authorization": "Bearer " + token} if token else {}
    return e.session.get(e.base + "/private/hello.txt", headers=headers,
                         timeout=10)


class TestAuthTypeBearer:
    def test_todo_600_01_no_token(self, benv):
        r = fetch(benv)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == "Bearer"

    def test_todo_600_02_valid_token(self, benv):
        user, tokens, _ = benv.new_session()
        r = fetch(benv, tokens["access_token"])
        assert r.status_code == 200
        assert r.text == "hello, bearer\n"
        # %u in the access log is the user id. httpd writes the line just
        # after sending the response, so give it a moment.
        deadline = time.time() + 5
        while True:
            with open(benv.access_log) as f:
                lines = [l for l in f
                         if "/private/hello.txt" in l and " 200 " in l]
            if lines or time.time() > deadline:
                break
            time.sleep(0.05)
        assert lines and lines[-1].split()[2] == user["id"]

    def test_todo_600_03_bad_token(self, benv):
        r = fetch(benv, "not.a.token")
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'

    def test_todo_600_04_logged_out_token(self, benv):
        _, tokens, _ = benv.new_session()
        token = tokens["access_token"]
        assert fetch(benv, token).status_code == 200
        assert benv.post("/auth/logout", token).status_code == 204
        r = fetch(benv, token)
        assert r.status_code == 401
        assert "invalid_token" in r.headers["WWW-Authenticate"]

    def test_todo_600_05_require_user(self, benv):
        """Require user <id> admits that user only."""
        alice, alice_tokens, _ = benv.new_session()
        _, bob_tokens, _ = benv.new_session()
        benv.install_conf("""
<Location /only-alice>
    AuthType Bearer
    Require user %s
</Location>
Alias /only-alice "%s/htdocs/private"
""" % (alice["id"], benv.dir), name="alice.conf")
        benv.install_conf("LoadModule alias_module %s/mod_alias.so\n"
                          % os.path.dirname(os.path.realpath(
                              "/usr/lib/apache2/modules/mod_alias.so")),
                          name="00-alias.conf")
        try:
            assert benv.restart() == 0
            url = benv.base + "/only-alice/hello.txt"
            ok = benv.session.get(url, headers={
                "Authorization": "Bearer " + alice_tokens["access_token"]})
            assert ok.status_code == 200
            other = benv.session.get(url, headers={
                "Authorization": "Bearer " + bob_tokens["access_token"]})
            assert other.status_code == 401
            benv.expect_log(r"AH01630")  # authz_core: user not allowed
        finally:
            benv.remove_conf("alice.conf")
            benv.remove_conf("00-alias.conf")
            assert benv.restart() == 0
