/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <ap_mpm.h>
#include <httpd.h>
#include <http_config.h>
#include <http_connection.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mpm_common.h>

#include "mod_todo_park.h"
#include "todo_log.h"

APLOG_USE_MODULE(todo);

/* How long a closing connection may go on sending before it is cut (the
 * event MPM's short lingering close). */
#define LINGER_FOR apr_time_from_sec(2)
/*
 * How long after the MPM suspended a connection its pool may be
 * destroyed. The MPM's worker still writes two fields of the connection
 * after the suspend_connection hook returns (httpd 2.4 has no later
 * point to wait for), so a stream that ends at once (a client that
 * hangs up as it is parked) must not free the connection under it.
 */
#define SUSPEND_GRACE apr_time_from_msec(100)
/* The watcher looks at the MPM's state at least this often. */
#define WATCH_AT_LEAST_MS 1000
/* Epoll data: a stream's id (top bit clear), a lingering connection (top
 * bit set), the watcher's own eventfd. */
#define LINGER_TAG ((uint64_t)1 << 63)
#define WAKE_TOKEN (~(uint64_t)0)

struct todo_lot_entry_t {
    todo_park_id_t id;
    const todo_lot_ops_t *ops;
    void *stream;
    request_rec *r;
    conn_rec *c;
    int fd;
    int handing;             /* the MPM has not suspended it yet */
    apr_time_t suspended_at; /* when it did */
    apr_time_t deadline;     /* the first one, till the hand-off */
};

/* A connection the lot is closing: the client may still send a while. */
typedef struct linger_t {
    conn_rec *c;
    int fd;
    apr_time_t until;
    apr_time_t not_before; /* SUSPEND_GRACE */
    struct linger_t *next;
} linger_t;

static apr_thread_mutex_t *lot_lock; /* the table, epoll arming, lingering */
static todo_park_table_t *table;
static linger_t *lingering;
static int epfd = -1, wakefd = -1;
static apr_thread_t *watcher;
static volatile int quit;          /* the watcher ends */
static volatile int lot_stop_seen; /* child_stopping ran */
static int async_mpm;

int todo_lot_stopping(void)
{
    int state = AP_MPMQ_RUNNING;

    ap_mpm_query(AP_MPMQ_MPM_STATE, &state);
    return lot_stop_seen || state == AP_MPMQ_STOPPING;
}

static void ring_watcher(void)
{
    uint64_t one = 1;

    if (wakefd >= 0 && write(wakefd, &one, sizeof(one)) < 0) {
        /* EAGAIN: it is rung already */
    }
}

static void lot_run(void *baton);

/* A stream needs a worker: the MPM runs lot_run() on one when it can.
 * The entry outlives the wait: only a run ends it. */
static void schedule(void *baton, todo_park_id_t id, void *owner)
{
    todo_lot_entry_t *e = owner;
    apr_status_t rv;

    (void)baton;
    (void)id;
    rv = ap_mpm_register_timed_callback(0, lot_run, e);
    if (APR_SUCCESS != rv) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, e->r,
                      TODO_LOGNO(00045) "cannot schedule a parked stream");
    }
}

/* Watch @a e's socket for one readiness (it is re-armed at each park).
 * Called under lot_lock, so that a stream ended meanwhile by another
 * worker cannot have its descriptor reused under our feet. */
static void arm(todo_lot_entry_t *e, int op)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = e->id;
    if (epoll_ctl(epfd, op, e->fd, &ev) < 0 && op == EPOLL_CTL_ADD) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, errno, e->r,
                      TODO_LOGNO(00046) "cannot watch a parked stream");
    }
}

int todo_lot_usable(request_rec *r)
{
    conn_rec *c = r->connection;

    return async_mpm && table && c->cs && !c->master
           && !c->clogging_input_filters && !todo_lot_stopping();
}

apr_status_t todo_lot_enter(request_rec *r, const todo_lot_ops_t *ops,
                            void *stream, todo_park_id_t *pid)
{
    todo_lot_entry_t *e = apr_pcalloc(r->pool, sizeof(*e));
    apr_os_sock_t fd = -1;
    apr_status_t rv;

    e->ops = ops;
    e->stream = stream;
    e->r = r;
    e->c = r->connection;
    apr_os_sock_get(&fd, ap_get_conn_socket(e->c));
    e->fd = fd;
    apr_thread_mutex_lock(lot_lock);
    rv = todo_park_table_add(table, e, &e->id);
    apr_thread_mutex_unlock(lot_lock);
    if (APR_SUCCESS == rv) {
        ap_set_module_config(e->c->conn_config, &todo_module, e);
    }
    *pid = e->id;
    return rv;
}

