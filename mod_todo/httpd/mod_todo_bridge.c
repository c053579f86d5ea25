/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * Task events from the database to the event ring, and the events
 * table's upkeep.
 *
 * PostgreSQL: a task write stores its event and NOTIFYs "e<id>" in its own
 * transaction (todo_event_store.h); PostgreSQL delivers the notification
 * at the commit, in commit order, to every server. In each server one
 * process -- the holder of a lease in shared memory -- LISTENs on a
 * connection of its own (apr_dbd's, opened with the server's DBDParams;
 * the driver's notification ops for what apr_dbd has no API for,
 * todo_driver.h),
 * reads the rows the notifications name and appends them to the ring in
 * that order. That is the only way a task event reaches a ring on
 * PostgreSQL: two processes appending after their commits could invert
 * one user's events, and a stream that skips ids up to the last it sent
 * would then lose one.
 *
 * A listener that was not listening for a while (its connection cut,
 * PostgreSQL away, a takeover of the lease, the server's start: streams
 * are served before the first LISTEN) missed notifications: once it
 * listens again, it reads the events made since the last moment one was
 * known healthy (in shared memory, so the next holder knows it too; at
 * first, when the server started), minus a margin for transactions in
 * flight then and for the servers' clocks, and appends those the ring
 * does not hold yet. Revocations keep
 * their own messages (todo_event_wire.h): they need not be durable.
 *
 * The listener also prunes the events table. On SQLite, which has no
 * listener, a thread of each process offers to prune, and one process a
 * period does.
 */

#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <httpd.h>
#include <http_log.h>

#include "mod_todo_bridge.h"
#include "mod_todo_shared.h"
#include "todo_event_store.h"
#include "todo_event_wire.h"
#include "todo_log.h"
#include "todo_sql.h"

APLOG_USE_MODULE(todo);

/* After a gap, events made since the last healthy moment minus this are
 * read again: transactions that drew their event's time before it and
 * committed after, and clocks of servers apart by up to this. */
#define CATCHUP_MARGIN apr_time_from_sec(10)
/* The most events one catch-up appends (the oldest go beyond it). */
#define CATCHUP_MAX 1000000
/* How long ids caught up are remembered, to skip their notifications. */
#define DEDUPE_FOR apr_time_from_sec(60)
/* A listener with no answered query this long sends one. */
#define PING_EVERY apr_time_from_sec(2)
/* How often the events table is pruned (one process of a server). */
#define PRUNE_EVERY apr_time_from_sec(60)

static volatile int stopping;
static apr_thread_t *worker;
static server_rec *log_server;

void todo_bridge_send(todo_req_t *req, todo_event_kind_t kind, const char *user,
                      const char *payload, apr_size_t len)
{
    apr_array_header_t *msgs;
    todo_rows_t *rows;
    int i;

    if (req->sc->dialect != TODO_DIALECT_PGSQL
        || APR_SUCCESS != todo_req_db(req)) {
        return;
    }
    msgs = todo_wire_encode(req->r->pool, todo_shared_origin(),
                            todo_shared_next_msgid(), kind, user, payload, len);
    for (i = 0; i < msgs->nelts; ++i) {
        apr_status_t rv =
            todo_db_select(req->db, req->r->pool, TODO_SQL_EVENT_NOTIFY, &rows,
                           TODO_ARGS(APR_ARRAY_IDX(msgs, i, const char *)));
        if (APR_SUCCESS != rv) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                          TODO_LOGNO(00026) "could not send an event to the "
                                            "other servers");
            return;
        }
    }
}

/* Sleep up to @a ms, waking early when asked to stop. */
static void nap(int ms)
{
    for (; ms > 0 && !stopping; ms -= 100) {
        apr_sleep(apr_time_from_msec(100));
    }
}

