/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <sqlite3.h>

#include "todo_log.h"
#include "todo_result.h"
#include "todo_writer.h"

/* One queued write, from the pool of the thread that waits for it. */
typedef struct job_t {
    struct job_t *next;
    todo_write_fn fn;
    void *baton;
    apr_pool_t *p;
    apr_status_t rv;
    const char *key;
    int done;
} job_t;

/* Transaction control, prepared once on the writer connection. */
enum { BEGIN, SAVEPOINT, RELEASE, ROLLBACK_TO, COMMIT, ROLLBACK, NCONTROL };

static const char *const control_sql[NCONTROL] = {
    "BEGIN IMMEDIATE",  "SAVEPOINT todo_job",
    "RELEASE todo_job", "ROLLBACK TO todo_job",
    "COMMIT",           "ROLLBACK"};

/* PostgreSQL's: a plain BEGIN (its locks are taken row by row). */
static const char *const control_sql_pg[NCONTROL] = {"BEGIN",
                                                     "SAVEPOINT todo_job",
                                                     "RELEASE todo_job",
                                                     "ROLLBACK TO todo_job",
                                                     "COMMIT",
                                                     "ROLLBACK"};

struct todo_writer_t {
    apr_thread_mutex_t *mu; /* guards everything below */
    apr_thread_cond_t *cv;  /* a group ended */
    job_t *head, *tail;     /* queued, not yet taken by a leader */
    int running;            /* a leader is running a group */
    int max_group;
    todo_db_t *db;
    int pg;        /* PostgreSQL: control commands through the store */
    sqlite3 *conn; /* SQLite: control statements prepared on it */
    sqlite3_stmt *control[NCONTROL];
    apr_global_mutex_t *lock;
    todo_metrics_t *metrics;
};

static apr_status_t finalize(void *data)
{
    todo_writer_t *w = data;
    int i;

    for (i = 0; i < NCONTROL; ++i) {
        sqlite3_finalize(w->control[i]);
        w->control[i] = NULL;
    }
    return APR_SUCCESS;
}

apr_status_t todo_writer_create(todo_writer_t **pw, apr_pool_t *p,
                                todo_db_t *db, apr_global_mutex_t *lock,
                                int max_group)
{
    todo_writer_t *w = apr_pcalloc(p, sizeof(*w));
    apr_status_t rv;
    int i;

    if (max_group < 1) {
        return APR_EINVAL;
    }
    rv = apr_thread_mutex_create(&w->mu, APR_THREAD_MUTEX_DEFAULT, p);
    if (APR_SUCCESS == rv) {
        rv = apr_thread_cond_create(&w->cv, p);
    }
    if (APR_SUCCESS != rv) {
        return rv;
    }
    w->db = db;
    w->pg = db->dialect == TODO_DIALECT_PGSQL;
    if (!w->pg) {
        w->conn = apr_dbd_native_handle(db->drv, db->h);
        /* Registered after the connection's own cleanup: runs before it. */
        apr_pool_cleanup_register(p, w, finalize, apr_pool_cleanup_null);
    }
    for (i = 0; !w->pg && i < NCONTROL; ++i) {
        if (SQLITE_OK
            != sqlite3_prepare_v3(w->conn, control_sql[i], -1,
                                  SQLITE_PREPARE_PERSISTENT, &w->control[i],
                                  NULL)) {
            return TODO_EDB;
        }
    }
    w->lock = lock;
    w->max_group = max_group;
    /* Statements on this connection run inside the group's transaction:
     * no write lock of their own, begin/end are the job's savepoint. */
    db->write_lock = NULL;
    db->grouped = 1;
    *pw = w;
    return APR_SUCCESS;
}

/*
 * Transaction control goes to SQLite directly, outside apr_dbd: its
 * driver holds one process-wide mutex during every call, and a COMMIT
 * waits for an fsync, which would stall every reading thread of the
 * process. Only the leader uses this connection, one thread at a time.
 */
static int control(todo_writer_t *w, apr_pool_t *p, int which)
{
    sqlite3_stmt *stmt = w->control[which];
    int rc;

    if (w->pg) {
        return APR_SUCCESS == todo_db_command(w->db, p, control_sql_pg[which]);
    }
    rc = sqlite3_step(stmt);

    sqlite3_reset(stmt);
    if (SQLITE_DONE != rc) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                        TODO_LOGNO(00031) "group commit: %s failed: %s (%d)",
                        control_sql[which], sqlite3_errmsg(w->conn), rc);
    }
    return SQLITE_DONE == rc;
}

/* Run one job in its savepoint (@a alone: a group of one, whose
 * transaction is the job's own); 0 if the group's transaction broke. */
