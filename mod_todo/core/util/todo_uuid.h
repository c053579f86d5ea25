/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_uuid.h
 * @brief UUIDs: time-ordered version 7 ids (RFC 9562) and parsing of ids
 * that clients send in paths and bodies.
 */
#ifndef TODO_UUID_H
#define TODO_UUID_H

#include <apr_pools.h>
#include <apr_time.h>

/** Length of the canonical text form, without the NUL. */
#define TODO_UUID_STRLEN 36

/**
 * Make a version 7 UUID for time @a now: 48 bits of Unix milliseconds,
 * then 74 random bits from OpenSSL.
 * @param pid receives the canonical lowercase form, allocated from @a p
 * @return APR_SUCCESS, or APR_EGENERAL if the random generator failed
 */
apr_status_t todo_uuid_v7(apr_pool_t *p, apr_time_t now, const char **pid);

/**
 * Check that @a s is a UUID in the 8-4-4-4-12 hex form (either case) and
 * return its canonical lowercase form.
 * @param pcanon receives the lowercase form from @a p; may be NULL
 * @return APR_SUCCESS, or APR_EINVAL if @a s is not a UUID
 */
apr_status_t todo_uuid_parse(apr_pool_t *p, const char *s, const char **pcanon);

#endif /* TODO_UUID_H */
