/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>

#include "todo_result.h"
#include "todo_router.h"

/* Match one pattern; captures go into m->params. */
static int pattern_match(const char *pattern, const char *path, apr_pool_t *p,
                         todo_route_match_t *m)
{
    const char *pp = pattern, *sp = path;

    m->nparams = 0;
    while (*pp && *sp) {
        if (*pp == '{') {
            const char *close = strchr(pp, '}');
            const char *end = strchr(sp, '/');
            if (!end) {
                end = sp + strlen(sp);
            }
            if (!close || end == sp || m->nparams >= TODO_ROUTE_MAX_PARAMS) {
                return 0;
            }
            m->params[m->nparams++] =
                apr_pstrmemdup(p, sp, (apr_size_t)(end - sp));
            pp = close + 1;
            sp = end;
        }
        else if (*pp++ != *sp++) {
            return 0;
        }
    }
    return *pp == '\0' && *sp == '\0';
}

apr_status_t todo_router_match(const todo_route_t *routes, int nroutes,
                               const char *method, const char *path,
                               apr_pool_t *p, todo_route_match_t *m)
{
    const char *allow = NULL;
    int i;

    memset(m, 0, sizeof(*m));
    if (!strcmp(method, "HEAD")) {
        method = "GET";
    }
    for (i = 0; i < nroutes; ++i) {
        todo_route_match_t tmp;
        memset(&tmp, 0, sizeof(tmp));
        if (!pattern_match(routes[i].pattern, path, p, &tmp)) {
            continue;
        }
        if (!strcmp(routes[i].method, method)) {
            *m = tmp;
            m->route = &routes[i];
            return APR_SUCCESS;
        }
        allow = allow ? apr_pstrcat(p, allow, ", ", routes[i].method, NULL)
                      : routes[i].method;
        if (!strcmp(routes[i].method, "GET")) {
            allow = apr_pstrcat(p, allow, ", HEAD", NULL);
        }
    }
    if (allow) {
        m->allow = allow;
        return TODO_EMETHOD;
    }
    return APR_ENOENT;
}

int todo_router_location_applies(const char *section, const char *uri)
{
    apr_size_t len = strlen(section);

    return !strncmp(section, uri, len)
           && (len == 0 || section[len - 1] == '/' || uri[len] == '/'
               || uri[len] == '\0');
}

apr_size_t todo_router_mount_len(const char *section)
{
    apr_size_t len = strlen(section);

    while (len > 0 && section[len - 1] == '/') {
        --len;
    }
    return len;
}
