/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_openapi.c
 * @brief GET <mount>/openapi.json: the embedded OpenAPI document
 * (todo_openapi.c), with servers[0].url set to the absolute URL of the
 * request's mount point.
 */

#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_filter.h>

#include "mod_todo_routes.h"
#include "todo_log.h"
#include "todo_openapi.h"
#include "todo_task.h"

APLOG_USE_MODULE(todo);

/* Loaded in the parent at every (re)start, in pconf: the children share
 * it read-only. */
static const todo_openapi_t *openapi;

static int openapi_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    todo_openapi_t *doc;
    const char *why = NULL;

    (void)plog;
    (void)ptemp;
    if (APR_SUCCESS
        != todo_openapi_load(pconf, todo_openapi_data, todo_openapi_data_len,
                             &doc, &why)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     TODO_LOGNO(00029) "the embedded OpenAPI document "
                                       "cannot be served: %s",
                     why);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    openapi = doc;
    return OK;
}

void todo_openapi_register_hooks(void)
{
    ap_hook_post_config(openapi_post_config, NULL, NULL, APR_HOOK_MIDDLE);
}

int todo_h_openapi(todo_req_t *req)
{
    request_rec *r = req->r;
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    apr_bucket_brigade *bb;
    const char *etag, *inm, *body, *url;
    apr_size_t len;

    if (!openapi) {
        return todo_send_error(req, APR_EGENERAL);
    }
    /* An absolute URL, as httpd makes self-referential ones (scheme, then
     * ServerName or Host by UseCanonicalName): tools resolve the OAuth2
     * URLs against servers[0].url, and a page on another origin resolves
     * a relative one against itself. */
    url = ap_construct_url(r->pool, req->mount, r);
    etag = todo_openapi_etag(openapi, r->pool, url);
    apr_table_setn(r->headers_out, "ETag", etag);
    /* Revalidate every time: an upgraded module may serve a new one. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    inm = apr_table_get(r->headers_in, "If-None-Match");
    if (inm && todo_etag_matches(inm, etag, 1)) {
        r->status = HTTP_NOT_MODIFIED;
        return OK;
    }
    body = todo_openapi_render(openapi, r->pool, url, &len);
    r->status = HTTP_OK;
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)len);
    bb = apr_brigade_create(r->pool, ba);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(body, len, r->pool, ba));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
    ap_pass_brigade(r->output_filters, bb);
    return OK;
}
