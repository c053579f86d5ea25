/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_encode.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>
#include <jwt.h>

#include "todo_json.h"
#include "todo_jwt.h"
#include "todo_result.h"
#include "todo_util.h"
#include "todo_uuid.h"

const char *const todo_jwt_alg_names[] = {"HS256", "HS384", "HS512", NULL};
static const jwt_alg_t alg_libjwt[] = {JWT_ALG_HS256, JWT_ALG_HS384,
                                       JWT_ALG_HS512};

const char *todo_jwt_error_name(todo_jwt_error_t err)
{
    static const char *const names[] = {
        "ok",        "malformed",     "bad_alg",    "bad_signature",
        "expired",   "not_yet_valid", "bad_issuer", "bad_audience",
        "bad_claims"};
    return names[err];
}

static apr_status_t jwt_cleanup(void *data)
{
    jwt_free((jwt_t *)data);
    return APR_SUCCESS;
}

apr_status_t todo_jwt_sign(apr_pool_t *p, const todo_jwt_config_t *cfg,
                           const todo_claims_t *claims, const char **ptoken)
{
    jwt_t *jwt = NULL;
    char *token;
    int rc;

    if (jwt_new(&jwt)) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, jwt, jwt_cleanup, apr_pool_cleanup_null);
    rc = jwt_set_alg(jwt, alg_libjwt[cfg->alg], cfg->key, (int)cfg->key_len);
    rc = rc ? rc : jwt_add_grant(jwt, "sub", claims->sub);
    rc = rc ? rc : jwt_add_grant(jwt, "sid", claims->sid);
    rc = rc ? rc : jwt_add_grant(jwt, "jti", claims->jti);
    rc = rc ? rc : jwt_add_grant_int(jwt, "iat", claims->iat);
    rc = rc ? rc : jwt_add_grant_int(jwt, "exp", claims->exp);
    if (!rc && cfg->issuer) {
        rc = jwt_add_grant(jwt, "iss", cfg->issuer);
    }
    if (!rc && cfg->audience) {
        rc = jwt_add_grant(jwt, "aud", cfg->audience);
    }
    if (rc) {
        return APR_EGENERAL;
    }
    token = jwt_encode_str(jwt);
    if (!token) {
        return APR_EGENERAL;
    }
    *ptoken = apr_pstrdup(p, token);
    free(token);
    return APR_SUCCESS;
}

/* A NumericDate claim that must be a positive JSON integer. libjwt reads
 * a missing claim as -1 and a string or float ("9999999999", 1e12) as 0
 * (see shared/dependency-facts.md), so anything <= 0 is refused. */
static long numeric_date(jwt_t *jwt, const char *name)
{
    long v = jwt_get_grant_int(jwt, name);
    return v > 0 ? v : 0;
}

/* Is an optional claim present at all, whatever its type? */
static int has_claim(jwt_t *jwt, const char *name)
{
    char *json = jwt_get_grants_json(jwt, name);

    free(json);
    return json != NULL;
}

/* The header segment must be a JSON object whose "alg" is exactly the
 * configured algorithm and which asks for no extension ("crit"): "none",
 * "hs256", HS512 with HS256 configured, RS256 all fail here. */
static int header_alg_ok(apr_pool_t *p, const todo_jwt_config_t *cfg,
                         const char *seg, apr_size_t len)
{
    /* The header todo_jwt_sign() writes ({"alg":"HS256","typ":"JWT"}
     * through libjwt), base64url: every token we issued has it, so it
     * needs no parsing. Anything else is parsed and checked below. */
    static const char *const issued[] = {
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9",
        "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9"};
    const unsigned char *raw;
    apr_size_t rawlen = 0;
    json_t *header;
    const char *alg;
    int ok;

    if (len == strlen(issued[cfg->alg])
        && !memcmp(seg, issued[cfg->alg], len)) {
        return 1;
    }
    /* verify() has let only base64url's alphabet through. */
    raw = apr_pdecode_base64_binary(p, seg, (apr_ssize_t)len,
                                    APR_ENCODE_BASE64URL, &rawlen);
    if (!raw) {
        return 0;
    }
    header = json_loadb((const char *)raw, rawlen, 0, NULL);
    alg = json_string_value(json_object_get(header, "alg"));
    ok = json_is_object(header) && alg
         && !strcmp(alg, todo_jwt_alg_names[cfg->alg])
         && !json_object_get(header, "crit");
    json_decref(header);
    return ok;
}

static int audience_matches(jwt_t *jwt, const char *want)
{
    const char *aud = jwt_get_grant(jwt, "aud");
    char *json;
    json_t *arr, *v;
    size_t i;
    int found = 0;

    if (aud) {
        return !strcmp(aud, want);
    }
    /* An array of audiences: the only case that needs parsing. */
    json = jwt_get_grants_json(jwt, "aud");
    arr = json ? json_loads(json, 0, NULL) : NULL;
    free(json);
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), want)) {
            found = 1;
        }
    }
    json_decref(arr);
    return found;
}

todo_jwt_error_t todo_jwt_check_times(const todo_jwt_config_t *cfg, long now,
                                      long exp, long nbf, long iat)
{
    /* Subtract from now rather than add to exp: no overflow near LONG_MAX. */
    if (now - cfg->leeway >= exp) {
        return TODO_JWT_EXPIRED;
    }
    /* A token issued in the future (beyond the leeway) was not issued by
     * a server with a sane clock, nor by us: not valid yet either. */
    if ((nbf && now + cfg->leeway < nbf) || (iat && now + cfg->leeway < iat)) {
        return TODO_JWT_NOT_YET_VALID;
    }
    return TODO_JWT_OK;
}

