"""Security: forged, altered, expired and otherwise unacceptable access
tokens are all refused with 401 and a Bearer challenge.

Tokens are forged by hand (base64url + HMAC from the standard library) from
the claims of a real login, signed with the instance's secret where the
attack needs a valid signature. Test 500_01 proves that the forging itself
is right: a re-signed copy of a genuine token is accepted.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest


def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":")))


def unb64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def claims_of(jwt):
    return json.loads(unb64url(jwt.split(".")[1]))


def header_of(jwt):
    return json.loads(unb64url(jwt.split(".")[0]))


def sign(header, payload, key, digest=hashlib.sha256):
    """A JWT with the given header and payload, HMAC'd with key."""
    signing_input = b64url_json(header) + "." + b64url_json(payload)
    mac = hmac.new(key, signing_input.encode(), digest).digest()
    return signing_input + "." + b64url(mac)


HS256 = {"alg": "HS256", "typ": "JWT"}


def fresh_claims(base, **over):
    """The claims of a genuine token, with a new jti and lifetime."""
    now = int(time.time())
    c = dict(base)
    c.update(jti=str(uuid.uuid4()), iat=now, exp=now + 900)
    c.update(over)
    return {k: v for k, v in c.items() if v is not None}


def me(env, token):
    return env.get("/auth/me", token)


def assert_refused(r):
    """401, JSON detail, and a Bearer challenge saying the token was bad."""
    assert r.status_code == 401, r.text
    assert isinstance(r.json()["detail"], str)
    www = r.headers.get("WWW-Authenticate", "")
    assert www.startswith("Bearer"), www
    assert 'error="invalid_token"' in www, www


@pytest.fixture
def session(env):
    """A fresh user with a live session: (user, tokens, claims)."""
    user, tokens, _ = env.new_session()
    return user, tokens, claims_of(tokens["access_token"])


class TestForgery:
    def test_todo_500_01_control_resigned_token_accepted(self, env, session):
        # Control, not an attack: a token built here from a genuine token's
        # claims and signed with the instance secret must be accepted, or
        # every refusal below would prove nothing.
        user, tokens, c = session
        assert header_of(tokens["access_token"])["alg"] == "HS256"
        token = sign(HS256, fresh_claims(c), env.secret)
        r = me(env, token)
        assert r.status_code == 200, r.text
        assert r.json()["id"] == user["id"]

    @pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
    @pytest.mark.parametrize("signature", ["", "keep"])
    def test_todo_500_02_alg_none(self, env, session, alg, signature):
        # Attack: "alg": "none" — the unsecured-JWT trick (CVE-2015-9235 and
        # kin): the attacker strips the signature and declares no algorithm,
        # hoping the verifier trusts the header and skips verification.
        _, tokens, c = session
        head = b64url_json({"alg": alg, "typ": "JWT"})
        body = b64url_json(fresh_claims(c))
        sig = tokens["access_token"].split(".")[2] if signature else ""
        assert_refused(me(env, head + "." + body + "." + sig))

    @pytest.mark.parametrize("alg, digest", [
        ("HS512", hashlib.sha512), ("HS384", hashlib.sha384)])
    def test_todo_500_03_other_hmac_alg(self, env, session, alg, digest):
        # Attack: algorithm substitution — a token correctly HMAC'd with the
        # real secret but under HS512/HS384 instead of the configured HS256.
        # A verifier that takes the algorithm from the token accepts it; the
        # contract says alg must be exactly the configured one.
        _, _, c = session
        token = sign({"alg": alg, "typ": "JWT"}, fresh_claims(c), env.secret,
                     digest)
        assert_refused(me(env, token))

    @pytest.mark.parametrize("alg", ["hs256", "Hs256", "HS256 ", "RS256",
                                     "ES256", "PS256"])
    def test_todo_500_04_alg_spelling(self, env, session, alg):
        # Attack: algorithm confusion by spelling — "hs256" (lowercase), a
        # trailing space, or an asymmetric name (the RS256/HS256 key
        # confusion attack) over an HMAC-SHA256 signature made with the real
        # secret. Only the exact string "HS256" may be accepted.
        _, _, c = session
        token = sign({"alg": alg, "typ": "JWT"}, fresh_claims(c), env.secret)
        assert_refused(me(env, token))

    @pytest.mark.parametrize("raw_header", [
        '{"alg":"HS256","alg":"none","typ":"JWT"}',
        '{"alg":"none","alg":"HS256","typ":"JWT"}',
    ])
    def test_todo_500_10_duplicate_alg(self, env, session, raw_header):
        # Attack: parser differential — a header with two "alg" members, in
        # the hope that the algorithm check and the verifier read different
        # ones. Without a valid HS256 signature it must be refused.
        _, _, c = session
        token = b64url(raw_header) + "." + b64url_json(fresh_claims(c)) + "."
        assert_refused(me(env, token))

    def test_todo_500_05_alg_missing(self, env, session):
        # Attack: a header with no "alg" at all, hoping for a default
        # (or no) verification algorithm.
        _, _, c = session
        token = sign({"typ": "JWT"}, fresh_claims(c), env.secret)
        assert_refused(me(env, token))

    @pytest.mark.parametrize("key", [
        b"wrong-secret-wrong-secret-wrong-secret!",
        b"", b"secret",
    ])
    def test_todo_500_06_wrong_key(self, env, session, key):
        # Attack: signing with a guessed key — an empty key, a dictionary
        # word, or any other secret than the configured one.
        _, _, c = session
        assert_refused(me(env, sign(HS256, fresh_claims(c), key)))

    def test_todo_500_07_hex_decoded_secret(self, env, session):
        # Attack (key handling): the secret file holds 64 hex characters and
        # the key is those bytes as they are. A token signed with the
        # hex-decoded 32 bytes, a different key, must not verify.
        _, _, c = session
        key = bytes.fromhex(env.secret.decode())
        assert_refused(me(env, sign(HS256, fresh_claims(c), key)))

    def test_todo_500_08_tampered_payload(self, env, session):
        # Attack: payload tampering — take a genuine token, change its "sub"
        # to another user's id, and keep the original signature, hoping the
        # server reads claims without verifying them.
        _, tokens, c = session
        victim, _ = env.new_user()
        head, _, sig = tokens["access_token"].split(".")
        forged = dict(c, sub=victim["id"])
        assert_refused(me(env, head + "." + b64url_json(forged) + "." + sig))
        # And the same with a longer life instead of a different user.
        longer = dict(c, exp=c["exp"] + 86400)
        assert_refused(me(env, head + "." + b64url_json(longer) + "." + sig))

    def test_todo_500_09_tampered_signature(self, env, session):
        # Attack: signature tampering — flipping bits of the signature, or
        # truncating it, must never verify.
        _, tokens, _ = session
        head, body, sig = tokens["access_token"].split(".")
        flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
        for bad in (flipped, sig[:-4], sig + "AAAA", ""):
            assert_refused(me(env, head + "." + body + "." + bad))


