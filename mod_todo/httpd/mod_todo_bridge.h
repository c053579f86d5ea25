/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_bridge.h
 * @brief Realtime events between httpd servers sharing one PostgreSQL
 * (NOTIFY to send, a leased LISTEN per server to receive).
 */
#ifndef MOD_TODO_BRIDGE_H
#define MOD_TODO_BRIDGE_H

#include "mod_todo_http.h"
#include "todo_events.h"

/** Send an event to the other servers (PostgreSQL only; else nothing). */
void todo_bridge_send(todo_req_t *req, todo_event_kind_t kind, const char *user,
                      const char *payload, apr_size_t len);

/** child_init: start this process's listener (PostgreSQL only). */
void todo_bridge_child_init(apr_pool_t *pchild, server_rec *s);

#endif /* MOD_TODO_BRIDGE_H */
