/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

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
    /* Signalled when the job is done, or when it is to lead the next
     * group: only its own thread wakes, not every waiting one. */
    apr_thread_cond_t *cv;
} job_t;

struct todo_writer_t {
    apr_thread_mutex_t *mu; /* guards everything below */
    job_t *head, *tail;     /* queued, not yet taken by a leader */
    int running;            /* a leader is running a group */
    int max_group;
    todo_db_t *db;
    todo_db_control_t *ctl; /* the driver's transaction control */
    apr_global_mutex_t *lock;
    const todo_writer_observer_t *obs;
    void *obs_baton;
};

apr_status_t todo_writer_create(todo_writer_t **pw, apr_pool_t *p,
                                todo_db_t *db, apr_global_mutex_t *lock,
                                int max_group)
{
    todo_writer_t *w = apr_pcalloc(p, sizeof(*w));
    apr_status_t rv;

    if (!db->driver->control_prepare || max_group < 1) {
        return APR_EINVAL;
    }
    rv = apr_thread_mutex_create(&w->mu, APR_THREAD_MUTEX_DEFAULT, p);
    if (APR_SUCCESS != rv) {
        return rv;
    }
    w->db = db;
    rv = db->driver->control_prepare(db, p, &w->ctl);
    if (APR_SUCCESS != rv) {
        return rv;
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

/* Only the leader uses the writer connection, one thread at a time.
 * Run @a a, then @a b (TODO_DB_CTL_COUNT: nothing), in one round trip
 * where the driver can. */
static apr_status_t control_pair(todo_writer_t *w, apr_pool_t *p,
                                 todo_db_ctl_t a, todo_db_ctl_t b)
{
    const todo_db_driver_t *drv = w->db->driver;
    const char *err = NULL;
    apr_status_t rv;

    if (b != TODO_DB_CTL_COUNT && drv->control_pair) {
        rv = drv->control_pair(w->ctl, a, b, p, &err);
    }
    else {
        rv = drv->control(w->ctl, a, p, &err);
        if (APR_SUCCESS == rv && b != TODO_DB_CTL_COUNT) {
            rv = drv->control(w->ctl, b, p, &err);
        }
    }
    if (APR_SUCCESS != rv) {
        todo_log_perror(TODO_LOG_MARK, TODO_LOG_ERR, 0, p,
                        TODO_LOGNO(00031) "group commit: %s", err);
    }
    return rv;
}

static apr_status_t control(todo_writer_t *w, apr_pool_t *p,
                            todo_db_ctl_t which)
{
    return control_pair(w, p, which, TODO_DB_CTL_COUNT);
}

/* Run one job, inside the savepoint its group opened for it (@a alone: a
 * group of one, whose transaction is the job's own); TODO_EDB if the
 * group's transaction broke (the job's own status is in j->rv). Then
 * what follows it: the next job's savepoint, or (@a last) the COMMIT. */
static apr_status_t run_job(todo_writer_t *w, job_t *j, int alone, int last)
{
    int mark = todo_db_hooks_mark(w->db);
    apr_status_t rv;

    j->rv = j->fn(w->db, j->p, j->baton);
    w->db->in_tx = 0;
    if (alone) {
        /* A failure rolls the transaction back whole: nothing else was
         * in it. */
        return APR_SUCCESS == j->rv ? control(w, j->p, TODO_DB_CTL_COMMIT)
                                    : TODO_EDB;
    }
    if (!w->db->driver->in_transaction(w->db)) {
        /* SQLite rolled the whole transaction back (SQLITE_FULL, IOERR,
         * NOMEM): the jobs before this one are gone too. */
        return TODO_EDB;
    }
    if (APR_SUCCESS != j->rv) {
        /* What it wrote is undone: so is what it would do at commit, and
         * so are the locks it took. */
        todo_db_hooks_end(w->db, mark, 0);
        w->db->locked_key = NULL;
        rv = control(w, j->p, TODO_DB_CTL_ROLLBACK_TO);
        if (APR_SUCCESS != rv) {
            return rv;
        }
    }
    return control_pair(w, j->p, TODO_DB_CTL_RELEASE,
                        last ? TODO_DB_CTL_COMMIT : TODO_DB_CTL_SAVEPOINT);
}

void todo_writer_observe(todo_writer_t *w, const todo_writer_observer_t *obs,
                         void *baton)
{
    w->obs = obs;
    w->obs_baton = baton;
}

/* BEGIN, and (unless @a alone) the first job's savepoint. */
static apr_status_t begin(todo_writer_t *w, apr_pool_t *p, int alone)
{
    return alone ? control(w, p, TODO_DB_CTL_BEGIN)
                 : control_pair(w, p, TODO_DB_CTL_BEGIN, TODO_DB_CTL_SAVEPOINT);
}

/* Run @a group's jobs in one transaction without savepoints, and commit
 * it if every job succeeded. APR_EAGAIN: a job failed, and the
 * transaction was rolled back whole (the group is to run again, each job
 * in a savepoint); another error: the connection or the COMMIT failed. */
static apr_status_t run_without_savepoints(todo_writer_t *w, job_t *group)
{
    apr_pool_t *p = group->p;
    job_t *j;

    for (j = group; j; j = j->next) {
        j->rv = j->fn(w->db, j->p, j->baton);
        w->db->in_tx = 0;
        if (APR_SUCCESS != j->rv) {
            /* What every job did is undone, what they would do at
             * commit too, and so are the locks they took. */
            todo_db_hooks_end(w->db, 0, 0);
            w->db->locked_key = NULL;
            for (j = group; j; j = j->next) {
                j->rv = TODO_EDB;
            }
            if (w->db->driver->in_transaction(w->db)
                && APR_SUCCESS != control(w, p, TODO_DB_CTL_ROLLBACK)) {
                return TODO_EDB;
            }
            return APR_EAGAIN;
        }
    }
    return control(w, p, TODO_DB_CTL_COMMIT);
}

/* A connection that broke since the last group is opened again; a BEGIN
 * that failed did nothing, so it is tried once more. With the first
 * job's savepoint unless @a alone. */
static apr_status_t start(todo_writer_t *w, apr_pool_t *p, int alone)
{
    apr_status_t rv = todo_db_revive(w->db, p);

    if (APR_SUCCESS == rv) {
        rv = begin(w, p, alone);
    }
    if (APR_SUCCESS != rv && APR_SUCCESS == todo_db_revive(w->db, p)) {
        rv = begin(w, p, alone);
    }
    return rv;
}

static void run_group(todo_writer_t *w, job_t *group)
{
    apr_pool_t *p = group->p; /* for log lines about the group */
    job_t *j;
    apr_status_t rv = APR_EAGAIN;
    int n = 0;

    for (j = group; j; j = j->next) {
        j->rv = TODO_EDB;
    }
    if (w->lock) {
        apr_global_mutex_lock(w->lock);
    }
    w->db->locked_key = NULL;
    if (group->next && w->db->driver->savepoints_on_failure) {
        rv = start(w, p, 1);
        if (APR_SUCCESS == rv) {
            rv = run_without_savepoints(w, group);
        }
    }
    if (APR_EAGAIN == rv) {
        rv = start(w, p, !group->next);
        for (j = group; APR_SUCCESS == rv && j; j = j->next) {
            rv = run_job(w, j, !group->next, !j->next);
        }
    }
    /* The committed jobs' hooks (their events to the ring), in commit
     * order, before the next group (of any process) can commit. */
    todo_db_hooks_end(w->db, 0, APR_SUCCESS == rv);
    if (APR_SUCCESS == rv && w->obs) {
        /* A group whose every write failed stored nothing: not counted. */
        for (j = group; j; j = j->next) {
            n += APR_SUCCESS == j->rv;
        }
        if (n > 0) {
            w->obs->committed(w->obs_baton, n);
        }
    }
    if (APR_SUCCESS != rv) {
        if (w->db->driver->in_transaction(w->db)) {
            control(w, p, TODO_DB_CTL_ROLLBACK);
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
    if (w->obs) {
        w->obs->queued(w->obs_baton, -n);
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
    apr_status_t rv = apr_thread_cond_create(&job->cv, p);

    if (APR_SUCCESS != rv) {
        return rv;
    }
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
    if (w->obs) {
        w->obs->queued(w->obs_baton, 1);
    }
    while (!job->done) {
        job_t *group, *j, *next;

        if (w->running) {
            apr_thread_cond_wait(job->cv, w->mu);
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
            if (j != job) {
                apr_thread_cond_signal(j->cv);
            }
        }
        w->running = 0;
        if (w->head) {
            /* The oldest waiting job leads the next group. */
            apr_thread_cond_signal(w->head->cv);
        }
    }
    apr_thread_mutex_unlock(w->mu);
    return job->rv;
}
