/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_strings.h>

#include "todo_conf_parse.h"
#include "todo_util.h"

/* Largest secret file read; far beyond any sane HMAC key. */
#define SECRET_MAX_BYTES 4096

const char *todo_parse_int_range(apr_pool_t *p, const char *arg,
                                 apr_int64_t min, apr_int64_t max,
                                 apr_int64_t *pval)
{
    if (APR_SUCCESS != todo_parse_int64(arg, min, max, pval)) {
        return apr_psprintf(p,
                            "'%s' must be an integer from %" APR_INT64_T_FMT
                            " to %" APR_INT64_T_FMT,
                            arg, min, max);
    }
    return NULL;
}

const char *todo_parse_size(apr_pool_t *p, const char *arg, apr_int64_t min,
                            apr_int64_t max, apr_int64_t *pval)
{
    apr_size_t len = arg ? strlen(arg) : 0;
    apr_int64_t mult = 1, v;
    char *num;

    if (len > 1) {
        switch (arg[len - 1]) {
        case 'k':
        case 'K':
            mult = 1024;
            break;
        case 'm':
        case 'M':
            mult = 1024 * 1024;
            break;
        case 'g':
        case 'G':
            mult = 1024 * 1024 * 1024;
            break;
        default:
            break;
        }
    }
    num = apr_pstrndup(p, arg ? arg : "", mult == 1 ? len : len - 1);
    if (APR_SUCCESS != todo_parse_int64(num, 0, max, &v) || v > max / mult
        || v * mult < min) {
        return apr_psprintf(p,
                            "'%s' must be a size from %" APR_INT64_T_FMT
                            " to %" APR_INT64_T_FMT
                            " bytes (K, M, G suffixes allowed)",
                            arg ? arg : "", min, max);
    }
    *pval = v * mult;
    return NULL;
}

const char *todo_secret_load(apr_pool_t *p, const char *path,
                             apr_size_t min_len, const unsigned char **psecret,
                             apr_size_t *plen)
{
    apr_finfo_t finfo;
    apr_file_t *f;
    char *buf;
    apr_size_t len;
    apr_status_t rv;

    rv = apr_stat(&finfo, path,
                  APR_FINFO_TYPE | APR_FINFO_PROT | APR_FINFO_SIZE, p);
    if (APR_SUCCESS != rv) {
        return apr_psprintf(p, "cannot read secret file %s: %pm", path, &rv);
    }
    if (finfo.filetype != APR_REG) {
        return apr_psprintf(p, "secret file %s is not a regular file", path);
    }
    if (finfo.protection & (APR_GREAD | APR_GWRITE | APR_WREAD | APR_WWRITE)) {
        return apr_psprintf(p,
                            "secret file %s is readable or writable by group "
                            "or others; chmod 0600 it",
                            path);
    }
    if (finfo.size > SECRET_MAX_BYTES) {
        return apr_psprintf(p, "secret file %s is larger than %d bytes", path,
                            SECRET_MAX_BYTES);
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_OS_DEFAULT, p);
    if (APR_SUCCESS != rv) {
        return apr_psprintf(p, "cannot open secret file %s: %pm", path, &rv);
    }
    buf = apr_palloc(p, SECRET_MAX_BYTES + 1);
    len = SECRET_MAX_BYTES;
    rv = apr_file_read_full(f, buf, len, &len);
    apr_file_close(f);
    if (APR_SUCCESS != rv && !APR_STATUS_IS_EOF(rv)) {
        return apr_psprintf(p, "cannot read secret file %s: %pm", path, &rv);
    }
    if (len > 0 && buf[len - 1] == '\n') {
        --len;
        if (len > 0 && buf[len - 1] == '\r') {
            --len;
        }
    }
    if (len < min_len) {
        return apr_psprintf(p,
                            "secret file %s holds %" APR_SIZE_T_FMT
                            " bytes; at least %" APR_SIZE_T_FMT " are required",
                            path, len, min_len);
    }
    *psecret = (const unsigned char *)buf;
    *plen = len;
    return NULL;
}
