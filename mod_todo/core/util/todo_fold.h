/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_fold.h
 * @brief Unicode case mapping: folding for the tasks search (`q`) and
 * lowercasing for email addresses.
 *
 * Full Unicode case folding (CaseFolding.txt, through GNU libunistring's
 * u8_casefold) followed by NFC normalisation: "Ä" and "ä" fold alike, so do
 * "STRASSE" and "straße" ("strasse"), and a precomposed "é" matches an "e"
 * followed by a combining acute accent. Both the stored text and the query
 * are folded the same way, and the match is a plain substring test, so
 * `%` and `_` match themselves.
 */
#ifndef TODO_FOLD_H
#define TODO_FOLD_H

#include <apr_pools.h>

/**
 * Fold @a len bytes of valid UTF-8.
 * @param pout receives the folded text (NUL-terminated, from @a p)
 * @return APR_SUCCESS, or APR_EINVAL if @a s is not valid UTF-8
 */
apr_status_t todo_fold(apr_pool_t *p, const char *s, apr_size_t len,
                       const char **pout);

/**
 * Lowercase @a len bytes of valid UTF-8 with Unicode's full lowercase
 * mapping (not folding: "ß" stays "ß", "Ä" becomes "ä"). Used for email
 * addresses, which the contract stores and compares lowercased.
 * @return APR_SUCCESS, or APR_EINVAL if @a s is not valid UTF-8
 */
apr_status_t todo_lower(apr_pool_t *p, const char *s, apr_size_t len,
                        const char **pout);

#endif /* TODO_FOLD_H */
