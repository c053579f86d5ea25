/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo.c
 * @brief The module record and its hooks: startup (shared memory, the
 * database, migrations, token keys), the children's start, AuthType Bearer
 * for any content, and the core's log lines sent to the error log.
 *
 * The API handler is in mod_todo_handler.c, the configuration in
 * mod_todo_config.c, and everything that does not need httpd in the core
 * (mod_todo/core/).
 */

#include <string.h>

#include <apr_strings.h>
#include <ap_mpm.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_auth.h>

#include "mod_todo_bridge.h"
#include "mod_todo_config.h"
#include "mod_todo_dbd.h"
#include "mod_todo_http.h"
#include "mod_todo_routes.h"
#include "mod_todo_shared.h"
#include "mod_todo_park.h"
#include "mod_todo_stream.h"
#include "todo_log.h"
#include "todo_version.h" /* build/gen, from VERSION */

/* ---- the core's log lines go to the error log ---- */

static const int log_levels[] = {APLOG_EMERG, APLOG_ALERT,   APLOG_CRIT,
                                 APLOG_ERR,   APLOG_WARNING, APLOG_NOTICE,
                                 APLOG_INFO,  APLOG_DEBUG,   APLOG_TRACE1};

static server_rec *log_server;

static int log_is_level(void *baton, apr_pool_t *p, todo_log_level_t level)
{
    (void)baton;
    (void)p;
    return APLOG_IS_LEVEL(log_server, log_levels[level]);
}

static void log_print(const char *file, int line, todo_log_level_t level,
                      apr_status_t rv, void *baton, apr_pool_t *p,
                      const char *msg)
{
    (void)baton;
    (void)p;
    /* Our own codes (TODO_E*) mean nothing to apr_strerror(): "APR does
     * not understand this error code". The message says what happened. */
    if (rv >= APR_OS_START_USERERR && rv < APR_OS_START_USERERR + 1000) {
        rv = 0;
    }
    ap_log_error(file, line, APLOG_MODULE_INDEX, log_levels[level], rv,
                 log_server, "%s", msg);
}

/* ---- startup ---- */

/*
 * check_config runs at every start and restart and for `httpd -t`
 * (apachectl configtest, which Debian's apache2ctl runs before a graceful
 * restart): every mistake that would stop the server is found here, with
 * the file:line to fix, so that -t tells the truth and a graceful restart
 * with a broken configuration is refused instead of taking every vhost
 * down.
 */
static int todo_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    const char *err = todo_dbd_check_config(ptemp, s);
    server_rec *sp;

    (void)pconf;
    (void)plog;
    for (sp = s; !err && sp; sp = sp->next) {
        if (todo_srv_conf_get(sp)->used && !todo_srv_conf_get(sp)->secret) {
            err = apr_psprintf(
                ptemp,
                "%s: TodoJWTSecretFile is required: mod_todo signs and "
                "checks tokens with it (at least 32 bytes, mode 0600)",
                todo_dbd_where(ptemp, sp, NULL));
        }
    }
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     TODO_LOGNO(00034) "mod_todo: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static int todo_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    const char *err;
    server_rec *sp;

    (void)plog;
    log_server = s;
    todo_log_set(log_is_level, log_print, NULL);
    if (!todo_dbd_mark_used(ptemp, s)) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     TODO_LOGNO(00039) "mod_todo is loaded but no server "
                                       "uses it (no SetHandler todo-api, "
                                       "AuthType Bearer or "
                                       "TodoJWTSecretFile)");
    }
    /* The Server header's component (ServerTokens Full shows it). */
    ap_add_version_component(pconf, "mod_todo/" TODO_VERSION);
    /* The MPM's capacity for streams first: it sizes their counts. */
    todo_stream_post_config(s);
    err = todo_shared_post_config(
        s, (apr_size_t)todo_conf_event_backlog(todo_srv_conf_get(s)),
        todo_stream_most(s));
    if (!err) {
        err = todo_dbd_post_config(pconf, ptemp, s);
    }
    for (sp = s; !err && sp; sp = sp->next) {
        todo_srv_conf_t *sc = todo_srv_conf_get(sp);
        todo_srv_conf_t *main_sc = todo_srv_conf_get(s);
        if (!sc->used) {
            continue; /* sc->auth stays NULL: see todo_unused() */
        }
        /* Virtual hosts with the main server's token settings share
         * its keys, and so one dummy hash. */
        if (sp != s && main_sc->used && todo_conf_same_tokens(sc, main_sc)) {
            sc->auth = main_sc->auth;
            sc->db_opts = main_sc->db_opts;
            continue;
        }
        err = todo_srv_conf_finish(pconf, sc);
    }
    /* httpd reads its configuration twice at startup; migrate on the
     * real pass only, once, in the parent. */
    if (!err
        && ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        int *served = ap_retained_data_get("mod_todo-served");
        err = todo_dbd_migrate(ptemp, s);
        if (err && served && *served) {
            /* A restart: a database that cannot be reached now must not
             * take the whole server down with it. Requests get 503 until
             * it is back; migrations wait for the next restart. */
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                         TODO_LOGNO(00035) "mod_todo: %s; serving on, with "
                                           "503 until the database answers",
                         err);
            err = NULL;
        }
    }
    if (!err) {
        err = todo_dbd_create_mutex(pconf, s);
    }
    if (!err
        && ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        int *served = ap_retained_data_get("mod_todo-served");
        if (!served) {
            served =
                ap_retained_data_create("mod_todo-served", sizeof(*served));
        }
        *served = 1; /* from now on, a restart */
    }
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     TODO_LOGNO(00019) "mod_todo: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* ---- AuthType Bearer for any content ---- */

