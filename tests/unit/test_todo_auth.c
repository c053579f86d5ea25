/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* Logins, sessions and token rotation against an in-memory database. */

#include <string.h>

#include <apr_strings.h>

#include "test_common.h"
#include "todo_auth.h"
#include "todo_password.h"
#include "todo_uuid.h"

#define KEY "0123456789abcdef0123456789abcdef"
#define PASSWORD "correct horse"
#define BAD_CREDENTIALS "Incorrect username or password"

#define SEC(n) apr_time_from_sec(n)

static todo_auth_config_t *auth_config(apr_pool_t *p, long grace)
{
    todo_auth_config_t *cfg = apr_pcalloc(p, sizeof(*cfg));

    cfg->jwt.alg = TODO_JWT_HS256;
    cfg->jwt.key = (const unsigned char *)KEY;
    cfg->jwt.key_len = sizeof(KEY) - 1;
    cfg->access_ttl = 900;
    cfg->refresh_ttl = 86400;
    cfg->refresh_grace = grace;
    cfg->bcrypt_cost = TS_BCRYPT_COST;
    assert_int_equal(APR_SUCCESS, todo_auth_config_init(p, cfg));
    return cfg;
}

static todo_user_t *register_user(todo_db_t *db, apr_pool_t *p,
                                  const char *email, const char *username)
{
    todo_user_input_t in = {email, username, PASSWORD};
    todo_result_t *res = todo_result_make(p);
    todo_user_t *u = NULL;
    const char *hash = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_password_hash(p, PASSWORD, TS_BCRYPT_COST, &hash));
    assert_int_equal(APR_SUCCESS,
                     todo_user_create(db, p, &in, hash, TS_NOW, &u, res));
    return u;
}

/* Find the account, then check the password: the handler's two steps. */
static apr_status_t try_login(todo_db_t *db, apr_pool_t *p,
                              const todo_auth_config_t *cfg, const char *who,
                              const char *password, apr_time_t now,
                              todo_tokens_t *out, todo_result_t *res)
{
    todo_login_t attempt;
    apr_status_t rv = todo_auth_login_find(db, p, who, &attempt);

    return APR_SUCCESS == rv
               ? todo_auth_login(db, p, cfg, &attempt, password, now, out, res)
               : rv;
}

static todo_tokens_t login(todo_db_t *db, apr_pool_t *p,
                           const todo_auth_config_t *cfg, const char *who,
                           apr_time_t now)
{
    todo_result_t *res = todo_result_make(p);
    todo_tokens_t t;

    memset(&t, 0, sizeof(t));
    assert_int_equal(APR_SUCCESS,
                     try_login(db, p, cfg, who, PASSWORD, now, &t, res));
    assert_non_null(t.access_token);
    assert_non_null(t.refresh_token);
    return t;
}

static apr_status_t refresh(todo_db_t *db, apr_pool_t *p,
                            const todo_auth_config_t *cfg, const char *token,
                            apr_time_t now, todo_tokens_t *out,
                            todo_result_t **pres)
{
    *pres = todo_result_make(p);
    memset(out, 0, sizeof(*out));
    todo_session_ref_t revoked;

    return todo_auth_refresh(db, p, cfg, token, now, out, &revoked, *pres);
}

static apr_status_t authenticate(todo_db_t *db, apr_pool_t *p,
                                 const todo_auth_config_t *cfg,
                                 const char *token, apr_time_t now,
                                 todo_principal_t *who, todo_jwt_error_t *perr,
                                 todo_result_t **pres)
{
    *pres = todo_result_make(p);
    memset(who, 0, sizeof(*who));
    return todo_auth_authenticate(db, p, cfg, token, now, who, perr, *pres);
}

/* The access token works at @a now and names @a user. */
static const char *accepted(todo_db_t *db, apr_pool_t *p,
                            const todo_auth_config_t *cfg, const char *token,
                            apr_time_t now, const todo_user_t *user)
{
    todo_principal_t who;
    todo_result_t *res;
    todo_jwt_error_t err = TODO_JWT_MALFORMED;

    assert_int_equal(APR_SUCCESS,
                     authenticate(db, p, cfg, token, now, &who, &err, &res));
    assert_int_equal(TODO_JWT_OK, err);
    assert_string_equal(user->id, who.user->id);
    assert_string_equal(user->email, who.user->email);
    return who.sid;
}

