/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* The verified-token cache gives todo_jwt_verify()'s answer: for every
 * kind of token, at every time around its limits, whatever the cache
 * held before; it stays bounded; threads share it. */

#include <string.h>

#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "test_common.h"
#include "todo_jwt_cache.h"
#include "todo_result.h"

#define KEY "0123456789abcdef0123456789abcdef"
#define OTHER_KEY "fedcba9876543210fedcba9876543210"
#define SUB "0192a6e4-7c2b-7def-8abc-0123456789ab"
#define SID "0192a6e4-7c2b-7def-8abc-0123456789ac"
#define T0 TS_CONST

static todo_jwt_config_t config(void)
{
    todo_jwt_config_t c;

    memset(&c, 0, sizeof(c));
    c.alg = TODO_JWT_HS256;
    c.key = (const unsigned char *)KEY;
    c.key_len = sizeof(KEY) - 1;
    c.leeway = 5;
    return c;
}

/* An HS256 token with these claims, signed with @a key. */
static const char *forge(apr_pool_t *p, const char *claims, const char *key)
{
    return ts_jwt_forge(p, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims,
                        "sha256", (const unsigned char *)key, strlen(key));
}

static const char *claims(apr_pool_t *p, long iat, long exp, long nbf)
{
    return apr_psprintf(p,
                        "{\"sub\":\"" SUB "\",\"sid\":\"" SID
                        "\",\"jti\":\"j-%ld\",\"iat\":%ld,\"exp\":%ld%s}",
                        exp, iat, exp,
                        nbf ? apr_psprintf(p, ",\"nbf\":%ld", nbf) : "");
}

/* The same answer: status, reason and, when valid, every claim. */
static void assert_same(apr_pool_t *p, todo_jwt_cache_t *cache,
                        const todo_jwt_config_t *cfg, const char *token,
                        long now)
{
    todo_claims_t want, got;
    todo_jwt_error_t want_err = TODO_JWT_OK, got_err = TODO_JWT_OK;
    apr_status_t want_rv, got_rv;

    memset(&want, 0, sizeof(want));
    memset(&got, 0, sizeof(got));
    want_rv = todo_jwt_verify(p, cfg, token, now, &want, &want_err);
    got_rv = todo_jwt_verify_cached(cache, p, cfg, token, now, &got, &got_err);
    assert_int_equal(want_rv, got_rv);
    assert_int_equal(want_err, got_err);
    if (APR_SUCCESS == want_rv) {
        assert_string_equal(want.sub, got.sub);
        assert_string_equal(want.sid, got.sid);
        assert_string_equal(want.jti, got.jti);
        assert_int_equal(want.iat, got.iat);
        assert_int_equal(want.exp, got.exp);
        assert_int_equal(want.nbf, got.nbf);
    }
}

static void test_same_answer_for_every_token_at_every_time(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config();
    todo_jwt_cache_t *cache = NULL;
    const char *valid = forge(p, claims(p, T0, T0 + 60, 0), KEY);
    const char *tokens[] = {
        valid,
        forge(p, claims(p, T0, T0 + 60, T0 + 20), KEY), /* nbf later */
        forge(p, claims(p, T0 + 30, T0 + 90, 0), KEY),  /* iat later */
        forge(p, claims(p, T0, T0 + 60, 0), OTHER_KEY), /* not our key */
        forge(p, "{\"sub\":\"" SUB "\",\"sid\":\"x\",\"exp\":9999999999}",
              KEY), /* bad sid */
        ts_jwt_forge(p, "{\"alg\":\"HS512\"}", claims(p, T0, T0 + 60, 0),
                     "sha512", (const unsigned char *)KEY, strlen(KEY)),
        apr_pstrcat(p, valid, "x", NULL), /* tampered signature */
        "a.b.c",
        "",
    };
    long offsets[] = {-40, -10, -6, -5, 0,  14, 15, 19, 25, 54,
                      55,  59,  60, 64, 65, 66, 84, 85, 95, 1000};
    apr_uint64_t hits = 0, misses = 0;
    apr_size_t t, o, first;

    assert_int_equal(APR_SUCCESS, todo_jwt_cache_create(p, 8, &cache));
    /* Each token first seen at each time in turn, then asked at every
     * time: whether the cache holds it (from when it was valid) or not. */
    for (first = 0; first < sizeof(offsets) / sizeof(offsets[0]); ++first) {
        assert_int_equal(APR_SUCCESS, todo_jwt_cache_create(p, 8, &cache));
        for (t = 0; t < sizeof(tokens) / sizeof(tokens[0]); ++t) {
            assert_same(p, cache, &cfg, tokens[t], T0 + offsets[first]);
            for (o = 0; o < sizeof(offsets) / sizeof(offsets[0]); ++o) {
                assert_same(p, cache, &cfg, tokens[t], T0 + offsets[o]);
            }
        }
    }
    todo_jwt_cache_stats(cache, &hits, &misses);
    assert_true(hits > 0 && misses > 0);
}

