/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_events.h
 * @brief The realtime event ring: task events of every user, in memory
 * shared by every httpd process, readable without a lock.
 *
 * Records (sequence number, kind, event id, user id, payload) are
 * appended at the head of a byte ring by one writer at a time (the
 * caller's lock); the oldest are dropped from the tail to make room.
 * Sequence numbers are positions in this ring (they start at its
 * creation time in microseconds); a task event also carries its durable
 * id, the events table's (todo_event_store.h), which is what SSE sends as
 * `id:` and what a resume starts after. Readers keep their own position
 * and check, seqlock style, that what they copied was not overwritten
 * meanwhile: a reader that fell that far behind learns it
 * (TODO_EVENTS_LOST) and is dropped, never the writer slowed.
 */
#ifndef TODO_EVENTS_H
#define TODO_EVENTS_H

#include <stdint.h>

#include <apr_errno.h>
#include <apr_pools.h>

/** What a record says. */
typedef enum {
    TODO_EVENT_TASK = 1,         /**< payload: {"type","task"} JSON */
    TODO_EVENT_REVOKE = 2,       /**< payload: a session id, or "" for every
                                  * session of the user; streams end */
    TODO_EVENT_REVOKE_OTHERS = 3 /**< payload: the session id to keep */
} todo_event_kind_t;

#define TODO_EVENT_USER_LEN 36 /**< a canonical UUID */

/** The ring header, followed by its data, in a shared segment. */
typedef struct todo_events_t {
    uint64_t head_seq; /**< the next record's sequence number */
    uint64_t head_off; /**< where it goes (grows forever; mod size) */
    uint64_t tail_seq; /**< the oldest readable record */
    uint64_t tail_off;
    uint64_t size;     /**< data bytes, a power of two */
    uint32_t wake;     /**< bumped at every append (a futex word) */
    uint32_t head_gen; /**< odd while the head moves (seqlock) */
    char data[];
} todo_events_t;

/** One record, as a reader gets it (copied into its pool). */
typedef struct todo_event_t {
    uint64_t seq; /**< its place in the ring */
    uint64_t id;  /**< a task event's durable id; 0 otherwise */
    todo_event_kind_t kind;
    char user[TODO_EVENT_USER_LEN + 1];
    const char *payload;
    apr_size_t len;
} todo_event_t;

/** A reader's place in the ring. */
typedef struct todo_events_cursor_t {
    uint64_t seq; /**< the next record to read */
    uint64_t off;
} todo_events_cursor_t;

/** Returned when a reader's next record was overwritten. */
#define TODO_EVENTS_LOST (APR_OS_START_USERERR + 40)

/** @return bytes for a ring with @a size data bytes (a power of two). */
apr_size_t todo_events_bytes(uint64_t size);

/** Initialise @a ev (todo_events_bytes(size) bytes); the first record
 * gets sequence number @a first_seq. */
void todo_events_init(todo_events_t *ev, uint64_t size, uint64_t first_seq);

/**
 * Append a record. The caller holds the writers' lock.
 * @param id the event's durable id (task events), else 0
 * @return APR_SUCCESS, or APR_EINVAL if it could never fit (over a
 *         quarter of the ring) or @a user is not 36 characters
 */
apr_status_t todo_events_append(todo_events_t *ev, todo_event_kind_t kind,
                                uint64_t id, const char *user,
                                const char *payload, apr_size_t len,
                                uint64_t *pseq);

/** A cursor at the head: only records appended from now on. */
void todo_events_cursor_now(const todo_events_t *ev, todo_events_cursor_t *cur);

/**
 * A cursor at the oldest record still readable: every record the ring
 * holds (PostgreSQL's listener reads them to know which events it has
 * already appended). A writer may overwrite them while they are read:
 * todo_events_next() then says TODO_EVENTS_LOST, and the reader starts
 * over from a new tail.
 */
void todo_events_cursor_tail(const todo_events_t *ev,
                             todo_events_cursor_t *cur);

/**
 * Read the record at @a cur and advance it.
 * @return APR_SUCCESS with @a out filled (payload from @a p);
 *         APR_EOF when the reader is at the head; TODO_EVENTS_LOST when
 *         the record was overwritten before it was read
 */
apr_status_t todo_events_next(const todo_events_t *ev,
                              todo_events_cursor_t *cur, apr_pool_t *p,
                              todo_event_t *out);

#endif /* TODO_EVENTS_H */
