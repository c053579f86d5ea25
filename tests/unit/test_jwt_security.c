/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * Attacks on access tokens, one test per attack, in the manner of libjwt's
 * tests/jwt_alg_downgrade.c: each opens with the bug it pins.
 *
 * Tokens are forged by hand (base64url + OpenSSL HMAC) rather than with
 * libjwt, so a forgery never depends on the library under suspicion.
 * Every forgery differs from test_forged_control_is_accepted in exactly
 * the one thing its name says.
 */

#include <string.h>

#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "test_common.h"
#include "todo_jwt.h"
#include "todo_result.h"

#define KEY "0123456789abcdef0123456789abcdef"
#define OTHER_KEY "fedcba9876543210fedcba9876543210"
#define SUB "0192a6e4-7c2b-7def-8abc-0123456789ab"
#define SID "0192a6e4-7c2b-7def-8abc-0123456789ac"

#define HDR_HS256 "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* The claims of a good token at TS_CONST, with @a extra members. */
#define CLAIMS(extra)                                                          \
    "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"jti\":\"j1\","                 \
    "\"iat\":1475980545" extra "}"
#define EXP_OK ",\"exp\":1475981445" /* TS_CONST + 900 */

const char *ts_b64url(apr_pool_t *p, const void *data, apr_size_t len)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *d = data;
    char *out = apr_palloc(p, len / 3 * 4 + 5), *o = out;
    apr_size_t i;

    for (i = 0; i < len; i += 3) {
        unsigned long v = (unsigned long)d[i] << 16;
        apr_size_t left = len - i;
        if (left > 1) {
            v |= (unsigned long)d[i + 1] << 8;
        }
        if (left > 2) {
            v |= d[i + 2];
        }
        *o++ = abc[(v >> 18) & 63];
        *o++ = abc[(v >> 12) & 63];
        if (left > 1) {
            *o++ = abc[(v >> 6) & 63];
        }
        if (left > 2) {
            *o++ = abc[v & 63];
        }
    }
    *o = '\0';
    return out;
}

const char *ts_jwt_forge(apr_pool_t *p, const char *header, const char *claims,
                         const char *md, const unsigned char *key,
                         apr_size_t key_len)
{
    const char *input =
        apr_pstrcat(p, ts_b64url(p, header, strlen(header)), ".",
                    ts_b64url(p, claims, strlen(claims)), NULL);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    if (!md) {
        return apr_pstrcat(p, input, ".", NULL);
    }
    assert_non_null(HMAC(EVP_get_digestbyname(md), key, (int)key_len,
                         (const unsigned char *)input, strlen(input), mac,
                         &mac_len));
    return apr_pstrcat(p, input, ".", ts_b64url(p, mac, mac_len), NULL);
}

static const todo_jwt_config_t cfg = {.alg = TODO_JWT_HS256,
                                      .key = (const unsigned char *)KEY,
                                      .key_len = sizeof(KEY) - 1};

static const char *forge(apr_pool_t *p, const char *header, const char *claims)
{
    return ts_jwt_forge(p, header, claims, "sha256", (const unsigned char *)KEY,
                        sizeof(KEY) - 1);
}

/* Verify @a token with @a c at TS_CONST; it must be refused for @a why. */
static void refused_with(apr_pool_t *p, const todo_jwt_config_t *c,
                         const char *token, todo_jwt_error_t why)
{
    todo_claims_t claims;
    todo_jwt_error_t err = TODO_JWT_OK;
    apr_status_t rv;

    memset(&claims, 0, sizeof(claims));
    rv = todo_jwt_verify(p, c, token, TS_CONST, &claims, &err);
    if (TODO_EAUTH != rv || err != why) {
        fail_msg("token %.200s: status %d, reason %s; wanted TODO_EAUTH, %s",
                 token ? token : "(null)", rv, todo_jwt_error_name(err),
                 todo_jwt_error_name(why));
    }
    assert_null(claims.sub);
}

