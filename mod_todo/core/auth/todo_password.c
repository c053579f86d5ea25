/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <crypt.h>
#include <apr_strings.h>

#include "todo_password.h"
#include "todo_util.h"

apr_status_t todo_password_hash(apr_pool_t *p, const char *password, int cost,
                                const char **phash)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    const char *out;

    /* An explicit cost always: a count of 0 would mean bcrypt's cost 5. */
    if (cost < TODO_BCRYPT_COST_MIN || cost > TODO_BCRYPT_COST_MAX
        || !crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, setting,
                             sizeof(setting))) {
        return APR_EGENERAL;
    }
    /* struct crypt_data is ~32 KiB: keep it off the thread stack. */
    cd = apr_pcalloc(p, sizeof(*cd));
    out = crypt_rn(password, setting, cd, sizeof(*cd));
    if (!out || out[0] == '*') {
        return APR_EGENERAL;
    }
    *phash = apr_pstrdup(p, out);
    return APR_SUCCESS;
}

apr_status_t todo_password_verify(apr_pool_t *p, const char *password,
                                  const char *hash)
{
    struct crypt_data *cd;
    const char *out;
    apr_size_t len;

    if (!password || !hash) {
        return APR_EACCES;
    }
    cd = apr_pcalloc(p, sizeof(*cd));
    out = crypt_rn(password, hash, cd, sizeof(*cd));
    if (!out || out[0] == '*') {
        return APR_EACCES;
    }
    len = strlen(hash);
    if (strlen(out) != len || !todo_ct_equal(out, hash, len)) {
        return APR_EACCES;
    }
    return APR_SUCCESS;
}