void todo_lot_park(request_rec *r, apr_time_t deadline)
{
    todo_lot_entry_t *e =
        ap_get_module_config(r->connection->conn_config, &todo_module);

    e->deadline = deadline;
    e->handing = 1;
}

void todo_lot_leave(request_rec *r)
{
    todo_lot_entry_t *e =
        ap_get_module_config(r->connection->conn_config, &todo_module);

    if (!e) {
        return;
    }
    apr_thread_mutex_lock(lot_lock);
    todo_park_table_remove(table, e->id);
    apr_thread_mutex_unlock(lot_lock);
    ap_set_module_config(r->connection->conn_config, &todo_module, NULL);
}

/* The MPM suspended a connection: if it is one of our streams, the
 * handler's thread has let go of it for good (the MPM reads nothing of
 * it after this hook but its own fields), so it may be parked. */
static void lot_suspended(conn_rec *c, request_rec *r)
{
    todo_lot_entry_t *e = ap_get_module_config(c->conn_config, &todo_module);
    todo_park_t *p;
    todo_park_action_t act = TODO_PARK_NOTHING;

    (void)r;
    if (!e || !e->handing || !c->cs || c->cs->state != CONN_STATE_SUSPENDED) {
        return;
    }
    e->handing = 0;
    e->suspended_at = apr_time_now();
    apr_thread_mutex_lock(lot_lock);
    p = todo_park_table_get(table, e->id, NULL);
    if (p) {
        act = todo_park_hand_off(p, e->deadline);
        arm(e, EPOLL_CTL_ADD);
        if (act == TODO_PARK_SCHEDULE) {
            schedule(NULL, e->id, e);
        }
    }
    apr_thread_mutex_unlock(lot_lock);
    ring_watcher(); /* a new deadline */
}

void todo_lot_wake(todo_park_id_t id, unsigned why)
{
    todo_park_t *p;
    void *owner;

    apr_thread_mutex_lock(lot_lock);
    p = table ? todo_park_table_get(table, id, &owner) : NULL;
    if (p && todo_park_wake(p, why) == TODO_PARK_SCHEDULE) {
        schedule(NULL, id, owner);
    }
    apr_thread_mutex_unlock(lot_lock);
}

/* ---- closing ---- */

/* What the MPM does with a connection it closes: its pool goes, and with
 * it the socket; the MPM's own cleanup counts it gone. */
static void destroy_conn(conn_rec *c)
{
    /* It was counted suspended when the MPM suspended it: uncounted so. */
    c->cs->state = CONN_STATE_SUSPENDED;
    apr_pool_destroy(c->pool);
}

/* Close @a c: flush, the TLS close_notify, FIN; then let the client say
 * what it still says for a moment (the watcher reads it), so that it is
 * not cut with a reset before it has read our last bytes. Its pool is
 * not destroyed before @a not_before. */
