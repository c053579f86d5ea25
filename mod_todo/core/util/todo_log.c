/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdarg.h>
#include <apr_strings.h>

#include "todo_log.h"

static todo_log_level_cb *log_level_cb;
static todo_log_print_cb *log_print_cb;
static void *log_baton;

void todo_log_set(todo_log_level_cb *level_cb, todo_log_print_cb *print_cb,
                  void *baton)
{
    log_level_cb = level_cb;
    log_print_cb = print_cb;
    log_baton = baton;
}

int todo_log_is_level(apr_pool_t *p, todo_log_level_t level)
{
    if (!log_level_cb) {
        return 0;
    }
    return log_level_cb(log_baton, p, level);
}

void todo_log_perror(const char *file, int line, todo_log_level_t level,
                     apr_status_t rv, apr_pool_t *p, const char *fmt, ...)
{
    char buffer[8 * 1024];
    va_list ap;

    if (!log_print_cb || !todo_log_is_level(p, level)) {
        return;
    }
    va_start(ap, fmt);
    apr_vsnprintf(buffer, sizeof(buffer), fmt, ap);
    va_end(ap);
    log_print_cb(file, line, level, rv, log_baton, p, buffer);
}