static void refused(apr_pool_t *p, const char *token, todo_jwt_error_t why)
{
    refused_with(p, &cfg, token, why);
}

/* Refused, for whatever reason: where the header leaves the word open. */
static void refused_any(apr_pool_t *p, const char *token)
{
    todo_claims_t claims;
    todo_jwt_error_t err = TODO_JWT_OK;
    apr_status_t rv;

    memset(&claims, 0, sizeof(claims));
    rv = todo_jwt_verify(p, &cfg, token, TS_CONST, &claims, &err);
    if (TODO_EAUTH != rv || err == TODO_JWT_OK) {
        fail_msg("token %.200s: status %d, reason %s; wanted a refusal",
                 token ? token : "(null)", rv, todo_jwt_error_name(err));
    }
    assert_null(claims.sub);
}

/*
 * The control: a token forged by hand exactly as todo_jwt_sign would make
 * it is accepted. Without this, every refusal below could be the forging
 * code's fault rather than the checker's merit.
 */
static void test_forged_control_is_accepted(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_claims_t claims;
    todo_jwt_error_t err = TODO_JWT_MALFORMED;

    assert_int_equal(APR_SUCCESS,
                     todo_jwt_verify(p, &cfg,
                                     forge(p, HDR_HS256, CLAIMS(EXP_OK)),
                                     TS_CONST, &claims, &err));
    assert_int_equal(TODO_JWT_OK, err);
    assert_string_equal(SUB, claims.sub);
    assert_string_equal(SID, claims.sid);
    /* Header without "typ" is fine too. */
    assert_int_equal(
        APR_SUCCESS,
        todo_jwt_verify(p, &cfg,
                        forge(p, "{\"alg\":\"HS256\"}", CLAIMS(EXP_OK)),
                        TS_CONST, &claims, NULL));
}

/*
 * alg "none": an unsigned token whose header says "none" must not be
 * taken as verified. libjwt 1.10 accepts it whenever it is called without
 * a key, and reports the alg as none.
 */
static void test_alg_none(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const char *const headers[] = {
        "{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"alg\":\"None\"}",
        "{\"alg\":\"NONE\"}", "{\"alg\":\"nOnE\"}"};
    apr_size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); ++i) {
        /* The canonical form: an empty signature segment. */
        refused(p, ts_jwt_forge(p, headers[i], CLAIMS(EXP_OK), NULL, NULL, 0),
                TODO_JWT_MALFORMED);
        /* And with a signature anyway, made with the right key. */
        refused_any(p, forge(p, headers[i], CLAIMS(EXP_OK)));
    }
}

/*
 * alg downgrade / other alg: libjwt takes the algorithm from the token, so
 * a token HMAC'd with our own secret under HS512 (or HS384) verifies in
 * libjwt although the service is pinned to HS256. The header's alg must
 * be exactly the configured one.
 */
static void test_alg_other_hmac_same_key(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const unsigned char *key = (const unsigned char *)KEY;

    refused(p,
            ts_jwt_forge(p, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
                         CLAIMS(EXP_OK), "sha512", key, sizeof(KEY) - 1),
            TODO_JWT_BAD_ALG);
    refused(p,
            ts_jwt_forge(p, "{\"alg\":\"HS384\",\"typ\":\"JWT\"}",
                         CLAIMS(EXP_OK), "sha384", key, sizeof(KEY) - 1),
            TODO_JWT_BAD_ALG);
}

/*
 * alg downgrade, the other way: a service pinned to HS512 must not take
 * an HS256 token made with its key (the weaker MAC).
 */
static void test_alg_downgrade_from_hs512(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t c = cfg;
    todo_claims_t claims;

    c.alg = TODO_JWT_HS512;
    refused_with(p, &c, forge(p, HDR_HS256, CLAIMS(EXP_OK)), TODO_JWT_BAD_ALG);
    /* Control: the HS512 token is fine there. */
    assert_int_equal(
        APR_SUCCESS,
        todo_jwt_verify(p, &c,
                        ts_jwt_forge(p, "{\"alg\":\"HS512\"}", CLAIMS(EXP_OK),
                                     "sha512", (const unsigned char *)KEY,
                                     sizeof(KEY) - 1),
                        TS_CONST, &claims, NULL));
}

