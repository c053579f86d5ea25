/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_handler.c
 * @brief The API handler: the route table, the mount point, dispatch to
 * the per-resource handlers, /healthz, /readyz, /metrics, and the log
 * hook that counts requests and redacts tokens from the access log.
 */

#include <string.h>

#include <apr_fnmatch.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "mod_todo_routes.h"
#include "mod_todo_shared.h"
#include "todo_json.h"
#include "todo_log.h"
#include "todo_util.h"
#include "todo_validate.h"

APLOG_USE_MODULE(todo);

/* The route table: method, pattern, handler (ids are assigned at
 * startup). The first full match wins, so /tasks/bulk comes before
 * /tasks/{id}. */
static const struct {
    todo_route_t route;
    todo_route_fn *fn;
} routes[] = {
    {{"GET", "/healthz", 0}, todo_h_healthz},
    {{"GET", "/readyz", 0}, todo_h_readyz},
    {{"GET", "/metrics", 0}, todo_h_metrics},
    {{"GET", "/openapi.json", 0}, todo_h_openapi},
    {{"POST", "/auth/register", 0}, todo_h_register},
    {{"POST", "/auth/login", 0}, todo_h_login},
    {{"POST", "/auth/refresh", 0}, todo_h_refresh},
    {{"POST", "/auth/logout", 0}, todo_h_logout},
    {{"GET", "/auth/me", 0}, todo_h_me},
    {{"GET", "/users", 0}, todo_h_user_list},
    {{"GET", "/users/{id}", 0}, todo_h_user_get},
    {{"PATCH", "/users/{id}", 0}, todo_h_user_update},
    {{"PUT", "/users/{id}", 0}, todo_h_user_update},
    {{"DELETE", "/users/{id}", 0}, todo_h_user_delete},
    {{"POST", "/tasks", 0}, todo_h_task_create},
    {{"GET", "/tasks", 0}, todo_h_task_list},
    {{"POST", "/tasks/bulk", 0}, todo_h_task_bulk},
    {{"GET", "/tasks/{id}", 0}, todo_h_task_get},
    {{"PATCH", "/tasks/{id}", 0}, todo_h_task_update},
    {{"PUT", "/tasks/{id}", 0}, todo_h_task_update},
    {{"DELETE", "/tasks/{id}", 0}, todo_h_task_delete},
    {{"GET", "/events", 0}, todo_h_events},
    {{"GET", "/ws", 0}, todo_h_ws},
};
#define NROUTES ((int)(sizeof(routes) / sizeof(routes[0])))
_Static_assert(NROUTES < TODO_METRICS_ROUTES, "TODO_METRICS_ROUTES too small");

static todo_route_t route_table[NROUTES];
/* The same, as the metrics label them. */
static todo_metrics_route_t metrics_routes[NROUTES];

static void route_table_init(void)
{
    int i;

    for (i = 0; i < NROUTES; ++i) {
        route_table[i] = routes[i].route;
        route_table[i].id = i;
        metrics_routes[i].method = routes[i].route.method;
        metrics_routes[i].pattern = routes[i].route.pattern;
    }
}

/* The route a request was dispatched to, for the metrics (kept in
 * r->request_config; unset for requests the router did not match). */
typedef struct {
    int route;
} route_note_t;

