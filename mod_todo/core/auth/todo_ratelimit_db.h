/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_ratelimit_db.h
 * @brief Rate limits kept in the database, so that every server of a
 * fleet on one PostgreSQL counts against one budget.
 *
 * The same generic cell rate algorithm as todo_ratelimit.h (a burst of
 * N, then one request per P/N), one row per key holding its theoretical
 * arrival time, taken in one statement (an upsert that changes no row
 * when the request is over the limit). Keys are keyed hashes of the
 * namespace and value, so no client address or login is stored. Rows
 * whose time has passed are deleted now and then by the requests
 * themselves.
 */
#ifndef TODO_RATELIMIT_DB_H
#define TODO_RATELIMIT_DB_H

#include <apr_pools.h>
#include <apr_time.h>

#include "todo_ratelimit.h"
#include "todo_store.h"

/** Bytes of the key that todo_rl_db_key() hashes with. */
#define TODO_RL_DB_KEY_LEN 32

/**
 * The row key of @a value in the namespace @a kind ("login-ip", ...):
 * base64url of 128 bits of HMAC-SHA256(@a secret, kind "\n" value).
 * Every server of a fleet must derive it from the same secret.
 */
const char *todo_rl_db_key(apr_pool_t *p,
                           const unsigned char secret[TODO_RL_DB_KEY_LEN],
                           const char *kind, const char *value);

/**
 * Count one request of @a key under @a rule at @a now.
 * @param padmitted receives 1 if admitted, 0 if over the limit
 * @param pretry_after receives, when refused, the seconds until a
 *        request would be admitted (at least 1)
 * @return APR_SUCCESS, or TODO_EDB (nothing admitted or refused)
 */
apr_status_t todo_rl_db_take(todo_db_t *db, apr_pool_t *p, const char *key,
                             const todo_rl_rule_t *rule, apr_time_t now,
                             int *padmitted, int *pretry_after);

#endif /* TODO_RATELIMIT_DB_H */
