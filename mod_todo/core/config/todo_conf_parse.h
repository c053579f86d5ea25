/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_conf_parse.h
 * @brief Pure parsers behind the configuration directives. Each returns
 * NULL on success or an error message (from @a p) that names what is
 * wrong; the directive handler prefixes the directive name.
 */
#ifndef TODO_CONF_PARSE_H
#define TODO_CONF_PARSE_H

#include <apr_network_io.h>
#include <apr_pools.h>
#include <apr_tables.h>

/**
 * Parse a decimal integer in [@a min, @a max].
 * @return NULL, or a message such as "must be an integer from 4 to 31"
 */
const char *todo_parse_int_range(apr_pool_t *p, const char *arg,
                                 apr_int64_t min, apr_int64_t max,
                                 apr_int64_t *pval);

/**
 * Parse a byte size: a number with an optional K, M or G suffix (powers
 * of 1024), between @a min and @a max bytes.
 */
const char *todo_parse_size(apr_pool_t *p, const char *arg, apr_int64_t min,
                            apr_int64_t max, apr_int64_t *pval);

/**
 * Load an HMAC secret from @a path. Refused when the file is not a
 * regular file, is readable or writable by group or others (mode & 077),
 * or holds fewer than @a min_len bytes once one trailing newline ("\n" or
 * "\r\n") is dropped. The secret never appears in a message.
 * @param psecret receives the bytes, allocated from @a p
 */
const char *todo_secret_load(apr_pool_t *p, const char *path,
                             apr_size_t min_len, const unsigned char **psecret,
                             apr_size_t *plen);

/** Which client addresses may do something (TodoMetricsAllow). */
typedef struct todo_ip_allow_t {
    int all;                     /**< any address */
    int local;                   /**< loopback addresses */
    apr_array_header_t *subnets; /**< of apr_ipsubnet_t *, or NULL */
} todo_ip_allow_t;

/**
 * Add one TodoMetricsAllow word to @a allow: "all", "none", "local"
 * (127.0.0.0/8 and ::1, IPv4-mapped too), an address, or an address with
 * a /bits or /netmask.
 * @return NULL, or a message naming the word
 */
const char *todo_parse_ip_allow(apr_pool_t *p, const char *arg,
                                todo_ip_allow_t *allow);

/** @return 1 if @a allow admits @a addr */
int todo_ip_allowed(const todo_ip_allow_t *allow, apr_sockaddr_t *addr);

#endif /* TODO_CONF_PARSE_H */
