/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "todo_json.h"
#include "todo_openapi.h"
#include "todo_utf8.h"
#include "todo_util.h"

/* Stands in for servers[0].url while the document is dumped; the dump is
 * then cut around it. A document that contains it already is refused. */
#define PLACEHOLDER "@@todo_openapi_server_url@@"

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

apr_status_t todo_openapi_load(apr_pool_t *p, const char *text, apr_size_t len,
                               todo_openapi_t **pdoc, const char **perr)
{
    todo_openapi_t *doc = apr_pcalloc(p, sizeof(*doc));
    json_error_t jerr;
    json_t *root, *url = NULL;
    const char *why = NULL, *version;
    const char *dumped = NULL, *at = NULL;
    apr_size_t dlen = 0, plen = sizeof(PLACEHOLDER) + 1; /* with quotes */
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
    json_string_set(url, PLACEHOLDER);
    dumped = todo_json_dump(p, root, &dlen);
    at = dumped ? strstr(dumped, "\"" PLACEHOLDER "\"") : NULL;
    if (!at || strstr(at + plen, PLACEHOLDER)) {
        why = "the document cannot be dumped around servers[0].url";
        goto leave;
    }
    doc->head = dumped;
    doc->head_len = (apr_size_t)(at - dumped);
    doc->tail = at + plen;
    doc->tail_len = dlen - doc->head_len - plen;
    doc->hash =
        todo_fnv1a64(todo_fnv1a64(TODO_FNV1A64_INIT, doc->head, doc->head_len),
                     doc->tail, doc->tail_len);
    *pdoc = doc;
    rv = APR_SUCCESS;
leave:
    json_decref(root);
    if (perr) {
        *perr = why;
    }
    return rv;
}

/* @a url as a JSON string (quotes included) into @a out, which has room
 * for 6 bytes per input byte plus 3; @return the length written. */
static apr_size_t json_quote(char *out, const char *url)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *c;
    char *o = out;

    *o++ = '"';
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
    *o++ = '"';
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
    apr_size_t ulen;
    char *out, *o;

    url = usable_url(doc, url);
    ulen = strlen(url);
    out = apr_palloc(p, doc->head_len + 6 * ulen + 3 + doc->tail_len);
    memcpy(out, doc->head, doc->head_len);
    o = out + doc->head_len;
    o += json_quote(o, url);
    memcpy(o, doc->tail, doc->tail_len);
    o += doc->tail_len;
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