class TestClaims:
    def test_todo_500_20_expired(self, env, session):
        # Attack: replay of an expired token — a properly signed token whose
        # "exp" lies in the past must be refused.
        _, _, c = session
        now = int(time.time())
        token = sign(HS256, fresh_claims(c, iat=now - 3600, exp=now - 60),
                     env.secret)
        assert_refused(me(env, token))

    def test_todo_500_21_expired_just_now(self, env, session):
        # Attack: replay at the edge — exp equal to the current second is
        # already expired ("now < exp" must hold, with leeway 0).
        _, _, c = session
        now = int(time.time())
        token = sign(HS256, fresh_claims(c, iat=now - 900, exp=now - 1),
                     env.secret)
        assert_refused(me(env, token))

    @pytest.mark.parametrize("exp", ["9999999999", 9999999999.5, True,
                                     None, [9999999999], {"v": 1}])
    def test_todo_500_22_exp_not_an_integer(self, env, session, exp):
        # Attack: type confusion on "exp" — a string such as "9999999999", a
        # float, a boolean, a list, an object, or JSON null. A lax parser
        # might read these as "far future" or as "no expiry"; the contract
        # wants an integer exp in the future.
        _, _, c = session
        claims = fresh_claims(c)
        claims["exp"] = exp
        assert_refused(me(env, sign(HS256, claims, env.secret)))

    def test_todo_500_23_exp_missing(self, env, session):
        # Attack: a token without "exp" — a never-expiring credential. The
        # contract requires exp to be present.
        _, _, c = session
        claims = fresh_claims(c)
        del claims["exp"]
        assert_refused(me(env, sign(HS256, claims, env.secret)))

    def test_todo_500_24_nbf_in_future(self, env, session):
        # Attack: using a token before its validity starts — "nbf" one hour
        # ahead must be refused while it is still in the future.
        _, _, c = session
        now = int(time.time())
        claims = fresh_claims(c, nbf=now + 3600)
        assert_refused(me(env, sign(HS256, claims, env.secret)))
        # Control: an nbf in the past is fine.
        claims = fresh_claims(c, nbf=now - 10)
        assert me(env, sign(HS256, claims, env.secret)).status_code == 200

    def test_todo_500_24b_iat_in_future(self, env, session):
        # Attack: a token "issued" an hour from now (a forger with the key,
        # or a server with a broken clock) was accepted: only exp and nbf
        # were checked. Beyond the leeway it is refused.
        _, _, c = session
        now = int(time.time())
        claims = fresh_claims(c, iat=now + 3600)
        assert_refused(me(env, sign(HS256, claims, env.secret)))
        claims = fresh_claims(c, iat=str(now))
        assert_refused(me(env, sign(HS256, claims, env.secret)))
        # Control: issued a moment ago is fine.
        claims = fresh_claims(c, iat=now - 10)
        assert me(env, sign(HS256, claims, env.secret)).status_code == 200

    def test_todo_500_25_nbf_string(self, env, session):
        # Attack: type confusion on "nbf" — a string nbf must not be
        # silently ignored.
        _, _, c = session
        claims = fresh_claims(c, nbf=str(int(time.time()) + 3600))
        assert_refused(me(env, sign(HS256, claims, env.secret)))

    @pytest.mark.parametrize("field", ["sub", "sid"])
    def test_todo_500_26_missing_identity(self, env, session, field):
        # Attack: a validly signed token lacking "sub" or "sid", hoping the
        # server skips the session or user lookup when a claim is absent.
        _, _, c = session
        claims = fresh_claims(c)
        del claims[field]
        assert_refused(me(env, sign(HS256, claims, env.secret)))

    @pytest.mark.parametrize("value", ["not-a-uuid", "", 42, "' OR 1=1 --"])
    @pytest.mark.parametrize("field", ["sub", "sid"])
    def test_todo_500_27_bad_identity(self, env, session, field, value):
        # Attack: injection through claims — a signed token whose "sub" or
        # "sid" is not a UUID (a SQL fragment, a number, an empty string)
        # must be refused, not passed on to the database.
        _, _, c = session
        claims = fresh_claims(c, **{field: value})
        assert_refused(me(env, sign(HS256, claims, env.secret)))

    def test_todo_500_28_sid_of_another_user(self, env, session):
        # Attack: session splicing — a correctly signed token that pairs one
        # user's "sub" with another user's live "sid". The session must
        # belong to the subject.
        user, _, c = session
        _, other_tokens, _ = env.new_session()
        other_sid = claims_of(other_tokens["access_token"])["sid"]
        claims = fresh_claims(c, sid=other_sid)
        assert_refused(me(env, sign(HS256, claims, env.secret)))

    def test_todo_500_29_unknown_sid(self, env, session):
        # Attack: a signed token naming a session that never existed.
        _, _, c = session
        claims = fresh_claims(c, sid=str(uuid.uuid4()))
        assert_refused(me(env, sign(HS256, claims, env.secret)))


