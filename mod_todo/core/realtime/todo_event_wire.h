/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_event_wire.h
 * @brief Realtime events between httpd servers: the text messages sent
 * with PostgreSQL's NOTIFY (at most ~8000 bytes each, valid UTF-8), and
 * their reassembly.
 *
 * A message is "<origin> <id> <part> <parts> <kind> <user> <data>":
 * origin and id in 16 hex digits (the sending server and its message
 * number), part 1..parts, kind as todo_event_kind_t, the user id, then a
 * slice of the event's payload cut on a UTF-8 character boundary.
 */
#ifndef TODO_EVENT_WIRE_H
#define TODO_EVENT_WIRE_H

#include <apr_hash.h>
#include <apr_tables.h>

#include "todo_events.h"

/** Bytes of payload per message. */
#define TODO_WIRE_CHUNK 7000

/**
 * The messages that carry one event.
 * @return an array of const char *, from @a p
 */
apr_array_header_t *todo_wire_encode(apr_pool_t *p, uint64_t origin,
                                     uint64_t id, todo_event_kind_t kind,
                                     const char *user, const char *data,
                                     apr_size_t len);

/** Reassembles events from messages, whatever their interleaving. */
typedef struct todo_wire_reasm_t todo_wire_reasm_t;

/** A reassembler whose state lives in @a p (a long-lived pool). */
todo_wire_reasm_t *todo_wire_reasm_make(apr_pool_t *p);

/**
 * Take one message.
 * @param porigin receives the message's origin (to skip one's own)
 * @param out filled, with the payload from @a p, once every part of its
 *        event has arrived
 * @return APR_SUCCESS with @a out complete; APR_INCOMPLETE when more
 *         parts are awaited; APR_EINVAL for a malformed message
 */
apr_status_t todo_wire_take(todo_wire_reasm_t *rs, apr_pool_t *p,
                            const char *msg, uint64_t *porigin,
                            todo_event_t *out);

#endif /* TODO_EVENT_WIRE_H */
