/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_log.h
 * @brief Logging for the core, inverted so the core never sees httpd.
 *
 * Core files log through todo_log_perror(). The glue (mod_todo.c) installs
 * a callback that formats into a stack buffer and hands the line to
 * ap_log_error(); todoctl installs one that prints to stderr. With no
 * callback installed (unit tests) logging is silent.
 *
 * Every call site carries its own tag, TODO_LOGNO(n), numbered from the
 * file next-number in this directory and never reused.
 */
#ifndef TODO_LOG_H
#define TODO_LOG_H

#include <apr_pools.h>
#include <apr_errno.h>

/** A unique tag for one log call site: "MT00012: ". */
#define TODO_LOGNO(n) "MT" #n ": "

/** Levels, mirroring APLOG_* so the glue maps them one to one. */
typedef enum {
    TODO_LOG_EMERG,
    TODO_LOG_ALERT,
    TODO_LOG_CRIT,
    TODO_LOG_ERR,
    TODO_LOG_WARNING,
    TODO_LOG_NOTICE,
    TODO_LOG_INFO,
    TODO_LOG_DEBUG,
    TODO_LOG_TRACE1
} todo_log_level_t;

/** Where a message comes from: pass TODO_LOG_MARK. */
#define TODO_LOG_MARK __FILE__, __LINE__

/**
 * Is @a level enabled? Lets callers skip building expensive messages.
 * @param baton the baton given to todo_log_set()
 */
typedef int todo_log_level_cb(void *baton, apr_pool_t *p,
                              todo_log_level_t level);

/**
 * Emit one formatted message. @a rv is an APR status (0 for none).
 * The callback must not keep @a msg beyond the call.
 */
typedef void todo_log_print_cb(const char *file, int line,
                               todo_log_level_t level, apr_status_t rv,
                               void *baton, apr_pool_t *p, const char *msg);

/**
 * Install the callbacks. Called once per process, before any thread
 * starts (post_config/child_init in httpd, main() in todoctl).
 */
void todo_log_set(todo_log_level_cb *level_cb, todo_log_print_cb *print_cb,
                  void *baton);

/** @return non-zero if @a level would be printed. */
int todo_log_is_level(apr_pool_t *p, todo_log_level_t level);

/**
 * Log a message. Formats into a stack buffer (never into a long-lived
 * pool), so it is safe on any thread and with any pool.
 * Never pass secrets, passwords or tokens as arguments.
 */
void todo_log_perror(const char *file, int line, todo_log_level_t level,
                     apr_status_t rv, apr_pool_t *p, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif /* TODO_LOG_H */