/* The access token is refused at @a now although its JWT is valid. */
static void session_refused(todo_db_t *db, apr_pool_t *p,
                            const todo_auth_config_t *cfg, const char *token,
                            apr_time_t now)
{
    todo_principal_t who;
    todo_result_t *res;
    todo_jwt_error_t err = TODO_JWT_MALFORMED;

    assert_int_equal(TODO_EAUTH,
                     authenticate(db, p, cfg, token, now, &who, &err, &res));
    assert_int_equal(TODO_JWT_OK, err);
    assert_string_equal("invalid_token", res->auth_error);
    assert_null(who.user);
}

/* --- configuration ------------------------------------------------------ */

static void test_config_init(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_auth_config_t *a = auth_config(p, 0), *b = auth_config(p, 0);
    static const unsigned char zero[32];

    /* The dummy hash has the configured cost, and a fresh salt. */
    assert_memory_equal("$2b$04$", a->dummy_hash, 7);
    assert_string_not_equal(a->dummy_hash, b->dummy_hash);
    /* The refresh key derives from the JWT key: same key, same derived
     * key; never the JWT key itself. */
    assert_memory_not_equal(zero, a->refresh_key, 32);
    assert_memory_equal(a->refresh_key, b->refresh_key, 32);
    assert_memory_not_equal(KEY, a->refresh_key, 32);
    b->jwt.key = (const unsigned char *)"fedcba9876543210fedcba9876543210";
    assert_int_equal(APR_SUCCESS, todo_auth_config_init(p, b));
    assert_memory_not_equal(a->refresh_key, b->refresh_key, 32);
}

/* --- login -------------------------------------------------------------- */

static void test_login_success(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t = login(db, p, cfg, "ada", TS_NOW);
    todo_claims_t claims;
    const char *sid;
    apr_int64_t gen = -1;

    assert_int_equal(900, t.expires_in);
    assert_int_equal(APR_SUCCESS, todo_jwt_verify(p, &cfg->jwt, t.access_token,
                                                  TS_CONST, &claims, NULL));
    assert_string_equal(u->id, claims.sub);
    assert_int_equal(TS_CONST, claims.iat);
    assert_int_equal(TS_CONST + 900, claims.exp);
    assert_int_equal(APR_SUCCESS, todo_uuid_parse(p, claims.sid, NULL));
    /* The refresh token names the same session, generation 0. */
    assert_int_equal(APR_SUCCESS, todo_auth_refresh_parse(
                                      p, cfg, t.refresh_token, &sid, &gen));
    assert_string_equal(claims.sid, sid);
    assert_int_equal(0, gen);
    assert_memory_equal(apr_pstrcat(p, sid, ".0.", NULL), t.refresh_token, 39);

    /* By email too, in any case, with a fresh session each time. */
    t = login(db, p, cfg, "ADA@example.COM", TS_NOW);
    assert_string_not_equal(
        sid, accepted(db, p, cfg, t.access_token, TS_NOW + SEC(1), u));
}

static void test_login_failures_look_alike(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_result_t *unknown = todo_result_make(p), *wrong = todo_result_make(p);
    todo_result_t *res;
    todo_tokens_t t;

    register_user(db, p, "ada@example.com", "Ada");
    memset(&t, 0, sizeof(t));
    assert_int_equal(TODO_EAUTH, try_login(db, p, cfg, "nobody", PASSWORD,
                                           TS_NOW, &t, unknown));
    assert_int_equal(TODO_EAUTH, try_login(db, p, cfg, "ada", "wrong pw",
                                           TS_NOW, &t, wrong));
    /* Same status, same words: nothing tells which one it was. */
    assert_int_equal(unknown->status, wrong->status);
    assert_string_equal(BAD_CREDENTIALS, unknown->detail);
    assert_string_equal(unknown->detail, wrong->detail);
    assert_null(unknown->auth_error);
    assert_null(wrong->auth_error);
    assert_null(t.access_token);
    assert_null(t.refresh_token);

    res = todo_result_make(p);
    assert_int_equal(TODO_EAUTH,
                     try_login(db, p, cfg, "ada", "", TS_NOW, &t, res));
    assert_string_equal(BAD_CREDENTIALS, res->detail);
    res = todo_result_make(p);
    assert_int_equal(TODO_EAUTH,
                     try_login(db, p, cfg, "", PASSWORD, TS_NOW, &t, res));
    assert_string_equal(BAD_CREDENTIALS, res->detail);
}