class TestStructure:
    @pytest.mark.parametrize("extra", [1, 2])
    def test_todo_500_40_too_many_segments(self, env, session, extra):
        # Attack: JWS/JWE confusion — five segments (a JWE compact shape) or
        # four, built around a valid token, must not be parsed as a JWS.
        _, tokens, _ = session
        t = tokens["access_token"]
        if extra == 2:
            token = t + ".AAAA.BBBB"  # five segments
        else:
            token = t + ".AAAA"
        assert_refused(me(env, token))
        head, body, sig = t.split(".")
        assert_refused(me(env, ".".join([head, "", body, "", sig])))

    @pytest.mark.parametrize("token", [
        "garbage", "a.b.c", "..", "...", "x" * 100,
        "eyJhbGciOiJIUzI1NiJ9", "eyJhbGciOiJIUzI1NiJ9.e30",
        "%%%.%%%.%%%", "e30.e30.", "bnVsbA.bnVsbA.AAAA",
    ])
    def test_todo_500_41_garbage(self, env, token):
        # Attack: fuzzing the parser — random strings, empty segments,
        # invalid base64url, JSON that is not an object ("null"). None may
        # crash the module or be taken as a valid token.
        assert_refused(me(env, token))

    def test_todo_500_42_padding_and_whitespace(self, env, session):
        # Attack: non-canonical encodings — base64 padding ("=") or
        # standard-alphabet characters in a segment, so that two different
        # strings decode to the same token (signature malleability).
        _, tokens, _ = session
        head, body, sig = tokens["access_token"].split(".")
        padded = head + "=" * (-len(head) % 4 or 4)
        assert_refused(me(env, padded + "." + body + "." + sig))
        std = sig.replace("-", "+").replace("_", "/")
        if std != sig:
            assert_refused(me(env, head + "." + body + "." + std))

    def test_todo_500_43_oversized_token(self, env, session):
        # Attack: resource exhaustion through the token — a correctly signed
        # token inflated past the module's limit (4 KiB) with a junk claim
        # must be refused before any expensive work.
        _, _, c = session
        claims = fresh_claims(c, junk="j" * 5000)
        token = sign(HS256, claims, env.secret)
        assert 5000 < len(token) < 8000
        assert_refused(me(env, token))

    def test_todo_500_44_token_over_8k(self, env, session):
        # Attack: resource exhaustion through the header — a correctly signed
        # token of more than 8 KiB. It must still be answered with a 401 and
        # a Bearer challenge (and a JSON body), never accepted.
        _, _, c = session
        claims = fresh_claims(c, junk="j" * 9000)
        token = sign(HS256, claims, env.secret)
        assert len(token) > 8192
        assert_refused(me(env, token))

    def test_todo_500_45_crit_header(self, env, session):
        # Attack: a "crit" header naming an extension the server does not
        # understand; RFC 7515 says such a token must be rejected.
        _, _, c = session
        head = dict(HS256, crit=["exp"])
        assert_refused(me(env, sign(head, fresh_claims(c), env.secret)))


