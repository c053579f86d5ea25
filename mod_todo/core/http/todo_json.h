/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_json.h
 * @brief jansson values tied to pool lifetimes, and request-body parsing
 * with the contract's error answers.
 *
 * Ownership follows jansson: a function named *_new steals the reference
 * it is given. todo_json_pool_own() hands a reference to a pool, which
 * drops it when the pool is cleared, so handlers never call json_decref.
 */
#ifndef TODO_JSON_H
#define TODO_JSON_H

#include <apr_pools.h>
#include <jansson.h>

#include "todo_result.h"

/** Keys of request and response bodies. */
#define TODO_KEY_DETAIL "detail"
#define TODO_KEY_ID "id"
#define TODO_KEY_EMAIL "email"
#define TODO_KEY_USERNAME "username"
#define TODO_KEY_PASSWORD "password"
#define TODO_KEY_IS_ACTIVE "is_active"
#define TODO_KEY_CREATED_AT "created_at"
#define TODO_KEY_UPDATED_AT "updated_at"
#define TODO_KEY_ACCESS_TOKEN "access_token"
#define TODO_KEY_REFRESH_TOKEN "refresh_token"
#define TODO_KEY_TOKEN_TYPE "token_type"
#define TODO_KEY_EXPIRES_IN "expires_in"
#define TODO_KEY_STATUS "status"
#define TODO_KEY_CHECKS "checks"
#define TODO_KEY_TOTAL "total"
#define TODO_KEY_PAGE "page"
#define TODO_KEY_PAGE_SIZE "page_size"
#define TODO_KEY_USERS "users"

/**
 * Give the reference @a j to @a p: json_decref runs when @a p is cleared.
 * @return @a j, for chaining (NULL stays NULL)
 */
json_t *todo_json_pool_own(apr_pool_t *p, json_t *j);

/**
 * Parse a request body that must be a JSON object.
 *
 * Failures become the contract's 422 items in @a res: malformed JSON or
 * invalid UTF-8 is "json_invalid" at ["body", <byte offset>]; an empty
 * body is "missing" at ["body"]; a top level that is not an object is
 * "model_type" at ["body"]. Duplicate keys keep the last value, as
 * Python's json module (and so FastAPI) does.
 *
 * @param pobj receives the object, owned by @a p
 * @return APR_SUCCESS or APR_EINVAL
 */
apr_status_t todo_json_parse_object(apr_pool_t *p, const char *buf,
                                    apr_size_t len, json_t **pobj,
                                    todo_result_t *res);

/**
 * Serialise @a j compactly into memory from @a p.
 * @return the text (not NUL-counted in *plen), or NULL on allocation failure
 */
const char *todo_json_dump(apr_pool_t *p, const json_t *j, apr_size_t *plen);

/**
 * A JSON text written straight into a pool, for the hot responses whose
 * shape is fixed (tasks): no json_t tree to build, walk and free.
 * Strings are escaped exactly as jansson's compact dump escapes them, so
 * the bytes are the same as todo_json_dump() of the equivalent tree; a
 * string that is not valid UTF-8 (which jansson would refuse) fails the
 * whole text.
 */
typedef struct todo_jbuf_t {
    apr_pool_t *p;
    char *buf;
    apr_size_t len;
    apr_size_t cap;
    int failed; /**< a string was not valid UTF-8 */
} todo_jbuf_t;

/** Start an empty text with room for @a cap bytes (it grows as needed). */
void todo_jbuf_init(todo_jbuf_t *b, apr_pool_t *p, apr_size_t cap);

/** Append @a len bytes of JSON as they are. */
void todo_jbuf_raw(todo_jbuf_t *b, const char *s, apr_size_t len);

/** Append a string literal of JSON as it is. */
#define TODO_JBUF_LIT(b, lit) todo_jbuf_raw((b), (lit), sizeof(lit) - 1)

/** Append @a s as a JSON string, or null for NULL. */
void todo_jbuf_str(todo_jbuf_t *b, const char *s);

/**
 * Append @a len bytes as a JSON string (null for NULL) whatever they are,
 * for logs: a byte that is not part of valid UTF-8 is written as the
 * code point of the same value (\u0080 .. \u00FF, its Latin-1 reading),
 * so the text is always valid JSON and no byte goes unseen.
 */
void todo_jbuf_log_str(todo_jbuf_t *b, const char *s, apr_size_t len);

/** Append an integer. */
void todo_jbuf_int(todo_jbuf_t *b, apr_int64_t v);

/**
 * The text, NUL-terminated, in the pool.
 * @return NULL if a string was not valid UTF-8
 */
const char *todo_jbuf_text(todo_jbuf_t *b, apr_size_t *plen);

#endif /* TODO_JSON_H */
