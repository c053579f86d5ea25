/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file ts_runner.h
 * @brief What the two cmocka runners (tests/unit, tests/glue) share: APR
 * set up once, a private temp directory per run, the groups run in turn,
 * an in-memory database and files written for a test.
 */
#ifndef TS_RUNNER_H
#define TS_RUNNER_H

#include <apr_pools.h>

#include "todo_store.h"

/** A cmocka group: runs its tests, returns how many failed. */
typedef int (*ts_group_fn)(void);

/**
 * The runner's main(): initialise APR and apr_dbd, make a temp directory
 * named after @a name, run the @a n @a groups, call @a at_end (if not
 * NULL) while APR is still up, remove the directory.
 * @return the process's exit code: 0 all passed, 1 a failure, 2 no start
 */
int ts_run_groups(const char *name, const ts_group_fn *groups, apr_size_t n,
                  void (*at_end)(void));

/** The pool each test's pool is made from (during ts_run_groups()). */
apr_pool_t *ts_root_pool(void);

/**
 * Open ":memory:" SQLite in @a p, migrate it, apply busy 1000 ms /
 * synchronous FULL and prepare every statement. Fails the test on error.
 */
todo_db_t *ts_memdb(apr_pool_t *p);

/** Write @a len bytes to a fresh file in this run's private temp dir, with
 * @a mode; @return its path, from @a p. */
const char *ts_write_file(apr_pool_t *p, const char *name, const void *data,
                          apr_size_t len, int mode);

#endif /* TS_RUNNER_H */
