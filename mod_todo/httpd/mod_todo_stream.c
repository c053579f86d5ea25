/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_thread_mutex.h>
#include <ap_mpm.h>
#include <httpd.h>
#include <http_connection.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#include "mod_todo_bridge.h"
#include "mod_todo_dbd.h"
#include "mod_todo_park.h"
#include "mod_todo_routes.h"
#include "mod_todo_shared.h"
#include "mod_todo_stream.h"
#include "todo_event_store.h"
#include "todo_json.h"
#include "todo_log.h"
#include "todo_stream.h"
#include "todo_util.h"
#include "todo_validate.h"
#include "todo_ws.h"

APLOG_USE_MODULE(todo);

#define WS_MAX_MESSAGE (64 * 1024) /* client messages (ours are tiny) */
#define BUCKETS 1024               /* registry buckets of this process */

/* ---- this process's live streams, by user ---- */

typedef struct stream_node_t {
    char user[TODO_EVENT_USER_LEN + 1];
    int efd;           /* a thread's stream: rung when an event of this
                        * user arrives (-1 for a parked one) */
    todo_park_id_t id; /* a parked stream: its id in the lot (else 0) */
    struct stream_node_t *next;
} stream_node_t;

static apr_thread_mutex_t *registry_lock;
static stream_node_t *registry[BUCKETS];
static volatile int stopping;

/* What the MPM's shape holds (set in the parent, read by the children),
 * and this process's live streams. */
static todo_stream_capacity_t capacity = {0, 0, 1000000};
static int live_here;

static unsigned bucket_of(const char *user)
{
    return (unsigned)(todo_fnv1a64(TODO_FNV1A64_INIT, user, strlen(user))
                      % BUCKETS);
}

static void ring(stream_node_t *n, unsigned why)
{
    uint64_t one = 1;

    if (n->id) {
        todo_lot_wake(n->id, why);
    }
    else if (n->efd >= 0 && write(n->efd, &one, sizeof(one)) < 0
             && errno != EAGAIN) {
        /* The stream is going away; nothing to do. */
    }
}

/* Ring the streams of @a user (NULL: every stream of this process) for
 * @a why (TODO_PARK_EVENT, TODO_PARK_STOP). */
static void ring_user(const char *user, unsigned why)
{
    stream_node_t *n;
    unsigned b;

    apr_thread_mutex_lock(registry_lock);
    for (b = user ? bucket_of(user) : 0; b < BUCKETS; ++b) {
        for (n = registry[b]; n; n = n->next) {
            if (!user || !strcmp(n->user, user)) {
                ring(n, why);
            }
        }
        if (user) {
            break;
        }
    }
    apr_thread_mutex_unlock(registry_lock);
}

static apr_status_t unregister(void *data)
{
    stream_node_t *node = data, **pp;

    apr_thread_mutex_lock(registry_lock);
    for (pp = &registry[bucket_of(node->user)]; *pp; pp = &(*pp)->next) {
        if (*pp == node) {
            *pp = node->next;
            break;
        }
    }
    apr_thread_mutex_unlock(registry_lock);
    if (node->efd >= 0) {
        close(node->efd);
    }
    return APR_SUCCESS;
}

/* Is this process on its way out (graceful restart or stop)? */
static int process_stopping(void)
{
    int state = AP_MPMQ_RUNNING;

    ap_mpm_query(AP_MPMQ_MPM_STATE, &state);
    return stopping || state == AP_MPMQ_STOPPING || todo_lot_stopping();
}

static void *APR_THREAD_FUNC dispatch(apr_thread_t *thread, void *data)
{
    todo_events_t *ev = todo_shared_events();
    todo_events_cursor_t cur;
    todo_event_t e;
    apr_pool_t *p;

    (void)data;
    apr_pool_create(&p, apr_thread_pool_get(thread));
    todo_events_cursor_now(ev, &cur);
    while (!stopping) {
        uint32_t seen = todo_shared_wake_word();
        apr_status_t rv;

        while (APR_SUCCESS == (rv = todo_events_next(ev, &cur, p, &e))) {
            ring_user(e.user, TODO_PARK_EVENT);
            apr_pool_clear(p);
        }
        if (rv == TODO_EVENTS_LOST) {
            /* Streams find out what they missed themselves. */
            todo_events_cursor_now(ev, &cur);
            ring_user(NULL, TODO_PARK_EVENT);
        }
        todo_shared_wait(seen, apr_time_from_sec(1));
        if (process_stopping()) {
            /* Let the streams go, or the old generation of a graceful
             * restart would live as long as its longest stream. */
            ring_user(NULL, TODO_PARK_STOP);
        }
    }
    /* Returning ends the thread as apr_thread_exit() would, without
     * pthread_exit()'s unwinding, which ASan misreads as a stack
     * overflow when the thread is torn down. */
    (void)thread;
    return NULL;
}

