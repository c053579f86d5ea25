/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_encode.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "todo_auth.h"
#include "todo_fold.h"
#include "todo_password.h"
#include "todo_time.h"
#include "todo_util.h"
#include "todo_uuid.h"
#include "todo_validate.h"

#define BAD_CREDENTIALS "Incorrect username or password"
#define BAD_REFRESH "Invalid refresh token"
#define REFRESH_KEY_LABEL "mod_todo refresh token v1"

static void hmac256(const unsigned char *key, apr_size_t key_len,
                    const char *msg, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg,
         strlen(msg), out, &len);
}

apr_status_t todo_auth_config_init(apr_pool_t *p, todo_auth_config_t *cfg)
{
    unsigned char random[24];
    apr_status_t rv;
    int i;

    /* A key of its own for refresh tokens, so a MAC over "<sid>.<gen>"
     * can never double as anything signed with the JWT key. */
    hmac256(cfg->jwt.key, cfg->jwt.key_len, REFRESH_KEY_LABEL,
            cfg->refresh_key);
    hmac256(cfg->jwt.key, cfg->jwt.key_len, "mod_todo rate limit v1",
            cfg->rate_key);
    for (i = 0; i < cfg->jwt.n_verify_keys; ++i) {
        hmac256(cfg->jwt.verify_keys[i].bytes, cfg->jwt.verify_keys[i].len,
                REFRESH_KEY_LABEL, cfg->verify_refresh_keys[i]);
    }
    rv = todo_random_bytes(random, sizeof(random));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    return todo_password_hash(
        p,
        apr_pencode_base64_binary(p, random, sizeof(random),
                                  APR_ENCODE_BASE64URL, NULL),
        cfg->bcrypt_cost, &cfg->dummy_hash);
}

static const char *refresh_token_with(apr_pool_t *p,
                                      const unsigned char key[32],
                                      const char *sid, apr_int64_t generation)
{
    unsigned char mac[32];
    const char *msg = apr_psprintf(p, "%s.%" APR_INT64_T_FMT, sid, generation);

    hmac256(key, 32, msg, mac);
    return apr_pstrcat(p, msg, ".",
                       apr_pencode_base64_binary(p, mac, sizeof(mac),
                                                 APR_ENCODE_BASE64URL, NULL),
                       NULL);
}

const char *todo_auth_refresh_token(apr_pool_t *p,
                                    const todo_auth_config_t *cfg,
                                    const char *sid, apr_int64_t generation)
{
    return refresh_token_with(p, cfg->refresh_key, sid, generation);
}

/* Is @a token (@a len bytes) the refresh token of (sid, gen) under
 * @a key? Equal lengths first (public), then the MAC in constant time. */
static int refresh_mac_ok(apr_pool_t *p, const unsigned char key[32],
                          const char *sid, apr_int64_t gen, const char *token,
                          apr_size_t len)
{
    const char *expect = refresh_token_with(p, key, sid, gen);

    return strlen(expect) == len && todo_ct_equal(expect, token, len);
}

apr_status_t todo_auth_refresh_parse(apr_pool_t *p,
                                     const todo_auth_config_t *cfg,
                                     const char *token, const char **psid,
                                     apr_int64_t *pgeneration)
{
    const char *dot1, *dot2;
    apr_int64_t gen;
    apr_size_t len;
    int ok, i;

    if (!token || (len = strlen(token)) > TODO_REFRESH_MAX_LEN
        || !(dot1 = strchr(token, '.')) || !(dot2 = strchr(dot1 + 1, '.'))) {
        return TODO_EAUTH;
    }
    if (APR_SUCCESS
            != todo_uuid_parse(
                p, apr_pstrmemdup(p, token, (apr_size_t)(dot1 - token)), psid)
        || APR_SUCCESS
               != todo_parse_int64(
                   apr_pstrmemdup(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1)),
                   0, APR_INT64_MAX, &gen)) {
        return TODO_EAUTH;
    }
    ok = refresh_mac_ok(p, cfg->refresh_key, *psid, gen, token, len);
    for (i = 0; !ok && i < cfg->jwt.n_verify_keys; ++i) {
        ok = refresh_mac_ok(p, cfg->verify_refresh_keys[i], *psid, gen, token,
                            len);
    }
    if (!ok) {
        return TODO_EAUTH;
    }
    *pgeneration = gen;
    return APR_SUCCESS;
}

static apr_status_t bad_refresh(todo_result_t *res)
{
    res->auth_reason = "bad_refresh";
    return todo_result_fail(res, TODO_EAUTH, BAD_REFRESH);
}

