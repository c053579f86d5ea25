/*
 * mod_bare: the bare-httpd ceiling of tests/bench/run.sh.
 *
 * The least a module can do to answer an API request: GET /healthz, where
 * the bench's configuration sets the handler bare-json
 * (tests/bench/bare/httpd.conf.in), is answered 200 with the same 15-byte
 * JSON body as mod_todo's GET /healthz, {"status":"ok"}, from a static
 * buffer; any other method is a 405, any other path is not ours. No
 * routing, no JSON library, no configuration, no database: what is left is
 * httpd itself (the event MPM, the request's parsing, the hooks of the
 * modules the bench's configuration loads, the response path), the
 * ceiling that mod_todo's own trivial handler sits under.
 *
 * Built by the bench with apxs into build/bench/bare/; never installed.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "apr_buckets.h"

#define BARE_PATH "/healthz"

static const char bare_body[] = "{\"status\":\"ok\"}";

static int bare_handler(request_rec *r)
{
    apr_bucket_brigade *bb;
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;

    if (!r->handler || strcmp(r->handler, "bare-json")
        || strcmp(r->uri, BARE_PATH)) {
        return DECLINED;
    }
    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, sizeof(bare_body) - 1);
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, ba);
    APR_BRIGADE_INSERT_TAIL(
        bb, apr_bucket_immortal_create(bare_body, sizeof(bare_body) - 1, ba));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
    if (ap_pass_brigade(r->output_filters, bb) != APR_SUCCESS) {
        return AP_FILTER_ERROR;
    }
    return OK;
}

static void bare_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_handler(bare_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(bare) = {
    STANDARD20_MODULE_STUFF,
    NULL, /* no per-directory configuration */
    NULL,
    NULL, /* no per-server configuration */
    NULL,
    NULL, /* no directives */
    bare_hooks,
#if defined(AP_MODULE_FLAG_NONE)
    AP_MODULE_FLAG_NONE,
#endif
};
