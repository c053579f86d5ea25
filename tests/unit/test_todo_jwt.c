/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* Signing and checking as the module uses them; the attacks are in
 * test_jwt_security.c. */

#include <string.h>

#include <apr_encode.h>
#include <apr_strings.h>

#include "test_common.h"
#include "todo_jwt.h"
#include "todo_result.h"
#include "todo_util.h"

#define KEY "0123456789abcdef0123456789abcdef"
#define SUB "0192a6e4-7c2b-7def-8abc-0123456789ab"
#define SID "0192a6e4-7c2b-7def-8abc-0123456789ac"

static todo_jwt_config_t config(todo_jwt_alg_t alg)
{
    todo_jwt_config_t c;

    memset(&c, 0, sizeof(c));
    c.alg = alg;
    c.key = (const unsigned char *)KEY;
    c.key_len = sizeof(KEY) - 1;
    return c;
}

static todo_claims_t claims_at(long now, long ttl)
{
    todo_claims_t c;

    c.sub = SUB;
    c.sid = SID;
    c.jti = "0192a6e4-7c2b-7def-8abc-0123456789ad";
    c.iat = now;
    c.exp = now + ttl;
    return c;
}

static const char *sign(apr_pool_t *p, const todo_jwt_config_t *cfg,
                        const todo_claims_t *claims)
{
    const char *token = NULL;

    assert_int_equal(APR_SUCCESS, todo_jwt_sign(p, cfg, claims, &token));
    assert_non_null(token);
    return token;
}

/* The decoded text of segment @a n (0 header, 1 claims) of @a token. */
static const char *segment_text(apr_pool_t *p, const char *token, int n)
{
    const char *start = token, *end;
    const unsigned char *raw = NULL;
    apr_size_t len = 0;

    while (n--) {
        start = strchr(start, '.') + 1;
    }
    end = strchr(start, '.');
    raw = apr_pdecode_base64_binary(
        p, start, end ? end - start : (apr_ssize_t)strlen(start),
        APR_ENCODE_BASE64URL, &len);
    assert_non_null(raw);
    return apr_pstrmemdup(p, (const char *)raw, len);
}

/* The JSON of segment @a n of @a token. */
static json_t *segment(apr_pool_t *p, const char *token, int n)
{
    json_t *j = json_loads(segment_text(p, token, n), 0, NULL);

    assert_non_null(j);
    return j;
}

/* The names TodoJWTAlgorithm takes, by todo_jwt_alg_t. */
static void test_alg_names(void **state)
{
    (void)state;
    assert_string_equal("HS256", todo_jwt_alg_names[TODO_JWT_HS256]);
    assert_string_equal("HS384", todo_jwt_alg_names[TODO_JWT_HS384]);
    assert_string_equal("HS512", todo_jwt_alg_names[TODO_JWT_HS512]);
    assert_null(todo_jwt_alg_names[TODO_JWT_HS512 + 1]);
}

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal("ok", todo_jwt_error_name(TODO_JWT_OK));
    assert_string_equal("malformed", todo_jwt_error_name(TODO_JWT_MALFORMED));
    assert_string_equal("bad_alg", todo_jwt_error_name(TODO_JWT_BAD_ALG));
    assert_string_equal("bad_signature",
                        todo_jwt_error_name(TODO_JWT_BAD_SIGNATURE));
    assert_string_equal("expired", todo_jwt_error_name(TODO_JWT_EXPIRED));
    assert_string_equal("not_yet_valid",
                        todo_jwt_error_name(TODO_JWT_NOT_YET_VALID));
    assert_string_equal("bad_issuer", todo_jwt_error_name(TODO_JWT_BAD_ISSUER));
    assert_string_equal("bad_audience",
                        todo_jwt_error_name(TODO_JWT_BAD_AUDIENCE));
    assert_string_equal("bad_claims", todo_jwt_error_name(TODO_JWT_BAD_CLAIMS));
}

static void test_sign_verify_round_trip(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_alg_t algs[] = {TODO_JWT_HS256, TODO_JWT_HS384, TODO_JWT_HS512};
    apr_size_t i;

    for (i = 0; i < sizeof(algs) / sizeof(algs[0]); ++i) {
        todo_jwt_config_t cfg = config(algs[i]);
        todo_claims_t in = claims_at(TS_CONST, 900), out;
        todo_jwt_error_t err = TODO_JWT_MALFORMED;
        const char *token = sign(p, &cfg, &in);

        memset(&out, 0, sizeof(out));
        assert_int_equal(
            APR_SUCCESS,
            todo_jwt_verify(p, &cfg, token, TS_CONST + 1, &out, &err));
        assert_int_equal(TODO_JWT_OK, err);
        assert_string_equal(SUB, out.sub);
        assert_string_equal(SID, out.sid);
        assert_string_equal(in.jti, out.jti);
        assert_int_equal(TS_CONST, out.iat);
        assert_int_equal(TS_CONST + 900, out.exp);
    }
}