static void close_conn(conn_rec *c, int fd, int may_linger,
                       apr_time_t not_before)
{
    struct epoll_event ev;
    linger_t *l;
    apr_time_t now;
    int gone;

    c->keepalive = AP_CONN_CLOSE;
    gone = ap_start_lingering_close(c) || !may_linger;
    now = apr_time_now();
    if (gone && now >= not_before) {
        destroy_conn(c);
        return;
    }
    l = apr_pcalloc(c->pool, sizeof(*l));
    l->c = c;
    l->fd = fd;
    l->not_before = not_before;
    l->until = gone ? not_before : now + LINGER_FOR;
    if (l->until < not_before) {
        l->until = not_before;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = (uint64_t)(uintptr_t)l | LINGER_TAG;
    apr_thread_mutex_lock(lot_lock);
    if (!gone && epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        l->until = not_before; /* not watched: just the grace */
    }
    l->next = lingering;
    lingering = l;
    apr_thread_mutex_unlock(lot_lock);
    ring_watcher();
}

/* The stream ended on this thread, which owns it (DONE): out of the lot,
 * its last bytes and its request's end, then its connection closed. */
static void lot_finish(todo_lot_entry_t *e, int may_linger)
{
    conn_rec *c = e->c;
    int fd = e->fd;
    apr_time_t not_before =
        e->suspended_at && may_linger ? e->suspended_at + SUSPEND_GRACE : 0;

    apr_thread_mutex_lock(lot_lock);
    todo_park_table_remove(table, e->id);
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    apr_thread_mutex_unlock(lot_lock);
    ap_set_module_config(c->conn_config, &todo_module, NULL);
    e->ops->finish(e->stream); /* e is gone with the request's pool */
    close_conn(c, fd, may_linger, not_before);
}

/* A worker runs a scheduled stream (ap_mpm_register_timed_callback). */
static void lot_run(void *baton)
{
    todo_lot_entry_t *e = baton;
    todo_park_t *p;
    todo_park_action_t act;
    apr_time_t deadline = 0;
    unsigned why = 0;
    int live;

    apr_thread_mutex_lock(lot_lock);
    p = todo_park_table_get(table, e->id, NULL);
    if (p && p->state == TODO_PARK_SCHEDULED) {
        why = todo_park_begin(p);
    }
    else {
        p = NULL; /* not ours to run (taken at shutdown) */
    }
    apr_thread_mutex_unlock(lot_lock);
    if (!p) {
        return;
    }
    do {
        live = e->ops->step(e->stream, why, &deadline);
        apr_thread_mutex_lock(lot_lock);
        act = todo_park_end(p, !live, deadline, &why);
        if (act == TODO_PARK_ARM) {
            arm(e, EPOLL_CTL_MOD);
        }
        apr_thread_mutex_unlock(lot_lock);
        /* Parked (ARM): another thread may have it already. */
    } while (act == TODO_PARK_AGAIN);
    if (act == TODO_PARK_FINISHED) {
        lot_finish(e, 1);
    }
    else {
        ring_watcher(); /* its deadline may be the next one */
    }
}

/* ---- the watcher ---- */

/* Read what a closing client still sends. @return 0 once it is done
 * (closed, failed) */
static int drain(int fd)
{
    char buf[4096];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            continue;
        }
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

/* Is lingering @a x done at @a now: the one named @a l (the client is
 * done), or past its time, and past its grace either way? */
static int linger_over(linger_t *x, const linger_t *l, apr_time_t now)
{
    if (now < x->not_before) {
        if (x == l) {
            x->until = x->not_before; /* done, but not yet */
        }
        return 0;
    }
    return x == l || x->until <= now;
}

/* Close the lingering connections that are done: @a l (NULL: none), and
 * every one past its time at @a now. @return the next time one is due */
static apr_time_t reap(linger_t *l, apr_time_t now)
{
    linger_t **pp, *done = NULL, *next;
    apr_time_t due = 0;

    apr_thread_mutex_lock(lot_lock);
    for (pp = &lingering; *pp;) {
        linger_t *x = *pp;
        if (linger_over(x, l, now)) {
            *pp = x->next;
            epoll_ctl(epfd, EPOLL_CTL_DEL, x->fd, NULL);
            x->next = done;
            done = x;
            continue;
        }
        if (!due || x->until < due) {
            due = x->until;
        }
        pp = &x->next;
    }
    apr_thread_mutex_unlock(lot_lock);
    for (; done; done = next) {
        next = done->next;
        destroy_conn(done->c);
    }
    return due;
}

static void watch_linger(linger_t *l)
{
    struct epoll_event ev;

    if (!drain(l->fd)) {
        reap(l, apr_time_now());
        return;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = (uint64_t)(uintptr_t)l | LINGER_TAG;
    epoll_ctl(epfd, EPOLL_CTL_MOD, l->fd, &ev);
}

static void watch_stream(todo_park_id_t id, uint32_t events)
{
    unsigned why = events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)
                       ? TODO_PARK_HANGUP | TODO_PARK_INPUT
                       : TODO_PARK_INPUT;

    todo_lot_wake(id, why);
}

static void *APR_THREAD_FUNC watch(apr_thread_t *thread, void *data)
{
    struct epoll_event evs[64];

    (void)data;
    while (!quit) {
        apr_time_t now = apr_time_now(), next, linger_due;
        int timeout = WATCH_AT_LEAST_MS, n, i;

        apr_thread_mutex_lock(lot_lock);
        if (todo_lot_stopping()) {
            todo_park_table_wake_all(table, TODO_PARK_STOP, schedule, NULL);
        }
        next = todo_park_table_due(table, now, schedule, NULL);
        apr_thread_mutex_unlock(lot_lock);
        linger_due = reap(NULL, now);
        if (linger_due && (!next || linger_due < next)) {
            next = linger_due;
        }
        if (next && next - now < apr_time_from_msec(WATCH_AT_LEAST_MS)) {
            timeout = (int)((next - now + 999) / 1000);
        }
        n = epoll_wait(epfd, evs, 64, timeout);
        for (i = 0; i < n; ++i) {
            uint64_t d = evs[i].data.u64;
            if (d == WAKE_TOKEN) {
                uint64_t v;
                if (read(wakefd, &v, sizeof(v)) < 0) {
                    /* drained already */
                }
            }
            else if (d & LINGER_TAG) {
                watch_linger((linger_t *)(uintptr_t)(d & ~LINGER_TAG));
            }
            else {
                watch_stream(d, evs[i].events);
            }
        }
    }
    (void)thread;
    return NULL;
}

/* ---- stopping ---- */

static void claim(void *baton, todo_park_id_t id, void *owner)
{
    (void)id;
    APR_ARRAY_PUSH((apr_array_header_t *)baton, todo_lot_entry_t *) = owner;
}

/*
 * pchild goes: the workers are gone (the MPM joined them), so the streams
 * still parked, or scheduled for a worker that will never come (a hard
 * stop), are ended here, and the lingering ones closed at once. Before
 * pchild's subpools go: the table lives in pchild.
 */
static apr_status_t lot_stop(void *data)
{
    apr_array_header_t *left;
    linger_t *l;
    apr_pool_t *p;
    apr_status_t rv;
    int i;

    (void)data;
    quit = 1;
    ring_watcher();
    apr_thread_join(&rv, watcher);
    apr_pool_create(&p, NULL);
    left = apr_array_make(p, 16, sizeof(todo_lot_entry_t *));
    apr_thread_mutex_lock(lot_lock);
    todo_park_table_claim_idle(table, TODO_PARK_STOP, claim, left);
    apr_thread_mutex_unlock(lot_lock);
    for (i = 0; i < left->nelts; ++i) {
        todo_lot_entry_t *e = APR_ARRAY_IDX(left, i, todo_lot_entry_t *);
        unsigned why;
        apr_time_t deadline;

        todo_park_end(todo_park_table_get(table, e->id, NULL), 1, 0, &why);
        e->ops->step(e->stream, TODO_PARK_STOP, &deadline);
        lot_finish(e, 0);
    }
    /* The MPM's workers are gone: no grace to wait for. */
    for (l = lingering; l; l = l->next) {
        l->not_before = l->until = 0;
    }
    reap(NULL, apr_time_now());
    apr_pool_destroy(p);
    table = NULL;
    close(epfd);
    close(wakefd);
    epfd = wakefd = -1;
    return APR_SUCCESS;
}

static void lot_child_stopping(apr_pool_t *pchild, int graceful)
{
    (void)pchild;
    (void)graceful;
    lot_stop_seen = 1;
    ring_watcher();
}

void todo_lot_child_init(apr_pool_t *pchild, server_rec *s, int capacity)
{
    struct epoll_event ev;
    apr_status_t rv;

    if (ap_mpm_query(AP_MPMQ_IS_ASYNC, &async_mpm) != APR_SUCCESS) {
        async_mpm = 0;
    }
    if (!async_mpm) {
        return;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.u64 = WAKE_TOKEN;
    if (epfd < 0 || wakefd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev)) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    else {
        rv = apr_thread_mutex_create(&lot_lock, APR_THREAD_MUTEX_DEFAULT,
                                     pchild);
    }
    if (APR_SUCCESS == rv) {
        rv = todo_park_table_make(pchild, capacity, &table);
    }
    if (APR_SUCCESS == rv) {
        rv = apr_thread_create(&watcher, NULL, watch, NULL, pchild);
    }
    if (APR_SUCCESS != rv) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     TODO_LOGNO(00047) "cannot start the stream watcher; "
                                       "each stream holds a thread");
        table = NULL;
        return;
    }
    apr_pool_pre_cleanup_register(pchild, NULL, lot_stop);
}

void todo_lot_register_hooks(void)
{
    ap_hook_suspend_connection(lot_suspended, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_stopping(lot_child_stopping, NULL, NULL, APR_HOOK_MIDDLE);
}