static apr_thread_t *dispatcher;

static apr_status_t stop_dispatcher(void *data)
{
    apr_status_t rv;

    (void)data;
    stopping = 1;
    todo_shared_wake_all();
    return apr_thread_join(&rv, dispatcher);
}

void todo_stream_post_config(server_rec *s)
{
    int threads = 1, processes = 1, async = 0;
    struct rlimit fds;

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    ap_mpm_query(AP_MPMQ_MAX_DAEMONS, &processes);
    if (APR_SUCCESS != ap_mpm_query(AP_MPMQ_IS_ASYNC, &async)) {
        async = 0;
    }
    if (async && !getrlimit(RLIMIT_NOFILE, &fds)) {
        /* Parked streams hold no thread: a descriptor each. */
        todo_stream_capacity_async(fds.rlim_cur > 1000000 ? 1000000
                                                          : (int)fds.rlim_cur,
                                   processes, &capacity);
    }
    else {
        async = 0;
        todo_stream_capacity(threads, processes, &capacity);
    }
    for (; s; s = s->next) {
        todo_srv_conf_t *sc = todo_srv_conf_get(s);
        if (sc->streams_max == TODO_UNSET
            || sc->streams_max <= (apr_int64_t)capacity.total) {
            continue;
        }
        if (async) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         TODO_LOGNO(00048) "TodoStreamsMax %" APR_INT64_T_FMT
                                           " is more than this server can "
                                           "hold: at most %d streams are "
                                           "admitted (%d processes x %d "
                                           "streams, three quarters of each "
                                           "process's file descriptors)",
                         sc->streams_max, capacity.total, processes,
                         capacity.per_process);
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         TODO_LOGNO(00033) "TodoStreamsMax %" APR_INT64_T_FMT
                                           " is more than this server can "
                                           "hold: at most %d streams are "
                                           "admitted (%d processes x %d "
                                           "threads, %d of each process's "
                                           "threads kept for requests)",
                         sc->streams_max, capacity.total, processes, threads,
                         capacity.reserve);
        }
    }
}

uint32_t todo_stream_most(server_rec *s)
{
    apr_int64_t most = 0;

    for (; s; s = s->next) {
        apr_int64_t max = todo_conf_streams_max(todo_srv_conf_get(s));
        if (max > capacity.total) {
            max = capacity.total;
        }
        if (max > most) {
            most = max;
        }
    }
    return (uint32_t)most;
}

void todo_stream_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    todo_lot_child_init(pchild, s, capacity.per_process);
    rv = apr_thread_mutex_create(&registry_lock, APR_THREAD_MUTEX_DEFAULT,
                                 pchild);
    if (APR_SUCCESS == rv) {
        rv = apr_thread_create(&dispatcher, NULL, dispatch, NULL, pchild);
    }
    if (APR_SUCCESS != rv) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     TODO_LOGNO(00024) "cannot start the event dispatcher; "
                                       "event streams will not work");
        return;
    }
    /* Before pchild's subpools go: the thread reads into one of them.
     * Registered after the lot's, so that it runs first (pre-cleanups
     * run last in, first out): nothing wakes a stream the lot ends. */
    apr_pool_pre_cleanup_register(pchild, NULL, stop_dispatcher);
}

/* ---- publishing ---- */

void todo_publish_revoke(todo_req_t *req, const char *user,
                         todo_event_kind_t kind, const char *sid)
{
    const char *payload = sid ? sid : "";
    apr_size_t len = strlen(payload);
    apr_status_t rv = todo_shared_publish(kind, 0, user, payload, len);

    if (APR_SUCCESS != rv) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, req->r,
                      TODO_LOGNO(00025) "could not publish an event");
    }
    todo_bridge_send(req, kind, user, payload, len);
}