static void test_signed_header_and_claims(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config(TODO_JWT_HS256);
    todo_claims_t in = claims_at(TS_CONST, 900);
    const char *token;
    json_t *h, *c;

    cfg.issuer = "https://todo.example";
    cfg.audience = "todo-api";
    token = sign(p, &cfg, &in);
    h = segment(p, token, 0);
    c = segment(p, token, 1);
    assert_string_equal("HS256", json_string_value(json_object_get(h, "alg")));
    assert_string_equal(SUB, json_string_value(json_object_get(c, "sub")));
    assert_string_equal(SID, json_string_value(json_object_get(c, "sid")));
    assert_true(json_is_string(json_object_get(c, "jti")));
    /* NumericDates are JSON integers. */
    assert_true(json_is_integer(json_object_get(c, "iat")));
    assert_true(json_is_integer(json_object_get(c, "exp")));
    assert_int_equal(TS_CONST + 900,
                     json_integer_value(json_object_get(c, "exp")));
    assert_string_equal("https://todo.example",
                        json_string_value(json_object_get(c, "iss")));
    assert_string_equal("todo-api",
                        json_string_value(json_object_get(c, "aud")));
    json_decref(h);
    json_decref(c);

    /* Without iss/aud configured, none are issued. */
    cfg.issuer = cfg.audience = NULL;
    c = segment(p, sign(p, &cfg, &in), 1);
    assert_null(json_object_get(c, "iss"));
    assert_null(json_object_get(c, "aud"));
    json_decref(c);
}

static void test_verify_with_issuer_and_audience(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config(TODO_JWT_HS256), other;
    todo_claims_t in = claims_at(TS_CONST, 900), out;
    todo_jwt_error_t err;
    const char *token;

    cfg.issuer = "https://todo.example";
    cfg.audience = "todo-api";
    token = sign(p, &cfg, &in);
    assert_int_equal(APR_SUCCESS,
                     todo_jwt_verify(p, &cfg, token, TS_CONST, &out, NULL));
    /* A token of a differently configured service is refused. */
    other = cfg;
    other.issuer = "https://other.example";
    assert_int_equal(TODO_EAUTH,
                     todo_jwt_verify(p, &other, token, TS_CONST, &out, &err));
    assert_int_equal(TODO_JWT_BAD_ISSUER, err);
    other = cfg;
    other.audience = "other-api";
    assert_int_equal(TODO_EAUTH,
                     todo_jwt_verify(p, &other, token, TS_CONST, &out, &err));
    assert_int_equal(TODO_JWT_BAD_AUDIENCE, err);
    /* Not configured: iss and aud are not checked. */
    other = cfg;
    other.issuer = other.audience = NULL;
    assert_int_equal(APR_SUCCESS,
                     todo_jwt_verify(p, &other, token, TS_CONST, &out, NULL));
}

static void test_expiry_boundaries(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config(TODO_JWT_HS256);
    todo_claims_t in = claims_at(TS_CONST, 900), out;
    const char *token = sign(p, &cfg, &in);
    todo_jwt_error_t err;

    assert_int_equal(APR_SUCCESS, todo_jwt_verify(p, &cfg, token,
                                                  TS_CONST + 899, &out, &err));
    assert_int_equal(TODO_EAUTH, todo_jwt_verify(p, &cfg, token, TS_CONST + 900,
                                                 &out, &err));
    assert_int_equal(TODO_JWT_EXPIRED, err);
    cfg.leeway = 60;
    assert_int_equal(APR_SUCCESS, todo_jwt_verify(p, &cfg, token,
                                                  TS_CONST + 959, &out, &err));
    assert_int_equal(TODO_EAUTH, todo_jwt_verify(p, &cfg, token, TS_CONST + 960,
                                                 &out, &err));
    assert_int_equal(TODO_JWT_EXPIRED, err);
}

static void test_claims_canonicalised(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config(TODO_JWT_HS256);
    todo_claims_t in = claims_at(TS_CONST, 900), out;

    in.sub = "0192A6E4-7C2B-7DEF-8ABC-0123456789AB";
    in.jti = "not-a-uuid-is-fine";
    assert_int_equal(APR_SUCCESS, todo_jwt_verify(p, &cfg, sign(p, &cfg, &in),
                                                  TS_CONST, &out, NULL));
    assert_string_equal(SUB, out.sub);
    assert_string_equal("not-a-uuid-is-fine", out.jti);
}

static void test_token_of_another_alg_config(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t c256 = config(TODO_JWT_HS256);
    todo_jwt_config_t c512 = config(TODO_JWT_HS512);
    todo_claims_t in = claims_at(TS_CONST, 900), out;
    todo_jwt_error_t err;

    /* Same key, other algorithm: libjwt alone would accept both ways. */
    assert_int_equal(TODO_EAUTH, todo_jwt_verify(p, &c256, sign(p, &c512, &in),
                                                 TS_CONST, &out, &err));
    assert_int_equal(TODO_JWT_BAD_ALG, err);
    assert_int_equal(TODO_EAUTH, todo_jwt_verify(p, &c512, sign(p, &c256, &in),
                                                 TS_CONST, &out, &err));
    assert_int_equal(TODO_JWT_BAD_ALG, err);
}

