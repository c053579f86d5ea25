/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file stub.h
 * @brief httpd, as far as the glue's unit tests need it: link-time
 * re-implementations of the httpd symbols that the glue files under test
 * call, in the manner of mod_auth_openidc's test/stub.c, and builders of
 * a fake server and request in a pool.
 *
 * The glue files under test (mod_todo_http.c, mod_todo_handler.c,
 * mod_todo_shared.c, mod_todo_config.c) are compiled unchanged and
 * linked with stub.c instead of httpd. What the stubs do:
 *  - ap_get_brigade() hands out the request body set by stub_body(),
 *    bucket by bucket and at most readbytes a call, then EOS; or fails
 *    as stub_body_fail() says;
 *  - ap_pass_brigade() and ap_rwrite() append to the response, read
 *    back with stub_response(); ap_set_content_type() and
 *    ap_set_content_length() set what httpd sets;
 *  - ap_log_rerror_() and ap_log_error_() keep each line with its level
 *    (stub_logged()), and print nothing;
 *  - the ap_hook_*() functions keep the function they are given
 *    (stub_hook_post_config() ...), so that a test can call a static
 *    hook; ap_retained_data_*() keep their data until stub_reset();
 *  - todo_dbd_acquire() returns the request's stub_req_t.db (NULL: the
 *    database is down), and the todo_h_* handlers of the glue files not
 *    linked record that they were dispatched to (stub_dispatched());
 *  - ap_map_http_request_error(), ap_os_escape_path(),
 *    ap_check_cmd_context(), ap_server_root_relative() and
 *    ap_str_tolower() do what httpd 2.4 does (ap_check_cmd_context()
 *    without the checks that walk cmd->directive); ap_regexec() runs a
 *    POSIX regex made by stub_location().
 *
 * Config vectors have STUB_CONF_SLOTS slots: the core's config at 0
 * (AP_CORE_MODULE_INDEX), todo_module's at 1 (its module_index here).
 */
#ifndef STUB_H
#define STUB_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

#include "mod_todo_http.h"
#include "todo_store.h"

/** Slots of every config vector the stubs make. */
#define STUB_CONF_SLOTS 4

/** The requests' r->request_time, in seconds (libjwt's TS_CONST, as the
 * unit tests have it). */
#define STUB_TIME 1475980545L

/** ap_server_root_relative() resolves against this (Debian's). */
#define STUB_SERVER_ROOT "/etc/apache2"

/** One line an ap_log_*error_() call would have written. */
typedef struct stub_log_t {
    int level;           /**< APLOG_ERR, ... (without APLOG_NOERRNO) */
    apr_status_t status; /**< the status passed in */
    const char *msg;     /**< the formatted message */
} stub_log_t;

/** What the stubs know of one fake request (stub_of()). */
typedef struct stub_req_t {
    request_rec *r;

    /* The body ap_get_brigade() hands out. */
    const char *body;
    apr_size_t body_len;
    apr_size_t bucket_len; /**< bytes per bucket; 0: no limit */
    apr_size_t sent;       /**< bytes handed out so far */
    apr_size_t fail_at;    /**< fail once this many were handed out */
    apr_status_t fail_rv;  /**< with this; APR_SUCCESS: never fail */
    int fail_in_bucket;    /**< in apr_bucket_read(), not ap_get_brigade() */
    int reads;             /**< ap_get_brigade() calls */

    /* The response. */
    char *out; /**< what was passed and written, NUL-terminated */
    apr_size_t out_len;
    apr_size_t out_cap;
    int passes; /**< ap_pass_brigade() calls */
    int eos;    /**< an EOS bucket was passed */

    /* The database todo_dbd_acquire() returns. */
    todo_db_t *db;           /**< NULL: unavailable */
    int db_acquires;         /**< todo_dbd_acquire() calls */
    apr_array_header_t *log; /**< of stub_log_t: ap_log_rerror_() */
} stub_req_t;

/**
 * Forget what the previous test left: retained data, the server log,
 * the last dispatch. Hooks registered stay. Call before each test.
 */
void stub_reset(void);

/** Release what the stubs hold (at the end of the run). */
void stub_terminate(void);

/**
 * A server_rec in @a p as httpd has it after reading the configuration:
 * a process_rec whose pool and pconf are @a p, the log at APLOG_DEBUG,
 * module_config holding a core_server_config (no <Location> yet) and a
 * fresh todo_srv_conf_t, lookup_defaults a fresh todo_dir_conf_t.
 */
server_rec *stub_server(apr_pool_t *p);

/**
 * Add a section to @a s, after the others, as the core's <Location>
 * handler makes it: <Location @a path>, or <LocationMatch @a path> when
 * @a match is set (a POSIX extended regex here), with a SetHandler when
 * @a handler is set (d_is_fnmatch as httpd sets it, for a path with
 * wildcards).
 */
void stub_location(server_rec *s, const char *path, int match, int handler);

/**
 * A request of @a s in @a p: a conn_rec with its bucket allocator, the
 * per-dir config (a fresh todo_dir_conf_t: override members directly),
 * an empty request_config, headers tables, the_request, r->handler
 * "todo-api", request_time STUB_TIME, the client 127.0.0.1,
 * the stubs' input and output filters.
 * @param uri r->uri (decoded, as httpd has it); a '?' starts r->args
 */
request_rec *stub_request(server_rec *s, apr_pool_t *p, const char *method,
                          const char *uri);

/** Set the client address of @a r (useragent_ip and _addr, and the
 * connection's). */
void stub_client(request_rec *r, const char *ip);

/** @return the stubs' record of @a r */
stub_req_t *stub_of(const request_rec *r);

/**
 * The request body: @a len bytes of @a body (not copied; it must live as
 * long as the request) in buckets of @a bucket_len bytes (0: as many as a
 * read asks for). Sets no header.
 */
void stub_body(request_rec *r, const char *body, apr_size_t len,
               apr_size_t bucket_len);

/**
 * Make reading the body fail with @a rv once @a at bytes were handed
 * out: ap_get_brigade() returns it (at the start of a call), or, with
 * @a in_bucket, a bucket whose read returns it.
 */
void stub_body_fail(request_rec *r, apr_size_t at, apr_status_t rv,
                    int in_bucket);

/** @return the response body sent so far (NUL-terminated), its length in
 * @a plen if not NULL */
const char *stub_response(const request_rec *r, apr_size_t *plen);

/**
 * The first line logged for @a r (NULL: for the server, through
 * ap_log_error_()) at @a level whose message contains @a text.
 * @return the line, or NULL
 */
const stub_log_t *stub_logged(const request_rec *r, int level,
                              const char *text);

/** @return how many lines were logged for @a r (NULL: the server) */
int stub_log_count(const request_rec *r);

/** @return the name of the todo_h_* stub called last ("todo_h_task_get"),
 * or NULL since stub_reset() */
const char *stub_dispatched(void);

/** @return the request the todo_h_* stub called last was given */
todo_req_t *stub_dispatched_req(void);

/** The hooks registered with ap_hook_*() (NULL: none yet). */
ap_HOOK_post_config_t *stub_hook_post_config(void);
ap_HOOK_handler_t *stub_hook_handler(void);
ap_HOOK_log_transaction_t *stub_hook_log_transaction(void);

#endif /* STUB_H */
