/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <unicase.h>
#include <uninorm.h>

#include "todo_fold.h"
#include "todo_utf8.h"

apr_status_t todo_lower(apr_pool_t *p, const char *s, apr_size_t len,
                        const char **pout)
{
    uint8_t *lower;
    size_t llen = 0;

    if (todo_utf8_count(s, len) < 0) {
        return APR_EINVAL;
    }
    lower = u8_tolower((const uint8_t *)s, len, NULL, NULL, NULL, &llen);
    if (!lower) {
        return APR_EINVAL;
    }
    *pout = apr_pstrmemdup(p, (const char *)lower, llen);
    free(lower);
    return APR_SUCCESS;
}

apr_status_t todo_fold(apr_pool_t *p, const char *s, apr_size_t len,
                       const char **pout)
{
    uint8_t *folded;
    size_t flen = 0;

    if (todo_utf8_count(s, len) < 0) {
        return APR_EINVAL;
    }
    folded =
        u8_casefold((const uint8_t *)s, len, NULL, UNINORM_NFC, NULL, &flen);
    if (!folded) {
        return APR_EINVAL;
    }
    *pout = apr_pstrmemdup(p, (const char *)folded, flen);
    free(folded);
    return APR_SUCCESS;
}
