/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_openapi.h
 * @brief The OpenAPI document the API serves at <mount>/openapi.json.
 *
 * docs/openapi.json is written by hand and embedded at build time
 * (scripts/embed_file.sh makes todo_openapi_data.c). It ships with
 * `"servers": [{"url": "/api/v1"}]` and OAuth2 URLs below that
 * (`"tokenUrl": "/api/v1/auth/login"`); the API can be mounted anywhere,
 * so each answer carries the mount point it was asked under instead, in
 * servers[0].url and in every OAuth2 URL (tokenUrl, refreshUrl,
 * authorizationUrl) that starts with the shipped servers[0].url and a
 * '/'. The glue passes the mount point as an absolute URL, so every tool
 * (and a page on another origin) resolves them alike:
 * a relative one ("auth/login") is resolved against the server URL by
 * OpenAPI 3.1 ("/api/auth/login") and against their own page by some
 * tools, and is refused here.
 *
 * The document is parsed once per process (todo_openapi_load(), from the
 * glue's post_config) and kept as pieces of compact JSON text between
 * the places the mount point goes, so an answer is those pieces and the
 * mount point end to end: no JSON work per request, nothing shared is
 * written after loading.
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
    const char **parts;  /**< compact JSON, cut where the mount point goes */
    apr_size_t *lens;    /**< bytes in each part */
    int nparts;          /**< parts: one more than the mount points */
    const char *url;     /**< the servers[0].url the document ships with */
    const char *version; /**< info.version */
    apr_uint64_t hash;   /**< FNV-1a 64 of the parts and where they are cut */
} todo_openapi_t;

/**
 * Parse an OpenAPI 3.1 document and prepare it for serving. Every byte
 * jansson allocates is released before this returns; the result lives in
 * @a p.
 * @param text the document (need not be NUL-terminated)
 * @param pdoc receives the document, from @a p
 * @param perr receives why it was refused, from @a p (may be NULL)
 * @return APR_SUCCESS; APR_EINVAL if it is not JSON, not an object, its
 *         "openapi" is not 3.1.x, it has no servers[0].url string, or an
 *         OAuth2 URL of components.securitySchemes is relative
 */
apr_status_t todo_openapi_load(apr_pool_t *p, const char *text, apr_size_t len,
                               todo_openapi_t **pdoc, const char **perr);

/**
 * The document as JSON text with servers[0].url set to @a url, and the
 * OAuth2 URLs below the shipped url moved below @a url (JSON escaped
 * here). A NULL @a url, or one that is not valid UTF-8, leaves the
 * shipped url.
 * @param plen receives the length in bytes
 * @return the text, NUL-terminated, from @a p
 */
const char *todo_openapi_render(const todo_openapi_t *doc, apr_pool_t *p,
                                const char *url, apr_size_t *plen);

/**
 * A strong ETag (quotes included) for todo_openapi_render(doc, url):
 * it changes when the document or the url does (and so when any URL the
 * mount point goes into does).
 * @return the ETag, from @a p
 */
const char *todo_openapi_etag(const todo_openapi_t *doc, apr_pool_t *p,
                              const char *url);

#endif /* TODO_OPENAPI_H */
