/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_password.h
 * @brief bcrypt password hashes through libxcrypt (crypt_rn and
 * crypt_gensalt_rn), safe to call from any thread.
 *
 * Callers must have checked the password length (8 to 72 bytes) before:
 * bcrypt silently ignores bytes past 72.
 */
#ifndef TODO_PASSWORD_H
#define TODO_PASSWORD_H

#include <apr_pools.h>

#define TODO_BCRYPT_COST_MIN 4
#define TODO_BCRYPT_COST_MAX 31
#define TODO_BCRYPT_COST_DEFAULT 12

/**
 * Hash @a password with a fresh random salt at @a cost ($2b$).
 * @param phash receives the modular-crypt string, allocated from @a p
 * @return APR_SUCCESS, or APR_EGENERAL if libxcrypt failed
 */
apr_status_t todo_password_hash(apr_pool_t *p, const char *password, int cost,
                                const char **phash);

/**
 * Check @a password against @a hash. A malformed @a hash is a mismatch,
 * never a crash. The final comparison runs in constant time.
 * @return APR_SUCCESS if it matches, APR_EACCES otherwise
 */
apr_status_t todo_password_verify(apr_pool_t *p, const char *password,
                                  const char *hash);

#endif /* TODO_PASSWORD_H */