/* ---- one stream ---- */

typedef struct {
    todo_req_t *req;
    request_rec *r;
    conn_rec *c;
    todo_principal_t who;
    stream_node_t node;
    todo_events_cursor_t cur;
    todo_stream_t s; /* its state and decisions (todo_stream.h) */
    int ws;          /* WebSocket, else SSE (s.ws once it is admitted) */
    int park;        /* parked between writes (async MPM), else it holds
                      * its thread */
    int fd;          /* the client's socket */
    apr_bucket_brigade *bb;
    todo_ws_parser_t *parser;
    apr_pool_t *scratch; /* cleared after each event */
} stream_t;

/* The access token: Authorization header, else (WebSocket) the
 * subprotocol list "bearer, <token>", else ?access_token= spelt exactly
 * so (no other case, no %-escape in the name): the log redaction then
 * covers every spelling that authenticates, and more. */
static const char *stream_token(todo_req_t *req, int *pvia_protocol)
{
    const char *token = todo_bearer_token(req->r);
    const char *proto, *value = NULL;

    *pvia_protocol = 0;
    if (token) {
        return token;
    }
    proto = apr_table_get(req->r->headers_in, "Sec-WebSocket-Protocol");
    if (proto) {
        char *list = apr_pstrdup(req->r->pool, proto), *last = NULL;
        const char *first = apr_strtok(list, ", ", &last);
        const char *second = first ? apr_strtok(NULL, ", ", &last) : NULL;
        if (first && second && !strcmp(first, "bearer")) {
            *pvia_protocol = 1;
            return second;
        }
    }
    if (req->r->args
        && APR_SUCCESS
               == todo_form_get_exact(req->r->pool, req->r->args,
                                      "access_token", &value)) {
        return value;
    }
    return NULL;
}

/* Check the token with a connection taken for just this moment. */
static apr_status_t stream_authenticate(stream_t *st, int *pvia_protocol)
{
    todo_req_t *req = st->req;
    const char *token = stream_token(req, pvia_protocol);
    ap_dbd_t *dbd = NULL;
    todo_db_t *db;
    apr_status_t rv;

    if (!token) {
        return todo_req_check_token(req, NULL, NULL, NULL);
    }
    db = todo_dbd_open(st->r, req->sc, &dbd);
    if (!db) {
        return todo_req_fail_db(req);
    }
    rv = todo_req_check_token(req, db, token, &st->who);
    todo_dbd_close(st->r, dbd);
    return rv;
}

/*
 * Is the stream's session still live? Revocations made by this server
 * reach streams at once through the event ring; this catches the others
 * (todoctl, a database edited by hand, another server on the same SQLite
 * file) within a heartbeat. A database that does not answer ends
 * nothing. @return 0 if the session is over
 */
static int session_live(stream_t *st)
{
    ap_dbd_t *dbd = NULL;
    todo_db_t *db = todo_dbd_open(st->r, st->req->sc, &dbd);
    apr_status_t rv;

    if (!db) {
        return 1;
    }
    rv = todo_auth_session_live(db, st->scratch, st->who.sid, st->who.user->id);
    todo_dbd_close(st->r, dbd);
    apr_pool_clear(st->scratch);
    if (rv == TODO_EAUTH) {
        todo_stream_end(&st->s, TODO_WS_CLOSE_REVOKED, "session revoked");
        return 0;
    }
    return 1;
}

static apr_status_t stream_leave(void *data)
{
    stream_t *st = data;

    todo_shared_stream_leave(st->who.user->id, st->r->useragent_ip);
    __atomic_sub_fetch(&live_here, 1, __ATOMIC_ACQ_REL);
    return APR_SUCCESS;
}

/* Count the stream against every limit: the user's, the client
 * address's, this process's share of its threads, the server's. */