static todo_jwt_error_t check_claims(apr_pool_t *p,
                                     const todo_jwt_config_t *cfg, jwt_t *jwt,
                                     long now, todo_claims_t *out)
{
    const char *jti = jwt_get_grant(jwt, "jti");
    long exp = numeric_date(jwt, "exp"), nbf = 0, iat = 0;
    todo_jwt_error_t err;

    if (exp == 0) {
        return TODO_JWT_BAD_CLAIMS;
    }
    if (has_claim(jwt, "nbf") && (nbf = numeric_date(jwt, "nbf")) == 0) {
        return TODO_JWT_BAD_CLAIMS;
    }
    if (has_claim(jwt, "iat") && (iat = numeric_date(jwt, "iat")) == 0) {
        return TODO_JWT_BAD_CLAIMS;
    }
    err = todo_jwt_check_times(cfg, now, exp, nbf, iat);
    if (err != TODO_JWT_OK) {
        return err;
    }
    if (cfg->issuer) {
        const char *iss = jwt_get_grant(jwt, "iss");
        if (!iss || strcmp(iss, cfg->issuer)) {
            return TODO_JWT_BAD_ISSUER;
        }
    }
    if (cfg->audience && !audience_matches(jwt, cfg->audience)) {
        return TODO_JWT_BAD_AUDIENCE;
    }
    if (APR_SUCCESS != todo_uuid_parse(p, jwt_get_grant(jwt, "sub"), &out->sub)
        || APR_SUCCESS
               != todo_uuid_parse(p, jwt_get_grant(jwt, "sid"), &out->sid)) {
        return TODO_JWT_BAD_CLAIMS;
    }
    out->jti = jti ? apr_pstrdup(p, jti) : NULL;
    out->iat = iat;
    out->exp = exp;
    out->nbf = nbf;
    return TODO_JWT_OK;
}

/* libjwt verifies while it decodes: try the signing key, then each
 * verification key. Keys shorter than the minimum are never used. */
static int decode_with_any_key(const todo_jwt_config_t *cfg, const char *token,
                               jwt_t **pjwt)
{
    int i;

    if (cfg->key && cfg->key_len >= TODO_JWT_MIN_SECRET
        && !jwt_decode(pjwt, token, cfg->key, (int)cfg->key_len) && *pjwt) {
        return 1;
    }
    for (i = 0; i < cfg->n_verify_keys && i < TODO_JWT_MAX_VERIFY_KEYS; ++i) {
        const todo_jwt_key_t *k = &cfg->verify_keys[i];

        *pjwt = NULL;
        if (k->bytes && k->len >= TODO_JWT_MIN_SECRET
            && !jwt_decode(pjwt, token, k->bytes, (int)k->len) && *pjwt) {
            return 1;
        }
    }
    return 0;
}

static todo_jwt_error_t verify(apr_pool_t *p, const todo_jwt_config_t *cfg,
                               const char *token, long now, todo_claims_t *out)
{
    const char *dot1, *dot2, *c, *alg;
    jwt_t *jwt = NULL;
    apr_size_t len;

    if (!token || (len = strlen(token)) == 0 || len > TODO_JWT_MAX_LEN) {
        return TODO_JWT_MALFORMED;
    }
    /* Exactly three segments of base64url: a JWE (five) or anything with
     * padding or spaces is refused before libjwt decodes (on its stack). */
    for (c = token; *c; ++c) {
        if (*c != '.' && *c != '-' && *c != '_' && !apr_isalnum(*c)) {
            return TODO_JWT_MALFORMED;
        }
    }
    dot1 = strchr(token, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    /* No empty segment either: libjwt 1.10 mishandles them (a zero-size
     * allocation written past its end). */
    if (!dot1 || !dot2 || strchr(dot2 + 1, '.') || dot1 == token
        || dot2 == dot1 + 1 || dot2[1] == '\0') {
        return TODO_JWT_MALFORMED;
    }
    /* Pin the algorithm before libjwt, which takes it from the token
     * (case-insensitively) and would try whatever it names. */
    if (!header_alg_ok(p, cfg, token, (apr_size_t)(dot1 - token))) {
        return TODO_JWT_BAD_ALG;
    }
    if (!decode_with_any_key(cfg, token, &jwt)) {
        /* A forged or tampered token, one signed with a retired secret,
         * or one whose alg libjwt cannot verify with an HMAC key. */
        return TODO_JWT_BAD_SIGNATURE;
    }
    apr_pool_cleanup_register(p, jwt, jwt_cleanup, apr_pool_cleanup_null);
    /* And check again what libjwt itself verified with. */
    alg = jwt_get_header(jwt, "alg");
    if (!alg || strcmp(alg, todo_jwt_alg_names[cfg->alg])
        || jwt_get_alg(jwt) != alg_libjwt[cfg->alg]) {
        return TODO_JWT_BAD_ALG;
    }
    return check_claims(p, cfg, jwt, now, out);
}

apr_status_t todo_jwt_verify(apr_pool_t *p, const todo_jwt_config_t *cfg,
                             const char *token, long now,
                             todo_claims_t *pclaims, todo_jwt_error_t *perr)
{
    todo_claims_t claims = {0};
    todo_jwt_error_t err = verify(p, cfg, token, now, &claims);

    if (perr) {
        *perr = err;
    }
    if (err != TODO_JWT_OK) {
        return TODO_EAUTH;
    }
    *pclaims = claims;
    return APR_SUCCESS;
}
