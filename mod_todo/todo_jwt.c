/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>
#include <jwt.h>

#include "todo_json.h"
#include "todo_jwt.h"
#include "todo_result.h"
#include "todo_util.h"
#include "todo_uuid.h"

static const char *const alg_names[] = {"HS256", "HS384", "HS512"};
static const jwt_alg_t alg_libjwt[] = {JWT_ALG_HS256, JWT_ALG_HS384,
                                       JWT_ALG_HS512};

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

/* Decode one base64url segment holding a JSON object, owned by @a p. */
static json_t *segment_json(apr_pool_t *p, const char *seg, apr_size_t len)
{
    unsigned char *raw;
    apr_size_t rawlen;
    json_t *j;

    if (APR_SUCCESS
        != todo_b64url_decode(p, apr_pstrmemdup(p, seg, len), &raw, &rawlen)) {
        return NULL;
    }
    j = todo_json_pool_own(p, json_loadb((const char *)raw, rawlen, 0, NULL));
    return json_is_object(j) ? j : NULL;
}

/* A NumericDate claim: absent is 0, present must be a positive JSON
 * integer (libjwt would read "9999999999" or 1e12 as 0, see
 * shared/dependency-facts.md). */
static int numeric_date(json_t *claims, const char *name, long *pval)
{
    json_t *v = json_object_get(claims, name);

    *pval = 0;
    if (!v) {
        return 1;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        return 0;
    }
    *pval = (long)json_integer_value(v);
    return 1;
}

static int audience_matches(json_t *aud, const char *want)
{
    size_t i;
    json_t *v;

    if (json_is_string(aud)) {
        return !strcmp(json_string_value(aud), want);
    }
    if (json_is_array(aud)) {
        json_array_foreach(aud, i, v)
        {
            if (json_is_string(v) && !strcmp(json_string_value(v), want)) {
                return 1;
            }
        }
    }
    return 0;
}

static todo_jwt_error_t check_claims(apr_pool_t *p,
                                     const todo_jwt_config_t *cfg,
                                     json_t *claims, long now,
                                     todo_claims_t *out)
{
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    const char *sid = json_string_value(json_object_get(claims, "sid"));
    const char *jti = json_string_value(json_object_get(claims, "jti"));
    long exp, nbf, iat;

    if (!numeric_date(claims, "exp", &exp) || exp == 0
        || !numeric_date(claims, "nbf", &nbf)
        || !numeric_date(claims, "iat", &iat)) {
        return TODO_JWT_BAD_CLAIMS;
    }
    if (now >= exp + cfg->leeway) {
        return TODO_JWT_EXPIRED;
    }
    if (nbf && now + cfg->leeway < nbf) {
        return TODO_JWT_NOT_YET_VALID;
    }
    if (cfg->issuer) {
        const char *iss = json_string_value(json_object_get(claims, "iss"));
        if (!iss || strcmp(iss, cfg->issuer)) {
            return TODO_JWT_BAD_ISSUER;
        }
    }
    if (cfg->audience
        && !audience_matches(json_object_get(claims, "aud"), cfg->audience)) {
        return TODO_JWT_BAD_AUDIENCE;
    }
    if (APR_SUCCESS != todo_uuid_parse(p, sub, &out->sub)
        || APR_SUCCESS != todo_uuid_parse(p, sid, &out->sid)) {
        return TODO_JWT_BAD_CLAIMS;
    }
    out->jti = jti ? apr_pstrdup(p, jti) : NULL;
    out->iat = iat;
    out->exp = exp;
    return TODO_JWT_OK;
}

static todo_jwt_error_t verify(apr_pool_t *p, const todo_jwt_config_t *cfg,
                               const char *token, long now, todo_claims_t *out)
{
    const char *dot1, *dot2, *c;
    json_t *header, *claims;
    jwt_t *jwt = NULL;
    apr_size_t len;

    if (!token || (len = strlen(token)) == 0 || len > TODO_JWT_MAX_LEN) {
        return TODO_JWT_MALFORMED;
    }
    /* Exactly three segments of base64url: a JWE (five) or anything with
     * padding or spaces is refused here. */
    for (c = token; *c; ++c) {
        if (*c != '.' && *c != '-' && *c != '_' && !apr_isalnum(*c)) {
            return TODO_JWT_MALFORMED;
        }
    }
    dot1 = strchr(token, '.');
    dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot1 || !dot2 || strchr(dot2 + 1, '.') || dot2[1] == '\0') {
        return TODO_JWT_MALFORMED;
    }
    header = segment_json(p, token, (apr_size_t)(dot1 - token));
    if (!header) {
        return TODO_JWT_MALFORMED;
    }
    /* Pin the algorithm before libjwt, which takes it from the token. */
    c = json_string_value(json_object_get(header, "alg"));
    if (!c || strcmp(c, alg_names[cfg->alg])
        || json_object_get(header, "crit")) {
        return TODO_JWT_BAD_ALG;
    }
    if (!cfg->key || cfg->key_len < TODO_JWT_MIN_SECRET
        || jwt_decode(&jwt, token, cfg->key, (int)cfg->key_len) || !jwt) {
        return TODO_JWT_BAD_SIGNATURE;
    }
    apr_pool_cleanup_register(p, jwt, jwt_cleanup, apr_pool_cleanup_null);
    if (jwt_get_alg(jwt) != alg_libjwt[cfg->alg]) {
        return TODO_JWT_BAD_ALG;
    }
    claims = segment_json(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1));
    if (!claims) {
        return TODO_JWT_MALFORMED;
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