static void test_login_over_72_bytes_with_matching_prefix(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_input_t in = {"ada@example.com", "ada", NULL};
    todo_result_t *res = todo_result_make(p);
    char pw72[73], pw73[74];
    const char *hash = NULL;
    todo_user_t *u = NULL;
    todo_tokens_t t;

    memset(pw72, 'k', 72);
    pw72[72] = '\0';
    memcpy(pw73, pw72, 72);
    pw73[72] = 'k';
    pw73[73] = '\0';
    assert_int_equal(APR_SUCCESS,
                     todo_password_hash(p, pw72, TS_BCRYPT_COST, &hash));
    in.password = pw72;
    assert_int_equal(APR_SUCCESS,
                     todo_user_create(db, p, &in, hash, TS_NOW, &u, res));
    assert_int_equal(APR_SUCCESS,
                     try_login(db, p, cfg, "ada", pw72, TS_NOW, &t, res));
    /* bcrypt matches the 73-byte password; the login must not. */
    assert_int_equal(APR_SUCCESS, todo_password_verify(p, pw73, hash));
    assert_int_equal(TODO_EAUTH,
                     try_login(db, p, cfg, "ada", pw73, TS_NOW, &t, res));
}

/* --- authenticate ------------------------------------------------------- */

static void test_authenticate(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t = login(db, p, cfg, "ada", TS_NOW);
    todo_principal_t who;
    todo_jwt_error_t err;
    todo_result_t *res;

    accepted(db, p, cfg, t.access_token, TS_NOW + SEC(899), u);

    assert_int_equal(TODO_EAUTH,
                     authenticate(db, p, cfg, t.access_token, TS_NOW + SEC(900),
                                  &who, &err, &res));
    assert_int_equal(TODO_JWT_EXPIRED, err);
    assert_string_equal("invalid_token", res->auth_error);
    assert_int_equal(401, todo_result_http(res->status));

    assert_int_equal(TODO_EAUTH, authenticate(db, p, cfg, "garbage", TS_NOW,
                                              &who, &err, &res));
    assert_int_equal(TODO_JWT_MALFORMED, err);
    assert_string_equal("invalid_token", res->auth_error);
    assert_int_equal(TODO_EAUTH, authenticate(db, p, cfg, t.refresh_token,
                                              TS_NOW, &who, NULL, &res));
}

/*
 * A validly signed token whose sid belongs to another user's session must
 * not authenticate as either of them (the session query checks both).
 */
static void test_authenticate_sid_of_another_user(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *bob = register_user(db, p, "bob@example.com", "bob");
    todo_tokens_t t;
    todo_claims_t ada_claims, forged;
    const char *token = NULL;

    register_user(db, p, "ada@example.com", "ada");
    t = login(db, p, cfg, "ada", TS_NOW);
    assert_int_equal(APR_SUCCESS, todo_jwt_verify(p, &cfg->jwt, t.access_token,
                                                  TS_CONST, &ada_claims, NULL));
    forged = ada_claims;
    forged.sub = bob->id;
    assert_int_equal(APR_SUCCESS, todo_jwt_sign(p, &cfg->jwt, &forged, &token));
    session_refused(db, p, cfg, token, TS_NOW);
}

/* --- logout ------------------------------------------------------------- */

