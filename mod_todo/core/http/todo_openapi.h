/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_openapi.h
 * @brief The OpenAPI document the API serves at <mount>/openapi.json.
 *
 * docs/openapi.json is written by hand and embedded at build time
 * (scripts/embed_file.sh makes todo_openapi_data.c). It ships with
 * `"servers": [{"url": "/api/v1"}]`; the API can be mounted anywhere, so
 * each answer carries the mount point it was asked under instead.
 *
 * The document is parsed once per process (todo_openapi_load(), from the
 * glue's post_config) and kept as two pieces of compact JSON text around
 * the value of servers[0].url, so an answer is three strings end to end:
 * no JSON work per request, nothing shared is written after loading.
 */
#ifndef TODO_OPENAPI_H
#define TODO_OPENAPI_H

#include <apr_pools.h>

/** The embedded docs/openapi.json (generated into todo_openapi_data.c). */
extern const char todo_openapi_data[];
/** Its length in bytes. */
extern const apr_size_t todo_openapi_data_len;

/** A loaded document: immutable once made, shareable between threads. */
typedef struct todo_openapi_t {
    const char *head;    /**< compact JSON up to servers[0].url's value */
    apr_size_t head_len; /**< bytes in head */
    const char *tail;    /**< compact JSON after that value */
    apr_size_t tail_len; /**< bytes in tail */
    const char *url;     /**< the servers[0].url the document ships with */
    const char *version; /**< info.version */
    apr_uint64_t hash;   /**< FNV-1a 64 of head and tail */
} todo_openapi_t;

/**
 * Parse an OpenAPI 3.1 document and prepare it for serving. Every byte
 * jansson allocates is released before this returns; the result lives in
 * @a p.
 * @param text the document (need not be NUL-terminated)
 * @param pdoc receives the document, from @a p
 * @param perr receives why it was refused, from @a p (may be NULL)
 * @return APR_SUCCESS; APR_EINVAL if it is not JSON, not an object, its
 *         "openapi" is not 3.1.x, or it has no servers[0].url string
 */
apr_status_t todo_openapi_load(apr_pool_t *p, const char *text, apr_size_t len,
                               todo_openapi_t **pdoc, const char **perr);

/**
 * The document as JSON text with servers[0].url set to @a url (JSON
 * escaped here). A NULL @a url, or one that is not valid UTF-8, leaves
 * the shipped url.
 * @param plen receives the length in bytes
 * @return the text, NUL-terminated, from @a p
 */
const char *todo_openapi_render(const todo_openapi_t *doc, apr_pool_t *p,
                                const char *url, apr_size_t *plen);

/**
 * A strong ETag (quotes included) for todo_openapi_render(doc, url):
 * it changes when the document or the url does.
 * @return the ETag, from @a p
 */
const char *todo_openapi_etag(const todo_openapi_t *doc, apr_pool_t *p,
                              const char *url);

#endif /* TODO_OPENAPI_H */
