/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_util.h
 * @brief Small helpers with no better home: randomness, constant-time
 * comparison, integer parsing, FNV-1a. (Base64url and hex: APR's
 * apr_encode.h.)
 */
#ifndef TODO_UTIL_H
#define TODO_UTIL_H

#include <apr_pools.h>
#include <apr_errno.h>

/**
 * Fill @a buf with @a len bytes from OpenSSL's CSPRNG.
 * @return APR_SUCCESS, or APR_EGENERAL if the generator failed.
 */
apr_status_t todo_random_bytes(unsigned char *buf, apr_size_t len);

/**
 * Compare two buffers in time that depends only on @a len.
 * @return 1 if equal, 0 otherwise.
 */
int todo_ct_equal(const void *a, const void *b, apr_size_t len);

/**
 * Parse a base-10 integer that must fill the whole string (no sign other
 * than a leading '-', no spaces) and lie within [@a min, @a max].
 * @return APR_SUCCESS, APR_EINVAL if not an integer, APR_ERANGE if out of
 *         range (*pval is left unchanged on error).
 */
apr_status_t todo_parse_int64(const char *s, apr_int64_t min, apr_int64_t max,
                              apr_int64_t *pval);

/** Where a todo_fnv1a64() hash starts. */
#define TODO_FNV1A64_INIT APR_UINT64_C(0xcbf29ce484222325)

/**
 * FNV-1a, 64 bits, of @a len bytes, continuing from @a h: a fast hash for
 * tables and ETags, not for anything an attacker must not predict.
 */
apr_uint64_t todo_fnv1a64(apr_uint64_t h, const void *data, apr_size_t len);

#endif /* TODO_UTIL_H */