static void test_logout_revokes_session(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t = login(db, p, cfg, "ada", TS_NOW);
    todo_tokens_t other = login(db, p, cfg, "ada", TS_NOW);
    todo_result_t *res = todo_result_make(p);
    const char *sid = accepted(db, p, cfg, t.access_token, TS_NOW, u);
    todo_tokens_t out;

    assert_int_equal(APR_SUCCESS,
                     todo_auth_logout(db, p, sid, TS_NOW + SEC(1), res));
    session_refused(db, p, cfg, t.access_token, TS_NOW + SEC(2));
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t.refresh_token,
                                         TS_NOW + SEC(2), &out, &res));
    assert_null(out.access_token);
    /* Only that session: the other login still works. */
    accepted(db, p, cfg, other.access_token, TS_NOW + SEC(2), u);
    /* Logging out twice is harmless. */
    assert_int_equal(APR_SUCCESS,
                     todo_auth_logout(db, p, sid, TS_NOW + SEC(3), res));
}

/* --- refresh ------------------------------------------------------------ */

static void test_refresh_rotates(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t0 = login(db, p, cfg, "ada", TS_NOW), t1, t2;
    const char *sid0, *sid1;
    apr_int64_t gen = -1;
    todo_result_t *res;

    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t0.refresh_token,
                                          TS_NOW + SEC(60), &t1, &res));
    assert_string_not_equal(t0.refresh_token, t1.refresh_token);
    assert_string_not_equal(t0.access_token, t1.access_token);
    assert_int_equal(900, t1.expires_in);
    assert_int_equal(APR_SUCCESS, todo_auth_refresh_parse(
                                      p, cfg, t1.refresh_token, &sid1, &gen));
    assert_int_equal(1, gen);
    sid0 = accepted(db, p, cfg, t0.access_token, TS_NOW + SEC(60), u);
    assert_string_equal(sid0, sid1);
    /* The new access token lives from the refresh on. */
    accepted(db, p, cfg, t1.access_token, TS_NOW + SEC(959), u);

    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t1.refresh_token,
                                          TS_NOW + SEC(120), &t2, &res));
    assert_int_equal(APR_SUCCESS, todo_auth_refresh_parse(
                                      p, cfg, t2.refresh_token, &sid1, &gen));
    assert_int_equal(2, gen);
}

static void test_refresh_reuse_revokes_session(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t0 = login(db, p, cfg, "ada", TS_NOW), t1, again;
    todo_tokens_t other = login(db, p, cfg, "ada", TS_NOW);
    todo_result_t *res;

    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t0.refresh_token,
                                          TS_NOW + SEC(1), &t1, &res));
    /* The spent token comes back (stolen, or replayed): the session ends
     * for whoever holds it. */
    {
        todo_session_ref_t revoked;
        const char *sid;
        apr_int64_t gen;
        res = todo_result_make(p);
        memset(&again, 0, sizeof(again));
        assert_int_equal(TODO_EAUTH,
                         todo_auth_refresh(db, p, cfg, t0.refresh_token,
                                           TS_NOW + SEC(2), &again, &revoked,
                                           res));
        /* The caller is told which session ended, to end its streams. */
        assert_int_equal(
            APR_SUCCESS,
            todo_auth_refresh_parse(p, cfg, t0.refresh_token, &sid, &gen));
        assert_string_equal(u->id, revoked.user_id);
        assert_string_equal(sid, revoked.sid);
    }
    assert_string_equal("Refresh token already used; session revoked",
                        res->detail);
    assert_null(again.refresh_token);
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t1.refresh_token,
                                         TS_NOW + SEC(3), &again, &res));
    session_refused(db, p, cfg, t0.access_token, TS_NOW + SEC(3));
    session_refused(db, p, cfg, t1.access_token, TS_NOW + SEC(3));
    /* Other sessions of the same user are untouched. */
    accepted(db, p, cfg, other.access_token, TS_NOW + SEC(3), u);
}

