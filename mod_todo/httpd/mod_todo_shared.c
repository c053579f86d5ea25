/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_shm.h>
#include <httpd.h>
#include <http_log.h>
#include <ap_mpm.h>

#include "mod_todo_shared.h"
#include "todo_log.h"
#include "todo_util.h"

APLOG_USE_MODULE(todo);

/* Rate-limit slots: 2^16 keys (512 KiB), far more than the clients and
 * accounts a server sees in one rate-limit period. */
#define RATE_SLOTS (UINT32_C(1) << 16)
#define LAYOUT 7 /* bump when the segment's layout changes */

typedef struct {
    uint64_t layout;
    uint64_t events_size;
    pthread_mutex_t events_lock;  /* appenders; process-shared, robust */
    uint64_t origin;              /* this server, in messages to others */
    uint64_t next_msgid;          /* its message numbers */
    uint64_t leader;              /* the listening process and when it
                                   * last said so: lease_word() */
    int64_t listener_healthy;     /* apr_time_t: todo_shared_listener_*() */
    int64_t next_prune;           /* apr_time_t: todo_shared_prune_due() */
    uint64_t stream_keys;         /* the stream tables' size, in keys */
    pthread_mutex_t streams_lock; /* the stream tables; as events_lock */
    todo_metrics_t metrics;
    /* then the rate-limit table, live streams by user and by client
     * address (todo_stream_counts.h), then the event ring */
} shared_t;

/* What survives a restart: the segment, made in the process pool. */
typedef struct {
    apr_shm_t *shm;
} retained_t;

/* This process's view of the segment (inherited by children). */
static shared_t *shared;
static todo_rl_table_t *rates;
static todo_stream_counts_t *user_streams, *address_streams;
static todo_events_t *events;

#define ALIGN64(n) (((n) + 63) & ~(apr_size_t)63)

static apr_size_t rates_at(void)
{
    return ALIGN64(sizeof(shared_t));
}

static apr_size_t users_at(void)
{
    return rates_at() + ALIGN64(todo_rl_table_size(RATE_SLOTS));
}

static apr_size_t addresses_at(uint32_t keys)
{
    return users_at() + ALIGN64(todo_stream_counts_size(keys));
}

static apr_size_t events_at(uint32_t keys)
{
    return addresses_at(keys) + ALIGN64(todo_stream_counts_size(keys));
}

static void attach(void *base, uint32_t keys)
{
    shared = base;
    rates = (todo_rl_table_t *)((char *)base + rates_at());
    user_streams = (todo_stream_counts_t *)((char *)base + users_at());
    address_streams =
        (todo_stream_counts_t *)((char *)base + addresses_at(keys));
    events = (todo_events_t *)((char *)base + events_at(keys));
}

static const char *init_lock(pthread_mutex_t *lock)
{
    pthread_mutexattr_t attr;
    int failed;

    if (pthread_mutexattr_init(&attr)) {
        return "cannot initialise a lock in shared memory";
    }
    failed = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED)
             || pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)
             || pthread_mutex_init(lock, &attr);
    pthread_mutexattr_destroy(&attr);
    return failed ? "cannot initialise a lock in shared memory" : NULL;
}

const char *todo_shared_post_config(server_rec *s, apr_size_t backlog,
                                    uint32_t stream_keys)
{
    apr_size_t size = events_at(stream_keys) + todo_events_bytes(backlog);
    retained_t *kept = ap_retained_data_get("mod_todo-shared");
    shared_t *old;
    uint64_t seed;
    const char *err;
    apr_status_t rv;

    if (!kept) {
        kept = ap_retained_data_create("mod_todo-shared", sizeof(*kept));
    }
    old = kept->shm ? apr_shm_baseaddr_get(kept->shm) : NULL;
    if (old && old->layout == LAYOUT && old->events_size == backlog
        && old->stream_keys == stream_keys) {
        attach(old, stream_keys);
        return NULL;
    }
    /* Anonymous: nothing on disk to clean up, gone with the last
     * process. (A segment of another size or layout is left to the
     * process pool.) */
    rv = apr_shm_create(&kept->shm, size, NULL, s->process->pool);
    if (APR_SUCCESS != rv) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     TODO_LOGNO(00023) "cannot create %" APR_SIZE_T_FMT
                                       " bytes of shared memory",
                     size);
        return "cannot create the shared memory for metrics, rate limits "
               "and events";
    }
    attach(apr_shm_baseaddr_get(kept->shm), stream_keys);
    memset(shared, 0, events_at(stream_keys));
    if (APR_SUCCESS
        != apr_generate_random_bytes((unsigned char *)&seed, sizeof(seed))) {
        return "cannot seed the rate-limit table";
    }
    todo_rl_table_init(rates, RATE_SLOTS, seed, apr_time_now());
    todo_stream_counts_init(user_streams, stream_keys, seed ^ 1);
    todo_stream_counts_init(address_streams, stream_keys, seed ^ 2);
    if (APR_SUCCESS
        != apr_generate_random_bytes((unsigned char *)&shared->origin,
                                     sizeof(shared->origin))) {
        return "cannot name this server for its peers";
    }
    /* Event ids start at the time: ids from before are never current. */
    todo_events_init(events, backlog, (uint64_t)apr_time_now());
    /* No stream of this server is older than now: a listener that
     * starts later (PostgreSQL) catches up on what was committed since,
     * which a stream opened meanwhile is owed. */
    shared->listener_healthy = (int64_t)apr_time_now();
    shared->events_size = backlog;
    shared->stream_keys = stream_keys;
    shared->layout = LAYOUT;
    err = init_lock(&shared->events_lock);
    return err ? err : init_lock(&shared->streams_lock);
}