/* A request mod_todo would answer in a server todo_dbd_mark_used() did
 * not find it used in (the handler set by an expression, say): 500, and
 * said once per process. */
static int todo_unused(request_rec *r)
{
    static int said;

    if (todo_srv_conf_get(r->server)->auth) {
        return 0;
    }
    if (!__atomic_exchange_n(&said, 1, __ATOMIC_ACQ_REL)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      TODO_LOGNO(00038) "mod_todo is not configured for "
                                        "this server (%s:%d): give it "
                                        "TodoJWTSecretFile, or SetHandler "
                                        "todo-api in a <Location> (said "
                                        "once per process)",
                      r->server->defn_name ? r->server->defn_name : "main",
                      r->server->defn_line_number);
    }
    return 1;
}

/*
 * With "AuthType Bearer" and a Require line, any Apache-served content
 * accepts the API's access tokens; r->user becomes the user id.
 */
static int todo_check_authn(request_rec *r)
{
    const char *type = ap_auth_type(r);
    todo_req_t *req;
    apr_status_t rv;

    if (!type || strcasecmp(type, "Bearer")) {
        return DECLINED;
    }
    if (todo_unused(r)) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* The API's own authentication, whole: the same checks, r->user, the
     * same WWW-Authenticate and metrics; only the body is httpd's. */
    req = todo_req_make(r);
    rv = todo_req_authenticate(req);
    return APR_SUCCESS == rv ? OK : todo_req_refusal(req, rv);
}

/* Before the API's handler (mod_todo_handler.c): not in a server that
 * does not use mod_todo. */
static int todo_handler_guard(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, "todo-api") || !todo_unused(r)) {
        return DECLINED;
    }
    return HTTP_INTERNAL_SERVER_ERROR;
}

static int todo_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    todo_dbd_pre_config(pconf);
    return OK;
}

static void todo_child_init(apr_pool_t *pchild, server_rec *s)
{
    /* The database opened ahead of mod_dbd, and listened to on
     * PostgreSQL, is the main server's, or else the first virtual
     * host's that uses mod_todo. */
    server_rec *used = todo_dbd_first_used(s);
    server_rec *sp;

    /* Each process remembers the access tokens it verified (token
     * settings shared by virtual hosts share one memory). */
    for (sp = s; sp; sp = sp->next) {
        todo_auth_config_t *auth = todo_srv_conf_get(sp)->auth;
        if (auth && !auth->jwt_cache
            && APR_SUCCESS
                   != todo_jwt_cache_create(pchild, TODO_JWT_CACHE_SLOTS,
                                            &auth->jwt_cache)) {
            auth->jwt_cache = NULL; /* every token checked in full */
        }
    }
    if (used) {
        todo_dbd_child_init(pchild, used);
    }
    todo_stream_child_init(pchild, s);
    if (used) {
        todo_bridge_child_init(pchild, used);
    }
}

static void todo_hooks(apr_pool_t *p)
{
    /* Our statements must reach mod_dbd before it groups its servers. */
    static const char *const before_dbd[] = {"mod_dbd.c", NULL};

    (void)p;
    ap_hook_pre_config(todo_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(todo_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(todo_post_config, NULL, before_dbd, APR_HOOK_MIDDLE);
    /* Before mod_dbd opens its pool: see todo_dbd_child_init(). */
    ap_hook_child_init(todo_child_init, NULL, before_dbd, APR_HOOK_MIDDLE);
    ap_hook_check_authn(todo_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_handler(todo_handler_guard, NULL, NULL, APR_HOOK_FIRST);
    todo_handler_register_hooks();
    todo_lot_register_hooks();
}

AP_DECLARE_MODULE(todo) = {
    STANDARD20_MODULE_STUFF,
    todo_dir_conf_create,
    todo_dir_conf_merge,
    todo_srv_conf_create,
    todo_srv_conf_merge,
    todo_cmds,
    todo_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_ALWAYS_MERGE,
#endif
};