static apr_status_t issue(apr_pool_t *p, const todo_auth_config_t *cfg,
                          const char *user_id, const char *sid,
                          apr_int64_t generation, apr_time_t now,
                          todo_tokens_t *out)
{
    todo_claims_t claims;
    apr_status_t rv;

    claims.sub = user_id;
    claims.sid = sid;
    claims.iat = (long)apr_time_sec(now);
    claims.exp = claims.iat + cfg->access_ttl;
    rv = todo_uuid_v7(p, now, &claims.jti);
    if (APR_SUCCESS == rv) {
        rv = todo_jwt_sign(p, &cfg->jwt, &claims, &out->access_token);
    }
    out->refresh_token = todo_auth_refresh_token(p, cfg, sid, generation);
    out->expires_in = cfg->access_ttl;
    return rv;
}

apr_status_t todo_auth_login_find(todo_db_t *db, apr_pool_t *p,
                                  const char *login, todo_login_t *out)
{
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    rv = todo_user_find_login(db, p, login, &out->user, &out->hash);
    if (APR_SUCCESS == rv) {
        out->account = out->user->id;
        return APR_SUCCESS;
    }
    if (APR_ENOENT != rv) {
        return rv;
    }
    out->user = NULL;
    out->hash = NULL;
    /* Lowercased as the users table stores names ("Ada" is "ada"). */
    if (APR_SUCCESS != todo_lower(p, login, strlen(login), &out->account)) {
        out->account = login;
    }
    return APR_SUCCESS;
}

apr_status_t todo_auth_login(todo_db_t *db, apr_pool_t *p,
                             const todo_auth_config_t *cfg,
                             const todo_login_t *attempt, const char *password,
                             apr_time_t now, todo_tokens_t *out,
                             todo_result_t *res)
{
    todo_user_t *user = attempt->user;
    const char *sid, *ts, *expires;
    apr_status_t rv, match;

    /* Same bcrypt work whether or not the user exists. bcrypt ignores
     * bytes past 72, so a longer password can never be the right one. */
    match = todo_password_verify(p, password,
                                 user ? attempt->hash : cfg->dummy_hash);
    if (!user || APR_SUCCESS != match || !user->is_active
        || strlen(password) > TODO_PASSWORD_MAX) {
        res->auth_error = NULL;
        res->auth_reason = "bad_credentials";
        return todo_result_fail(res, TODO_EAUTH, BAD_CREDENTIALS);
    }
    rv = todo_uuid_v7(p, now, &sid);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    ts = todo_time_format(p, now);
    expires = todo_time_format(p, now + apr_time_from_sec(cfg->refresh_ttl));
    rv = todo_db_exec(db, p, TODO_SQL_SESSION_INSERT, NULL,
                      TODO_ARGS(sid, user->id, ts, expires));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    return issue(p, cfg, user->id, sid, 0, now, out);
}

/* Session columns of TODO_SQL_SESSION_GET. */
enum { S_USER, S_GENERATION, S_ROTATED, S_EXPIRES, S_REVOKED, S_ACTIVE };

static apr_status_t refresh_once(todo_db_t *db, apr_pool_t *p,
                                 const todo_auth_config_t *cfg, const char *sid,
                                 apr_int64_t gen, apr_time_t now, int *pretry,
                                 todo_tokens_t *out,
                                 todo_session_ref_t *revoked,
                                 todo_result_t *res)
{
    const char *ts = todo_time_format(p, now), *user_id, *rotated;
    apr_time_t expires, rotated_at;
    apr_int64_t current;
    todo_rows_t *rows;
    apr_status_t rv;
    int nrows = 0;

    *pretry = 0;
    rv = todo_db_select(db, p, TODO_SQL_SESSION_GET, &rows, TODO_ARGS(sid));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows != 1 || TODO_CELL(rows, 0, S_REVOKED)
        || !TODO_CELL(rows, 0, S_ACTIVE)
        || !strchr("1t", TODO_CELL(rows, 0, S_ACTIVE)[0])
        || APR_SUCCESS
               != todo_time_parse(TODO_CELL(rows, 0, S_EXPIRES), &expires)
        || expires <= now) {
        return bad_refresh(res);
    }
    user_id = TODO_CELL(rows, 0, S_USER);
    current = apr_atoi64(TODO_CELL(rows, 0, S_GENERATION));
    if (gen == current) {
        rv = todo_db_exec(
            db, p, TODO_SQL_SESSION_ROTATE, &nrows,
            TODO_ARGS(
                ts,
                todo_time_format(p, now + apr_time_from_sec(cfg->refresh_ttl)),
                sid, apr_psprintf(p, "%" APR_INT64_T_FMT, gen)));
        if (APR_SUCCESS != rv) {
            return rv;
        }
        if (nrows == 1) {
            return issue(p, cfg, user_id, sid, gen + 1, now, out);
        }
        *pretry = 1; /* a concurrent refresh won: decide again */
        return TODO_EAUTH;
    }
    rotated = TODO_CELL(rows, 0, S_ROTATED);
    if (gen == current - 1 && cfg->refresh_grace > 0 && rotated
        && APR_SUCCESS == todo_time_parse(rotated, &rotated_at)
        && now - rotated_at <= apr_time_from_sec(cfg->refresh_grace)) {
        return issue(p, cfg, user_id, sid, current, now, out);
    }
    /* Reuse of a spent token: whoever holds it, the session is over. */
    rv = todo_db_exec(db, p, TODO_SQL_SESSION_REVOKE, NULL, TODO_ARGS(ts, sid));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    revoked->user_id = user_id;
    revoked->sid = sid;
    res->auth_reason = "refresh_reuse";
    return todo_result_fail(res, TODO_EAUTH,
                            "Refresh token already used; session revoked");
}

