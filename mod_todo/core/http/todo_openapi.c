/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>

#include "todo_json.h"
#include "todo_openapi.h"
#include "todo_utf8.h"
#include "todo_util.h"

/* Stands in for the mount point while the document is dumped; the dump is
 * then cut around each. A document that contains it already is refused. */
#define MARK "@@todo_openapi_mount@@"
#define MARK_LEN (sizeof(MARK) - 1)

/* The OAuth2 flow URLs, which name endpoints of this API. */
static const char *const flow_urls[] = {"tokenUrl", "refreshUrl",
                                        "authorizationUrl"};

static const char *check_shape(json_t *root, json_t **purl)
{
    const char *version;
    json_t *server;

    if (!json_is_object(root)) {
        return "the document is not a JSON object";
    }
    version = json_string_value(json_object_get(root, "openapi"));
    if (!version || strncmp(version, "3.1.", 4)) {
        return "\"openapi\" is not 3.1.x";
    }
    server = json_array_get(json_object_get(root, "servers"), 0);
    *purl = json_object_get(server, "url");
    if (!json_is_string(*purl)) {
        return "servers[0].url is not a string";
    }
    return NULL;
}

/* Does @a s start with a URI scheme ("https:") or an authority ("//")? */
static int has_scheme_or_host(const char *s)
{
    const char *c = s;

    if (s[0] == '/' && s[1] == '/') {
        return 1;
    }
    if (!apr_isalpha(*c)) {
        return 0;
    }
    while (apr_isalnum(*c) || *c == '+' || *c == '-' || *c == '.') {
        ++c;
    }
    return *c == ':';
}

/*
 * Mark every OAuth2 URL below @a url (the shipped servers[0].url) to be
 * moved below the mount point; refuse a relative one. OpenAPI 3.1
 * resolves a relative tokenUrl against the server URL, so "auth/login"
 * under "/api/v1" is "/api/auth/login" (RFC 3986), and tools that resolve
 * it against their own page post to that page's path. Absolute paths mean
 * the same thing to all of them.
 * @return NULL, or why the document is refused (from @a p)
 */
static const char *mark_flow_urls(apr_pool_t *p, json_t *root, const char *url,
                                  int *pmarks)
{
    json_t *schemes =
        json_object_get(json_object_get(root, "components"), "securitySchemes");
    json_t *scheme, *flow, *value;
    const char *name, *kind, *s;
    apr_size_t i, ulen = strlen(url);

    json_object_foreach(schemes, name, scheme)
    {
        json_object_foreach(json_object_get(scheme, "flows"), kind, flow)
        {
            for (i = 0; i < sizeof(flow_urls) / sizeof(flow_urls[0]); ++i) {
                value = json_object_get(flow, flow_urls[i]);
                s = json_string_value(value);
                if (!s || has_scheme_or_host(s)) {
                    continue;
                }
                if (s[0] != '/') {
                    return apr_psprintf(
                        p,
                        "securitySchemes.%s.flows.%s.%s \"%s\" is relative: "
                        "tools resolve it against the server URL or their "
                        "own page; write it below servers[0].url (%s/...)",
                        name, kind, flow_urls[i], s, url);
                }
                if (!strncmp(s, url, ulen) && s[ulen] == '/') {
                    json_string_set(value,
                                    apr_pstrcat(p, MARK, s + ulen, NULL));
                    ++*pmarks;
                }
            }
        }
    }
    return NULL;
}

/* Cut @a text (@a len bytes) at each of its @a marks MARKs into
 * doc->parts; @return 0 if the MARKs are not exactly that many. */
static int cut(apr_pool_t *p, todo_openapi_t *doc, const char *text,
               apr_size_t len, int marks)
{
    const char *at, *from = text, *end = text + len;
    int n = 0;

    doc->parts = apr_pcalloc(p, (apr_size_t)(marks + 1) * sizeof(char *));
    doc->lens = apr_pcalloc(p, (apr_size_t)(marks + 1) * sizeof(apr_size_t));
    while ((at = strstr(from, MARK)) != NULL) {
        if (n == marks) {
            return 0;
        }
        doc->parts[n] = from;
        doc->lens[n++] = (apr_size_t)(at - from);
        from = at + MARK_LEN;
    }
    if (n != marks) {
        return 0;
    }
    doc->parts[n] = from;
    doc->lens[n] = (apr_size_t)(end - from);
    doc->nparts = n + 1;
    return 1;
}