/*
 * Key confusion: an RS256/ES256 header whose "signature" is an HMAC with
 * the secret (the classic attack on libraries that verify an asymmetric
 * alg with whatever key they hold).
 */
static void test_alg_asymmetric_header_with_hmac(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused_any(
        p, forge(p, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", CLAIMS(EXP_OK)));
    refused_any(p, forge(p, "{\"alg\":\"ES256\"}", CLAIMS(EXP_OK)));
    refused_any(p, forge(p, "{\"alg\":\"PS256\"}", CLAIMS(EXP_OK)));
}

/*
 * Lowercase "hs256": libjwt compares the alg name case-insensitively, so
 * a correctly signed token with "hs256" verifies in libjwt. RFC 7515
 * names are case-sensitive; it must be refused.
 */
static void test_alg_lowercase(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused(p, forge(p, "{\"alg\":\"hs256\",\"typ\":\"JWT\"}", CLAIMS(EXP_OK)),
            TODO_JWT_BAD_ALG);
    refused(p, forge(p, "{\"alg\":\"Hs256\"}", CLAIMS(EXP_OK)),
            TODO_JWT_BAD_ALG);
    refused_any(p, forge(p, "{\"alg\":\"HS256 \"}", CLAIMS(EXP_OK)));
}

/* alg missing, or not a string: never a default. */
static void test_alg_missing_or_not_string(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused_any(p, forge(p, "{\"typ\":\"JWT\"}", CLAIMS(EXP_OK)));
    refused_any(p, forge(p, "{\"alg\":[\"HS256\"]}", CLAIMS(EXP_OK)));
    refused_any(p, forge(p, "{\"alg\":null}", CLAIMS(EXP_OK)));
    /* Duplicate members: jansson keeps the last, and so must we. */
    refused_any(
        p, forge(p, "{\"alg\":\"HS256\",\"alg\":\"none\"}", CLAIMS(EXP_OK)));
}

/*
 * The header's own promise (todo_jwt.h): "none" and every other
 * algorithm are refused *before libjwt sees the token*, as bad_alg. The
 * verifier now hands the token to jwt_decode() first, so libjwt parses
 * attacker-chosen algorithms (RS256 with the HMAC secret as its "public
 * key", "none" with a key) and these come back as bad_signature: still
 * refused, but the defence in depth is gone and the log/metric word
 * hides alg-confusion attempts among forged signatures.
 */
static void test_alg_refused_before_libjwt(void **state)
{
    static const char *const headers[] = {
        "{\"alg\":\"none\"}",  "{\"alg\":\"RS256\"}",
        "{\"alg\":\"ES256\"}", "{\"alg\":\"HS256 \"}",
        "{\"typ\":\"JWT\"}",   "{\"alg\":[\"HS256\"]}",
        "{\"alg\":null}",      "{\"alg\":\"HS256\",\"alg\":\"none\"}",
    };
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i;
    int wrong = 0;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); ++i) {
        todo_claims_t claims;
        todo_jwt_error_t err = TODO_JWT_OK;
        apr_status_t rv =
            todo_jwt_verify(p, &cfg, forge(p, headers[i], CLAIMS(EXP_OK)),
                            TS_CONST, &claims, &err);
        assert_int_equal(TODO_EAUTH, rv);
        if (err != TODO_JWT_BAD_ALG) {
            print_error("header %s: reason %s, wanted bad_alg\n", headers[i],
                        todo_jwt_error_name(err));
            ++wrong;
        }
    }
    assert_int_equal(0, wrong);
}

