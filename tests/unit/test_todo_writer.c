/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* todo_writer: group commit. Threads hand writes to one writer; a "gate"
 * job holds the first group open until the others are queued, so the
 * second group's make-up is known and the assertions are exact. */

#include <string.h>

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "test_common.h"
#include "todo_metrics.h"
#include "todo_result.h"
#include "todo_task_store.h"
#include "todo_writer.h"

#define TS "2016-10-09T02:35:45.000000Z"
#define MAX_JOBS 40

/* What a job does, chosen per thread. */
typedef enum { J_INSERT, J_INSERT_THEN_FAIL, J_BREAK_TRANSACTION } kind_t;

typedef struct {
    todo_writer_t *w;
    apr_pool_t *p;
    kind_t kind;
    int n;
    const char *key; /* the job's key (NULL: none) */
    apr_status_t rv;
    int runs; /* how many times the writer ran it */
} job_arg_t;

typedef struct {
    todo_writer_t *w;
    todo_metrics_t *m; /* the writer's */
    apr_pool_t *p;
    apr_int64_t wait_for; /* the gate waits until this many are queued */
    volatile apr_uint32_t inside;
} gate_t;

static const char *user_id(apr_pool_t *p, int n)
{
    return apr_psprintf(p, "0192a6e4-7c2b-7def-8abc-%012d", n);
}

static apr_status_t insert(todo_db_t *db, apr_pool_t *p, int n)
{
    const char *id = user_id(p, n);

    return todo_db_exec(db, p, TODO_SQL_USER_INSERT, NULL,
                        TODO_ARGS(id, apr_psprintf(p, "u%d@example.com", n),
                                  apr_psprintf(p, "user%d", n), "$2b$04$x", TS,
                                  TS));
}

/* What the jobs' after-commit hooks saw, in the order they ran (one
 * leader at a time runs them: no lock needed here). */
static struct {
    int n;
    int job[MAX_JOBS * 2];
    int lock_held[MAX_JOBS * 2];
    int committed[MAX_JOBS * 2];
    apr_global_mutex_t *lock; /* the writer's, if any */
    todo_db_t *db;            /* the writer's connection */
} heard;

static void hear(void *baton)
{
    job_arg_t *a = baton;
    int i = heard.n++;

    if (!heard.db || i >= MAX_JOBS * 2) {
        return; /* a test that does not listen */
    }
    heard.job[i] = a->n;
    /* The writer's lock is a non-recursive mutex held by this very
     * thread, if it still holds it. */
    heard.lock_held[i] =
        heard.lock && APR_STATUS_IS_EBUSY(apr_global_mutex_trylock(heard.lock));
    heard.committed[i] = !heard.db->driver->in_transaction(heard.db);
}

static void hear_reset(todo_db_t *db, apr_global_mutex_t *lock)
{
    memset(&heard, 0, sizeof(heard));
    heard.lock = lock;
    heard.db = db;
}

static apr_status_t job(todo_db_t *db, apr_pool_t *p, void *baton)
{
    job_arg_t *a = baton;
    apr_status_t rv = insert(db, p, a->n);

    ++a->runs;
    if (APR_SUCCESS != rv) {
        return rv;
    }
    todo_db_after_commit(db, p, hear, a);
    switch (a->kind) {
    case J_INSERT:
        return APR_SUCCESS;
    case J_INSERT_THEN_FAIL:
        return APR_ENOENT; /* a 404 after writing: must be undone */
    case J_BREAK_TRANSACTION:
        /* What SQLite does by itself on SQLITE_FULL or an I/O error:
         * the whole transaction is gone. */
        {
            const char *err;
            db->driver->script(db, p, "ROLLBACK", &err);
        }
        return TODO_EDB;
    }
    return APR_EGENERAL;
}

static apr_status_t gate_job(todo_db_t *db, apr_pool_t *p, void *baton)
{
    gate_t *g = baton;

    (void)db;
    (void)p;
    apr_atomic_set32(&g->inside, 1);
    do {
        apr_sleep(1000);
    } while (__atomic_load_n(&g->m->db_group_queued, __ATOMIC_ACQUIRE)
             < g->wait_for);
    return APR_SUCCESS;
}