static todo_stream_verdict_t admit(stream_t *st)
{
    todo_srv_conf_t *sc = st->req->sc;
    todo_stream_quota_t q;
    todo_stream_verdict_t v;
    int max = (int)todo_conf_streams_max(sc);

    if (capacity.per_process
        && __atomic_add_fetch(&live_here, 1, __ATOMIC_ACQ_REL)
               > capacity.per_process) {
        __atomic_sub_fetch(&live_here, 1, __ATOMIC_ACQ_REL);
        return TODO_STREAM_FULL_PROCESS;
    }
    if (!capacity.per_process) {
        __atomic_add_fetch(&live_here, 1, __ATOMIC_ACQ_REL);
    }
    q.per_user = (int)todo_conf_streams_per_user(sc);
    q.per_address = (int)todo_conf_streams_per_address(sc);
    q.total = max < capacity.total ? max : capacity.total;
    v = todo_shared_stream_enter(st->who.user->id, st->r->useragent_ip, &q);
    if (v != TODO_STREAM_ADMITTED) {
        __atomic_sub_fetch(&live_here, 1, __ATOMIC_ACQ_REL);
    }
    return v;
}

/* Count the stream, and register it to be rung for its user's events. */
static apr_status_t stream_enter(stream_t *st)
{
    request_rec *r = st->r;
    const char *user = st->who.user->id;
    todo_stream_verdict_t v = admit(st);

    if (v != TODO_STREAM_ADMITTED) {
        todo_metrics_stream_refused(todo_shared_metrics(), v);
        st->req->res->retry_after = (int)todo_conf_heartbeat(st->req->sc);
        return todo_result_fail(st->req->res, TODO_ERATE,
                                "Too many live event streams");
    }
    apr_pool_cleanup_register(r->pool, st, stream_leave, apr_pool_cleanup_null);
    apr_table_setn(r->notes, TODO_NOTE_STREAM, "1");
    apr_cpystrn(st->node.user, user, sizeof(st->node.user));
    st->park = todo_lot_usable(r);
    st->node.efd = st->park ? -1 : eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!st->park && st->node.efd < 0) {
        return todo_result_fail(st->req->res, APR_EGENERAL,
                                "Internal Server Error");
    }
    apr_thread_mutex_lock(registry_lock);
    st->node.next = registry[bucket_of(user)];
    registry[bucket_of(user)] = &st->node;
    apr_thread_mutex_unlock(registry_lock);
    apr_pool_cleanup_register(r->pool, &st->node, unregister,
                              apr_pool_cleanup_null);
    apr_pool_create(&st->scratch, r->pool);
    st->bb = apr_brigade_create(r->pool, st->c->bucket_alloc);
    todo_stream_init(&st->s, st->ws, st->node.user, st->who.sid, st->who.exp,
                     apr_time_from_sec(todo_conf_heartbeat(st->req->sc)),
                     apr_time_now());
    {
        apr_socket_t *sock = ap_get_conn_socket(st->c);
        apr_os_sock_t fd = -1;
        apr_os_sock_get(&fd, sock);
        st->fd = fd;
    }
    return APR_SUCCESS;
}

/* Write to the client at once. @return 0 if it is gone. */
static int send_raw(stream_t *st, const char *data, apr_size_t len)
{
    apr_status_t rv;

    if (st->ws) {
        apr_brigade_write(st->bb, NULL, NULL, data, len);
        APR_BRIGADE_INSERT_TAIL(st->bb,
                                apr_bucket_flush_create(st->c->bucket_alloc));
        rv = ap_pass_brigade(st->c->output_filters, st->bb);
        apr_brigade_cleanup(st->bb);
    }
    else {
        rv = ap_rwrite(data, (int)len, st->r) < 0 || ap_rflush(st->r) < 0
                 ? APR_EGENERAL
                 : APR_SUCCESS;
    }
    return APR_SUCCESS == rv && !st->c->aborted;
}

static int send_frame(stream_t *st, todo_ws_opcode_t op, const char *data,
                      apr_size_t len)
{
    const char *frame;
    apr_size_t flen;

    todo_ws_frame(st->scratch, op, data, len, &frame, &flen);
    return send_raw(st, frame, flen);
}

/* Deliver what the ring holds for this user. @return 0 to end. */
static int deliver(stream_t *st)
{
    todo_events_t *ev = todo_shared_events();
    todo_event_t e;
    apr_status_t rv;
    int ok = 1;

    while (ok
           && APR_SUCCESS
                  == (rv = todo_events_next(ev, &st->cur, st->scratch, &e))) {
        switch (todo_stream_on_event(&st->s, &e)) {
        case TODO_STREAM_SEND:
            if (st->ws) {
                ok = send_frame(st, TODO_WS_TEXT, e.payload, e.len);
            }
            else {
                const char *msg = apr_psprintf(
                    st->scratch, "id: %" APR_UINT64_T_FMT "\ndata: %s\n\n",
                    e.id, e.payload);
                ok = send_raw(st, msg, strlen(msg));
            }
            break;
        case TODO_STREAM_END:
            ok = 0;
            break;
        case TODO_STREAM_SKIP:
            break;
        }
        apr_pool_clear(st->scratch);
    }
    if (rv == TODO_EVENTS_LOST) {
        todo_stream_lost(&st->s);
        ok = 0;
    }
    return ok;
}

