/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_stream_counts.h
 * @brief Live streams counted exactly by key (a user's id, a client
 * address), in an open-addressed table laid out in shared memory and
 * sized for the most keys that can hold streams at once.
 *
 * Each key is the whole id or address (16 bytes), never a hash of it, so
 * two users (or addresses) are never counted together. Slots are found
 * by linear probing from a seeded hash of the key; a key whose count
 * returns to 0 leaves at once (backward-shift deletion: no tombstones),
 * so only keys holding streams take slots. The table has at least twice
 * as many slots as the keys it may hold and refuses a key more than
 * that (TODO_COUNT_FULL): the caller admits a stream against the
 * server-wide cap first, and sizes the table by that cap, so at most
 * that many keys ever hold streams and the refusal is a backstop.
 *
 * Nothing here locks: the caller serialises every call on a table (a
 * process-shared mutex in mod_todo_shared.c).
 */
#ifndef TODO_STREAM_COUNTS_H
#define TODO_STREAM_COUNTS_H

#include <stdint.h>

#include <apr.h>

/** A key: a UUID's 16 bytes, an IPv6 address (IPv4 mapped into it), or
 * for any other text a digest of it. */
typedef struct todo_stream_key_t {
    unsigned char b[16];
} todo_stream_key_t;

/** The key of user id @a user (a UUID, either case; any other text: a
 * SHA-256 digest of it). */
void todo_stream_key_user(const char *user, todo_stream_key_t *key);

/** The key of client address @a address ("192.0.2.1" as
 * "::ffff:192.0.2.1"; any other text, such as an address with a zone,
 * "fe80::1%eth0": a SHA-256 digest of it). */
void todo_stream_key_address(const char *address, todo_stream_key_t *key);

/** A slot: a key and its live streams (0: the slot is empty). */
typedef struct todo_stream_slot_t {
    todo_stream_key_t key;
    uint32_t count;
} todo_stream_slot_t;

/** The table, laid out in todo_stream_counts_size() bytes. */
typedef struct todo_stream_counts_t {
    uint64_t seed;   /**< hash seed, random per table */
    uint32_t nslots; /**< a power of two, at least twice keys */
    uint32_t keys;   /**< the most keys it holds at once */
    uint32_t used;   /**< the keys it holds now */
    uint32_t reserved;
    todo_stream_slot_t slots[];
} todo_stream_counts_t;

/** @return bytes needed for a table of @a keys keys (at least one). */
apr_size_t todo_stream_counts_size(uint32_t keys);

/** Initialise @a t (of todo_stream_counts_size(keys) bytes), empty. */
void todo_stream_counts_init(todo_stream_counts_t *t, uint32_t keys,
                             uint64_t seed);

/** What todo_stream_counts_take() did. */
typedef enum {
    TODO_COUNT_TAKEN = 0, /**< counted one more */
    TODO_COUNT_AT_MAX,    /**< the key has its @a max already */
    TODO_COUNT_FULL       /**< a new key, and the table holds its most */
} todo_count_take_t;

/** Count one more stream of @a key, unless that makes more than @a max. */
todo_count_take_t todo_stream_counts_take(todo_stream_counts_t *t,
                                          const todo_stream_key_t *key,
                                          uint32_t max);

/** Count one stream of @a key out (the key leaves at 0; a key that holds
 * none is left alone). */
void todo_stream_counts_drop(todo_stream_counts_t *t,
                             const todo_stream_key_t *key);

/** @return the live streams of @a key */
uint32_t todo_stream_counts_get(const todo_stream_counts_t *t,
                                const todo_stream_key_t *key);

#endif /* TODO_STREAM_COUNTS_H */