uint64_t todo_shared_origin(void)
{
    return shared->origin;
}

uint64_t todo_shared_next_msgid(void)
{
    return __atomic_add_fetch(&shared->next_msgid, 1, __ATOMIC_ACQ_REL);
}

/* The lease in one word, so that who holds it and since when change
 * together: the holder's pid (Linux pids fit 22 bits) over 42 bits of
 * milliseconds since the epoch (until the year 2109). */
#define LEASE_MS_BITS 42
#define LEASE_MS_MASK ((UINT64_C(1) << LEASE_MS_BITS) - 1)

static uint64_t lease_word(uint32_t pid, apr_time_t now)
{
    return (uint64_t)pid << LEASE_MS_BITS
           | ((uint64_t)apr_time_as_msec(now) & LEASE_MS_MASK);
}

int todo_shared_lease(uint32_t me, apr_time_t now)
{
    uint64_t cur = __atomic_load_n(&shared->leader, __ATOMIC_ACQUIRE);
    uint32_t holder = (uint32_t)(cur >> LEASE_MS_BITS);
    apr_time_t beat = apr_time_from_msec((apr_int64_t)(cur & LEASE_MS_MASK));

    if (holder != me && holder
        && now - beat < apr_time_from_sec(TODO_LEASE_SECONDS)) {
        return 0;
    }
    /* Take it, or renew it, only if nobody changed it meanwhile. */
    return __atomic_compare_exchange_n(&shared->leader, &cur,
                                       lease_word(me, now), 0, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

void todo_shared_lease_release(uint32_t me)
{
    uint64_t cur = __atomic_load_n(&shared->leader, __ATOMIC_ACQUIRE);

    if ((uint32_t)(cur >> LEASE_MS_BITS) == me) {
        __atomic_compare_exchange_n(&shared->leader, &cur, 0, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    }
}

todo_metrics_t *todo_shared_metrics(void)
{
    return &shared->metrics;
}

todo_rl_table_t *todo_shared_rates(void)
{
    return rates;
}

todo_events_t *todo_shared_events(void)
{
    return events;
}

static long futex(uint32_t *word, int op, uint32_t val,
                  const struct timespec *timeout)
{
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

apr_status_t todo_shared_publish(todo_event_kind_t kind, uint64_t id,
                                 const char *user, const char *payload,
                                 apr_size_t len)
{
    apr_status_t rv;
    int err = pthread_mutex_lock(&shared->events_lock);

    if (err == EOWNERDEAD) {
        /* A process died appending: what it wrote was never published
         * (the head moves last), so the ring is whole. */
        pthread_mutex_consistent(&shared->events_lock);
    }
    else if (err) {
        return APR_FROM_OS_ERROR(err);
    }
    rv = todo_events_append(events, kind, id, user, payload, len, NULL);
    pthread_mutex_unlock(&shared->events_lock);
    /* Every process's dispatcher waits on this word: not a private
     * futex. */
    futex(&events->wake, FUTEX_WAKE, INT_MAX, NULL);
    return rv;
}

void todo_shared_publish_committed(void *ctx, apr_int64_t id, const char *user,
                                   const char *payload, apr_size_t len)
{
    apr_status_t rv =
        todo_shared_publish(TODO_EVENT_TASK, (uint64_t)id, user, payload, len);

    if (APR_SUCCESS != rv) {
        /* Stored all the same: a resume from the database has it. */
        ap_log_error(
            APLOG_MARK, APLOG_WARNING, rv, ctx,
            TODO_LOGNO(00043) "could not append event %" APR_INT64_T_FMT
                              " to the event ring",
            id);
    }
}

void todo_shared_listener_healthy(apr_time_t t)
{
    __atomic_store_n(&shared->listener_healthy, (int64_t)t, __ATOMIC_RELEASE);
}

apr_time_t todo_shared_listener_last_healthy(void)
{
    return (apr_time_t)__atomic_load_n(&shared->listener_healthy,
                                       __ATOMIC_ACQUIRE);
}

int todo_shared_prune_due(apr_time_t now, apr_interval_time_t period)
{
    int64_t next = __atomic_load_n(&shared->next_prune, __ATOMIC_ACQUIRE);

    if ((int64_t)now < next) {
        return 0;
    }
    return __atomic_compare_exchange_n(&shared->next_prune, &next,
                                       (int64_t)(now + period), 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void todo_shared_wake_all(void)
{
    __atomic_add_fetch(&events->wake, 1, __ATOMIC_RELEASE);
    futex(&events->wake, FUTEX_WAKE, INT_MAX, NULL);
}

uint32_t todo_shared_wake_word(void)
{
    return __atomic_load_n(&events->wake, __ATOMIC_ACQUIRE);
}

void todo_shared_wait(uint32_t seen, apr_interval_time_t timeout)
{
    struct timespec ts;

    ts.tv_sec = (time_t)apr_time_sec(timeout);
    ts.tv_nsec = (long)apr_time_usec(timeout) * 1000;
    futex(&events->wake, FUTEX_WAIT, seen, &ts);
}

/* Take the stream tables' lock. @return 0 if it is held */
static int lock_streams(void)
{
    int err = pthread_mutex_lock(&shared->streams_lock);

    if (err == EOWNERDEAD) {
        /* A process died counting: its own streams stay counted (as
         * they always did: nothing counts a dead process's streams out),
         * the others' are whole. */
        pthread_mutex_consistent(&shared->streams_lock);
        err = 0;
    }
    return err;
}

todo_stream_verdict_t todo_shared_stream_enter(const char *user,
                                               const char *address,
                                               const todo_stream_quota_t *q)
{
    todo_stream_key_t u, a;
    todo_count_take_t took;
    todo_stream_verdict_t v = TODO_STREAM_ADMITTED;

    /* The server's cap first: no more keys than it admits streams ever
     * hold a slot of the tables, which are sized by it. */
    if (!todo_metrics_stream_open(&shared->metrics, q->total)) {
        return TODO_STREAM_FULL_SERVER;
    }
    todo_stream_key_user(user, &u);
    todo_stream_key_address(address, &a);
    if (lock_streams()) {
        todo_metrics_stream_close(&shared->metrics);
        return TODO_STREAM_FULL_SERVER;
    }
    took = todo_stream_counts_take(user_streams, &u, (uint32_t)q->per_user);
    if (took != TODO_COUNT_TAKEN) {
        v = took == TODO_COUNT_AT_MAX ? TODO_STREAM_FULL_USER
                                      : TODO_STREAM_FULL_SERVER;
    }
    else if ((took = todo_stream_counts_take(address_streams, &a,
                                             (uint32_t)q->per_address))
             != TODO_COUNT_TAKEN) {
        todo_stream_counts_drop(user_streams, &u);
        v = took == TODO_COUNT_AT_MAX ? TODO_STREAM_FULL_ADDRESS
                                      : TODO_STREAM_FULL_SERVER;
    }
    pthread_mutex_unlock(&shared->streams_lock);
    if (v != TODO_STREAM_ADMITTED) {
        todo_metrics_stream_close(&shared->metrics);
    }
    return v;
}

void todo_shared_stream_leave(const char *user, const char *address)
{
    todo_stream_key_t u, a;

    todo_stream_key_user(user, &u);
    todo_stream_key_address(address, &a);
    if (!lock_streams()) {
        todo_stream_counts_drop(user_streams, &u);
        todo_stream_counts_drop(address_streams, &a);
        pthread_mutex_unlock(&shared->streams_lock);
    }
    /* After the tables: a key leaves them before its slot of the cap. */
    todo_metrics_stream_close(&shared->metrics);
}