static void test_refresh_grace_returns_same_successor(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 30);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t0 = login(db, p, cfg, "ada", TS_NOW), t1, dup, t2;
    todo_result_t *res;

    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t0.refresh_token,
                                          TS_NOW + SEC(100), &t1, &res));
    /* A concurrent refresh of the same client, 10 s later: the same
     * successor, and the session lives on. */
    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t0.refresh_token,
                                          TS_NOW + SEC(110), &dup, &res));
    assert_string_equal(t1.refresh_token, dup.refresh_token);
    accepted(db, p, cfg, dup.access_token, TS_NOW + SEC(110), u);
    /* Exactly at the edge of the window still counts. */
    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t0.refresh_token,
                                          TS_NOW + SEC(130), &dup, &res));
    assert_string_equal(t1.refresh_token, dup.refresh_token);
    /* The successor works and moves on. */
    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t1.refresh_token,
                                          TS_NOW + SEC(131), &t2, &res));
    assert_string_not_equal(t1.refresh_token, t2.refresh_token);
    /* Two generations back is reuse, window or not. */
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t0.refresh_token,
                                         TS_NOW + SEC(132), &dup, &res));
    session_refused(db, p, cfg, t2.access_token, TS_NOW + SEC(133));
}

static void test_refresh_reuse_after_grace_revokes(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 30);
    todo_tokens_t t0, t1, late;
    todo_result_t *res;

    register_user(db, p, "ada@example.com", "Ada");
    t0 = login(db, p, cfg, "ada", TS_NOW);
    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t0.refresh_token,
                                          TS_NOW + SEC(100), &t1, &res));
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t0.refresh_token,
                                         TS_NOW + SEC(131), &late, &res));
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t1.refresh_token,
                                         TS_NOW + SEC(132), &late, &res));
    session_refused(db, p, cfg, t1.access_token, TS_NOW + SEC(132));
}

static void test_refresh_expired_session(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_tokens_t t0, t1, out;
    todo_result_t *res;

    register_user(db, p, "ada@example.com", "Ada");
    t0 = login(db, p, cfg, "ada", TS_NOW);
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t0.refresh_token,
                                         TS_NOW + SEC(86400), &out, &res));
    assert_string_equal("Invalid refresh token", res->detail);
    /* Each refresh renews the refresh lifetime. */
    t0 = login(db, p, cfg, "ada", TS_NOW);
    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t0.refresh_token,
                                          TS_NOW + SEC(80000), &t1, &res));
    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t1.refresh_token,
                                          TS_NOW + SEC(160000), &out, &res));
}

static void test_refresh_token_forgeries(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0), *other;
    todo_tokens_t t0, out;
    todo_result_t *res;
    const char *sid, *mac, *bad[12];
    apr_int64_t gen;
    char *flipped;
    apr_size_t i;

    register_user(db, p, "ada@example.com", "Ada");
    t0 = login(db, p, cfg, "ada", TS_NOW);
    assert_int_equal(APR_SUCCESS, todo_auth_refresh_parse(
                                      p, cfg, t0.refresh_token, &sid, &gen));
    mac = strrchr(t0.refresh_token, '.') + 1;
    flipped = apr_pstrdup(p, t0.refresh_token);
    flipped[strlen(flipped) - 2] ^= 1;
    other = auth_config(p, 0);
    other->jwt.key = (const unsigned char *)"fedcba9876543210fedcba9876543210";
    assert_int_equal(APR_SUCCESS, todo_auth_config_init(p, other));

    bad[0] = flipped;                                          /* MAC */
    bad[1] = apr_pstrcat(p, sid, ".1.", mac, NULL);            /* gen */
    bad[2] = apr_pstrcat(p, sid, ".00.", mac, NULL);           /* gen */
    bad[3] = apr_pstrcat(p, sid, ".-0.", mac, NULL);           /* gen */
    bad[4] = apr_pstrcat(p, sid, ".+0.", mac, NULL);           /* gen */
    bad[5] = todo_auth_refresh_token(p, other, sid, 0);        /* key */
    bad[6] = todo_auth_refresh_token(p, cfg, "not-a-uuid", 0); /* sid */
    bad[7] = apr_pstrcat(p, t0.refresh_token, "x", NULL);      /* tail */
    bad[8] = apr_pstrcat(p, t0.refresh_token, ".x", NULL);     /* tail */
    bad[9] = "";
    bad[10] = t0.access_token;
    bad[11] = apr_pstrcat(p, todo_auth_refresh_token(p, cfg, sid, 0),
                          apr_psprintf(p, "%0300d", 0), NULL); /* long */
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
        if (TODO_EAUTH
            != refresh(db, p, cfg, bad[i], TS_NOW + SEC(1), &out, &res)) {
            fail_msg("refresh accepted forgery #%d: %s", (int)i, bad[i]);
        }
        assert_string_equal("Invalid refresh token", res->detail);
    }
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, NULL, TS_NOW, &out, &res));
    /* Upper-case sid: the MAC is over the canonical form. */
    assert_int_equal(TODO_EAUTH,
                     todo_auth_refresh_parse(
                         p, cfg,
                         todo_auth_refresh_token(
                             p, cfg, "0192A6E4-7C2B-7DEF-8ABC-0123456789AB", 0),
                         &sid, &gen));
    /* None of that revoked the real session. */
    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, t0.refresh_token,
                                          TS_NOW + SEC(2), &out, &res));
}

