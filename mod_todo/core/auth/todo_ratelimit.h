/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_ratelimit.h
 * @brief Rate limits kept in memory shared by every httpd process.
 *
 * Each limited key (a client address, an account) has one 64-bit slot
 * word: a tag from the key's hash and, in milliseconds since the table
 * was made, the key's "theoretical arrival time" of the generic cell
 * rate algorithm (GCRA, as in ATM networks and many API gateways). A
 * rule of N requests per P seconds admits a burst of N and then one
 * request every P/N. The whole state fits one word, so a request is one
 * compare-and-swap: no lock, nothing for a dead process to leave held,
 * and processes of two httpd generations (graceful restart) agree.
 */
#ifndef TODO_RATELIMIT_H
#define TODO_RATELIMIT_H

#include <stdint.h>

#include <apr_time.h>

/** One rule: @c count requests per @c period; count 0 is "no limit". */
typedef struct todo_rl_rule_t {
    int count;
    apr_interval_time_t period;
} todo_rl_rule_t;

/** The table, laid out in a shared memory segment of
 * todo_rl_table_size() bytes. */
typedef struct todo_rl_table_t {
    apr_time_t epoch; /**< slot times count from here (ms) */
    uint64_t seed;    /**< hash seed, random per table */
    uint32_t nslots;  /**< a power of two */
    uint32_t reserved;
    uint64_t slots[]; /**< tag << 40 | arrival time; 0 = empty */
} todo_rl_table_t;

/** @return bytes needed for a table of @a nslots (a power of two). */
apr_size_t todo_rl_table_size(uint32_t nslots);

/** Initialise @a t (of todo_rl_table_size(nslots) bytes) at @a now. */
void todo_rl_table_init(todo_rl_table_t *t, uint32_t nslots, uint64_t seed,
                        apr_time_t now);

/**
 * The key of @a value in the namespace @a kind ("register-ip", ...),
 * hashed with the table's seed.
 */
uint64_t todo_rl_key(const todo_rl_table_t *t, const char *kind,
                     const char *value);

/**
 * Count one request of @a key under @a rule at @a now.
 * @param pretry_after receives, when refused, the seconds until a
 *        request would be admitted (at least 1)
 * @return 1 if admitted, 0 if over the limit
 */
int todo_rl_take(todo_rl_table_t *t, uint64_t key, const todo_rl_rule_t *rule,
                 apr_time_t now, int *pretry_after);

#endif /* TODO_RATELIMIT_H */
