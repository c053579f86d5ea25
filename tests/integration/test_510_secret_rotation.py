"""Rotating the JWT secret signs nobody out: TodoJWTSecretFile names the
new secret (it signs), TodoJWTVerifySecretFile the old one (it only
verifies), a graceful restart; tokens made before keep working until they
expire or are refreshed, and refreshing moves them to the new secret.
Dropping the old secret then ends what it alone signed."""

import hashlib
import hmac
import os
import secrets

from test_500_tokens import b64url, assert_refused, me


def write_secret(e, name):
    path = os.path.join(e.dir, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    key = secrets.token_urlsafe(48).encode()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return path, key


def signed_with(token, key):
    signing_input, _, mac = token.rpartition(".")
    want = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(b64url(want), mac)


def refresh(e, token):
    return e.post("/auth/refresh", json={"refresh_token": token})


def test_todo_510_01_rotation_keeps_sessions(make_env):
    e = make_env(name="rotate")
    old_key = e.secret.rstrip(b"\r\n")
    old_path = os.path.join(e.dir, "jwt.secret")
    _, before, _ = e.new_session()
    _, spare, _ = e.new_session()
    assert signed_with(before["access_token"], old_key)

    # 1. The new secret signs; the old one is kept to verify.
    new_path, new_key = write_secret(e, "jwt.next")
    e.install_conf('TodoJWTSecretFile "%s"\nTodoJWTVerifySecretFile "%s"\n'
                   % (new_path, old_path), name="rotate.conf")
    code, out = e.config_test()
    assert code == 0, out
    e.graceful()

    # What the old secret signed still works...
    assert me(e, before["access_token"]).status_code == 200
    # ...new logins are signed with the new secret alone...
    user, after, _ = e.new_session()
    assert signed_with(after["access_token"], new_key)
    assert not signed_with(after["access_token"], old_key)
    assert me(e, after["access_token"]).status_code == 200
    # ...and a refresh moves an old session onto the new secret.
    r = refresh(e, before["refresh_token"])
    assert r.status_code == 200, r.text
    moved = r.json()
    assert signed_with(moved["access_token"], new_key)
    assert me(e, moved["access_token"]).status_code == 200

    # 2. The old secret retired: its tokens end, the new ones go on.
    e.install_conf('TodoJWTSecretFile "%s"\n' % new_path, name="rotate.conf")
    e.graceful()
    assert_refused(me(e, spare["access_token"]))
    r = refresh(e, spare["refresh_token"])
    assert r.status_code == 401, r.text
    assert me(e, after["access_token"]).status_code == 200
    r = refresh(e, moved["refresh_token"])
    assert r.status_code == 200, r.text
    assert me(e, r.json()["access_token"]).status_code == 200


def test_todo_510_02_verify_secret_checked_like_the_secret(make_env):
    e = make_env(name="rotate-bad")
    path, _ = write_secret(e, "jwt.old")

    os.chmod(path, 0o644)
    e.install_conf('TodoJWTVerifySecretFile "%s"\n' % path,
                   name="rotate.conf")
    code, out = e.config_test()
    assert code != 0, out
    assert "TodoJWTVerifySecretFile" in out and "chmod 0600" in out, out
    os.chmod(path, 0o600)

    # At most three: each is one more HMAC for every forged token.
    paths = [write_secret(e, "jwt.old%d" % i)[0] for i in range(4)]
    conf = "".join('TodoJWTVerifySecretFile "%s"\n' % p for p in paths)
    e.install_conf(conf, name="rotate.conf")
    code, out = e.config_test()
    assert code != 0, out
    assert "line 4 of %s" % os.path.join(e.dir, "conf.d", "rotate.conf") \
        in out and "at most 3" in out, out

    e.install_conf(conf.split("\n", 1)[1], name="rotate.conf")
    code, out = e.config_test()
    assert code == 0, out
