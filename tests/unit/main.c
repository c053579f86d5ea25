/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * The unit-test runner: one cmocka group per core file. Run it from the
 * repository root (tests/data/ is found relative to it). Set
 * CMOCKA_MESSAGE_OUTPUT=TAP (or XML with CMOCKA_XML_FILE) for CI.
 */

#include "test_common.h"

int ts_setup(void **state)
{
    apr_pool_t *p = NULL;

    if (APR_SUCCESS != apr_pool_create(&p, ts_root_pool())) {
        return -1;
    }
    *state = p;
    return 0;
}

int ts_teardown(void **state)
{
    apr_pool_destroy(TS_POOL(state));
    return 0;
}

int main(void)
{
    static const ts_group_fn suites[] = {
        test_todo_util_run,         test_todo_time_run,
        test_todo_uuid_run,         test_todo_utf8_run,
        test_todo_result_run,       test_todo_json_run,
        test_todo_validate_run,     test_todo_router_run,
        test_todo_jwt_run,          test_todo_jwt_cache_run,
        test_jwt_security_run,      test_todo_password_run,
        test_todo_conf_parse_run,   test_todo_store_run,
        test_todo_driver_run,       test_todo_user_run,
        test_todo_auth_run,         test_todo_fold_run,
        test_todo_task_run,         test_todo_task_query_run,
        test_todo_task_store_run,   test_todo_ratelimit_run,
        test_todo_ratelimit_db_run, test_todo_metrics_run,
        test_todo_events_run,       test_todo_event_wire_run,
        test_todo_event_store_run,  test_todo_openapi_run,
        test_todo_ws_run,           test_todo_writer_run,
        test_todo_stream_admit_run, test_todo_stream_run,
        test_todo_httpd_conf_run,   test_todo_stream_counts_run,
        test_todo_park_run,
    };

    return ts_run_groups("unit", suites, sizeof(suites) / sizeof(suites[0]),
                         NULL);
}
