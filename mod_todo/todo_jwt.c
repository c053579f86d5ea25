/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "todo_json.h"
#include "todo_jwt.h"
#include "todo_result.h"
#include "todo_util.h"
#include "todo_uuid.h"

static const char *const alg_names[] = {"HS256", "HS384", "HS512"};
static const jwt_alg_t alg_libjwt[] = {JWT_ALG_HS256, JWT_ALG_HS384,
                                       JWT_ALG_HS512};

static const EVP_MD *alg_md(todo_jwt_alg_t alg)
{
    return alg == TODO_JWT_HS512   ? EVP_sha512()
           : alg == TODO_JWT_HS384 ? EVP_sha384()
                                   : EVP_sha256();
}

const char *todo_jwt_alg_name(todo_jwt_alg_t alg)
{
    return alg_names[alg];
}

apr_status_t todo_jwt_alg_parse(const char *name, todo_jwt_alg_t *palg)
{
    int i;

    for (i = 0; i < 3; ++i) {
        if (name && !strcmp(name, alg_names[i])) {
            *palg = (todo_jwt_alg_t)i;
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}

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

/* A NumericDate claim that must be a positive JSON integer: a missing
 * claim, a string or a float ("9999999999", 1e12) are all refused (0),
 * as with libjwt's reading (see shared/dependency-facts.md). */
static long numeric_date(json_t *claims, const char *name)
{
    json_t *v = json_object_get(claims, name);
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;

    return n > 0 && n <= LONG_MAX ? (long)n : 0;
}

/* A string claim, or NULL when missing or of another type. */
static const char *string_claim(json_t *claims, const char *name)
{
    return json_string_value(json_object_get(claims, name));
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
    unsigned char *raw;
    apr_size_t rawlen;
    json_t *header;
    const char *alg;
    int ok;

    if (len == strlen(issued[cfg->alg])
        && !memcmp(seg, issued[cfg->alg], len)) {
        return 1;
    }
    if (APR_SUCCESS
        != todo_b64url_decode(p, apr_pstrmemdup(p, seg, len), &raw, &rawlen)) {
        return 0;
    }
    header = json_loadb((const char *)raw, rawlen, 0, NULL);
    alg = json_string_value(json_object_get(header, "alg"));
    ok = json_is_object(header) && alg && !strcmp(alg, alg_names[cfg->alg])
         && !json_object_get(header, "crit");
    json_decref(header);
    return ok;
}

static int audience_matches(json_t *claims, const char *want)
{
    json_t *aud = json_object_get(claims, "aud"), *v;
    size_t i;
    int found = 0;

    if (json_is_string(aud)) {
        return !strcmp(json_string_value(aud), want);
    }
    /* Or an array of audiences. */
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), want)) {
            found = 1;
        }
    }
    return found;
}

static todo_jwt_error_t check_claims(apr_pool_t *p,
                                     const todo_jwt_config_t *cfg, json_t *jwt,
                                     long now, todo_claims_t *out)
{
    const char *jti = string_claim(jwt, "jti");
    long exp = numeric_date(jwt, "exp"), nbf = 0;

    if (exp == 0) {
        return TODO_JWT_BAD_CLAIMS;
    }
    if (json_object_get(jwt, "nbf") && (nbf = numeric_date(jwt, "nbf")) == 0) {
        return TODO_JWT_BAD_CLAIMS;
    }
    /* Subtract from now rather than add to exp: no overflow near LONG_MAX. */
    if (now - cfg->leeway >= exp) {
        return TODO_JWT_EXPIRED;
    }
    if (nbf && now + cfg->leeway < nbf) {
        return TODO_JWT_NOT_YET_VALID;
    }
    if (cfg->issuer) {
        const char *iss = string_claim(jwt, "iss");
        if (!iss || strcmp(iss, cfg->issuer)) {
            return TODO_JWT_BAD_ISSUER;
        }
    }
    if (cfg->audience && !audience_matches(jwt, cfg->audience)) {
        return TODO_JWT_BAD_AUDIENCE;
    }
    if (APR_SUCCESS != todo_uuid_parse(p, string_claim(jwt, "sub"), &out->sub)
        || APR_SUCCESS
               != todo_uuid_parse(p, string_claim(jwt, "sid"), &out->sid)) {
        return TODO_JWT_BAD_CLAIMS;
    }
    out->jti = jti ? apr_pstrdup(p, jti) : NULL;
    out->iat = numeric_date(jwt, "iat");
    out->exp = exp;
    return TODO_JWT_OK;
}