/* Prune what is older than the retention, a batch per transaction. */
static void prune(todo_db_t *db, apr_pool_t *p, apr_int64_t retention)
{
    apr_int64_t before =
        apr_time_as_msec(apr_time_now()) - retention * APR_INT64_C(1000);
    int n = TODO_EVENT_PRUNE_BATCH, total = 0;

    while (!stopping && n == TODO_EVENT_PRUNE_BATCH) {
        if (APR_SUCCESS
            != todo_event_prune(db, p, before, TODO_EVENT_PRUNE_BATCH, &n)) {
            return; /* the next period tries again */
        }
        total += n;
        apr_pool_clear(p);
    }
    if (total) {
        ap_log_error(
            APLOG_MARK, APLOG_DEBUG, 0, log_server,
            TODO_LOGNO(00044) "pruned %d events older than %" APR_INT64_T_FMT
                              " seconds",
            total, retention);
    }
}

/* ---- PostgreSQL: the listener ---- */

typedef struct {
    const char *params;    /* DBDParams, and the listener's own options */
    apr_int64_t retention; /* TodoEventRetention */
    const todo_db_driver_t *driver; /* PostgreSQL's */
    apr_pool_t *cp;                 /* the connection's (NULL: not connected) */
    todo_db_t *db;                  /* NULL: not connected */
    int backend;                    /* its server process: another one (libpq
                                       reconnected) listens to nothing */
    apr_time_t answered;            /* the last query sent that was answered */
    apr_pool_t *recent_pool;        /* holds recent */
    apr_hash_t *recent;             /* ids a catch-up appended or found */
    apr_time_t recent_until;        /* when recent is forgotten */
    todo_wire_reasm_t *rs;          /* revocations in several parts */
    uint64_t mine;                  /* this server's origin */
    int warned;                     /* said it cannot listen */
} listener_t;

static void hang_up(listener_t *l)
{
    if (l->cp) {
        apr_pool_destroy(l->cp); /* closes the connection */
    }
    l->cp = NULL;
    l->db = NULL;
}

/* The connection answered a query sent at @a sent (and is the one that
 * LISTENs): every event committed before then was notified to it. */
static int answered(listener_t *l, apr_status_t rv, apr_time_t sent)
{
    if (APR_SUCCESS != rv || l->driver->session_id(l->db) != l->backend) {
        hang_up(l);
        return 0;
    }
    l->answered = sent;
    todo_shared_listener_healthy(sent);
    return 1;
}

static int seen_recently(listener_t *l, apr_int64_t id)
{
    return l->recent && apr_hash_get(l->recent, &id, sizeof(id)) != NULL;
}

static void remember(listener_t *l, apr_int64_t id)
{
    apr_int64_t *key = apr_palloc(l->recent_pool, sizeof(*key));

    *key = id;
    apr_hash_set(l->recent, key, sizeof(*key), key);
}

/* Append the events with these ids (in this order) to the ring. */
static int append(listener_t *l, apr_pool_t *p, const apr_int64_t *ids, int n,
                  int remembering)
{
    apr_array_header_t *events;
    apr_time_t sent = apr_time_now();
    apr_status_t rv;
    int i;

    if (!n) {
        return 1;
    }
    rv = todo_event_fetch(l->db, p, ids, n, &events);
    if (!answered(l, rv, sent)) {
        return 0;
    }
    for (i = 0; i < events->nelts; ++i) {
        todo_stored_event_t *ev =
            &APR_ARRAY_IDX(events, i, todo_stored_event_t);
        if (remembering) {
            remember(l, ev->id);
        }
        todo_shared_publish_committed(log_server, ev->id, ev->user, ev->payload,
                                      ev->len);
    }
    return 1;
}

/* Which task events does the ring hold? Into l->recent. Each record is
 * read into a scratch pool of its own: @a p holds the caller's ids (and,
 * for the listener's own pool, its connection). */
