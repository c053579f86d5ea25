/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <unicase.h>
#include <uninorm.h>

#include "todo_fold.h"
#include "todo_utf8.h"

/* The shape both mappings share in libunistring. */
typedef uint8_t *case_map_fn(const uint8_t *s, size_t n, const char *lang,
                             uninorm_t nf, uint8_t *buf, size_t *plen);

static apr_status_t map(apr_pool_t *p, case_map_fn *fn, const char *s,
                        apr_size_t len, uninorm_t nf, const char **pout)
{
    uint8_t *out;
    size_t olen = 0;

    if (todo_utf8_count(s, len) < 0) {
        return APR_EINVAL;
    }
    out = fn((const uint8_t *)s, len, NULL, nf, NULL, &olen);
    if (!out) {
        return APR_EINVAL;
    }
    *pout = apr_pstrmemdup(p, (const char *)out, olen);
    free(out);
    return APR_SUCCESS;
}

apr_status_t todo_lower(apr_pool_t *p, const char *s, apr_size_t len,
                        const char **pout)
{
    return map(p, u8_tolower, s, len, NULL, pout);
}

apr_status_t todo_fold(apr_pool_t *p, const char *s, apr_size_t len,
                       const char **pout)
{
    return map(p, u8_casefold, s, len, UNINORM_NFC, pout);
}
