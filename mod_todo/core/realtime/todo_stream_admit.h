/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_stream_admit.h
 * @brief How many live event streams (SSE, WebSocket) a server admits,
 * and why one was refused.
 *
 * On a threaded MPM without parking (worker, prefork) each stream holds a
 * worker thread for as long as it lives. Left unchecked, a few accounts'
 * idle streams take every worker and ordinary requests time out. So
 * streams are capped below the threads of each process, keeping a reserve
 * for requests; the cap follows from the MPM's shape, read at startup. A
 * process is the unit that matters: the MPM hands a connection to one
 * process, which must have a free thread for it, whatever the others
 * have. On the event MPM idle streams are parked and hold no thread
 * (mod_todo_park.h): there the cap per process comes from its file
 * descriptors instead.
 */
#ifndef TODO_STREAM_ADMIT_H
#define TODO_STREAM_ADMIT_H

/** What the MPM's shape allows. */
typedef struct todo_stream_capacity_t {
    int reserve;     /**< threads per process kept for requests (for a
                      * one-thread-per-process MPM: processes) */
    int per_process; /**< streams one process may hold; 0: no per-process
                      * cap (one thread per process, as prefork) */
    int total;       /**< streams the whole server may hold */
} todo_stream_capacity_t;

/**
 * The capacity of an MPM with @a threads threads in each of at most
 * @a processes processes. A quarter of each process's threads, at least
 * one, stays for requests: 64 threads hold 48 streams. With one thread
 * per process (prefork) a stream takes a whole process, and a quarter of
 * the processes, at least one, stays for requests.
 */
void todo_stream_capacity(int threads, int processes,
                          todo_stream_capacity_t *out);

/**
 * The capacity of an async MPM (event), where an idle stream is parked:
 * it holds no thread, only its connection's descriptor. Each process has
 * @a fds descriptors (its RLIMIT_NOFILE); a quarter of them, at least
 * one, is kept for everything else (listeners, logs, database
 * connections, requests), the rest may be streams: 1024 hold 768.
 * Threads do not count: reserve is 0.
 */
void todo_stream_capacity_async(int fds, int processes,
                                todo_stream_capacity_t *out);

/** Why a stream was refused (429), or that it was admitted. */
typedef enum {
    TODO_STREAM_ADMITTED = 0,
    TODO_STREAM_FULL_USER,    /**< TodoStreamsPerUser */
    TODO_STREAM_FULL_ADDRESS, /**< TodoStreamsPerAddress */
    TODO_STREAM_FULL_PROCESS, /**< this process's share of its threads */
    TODO_STREAM_FULL_SERVER,  /**< TodoStreamsMax, or the server's capacity */
    TODO_STREAM_VERDICTS
} todo_stream_verdict_t;

/** @return the verdict's metrics label ("user", "address", ...) */
const char *todo_stream_verdict_name(todo_stream_verdict_t v);

#endif /* TODO_STREAM_ADMIT_H */