apr_status_t todo_openapi_load(apr_pool_t *p, const char *text, apr_size_t len,
                               todo_openapi_t **pdoc, const char **perr)
{
    todo_openapi_t *doc = apr_pcalloc(p, sizeof(*doc));
    json_error_t jerr;
    json_t *root, *url = NULL;
    const char *why = NULL, *version, *dumped = NULL;
    apr_size_t dlen = 0;
    int marks = 1; /* servers[0].url */
    apr_status_t rv = APR_EINVAL;

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        why = apr_psprintf(p, "not JSON: %s (line %d, column %d)", jerr.text,
                           jerr.line, jerr.column);
        goto leave;
    }
    why = check_shape(root, &url);
    if (why) {
        goto leave;
    }
    doc->url = apr_pstrdup(p, json_string_value(url));
    version = json_string_value(
        json_object_get(json_object_get(root, "info"), "version"));
    doc->version = apr_pstrdup(p, version ? version : "");
    why = mark_flow_urls(p, root, doc->url, &marks);
    if (why) {
        goto leave;
    }
    json_string_set(url, MARK);
    dumped = todo_json_dump(p, root, &dlen);
    if (!dumped || !cut(p, doc, dumped, dlen, marks)) {
        why = "the document cannot be dumped around the mount point";
        goto leave;
    }
    doc->hash = todo_fnv1a64(TODO_FNV1A64_INIT, dumped, dlen);
    *pdoc = doc;
    rv = APR_SUCCESS;
leave:
    json_decref(root);
    if (perr) {
        *perr = why;
    }
    return rv;
}

/* @a url JSON-escaped (no quotes: it goes inside strings) into @a out,
 * which has room for 6 bytes per input byte; @return the length. */
static apr_size_t json_escape(char *out, const char *url)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *c;
    char *o = out;

    for (c = (const unsigned char *)url; *c; ++c) {
        if (*c == '"' || *c == '\\') {
            *o++ = '\\';
            *o++ = (char)*c;
        }
        else if (*c < 0x20 || *c == 0x7f) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[*c >> 4];
            o[5] = hex[*c & 15];
            o += 6;
        }
        else {
            *o++ = (char)*c;
        }
    }
    return (apr_size_t)(o - out);
}

static const char *usable_url(const todo_openapi_t *doc, const char *url)
{
    if (!url || todo_utf8_count(url, strlen(url)) < 0) {
        return doc->url;
    }
    return url;
}

const char *todo_openapi_render(const todo_openapi_t *doc, apr_pool_t *p,
                                const char *url, apr_size_t *plen)
{
    apr_size_t size = 1, elen;
    char *out, *o, *escaped;
    int i;

    url = usable_url(doc, url);
    escaped = apr_palloc(p, 6 * strlen(url) + 1);
    elen = json_escape(escaped, url);
    for (i = 0; i < doc->nparts; ++i) {
        size += doc->lens[i] + (i ? elen : 0);
    }
    o = out = apr_palloc(p, size);
    for (i = 0; i < doc->nparts; ++i) {
        if (i) {
            memcpy(o, escaped, elen);
            o += elen;
        }
        memcpy(o, doc->parts[i], doc->lens[i]);
        o += doc->lens[i];
    }
    *o = '\0';
    *plen = (apr_size_t)(o - out);
    return out;
}

const char *todo_openapi_etag(const todo_openapi_t *doc, apr_pool_t *p,
                              const char *url)
{
    url = usable_url(doc, url);
    return apr_psprintf(
        p, "\"%016" APR_UINT64_T_HEX_FMT "-%08x\"", doc->hash,
        (unsigned int)(todo_fnv1a64(TODO_FNV1A64_INIT, url, strlen(url))
                       & 0xffffffffU));
}
