/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_general.h>
#include <apr_shm.h>
#include <httpd.h>
#include <http_log.h>
#include <ap_mpm.h>

#include "mod_todo_shared.h"
#include "todo_log.h"

APLOG_USE_MODULE(todo);

/* Rate-limit slots: 2^16 keys (512 KiB), far more than the clients and
 * accounts a server sees in one rate-limit period. */
#define RATE_SLOTS (UINT32_C(1) << 16)
#define LAYOUT 1 /* bump when the segment's layout changes */

typedef struct {
    uint64_t layout;
    todo_metrics_t metrics;
    todo_rl_table_t rates; /* followed by its slots: keep last */
} shared_t;

/* What survives a restart: the segment, made in the process pool. */
typedef struct {
    apr_shm_t *shm;
} retained_t;

/* This process's address of the segment (inherited by children). */
static shared_t *shared;

const char *todo_shared_post_config(server_rec *s)
{
    apr_size_t size = sizeof(shared_t) - sizeof(todo_rl_table_t)
                      + todo_rl_table_size(RATE_SLOTS);
    retained_t *kept = ap_retained_data_get("mod_todo-shared");
    uint64_t seed;
    apr_status_t rv;

    if (!kept) {
        kept = ap_retained_data_create("mod_todo-shared", sizeof(*kept));
    }
    if (kept->shm && apr_shm_size_get(kept->shm) >= size
        && ((shared_t *)apr_shm_baseaddr_get(kept->shm))->layout == LAYOUT) {
        shared = apr_shm_baseaddr_get(kept->shm);
        return NULL;
    }
    /* Anonymous: nothing on disk to clean up, gone with the last
     * process. (A segment from an older layout is left to the process
     * pool.) */
    rv = apr_shm_create(&kept->shm, size, NULL, s->process->pool);
    if (APR_SUCCESS != rv) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     TODO_LOGNO(00023) "cannot create %" APR_SIZE_T_FMT
                                       " bytes of shared memory",
                     size);
        return "cannot create the shared memory for metrics and rate limits";
    }
    shared = apr_shm_baseaddr_get(kept->shm);
    memset(shared, 0, size);
    if (APR_SUCCESS
        != apr_generate_random_bytes((unsigned char *)&seed, sizeof(seed))) {
        return "cannot seed the rate-limit table";
    }
    todo_rl_table_init(&shared->rates, RATE_SLOTS, seed, apr_time_now());
    shared->layout = LAYOUT;
    return NULL;
}

todo_metrics_t *todo_shared_metrics(void)
{
    return &shared->metrics;
}

todo_rl_table_t *todo_shared_rates(void)
{
    return &shared->rates;
}
