/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_auth.h
 * @brief Login sessions and the tokens that carry them.
 *
 * A login creates a session row. Its access tokens are JWTs naming the
 * user (sub) and the session (sid); every request checks, in one query,
 * that the session is live and the user active, so logout and password
 * changes take effect at once.
 *
 * Refresh tokens are "<sid>.<generation>.<mac>", where mac is
 * base64url(HMAC-SHA256(refresh key, "<sid>.<generation>")) and the
 * refresh key is derived from the JWT secret (and one from each
 * verification secret checks tokens made before a rotation; the
 * successor is always made with the signing one). The database keeps only the
 * session's current generation: a refresh moves it on by one (a
 * compare-and-set, so two racing refreshes cannot both win), and a token
 * of an older generation is reuse, which revokes the whole session —
 * unless it is the immediate predecessor presented within the configured
 * grace window, which returns the same successor again.
 */
#ifndef TODO_AUTH_H
#define TODO_AUTH_H

#include <apr_pools.h>
#include <apr_time.h>

#include "todo_jwt.h"
#include "todo_jwt_cache.h"
#include "todo_result.h"
#include "todo_store.h"
#include "todo_user.h"

/** Longest refresh token accepted (checked before any parsing). */
#define TODO_REFRESH_MAX_LEN 256

/** Everything token handling needs; built once per process. */
typedef struct todo_auth_config_t {
    todo_jwt_config_t jwt;
    long access_ttl;    /**< seconds */
    long refresh_ttl;   /**< seconds, renewed by each refresh */
    long refresh_grace; /**< seconds; 0 = every reuse revokes */
    int bcrypt_cost;
    const char *dummy_hash; /**< bcrypt of a random password, same cost */
    unsigned char refresh_key[32]; /**< from jwt.key: signs and checks */
    /** From jwt.verify_keys: refresh tokens made before a rotation. */
    unsigned char verify_refresh_keys[TODO_JWT_MAX_VERIFY_KEYS][32];
    /** From jwt.key: hashes the keys of database rate limits. */
    unsigned char rate_key[32];
    /** The process's verified access tokens (NULL: none; see
     * todo_jwt_cache.h). */
    todo_jwt_cache_t *jwt_cache;
} todo_auth_config_t;

/** An issued pair. */
typedef struct todo_tokens_t {
    const char *access_token;
    const char *refresh_token;
    long expires_in;
} todo_tokens_t;

/** Who a valid access token belongs to. */
typedef struct todo_principal_t {
    todo_user_t *user;
    const char *sid;
    long exp; /**< the access token's expiry, seconds since the epoch */
} todo_principal_t;

/**
 * Finish @a cfg once its jwt member and TTLs are set: derive the refresh
 * keys and hash a random dummy password at bcrypt_cost (for logins of
 * unknown users). Takes one bcrypt's time.
 */
apr_status_t todo_auth_config_init(apr_pool_t *p, todo_auth_config_t *cfg);

/** A login attempt: the account its login names, found before any
 * bcrypt work so that the per-account limit can count it first. */
typedef struct todo_login_t {
    todo_user_t *user;   /**< NULL: no such account */
    const char *hash;    /**< its password hash */
    const char *account; /**< what the per-account limit counts: the
                          * user's id (so its username and email share
                          * one budget), else the login lowercased */
} todo_login_t;

/** A login session, by its user and id. */
typedef struct todo_session_ref_t {
    const char *user_id;
    const char *sid;
} todo_session_ref_t;

/**
 * Find the account @a login (a username or an email, any case) names.
 * @return APR_SUCCESS (also when there is none: out->user NULL), or
 *         TODO_EDB
 */
apr_status_t todo_auth_login_find(todo_db_t *db, apr_pool_t *p,
                                  const char *login, todo_login_t *out);

/**
 * Check the password of @a attempt (from todo_auth_login_find()) and open
 * a session. Unknown users are checked against the dummy hash so both
 * failures take the same bcrypt time and give the same answer:
 * TODO_EAUTH "Incorrect username or password".
 */
