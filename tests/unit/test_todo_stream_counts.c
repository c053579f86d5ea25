/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_stream_counts: live streams counted exactly by key. */

#include <stdlib.h>
#include <string.h>

#include "test_common.h"
#include "todo_stream_counts.h"

#define SEED UINT64_C(0x5eed5eed5eed5eed)

static todo_stream_counts_t *table(uint32_t keys)
{
    todo_stream_counts_t *t = malloc(todo_stream_counts_size(keys));

    assert_non_null(t);
    todo_stream_counts_init(t, keys, SEED);
    return t;
}

static todo_stream_key_t key_of(unsigned n)
{
    todo_stream_key_t k;

    memset(&k, 0, sizeof(k));
    memcpy(k.b, &n, sizeof(n));
    return k;
}

/* The slot @a k takes in an empty table like @a t: its home. */
static uint32_t home_of(const todo_stream_counts_t *t, todo_stream_key_t k)
{
    todo_stream_counts_t *empty = table(t->keys);
    uint32_t i;

    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(empty, &k, 1));
    for (i = 0; !empty->slots[i].count; ++i) {
    }
    free(empty);
    return i;
}

/* The first key from number *pnext on whose home is @a home. */
static todo_stream_key_t key_at(const todo_stream_counts_t *t, uint32_t home,
                                unsigned *pnext)
{
    for (;;) {
        todo_stream_key_t k = key_of((*pnext)++);
        if (home_of(t, k) == home) {
            return k;
        }
    }
}

static void test_keys_are_whole_ids_and_addresses(void **state)
{
    todo_stream_key_t a, b;
    static const unsigned char ada[16] = {0x01, 0x92, 0xa6, 0xe4, 0x7c, 0x2b,
                                          0x7d, 0xef, 0x8a, 0xbc, 0x00, 0x00,
                                          0x00, 0x00, 0xa0, 0xa0};
    static const unsigned char v4[16] = {0, 0, 0,    0,    0,    0, 0, 0,
                                         0, 0, 0xff, 0xff, 0xc0, 0, 2, 1};

    (void)state;
    todo_stream_key_user("0192a6e4-7c2b-7def-8abc-00000000a0a0", &a);
    assert_memory_equal(ada, a.b, 16);
    todo_stream_key_user("0192A6E4-7C2B-7DEF-8ABC-00000000A0A0", &b);
    assert_memory_equal(ada, b.b, 16);
    /* Not a UUID (too short, too long, a misplaced hyphen): a digest,
     * each its own. */
    todo_stream_key_user("0192a6e4-7c2b-7def-8abc-00000000a0a", &b);
    assert_memory_not_equal(ada, b.b, 16);
    todo_stream_key_user("0192a6e4-7c2b-7def-8abc-00000000a0a0a", &a);
    assert_memory_not_equal(a.b, b.b, 16);
    assert_memory_not_equal(ada, a.b, 16);
    todo_stream_key_user("0192a6e47-c2b-7def-8abc-00000000a0a0", &a);
    assert_memory_not_equal(ada, a.b, 16);
    /* Addresses: IPv4 is its mapped IPv6, so both spellings are one. */
    todo_stream_key_address("192.0.2.1", &a);
    assert_memory_equal(v4, a.b, 16);
    todo_stream_key_address("::ffff:192.0.2.1", &b);
    assert_memory_equal(v4, b.b, 16);
    todo_stream_key_address("2001:db8::1", &a);
    todo_stream_key_address("2001:0db8:0:0:0:0:0:1", &b);
    assert_memory_equal(a.b, b.b, 16);
    /* With a zone: another key (a digest), and one per zone. */
    todo_stream_key_address("fe80::1%eth0", &a);
    todo_stream_key_address("fe80::1%eth1", &b);
    assert_memory_not_equal(a.b, b.b, 16);
    todo_stream_key_address("fe80::1", &b);
    assert_memory_not_equal(a.b, b.b, 16);
}

static void test_counted_up_to_max_per_key(void **state)
{
    todo_stream_counts_t *t = table(10);
    todo_stream_key_t a = key_of(1), b = key_of(2);

    (void)state;
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &a, 2));
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &a, 2));
    assert_int_equal(TODO_COUNT_AT_MAX, todo_stream_counts_take(t, &a, 2));
    assert_int_equal(2, todo_stream_counts_get(t, &a));
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &b, 2));
    assert_int_equal(1, todo_stream_counts_get(t, &b));
    assert_int_equal(2, t->used);
    todo_stream_counts_drop(t, &a);
    assert_int_equal(1, todo_stream_counts_get(t, &a));
    todo_stream_counts_drop(t, &a);
    assert_int_equal(0, todo_stream_counts_get(t, &a));
    assert_int_equal(1, t->used);
    /* A key that holds nothing: dropping it changes nothing. */
    todo_stream_counts_drop(t, &a);
    assert_int_equal(1, t->used);
    assert_int_equal(1, todo_stream_counts_get(t, &b));
    assert_int_equal(TODO_COUNT_AT_MAX, todo_stream_counts_take(t, &a, 0));
    free(t);
}

/*
 * Keys that start at one slot are counted apart: the hashed buckets this
 * replaces counted such keys together. Then deletion: the first key of
 * the cluster leaves, and the others stay found, whether they moved back
 * into the hole (the ones whose home is at or before it) or not (one
 * whose home is after it).
 */