static int run_job(todo_writer_t *w, job_t *j, int alone)
{
    int mark = todo_db_hooks_mark(w->db);

    if (!alone && !control(w, j->p, SAVEPOINT)) {
        return 0;
    }
    j->rv = j->fn(w->db, j->p, j->baton);
    w->db->in_tx = 0;
    if (alone) {
        /* The group's transaction is this job's: a failure rolls it
         * back whole, and nothing else was in it. */
        return APR_SUCCESS == j->rv;
    }
    if (!w->pg && sqlite3_get_autocommit(w->conn)) {
        /* SQLite rolled the whole transaction back (SQLITE_FULL, IOERR,
         * NOMEM): the jobs before this one are gone too. */
        return 0;
    }
    if (APR_SUCCESS != j->rv) {
        /* What it wrote is undone: so is what it would do at commit. */
        todo_db_hooks_end(w->db, mark, 0);
        if (!control(w, j->p, ROLLBACK_TO)) {
            return 0;
        }
    }
    return control(w, j->p, RELEASE);
}

void todo_writer_set_metrics(todo_writer_t *w, todo_metrics_t *m)
{
    w->metrics = m;
}

static void run_group(todo_writer_t *w, job_t *group)
{
    apr_pool_t *p = group->p; /* for log lines about the group */
    job_t *j;
    int ok, n = 0;

    for (j = group; j; j = j->next) {
        j->rv = TODO_EDB;
    }
    if (w->lock) {
        apr_global_mutex_lock(w->lock);
    }
    /* A connection that broke since the last group is opened again; a
     * BEGIN that fails did nothing, so it may be tried once more. */
    ok = APR_SUCCESS == todo_db_revive(w->db, p) && control(w, p, BEGIN);
    if (!ok && w->pg) {
        ok = APR_SUCCESS == todo_db_revive(w->db, p) && control(w, p, BEGIN);
    }
    for (j = group; ok && j; j = j->next) {
        ok = run_job(w, j, !group->next);
    }
    ok = ok && control(w, p, COMMIT);
    /* The committed jobs' hooks (their events to the ring), in commit
     * order, before the next group (of any process) can commit. */
    todo_db_hooks_end(w->db, 0, ok);
    if (ok && w->metrics) {
        /* A group whose every write failed stored nothing: not counted. */
        for (j = group; j; j = j->next) {
            n += APR_SUCCESS == j->rv;
        }
        if (n > 0) {
            todo_metrics_group_commit(w->metrics, n);
        }
    }
    if (!ok) {
        if (w->pg || !sqlite3_get_autocommit(w->conn)) {
            control(w, p, ROLLBACK);
        }
        for (j = group; j; j = j->next) {
            if (APR_SUCCESS == j->rv) {
                j->rv = TODO_EDB;
            }
        }
    }
    if (w->lock) {
        apr_global_mutex_unlock(w->lock);
    }
}

/* Whether job @a a runs before @a b, which arrived before it. */
static int goes_before(const job_t *a, const job_t *b)
{
    return a->key && b->key && strcmp(a->key, b->key) < 0;
}

/* @a group in the order of its jobs' keys, arrival order among equal
 * keys and for jobs without one (an insertion sort: groups are short). */
static job_t *by_key(job_t *group)
{
    job_t *sorted = NULL, *j, *next, **pp;

    for (j = group; j; j = next) {
        next = j->next;
        pp = &sorted;
        while (*pp && !goes_before(j, *pp)) {
            pp = &(*pp)->next;
        }
        j->next = *pp;
        *pp = j;
    }
    return sorted;
}

/* Take up to max_group queued jobs, in arrival order, then ordered by
 * key. Under w->mu. */
static job_t *take_group(todo_writer_t *w)
{
    job_t *group = w->head, *last = group;
    int n = 1;

    while (last->next && n < w->max_group) {
        last = last->next;
        ++n;
    }
    if (w->metrics) {
        todo_metrics_group_queued(w->metrics, -n);
    }
    w->head = last->next;
    if (!w->head) {
        w->tail = NULL;
    }
    last->next = NULL;
    return by_key(group);
}

apr_status_t todo_writer_run(todo_writer_t *w, apr_pool_t *p, const char *key,
                             todo_write_fn fn, void *baton)
{
    job_t *job = apr_pcalloc(p, sizeof(*job));

    job->key = key;
    job->fn = fn;
    job->baton = baton;
    job->p = p;
    job->rv = TODO_EDB;
    apr_thread_mutex_lock(w->mu);
    if (w->tail) {
        w->tail->next = job;
    }
    else {
        w->head = job;
    }
    w->tail = job;
    if (w->metrics) {
        todo_metrics_group_queued(w->metrics, 1);
    }
    while (!job->done) {
        job_t *group, *j, *next;

        if (w->running) {
            apr_thread_cond_wait(w->cv, w->mu);
            continue;
        }
        /* Lead: our job is queued, so the queue is not empty. */
        w->running = 1;
        group = take_group(w);
        apr_thread_mutex_unlock(w->mu);
        run_group(w, group);
        apr_thread_mutex_lock(w->mu);
        for (j = group; j; j = next) {
            next = j->next;
            j->done = 1;
        }
        w->running = 0;
        apr_thread_cond_broadcast(w->cv);
    }
    apr_thread_mutex_unlock(w->mu);
    return job->rv;
}