static void test_a_hit_skips_the_verification(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config();
    todo_jwt_cache_t *cache = NULL;
    const char *token = forge(p, claims(p, T0, T0 + 60, 0), KEY);
    todo_claims_t c;
    todo_jwt_error_t err;
    apr_uint64_t hits = 0, misses = 0;
    int i;

    assert_int_equal(APR_SUCCESS, todo_jwt_cache_create(p, 16, &cache));
    for (i = 0; i < 10; ++i) {
        assert_int_equal(
            APR_SUCCESS,
            todo_jwt_verify_cached(cache, p, &cfg, token, T0 + i, &c, &err));
        assert_string_equal(SUB, c.sub);
    }
    todo_jwt_cache_stats(cache, &hits, &misses);
    assert_int_equal(9, hits);
    assert_int_equal(1, misses);
    /* Refused tokens are never kept: each is checked in full. */
    for (i = 0; i < 3; ++i) {
        assert_int_equal(
            TODO_EAUTH, todo_jwt_verify_cached(cache, p, &cfg,
                                               apr_pstrcat(p, token, "A", NULL),
                                               T0, &c, &err));
        assert_int_equal(
            TODO_JWT_MALFORMED == err || TODO_JWT_BAD_SIGNATURE == err, 1);
    }
    todo_jwt_cache_stats(cache, &hits, &misses);
    assert_int_equal(9, hits);
    assert_int_equal(4, misses);
    /* Expired now, though it was kept: the time is checked each time. */
    assert_int_equal(TODO_EAUTH, todo_jwt_verify_cached(cache, p, &cfg, token,
                                                        T0 + 65, &c, &err));
    assert_int_equal(TODO_JWT_EXPIRED, err);
    /* No cache: the plain check. */
    assert_int_equal(APR_SUCCESS, todo_jwt_verify_cached(NULL, p, &cfg, token,
                                                         T0, &c, &err));
}

static void test_bounded_by_its_slots(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config();
    todo_jwt_cache_t *cache = NULL;
    const char *first = forge(p, claims(p, T0, T0 + 1000, 0), KEY);
    todo_claims_t c;
    todo_jwt_error_t err;
    apr_uint64_t hits = 0, misses = 0;
    long i;

    assert_int_equal(APR_EINVAL, todo_jwt_cache_create(p, 3, &cache));
    assert_int_equal(APR_SUCCESS, todo_jwt_cache_create(p, 4, &cache));
    assert_int_equal(APR_SUCCESS, todo_jwt_verify_cached(cache, p, &cfg, first,
                                                         T0, &c, &err));
    /* Many more tokens than slots: each still verifies, and the first
     * is pushed out (and verified again in full when it comes back). */
    for (i = 1; i <= 64; ++i) {
        assert_int_equal(APR_SUCCESS,
                         todo_jwt_verify_cached(
                             cache, p, &cfg,
                             forge(p, claims(p, T0, T0 + 1000 + i, 0), KEY), T0,
                             &c, &err));
        assert_int_equal(T0 + 1000 + i, c.exp);
    }
    assert_int_equal(APR_SUCCESS, todo_jwt_verify_cached(cache, p, &cfg, first,
                                                         T0, &c, &err));
    assert_int_equal(T0 + 1000, c.exp);
    todo_jwt_cache_stats(cache, &hits, &misses);
    assert_true(misses >= 60);
}

typedef struct {
    todo_jwt_cache_t *cache;
    const todo_jwt_config_t *cfg;
    const char **tokens;
    int ntokens, failures;
} race_t;

static void *APR_THREAD_FUNC racer(apr_thread_t *thread, void *data)
{
    race_t *r = data;
    apr_pool_t *p;
    todo_claims_t c;
    todo_jwt_error_t err;
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 2000; ++i) {
        const char *token = r->tokens[i % r->ntokens];
        if (APR_SUCCESS
                != todo_jwt_verify_cached(r->cache, p, r->cfg, token, T0, &c,
                                          &err)
            || strcmp(c.sub, SUB) || c.exp != T0 + 100 + i % r->ntokens) {
            ++r->failures;
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    (void)thread; /* returning ends it (apr_thread_exit() is pthread_exit(),
                     whose unwinding ASan misreads here) */
    return NULL;
}

/* Threads that share a small cache, tokens fighting over its slots, get
 * each token's own claims every time. */
static void test_threads_share_it(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_jwt_config_t cfg = config();
    const char *tokens[12];
    race_t races[4];
    apr_thread_t *threads[4];
    todo_jwt_cache_t *cache = NULL;
    apr_status_t rv;
    int i;

    for (i = 0; i < 12; ++i) {
        tokens[i] = forge(p, claims(p, T0, T0 + 100 + i, 0), KEY);
    }
    assert_int_equal(APR_SUCCESS, todo_jwt_cache_create(p, 4, &cache));
    for (i = 0; i < 4; ++i) {
        races[i].cache = cache;
        races[i].cfg = &cfg;
        races[i].tokens = tokens;
        races[i].ntokens = 12;
        races[i].failures = 0;
        assert_int_equal(APR_SUCCESS, apr_thread_create(&threads[i], NULL,
                                                        racer, &races[i], p));
    }
    for (i = 0; i < 4; ++i) {
        apr_thread_join(&rv, threads[i]);
        assert_int_equal(0, races[i].failures);
    }
}

int test_todo_jwt_cache_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_same_answer_for_every_token_at_every_time),
        TS_TEST(test_a_hit_skips_the_verification),
        TS_TEST(test_bounded_by_its_slots),
        TS_TEST(test_threads_share_it),
    };
    return cmocka_run_group_tests_name("todo_jwt_cache", tests, NULL, NULL);
}
