/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file test_glue.h
 * @brief The cmocka groups that test the httpd glue against the stubs of
 * stub.h, one per glue file, and what they share: a fresh pool, server
 * and shared memory segment per test, an in-memory database.
 *
 * main.c runs every group in turn; each test_glue_<file>_run() runs one
 * cmocka group and returns its number of failed tests.
 */
#ifndef TEST_GLUE_H
#define TEST_GLUE_H

/* cmocka needs these before its own header. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>

#include "stub.h"
#include "todo_store.h"
#include "ts_runner.h"

/** The requests' clock (stub.h's STUB_TIME). */
#define TS_NOW apr_time_from_sec(STUB_TIME)

/** The event ring of the shared segment the fixture makes: the smallest
 * TodoEventBacklog. */
#define TS_BACKLOG 65536
/** The fixture segment's stream counts: this many users and addresses. */
#define TS_STREAM_KEYS 100

/** What each test gets. */
typedef struct ts_fixture_t {
    apr_pool_t *p; /**< fresh, destroyed after the test */
    server_rec *s; /**< stub_server(p) */
} ts_fixture_t;

/**
 * Per-test fixture: stub_reset(), a fresh pool and server, and the
 * shared segment made anew by todo_shared_post_config() (the glue's
 * metrics and rate limits live there); undone by ts_teardown().
 */
int ts_setup(void **state);
int ts_teardown(void **state);

/** The pool and the server of the current test. */
#define TS_POOL(state) (((ts_fixture_t *)*(state))->p)
#define TS_SERVER(state) (((ts_fixture_t *)*(state))->s)

/** A test with the fixture. */
#define TS_TEST(f) cmocka_unit_test_setup_teardown(f, ts_setup, ts_teardown)

/** The response body of @a r, parsed (owned by r->pool); fails the test
 * unless it is JSON. */
json_t *ts_response_json(request_rec *r);

/** The "detail" string of @a r's JSON error body; fails the test unless
 * there is one. */
const char *ts_detail(request_rec *r);

/* The groups, one per glue file. Each returns its number of failures. */
int test_glue_http_run(void);
int test_glue_handler_run(void);
int test_glue_shared_run(void);
int test_glue_config_run(void);

#endif /* TEST_GLUE_H */