/* Wrong key: a well-formed HS256 token made with another secret. */
static void test_wrong_key(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused(p,
            ts_jwt_forge(p, HDR_HS256, CLAIMS(EXP_OK), "sha256",
                         (const unsigned char *)OTHER_KEY,
                         sizeof(OTHER_KEY) - 1),
            TODO_JWT_BAD_SIGNATURE);
    /* A key that is ours plus one byte is another key. */
    refused(p,
            ts_jwt_forge(p, HDR_HS256, CLAIMS(EXP_OK), "sha256",
                         (const unsigned char *)KEY "x", sizeof(KEY)),
            TODO_JWT_BAD_SIGNATURE);
}

/*
 * Tampered payload: claims re-encoded (another user, a later expiry) with
 * the original signature kept. Also a signature truncated or extended.
 */
static void test_tampered_payload(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *good = forge(p, HDR_HS256, CLAIMS(EXP_OK));
    const char *sig = strrchr(good, '.');
    const char *evil =
        "{\"sub\":\"0192a6e4-7c2b-7def-8abc-ffffffffffff\",\"sid\":\"" SID
        "\",\"jti\":\"j1\",\"iat\":1475980545,\"exp\":1475981445}";
    const char *later = CLAIMS(",\"exp\":9475981445");
    const char *h = ts_b64url(p, HDR_HS256, strlen(HDR_HS256));

    refused(p,
            apr_pstrcat(p, h, ".", ts_b64url(p, evil, strlen(evil)), sig, NULL),
            TODO_JWT_BAD_SIGNATURE);
    refused(
        p,
        apr_pstrcat(p, h, ".", ts_b64url(p, later, strlen(later)), sig, NULL),
        TODO_JWT_BAD_SIGNATURE);
    /* The signature cut short by one character, or one longer. */
    refused(p, apr_pstrndup(p, good, strlen(good) - 1), TODO_JWT_BAD_SIGNATURE);
    refused(p, apr_pstrcat(p, good, "A", NULL), TODO_JWT_BAD_SIGNATURE);
}

/* Expired: exp in the past, and exp exactly now (exp is exclusive). */
static void test_expired(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t c = cfg;
    todo_claims_t claims;

    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":1475980544")),
            TODO_JWT_EXPIRED);
    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":1475980545")),
            TODO_JWT_EXPIRED);
    /* With 30 s of leeway a token 29 s past exp passes, 30 s does not. */
    c.leeway = 30;
    assert_int_equal(
        APR_SUCCESS,
        todo_jwt_verify(p, &c,
                        forge(p, HDR_HS256, CLAIMS(",\"exp\":1475980516")),
                        TS_CONST, &claims, NULL));
    refused_with(p, &c, forge(p, HDR_HS256, CLAIMS(",\"exp\":1475980515")),
                 TODO_JWT_EXPIRED);
}

/*
 * exp as a string "9999999999": libjwt's jwt_get_grant_int reads it as 0,
 * which a careless "exp > 0 && exp < now" check takes as "no expiry".
 * NumericDate is a JSON number; a string is refused.
 */
static void test_exp_as_string(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":\"9999999999\"")),
            TODO_JWT_BAD_CLAIMS);
}

/* exp as a float 1e12: read as 0 by libjwt as well. */
static void test_exp_as_float(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":1e12")),
            TODO_JWT_BAD_CLAIMS);
    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":1475981445.0")),
            TODO_JWT_BAD_CLAIMS);
}

/* exp of another type, zero or negative. */
static void test_exp_odd_values(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":true")),
            TODO_JWT_BAD_CLAIMS);
    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":null")),
            TODO_JWT_BAD_CLAIMS);
    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":[1475981445]")),
            TODO_JWT_BAD_CLAIMS);
    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":0")), TODO_JWT_BAD_CLAIMS);
    refused(p, forge(p, HDR_HS256, CLAIMS(",\"exp\":-1")), TODO_JWT_BAD_CLAIMS);
}

/* Missing exp: a token that never expires is not an access token. */
static void test_exp_missing(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused(p, forge(p, HDR_HS256, CLAIMS("")), TODO_JWT_BAD_CLAIMS);
}