/* A secret rotation signs nobody out: with the new secret signing and the
 * old one listed to verify, the old access token still authenticates and
 * the old refresh token still refreshes, its successor made with the new
 * secret; once the old secret is dropped its tokens stop. */
static void test_rotation_keeps_sessions(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *before = auth_config(p, 0), *after, *later;
    todo_user_t *ada = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t0, t1, out;
    todo_result_t *res;
    const char *sid;
    apr_int64_t gen;

    t0 = login(db, p, before, "ada", TS_NOW);
    after = auth_config(p, 0);
    after->jwt.key = (const unsigned char *)"fedcba9876543210fedcba9876543210";
    after->jwt.verify_keys[0].bytes = before->jwt.key;
    after->jwt.verify_keys[0].len = before->jwt.key_len;
    after->jwt.n_verify_keys = 1;
    assert_int_equal(APR_SUCCESS, todo_auth_config_init(p, after));
    later = auth_config(p, 0);
    later->jwt.key = after->jwt.key;
    assert_int_equal(APR_SUCCESS, todo_auth_config_init(p, later));

    accepted(db, p, after, t0.access_token, TS_NOW + SEC(1), ada);
    assert_int_equal(APR_SUCCESS, refresh(db, p, after, t0.refresh_token,
                                          TS_NOW + SEC(2), &t1, &res));
    /* The successor is the new secret's alone. */
    accepted(db, p, later, t1.access_token, TS_NOW + SEC(3), ada);
    assert_int_equal(APR_SUCCESS, todo_auth_refresh_parse(
                                      p, later, t1.refresh_token, &sid, &gen));
    assert_int_equal(1, gen);
    assert_int_equal(TODO_EAUTH, todo_auth_refresh_parse(
                                     p, before, t1.refresh_token, &sid, &gen));
    /* Retired: the old secret's tokens are refused. */
    t0 = login(db, p, before, "ada", TS_NOW);
    assert_int_equal(
        TODO_EAUTH, authenticate(db, p, later, t0.access_token, TS_NOW + SEC(1),
                                 &(todo_principal_t){0}, NULL, &res));
    assert_int_equal(TODO_EAUTH, refresh(db, p, later, t0.refresh_token,
                                         TS_NOW + SEC(1), &out, &res));
}

static void test_refresh_unknown_session(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_tokens_t out;
    todo_result_t *res;

    /* A correct MAC for a session that never existed. */
    assert_int_equal(
        TODO_EAUTH,
        refresh(db, p, cfg,
                todo_auth_refresh_token(
                    p, cfg, "0192a6e4-7c2b-7def-8abc-0123456789ab", 0),
                TS_NOW, &out, &res));
    assert_string_equal("Invalid refresh token", res->detail);
}

/* --- sessions and account changes --------------------------------------- */