static void ring_ids(listener_t *l, apr_pool_t *p)
{
    todo_events_t *ev = todo_shared_events();
    apr_pool_t *scratch;
    int attempt;

    apr_pool_create(&scratch, p);
    for (attempt = 0; attempt < 8; ++attempt) {
        todo_events_cursor_t cur;
        todo_event_t e;
        apr_status_t rv;

        todo_events_cursor_tail(ev, &cur);
        while (APR_SUCCESS == (rv = todo_events_next(ev, &cur, scratch, &e))) {
            if (e.kind == TODO_EVENT_TASK) {
                remember(l, (apr_int64_t)e.id);
            }
            apr_pool_clear(scratch);
        }
        if (rv == APR_EOF) {
            break;
        }
        /* Overwritten as we read: the ring moves fast; again. */
    }
    apr_pool_destroy(scratch);
}

/* After a gap: append the events made since the last healthy moment
 * (minus the margin) that the ring does not hold. @a p is scratch, for
 * this catch-up only. */
static int catch_up(listener_t *l, apr_pool_t *p)
{
    apr_time_t healthy = todo_shared_listener_last_healthy();
    apr_time_t sent = apr_time_now();
    apr_array_header_t *ids;
    apr_int64_t *todo;
    apr_pool_t *page;
    apr_status_t rv;
    int i, n = 0, ok = 1;

    apr_pool_clear(l->recent_pool);
    l->recent = apr_hash_make(l->recent_pool);
    l->recent_until = sent + DEDUPE_FOR;
    rv = todo_event_ids_since(l->db, p,
                              apr_time_as_msec(healthy - CATCHUP_MARGIN),
                              CATCHUP_MAX + 1, &ids);
    if (!answered(l, rv, sent)) {
        return 0;
    }
    if (ids->nelts > CATCHUP_MAX) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, log_server,
                     TODO_LOGNO(00040) "catching up after %" APR_TIME_T_FMT
                                       " s without listening: more than %d "
                                       "events; live streams miss the newest "
                                       "(an SSE client that resumes has them)",
                     apr_time_sec(sent - healthy), CATCHUP_MAX);
        ids->nelts = CATCHUP_MAX;
    }
    ring_ids(l, p);
    todo = apr_palloc(p, sizeof(*todo) * (apr_size_t)(ids->nelts + 1));
    for (i = 0; i < ids->nelts; ++i) {
        apr_int64_t id = APR_ARRAY_IDX(ids, i, apr_int64_t);
        if (!seen_recently(l, id)) {
            todo[n++] = id;
        }
    }
    /* A page of events in memory at a time. */
    apr_pool_create(&page, p);
    for (i = 0; ok && i < n; i += TODO_EVENT_PAGE) {
        ok = append(l, page, todo + i,
                    n - i < TODO_EVENT_PAGE ? n - i : TODO_EVENT_PAGE, 1);
        apr_pool_clear(page);
    }
    apr_pool_destroy(page);
    if (!ok) {
        return 0;
    }
    if (n) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, log_server,
                     TODO_LOGNO(00041) "caught up %d events made while "
                                       "nobody listened",
                     n);
    }
    return 1;
}

