/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_encode.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "todo_ratelimit_db.h"
#include "todo_result.h"
#include "todo_sql.h"

/* One take in this many (by the millisecond) also deletes the rows whose
 * time has passed: the table holds the keys of about one period. */
#define PRUNE_EVERY_MS 64

const char *todo_rl_db_key(apr_pool_t *p,
                           const unsigned char secret[TODO_RL_DB_KEY_LEN],
                           const char *kind, const char *value)
{
    unsigned char mac[32];
    unsigned int len = sizeof(mac);
    const char *msg = apr_pstrcat(p, kind, "\n", value, NULL);

    HMAC(EVP_sha256(), secret, TODO_RL_DB_KEY_LEN, (const unsigned char *)msg,
         strlen(msg), mac, &len);
    return apr_pencode_base64_binary(p, mac, 16, APR_ENCODE_BASE64URL, NULL);
}

static const char *ms(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

apr_status_t todo_rl_db_take(todo_db_t *db, apr_pool_t *p, const char *key,
                             const todo_rl_rule_t *rule, apr_time_t now,
                             int *padmitted, int *pretry_after)
{
    apr_int64_t now_ms = apr_time_as_msec(now), period, interval, slack, tat;
    const char *step;
    todo_rows_t *rows = NULL;
    apr_status_t rv;
    int nrows = 0;

    *padmitted = 1;
    if (rule->count <= 0 || rule->period <= 0) {
        return APR_SUCCESS;
    }
    period = apr_time_as_msec(rule->period);
    interval = period / rule->count;
    if (interval == 0) {
        interval = 1; /* millisecond resolution */
    }
    /* Attempts reach the table out of the order of their clocks (two
     * servers, two threads: the one that started a few milliseconds
     * earlier may commit later), and each would then find the burst's
     * end a little nearer. Less than an interval of slack absorbs that
     * and still admits exactly the burst, and the same rate after it. */
    slack = interval / 2 < 1000 ? interval / 2 : 1000;
    if (now_ms % PRUNE_EVERY_MS == 0) {
        rv = todo_db_exec(db, p, TODO_SQL_RATE_PRUNE, NULL,
                          TODO_ARGS(ms(p, now_ms)));
        if (APR_SUCCESS != rv) {
            return rv;
        }
    }
    step = ms(p, interval);
    rv = todo_db_exec(db, p, TODO_SQL_RATE_TAKE, &nrows,
                      TODO_ARGS(key, ms(p, now_ms + interval), step, step,
                                ms(p, now_ms + period + slack)));
    if (APR_SUCCESS != rv || nrows == 1) {
        return rv;
    }
    /* Refused: when would it not be? */
    *padmitted = 0;
    rv = todo_db_select(db, p, TODO_SQL_RATE_TAT, &rows, TODO_ARGS(key));
    if (APR_SUCCESS != rv) {
        return rv;
    }
    tat = rows->nrows == 1 && TODO_CELL(rows, 0, 0)
              ? apr_atoi64(TODO_CELL(rows, 0, 0))
              : now_ms;
    tat = (tat > now_ms ? tat : now_ms) + interval - period - slack - now_ms;
    *pretry_after = tat > 0 ? (int)((tat + 999) / 1000) : 1;
    return APR_SUCCESS;
}