/* Read what the WebSocket client sent. @return 0 to end. */
static int ws_read(stream_t *st)
{
    for (;;) {
        apr_status_t rv;
        const char *buf;
        char *flat;
        apr_size_t len, used;
        apr_off_t avail;

        rv = ap_get_brigade(st->c->input_filters, st->bb, AP_MODE_READBYTES,
                            APR_NONBLOCK_READ, 8192);
        if (APR_STATUS_IS_EAGAIN(rv)) {
            apr_brigade_cleanup(st->bb);
            return 1;
        }
        if (APR_SUCCESS != rv
            || APR_SUCCESS != apr_brigade_length(st->bb, 1, &avail)) {
            apr_brigade_cleanup(st->bb);
            return 0; /* gone */
        }
        if (avail == 0) {
            apr_brigade_cleanup(st->bb);
            return APR_BRIGADE_EMPTY(st->bb) ? 1 : 0;
        }
        len = (apr_size_t)avail;
        flat = apr_palloc(st->scratch, len);
        apr_brigade_flatten(st->bb, flat, &len);
        apr_brigade_cleanup(st->bb);
        buf = flat;
        todo_stream_heard(&st->s, apr_time_now());
        while (len > 0) {
            todo_ws_message_t msg;
            int code = 0;

            rv = todo_ws_parse(st->parser, buf, len, &used, &msg, &code);
            buf += used;
            len -= used;
            if (rv == APR_INCOMPLETE) {
                break;
            }
            if (APR_SUCCESS != rv) {
                todo_stream_end(&st->s, code, "protocol error");
                return 0;
            }
            if (msg.opcode == TODO_WS_PING) {
                if (!send_frame(st, TODO_WS_PONG, msg.data, msg.len)) {
                    return 0;
                }
            }
            else if (msg.opcode == TODO_WS_CLOSE) {
                todo_stream_end(&st->s,
                                msg.close_code == 1005 ? TODO_WS_CLOSE_NORMAL
                                                       : msg.close_code,
                                "");
                return 0;
            }
            /* Text, binary and pongs from the client carry nothing we
             * act on; they show it is alive. */
        }
        apr_pool_clear(st->scratch);
    }
}

/* Until the client leaves, the session ends or the token expires. */
static void stream_loop(stream_t *st)
{
    if (st->ws && !ws_read(st)) { /* bytes the handshake read ahead */
        return;
    }
    while (deliver(st)) {
        struct pollfd fds[2];
        apr_interval_time_t wait;
        uint64_t rung;

        switch (todo_stream_tick(&st->s, apr_time_now(), process_stopping(),
                                 &wait)) {
        case TODO_STREAM_CLOSE:
            return;
        case TODO_STREAM_PING:
            if (!session_live(st)
                || !(st->ws ? send_frame(st, TODO_WS_PING, "", 0)
                            : send_raw(st, ": ping\n\n", 8))) {
                return;
            }
            continue;
        case TODO_STREAM_WAIT:
            break;
        }
        fds[0].fd = st->fd;
        fds[0].events = POLLIN | POLLRDHUP;
        fds[1].fd = st->node.efd;
        fds[1].events = POLLIN;
        if (poll(fds, 2, (int)((wait + 999) / 1000)) < 0 && errno != EINTR) {
            return;
        }
        if (fds[1].revents & POLLIN) {
            if (read(st->node.efd, &rung, sizeof(rung)) < 0) {
                /* already drained */
            }
        }
        if (fds[0].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) {
            /* An SSE client sends nothing: readable means gone. */
            if (!st->ws || !ws_read(st)) {
                return;
            }
        }
    }
}

/* ---- a parked stream (async MPM): no thread between its writes ---- */

