/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include "todo_ratelimit.h"
#include "todo_util.h"

#define TIME_BITS 40
#define TIME_MASK ((UINT64_C(1) << TIME_BITS) - 1)
#define TAG_OF(w) ((w) >> TIME_BITS)
#define PROBES 8    /* slots a key may live in */
#define ATTEMPTS 16 /* compare-and-swap retries before letting it pass */

apr_size_t todo_rl_table_size(uint32_t nslots)
{
    return sizeof(todo_rl_table_t) + (apr_size_t)nslots * sizeof(uint64_t);
}

void todo_rl_table_init(todo_rl_table_t *t, uint32_t nslots, uint64_t seed,
                        apr_time_t now)
{
    memset(t, 0, todo_rl_table_size(nslots));
    t->epoch = now;
    t->seed = seed;
    t->nslots = nslots;
}

uint64_t todo_rl_key(const todo_rl_table_t *t, const char *kind,
                     const char *value)
{
    /* FNV-1a, seeded, then splitmix64's finaliser so that both the low
     * bits (the slot) and the high bits (the tag) are well mixed. */
    uint64_t h = TODO_FNV1A64_INIT ^ t->seed;

    h = todo_fnv1a64(h, kind, strlen(kind) + 1); /* with its NUL */
    h = todo_fnv1a64(h, value, strlen(value));
    h ^= h >> 30;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= UINT64_C(0x94d049bb133111eb);
    return h ^ (h >> 31);
}

int todo_rl_take(todo_rl_table_t *t, uint64_t key, const todo_rl_rule_t *rule,
                 apr_time_t now, int *pretry_after)
{
    uint64_t tag = key >> TIME_BITS ? key >> TIME_BITS : 1;
    uint64_t mask = t->nslots - 1, now_ms, interval, tolerance, period;
    int attempt, i;

    if (rule->count <= 0 || rule->period <= 0) {
        return 1;
    }
    now_ms = now > t->epoch ? (uint64_t)(now - t->epoch) / 1000 : 0;
    period = (uint64_t)rule->period / 1000;
    interval = period / (uint64_t)rule->count;
    if (interval == 0) {
        interval = 1; /* millisecond resolution */
    }
    /* A burst of count requests, then one per interval. */
    tolerance = period > interval ? period - interval : 0;

    for (attempt = 0; attempt < ATTEMPTS; ++attempt) {
        uint64_t *slot = NULL, *victim = NULL, seen = 0, victim_seen = 0;
        uint64_t arrival, word, oldest = UINT64_MAX;

        for (i = 0; i < PROBES; ++i) {
            uint64_t *s = &t->slots[(key + (uint64_t)i) & mask];
            uint64_t w = __atomic_load_n(s, __ATOMIC_ACQUIRE);

            if (w && TAG_OF(w) == tag) {
                slot = s;
                seen = w;
                break;
            }
            /* Where a new key would go: an empty or expired slot, or
             * else the one closest to expiring. */
            if ((w & TIME_MASK) < oldest) {
                oldest = w & TIME_MASK;
                victim = s;
                victim_seen = w;
            }
        }
        if (!slot) {
            slot = victim;
            seen = victim_seen;
            arrival = now_ms;
        }
        else {
            arrival = (seen & TIME_MASK) > now_ms ? seen & TIME_MASK : now_ms;
        }
        if (arrival > now_ms + tolerance) {
            uint64_t wait_ms = arrival - tolerance - now_ms;

            *pretry_after = (int)((wait_ms + 999) / 1000);
            return 0;
        }
        word = tag << TIME_BITS | ((arrival + interval) & TIME_MASK);
        if (__atomic_compare_exchange_n(slot, &seen, word, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            return 1;
        }
        /* Another process changed the slot meanwhile: look again. */
    }
    return 1;
}