/* A token whose date claim @a name (with @a value) is @a why, or accepted
 * (TODO_JWT_OK), at TS_CONST with @a leeway. */
static void date_claim(apr_pool_t *p, const char *name, const char *value,
                       long leeway, todo_jwt_error_t why)
{
    todo_jwt_config_t c = cfg;
    todo_claims_t claims;
    const char *token =
        forge(p, HDR_HS256,
              apr_pstrcat(
                  p, "{\"sub\":\"" SUB "\",\"sid\":\"" SID "\",\"jti\":\"j1\"",
                  EXP_OK, ",\"", name, "\":", value, "}", NULL));

    c.leeway = leeway;
    if (why != TODO_JWT_OK) {
        refused_with(p, &c, token, why);
        return;
    }
    assert_int_equal(APR_SUCCESS,
                     todo_jwt_verify(p, &c, token, TS_CONST, &claims, NULL));
}

/* nbf in the future: not valid yet (leeway applies); nbf not a number. */
static void test_nbf_in_future(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    date_claim(p, "nbf", "1475980546", 0, TODO_JWT_NOT_YET_VALID);
    date_claim(p, "nbf", "\"1\"", 0, TODO_JWT_BAD_CLAIMS);
    /* nbf now or past is fine; with leeway a little ahead is too. */
    date_claim(p, "nbf", "1475980545", 0, TODO_JWT_OK);
    date_claim(p, "nbf", "1475980575", 30, TODO_JWT_OK);
    date_claim(p, "nbf", "1475980576", 30, TODO_JWT_NOT_YET_VALID);
}

/*
 * iat in the future: a token that says it was issued after now (beyond
 * the leeway) was accepted, as only exp and nbf were checked. No token of
 * ours can say so; a forger with the key, or a server with a broken clock,
 * can. Refused as not yet valid; iat not a number is refused too.
 */
static void test_iat_in_future(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    date_claim(p, "iat", "1475980546", 0, TODO_JWT_NOT_YET_VALID);
    date_claim(p, "iat", "99999999999", 0, TODO_JWT_NOT_YET_VALID);
    date_claim(p, "iat", "\"1\"", 0, TODO_JWT_BAD_CLAIMS);
    date_claim(p, "iat", "1e9", 0, TODO_JWT_BAD_CLAIMS);
    /* Now or past is fine; with leeway a little ahead is too. */
    date_claim(p, "iat", "1475980545", 0, TODO_JWT_OK);
    date_claim(p, "iat", "1000000000", 0, TODO_JWT_OK);
    date_claim(p, "iat", "1475980575", 30, TODO_JWT_OK);
    date_claim(p, "iat", "1475980576", 30, TODO_JWT_NOT_YET_VALID);
}

/* Wrong iss, when an issuer is configured; missing iss likewise. */
static void test_wrong_issuer(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t c = cfg;
    todo_claims_t claims;

    c.issuer = "https://todo.example";
    refused_with(
        p, &c,
        forge(p, HDR_HS256, CLAIMS(EXP_OK ",\"iss\":\"https://evil.example\"")),
        TODO_JWT_BAD_ISSUER);
    refused_with(p, &c,
                 forge(p, HDR_HS256,
                       CLAIMS(EXP_OK ",\"iss\":\"https://todo.example/\"")),
                 TODO_JWT_BAD_ISSUER);
    refused_with(p, &c, forge(p, HDR_HS256, CLAIMS(EXP_OK)),
                 TODO_JWT_BAD_ISSUER);
    refused_with(p, &c,
                 forge(p, HDR_HS256,
                       CLAIMS(EXP_OK ",\"iss\":[\"https://todo.example\"]")),
                 TODO_JWT_BAD_ISSUER);
    assert_int_equal(
        APR_SUCCESS,
        todo_jwt_verify(
            p, &c,
            forge(p, HDR_HS256,
                  CLAIMS(EXP_OK ",\"iss\":\"https://todo.example\"")),
            TS_CONST, &claims, NULL));
}