static void test_password_change_revokes_other_sessions(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada"), *got;
    todo_tokens_t a = login(db, p, cfg, "ada", TS_NOW);
    todo_tokens_t b = login(db, p, cfg, "ada", TS_NOW);
    todo_user_input_t pw = {NULL, NULL, "new password"};
    todo_result_t *res = todo_result_make(p);
    const char *sid_a = accepted(db, p, cfg, a.access_token, TS_NOW, u);
    const char *hash = NULL;
    todo_tokens_t out;

    assert_int_equal(APR_SUCCESS, todo_password_hash(p, "new password",
                                                     TS_BCRYPT_COST, &hash));
    assert_int_equal(APR_SUCCESS,
                     todo_user_update(db, p, u->id, &pw, hash, sid_a,
                                      TS_NOW + SEC(1), &got, res));
    accepted(db, p, cfg, a.access_token, TS_NOW + SEC(2), u);
    session_refused(db, p, cfg, b.access_token, TS_NOW + SEC(2));
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, b.refresh_token,
                                         TS_NOW + SEC(2), &out, &res));
    assert_int_equal(APR_SUCCESS, refresh(db, p, cfg, a.refresh_token,
                                          TS_NOW + SEC(2), &out, &res));
    /* The old password is gone, the new one logs in. */
    res = todo_result_make(p);
    assert_int_equal(TODO_EAUTH, try_login(db, p, cfg, "ada", PASSWORD,
                                           TS_NOW + SEC(3), &out, res));
    assert_int_equal(APR_SUCCESS, try_login(db, p, cfg, "ada", "new password",
                                            TS_NOW + SEC(3), &out, res));
}

static void test_deleted_user_tokens_stop_working(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t = login(db, p, cfg, "ada", TS_NOW), out;
    todo_result_t *res = todo_result_make(p);

    assert_int_equal(APR_SUCCESS, todo_user_delete(db, p, u->id, res));
    session_refused(db, p, cfg, t.access_token, TS_NOW + SEC(1));
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t.refresh_token,
                                         TS_NOW + SEC(1), &out, &res));
    res = todo_result_make(p);
    assert_int_equal(TODO_EAUTH,
                     try_login(db, p, cfg, "ada", PASSWORD, TS_NOW, &out, res));
}

/* todoctl user disable: the tokens already issued stop working at once,
 * refresh tokens too, and the password no longer logs in; enable lets
 * the user log in again, and revives none of the old sessions. */
static void test_disabled_user_is_shut_out_at_once(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_user_t *bob = register_user(db, p, "bob@example.com", "bob");
    todo_tokens_t t = login(db, p, cfg, "ada", TS_NOW), out;
    todo_tokens_t b = login(db, p, cfg, "bob", TS_NOW);
    todo_result_t *res = todo_result_make(p);
    int n = -1;

    assert_int_equal(
        APR_SUCCESS,
        todo_user_set_active(db, p, u->id, 0, TS_NOW + SEC(1), &n, res));
    assert_int_equal(1, n);
    session_refused(db, p, cfg, t.access_token, TS_NOW + SEC(1));
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t.refresh_token,
                                         TS_NOW + SEC(1), &out, &res));
    res = todo_result_make(p);
    assert_int_equal(TODO_EAUTH, try_login(db, p, cfg, "ada", PASSWORD,
                                           TS_NOW + SEC(1), &out, res));
    assert_string_equal(BAD_CREDENTIALS, res->detail);
    accepted(db, p, cfg, b.access_token, TS_NOW + SEC(1), bob);

    assert_int_equal(
        APR_SUCCESS,
        todo_user_set_active(db, p, u->id, 1, TS_NOW + SEC(2), &n, res));
    session_refused(db, p, cfg, t.access_token, TS_NOW + SEC(2));
    t = login(db, p, cfg, "ada", TS_NOW + SEC(2));
    accepted(db, p, cfg, t.access_token, TS_NOW + SEC(2), u);
}

/* todoctl user revoke: every session of the user ends, the user's
 * password still logs in, other users are untouched. */
