/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file fuzz_common.h
 * @brief What every libFuzzer target shares: APR initialised once, and
 * one pool per input, cleared after it.
 *
 * Each target defines fuzz_one(p, data, size); this header supplies
 * LLVMFuzzerInitialize and LLVMFuzzerTestOneInput around it. Include it
 * in exactly one file per target.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** The target's body: @a p is cleared as soon as it returns. */
static void fuzz_one(apr_pool_t *p, const uint8_t *data, size_t size);

static apr_pool_t *fuzz_pool;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (APR_SUCCESS != apr_initialize()
        || APR_SUCCESS != apr_pool_create(&fuzz_pool, NULL)) {
        abort();
    }
    atexit(apr_terminate);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_one(fuzz_pool, data, size);
    apr_pool_clear(fuzz_pool);
    return 0;
}

/** The input as a NUL-terminated string, from @a p. */
static inline const char *fuzz_str(apr_pool_t *p, const uint8_t *data,
                                   size_t size)
{
    return apr_pstrmemdup(p, (const char *)data, size);
}

/** Stop the fuzzer: a property the code promises does not hold. */
#define FUZZ_ASSERT(cond)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            __builtin_trap();                                                  \
        }                                                                      \
    } while (0)

#endif /* FUZZ_COMMON_H */