/* Wrong aud, when an audience is configured (a string or an array). */
static void test_wrong_audience(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t c = cfg;
    todo_claims_t claims;

    c.audience = "todo-api";
    refused_with(p, &c,
                 forge(p, HDR_HS256, CLAIMS(EXP_OK ",\"aud\":\"other-api\"")),
                 TODO_JWT_BAD_AUDIENCE);
    refused_with(
        p, &c,
        forge(p, HDR_HS256, CLAIMS(EXP_OK ",\"aud\":[\"other\",\"TODO-API\"]")),
        TODO_JWT_BAD_AUDIENCE);
    refused_with(p, &c, forge(p, HDR_HS256, CLAIMS(EXP_OK)),
                 TODO_JWT_BAD_AUDIENCE);
    refused_with(p, &c, forge(p, HDR_HS256, CLAIMS(EXP_OK ",\"aud\":[]")),
                 TODO_JWT_BAD_AUDIENCE);
    assert_int_equal(
        APR_SUCCESS,
        todo_jwt_verify(
            p, &c,
            forge(p, HDR_HS256, CLAIMS(EXP_OK ",\"aud\":[\"x\",\"todo-api\"]")),
            TS_CONST, &claims, NULL));
}

/*
 * Five segments (a JWE, or a JWS with junk appended): libjwt splits on
 * the first two dots; anything but exactly three segments is refused.
 */
static void test_five_segments(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *good = forge(p, HDR_HS256, CLAIMS(EXP_OK));

    refused(p, apr_pstrcat(p, good, ".AAAA.BBBB", NULL), TODO_JWT_MALFORMED);
    refused(p, apr_pstrcat(p, good, ".", NULL), TODO_JWT_MALFORMED);
    refused(p,
            "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ."
            "OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe"
            "ipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDb"
            "Sv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaV"
            "mqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je8"
            "1860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi"
            "6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzO"
            "eDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A."
            "XFBoMYUZodetZdvTiFvSkQ",
            TODO_JWT_MALFORMED);
    /* Two segments: no signature at all. */
    refused(p, apr_pstrndup(p, good, (apr_size_t)(strrchr(good, '.') - good)),
            TODO_JWT_MALFORMED);
}

/*
 * Oversized token: libjwt 1.10 base64-decodes each segment onto the stack
 * (alloca), so a ~12 MB refresh token in a JSON body would crash the
 * process. Anything above TODO_JWT_MAX_LEN is refused before libjwt sees
 * it, even when correctly signed; the limit itself is still accepted.
 */
static void test_oversized_token(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_size_t huge = 12 * 1024 * 1024, i, pad;
    const char *at_limit = NULL, *over = NULL;
    char *big = apr_palloc(p, huge + 1);
    todo_claims_t claims;

    /* Signed tokens of exactly 4096 and of 4097+ bytes. */
    for (pad = 2700; pad < 3100 && (!at_limit || !over); ++pad) {
        char *filler = apr_palloc(p, pad + 1);
        const char *t;
        memset(filler, 'x', pad);
        filler[pad] = '\0';
        t = forge(p, HDR_HS256,
                  apr_pstrcat(p, "{\"pad\":\"", filler, "\",",
                              CLAIMS(EXP_OK) + 1, NULL));
        if (strlen(t) == TODO_JWT_MAX_LEN) {
            at_limit = t;
        }
        else if (strlen(t) > TODO_JWT_MAX_LEN && !over) {
            over = t;
        }
    }
    assert_non_null(at_limit);
    assert_non_null(over);
    assert_int_equal(APR_SUCCESS, todo_jwt_verify(p, &cfg, at_limit, TS_CONST,
                                                  &claims, NULL));
    refused(p, over, TODO_JWT_MALFORMED);

    /* 12 MB: refused, not a crash. */
    for (i = 0; i < huge; ++i) {
        big[i] = 'A';
    }
    big[huge / 3] = '.';
    big[huge / 3 * 2] = '.';
    big[huge] = '\0';
    refused(p, big, TODO_JWT_MALFORMED);
}