static void *APR_THREAD_FUNC run_gate(apr_thread_t *t, void *data)
{
    gate_t *g = data;

    apr_thread_exit(t, todo_writer_run(g->w, g->p, NULL, gate_job, g));
    return NULL;
}

static void *APR_THREAD_FUNC run_job(apr_thread_t *t, void *data)
{
    job_arg_t *a = data;

    a->rv = todo_writer_run(a->w, a->p, a->key, job, a);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* Run jobs of @a kinds (one thread each) as one group behind a gate. */
static void run_group(apr_pool_t *p, todo_writer_t *w, todo_metrics_t *m,
                      const kind_t *kinds, int n, job_arg_t *args)
{
    apr_thread_t *gate_thread, *threads[MAX_JOBS];
    gate_t gate = {w, m, NULL, n, 0};
    apr_status_t trv;
    int i;

    apr_pool_create(&gate.p, p);
    assert_true(n <= MAX_JOBS);
    assert_int_equal(APR_SUCCESS,
                     apr_thread_create(&gate_thread, NULL, run_gate, &gate, p));
    while (!apr_atomic_read32(&gate.inside)) {
        apr_sleep(1000);
    }
    for (i = 0; i < n; ++i) {
        args[i].w = w;
        args[i].kind = kinds[i];
        args[i].n = i + 1;
        args[i].rv = APR_EGENERAL;
        apr_pool_create(&args[i].p, p);
        assert_int_equal(APR_SUCCESS, apr_thread_create(&threads[i], NULL,
                                                        run_job, &args[i], p));
    }
    for (i = 0; i < n; ++i) {
        apr_thread_join(&trv, threads[i]);
    }
    apr_thread_join(&trv, gate_thread);
    assert_int_equal(APR_SUCCESS, trv);
}

static int user_exists(todo_db_t *db, apr_pool_t *p, int n)
{
    todo_rows_t *rows;

    assert_int_equal(APR_SUCCESS,
                     todo_db_select(db, p, TODO_SQL_USER_GET, &rows,
                                    TODO_ARGS(user_id(p, n))));
    return rows->nrows;
}

/* What the writer reports, counted as the glue does (mod_todo_dbd.c). */
static void count_queued(void *baton, int delta)
{
    todo_metrics_group_queued(baton, delta);
}

static void count_committed(void *baton, int writes)
{
    todo_metrics_group_commit(baton, writes);
}

static const todo_writer_observer_t counting = {count_queued, count_committed};

/* A writer counting into a fresh @a pm. */
static todo_writer_t *writer(apr_pool_t *p, todo_db_t *db, int max_group,
                             todo_metrics_t **pm)
{
    todo_writer_t *w = NULL;

    assert_int_equal(APR_SUCCESS,
                     todo_writer_create(&w, p, db, NULL, max_group));
    hear_reset(db, NULL);
    *pm = apr_pcalloc(p, sizeof(**pm));
    todo_writer_observe(w, &counting, *pm);
    return w;
}

/* @a n inserts as one group behind the gate: each succeeds and is stored. */
static void run_inserts(apr_pool_t *p, todo_writer_t *w, todo_metrics_t *m,
                        todo_db_t *db, int n)
{
    kind_t kinds[MAX_JOBS] = {J_INSERT};
    job_arg_t args[MAX_JOBS] = {{0}};
    int i;

    for (i = 0; i < n; ++i) {
        kinds[i] = J_INSERT;
    }
    run_group(p, w, m, kinds, n, args);
    for (i = 0; i < n; ++i) {
        assert_int_equal(APR_SUCCESS, args[i].rv);
        assert_int_equal(1, user_exists(db, p, i + 1));
    }
}

static void test_waiting_writes_share_one_commit(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_metrics_t *m;
    todo_writer_t *w = writer(p, db, 64, &m);

    run_inserts(p, w, m, db, 30);
    /* The gate's group, then all 30 together; none waiting now. */
    assert_int_equal(2, m->db_group_commits);
    assert_int_equal(31, m->db_group_writes);
    assert_int_equal(0, m->db_group_queued);
    assert_false(db->driver->in_transaction(db));
}

static void test_group_size_is_bounded(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_metrics_t *m;
    todo_writer_t *w = writer(p, db, 8, &m);

    run_inserts(p, w, m, db, 20);
    assert_int_equal(1 + 3, m->db_group_commits); /* 8 + 8 + 4 after the gate */
}

/* Of the group {insert, insert then fail, insert}: the failed job's row
 * is gone, the others' are there. */
static void assert_only_the_failed_undone(apr_pool_t *p, todo_db_t *db,
                                          const job_arg_t *args)
{
    assert_int_equal(APR_SUCCESS, args[0].rv);
    assert_int_equal(APR_ENOENT, args[1].rv);
    assert_int_equal(APR_SUCCESS, args[2].rv);
    assert_int_equal(1, user_exists(db, p, 1));
    assert_int_equal(0, user_exists(db, p, 2));
    assert_int_equal(1, user_exists(db, p, 3));
}

static void test_failed_write_is_undone_alone(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_metrics_t *m;
    todo_writer_t *w = writer(p, db, 64, &m);
    const kind_t kinds[] = {J_INSERT, J_INSERT_THEN_FAIL, J_INSERT};
    job_arg_t args[3] = {{0}}, alone = {0};

    hear_reset(db, NULL);
    run_group(p, w, m, kinds, 3, args);
    /* What the failed job would have done at commit is undone with it;
     * the others' runs after the COMMIT, in job order (threads may queue
     * in any order: compare as sets of two, in increasing order of id). */
    assert_int_equal(2, heard.n);
    assert_true((heard.job[0] == 1 && heard.job[1] == 3)
                || (heard.job[0] == 3 && heard.job[1] == 1));
    assert_true(heard.committed[0] && heard.committed[1]);
    assert_only_the_failed_undone(p, db, args);
    assert_int_equal(2, m->db_group_commits); /* the gate's, then the three */
    assert_int_equal(1 + 2, m->db_group_writes);
    /* A group that stored nothing is not counted as a commit. */
    alone.kind = J_INSERT_THEN_FAIL;
    alone.n = 7;
    assert_int_equal(APR_ENOENT, todo_writer_run(w, p, NULL, job, &alone));
    assert_int_equal(0, user_exists(db, p, 7));
    assert_int_equal(2, m->db_group_commits);
}

static void test_lost_transaction_acknowledges_nothing(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_metrics_t *m;
    todo_writer_t *w = writer(p, db, 64, &m);
    const kind_t kinds[] = {J_INSERT, J_BREAK_TRANSACTION, J_INSERT};
    job_arg_t args[3] = {{0}}, again = {0};
    int i;

    hear_reset(db, NULL);
    run_group(p, w, m, kinds, 3, args);
    for (i = 0; i < 3; ++i) {
        assert_int_equal(TODO_EDB, args[i].rv);
        assert_int_equal(0, user_exists(db, p, i + 1));
    }
    assert_int_equal(0, heard.n); /* nothing committed: nothing heard */
    /* The writer goes on with the next group. */
    again.kind = J_INSERT;
    again.n = 9;
    assert_int_equal(APR_SUCCESS, todo_writer_run(w, p, NULL, job, &again));
    assert_int_equal(1, user_exists(db, p, 9));
    /* The gate's group and the last one; not the lost one. */
    assert_int_equal(2, m->db_group_commits);
    assert_int_equal(2, m->db_group_writes);
}

/* The control statements the writer ran, by kind. */
static int controls[TODO_DB_CTL_COUNT];
static apr_status_t (*real_control)(todo_db_control_t *, todo_db_ctl_t,
                                    apr_pool_t *, const char **);

static apr_status_t counted_control(todo_db_control_t *ctl, todo_db_ctl_t which,
                                    apr_pool_t *p, const char **perr)
{
    ++controls[which];
    return real_control(ctl, which, p, perr);
}

/* @a db's driver, but running groups as PostgreSQL's does: no savepoint
 * until a job fails; its control statements counted. */
static void savepoints_on_failure(todo_db_t *db, apr_pool_t *p)
{
    todo_db_driver_t *drv = apr_pmemdup(p, db->driver, sizeof(*drv));

    drv->savepoints_on_failure = 1;
    real_control = drv->control;
    drv->control = counted_control;
    db->driver = drv;
    memset(controls, 0, sizeof(controls));
}

static void test_no_savepoints_while_jobs_succeed(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_metrics_t *m;
    todo_writer_t *w;
    kind_t kinds[5];
    job_arg_t args[5];
    int i;

    savepoints_on_failure(db, p);
    w = writer(p, db, 64, &m);
    memset(args, 0, sizeof(args));
    for (i = 0; i < 5; ++i) {
        kinds[i] = J_INSERT;
    }
    run_group(p, w, m, kinds, 5, args);
    for (i = 0; i < 5; ++i) {
        assert_int_equal(APR_SUCCESS, args[i].rv);
        assert_int_equal(1, args[i].runs);
        assert_int_equal(1, user_exists(db, p, i + 1));
    }
    assert_int_equal(5, heard.n);
    assert_int_equal(2, m->db_group_commits);
    assert_false(db->driver->in_transaction(db));
    /* Two groups (the gate's, then the five): BEGIN, COMMIT, nothing else. */
    assert_int_equal(2, controls[TODO_DB_CTL_BEGIN]);
    assert_int_equal(2, controls[TODO_DB_CTL_COMMIT]);
    assert_int_equal(0, controls[TODO_DB_CTL_SAVEPOINT]);
    assert_int_equal(0, controls[TODO_DB_CTL_ROLLBACK]);
}

/* A job fails: the group is rolled back whole and runs again, a
 * savepoint per job, with the same outcome as if it had from the start;
 * what the first run would have done at commit is not done. */
static void test_failed_job_runs_the_group_again_with_savepoints(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_metrics_t *m;
    todo_writer_t *w;
    const kind_t kinds[] = {J_INSERT, J_INSERT_THEN_FAIL, J_INSERT};
    job_arg_t args[3] = {{0}};
    int i;

    savepoints_on_failure(db, p);
    w = writer(p, db, 64, &m);
    run_group(p, w, m, kinds, 3, args);
    assert_only_the_failed_undone(p, db, args);
    /* Jobs after the failed one may not have run the first time. */
    for (i = 0; i < 3; ++i) {
        assert_true(args[i].runs >= 1 && args[i].runs <= 2);
    }
    assert_int_equal(2, args[1].runs);
    assert_int_equal(2, heard.n);
    assert_true(heard.committed[0] && heard.committed[1]);
    assert_int_equal(1 + 2, m->db_group_writes);
    assert_false(db->driver->in_transaction(db));
    /* The first run rolled back, the second a savepoint per job. */
    assert_int_equal(1, controls[TODO_DB_CTL_ROLLBACK]);
    assert_int_equal(3, controls[TODO_DB_CTL_SAVEPOINT]);
    assert_int_equal(1, controls[TODO_DB_CTL_ROLLBACK_TO]);
}

/* The store's own transactions become the job's savepoint: a bulk create
 * (begin/end inside) commits with its group; an update of a missing task
 * answers 404 without touching anything. */
static void test_store_transactions_inside_a_group(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_writer_t *w;
    todo_metrics_t *m;
    todo_task_input_t in[2];
    todo_task_write_t bulk = {0}, update = {0};
    todo_result_t *res = todo_result_make(p);
    apr_int64_t total = -1;

    assert_int_equal(APR_SUCCESS, insert(db, p, 1));
    w = writer(p, db, 64, &m);
    memset(in, 0, sizeof(in));
    in[0].title = "one";
    in[1].title = "two";
    bulk.op = TODO_TASK_CREATE_BULK;
    bulk.user_id = user_id(p, 1);
    bulk.in = in;
    bulk.n = 2;
    bulk.now = TS_NOW;
    assert_int_equal(APR_SUCCESS,
                     todo_writer_run(w, p, NULL, todo_task_write, &bulk));
    assert_int_equal(2, bulk.tasks->nelts);

    update.op = TODO_TASK_UPDATE;
    update.user_id = bulk.user_id;
    update.id = "0192a6e4-7c2b-7def-8abc-00000000ffff";
    update.in = &in[0];
    update.now = TS_NOW;
    update.res = res;
    assert_int_equal(APR_ENOENT,
                     todo_writer_run(w, p, NULL, todo_task_write, &update));

    assert_int_equal(
        APR_SUCCESS,
        todo_db_count(db, p, TODO_SQL_TASK_COUNT_ALL, &total,
                      TODO_ARGS(bulk.user_id,
                                ts_live_session(db, p, bulk.user_id),
                                bulk.user_id)));
    assert_int_equal(2, total);
}

/* After-commit hooks (the events to the ring) run once the group has
 * committed and before the cross-process write lock is released, so the
 * next group -- of any process -- cannot commit before they ran: the ring
 * gets events in commit order. */
static void test_hooks_run_after_commit_under_the_lock(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    apr_global_mutex_t *lock = NULL;
    todo_writer_t *w = NULL;
    job_arg_t a = {0}, b = {0};

    assert_int_equal(APR_SUCCESS,
                     apr_global_mutex_create(&lock, NULL, APR_LOCK_DEFAULT, p));
    assert_int_equal(APR_SUCCESS, todo_writer_create(&w, p, db, lock, 8));
    hear_reset(db, lock);
    a.kind = J_INSERT;
    a.n = 1;
    assert_int_equal(APR_SUCCESS, todo_writer_run(w, p, NULL, job, &a));
    b.kind = J_INSERT;
    b.n = 2;
    assert_int_equal(APR_SUCCESS, todo_writer_run(w, p, NULL, job, &b));
    assert_int_equal(2, heard.n);
    assert_int_equal(1, heard.job[0]);
    assert_int_equal(2, heard.job[1]);
    assert_true(heard.lock_held[0] && heard.lock_held[1]);
    assert_true(heard.committed[0] && heard.committed[1]);
    /* And released after them. */
    assert_int_equal(APR_SUCCESS, apr_global_mutex_trylock(lock));
    assert_int_equal(APR_SUCCESS, apr_global_mutex_unlock(lock));
}

static void test_no_empty_groups(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_writer_t *w = NULL;

    assert_int_equal(APR_EINVAL, todo_writer_create(&w, p, db, NULL, 0));
    assert_null(w);
}

/* A group runs its jobs in the order of their keys (the users whose rows
 * they lock), whatever order they arrived in: every group takes its
 * users' locks in one order, so two groups never wait on each other. */
static void test_jobs_run_in_key_order(void **state)
{
    static const char *const keys[] = {"u3", "u1", "u2", "u1",
                                       "u3", "u2", "u1", "u0"};
    static const kind_t kinds[8] = {J_INSERT};
    apr_pool_t *p = TS_POOL(state);
    todo_db_t *db = ts_memdb(p);
    todo_metrics_t *m;
    todo_writer_t *w = writer(p, db, 64, &m);
    job_arg_t args[8];
    int i;

    memset(args, 0, sizeof(args));
    for (i = 0; i < 8; ++i) {
        args[i].key = keys[i];
    }
    run_group(p, w, m, kinds, 8, args);
    /* The gate's group, then this one, in key order. */
    assert_int_equal(8, heard.n);
    for (i = 1; i < 8; ++i) {
        assert_true(strcmp(keys[heard.job[i - 1] - 1], keys[heard.job[i] - 1])
                    <= 0);
    }
    assert_int_equal(2, (int)m->db_group_commits);
}

int test_todo_writer_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_waiting_writes_share_one_commit),
        TS_TEST(test_group_size_is_bounded),
        TS_TEST(test_failed_write_is_undone_alone),
        TS_TEST(test_hooks_run_after_commit_under_the_lock),
        TS_TEST(test_lost_transaction_acknowledges_nothing),
        TS_TEST(test_store_transactions_inside_a_group),
        TS_TEST(test_no_empty_groups),
        TS_TEST(test_jobs_run_in_key_order),
        TS_TEST(test_no_savepoints_while_jobs_succeed),
        TS_TEST(test_failed_job_runs_the_group_again_with_savepoints),
    };
    return cmocka_run_group_tests_name("todo_writer", tests, NULL, NULL);
}