class TestScheme:
    @pytest.mark.parametrize("scheme", ["Token", "Basic", "JWT", "Bearer:",
                                        "Bearerx", ""])
    def test_todo_500_60_not_bearer(self, env, session, scheme):
        # Attack: scheme confusion — a valid access token presented under
        # another scheme ("Token x", "Basic ...", none at all). Only
        # "Authorization: Bearer <token>" authenticates; anything else is an
        # unauthenticated request and gets the plain Bearer challenge.
        _, tokens, _ = session
        value = (scheme + " " + tokens["access_token"]).strip()
        r = env.get("/auth/me", headers={"Authorization": value})
        assert r.status_code == 401, (value, r.text)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert isinstance(r.json()["detail"], str)

    def test_todo_500_61_basic_credentials(self, env):
        # Attack: HTTP Basic with a real username and password on a bearer
        # API — the API must not fall back to password authentication.
        user, pw = env.new_user()
        basic = base64.b64encode(
            ("%s:%s" % (user["username"], pw)).encode()).decode()
        r = env.get("/auth/me", headers={"Authorization": "Basic " + basic})
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")

    def test_todo_500_62_empty_bearer(self, env):
        # Attack: "Bearer" with no token, or only spaces.
        for value in ("Bearer", "Bearer ", "Bearer    "):
            r = env.get("/auth/me", headers={"Authorization": value})
            assert r.status_code == 401, value
            assert r.headers["WWW-Authenticate"].startswith("Bearer")

    def test_todo_500_63_scheme_case_insensitive(self, env, session):
        # Not an attack: RFC 7235 auth schemes are case-insensitive, so
        # "bearer <token>" is the same as "Bearer <token>". Checked so the
        # scheme tests above are known to fail for the right reason.
        user, tokens, _ = session
        r = env.get("/auth/me",
                    headers={"Authorization": "bearer " +
                             tokens["access_token"]})
        assert r.status_code == 200
        assert r.json()["id"] == user["id"]


