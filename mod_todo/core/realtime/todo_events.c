/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "todo_events.h"

/* A record: this header, then the payload, then padding to 8 bytes.
 * Where a record would not fit before the end of the data, the writer
 * leaves the 8-byte marker (seq | PAD) and starts it at offset 0. */
typedef struct {
    uint64_t seq;
    uint64_t id;
    uint32_t len;
    uint32_t kind;
    char user[TODO_EVENT_USER_LEN];
    char reserved[4];
} rec_t;

#define PAD (UINT64_C(1) << 63)
#define ALIGN8(n) (((n) + 7) & ~(uint64_t)7)
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

apr_size_t todo_events_bytes(uint64_t size)
{
    return sizeof(todo_events_t) + (apr_size_t)size;
}

void todo_events_init(todo_events_t *ev, uint64_t size, uint64_t first_seq)
{
    memset(ev, 0, sizeof(*ev));
    ev->size = size;
    ev->head_seq = ev->tail_seq = first_seq;
}

static uint64_t word_at(const todo_events_t *ev, uint64_t off)
{
    uint64_t w;

    memcpy(&w, ev->data + (off & (ev->size - 1)), sizeof(w));
    return w;
}

/* Bytes from @a off to the end of the data. */
static uint64_t room(const todo_events_t *ev, uint64_t off)
{
    return ev->size - (off & (ev->size - 1));
}

apr_status_t todo_events_append(todo_events_t *ev, todo_event_kind_t kind,
                                uint64_t id, const char *user,
                                const char *payload, apr_size_t len,
                                uint64_t *pseq)
{
    uint64_t need = ALIGN8(sizeof(rec_t) + len), seq = ev->head_seq;
    uint64_t pos = ev->head_off, skip, end;
    rec_t hdr;

    if (need > ev->size / 4 || !user || strlen(user) != TODO_EVENT_USER_LEN) {
        return APR_EINVAL;
    }
    skip = room(ev, pos) < need ? room(ev, pos) : 0;
    end = pos + skip + need;

    /* Make room: drop records from the tail until none starts within
     * the bytes about to be written. */
    while (ev->tail_off + ev->size < end && ev->tail_seq < seq) {
        uint64_t w = word_at(ev, ev->tail_off);
        if (w & PAD) {
            STORE(ev->tail_off, ev->tail_off + room(ev, ev->tail_off));
        }
        else {
            memcpy(&hdr, ev->data + (ev->tail_off & (ev->size - 1)),
                   sizeof(hdr));
            STORE(ev->tail_off, ev->tail_off + ALIGN8(sizeof(rec_t) + hdr.len));
            STORE(ev->tail_seq, ev->tail_seq + 1);
        }
    }
    if (ev->tail_seq == seq) {
        STORE(ev->tail_off, pos + skip); /* all gone: restart here */
    }
    /* Readers that see the bytes below change see the tail move first. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    if (skip) {
        uint64_t marker = seq | PAD;
        memcpy(ev->data + (pos & (ev->size - 1)), &marker, sizeof(marker));
    }
    memset(&hdr, 0, sizeof(hdr));
    hdr.seq = seq;
    hdr.id = id;
    hdr.len = (uint32_t)len;
    hdr.kind = (uint32_t)kind;
    memcpy(hdr.user, user, TODO_EVENT_USER_LEN);
    memcpy(ev->data + ((pos + skip) & (ev->size - 1)), &hdr, sizeof(hdr));
    if (len) {
        memcpy(ev->data + ((pos + skip) & (ev->size - 1)) + sizeof(hdr),
               payload, len);
    }

    STORE(ev->head_gen, ev->head_gen + 1); /* odd: moving */
    STORE(ev->head_off, end);
    STORE(ev->head_seq, seq + 1);
    STORE(ev->head_gen, ev->head_gen + 1);
    __atomic_add_fetch(&ev->wake, 1, __ATOMIC_RELEASE);
    if (pseq) {
        *pseq = seq;
    }
    return APR_SUCCESS;
}

void todo_events_cursor_now(const todo_events_t *ev, todo_events_cursor_t *cur)
{
    uint32_t g1, g2;

    do {
        g1 = LOAD(ev->head_gen);
        cur->seq = LOAD(ev->head_seq);
        cur->off = LOAD(ev->head_off);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        g2 = LOAD(ev->head_gen);
    } while ((g1 & 1) || g1 != g2);
}

apr_status_t todo_events_next(const todo_events_t *ev,
                              todo_events_cursor_t *cur, apr_pool_t *p,
                              todo_event_t *out)
{
    uint64_t w, at;
    rec_t hdr;
    char *payload;

    if (cur->seq >= LOAD(ev->head_seq)) {
        return APR_EOF;
    }
    if (cur->seq < LOAD(ev->tail_seq)) {
        return TODO_EVENTS_LOST;
    }
    w = word_at(ev, cur->off);
    if (w == (cur->seq | PAD)) {
        cur->off += room(ev, cur->off);
        w = word_at(ev, cur->off);
    }
    at = cur->off & (ev->size - 1);
    if (w != cur->seq || room(ev, cur->off) < sizeof(hdr)) {
        return TODO_EVENTS_LOST;
    }
    memcpy(&hdr, ev->data + at, sizeof(hdr));
    if (hdr.len > ev->size / 4 || room(ev, cur->off) < sizeof(hdr) + hdr.len) {
        return TODO_EVENTS_LOST; /* torn: being overwritten */
    }
    payload = apr_palloc(p, hdr.len + 1);
    memcpy(payload, ev->data + at + sizeof(hdr), hdr.len);
    payload[hdr.len] = '\0';
    /* Was any of it overwritten while we copied? Then the tail moved. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (cur->seq < LOAD(ev->tail_seq)) {
        return TODO_EVENTS_LOST;
    }
    out->seq = hdr.seq;
    out->id = hdr.id;
    out->kind = (todo_event_kind_t)hdr.kind;
    memcpy(out->user, hdr.user, TODO_EVENT_USER_LEN);
    out->user[TODO_EVENT_USER_LEN] = '\0';
    out->payload = payload;
    out->len = hdr.len;
    cur->seq += 1;
    cur->off += ALIGN8(sizeof(rec_t) + hdr.len);
    return APR_SUCCESS;
}

void todo_events_cursor_tail(const todo_events_t *ev, todo_events_cursor_t *cur)
{
    uint64_t seq;

    /* The tail's two words move separately (seq after off, when a record
     * goes): read until both are from one moment. A cursor that is still
     * torn is caught by todo_events_next() (the word at off is not seq). */
    do {
        seq = LOAD(ev->tail_seq);
        cur->off = LOAD(ev->tail_off);
        cur->seq = LOAD(ev->tail_seq);
    } while (seq != cur->seq);
}
