/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include <string.h>

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

static const char *add_subnet(apr_pool_t *p, const char *arg,
                              todo_ip_allow_t *allow)
{
    char *ip = apr_pstrdup(p, arg), *mask = strchr(ip, '/');
    apr_ipsubnet_t *sub;

    if (mask) {
        *mask++ = '\0';
    }
    if (APR_SUCCESS != apr_ipsubnet_create(&sub, ip, mask, p)) {
        return apr_psprintf(p,
                            "'%s' is not all, none, local, an IP address "
                            "or an address/bits network",
                            arg);
    }
    APR_ARRAY_PUSH(allow->subnets, apr_ipsubnet_t *) = sub;
    return NULL;
}

const char *todo_parse_ip_allow(apr_pool_t *p, const char *arg,
                                todo_ip_allow_t *allow)
{
    const char *err = NULL;

    if (!allow->subnets) {
        allow->subnets = apr_array_make(p, 2, sizeof(apr_ipsubnet_t *));
    }
    if (!strcasecmp(arg, "all")) {
        allow->all = 1;
    }
    else if (!strcasecmp(arg, "none")) {
        allow->all = allow->local = 0;
        apr_array_clear(allow->subnets);
    }
    else if (!strcasecmp(arg, "local")) {
        allow->local = 1;
    }
    else {
        err = add_subnet(p, arg, allow);
    }
    return err;
}

/* 127.0.0.0/8, ::1, and 127.0.0.0/8 mapped into IPv6. */
static int is_loopback(const apr_sockaddr_t *a)
{
    const unsigned char *ip = a->ipaddr_ptr;
    static const unsigned char v6_loopback[16] = {[15] = 1};
    static const unsigned char v4_mapped[12] = {[10] = 0xff, [11] = 0xff};

    if (a->family == APR_INET) {
        return ip[0] == 127;
    }
#if APR_HAVE_IPV6
    if (a->family == APR_INET6) {
        return !memcmp(ip, v6_loopback, 16)
               || (!memcmp(ip, v4_mapped, 12) && ip[12] == 127);
    }
#endif
    return 0;
}

int todo_ip_allowed(const todo_ip_allow_t *allow, apr_sockaddr_t *addr)
{
    int i;

    if (allow->all || (allow->local && is_loopback(addr))) {
        return 1;
    }
    for (i = 0; allow->subnets && i < allow->subnets->nelts; ++i) {
        if (apr_ipsubnet_test(
                APR_ARRAY_IDX(allow->subnets, i, apr_ipsubnet_t *), addr)) {
            return 1;
        }
    }
    return 0;
}
