/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_jwt.h
 * @brief Access tokens: HS256/384/512 JWTs signed and checked through
 * libjwt 1.10, with every rule of the contract checked here because
 * libjwt 1.10 checks none of them.
 *
 * The rules:
 *  - the header's "alg" must be exactly the configured one ("none" and
 *    every other algorithm are refused before libjwt sees the token, and
 *    libjwt's own view of the alg is checked again after);
 *  - the signature must verify with the signing key or one of the
 *    verification keys (a rotation's previous secret: tokens signed with
 *    it stay valid until they expire, new ones are signed with the new);
 *  - "exp" must be a JSON integer in the future (with leeway);
 *  - "nbf", when present, a JSON integer not in the future (with leeway);
 *  - "iat", when present, likewise;
 *  - "iss" and "aud" must match when configured;
 *  - "sub" and "sid" must be UUIDs.
 *
 * The clock is a parameter, so tests fix it.
 */
#ifndef TODO_JWT_H
#define TODO_JWT_H

#include <apr_pools.h>

/** Longest token accepted; libjwt decodes segments on the stack. */
#define TODO_JWT_MAX_LEN 4096
/** Shortest HMAC secret accepted, in bytes. */
#define TODO_JWT_MIN_SECRET 32

/** Most keys accepted besides the signing key (TodoJWTVerifySecretFile):
 * a forged token costs at most this many more HMACs. */
#define TODO_JWT_MAX_VERIFY_KEYS 3

/** An HMAC key. */
typedef struct todo_jwt_key_t {
    const unsigned char *bytes; /**< at least TODO_JWT_MIN_SECRET of them */
    apr_size_t len;
} todo_jwt_key_t;

/** The algorithms the module can be configured with. */
typedef enum { TODO_JWT_HS256, TODO_JWT_HS384, TODO_JWT_HS512 } todo_jwt_alg_t;

/** Signing and checking parameters, built once per process. */
typedef struct todo_jwt_config_t {
    todo_jwt_alg_t alg;
    const unsigned char *key; /**< signs and verifies: at least
                               * TODO_JWT_MIN_SECRET bytes */
    apr_size_t key_len;
    /** Also accepted when verifying, tried in order after key. */
    todo_jwt_key_t verify_keys[TODO_JWT_MAX_VERIFY_KEYS];
    int n_verify_keys;
    const char *issuer;   /**< NULL: not issued, not checked */
    const char *audience; /**< NULL: not issued, not checked */
    long leeway;          /**< seconds of clock skew tolerated */
} todo_jwt_config_t;

/** The claims the module issues and reads. */
typedef struct todo_claims_t {
    const char *sub; /**< user id */
    const char *sid; /**< login session id */
    const char *jti; /**< token id */
    long iat;        /**< 0: none */
    long exp;
    long nbf; /**< 0: none */
} todo_claims_t;

/** Why a token was refused: a stable word for logs and metrics. */
typedef enum {
    TODO_JWT_OK = 0,
    TODO_JWT_MALFORMED,
    TODO_JWT_BAD_ALG,
    TODO_JWT_BAD_SIGNATURE,
    TODO_JWT_EXPIRED,
    TODO_JWT_NOT_YET_VALID,
    TODO_JWT_BAD_ISSUER,
    TODO_JWT_BAD_AUDIENCE,
    TODO_JWT_BAD_CLAIMS
} todo_jwt_error_t;

/** The algorithms' names by todo_jwt_alg_t ("HS256", "HS384", "HS512"),
 * then NULL: also the words TodoJWTAlgorithm takes. */
extern const char *const todo_jwt_alg_names[];

/** @return the stable word for @a err ("expired", "bad_signature", ...) */
const char *todo_jwt_error_name(todo_jwt_error_t err);

/**
 * Sign @a claims (plus iss/aud from @a cfg when set).
 * @param ptoken receives the compact JWT, allocated from @a p
 * @return APR_SUCCESS, or APR_EGENERAL if libjwt failed
 */
apr_status_t todo_jwt_sign(apr_pool_t *p, const todo_jwt_config_t *cfg,
                           const todo_claims_t *claims, const char **ptoken);

/**
 * Check @a token against every rule above at time @a now (Unix seconds).
 * @param pclaims receives the claims (strings from @a p) on success
 * @param perr receives why the token was refused; may be NULL
 * @return APR_SUCCESS, or TODO_EAUTH (todo_result.h) if refused
 */
apr_status_t todo_jwt_verify(apr_pool_t *p, const todo_jwt_config_t *cfg,
                             const char *token, long now,
                             todo_claims_t *pclaims, todo_jwt_error_t *perr);

/**
 * The checks of a token's times at @a now, with the configured leeway:
 * TODO_JWT_EXPIRED at or after exp, TODO_JWT_NOT_YET_VALID before nbf or
 * iat (0: absent), else TODO_JWT_OK. Part of todo_jwt_verify(), which
 * applies it after the signature and before iss/aud.
 */
todo_jwt_error_t todo_jwt_check_times(const todo_jwt_config_t *cfg, long now,
                                      long exp, long nbf, long iat);

#endif /* TODO_JWT_H */
