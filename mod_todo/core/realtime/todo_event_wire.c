/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "todo_event_wire.h"

#define MAX_PENDING 256 /* events awaiting parts; beyond, start over */
#define MAX_PARTS 64    /* 64 x 7000 bytes: far above any event */

apr_array_header_t *todo_wire_encode(apr_pool_t *p, uint64_t origin,
                                     uint64_t id, todo_event_kind_t kind,
                                     const char *user, const char *data,
                                     apr_size_t len)
{
    apr_array_header_t *cuts = apr_array_make(p, 2, sizeof(apr_size_t));
    apr_array_header_t *out = apr_array_make(p, 2, sizeof(const char *));
    apr_size_t at = 0, end;
    int i;

    /* Cut points first (each on a character boundary), to know the
     * number of parts. */
    do {
        end = at + TODO_WIRE_CHUNK < len ? at + TODO_WIRE_CHUNK : len;
        while (end < len && end > at
               && ((unsigned char)data[end] & 0xC0) == 0x80) {
            --end;
        }
        APR_ARRAY_PUSH(cuts, apr_size_t) = end;
        at = end;
    } while (at < len);

    for (i = 0, at = 0; i < cuts->nelts; ++i) {
        end = APR_ARRAY_IDX(cuts, i, apr_size_t);
        APR_ARRAY_PUSH(out, const char *) =
            apr_psprintf(p,
                         "%016" APR_UINT64_T_HEX_FMT
                         " %016" APR_UINT64_T_HEX_FMT " %d %d %d %s %.*s",
                         origin, id, i + 1, cuts->nelts, (int)kind, user,
                         (int)(end - at), data + at);
        at = end;
    }
    return out;
}

typedef struct {
    int parts, have;
    const char *slice[MAX_PARTS];
} pending_t;

struct todo_wire_reasm_t {
    apr_pool_t *p;       /* cleared when the table is cleared */
    apr_hash_t *pending; /* "origin id" -> pending_t */
};

todo_wire_reasm_t *todo_wire_reasm_make(apr_pool_t *p)
{
    todo_wire_reasm_t *rs = apr_pcalloc(p, sizeof(*rs));

    apr_pool_create(&rs->p, p);
    rs->pending = apr_hash_make(rs->p);
    return rs;
}

/* Parse one space-terminated field as a number in @a base. */
static int field(const char **ps, int base, uint64_t max, uint64_t *pv)
{
    char *end;
    unsigned long long v;

    if (**ps < '0' || **ps > 'f') {
        return 0;
    }
    v = strtoull(*ps, &end, base);
    if (*end != ' ' || v > max) {
        return 0;
    }
    *pv = v;
    *ps = end + 1;
    return 1;
}

apr_status_t todo_wire_take(todo_wire_reasm_t *rs, apr_pool_t *p,
                            const char *msg, uint64_t *porigin,
                            todo_event_t *out)
{
    uint64_t origin, id, part, parts, kind;
    const char *s = msg, *key, *data;
    pending_t *pd;
    int i;

    if (!field(&s, 16, UINT64_MAX, &origin) || !field(&s, 16, UINT64_MAX, &id)
        || !field(&s, 10, MAX_PARTS, &part) || !field(&s, 10, MAX_PARTS, &parts)
        || !field(&s, 10, TODO_EVENT_REVOKE_OTHERS, &kind) || part < 1
        || part > parts || kind < TODO_EVENT_TASK
        || strlen(s) < TODO_EVENT_USER_LEN + 1
        || s[TODO_EVENT_USER_LEN] != ' ') {
        return APR_EINVAL;
    }
    *porigin = origin;
    memcpy(out->user, s, TODO_EVENT_USER_LEN);
    out->user[TODO_EVENT_USER_LEN] = '\0';
    out->kind = (todo_event_kind_t)kind;
    out->seq = 0;
    out->id = 0;
    data = s + TODO_EVENT_USER_LEN + 1;
    if (parts == 1) {
        out->payload = apr_pstrdup(p, data);
        out->len = strlen(data);
        return APR_SUCCESS;
    }
    key = apr_psprintf(p, "%" APR_UINT64_T_HEX_FMT " %" APR_UINT64_T_HEX_FMT,
                       origin, id);
    pd = apr_hash_get(rs->pending, key, APR_HASH_KEY_STRING);
    if (!pd) {
        if (apr_hash_count(rs->pending) >= MAX_PENDING) {
            /* Parts that never completed (a sender died): forget them. */
            apr_pool_clear(rs->p);
            rs->pending = apr_hash_make(rs->p);
        }
        pd = apr_pcalloc(rs->p, sizeof(*pd));
        pd->parts = (int)parts;
        apr_hash_set(rs->pending, apr_pstrdup(rs->p, key), APR_HASH_KEY_STRING,
                     pd);
    }
    if (pd->parts != (int)parts) {
        return APR_EINVAL;
    }
    if (!pd->slice[part - 1]) {
        pd->slice[part - 1] = apr_pstrdup(rs->p, data);
        pd->have++;
    }
    if (pd->have < pd->parts) {
        return APR_INCOMPLETE;
    }
    out->payload = "";
    for (i = 0; i < pd->parts; ++i) {
        out->payload = apr_pstrcat(p, out->payload, pd->slice[i], NULL);
    }
    out->len = strlen(out->payload);
    apr_hash_set(rs->pending, key, APR_HASH_KEY_STRING, NULL);
    if (!apr_hash_count(rs->pending)) {
        apr_pool_clear(rs->p); /* nothing pending: give the memory back */
        rs->pending = apr_hash_make(rs->p);
    }
    return APR_SUCCESS;
}

int todo_wire_event_id(const char *msg, apr_int64_t *pid)
{
    apr_int64_t id = 0;
    int n;

    if (msg[0] != 'e' || msg[1] == '0') {
        return 0; /* the database writes no leading zero */
    }
    for (n = 1; msg[n] >= '0' && msg[n] <= '9'; ++n) {
        if (n > 18) {
            return 0;
        }
        id = id * 10 + (msg[n] - '0');
    }
    if (n == 1 || msg[n] || id < 1) {
        return 0;
    }
    *pid = id;
    return 1;
}