apr_status_t todo_auth_login(todo_db_t *db, apr_pool_t *p,
                             const todo_auth_config_t *cfg,
                             const todo_login_t *attempt, const char *password,
                             apr_time_t now, todo_tokens_t *out,
                             todo_result_t *res);

/**
 * Rotate a refresh token (see the file comment).
 * @param revoked set (user_id non-NULL) when the token was a spent one
 *        and its whole session was revoked for it: the caller must end
 *        what else that session holds (its live streams)
 */
apr_status_t todo_auth_refresh(todo_db_t *db, apr_pool_t *p,
                               const todo_auth_config_t *cfg,
                               const char *refresh_token, apr_time_t now,
                               todo_tokens_t *out, todo_session_ref_t *revoked,
                               todo_result_t *res);

/** Revoke session @a sid. */
apr_status_t todo_auth_logout(todo_db_t *db, apr_pool_t *p, const char *sid,
                              apr_time_t now, todo_result_t *res);

/**
 * Check an access token's JWT alone (signature, algorithm, every claim),
 * for a read whose own statement checks the session (todo_task_get(),
 * todo_task_list()): one round trip instead of two.
 * @param perr receives the JWT refusal reason; may be NULL
 * @return APR_SUCCESS with @a claims set, or TODO_EAUTH (with
 *         res->auth_error "invalid_token")
 */
apr_status_t todo_auth_verify(apr_pool_t *p, const todo_auth_config_t *cfg,
                              const char *token, apr_time_t now,
                              todo_claims_t *claims, todo_jwt_error_t *perr,
                              todo_result_t *res);

/**
 * Record the refusal of a token whose session is revoked or whose user
 * is inactive or gone: 401, reason "revoked".
 * @return TODO_EAUTH
 */
apr_status_t todo_auth_fail_revoked(todo_result_t *res);

/**
 * Check an access token: every JWT rule, then one query that the session
 * is live and the user exists and is active.
 * @param perr receives the JWT refusal reason; may be NULL
 * @return APR_SUCCESS, TODO_EAUTH (with res->auth_error "invalid_token")
 *         or TODO_EDB
 */
apr_status_t todo_auth_authenticate(todo_db_t *db, apr_pool_t *p,
                                    const todo_auth_config_t *cfg,
                                    const char *token, apr_time_t now,
                                    todo_principal_t *out,
                                    todo_jwt_error_t *perr, todo_result_t *res);

/**
 * Is session @a sid of @a user_id still live (not revoked or expired, its
 * user active)? The same query every request's token check makes.
 * @return APR_SUCCESS, TODO_EAUTH if not, or TODO_EDB
 */
apr_status_t todo_auth_session_live(todo_db_t *db, apr_pool_t *p,
                                    const char *sid, const char *user_id);

/**
 * Revoke every session of the user @a user_id (todoctl user revoke): its
 * access and refresh tokens are refused from now on, and its live streams
 * end at their next heartbeat. The user may log in again.
 * @param prevoked receives how many sessions were revoked; may be NULL
 * @return APR_SUCCESS or TODO_EDB
 */
apr_status_t todo_auth_revoke_user(todo_db_t *db, apr_pool_t *p,
                                   const char *user_id, apr_time_t now,
                                   int *prevoked);

/** Make the refresh token of (@a sid, @a generation). */
const char *todo_auth_refresh_token(apr_pool_t *p,
                                    const todo_auth_config_t *cfg,
                                    const char *sid, apr_int64_t generation);

/**
 * Parse and authenticate a refresh token's shape and MAC.
 * @return APR_SUCCESS with *psid and *pgeneration, or TODO_EAUTH
 */
apr_status_t todo_auth_refresh_parse(apr_pool_t *p,
                                     const todo_auth_config_t *cfg,
                                     const char *token, const char **psid,
                                     apr_int64_t *pgeneration);

#endif /* TODO_AUTH_H */
