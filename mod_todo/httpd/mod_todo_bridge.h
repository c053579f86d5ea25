/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_bridge.h
 * @brief Task events from the database to the event ring (PostgreSQL:
 * a leased LISTEN per server, reading the events its notifications name
 * and catching up after a gap), revocations to the other servers
 * (NOTIFY), and the events table's pruning.
 */
#ifndef MOD_TODO_BRIDGE_H
#define MOD_TODO_BRIDGE_H

#include "mod_todo_http.h"
#include "todo_events.h"

/** Send a revocation to the other servers (PostgreSQL only; else
 * nothing). Task events need not: they are stored with their write. */
void todo_bridge_send(todo_req_t *req, todo_event_kind_t kind, const char *user,
                      const char *payload, apr_size_t len);

/** child_init: start this process's listener (PostgreSQL), or its
 * share of the pruning (SQLite). */
void todo_bridge_child_init(apr_pool_t *pchild, server_rec *s);

#endif /* MOD_TODO_BRIDGE_H */