int todo_h_metrics(todo_req_t *req)
{
    const char *text;

    /* Checked here, not left to a <Location .../metrics>: the module
     * knows its route whatever path or section led to it. */
    if (!todo_conf_metrics_allowed(req->dc, req->r)) {
        return todo_send_error(
            req, todo_result_fail(req->res, APR_EACCES, "Forbidden"));
    }
    text = todo_metrics_render(todo_shared_metrics(), metrics_routes, NROUTES,
                               req->r->pool);

    ap_set_content_type(req->r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(req->r->headers_out, "Cache-Control", "no-store");
    ap_set_content_length(req->r, (apr_off_t)strlen(text));
    if (!req->r->header_only) {
        ap_rputs(text, req->r);
    }
    return OK;
}

/* Count every request the API handler was meant to answer, once it is
 * logged: its route, final status and latency; or, for a stream that was
 * admitted (a refused one is a request like any other), its time. */
static int todo_log_transaction(request_rec *r)
{
    route_note_t *note;

    /* A token sent as ?access_token= (event streams) must not reach the
     * access log: %r and %q are formatted after this hook. Any spelling
     * of the name is redacted, though only the exact one authenticates. */
    r->args = (char *)todo_redact_param(r->pool, r->args, "access_token");
    r->the_request =
        (char *)todo_redact_param(r->pool, r->the_request, "access_token");
    if (!r->handler || strcmp(r->handler, "todo-api")) {
        return DECLINED;
    }
    note = ap_get_module_config(r->request_config, &todo_module);
    todo_metrics_request(todo_shared_metrics(),
                         note ? note->route : TODO_METRICS_ROUTES - 1,
                         r->status, apr_time_now() - r->request_time,
                         note && apr_table_get(r->notes, TODO_NOTE_STREAM));
    return DECLINED;
}

int todo_h_healthz(todo_req_t *req)
{
    return todo_send_json(req, HTTP_OK,
                          json_pack("{s:s}", TODO_KEY_STATUS, "ok"));
}

int todo_h_readyz(todo_req_t *req)
{
    todo_rows_t *rows;
    apr_status_t rv = todo_req_db(req);

    if (APR_SUCCESS == rv) {
        rv = todo_db_select(req->db, req->r->pool, TODO_SQL_PING, &rows,
                            TODO_NO_ARGS);
    }
    if (APR_SUCCESS != rv) {
        return todo_send_json(req, HTTP_SERVICE_UNAVAILABLE,
                              json_pack("{s:s, s:{s:s}}", TODO_KEY_STATUS,
                                        "unavailable", TODO_KEY_CHECKS,
                                        "database", "unavailable"));
    }
    return todo_send_json(req, HTTP_OK,
                          json_pack("{s:s, s:{s:s}}", TODO_KEY_STATUS, "ok",
                                    TODO_KEY_CHECKS, "database", "ok"));
}

/* A <Location> or <LocationMatch> of a server that has a SetHandler: the
 * API's mount point is the path of the one that set todo-api. */
typedef struct {
    const char *path;        /* <Location path> */
    const ap_regex_t *regex; /* <LocationMatch>: no mount point to tell */
    int wildcard;            /* a <Location> path with wildcards: same */
    apr_size_t mount_len;    /* the mount point: path without trailing '/' */
    const char *mount;       /* ... %-encoded, for headers and documents */
} handler_section_t;

/* The sections of @a s that set a handler, in configuration order (the
 * order httpd merges them in, the last applying one winning). */
static apr_array_header_t *handler_sections(apr_pool_t *p, server_rec *s)
{
    core_server_config *core = ap_get_core_module_config(s->module_config);
    apr_array_header_t *out = apr_array_make(p, 2, sizeof(handler_section_t));
    ap_conf_vector_t **sec = (ap_conf_vector_t **)core->sec_url->elts;
    int i;

    for (i = 0; i < core->sec_url->nelts; ++i) {
        core_dir_config *cd = ap_get_core_module_config(sec[i]);
        handler_section_t *h;

        if (!cd->expr_handler || !cd->d) {
            continue;
        }
        h = apr_array_push(out);
        h->path = cd->d;
        h->regex = cd->r;
        h->wildcard = cd->d_is_fnmatch;
        h->mount_len = todo_router_mount_len(cd->d);
        h->mount = ap_escape_uri(p, apr_pstrmemdup(p, cd->d, h->mount_len));
    }
    return out;
}

static int handler_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    for (; s; s = s->next) {
        todo_srv_conf_get(s)->handler_sections = handler_sections(pconf, s);
    }
    return OK;
}

