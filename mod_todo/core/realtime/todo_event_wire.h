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
 *
 * Only revocations travel so (they need not be durable). A task event is
 * a row of the events table, and its NOTIFY, sent by the database at the
 * commit of the write that made it, carries just "e<id>": the listeners
 * read the row (todo_event_store.h).
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

/**
 * Is @a msg a task event's notification, "e" and the event's id in
 * decimal (1 to 18 digits, no leading zero, nothing else)?
 * @return 1 with the id in @a pid; 0 for anything else (a message of the
 *         format above starts with 16 hex digits and a space)
 */
int todo_wire_event_id(const char *msg, apr_int64_t *pid);

#endif /* TODO_EVENT_WIRE_H */
