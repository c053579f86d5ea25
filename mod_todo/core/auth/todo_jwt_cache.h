/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_jwt_cache.h
 * @brief A process's memory of access tokens it has verified: what
 * libjwt found in a token depends only on its bytes and the configuration,
 * so a token seen before is not decoded and verified again; the claims
 * that depend on the time (exp, nbf, iat) are checked on every use.
 *
 * Fixed size (a slot per SHA-256 of the token, the newest wins), so a
 * client sending many tokens only pushes others out; only tokens that
 * verified are kept, so refused ones cost a full check each time. The
 * session behind a token is checked by every request, in the database, as
 * before: nothing a logout or a revocation changes is remembered here.
 * Thread-safe; one per process and configuration (its lifetime).
 */
#ifndef TODO_JWT_CACHE_H
#define TODO_JWT_CACHE_H

#include <apr_pools.h>

#include "todo_jwt.h"

/** How many tokens a cache holds. */
#define TODO_JWT_CACHE_SLOTS 1024

typedef struct todo_jwt_cache_t todo_jwt_cache_t;

/**
 * Make an empty cache of @a nslots (a power of two) in @a p.
 * @return APR_SUCCESS, or the mutex's error
 */
apr_status_t todo_jwt_cache_create(apr_pool_t *p, unsigned nslots,
                                   todo_jwt_cache_t **pcache);

/**
 * todo_jwt_verify(), answered from @a cache when it verified @a token
 * under @a cfg before: the same answer, the same claims.
 * @param cache NULL: verify without one
 */
apr_status_t todo_jwt_verify_cached(todo_jwt_cache_t *cache, apr_pool_t *p,
                                    const todo_jwt_config_t *cfg,
                                    const char *token, long now,
                                    todo_claims_t *pclaims,
                                    todo_jwt_error_t *perr);

/** Hits and misses so far (tests, profiles). */
void todo_jwt_cache_stats(todo_jwt_cache_t *cache, apr_uint64_t *phits,
                          apr_uint64_t *pmisses);

#endif /* TODO_JWT_CACHE_H */