/*
 * Find the mount point and match the route below it, once. The mount
 * point is TodoBasePath, else the path of the <Location> whose
 * SetHandler gave this request its handler (the last one that applies to
 * the URI, as httpd merges them). Nothing is guessed from the URI:
 * /api/v1/x/tasks is "/x/tasks" below /api/v1, a 404. A <LocationMatch>
 * or a wildcard path has no one mount point: TodoBasePath must say it.
 * The mount point comes from the configuration, never from request bytes
 * (it goes into Location headers).
 * @return the router's status; req->mount stays NULL when no mount point
 *         can be told
 */
apr_status_t todo_route_request(todo_req_t *req)
{
    request_rec *r = req->r;
    const char *base = req->dc->base_path;
    apr_array_header_t *secs = req->sc->handler_sections;
    const handler_section_t *last = NULL;
    apr_size_t len;
    int i;

    if (base) {
        if (!todo_router_location_applies(base, r->uri)) {
            return APR_ENOENT;
        }
        len = strlen(base);
        req->mount = ap_escape_uri(r->pool, base);
    }
    else {
        for (i = 0; secs && i < secs->nelts; ++i) {
            const handler_section_t *h =
                &APR_ARRAY_IDX(secs, i, handler_section_t);
            if (h->regex ? !ap_regexec(h->regex, r->uri, 0, NULL, 0)
                : h->wildcard
                    ? APR_SUCCESS
                          == apr_fnmatch(h->path, r->uri, APR_FNM_PATHNAME)
                    : todo_router_location_applies(h->path, r->uri)) {
                last = h;
            }
        }
        if (!last || last->regex || last->wildcard) {
            return APR_ENOENT;
        }
        len = last->mount_len;
        req->mount = last->mount;
    }
    req->path = r->uri + len;
    return todo_router_match(route_table, NROUTES, r->method, req->path,
                             r->pool, &req->match);
}

static int todo_handler(request_rec *r)
{
    todo_req_t *req;
    route_note_t *note;
    apr_status_t rv;

    if (!r->handler || strcmp(r->handler, "todo-api")) {
        return DECLINED;
    }
    req = todo_req_make(r);
    rv = todo_route_request(req);
    if (!req->mount) {
        /* Outside TodoBasePath: just not the API. Without it, a
         * configuration problem, said once per server and process (a
         * client must not fill the log). */
        if (!req->dc->base_path
            && !__atomic_exchange_n(&req->sc->mount_warned, 1,
                                    __ATOMIC_ACQ_REL)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          TODO_LOGNO(00018) "cannot tell the API mount point "
                                            "for %s (a <LocationMatch>, a "
                                            "wildcard, <If> or <Directory> "
                                            "sets the handler); set "
                                            "TodoBasePath (said once per "
                                            "process)",
                          r->uri);
        }
        return todo_send_error(
            req, todo_result_fail(req->res, APR_ENOENT, "Not Found"));
    }
    if (APR_SUCCESS != rv) {
        todo_result_fail(req->res, rv,
                         rv == TODO_EMETHOD ? "Method Not Allowed"
                                            : "Not Found");
        req->res->allow = req->match.allow;
        return todo_send_error(req, rv);
    }
    note = apr_palloc(r->pool, sizeof(*note));
    note->route = req->match.route->id;
    ap_set_module_config(r->request_config, &todo_module, note);
    return routes[req->match.route->id].fn(req);
}

void todo_handler_register_hooks(void)
{
    /* The log hook runs before mod_log_config writes the line. */
    static const char *const before_log[] = {"mod_log_config.c", NULL};

    route_table_init();
    todo_openapi_register_hooks();
    todo_logformat_register_hooks();
    ap_hook_post_config(handler_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(todo_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(todo_log_transaction, NULL, before_log,
                            APR_HOOK_MIDDLE);
}