static void test_forged_equals_signed(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config(TODO_JWT_HS256);
    todo_claims_t in = claims_at(TS_CONST, 900);
    const char *token = sign(p, &cfg, &in);

    /* Our hand-made HMAC over libjwt's own segments gives libjwt's token
     * back: the forging helper of test_jwt_security.c is sound. */
    assert_string_equal(token, ts_jwt_forge(p, segment_text(p, token, 0),
                                            segment_text(p, token, 1), "sha256",
                                            (const unsigned char *)KEY,
                                            sizeof(KEY) - 1));
}

/* The tokens we sign carry exactly the header todo_jwt.c checks without
 * parsing (its fast path); a header with the same meaning written
 * differently still passes the parsed check. */
static void test_issued_header_fast_path(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const char *const headers[] = {
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9",
        "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9"};
    todo_claims_t claims = claims_at(TS_CONST, 600), out;
    int alg;

    for (alg = 0; alg < 3; ++alg) {
        todo_jwt_config_t cfg = config((todo_jwt_alg_t)alg);
        const char *token = sign(p, &cfg, &claims);
        assert_int_equal(0, strncmp(token, headers[alg], strlen(headers[alg])));
        assert_int_equal('.', token[strlen(headers[alg])]);
        assert_int_equal(APR_SUCCESS,
                         todo_jwt_verify(p, &cfg, token, TS_CONST, &out, NULL));
    }
}

/* A rotation: the new secret signs, the old one still verifies what it
 * signed; a secret in neither place verifies nothing. */
static void test_rotation_verify_keys(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    static const char old_key[] = "old-secret-old-secret-old-secret";
    static const char new_key[] = "new-secret-new-secret-new-secret-new";
    todo_jwt_config_t before = config(TODO_JWT_HS256), after = before, gone;
    todo_claims_t in = claims_at(TS_CONST, 900), out;
    todo_jwt_error_t err = TODO_JWT_OK;
    const char *old_token, *new_token;

    before.key = (const unsigned char *)old_key;
    before.key_len = sizeof(old_key) - 1;
    after.key = (const unsigned char *)new_key;
    after.key_len = sizeof(new_key) - 1;
    after.verify_keys[0].bytes = (const unsigned char *)KEY;
    after.verify_keys[0].len = sizeof(KEY) - 1;
    after.verify_keys[1].bytes = before.key;
    after.verify_keys[1].len = before.key_len;
    after.n_verify_keys = 2;
    old_token = sign(p, &before, &in);
    new_token = sign(p, &after, &in);
    /* Signed with the signing key, not with a verification key. */
    assert_int_equal(TODO_EAUTH, todo_jwt_verify(p, &before, new_token,
                                                 TS_CONST, &out, &err));
    assert_int_equal(TODO_JWT_BAD_SIGNATURE, err);
    assert_int_equal(APR_SUCCESS, todo_jwt_verify(p, &after, new_token,
                                                  TS_CONST, &out, NULL));
    /* The previous secret's token, found after another verify key. */
    memset(&out, 0, sizeof(out));
    assert_int_equal(APR_SUCCESS, todo_jwt_verify(p, &after, old_token,
                                                  TS_CONST, &out, NULL));
    assert_string_equal(SUB, out.sub);
    /* Its claims are still checked. */
    assert_int_equal(TODO_EAUTH, todo_jwt_verify(p, &after, old_token,
                                                 TS_CONST + 901, &out, &err));
    assert_int_equal(TODO_JWT_EXPIRED, err);
    /* Retired: the old secret listed nowhere. */
    gone = after;
    gone.n_verify_keys = 1;
    assert_int_equal(
        TODO_EAUTH, todo_jwt_verify(p, &gone, old_token, TS_CONST, &out, &err));
    assert_int_equal(TODO_JWT_BAD_SIGNATURE, err);
    /* A verification key shorter than the minimum is never used. */
    gone.verify_keys[0].bytes = (const unsigned char *)"short";
    gone.verify_keys[0].len = 5;
    before.key = gone.verify_keys[0].bytes;
    before.key_len = 5;
    assert_int_equal(APR_SUCCESS, todo_jwt_sign(p, &before, &in, &old_token));
    assert_int_equal(
        TODO_EAUTH, todo_jwt_verify(p, &gone, old_token, TS_CONST, &out, &err));
}

int test_todo_jwt_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_alg_names),
        TS_TEST(test_error_names),
        TS_TEST(test_sign_verify_round_trip),
        TS_TEST(test_issued_header_fast_path),
        TS_TEST(test_signed_header_and_claims),
        TS_TEST(test_verify_with_issuer_and_audience),
        TS_TEST(test_expiry_boundaries),
        TS_TEST(test_claims_canonicalised),
        TS_TEST(test_token_of_another_alg_config),
        TS_TEST(test_forged_equals_signed),
        TS_TEST(test_rotation_verify_keys),
    };
    return cmocka_run_group_tests_name("todo_jwt", tests, NULL, NULL);
}