static void test_colliding_keys_and_deletion(void **state)
{
    todo_stream_counts_t *t = table(4);
    uint32_t mask = t->nslots - 1, h = t->nslots - 2; /* it wraps */
    unsigned next = 1;
    todo_stream_key_t a = key_at(t, h, &next);
    todo_stream_key_t b = key_at(t, h, &next);
    todo_stream_key_t c = key_at(t, (h + 1) & mask, &next);
    todo_stream_key_t d = key_at(t, (h + 3) & mask, &next);

    (void)state;
    assert_int_equal(8, t->nslots);
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &a, 1));
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &b, 1));
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &b, 2));
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &c, 1));
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &d, 1));
    assert_int_equal(TODO_COUNT_AT_MAX, todo_stream_counts_take(t, &a, 1));
    /* a, b, c, d fill h, h+1, h+2 (wrapped), h+3. */
    assert_memory_equal(a.b, t->slots[h].key.b, 16);
    assert_memory_equal(b.b, t->slots[(h + 1) & mask].key.b, 16);
    assert_memory_equal(c.b, t->slots[(h + 2) & mask].key.b, 16);
    assert_memory_equal(d.b, t->slots[(h + 3) & mask].key.b, 16);
    assert_int_equal(1, todo_stream_counts_get(t, &a));
    assert_int_equal(2, todo_stream_counts_get(t, &b));
    todo_stream_counts_drop(t, &a);
    assert_int_equal(3, t->used);
    /* b back to its home, c to its, d stays at its own. */
    assert_memory_equal(b.b, t->slots[h].key.b, 16);
    assert_memory_equal(c.b, t->slots[(h + 1) & mask].key.b, 16);
    assert_int_equal(0, t->slots[(h + 2) & mask].count);
    assert_memory_equal(d.b, t->slots[(h + 3) & mask].key.b, 16);
    assert_int_equal(0, todo_stream_counts_get(t, &a));
    assert_int_equal(2, todo_stream_counts_get(t, &b));
    assert_int_equal(1, todo_stream_counts_get(t, &c));
    assert_int_equal(1, todo_stream_counts_get(t, &d));
    /* Counting on finds them where they are: nothing counted twice. */
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &c, 2));
    assert_int_equal(TODO_COUNT_AT_MAX, todo_stream_counts_take(t, &c, 2));
    assert_int_equal(3, t->used);
    free(t);
}

/* The table holds its most keys and not one more (the server-wide cap
 * keeps the caller below it); the keys it holds count on, and a key
 * that leaves makes room. */
static void test_full_table_refuses_new_keys_only(void **state)
{
    todo_stream_counts_t *t = table(3);
    todo_stream_key_t k[4];
    int i;

    (void)state;
    for (i = 0; i < 4; ++i) {
        k[i] = key_of((unsigned)i + 100);
    }
    for (i = 0; i < 3; ++i) {
        assert_int_equal(TODO_COUNT_TAKEN,
                         todo_stream_counts_take(t, &k[i], 5));
    }
    assert_int_equal(TODO_COUNT_FULL, todo_stream_counts_take(t, &k[3], 5));
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &k[0], 5));
    assert_int_equal(3, t->used);
    todo_stream_counts_drop(t, &k[1]);
    assert_int_equal(TODO_COUNT_TAKEN, todo_stream_counts_take(t, &k[3], 5));
    assert_int_equal(0, todo_stream_counts_get(t, &k[1]));
    assert_int_equal(2, todo_stream_counts_get(t, &k[0]));
    free(t);
}

/* Sizes: at least twice the keys in slots, a power of two. */
static void test_sizes(void **state)
{
    uint32_t keys[] = {0, 1, 4, 5, 1000, 10000};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); ++i) {
        todo_stream_counts_t *t = table(keys[i]);
        assert_true(t->nslots >= 2 * keys[i] && t->nslots >= 8);
        assert_int_equal(0, t->nslots & (t->nslots - 1));
        assert_int_equal(sizeof(*t) + t->nslots * sizeof(t->slots[0]),
                         todo_stream_counts_size(keys[i]));
        free(t);
    }
}

/* Thousands of random takes and drops of a few keys in a small table
 * (clusters, wrapping, deletions inside them), against plain counts. */
static void test_random_against_a_model(void **state)
{
    enum { KEYS = 12, MAX = 3 };
    todo_stream_counts_t *t = table(KEYS);
    uint32_t model[KEYS] = {0}, used;
    unsigned seed = 42;
    int op, i;

    (void)state;
    for (op = 0; op < 20000; ++op) {
        int n;
        todo_stream_key_t k;
        seed = seed * 1103515245u + 12345u;
        n = (int)((seed >> 16) % KEYS);
        k = key_of((unsigned)n * 7919u);
        if ((seed >> 8) & 1) {
            assert_int_equal(model[n] < MAX ? TODO_COUNT_TAKEN
                                            : TODO_COUNT_AT_MAX,
                             todo_stream_counts_take(t, &k, MAX));
            model[n] += model[n] < MAX;
        }
        else {
            todo_stream_counts_drop(t, &k);
            model[n] -= model[n] > 0;
        }
        for (i = 0, used = 0; i < KEYS; ++i) {
            todo_stream_key_t ki = key_of((unsigned)i * 7919u);
            assert_int_equal(model[i], todo_stream_counts_get(t, &ki));
            used += model[i] > 0;
        }
        assert_int_equal(used, t->used);
    }
    free(t);
}

int test_todo_stream_counts_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_keys_are_whole_ids_and_addresses),
        TS_TEST(test_counted_up_to_max_per_key),
        TS_TEST(test_colliding_keys_and_deletion),
        TS_TEST(test_full_table_refuses_new_keys_only),
        TS_TEST(test_sizes),
        TS_TEST(test_random_against_a_model),
    };
    return cmocka_run_group_tests_name("todo_stream_counts", tests, NULL, NULL);
}