/*
 * One run of a parked stream, on whichever worker has it, for @a why
 * (TODO_PARK_*): what the client sent, what the ring holds, a heartbeat
 * if one is due. @return 0 to end it, else 1 with the time it wants to
 * run again at the latest in *pdeadline
 */
static int stream_step(void *data, unsigned why, apr_time_t *pdeadline)
{
    stream_t *st = data;
    int stop = (why & TODO_PARK_STOP) || process_stopping();

    *pdeadline = 0;
    if (why & (TODO_PARK_INPUT | TODO_PARK_HANGUP)) {
        /* An SSE client sends nothing: readable means gone. A WebSocket
         * client's frames are read first (a close frame is answered). */
        if (!st->ws || !ws_read(st) || (why & TODO_PARK_HANGUP)) {
            return 0;
        }
    }
    if (!deliver(st)) {
        return 0;
    }
    for (;;) {
        apr_time_t now = apr_time_now();
        apr_interval_time_t wait;

        switch (todo_stream_tick(&st->s, now, stop, &wait)) {
        case TODO_STREAM_CLOSE:
            return 0;
        case TODO_STREAM_PING:
            if (!session_live(st)
                || !(st->ws ? send_frame(st, TODO_WS_PING, "", 0)
                            : send_raw(st, ": ping\n\n", 8))) {
                return 0;
            }
            continue;
        case TODO_STREAM_WAIT:
            *pdeadline = now + wait;
            return !st->c->aborted;
        }
    }
}

/* A WebSocket's last words: its close frame (the code it ends with, or
 * 1001 going away). */
static void ws_close(stream_t *st)
{
    const char *close;
    apr_size_t close_len;

    if (st->c->aborted) {
        return;
    }
    todo_ws_close_frame(st->scratch,
                        st->s.close ? st->s.close : TODO_WS_CLOSE_GOING_AWAY,
                        st->s.close ? st->s.why : "", &close, &close_len);
    send_raw(st, close, close_len);
}

/* End a parked stream, on the thread that owns it: an SSE response ends
 * (its last chunk), a WebSocket closes; then the request ends as a
 * handler's would (logged, its pool destroyed). */
static void stream_finish(void *data)
{
    stream_t *st = data;
    request_rec *r = st->r;

    if (st->ws) {
        ws_close(st);
    }
    else {
        ap_finalize_request_protocol(r);
    }
    ap_process_request_after_handler(r);
}

static const todo_lot_ops_t stream_ops = {stream_step, stream_finish};

/* Set the lot id the dispatcher wakes @a st by (0: none). */
static void stream_set_id(stream_t *st, todo_park_id_t id)
{
    apr_thread_mutex_lock(registry_lock);
    st->node.id = id;
    apr_thread_mutex_unlock(registry_lock);
}

/*
 * Serve @a st until it ends: parked where the MPM allows it (the handler
 * returns SUSPENDED, and the lot runs it from then on), else on this
 * thread. @return SUSPENDED if parked, else OK once it ended here
 */
static int stream_serve(stream_t *st)
{
    todo_park_id_t id;
    apr_time_t deadline;

    if (st->park
        && APR_SUCCESS == todo_lot_enter(st->r, &stream_ops, st, &id)) {
        /* The ring is read from the cursor on: what the dispatcher rang
         * before the id was set is read by this first step. */
        stream_set_id(st, id);
        if (stream_step(st, st->ws ? TODO_PARK_INPUT : 0, &deadline)) {
            todo_lot_park(st->r, deadline);
            return SUSPENDED;
        }
        stream_set_id(st, 0);
        todo_lot_leave(st->r);
        return OK;
    }
    if (st->park) {
        /* The lot is full: this one keeps its thread after all. */
        st->park = 0;
        st->node.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (st->node.efd < 0) {
            return OK;
        }
    }
    stream_loop(st);
    return OK;
}

static apr_status_t stream_start(todo_req_t *req, int ws, stream_t **pst,
                                 int *pvia_protocol)
{
    stream_t *st = apr_pcalloc(req->r->pool, sizeof(*st));
    apr_status_t rv;

    st->req = req;
    st->r = req->r;
    st->c = req->r->connection;
    st->ws = ws;
    /* Read the ring from before the token is checked: a revocation
     * published while it is checked is then still ahead of the stream,
     * and ends it. */
    todo_events_cursor_now(todo_shared_events(), &st->cur);
    rv = stream_authenticate(st, pvia_protocol);
    if (APR_SUCCESS == rv && !req->r->header_only) {
        rv = stream_enter(st);
    }
    *pst = st;
    return rv;
}