/* Connect (into a pool of @a p's), LISTEN, and catch up. */
static int listen_on(listener_t *l, apr_pool_t *p)
{
    const char *err = "no connection";
    apr_pool_t *scratch;
    apr_time_t sent = 0;
    apr_status_t rv;
    int ok;

    /* Ask first: opening through apr_dbd logs each failure as an error,
     * and PostgreSQL may be away for a while. */
    if (!l->driver->ping(l->params)) {
        if (!l->warned) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, log_server,
                         TODO_LOGNO(00027) "cannot listen for task events "
                                           "(retrying): PostgreSQL does not "
                                           "answer");
            l->warned = 1;
        }
        return 0;
    }
    apr_pool_create(&l->cp, p);
    rv = todo_db_open(l->cp, "pgsql", l->params, &l->db);
    if (APR_SUCCESS == rv) {
        l->db->quiet = 1;
        rv = todo_db_prepare_all(l->db, l->cp);
    }
    if (APR_SUCCESS == rv) {
        l->backend = l->driver->session_id(l->db);
        sent = apr_time_now();
        rv = l->driver->listen(l->db, l->cp, TODO_SQL_EVENT_LISTEN, &err);
    }
    if (APR_SUCCESS != rv) {
        if (!l->warned) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, log_server,
                         TODO_LOGNO(00042) "cannot listen for task events "
                                           "(retrying): %s",
                         err);
            l->warned = 1;
        }
        hang_up(l);
        return 0;
    }
    /* Listening from before the catch-up reads: what commits meanwhile is
     * in both, and the notifications of what it appended are skipped.
     * (Its memory goes with it: @a p lives as long as the thread.) */
    apr_pool_create(&scratch, p);
    ok = catch_up(l, scratch);
    apr_pool_destroy(scratch);
    if (!ok) {
        return 0;
    }
    l->warned = 0;
    return answered(l, APR_SUCCESS, sent);
}

/* Take the notifications that arrived: task events by id (batched, in
 * their order), revocations as they are. */
static int take_notes(listener_t *l, apr_pool_t *p)
{
    apr_int64_t ids[TODO_EVENT_PAGE];
    const char *note;
    int n = 0;

    while (l->db && APR_SUCCESS == l->driver->notification(l->db, p, &note)) {
        apr_int64_t id;
        uint64_t origin;
        todo_event_t e;

        if (todo_wire_event_id(note, &id)) {
            if (!seen_recently(l, id)) {
                ids[n++] = id;
            }
        }
        else if (append(l, p, ids, n, 0)) {
            n = 0;
            if (APR_SUCCESS == todo_wire_take(l->rs, p, note, &origin, &e)
                && origin != l->mine && e.kind != TODO_EVENT_TASK) {
                todo_shared_publish(e.kind, 0, e.user, e.payload, e.len);
            }
        }
        if (n == TODO_EVENT_PAGE) {
            if (!append(l, p, ids, n, 0)) {
                return 0;
            }
            n = 0;
        }
    }
    return l->db && append(l, p, ids, n, 0);
}

static void *APR_THREAD_FUNC listen_loop(apr_thread_t *thread, void *data)
{
    listener_t *l = data;
    uint32_t me = (uint32_t)getpid();
    apr_pool_t *p, *tmp;

    apr_pool_create(&p, apr_thread_pool_get(thread));
    apr_pool_create(&tmp, p);
    apr_pool_create(&l->recent_pool, p);
    l->rs = todo_wire_reasm_make(p);
    l->mine = todo_shared_origin();
    while (!stopping) {
        struct pollfd pfd;
        apr_time_t now = apr_time_now();

        apr_pool_clear(tmp);
        if (!todo_shared_lease(me, now)) {
            hang_up(l); /* another process took over */
            nap(1000);
            continue;
        }
        if (!l->db && !listen_on(l, p)) {
            nap(1000);
            continue;
        }
        if (l->recent && now > l->recent_until) {
            apr_pool_clear(l->recent_pool);
            l->recent = NULL;
        }
        pfd.fd = l->driver->socket(l->db);
        pfd.events = POLLIN;
        poll(&pfd, 1, 1000);
        if (APR_SUCCESS != l->driver->consume(l->db)) {
            hang_up(l); /* PostgreSQL went away: listen again */
            continue;
        }
        if (!take_notes(l, tmp)) {
            continue;
        }
        now = apr_time_now();
        if (now - l->answered >= PING_EVERY) {
            todo_rows_t *rows;
            if (!answered(l,
                          todo_db_select(l->db, tmp, TODO_SQL_PING, &rows,
                                         TODO_NO_ARGS),
                          now)) {
                continue;
            }
        }
        if (todo_shared_prune_due(now, PRUNE_EVERY)) {
            prune(l->db, tmp, l->retention);
            if (l->driver->session_id(l->db) != l->backend) {
                hang_up(l);
            }
        }
    }
    hang_up(l);
    todo_shared_lease_release(me);
    /* Returning ends the thread as apr_thread_exit() would, without
     * pthread_exit()'s unwinding, which ASan misreads as a stack
     * overflow when the thread is torn down. */
    (void)thread;
    return NULL;
}

