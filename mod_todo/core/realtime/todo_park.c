/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include "todo_park.h"

void todo_park_init(todo_park_t *p)
{
    p->state = TODO_PARK_RUNNING;
    p->pending = 0;
    p->deadline = 0;
}

todo_park_action_t todo_park_wake(todo_park_t *p, unsigned why)
{
    switch (p->state) {
    case TODO_PARK_PARKED:
        p->pending |= why;
        p->state = TODO_PARK_SCHEDULED;
        return TODO_PARK_SCHEDULE;
    case TODO_PARK_RUNNING:
    case TODO_PARK_SCHEDULED:
        p->pending |= why;
        return TODO_PARK_NOTHING;
    case TODO_PARK_DONE:
        break;
    }
    return TODO_PARK_NOTHING;
}

unsigned todo_park_begin(todo_park_t *p)
{
    unsigned why = p->pending;

    if (p->state != TODO_PARK_SCHEDULED) {
        return 0;
    }
    p->state = TODO_PARK_RUNNING;
    p->pending = 0;
    return why;
}

todo_park_action_t todo_park_end(todo_park_t *p, int finished,
                                 apr_time_t deadline, unsigned *pwhy)
{
    *pwhy = 0;
    if (finished) {
        p->state = TODO_PARK_DONE;
        p->pending = 0;
        return TODO_PARK_FINISHED;
    }
    if (p->pending) {
        /* Parking now would lose them: nobody would schedule it. */
        *pwhy = p->pending;
        p->pending = 0;
        return TODO_PARK_AGAIN;
    }
    p->state = TODO_PARK_PARKED;
    p->deadline = deadline;
    return TODO_PARK_ARM;
}

todo_park_action_t todo_park_hand_off(todo_park_t *p, apr_time_t deadline)
{
    p->deadline = deadline;
    if (p->pending) {
        p->state = TODO_PARK_SCHEDULED;
        return TODO_PARK_SCHEDULE;
    }
    p->state = TODO_PARK_PARKED;
    return TODO_PARK_ARM;
}

todo_park_action_t todo_park_due(todo_park_t *p, apr_time_t now)
{
    if (p->state != TODO_PARK_PARKED || !p->deadline || p->deadline > now) {
        return TODO_PARK_NOTHING;
    }
    return todo_park_wake(p, TODO_PARK_TIMER);
}

/* ---- the table ---- */

typedef struct {
    todo_park_t park;
    void *owner;   /* NULL: free */
    uint32_t gen;  /* bumped when freed: ids given before go stale */
    uint32_t next; /* the free list, while free */
} slot_t;

struct todo_park_table_t {
    slot_t *slots;
    uint32_t capacity;
    uint32_t free; /* the first free slot; capacity: none */
    int count;
};

static todo_park_id_t id_of(const todo_park_table_t *t, uint32_t i)
{
    return ((todo_park_id_t)t->slots[i].gen << 32) | i;
}

/* The slot of @a id, if @a id is live. */
static slot_t *slot_of(todo_park_table_t *t, todo_park_id_t id)
{
    uint32_t i = (uint32_t)(id & 0xffffffffu);
    slot_t *s;

    if (i >= t->capacity) {
        return NULL;
    }
    s = &t->slots[i];
    return s->owner && s->gen == (uint32_t)(id >> 32) ? s : NULL;
}

apr_status_t todo_park_table_make(apr_pool_t *p, int capacity,
                                  todo_park_table_t **ptable)
{
    todo_park_table_t *t;
    uint32_t i;

    *ptable = NULL;
    if (capacity < 1) {
        return APR_EINVAL;
    }
    t = apr_pcalloc(p, sizeof(*t));
    t->capacity = (uint32_t)capacity;
    t->slots = apr_pcalloc(p, t->capacity * sizeof(*t->slots));
    for (i = 0; i < t->capacity; ++i) {
        t->slots[i].gen = 1; /* ids are never 0 */
        t->slots[i].next = i + 1;
    }
    t->free = 0;
    *ptable = t;
    return APR_SUCCESS;
}

apr_status_t todo_park_table_add(todo_park_table_t *t, void *owner,
                                 todo_park_id_t *pid)
{
    uint32_t i = t->free;

    *pid = 0;
    if (i >= t->capacity || !owner) {
        return APR_ENOSPC;
    }
    t->free = t->slots[i].next;
    t->slots[i].owner = owner;
    todo_park_init(&t->slots[i].park);
    ++t->count;
    *pid = id_of(t, i);
    return APR_SUCCESS;
}

todo_park_t *todo_park_table_get(todo_park_table_t *t, todo_park_id_t id,
                                 void **powner)
{
    slot_t *s = slot_of(t, id);

    if (powner) {
        *powner = s ? s->owner : NULL;
    }
    return s ? &s->park : NULL;
}

void todo_park_table_remove(todo_park_table_t *t, todo_park_id_t id)
{
    slot_t *s = slot_of(t, id);
    uint32_t i;

    if (!s) {
        return;
    }
    i = (uint32_t)(s - t->slots);
    s->owner = NULL;
    s->park.state = TODO_PARK_DONE;
    if (++s->gen > 0x7fffffffu) {
        s->gen = 1; /* ids keep their top bit clear */
    }
    s->next = t->free;
    t->free = i;
    --t->count;
}

int todo_park_table_count(const todo_park_table_t *t)
{
    return t->count;
}

apr_time_t todo_park_table_due(todo_park_table_t *t, apr_time_t now,
                               todo_park_schedule_fn *fn, void *baton)
{
    apr_time_t next = 0;
    uint32_t i;

    for (i = 0; i < t->capacity; ++i) {
        slot_t *s = &t->slots[i];

        if (!s->owner || s->park.state != TODO_PARK_PARKED
            || !s->park.deadline) {
            continue;
        }
        if (todo_park_due(&s->park, now) == TODO_PARK_SCHEDULE) {
            fn(baton, id_of(t, i), s->owner);
        }
        else if (!next || s->park.deadline < next) {
            next = s->park.deadline;
        }
    }
    return next;
}

void todo_park_table_wake_all(todo_park_table_t *t, unsigned why,
                              todo_park_schedule_fn *fn, void *baton)
{
    uint32_t i;

    for (i = 0; i < t->capacity; ++i) {
        slot_t *s = &t->slots[i];

        if (s->owner && todo_park_wake(&s->park, why) == TODO_PARK_SCHEDULE) {
            fn(baton, id_of(t, i), s->owner);
        }
    }
}

void todo_park_table_claim_idle(todo_park_table_t *t, unsigned why,
                                todo_park_schedule_fn *fn, void *baton)
{
    uint32_t i;

    for (i = 0; i < t->capacity; ++i) {
        slot_t *s = &t->slots[i];

        if (!s->owner
            || (s->park.state != TODO_PARK_PARKED
                && s->park.state != TODO_PARK_SCHEDULED)) {
            continue;
        }
        s->park.state = TODO_PARK_RUNNING;
        s->park.pending |= why;
        fn(baton, id_of(t, i), s->owner);
    }
}