/* Where the client was: the Last-Event-ID header (EventSource's own
 * reconnects), else ?last_event_id= (a new EventSource, made after a token
 * renewal, cannot set headers). */
static const char *last_event_id(request_rec *r)
{
    const char *last = apr_table_get(r->headers_in, "Last-Event-ID");

    if (!last && r->args
        && APR_SUCCESS
               != todo_form_get_exact(r->pool, r->args, "last_event_id",
                                      &last)) {
        last = NULL;
    }
    return last;
}

/* Send @a events (todo_stored_event_t, read from the database for a
 * resume) in one write; each becomes the client's last id. @return 0 if
 * the client is gone. */
static int send_stored(stream_t *st, apr_pool_t *p,
                       const apr_array_header_t *events)
{
    struct iovec *vec;
    apr_size_t len;
    char *text;
    int i;

    if (!events->nelts) {
        return 1;
    }
    vec = apr_palloc(p, (apr_size_t)events->nelts * sizeof(*vec));
    for (i = 0; i < events->nelts; ++i) {
        const todo_stored_event_t *ev =
            &APR_ARRAY_IDX(events, i, todo_stored_event_t);
        vec[i].iov_base = apr_psprintf(
            p, "id: %" APR_INT64_T_FMT "\ndata: %s\n\n", ev->id, ev->payload);
        vec[i].iov_len = strlen(vec[i].iov_base);
        st->s.seen = (uint64_t)ev->id;
    }
    text = apr_pstrcatv(p, vec, (apr_size_t)events->nelts, &len);
    return send_raw(st, text, len);
}

/*
 * One page of the stored events of the stream's user after @a after, with
 * a connection taken for just this moment. The page is read before the
 * bounds: if nothing after @a after had been pruned when the bounds were
 * read, nothing had when the page was. *preset: events the client has not
 * had may be gone (pruned; or, on the @a first page, an id that was never
 * given: todo_event_resume_check()).
 */
static apr_status_t read_page(stream_t *st, apr_pool_t *p, apr_int64_t after,
                              int first, apr_array_header_t **pevents,
                              int *preset)
{
    ap_dbd_t *dbd = NULL;
    todo_db_t *db = todo_dbd_open(st->r, st->req->sc, &dbd);
    apr_int64_t pruned = 0, last = 0;
    apr_status_t rv;

    *preset = 0;
    if (!db) {
        return TODO_EDB;
    }
    rv = todo_event_read_after(db, p, st->who.user->id, after, TODO_EVENT_PAGE,
                               pevents);
    if (APR_SUCCESS == rv) {
        rv = todo_event_bounds(db, p, &pruned, &last);
    }
    todo_dbd_close(st->r, dbd);
    if (APR_SUCCESS == rv) {
        *preset = first ? todo_event_resume_check(after, pruned, last)
                              == TODO_RESUME_RESET
                        : after < pruned;
    }
    return rv;
}

static int send_reset(stream_t *st)
{
    static const char msg[] =
        "event: reset\ndata: {\"type\":\"stream.reset\"}\n\n";

    return send_raw(st, msg, sizeof(msg) - 1);
}

