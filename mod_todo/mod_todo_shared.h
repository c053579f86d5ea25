/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_shared.h
 * @brief The shared memory segment every httpd process of this server
 * sees: the metrics and the rate-limit table.
 *
 * Made once by the parent in post_config and kept (ap_retained_data)
 * across graceful restarts, so counters and limits survive a reload;
 * children inherit the mapping when they are forked.
 */
#ifndef MOD_TODO_SHARED_H
#define MOD_TODO_SHARED_H

#include <httpd.h>

#include "todo_metrics.h"
#include "todo_ratelimit.h"

/**
 * Create (or find again after a restart) the segment.
 * @return NULL, or an error message
 */
const char *todo_shared_post_config(server_rec *s);

/** @return the shared counters (never NULL once post_config ran) */
todo_metrics_t *todo_shared_metrics(void);

/** @return the shared rate-limit table */
todo_rl_table_t *todo_shared_rates(void);

#endif /* MOD_TODO_SHARED_H */