static void test_revoke_user_ends_every_session(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_user_t *bob = register_user(db, p, "bob@example.com", "bob");
    todo_tokens_t t1 = login(db, p, cfg, "ada", TS_NOW);
    todo_tokens_t t2 = login(db, p, cfg, "ada@example.com", TS_NOW);
    todo_tokens_t b = login(db, p, cfg, "bob", TS_NOW), out;
    todo_result_t *res;
    int n = -1;

    assert_int_equal(APR_SUCCESS,
                     todo_auth_revoke_user(db, p, u->id, TS_NOW + SEC(1), &n));
    assert_int_equal(2, n);
    session_refused(db, p, cfg, t1.access_token, TS_NOW + SEC(1));
    session_refused(db, p, cfg, t2.access_token, TS_NOW + SEC(1));
    assert_int_equal(TODO_EAUTH, refresh(db, p, cfg, t2.refresh_token,
                                         TS_NOW + SEC(1), &out, &res));
    accepted(db, p, cfg, b.access_token, TS_NOW + SEC(1), bob);
    assert_int_equal(APR_SUCCESS,
                     todo_auth_revoke_user(db, p, u->id, TS_NOW + SEC(2), &n));
    assert_int_equal(0, n);
    t1 = login(db, p, cfg, "ada", TS_NOW + SEC(3));
    accepted(db, p, cfg, t1.access_token, TS_NOW + SEC(3), u);
}

/* todoctl user password: the new password logs in, the old one does not,
 * and no session of before survives. */
static void test_password_reset_by_admin(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_auth_config_t *cfg = auth_config(p, 0);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_tokens_t t = login(db, p, cfg, "ada", TS_NOW), out;
    todo_result_t *res = todo_result_make(p);
    const char *hash = NULL;
    int n = -1;

    assert_int_equal(APR_SUCCESS, todo_password_hash(p, "reset by admin",
                                                     TS_BCRYPT_COST, &hash));
    assert_int_equal(
        APR_SUCCESS,
        todo_user_set_password(db, p, u->id, hash, TS_NOW + SEC(1), &n, res));
    assert_int_equal(1, n);
    session_refused(db, p, cfg, t.access_token, TS_NOW + SEC(1));
    assert_int_equal(TODO_EAUTH, try_login(db, p, cfg, "ada", PASSWORD,
                                           TS_NOW + SEC(2), &out, res));
    res = todo_result_make(p);
    assert_int_equal(APR_SUCCESS, try_login(db, p, cfg, "ada", "reset by admin",
                                            TS_NOW + SEC(2), &out, res));
}

/* The per-account login limit counts one budget per account: its
 * username and its email, in any case, name the same account. */
static void test_login_find_names_one_account(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_user_t *u = register_user(db, p, "ada@example.com", "Ada");
    todo_login_t a, b, c, nobody;

    assert_int_equal(APR_SUCCESS, todo_auth_login_find(db, p, "ada", &a));
    assert_int_equal(APR_SUCCESS,
                     todo_auth_login_find(db, p, "ADA@Example.com", &b));
    assert_int_equal(APR_SUCCESS, todo_auth_login_find(db, p, "Ada", &c));
    assert_string_equal(u->id, a.account);
    assert_string_equal(u->id, b.account);
    assert_string_equal(u->id, c.account);
    assert_non_null(a.hash);
    assert_int_equal(APR_SUCCESS,
                     todo_auth_login_find(db, p, "NoBody", &nobody));
    assert_null(nobody.user);
    assert_string_equal("nobody", nobody.account);
}

int test_todo_auth_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_config_init),
        TS_TEST(test_login_success),
        TS_TEST(test_login_failures_look_alike),
        TS_TEST(test_login_over_72_bytes_with_matching_prefix),
        TS_TEST(test_authenticate),
        TS_TEST(test_authenticate_sid_of_another_user),
        TS_TEST(test_logout_revokes_session),
        TS_TEST(test_refresh_rotates),
        TS_TEST(test_refresh_reuse_revokes_session),
        TS_TEST(test_login_find_names_one_account),
        TS_TEST(test_refresh_grace_returns_same_successor),
        TS_TEST(test_refresh_reuse_after_grace_revokes),
        TS_TEST(test_refresh_expired_session),
        TS_TEST(test_refresh_token_forgeries),
        TS_TEST(test_refresh_unknown_session),
        TS_TEST(test_rotation_keeps_sessions),
        TS_TEST(test_password_change_revokes_other_sessions),
        TS_TEST(test_deleted_user_tokens_stop_working),
        TS_TEST(test_disabled_user_is_shut_out_at_once),
        TS_TEST(test_revoke_user_ends_every_session),
        TS_TEST(test_password_reset_by_admin),
    };
    return cmocka_run_group_tests_name("todo_auth", tests, NULL, NULL);
}