apr_status_t todo_auth_refresh(todo_db_t *db, apr_pool_t *p,
                               const todo_auth_config_t *cfg,
                               const char *refresh_token, apr_time_t now,
                               todo_tokens_t *out, todo_session_ref_t *revoked,
                               todo_result_t *res)
{
    const char *sid;
    apr_int64_t gen;
    apr_status_t rv;
    int retry = 0;

    if (APR_SUCCESS
        != todo_auth_refresh_parse(p, cfg, refresh_token, &sid, &gen)) {
        return bad_refresh(res);
    }
    memset(revoked, 0, sizeof(*revoked));
    rv = refresh_once(db, p, cfg, sid, gen, now, &retry, out, revoked, res);
    if (retry) {
        rv = refresh_once(db, p, cfg, sid, gen, now, &retry, out, revoked, res);
        if (retry) {
            rv = bad_refresh(res);
        }
    }
    return rv;
}

apr_status_t todo_auth_logout(todo_db_t *db, apr_pool_t *p, const char *sid,
                              apr_time_t now, todo_result_t *res)
{
    (void)res;
    return todo_db_exec(db, p, TODO_SQL_SESSION_REVOKE, NULL,
                        TODO_ARGS(todo_time_format(p, now), sid));
}

apr_status_t todo_auth_session_live(todo_db_t *db, apr_pool_t *p,
                                    const char *sid, const char *user_id)
{
    todo_rows_t *rows;
    apr_status_t rv = todo_db_select(db, p, TODO_SQL_SESSION_PRINCIPAL, &rows,
                                     TODO_ARGS(sid, user_id));

    if (APR_SUCCESS != rv) {
        return rv;
    }
    return rows->nrows == 1 ? APR_SUCCESS : TODO_EAUTH;
}

apr_status_t todo_auth_revoke_user(todo_db_t *db, apr_pool_t *p,
                                   const char *user_id, apr_time_t now,
                                   int *prevoked)
{
    int n = 0;
    apr_status_t rv =
        todo_db_exec(db, p, TODO_SQL_SESSION_REVOKE_USER, &n,
                     TODO_ARGS(todo_time_format(p, now), user_id));

    if (prevoked) {
        *prevoked = APR_SUCCESS == rv ? n : 0;
    }
    return rv;
}

apr_status_t todo_auth_verify(apr_pool_t *p, const todo_auth_config_t *cfg,
                              const char *token, apr_time_t now,
                              todo_claims_t *claims, todo_jwt_error_t *perr,
                              todo_result_t *res)
{
    todo_jwt_error_t why = TODO_JWT_OK;
    apr_status_t rv;

    rv = todo_jwt_verify_cached(cfg->jwt_cache, p, &cfg->jwt, token,
                                (long)apr_time_sec(now), claims, &why);
    if (perr) {
        *perr = why;
    }
    if (APR_SUCCESS != rv) {
        res->auth_error = "invalid_token";
        res->auth_reason = todo_jwt_error_name(why);
        return todo_result_fail(res, TODO_EAUTH,
                                "Could not validate credentials");
    }
    return APR_SUCCESS;
}

apr_status_t todo_auth_fail_revoked(todo_result_t *res)
{
    res->auth_error = "invalid_token";
    res->auth_reason = "revoked";
    return todo_result_fail(res, TODO_EAUTH,
                            "Session revoked or user inactive");
}

apr_status_t todo_auth_authenticate(todo_db_t *db, apr_pool_t *p,
                                    const todo_auth_config_t *cfg,
                                    const char *token, apr_time_t now,
                                    todo_principal_t *out,
                                    todo_jwt_error_t *perr, todo_result_t *res)
{
    todo_claims_t claims;
    todo_rows_t *rows;
    apr_status_t rv;

    rv = todo_auth_verify(p, cfg, token, now, &claims, perr, res);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    rv = todo_db_select(db, p, TODO_SQL_SESSION_PRINCIPAL, &rows,
                        TODO_ARGS(claims.sid, claims.sub));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    if (rows->nrows != 1) {
        return todo_auth_fail_revoked(res);
    }
    out->user = todo_user_from_row(p, rows, 0, 0);
    out->sid = claims.sid;
    out->exp = claims.exp;
    return APR_SUCCESS;
}