/* Empty and garbage segments, and what base64url does not contain. */
static void test_empty_and_garbage_segments(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *good = forge(p, HDR_HS256, CLAIMS(EXP_OK));
    const char *dot1 = strchr(good, '.'), *dot2 = strrchr(good, '.');
    const char *h = apr_pstrndup(p, good, (apr_size_t)(dot1 - good));
    const char *c = apr_pstrndup(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1));
    const char *s = dot2 + 1;
    static const char *const junk[] = {
        "", ".", "..", "...", "a", "a.b", "\xff.\xfe.\xfd"};
    apr_size_t i;

    /* Caught by the shape checks, before libjwt. */
    for (i = 0; i < sizeof(junk) / sizeof(junk[0]); ++i) {
        refused(p, junk[i], TODO_JWT_MALFORMED);
    }
    refused(p, NULL, TODO_JWT_MALFORMED);
    refused(p, apr_pstrcat(p, h, ".", c, ".", NULL), TODO_JWT_MALFORMED);
    /* Padding, whitespace, the standard alphabet: not base64url. */
    refused(p, apr_pstrcat(p, h, "=.", c, ".", s, NULL), TODO_JWT_MALFORMED);
    refused(p, apr_pstrcat(p, " ", good, NULL), TODO_JWT_MALFORMED);
    refused(p, apr_pstrcat(p, good, "\n", NULL), TODO_JWT_MALFORMED);
    refused(p, apr_pstrcat(p, h, ".", c, ".", s, "+/", NULL),
            TODO_JWT_MALFORMED);
    refused(p, apr_pstrcat(p, "Bearer ", good, NULL), TODO_JWT_MALFORMED);
    /* Well-shaped but empty or undecodable segments, and segments that
     * are base64url but not JSON objects. */
    refused_any(p, "a.b.c");
    refused_any(p, "eyJ.eyJ.eyJ");
    refused_any(p, apr_pstrcat(p, "eyJhb.", c, ".", s, NULL));
    refused_any(p, forge(p, "[\"HS256\"]", CLAIMS(EXP_OK)));
    refused_any(p, forge(p, "not json", CLAIMS(EXP_OK)));
    refused_any(p, forge(p, HDR_HS256, "[1]"));
    refused_any(p, forge(p, HDR_HS256, "null"));
    refused_any(p, forge(p, HDR_HS256, ""));
}

/*
 * Empty segment, heap overflow in libjwt: for an empty header or payload
 * segment (".e30.sig", "<header>..sig") libjwt 1.10's jwt_b64_decode()
 * mallocs 0 bytes and then writes (and jansson reads) past the block;
 * valgrind shows "Invalid write of size 1 ... 0 bytes after a block of
 * size 0" under jwt_decode. Anyone can send "Authorization: Bearer .x.y".
 * The shape checks must refuse empty segments before libjwt sees them.
 */
static void test_empty_segment_reaches_libjwt(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *good = forge(p, HDR_HS256, CLAIMS(EXP_OK));
    const char *dot1 = strchr(good, '.'), *dot2 = strrchr(good, '.');
    const char *h = apr_pstrndup(p, good, (apr_size_t)(dot1 - good));
    const char *c = apr_pstrndup(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1));

    refused(p, apr_pstrcat(p, ".", c, dot2, NULL), TODO_JWT_MALFORMED);
    refused(p, apr_pstrcat(p, h, ".", dot2, NULL), TODO_JWT_MALFORMED);
    refused(p, apr_pstrcat(p, ".", dot2, NULL), TODO_JWT_MALFORMED);
}

/*
 * "crit" header: RFC 7515 4.1.11 requires refusing a token whose critical
 * extensions are not understood; we understand none.
 */