/* ---- SQLite: pruning ---- */

typedef struct {
    const todo_srv_conf_t *sc;
} pruner_t;

static void *APR_THREAD_FUNC prune_loop(apr_thread_t *thread, void *data)
{
    pruner_t *pr = data;
    const todo_srv_conf_t *sc = pr->sc;
    todo_db_t *db = NULL;
    apr_pool_t *p, *tmp;

    apr_pool_create(&p, apr_thread_pool_get(thread));
    apr_pool_create(&tmp, p);
    while (!stopping) {
        nap(1000);
        if (stopping || !todo_shared_prune_due(apr_time_now(), PRUNE_EVERY)) {
            continue;
        }
        if (!db) {
            /* A connection of its own, opened at its first turn. */
            if (APR_SUCCESS
                    != todo_db_open(p, sc->db_driver, sc->db_params, &db)
                || APR_SUCCESS != todo_db_setup(db, &sc->db_opts)
                || APR_SUCCESS != todo_db_prepare_all(db, p)) {
                apr_pool_clear(p);
                apr_pool_create(&tmp, p);
                db = NULL;
                continue;
            }
            db->write_lock = sc->write_lock;
        }
        prune(db, tmp, todo_conf_event_retention(sc));
    }
    /* Returning ends the thread as apr_thread_exit() would, without
     * pthread_exit()'s unwinding, which ASan misreads as a stack
     * overflow when the thread is torn down. */
    (void)thread;
    return NULL;
}

static apr_status_t stop_worker(void *data)
{
    apr_status_t rv;

    (void)data;
    stopping = 1;
    return apr_thread_join(&rv, worker);
}

void todo_bridge_child_init(apr_pool_t *pchild, server_rec *s)
{
    todo_srv_conf_t *sc = todo_srv_conf_get(s);
    apr_status_t rv;

    if (!sc->db_params) {
        return;
    }
    log_server = s;
    if (sc->dialect == TODO_DIALECT_PGSQL) {
        listener_t *l = apr_pcalloc(pchild, sizeof(*l));
        l->driver = todo_db_driver_of(TODO_DIALECT_PGSQL);
        /* Later keywords win: the listener notices a dead peer within
         * seconds, and says who it is in pg_stat_activity. (A URI is
         * taken as it is.) */
        l->params = strstr(sc->db_params, "://")
                        ? sc->db_params
                        : apr_psprintf(
                            pchild,
                            "%s keepalives=1 keepalives_idle=5 "
                            "keepalives_interval=2 keepalives_count=3 "
                            "tcp_user_timeout=10000 "
                            "fallback_application_name=mod_todo-listener-%ld",
                            sc->db_params, (long)getpid());
        l->retention = todo_conf_event_retention(sc);
        rv = apr_thread_create(&worker, NULL, listen_loop, l, pchild);
    }
    else {
        pruner_t *pr = apr_pcalloc(pchild, sizeof(*pr));
        pr->sc = sc;
        rv = apr_thread_create(&worker, NULL, prune_loop, pr, pchild);
    }
    if (APR_SUCCESS != rv) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     TODO_LOGNO(00028) "cannot start the event listener");
        return;
    }
    /* Before pchild's subpools go: the thread's pool is one of them, and
     * holds its connection (a cleanup would run after they were
     * destroyed, while the thread may still be using them). */
    apr_pool_pre_cleanup_register(pchild, NULL, stop_worker);
}
