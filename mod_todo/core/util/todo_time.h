/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_time.h
 * @brief RFC 3339 timestamps, always rendered in UTC with a Z suffix.
 *
 * Stored and rendered times have microsecond precision, so the stored
 * text sorts in time order: "2026-11-24T09:23:12.123456Z".
 */
#ifndef TODO_TIME_H
#define TODO_TIME_H

#include <apr_pools.h>
#include <apr_time.h>

/** Size of a formatted timestamp, NUL included. */
#define TODO_TIME_LEN 28

/**
 * Format @a t (microseconds since the epoch) into @a buf as
 * "YYYY-MM-DDTHH:MM:SS.ffffffZ". @a buf holds TODO_TIME_LEN bytes.
 */
void todo_time_format_buf(char buf[TODO_TIME_LEN], apr_time_t t);

/** Format @a t; the result is allocated from @a p. */
const char *todo_time_format(apr_pool_t *p, apr_time_t t);

/**
 * Parse an RFC 3339 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)".
 * 't'/'z' in lower case and a space for 'T' are accepted (RFC 3339 5.6
 * note); a missing offset is read as UTC, as Pydantic reads a naive value
 * that is then treated as UTC. Fractions beyond microseconds are
 * truncated. Years 0001-9999 only; a leap second (:60) is refused.
 * @return APR_SUCCESS, or APR_EINVAL with *pt unchanged.
 */
apr_status_t todo_time_parse(const char *s, apr_time_t *pt);

#endif /* TODO_TIME_H */
