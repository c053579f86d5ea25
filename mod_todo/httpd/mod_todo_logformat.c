/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_logformat.c
 * @brief %{...}J, a mod_log_config format item that writes one request
 * value as a JSON string (or null) whatever its bytes, so the JSON access
 * log is JSON on every line; and the time in UTC.
 *
 * mod_log_config escapes logged values as \\xNN, which JSON does not
 * have: a User-Agent of "caf\\xc3\\xa9" made a line no JSON parser reads.
 * Here every value is escaped as JSON (todo_jbuf_log_str), quotes
 * included:
 *
 *   %{time}J     the request's start, RFC 3339 in UTC with microseconds
 *   %{method}J  %{path}J  %{query}J  %{user}J  %{client}J
 *   %{in:Name}J  a request header
 *   %{env:Name}J a variable of the request's environment (UNIQUE_ID)
 */

#include <apr_optional.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <mod_log_config.h>

#include "mod_todo_routes.h"
#include "todo_json.h"
#include "todo_time.h"

static const char *json_value(request_rec *r, const char *v)
{
    todo_jbuf_t b;
    apr_size_t len;

    todo_jbuf_init(&b, r->pool, v ? 2 * strlen(v) + 8 : 8);
    todo_jbuf_log_str(&b, v, v ? strlen(v) : 0);
    return todo_jbuf_text(&b, &len);
}

static const char *log_json(request_rec *r, char *a)
{
    if (!strcmp(a, "time")) {
        return apr_pstrcat(r->pool, "\"",
                           todo_time_format(r->pool, r->request_time), "\"",
                           NULL);
    }
    if (!strcmp(a, "method")) {
        return json_value(r, r->method);
    }
    if (!strcmp(a, "path")) {
        return json_value(r, r->uri);
    }
    if (!strcmp(a, "query")) {
        return json_value(r, r->args);
    }
    if (!strcmp(a, "user")) {
        return json_value(r, r->user);
    }
    if (!strcmp(a, "client")) {
        return json_value(r, r->useragent_ip);
    }
    if (!strncmp(a, "in:", 3)) {
        return json_value(r, apr_table_get(r->headers_in, a + 3));
    }
    if (!strncmp(a, "env:", 4)) {
        return json_value(r, apr_table_get(r->subprocess_env, a + 4));
    }
    return "null";
}

static int logformat_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp)
{
    APR_OPTIONAL_FN_TYPE(ap_register_log_handler) *reg =
        APR_RETRIEVE_OPTIONAL_FN(ap_register_log_handler);

    (void)plog;
    (void)ptemp;
    if (reg) { /* without mod_log_config there is no access log to serve */
        static char tag[] = "J"; /* mod_log_config's API takes a char * */
        reg(pconf, tag, log_json, 0);
    }
    return OK;
}

void todo_logformat_register_hooks(void)
{
    /* Before mod_log_config reads the LogFormat directives (at config
     * time, after every pre_config). */
    ap_hook_pre_config(logformat_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
}