static void test_crit_header(void **state)
{
    apr_pool_t *p = TS_POOL(state);

    refused(p,
            forge(p, "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", CLAIMS(EXP_OK)),
            TODO_JWT_BAD_ALG);
    refused(p,
            forge(p, "{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}",
                  CLAIMS(EXP_OK)),
            TODO_JWT_BAD_ALG);
    refused(p, forge(p, "{\"alg\":\"HS256\",\"crit\":[]}", CLAIMS(EXP_OK)),
            TODO_JWT_BAD_ALG);
}

/* sub (and sid) must be UUIDs: they go straight into SQL lookups. */
static void test_sub_not_a_uuid(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const char *const subs[] = {
        "\"admin\"",       "\"\"", "1", "null", "[\"" SUB "\"]", "\"" SUB " \"",
        "\"' OR 1=1 --\"",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(subs) / sizeof(subs[0]); ++i) {
        refused(p,
                forge(p, HDR_HS256,
                      apr_pstrcat(p, "{\"sub\":", subs[i], ",\"sid\":\"", SID,
                                  "\"", EXP_OK, "}", NULL)),
                TODO_JWT_BAD_CLAIMS);
    }
    refused(p, forge(p, HDR_HS256, "{\"sid\":\"" SID "\",\"exp\":1475981445}"),
            TODO_JWT_BAD_CLAIMS);
    refused(p,
            forge(p, HDR_HS256,
                  "{\"sub\":\"" SUB "\",\"sid\":\"s1\",\"exp\":1475981445}"),
            TODO_JWT_BAD_CLAIMS);
    refused(p, forge(p, HDR_HS256, "{\"sub\":\"" SUB "\",\"exp\":1475981445}"),
            TODO_JWT_BAD_CLAIMS);
}

/*
 * No key: libjwt 1.10 skips the signature check entirely when called
 * without a key, so a secret that failed to load would let every token
 * in. A missing or short key must refuse everything, even tokens signed
 * with that very key.
 */
static void test_missing_or_short_key_accepts_nothing(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t c = cfg;

    c.key = NULL;
    c.key_len = 0;
    refused_with(p, &c, forge(p, HDR_HS256, CLAIMS(EXP_OK)),
                 TODO_JWT_BAD_SIGNATURE);
    refused_with(p, &c,
                 ts_jwt_forge(p, HDR_HS256, CLAIMS(EXP_OK), "sha256",
                              (const unsigned char *)"", 0),
                 TODO_JWT_BAD_SIGNATURE);
    c.key = (const unsigned char *)"short";
    c.key_len = 5;
    refused_with(
        p, &c,
        ts_jwt_forge(p, HDR_HS256, CLAIMS(EXP_OK), "sha256", c.key, c.key_len),
        TODO_JWT_BAD_SIGNATURE);
}

int test_jwt_security_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_forged_control_is_accepted),
        TS_TEST(test_alg_none),
        TS_TEST(test_alg_other_hmac_same_key),
        TS_TEST(test_alg_downgrade_from_hs512),
        TS_TEST(test_alg_asymmetric_header_with_hmac),
        TS_TEST(test_alg_lowercase),
        TS_TEST(test_alg_missing_or_not_string),
        TS_TEST(test_alg_refused_before_libjwt),
        TS_TEST(test_wrong_key),
        TS_TEST(test_tampered_payload),
        TS_TEST(test_expired),
        TS_TEST(test_exp_as_string),
        TS_TEST(test_exp_as_float),
        TS_TEST(test_exp_odd_values),
        TS_TEST(test_exp_missing),
        TS_TEST(test_nbf_in_future),
        TS_TEST(test_iat_in_future),
        TS_TEST(test_wrong_issuer),
        TS_TEST(test_wrong_audience),
        TS_TEST(test_five_segments),
        TS_TEST(test_oversized_token),
        TS_TEST(test_empty_and_garbage_segments),
        TS_TEST(test_empty_segment_reaches_libjwt),
        TS_TEST(test_crit_header),
        TS_TEST(test_sub_not_a_uuid),
        TS_TEST(test_missing_or_short_key_accepts_nothing),
    };
    return cmocka_run_group_tests_name("jwt_security", tests, NULL, NULL);
}
