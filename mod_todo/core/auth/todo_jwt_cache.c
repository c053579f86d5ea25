/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "todo_jwt_cache.h"
#include "todo_result.h"

/* The longest jti kept (ours are UUIDs); a token with a longer one is
 * verified every time instead. */
#define JTI_MAX 64
#define UUID_LEN 36

typedef struct slot_t {
    unsigned char digest[32]; /* SHA-256 of the token; all zero: empty */
    char sub[UUID_LEN + 1];
    char sid[UUID_LEN + 1];
    char jti[JTI_MAX + 1];
    int has_jti;
    long iat, exp, nbf;
} slot_t;

struct todo_jwt_cache_t {
    apr_thread_mutex_t *lock;
    EVP_MD *sha256; /* fetched once: each request only digests */
    slot_t *slots;
    unsigned mask;
    apr_uint64_t hits, misses;
};

static apr_status_t free_md(void *data)
{
    EVP_MD_free(data);
    return APR_SUCCESS;
}

apr_status_t todo_jwt_cache_create(apr_pool_t *p, unsigned nslots,
                                   todo_jwt_cache_t **pcache)
{
    todo_jwt_cache_t *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    if (nslots == 0 || (nslots & (nslots - 1))) {
        return APR_EINVAL;
    }
    rv = apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!c->sha256) {
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(p, c->sha256, free_md, apr_pool_cleanup_null);
    c->slots = apr_pcalloc(p, nslots * sizeof(*c->slots));
    c->mask = nslots - 1;
    *pcache = c;
    return APR_SUCCESS;
}

static int digest_of(const todo_jwt_cache_t *c, const char *token,
                     apr_size_t len, unsigned char out[32])
{
    unsigned int n = 32;

    return EVP_Digest(token, len, out, &n, c->sha256, NULL) && n == 32;
}

static slot_t *slot_of(todo_jwt_cache_t *c, const unsigned char digest[32])
{
    unsigned i;

    memcpy(&i, digest, sizeof(i));
    return &c->slots[i & c->mask];
}

/* A hit copies the slot out under the lock: another thread may replace
 * it the moment the lock is released. */
static int lookup(todo_jwt_cache_t *c, const unsigned char digest[32],
                  slot_t *out)
{
    slot_t *s = slot_of(c, digest);
    int hit;

    apr_thread_mutex_lock(c->lock);
    hit = !CRYPTO_memcmp(s->digest, digest, 32);
    if (hit) {
        *out = *s;
        ++c->hits;
    }
    else {
        ++c->misses;
    }
    apr_thread_mutex_unlock(c->lock);
    return hit;
}

static void store(todo_jwt_cache_t *c, const unsigned char digest[32],
                  const todo_claims_t *claims)
{
    slot_t s = {{0}, {0}, {0}, {0}, 0, 0, 0, 0};

    if (strlen(claims->sub) != UUID_LEN || strlen(claims->sid) != UUID_LEN
        || (claims->jti && strlen(claims->jti) > JTI_MAX)) {
        return;
    }
    memcpy(s.digest, digest, 32);
    memcpy(s.sub, claims->sub, UUID_LEN);
    memcpy(s.sid, claims->sid, UUID_LEN);
    if (claims->jti) {
        s.has_jti = 1;
        apr_cpystrn(s.jti, claims->jti, sizeof(s.jti));
    }
    s.iat = claims->iat;
    s.exp = claims->exp;
    s.nbf = claims->nbf;
    apr_thread_mutex_lock(c->lock);
    *slot_of(c, digest) = s;
    apr_thread_mutex_unlock(c->lock);
}

apr_status_t todo_jwt_verify_cached(todo_jwt_cache_t *cache, apr_pool_t *p,
                                    const todo_jwt_config_t *cfg,
                                    const char *token, long now,
                                    todo_claims_t *pclaims,
                                    todo_jwt_error_t *perr)
{
    unsigned char digest[32];
    todo_jwt_error_t err;
    apr_size_t len = token ? strlen(token) : 0;
    apr_status_t rv;
    slot_t s;

    if (!cache || !token || len > TODO_JWT_MAX_LEN
        || !digest_of(cache, token, len, digest)) {
        return todo_jwt_verify(p, cfg, token, now, pclaims, perr);
    }
    if (!lookup(cache, digest, &s)) {
        rv = todo_jwt_verify(p, cfg, token, now, pclaims, perr);
        if (APR_SUCCESS == rv) {
            store(cache, digest, pclaims);
        }
        return rv;
    }
    /* Everything but the time was checked when it was stored. */
    err = todo_jwt_check_times(cfg, now, s.exp, s.nbf, s.iat);
    if (perr) {
        *perr = err;
    }
    if (err != TODO_JWT_OK) {
        return TODO_EAUTH;
    }
    pclaims->sub = apr_pstrmemdup(p, s.sub, UUID_LEN);
    pclaims->sid = apr_pstrmemdup(p, s.sid, UUID_LEN);
    pclaims->jti = s.has_jti ? apr_pstrdup(p, s.jti) : NULL;
    pclaims->iat = s.iat;
    pclaims->exp = s.exp;
    pclaims->nbf = s.nbf;
    return APR_SUCCESS;
}

void todo_jwt_cache_stats(todo_jwt_cache_t *cache, apr_uint64_t *phits,
                          apr_uint64_t *pmisses)
{
    apr_thread_mutex_lock(cache->lock);
    *phits = cache->hits;
    *pmisses = cache->misses;
    apr_thread_mutex_unlock(cache->lock);
}