int todo_h_events(todo_req_t *req)
{
    request_rec *r = req->r;
    apr_array_header_t *events = NULL;
    apr_pool_t *pages = NULL;
    apr_int64_t after = 0;
    todo_resume_t resume = todo_event_resume_parse(last_event_id(r), &after);
    int via_protocol, reset = 0;
    stream_t *st;
    apr_status_t rv;

    /* The ring is read from here on (stream_start), so what the database
     * is read for below overlaps it: nothing falls between the two. */
    rv = stream_start(req, 0, &st, &via_protocol);
    if (APR_SUCCESS == rv && !r->header_only && resume == TODO_RESUME_AFTER) {
        apr_pool_create(&pages, r->pool);
        if (APR_SUCCESS != read_page(st, pages, after, 1, &events, &reset)) {
            rv = todo_req_fail_db(req);
        }
        if (reset) {
            resume = TODO_RESUME_RESET;
        }
    }
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    ap_set_content_type(r, "text/event-stream; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Accel-Buffering", "no");
    r->status = HTTP_OK;
    if (r->header_only) {
        return OK; /* HEAD: these headers at once; no stream was counted */
    }
    if (st->park) {
        /* A parked stream's connection is closed with it (httpd 2.4 cannot
         * give it back to the MPM for another request): say so. */
        st->c->keepalive = AP_CONN_CLOSE;
    }
    if (!send_raw(st, "retry: 3000\n\n", 13)) {
        return OK;
    }
    /* Events since that id are no longer kept: start afresh. */
    if (resume == TODO_RESUME_RESET && !send_reset(st)) {
        return OK;
    }
    if (resume == TODO_RESUME_AFTER) {
        /* What the client missed, from the database, a page at a time;
         * then the ring, skipping this user's events up to the last id
         * sent (todo_stream_on_event()). */
        st->s.seen = (uint64_t)after;
        for (;;) {
            if (!send_stored(st, pages, events)) {
                return OK;
            }
            if (events->nelts < TODO_EVENT_PAGE) {
                break;
            }
            after = (apr_int64_t)st->s.seen;
            apr_pool_clear(pages);
            if (APR_SUCCESS != read_page(st, pages, after, 0, &events, &reset)
                || reset) {
                /* The client resumes from what it has (and, if pruning
                 * overtook this resume, starts with the reset then). */
                return OK;
            }
        }
        apr_pool_destroy(pages);
    }
    return stream_serve(st);
}

/* Is @a token in the comma-separated header value @a list? */
static int header_has(const char *list, const char *token)
{
    return list && ap_find_token(NULL, list, token);
}

int todo_h_ws(todo_req_t *req)
{
    request_rec *r = req->r;
    const char *key = apr_table_get(r->headers_in, "Sec-WebSocket-Key");
    const char *version = apr_table_get(r->headers_in, "Sec-WebSocket-Version");
    const char *accept = NULL, *hello;
    int via_protocol = 0;
    stream_t *st;
    apr_status_t rv;

    /* HEAD cannot open a WebSocket (RFC 6455: the handshake is a GET). */
    if (r->header_only || r->proto_num != HTTP_VERSION(1, 1)
        || !header_has(apr_table_get(r->headers_in, "Upgrade"), "websocket")
        || !header_has(apr_table_get(r->headers_in, "Connection"), "upgrade")
        || !key || APR_SUCCESS != todo_ws_accept_key(r->pool, key, &accept)) {
        return todo_send_error(
            req, todo_result_fail(req->res, TODO_EBADREQ,
                                  "Expected a WebSocket upgrade (HTTP/1.1, "
                                  "Upgrade: websocket, Sec-WebSocket-Key)"));
    }
    if (!version || strcmp(version, "13")) {
        apr_table_setn(r->err_headers_out, "Sec-WebSocket-Version", "13");
        return todo_send_json(
            req, HTTP_UPGRADE_REQUIRED,
            json_pack("{s:s}", "detail", "Unsupported WebSocket version"));
    }
    rv = stream_start(req, 1, &st, &via_protocol);
    if (APR_SUCCESS != rv) {
        return todo_send_error(req, rv);
    }
    st->parser = todo_ws_parser_make(r->pool, WS_MAX_MESSAGE);

    /* From here the connection is a WebSocket: the handshake answer goes
     * straight to the connection's filters (TLS included), and no HTTP
     * response or keep-alive follows. */
    hello = apr_pstrcat(
        r->pool,
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: ",
        accept, "\r\n",
        via_protocol ? "Sec-WebSocket-Protocol: bearer\r\n" : "", "\r\n", NULL);
    r->status = HTTP_SWITCHING_PROTOCOLS;
    st->c->keepalive = AP_CONN_CLOSE;
    /* Request timeouts (mod_reqtimeout) are for requests, not for a
     * connection that now idles between messages by design. */
    ap_remove_input_filter_byhandle(st->c->input_filters, "reqtimeout");
    if (send_raw(st, hello, strlen(hello))) {
        if (stream_serve(st) == SUSPENDED) {
            return SUSPENDED;
        }
        ws_close(st);
    }
    /* Nothing more may be written on this connection by httpd. */
    st->c->aborted = 1;
    return OK;
}
