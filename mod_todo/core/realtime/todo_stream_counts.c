/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>
#include <arpa/inet.h>

#include <apr_lib.h>
#include <openssl/evp.h>

#include "todo_stream_counts.h"
#include "todo_util.h"

/* Text that is neither a UUID nor an address: the first half of its
 * SHA-256 (a collision would take 2^64 tries). */
static void key_digest(const char *text, todo_stream_key_t *key)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (1 != EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL)
        || n < sizeof(key->b)) {
        /* Never seen; still one key per text, but for FNV's collisions. */
        uint64_t h[2] = {todo_fnv1a64(TODO_FNV1A64_INIT, text, strlen(text)),
                         todo_fnv1a64(0, text, strlen(text))};
        memcpy(key->b, h, sizeof(key->b));
        return;
    }
    memcpy(key->b, md, sizeof(key->b));
}

static int hex(char c)
{
    return apr_isdigit(c) ? c - '0' : apr_tolower(c) - 'a' + 10;
}

void todo_stream_key_user(const char *user, todo_stream_key_t *key)
{
    const char *c = user;
    int i;

    for (i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (*c++ != '-') {
                break;
            }
        }
        if (!apr_isxdigit(c[0]) || !apr_isxdigit(c[1])) {
            break;
        }
        key->b[i] = (unsigned char)(hex(c[0]) << 4 | hex(c[1]));
        c += 2;
    }
    if (i < 16 || *c) {
        key_digest(user, key);
    }
}

void todo_stream_key_address(const char *address, todo_stream_key_t *key)
{
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0,    0,
                                               0, 0, 0, 0, 0xff, 0xff};

    memset(key, 0, sizeof(*key));
    if (1 == inet_pton(AF_INET, address, key->b + 12)) {
        memcpy(key->b, v4mapped, sizeof(v4mapped));
    }
    else if (1 != inet_pton(AF_INET6, address, key->b)) {
        key_digest(address, key);
    }
}

apr_size_t todo_stream_counts_size(uint32_t keys)
{
    uint32_t nslots = 8;

    while (nslots / 2 < keys) {
        nslots *= 2;
    }
    return sizeof(todo_stream_counts_t)
           + (apr_size_t)nslots * sizeof(todo_stream_slot_t);
}

void todo_stream_counts_init(todo_stream_counts_t *t, uint32_t keys,
                             uint64_t seed)
{
    apr_size_t size = todo_stream_counts_size(keys);

    memset(t, 0, size);
    t->seed = seed;
    t->keys = keys;
    t->nslots = (uint32_t)((size - sizeof(*t)) / sizeof(t->slots[0]));
}

/* Where @a key's probe starts: FNV-1a, seeded (keys may be chosen by a
 * client: its address), then splitmix64's finaliser. */
static uint32_t home(const todo_stream_counts_t *t,
                     const todo_stream_key_t *key)
{
    uint64_t h =
        todo_fnv1a64(TODO_FNV1A64_INIT ^ t->seed, key->b, sizeof(key->b));

    h ^= h >> 30;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= UINT64_C(0x94d049bb133111eb);
    return (uint32_t)(h ^ (h >> 31)) & (t->nslots - 1);
}

/* @return @a key's slot if it holds streams (*pfound 1), else the empty
 * slot where it would go. There is always one: used < nslots. */
static uint32_t find(const todo_stream_counts_t *t,
                     const todo_stream_key_t *key, int *pfound)
{
    uint32_t mask = t->nslots - 1, i = home(t, key), n;

    *pfound = 0;
    for (n = 0; n < t->nslots && t->slots[i].count; ++n) {
        if (!memcmp(t->slots[i].key.b, key->b, sizeof(key->b))) {
            *pfound = 1;
            break;
        }
        i = (i + 1) & mask;
    }
    return i;
}

todo_count_take_t todo_stream_counts_take(todo_stream_counts_t *t,
                                          const todo_stream_key_t *key,
                                          uint32_t max)
{
    int found;
    uint32_t i = find(t, key, &found);

    if (found) {
        if (t->slots[i].count >= max) {
            return TODO_COUNT_AT_MAX;
        }
        ++t->slots[i].count;
        return TODO_COUNT_TAKEN;
    }
    if (max < 1) {
        return TODO_COUNT_AT_MAX;
    }
    if (t->used >= t->keys || t->slots[i].count) {
        return TODO_COUNT_FULL;
    }
    t->slots[i].key = *key;
    t->slots[i].count = 1;
    ++t->used;
    return TODO_COUNT_TAKEN;
}

void todo_stream_counts_drop(todo_stream_counts_t *t,
                             const todo_stream_key_t *key)
{
    uint32_t mask = t->nslots - 1, j;
    int found;
    uint32_t i = find(t, key, &found);

    if (!found || --t->slots[i].count) {
        return;
    }
    /* Backward shift: pull each later key of the cluster that may sit in
     * the hole (its home is not between the hole and it) into it, so
     * that no probe meets an empty slot before its key. */
    for (j = (i + 1) & mask; t->slots[j].count; j = (j + 1) & mask) {
        uint32_t h = home(t, &t->slots[j].key);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    memset(&t->slots[i], 0, sizeof(t->slots[i]));
    --t->used;
}

uint32_t todo_stream_counts_get(const todo_stream_counts_t *t,
                                const todo_stream_key_t *key)
{
    int found;
    uint32_t i = find(t, key, &found);

    return found ? t->slots[i].count : 0;
}
