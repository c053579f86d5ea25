/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * The runner of the glue's unit tests: one cmocka group per glue file,
 * linked against the httpd stubs of stub.c. Run it from the repository
 * root. Set CMOCKA_MESSAGE_OUTPUT=TAP (or XML with CMOCKA_XML_FILE) for
 * CI.
 */

#include "mod_todo_shared.h"
#include "test_glue.h"
#include "todo_json.h"

int ts_setup(void **state)
{
    ts_fixture_t *fx;
    apr_pool_t *p = NULL;

    stub_reset();
    if (APR_SUCCESS != apr_pool_create(&p, ts_root_pool())) {
        return -1;
    }
    fx = apr_pcalloc(p, sizeof(*fx));
    fx->p = p;
    fx->s = stub_server(p);
    /* The segment goes with the test's pool (its process pool). */
    if (todo_shared_post_config(fx->s, TS_BACKLOG, TS_STREAM_KEYS)) {
        apr_pool_destroy(p);
        return -1;
    }
    *state = fx;
    return 0;
}

int ts_teardown(void **state)
{
    apr_pool_destroy(TS_POOL(state));
    return 0;
}

json_t *ts_response_json(request_rec *r)
{
    apr_size_t len;
    const char *body = stub_response(r, &len);
    json_error_t err;
    json_t *j = json_loadb(body, len, 0, &err);

    if (!j) {
        fail_msg("response is not JSON (%s): %s", err.text, body);
    }
    return todo_json_pool_own(r->pool, j);
}

const char *ts_detail(request_rec *r)
{
    const char *detail =
        json_string_value(json_object_get(ts_response_json(r), "detail"));

    if (!detail) {
        fail_msg("no \"detail\" string in %s", stub_response(r, NULL));
    }
    return detail;
}

int main(void)
{
    static const ts_group_fn groups[] = {
        test_glue_config_run,
        test_glue_shared_run,
        test_glue_http_run,
        test_glue_handler_run,
    };

    return ts_run_groups("glue", groups, sizeof(groups) / sizeof(groups[0]),
                         stub_terminate);
}
