/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_user.h
 * @brief Users: validation of register and update bodies, storage, and
 * the JSON a client sees (never the password hash).
 */
#ifndef TODO_USER_H
#define TODO_USER_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <jansson.h>

#include "todo_result.h"
#include "todo_store.h"

/** A user as stored; strings are from the pool it was read with. */
typedef struct todo_user_t {
    const char *id;
    const char *email;
    const char *username;
    int is_active;
    const char *created_at;
    const char *updated_at;
} todo_user_t;

/** Fields of a register or update body, already validated. */
typedef struct todo_user_input_t {
    const char *email; /**< lowercased; NULL if absent on update */
    const char *username;
    const char *password;
} todo_user_input_t;

/**
 * Validate a register body (@a create: all three fields required) or an
 * update body (every field optional; null means absent). Server-owned
 * fields are ignored.
 * @return APR_SUCCESS or APR_EINVAL with every bad field in @a res
 */
apr_status_t todo_user_parse_input(json_t *body, int create,
                                   todo_user_input_t *in, todo_result_t *res);

/** @return the contract's User object, a new reference */
json_t *todo_user_to_json(const todo_user_t *u);

/**
 * Insert a new user.
 * @return APR_SUCCESS, APR_EEXIST (409, "Email already registered" or
 *         "Username already taken"), or TODO_EDB
 */
apr_status_t todo_user_create(todo_db_t *db, apr_pool_t *p,
                              const todo_user_input_t *in, const char *hash,
                              apr_time_t now, todo_user_t **puser,
                              todo_result_t *res);

/** @return APR_SUCCESS, APR_ENOENT (404 "User not found") or TODO_EDB */
apr_status_t todo_user_get(todo_db_t *db, apr_pool_t *p, const char *id,
                           todo_user_t **puser, todo_result_t *res);

/**
 * Find the user whose email or username (case-insensitive) is @a login.
 * @param phash receives the stored bcrypt hash
 * @return APR_SUCCESS, APR_ENOENT or TODO_EDB
 */
apr_status_t todo_user_find_login(todo_db_t *db, apr_pool_t *p,
                                  const char *login, todo_user_t **puser,
                                  const char **phash);

/**
 * One page of users, oldest first.
 * @param pusers receives an array of todo_user_t*
 */
apr_status_t todo_user_list(todo_db_t *db, apr_pool_t *p, int page,
                            int page_size, apr_array_header_t **pusers,
                            apr_int64_t *ptotal, todo_result_t *res);

/**
 * Apply the fields present in @a in (a new password as @a hash). When the
 * password changes, every session of the user except @a keep_sid is
 * revoked in the same transaction.
 * @return APR_SUCCESS, APR_ENOENT, APR_EEXIST or TODO_EDB
 */
apr_status_t todo_user_update(todo_db_t *db, apr_pool_t *p, const char *id,
                              const todo_user_input_t *in, const char *hash,
                              const char *keep_sid, apr_time_t now,
                              todo_user_t **puser, todo_result_t *res);

/**
 * Delete a user and, in the same transaction, their sessions, tasks and
 * stored task events.
 * @return APR_SUCCESS, APR_ENOENT or TODO_EDB
 */
apr_status_t todo_user_delete(todo_db_t *db, apr_pool_t *p, const char *id,
                              todo_result_t *res);

/**
 * Find the user @a who names: an id, else a username or an email (any
 * case), as an administrator names one (todoctl).
 * @return APR_SUCCESS, APR_ENOENT ("No user with that id, username or
 *         email") or TODO_EDB
 */
apr_status_t todo_user_find(todo_db_t *db, apr_pool_t *p, const char *who,
                            todo_user_t **puser, todo_result_t *res);

/**
 * Enable (@a active 1) or disable (0) the user @a id. Disabling revokes
 * every session of the user in the same transaction: its access tokens
 * are refused at once, its refresh tokens too, and its live streams end
 * at their next heartbeat. A disabled user cannot log in. Enabling
 * revives no session.
 * @param prevoked receives how many sessions were revoked; may be NULL
 * @return APR_SUCCESS, APR_ENOENT or TODO_EDB
 */
apr_status_t todo_user_set_active(todo_db_t *db, apr_pool_t *p, const char *id,
                                  int active, apr_time_t now, int *prevoked,
                                  todo_result_t *res);

/**
 * Replace the password hash of the user @a id (an administrator's reset)
 * and revoke every session of the user, in one transaction.
 * @param prevoked receives how many sessions were revoked; may be NULL
 * @return APR_SUCCESS, APR_ENOENT or TODO_EDB
 */
apr_status_t todo_user_set_password(todo_db_t *db, apr_pool_t *p,
                                    const char *id, const char *hash,
                                    apr_time_t now, int *prevoked,
                                    todo_result_t *res);

/** Read a user from columns id, email, username, is_active, created_at,
 * updated_at starting at @a col of row @a r. */
todo_user_t *todo_user_from_row(apr_pool_t *p, const todo_rows_t *rows, int r,
                                int col);

#endif /* TODO_USER_H */