/*
 * The claims of a token whose header passed header_alg_ok(): the HMAC of
 * "header.claims" with the configured key and algorithm only (never one
 * the token names), compared in constant time with the signature, then
 * the claims segment parsed once. libjwt's jwt_decode() is not used here:
 * it takes the algorithm from the token, parses the header again and
 * builds a new HMAC context per call, most of an authenticated request's
 * cost (docs/performance.md).
 * @return the claims object (released with @a p), or NULL
 */
static json_t *verified_claims(apr_pool_t *p, const todo_jwt_config_t *cfg,
                               const char *token, const char *dot1,
                               const char *dot2)
{
    unsigned char mac[EVP_MAX_MD_SIZE], *sig, *raw;
    unsigned int mac_len = 0;
    apr_size_t sig_len, raw_len;
    json_t *claims;

    if (!cfg->key || cfg->key_len < TODO_JWT_MIN_SECRET
        || !HMAC(alg_md(cfg->alg), cfg->key, (int)cfg->key_len,
                 (const unsigned char *)token, (size_t)(dot2 - token), mac,
                 &mac_len)) {
        return NULL;
    }
    if (APR_SUCCESS != todo_b64url_decode(p, dot2 + 1, &sig, &sig_len)
        || sig_len != mac_len || CRYPTO_memcmp(sig, mac, mac_len)) {
        return NULL;
    }
    if (APR_SUCCESS
        != todo_b64url_decode(
            p, apr_pstrmemdup(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1)), &raw,
            &raw_len)) {
        return NULL;
    }
    claims =
        todo_json_pool_own(p, json_loadb((const char *)raw, raw_len, 0, NULL));
    return json_is_object(claims) ? claims : NULL;
}

static todo_jwt_error_t verify(apr_pool_t *p, const todo_jwt_config_t *cfg,
                               const char *token, long now, todo_claims_t *out)
{
    const char *dot1, *dot2, *c;
    json_t *claims;
    apr_size_t len;

    if (!token || (len = strlen(token)) == 0 || len > TODO_JWT_MAX_LEN) {
        return TODO_JWT_MALFORMED;
    }
    /* Exactly three segments of base64url: a JWE (five) or anything with
     * padding or spaces is refused before anything is decoded. */
    for (c = token; *c; ++c) {
        if (*c != '.' && *c != '-' && *c != '_' && !apr_isalnum(*c)) {
            return TODO_JWT_MALFORMED;
        }
    }
    dot1 = strchr(token, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    /* No empty segment either (libjwt 1.10, which this once went
     * through, wrote past a zero-size allocation for one). */
    if (!dot1 || !dot2 || strchr(dot2 + 1, '.') || dot1 == token
        || dot2 == dot1 + 1 || dot2[1] == '\0') {
        return TODO_JWT_MALFORMED;
    }
    /* Pin the algorithm: the header must name exactly the configured
     * one, and the signature is checked with that one only. */
    if (!header_alg_ok(p, cfg, token, (apr_size_t)(dot1 - token))) {
        return TODO_JWT_BAD_ALG;
    }
    claims = verified_claims(p, cfg, token, dot1, dot2);
    if (!claims) {
        /* A forged or tampered token, or claims that are not a JSON
         * object. */
        return TODO_JWT_BAD_SIGNATURE;
    }
    return check_claims(p, cfg, claims, now, out);
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