class TestRevocation:
    def test_todo_500_80_revoked_session(self, env, session):
        # Attack: resurrecting a logged-out session — after logout, a token
        # with a valid signature, a fresh jti and a future exp, but the sid
        # of the revoked session, must be refused: revocation is checked on
        # every request, not only the original token's lifetime.
        _, tokens, c = session
        assert env.post("/auth/logout",
                        tokens["access_token"]).status_code == 204
        token = sign(HS256, fresh_claims(c), env.secret)
        assert_refused(me(env, token))

    def test_todo_500_81_reuse_revoked_session(self, env, session):
        # Attack: a session ended by refresh-token reuse detection must stay
        # dead for newly forged access tokens too.
        _, tokens, c = session
        env.post("/auth/refresh",
                 json={"refresh_token": tokens["refresh_token"]})
        r = env.post("/auth/refresh",
                     json={"refresh_token": tokens["refresh_token"]})
        assert r.status_code == 401
        token = sign(HS256, fresh_claims(c), env.secret)
        assert_refused(me(env, token))

    def test_todo_500_82_deleted_user(self, env, session):
        # Attack: a token for a deleted account — after DELETE /users/{id}, a
        # validly signed token for that user and session must be refused
        # everywhere, including on the user's own (now missing) resource.
        user, tokens, c = session
        assert env.delete("/users/" + user["id"],
                          tokens["access_token"]).status_code == 204
        token = sign(HS256, fresh_claims(c), env.secret)
        assert_refused(me(env, token))
        assert_refused(env.get("/users/" + user["id"], token))
        assert_refused(env.get("/users", token))

    def test_todo_500_83_deleted_user_other_session(self, env, session):
        # Attack: the deleted user's other sessions — a forged token naming
        # a second session of the deleted user must be refused too.
        user, tokens, c = session
        second = env.login(user["username"], "correct horse")
        sid2 = claims_of(second["access_token"])["sid"]
        assert env.delete("/users/" + user["id"],
                          tokens["access_token"]).status_code == 204
        token = sign(HS256, fresh_claims(c, sid=sid2), env.secret)
        assert_refused(me(env, token))

    def test_todo_500_84_password_change_revokes_forged(self, env, session):
        # Attack: after a password change (the owner's response to a stolen
        # credential), a forged token naming another, now revoked, session
        # of the user must be refused.
        user, tokens, c = session
        stolen = env.login(user["username"], "correct horse")
        stolen_sid = claims_of(stolen["access_token"])["sid"]
        r = env.patch("/users/" + user["id"], tokens["access_token"],
                      json={"password": "a new password"})
        assert r.status_code == 200
        token = sign(HS256, fresh_claims(c, sid=stolen_sid), env.secret)
        assert_refused(me(env, token))
        # The session that changed the password is still good.
        assert me(env, sign(HS256, fresh_claims(c), env.secret)).status_code \
            == 200

    @pytest.mark.parametrize("how", ["logout", "spliced", "unknown",
                                     "inactive"])
    def test_todo_500_86_create_with_dead_session(self, env, session, how):
        # Attack: a create with a token whose session is dead. On
        # PostgreSQL the create checks the session in the statement that
        # stores the task (docs/security.md): it must refuse exactly as
        # every other route does, a bad body included (401 before 422),
        # and store nothing: no task, no event.
        user, tokens, c = session
        sid = c["sid"]
        if how == "logout":
            assert env.post("/auth/logout",
                            tokens["access_token"]).status_code == 204
        elif how == "spliced":
            _, other_tokens, _ = env.new_session()
            sid = claims_of(other_tokens["access_token"])["sid"]
        elif how == "unknown":
            sid = str(uuid.uuid4())
        else:
            env.sql({"sqlite3": "UPDATE users SET is_active = 0 WHERE id = ?",
                     "pgsql": "UPDATE users SET is_active = false "
                              "WHERE id = ?::uuid"}, user["id"])
        token = sign(HS256, fresh_claims(c, sid=sid), env.secret)
        assert_refused(env.post("/tasks", token, json={"title": "stolen"}))
        assert_refused(env.post("/tasks", token, json={"title": ""}))
        assert_refused(env.post("/tasks", token, json=[1]))
        for table in ("tasks", "events"):
            rows = env.sql({"sqlite3": "SELECT count(*) FROM " + table
                            + " WHERE user_id = ?",
                            "pgsql": "SELECT count(*) FROM " + table
                            + " WHERE user_id = ?::uuid"}, user["id"])
            n = int(rows.strip()) if isinstance(rows, str) else rows[0][0]
            assert n == 0, (table, rows)

    def test_todo_500_87_create_then_bad_body(self, env, session):
        # The same token with a live session: 201, and a bad body 422.
        _, tokens, c = session
        token = sign(HS256, fresh_claims(c), env.secret)
        r = env.post("/tasks", token, json={"title": "mine"})
        assert r.status_code == 201, r.text
        r = env.post("/tasks", token, json={"title": ""})
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body", "title"]

    def test_todo_500_85_inactive_user(self, env, session):
        # Attack: a disabled account keeps using its tokens — once the
        # user is no longer active (set directly in the database here, as
        # an operator would), its existing and newly forged tokens and its
        # refresh token must all be refused, and it cannot log in again.
        user, tokens, c = session
        env.sql({"sqlite3": "UPDATE users SET is_active = 0 WHERE id = ?",
                 "pgsql": "UPDATE users SET is_active = false "
                          "WHERE id = ?::uuid"}, user["id"])
        assert_refused(me(env, tokens["access_token"]))
        assert_refused(me(env, sign(HS256, fresh_claims(c), env.secret)))
        r = env.post("/auth/refresh",
                     json={"refresh_token": tokens["refresh_token"]})
        assert r.status_code == 401
        r = env.post("/auth/login", data={"username": user["username"],
                                          "password": "correct horse"})
        assert r.status_code in (400, 401, 403), r.text
        assert "access_token" not in r.text
