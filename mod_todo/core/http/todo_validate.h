/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_validate.h
 * @brief Field rules of the contract, applied to parsed request bodies and
 * query strings. Every failure is added to a todo_result_t as a
 * FastAPI-style item, so one request reports all of its bad fields at once;
 * each check returns APR_SUCCESS, or APR_EINVAL once it added its item.
 *
 * Lengths are Unicode code points unless a rule says bytes; every string
 * is checked to be valid UTF-8 (jansson guarantees it for JSON input,
 * form and query input is checked here).
 */
#ifndef TODO_VALIDATE_H
#define TODO_VALIDATE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "todo_result.h"

#define TODO_EMAIL_MAX 254
#define TODO_USERNAME_MIN 3
#define TODO_USERNAME_MAX 50
#define TODO_PASSWORD_MIN 8  /* bytes */
#define TODO_PASSWORD_MAX 72 /* bytes: bcrypt ignores the rest */
#define TODO_PAGE_SIZE_DEFAULT 10
#define TODO_PAGE_SIZE_MAX 100
/** Largest page number: any int32 (a page past the end is empty). */
#define TODO_PAGE_MAX 2147483647

/**
 * Read the string member @a key of @a obj.
 * A missing member (or JSON null when @a nullable) leaves *pval NULL and
 * is an error only when @a required. A member of another type is a
 * "string_type" error.
 * @return APR_SUCCESS if a string value was read into *pval; APR_ENOENT
 *         if there is none and none is required; APR_EINVAL after adding
 *         an error
 */
apr_status_t todo_v_string(todo_result_t *res, json_t *obj, const char *key,
                           const char *loc, int required, const char **pval);

/**
 * Check a code-point length in [min, max] for the string at @a loc.
 * @return APR_SUCCESS if it fits, APR_EINVAL after adding a too_short or
 *         too_long error
 */
apr_status_t todo_v_length(todo_result_t *res, const char *loc, const char *s,
                           apr_size_t min, apr_size_t max);

/**
 * Validate an email address (at most 254 characters, one '@', a dotted
 * domain of letters, digits and hyphens, a dot-atom local part) and
 * return it lowercased from res->p.
 * @return APR_SUCCESS, or APR_EINVAL after adding an error at @a loc
 */
apr_status_t todo_v_email(todo_result_t *res, const char *loc, const char *s,
                          const char **plower);

/** Validate a username: 3 to 50 of [A-Za-z0-9_.-].
 * @return APR_SUCCESS, or APR_EINVAL after adding an error */
apr_status_t todo_v_username(todo_result_t *res, const char *loc,
                             const char *s);

/** Validate a password: 8 to 72 bytes.
 * @return APR_SUCCESS, or APR_EINVAL after adding an error */
apr_status_t todo_v_password(todo_result_t *res, const char *loc,
                             const char *s);

/** @return @a s with ASCII letters lowercased, from @a p */
const char *todo_ascii_lower(apr_pool_t *p, const char *s);

/**
 * Parse an integer query parameter in [min, max]; absent means @a def.
 * Errors: "int_parsing", "greater_than_equal", "less_than_equal".
 * @return APR_SUCCESS if *pval was set, APR_EINVAL after adding an error
 */
apr_status_t todo_v_query_int(todo_result_t *res, apr_table_t *query,
                              const char *name, int def, int min, int max,
                              int *pval);

/**
 * Parse a path parameter that must be a UUID.
 * @param pid receives the lowercase canonical form
 * @return APR_SUCCESS, or APR_EINVAL after adding a "uuid_parsing" error
 *         at path.<name>
 */
apr_status_t todo_v_path_uuid(todo_result_t *res, const char *name,
                              const char *value, const char **pid);

/**
 * Split an application/x-www-form-urlencoded string (a query string or a
 * form body) into a table, decoding '+' and %XX. When a name repeats,
 * the last value wins (FastAPI's rule for scalar parameters).
 * @return APR_SUCCESS, or APR_EINVAL for a bad %-escape or invalid UTF-8
 */
apr_status_t todo_form_parse(apr_pool_t *p, const char *s, apr_size_t len,
                             apr_table_t **ptable);

/**
 * @a text (a query string, or a request line holding one) with the value
 * of every parameter named @a name replaced by "[redacted]", so that a
 * token sent as ?access_token= never reaches a log. A name matches
 * however it is spelt: %-encoded in part or whole, in any ASCII case
 * ("ACCESS_TOKEN", "access%5Ftoken", "%61ccess_token").
 * @return @a text itself when there is nothing to redact, else a copy
 *         from @a p
 */
const char *todo_redact_param(apr_pool_t *p, const char *text,
                              const char *name);

/**
 * The value of the parameter named exactly @a name in the query string
 * @a s: the name's bytes as sent, case and all, not %-decoded (so
 * "ACCESS_TOKEN" or "access%5Ftoken" is not "access_token"); the value is
 * decoded. When the name repeats, the last value wins.
 * @return APR_SUCCESS, APR_ENOENT if there is none, APR_EINVAL for a bad
 *         %-escape or invalid UTF-8 in the value
 */
apr_status_t todo_form_get_exact(apr_pool_t *p, const char *s, const char *name,
                                 const char **pvalue);

#endif /* TODO_VALIDATE_H */
