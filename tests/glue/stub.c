/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * httpd's symbols for the glue's unit tests (see stub.h). Where a stub
 * stands for an httpd function whose result the glue relies on, it does
 * what httpd 2.4 does; the comments say where it does less.
 *
 * The definitions are written without AP_DECLARE() and
 * AP_MODULE_DECLARE_DATA (on Unix they add nothing to the type), so
 * that cppcheck can read this file without httpd's headers; the
 * compiler checks each against httpd's declaration.
 */

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_buckets.h>
#include <apr_file_info.h>
#include <apr_fnmatch.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_regex.h>
#include <util_filter.h>

#include "mod_todo_config.h"
#include "mod_todo_dbd.h"
#include "mod_todo_routes.h"
#include "stub.h"

/* The module record httpd would load: module_index 1, the core's 0. */
module todo_module = {
    .version = MODULE_MAGIC_NUMBER_MAJOR,
    .minor_version = MODULE_MAGIC_NUMBER_MINOR,
    .module_index = 1,
    .name = "mod_todo.c",
    .magic = MODULE_MAGIC_COOKIE,
    .create_dir_config = todo_dir_conf_create,
    .merge_dir_config = todo_dir_conf_merge,
    .create_server_config = todo_srv_conf_create,
    .merge_server_config = todo_srv_conf_merge,
    .cmds = todo_cmds,
};

/* What lives from one stub_reset() to the next. */
static apr_pool_t *stub_pool;
static apr_hash_t *retained;
static apr_array_header_t *server_log;
static const char *dispatched;
static todo_req_t *dispatched_req;

static ap_HOOK_post_config_t *hook_post_config;
static ap_HOOK_handler_t *hook_handler;
static ap_HOOK_log_transaction_t *hook_log_transaction;

static void stub_fatal(const char *what)
{
    fprintf(stderr, "stub: %s\n", what);
    abort();
}

void stub_reset(void)
{
    stub_terminate();
    if (APR_SUCCESS != apr_pool_create(&stub_pool, NULL)) {
        stub_fatal("cannot create the stubs' pool");
    }
    retained = apr_hash_make(stub_pool);
    server_log = apr_array_make(stub_pool, 4, sizeof(stub_log_t));
}

void stub_terminate(void)
{
    if (stub_pool) {
        apr_pool_destroy(stub_pool);
    }
    stub_pool = NULL;
    retained = NULL;
    server_log = NULL;
    dispatched = NULL;
    dispatched_req = NULL;
}

/* ---- building a server and a request ---- */

static ap_conf_vector_t *conf_vector(apr_pool_t *p)
{
    return apr_pcalloc(p, STUB_CONF_SLOTS * sizeof(void *));
}

server_rec *stub_server(apr_pool_t *p)
{
    server_rec *s = apr_pcalloc(p, sizeof(*s));
    process_rec *process = apr_pcalloc(p, sizeof(*process));
    core_server_config *core = apr_pcalloc(p, sizeof(*core));

    process->pool = p;
    process->pconf = p;
    process->short_name = "apache2";
    s->process = process;
    s->server_hostname = apr_pstrdup(p, "localhost");
    s->port = 80;
    s->defn_name = "stub";
    s->log.level = APLOG_DEBUG;
    s->timeout = apr_time_from_sec(60);
    core->sec_url = apr_array_make(p, 2, sizeof(ap_conf_vector_t *));
    s->module_config = conf_vector(p);
    ap_set_core_module_config(s->module_config, core);
    ap_set_module_config(s->module_config, &todo_module,
                         todo_srv_conf_create(p, s));
    s->lookup_defaults = conf_vector(p);
    ap_set_core_module_config(s->lookup_defaults,
                              apr_pcalloc(p, sizeof(core_dir_config)));
    ap_set_module_config(s->lookup_defaults, &todo_module,
                         todo_dir_conf_create(p, NULL));
    return s;
}

static apr_status_t regex_free(void *data)
{
    regfree(data);
    return APR_SUCCESS;
}

void stub_location(server_rec *s, const char *path, int match, int handler)
{
    apr_pool_t *p = s->process->pconf;
    core_server_config *core = ap_get_core_module_config(s->module_config);
    core_dir_config *cd = apr_pcalloc(p, sizeof(*cd));
    ap_conf_vector_t *section = conf_vector(p);

    cd->d = apr_pstrdup(p, path);
    if (match) {
        ap_regex_t *r = apr_pcalloc(p, sizeof(*r));
        regex_t *posix = apr_pcalloc(p, sizeof(*posix));
        if (regcomp(posix, path, REG_EXTENDED | REG_NOSUB)) {
            stub_fatal(apr_pstrcat(p, "bad regex: ", path, NULL));
        }
        apr_pool_cleanup_register(p, posix, regex_free, apr_pool_cleanup_null);
        r->re_pcre = posix;
        cd->r = r;
    }
    else {
        /* core.c's urlsection(): a path with wildcards is matched with
         * apr_fnmatch(). */
        cd->d_is_fnmatch = apr_fnmatch_test(cd->d) != 0;
    }
    if (handler) {
        /* Only its presence is read: SetHandler was given. */
        cd->expr_handler = apr_pcalloc(p, sizeof(*cd->expr_handler));
    }
    ap_set_core_module_config(section, cd);
    APR_ARRAY_PUSH(core->sec_url, ap_conf_vector_t *) = section;
}

static int method_number(const char *method)
{
    static const struct {
        const char *name;
        int number;
    } methods[] = {{"GET", M_GET},         {"HEAD", M_GET},
                   {"PUT", M_PUT},         {"POST", M_POST},
                   {"DELETE", M_DELETE},   {"PATCH", M_PATCH},
                   {"OPTIONS", M_OPTIONS}, {NULL, M_INVALID}};
    int i;

    for (i = 0; methods[i].name && strcmp(methods[i].name, method); ++i) {
    }
    return methods[i].number;
}

static ap_filter_t *filter(apr_pool_t *p, request_rec *r, stub_req_t *st)
{
    ap_filter_t *f = apr_pcalloc(p, sizeof(*f));

    f->ctx = st;
    f->r = r;
    f->c = r->connection;
    return f;
}

request_rec *stub_request(server_rec *s, apr_pool_t *p, const char *method,
                          const char *uri)
{
    request_rec *r = apr_pcalloc(p, sizeof(*r));
    conn_rec *c = apr_pcalloc(p, sizeof(*c));
    stub_req_t *st = apr_pcalloc(p, sizeof(*st));
    const char *q = strchr(uri, '?');
    todo_dir_conf_t *dc = apr_palloc(p, sizeof(*dc));

    c->pool = p;
    c->base_server = s;
    c->bucket_alloc = apr_bucket_alloc_create(p);
    c->conn_config = conf_vector(p);
    c->notes = apr_table_make(p, 4);
    c->keepalive = AP_CONN_UNKNOWN;
    c->local_ip = apr_pstrdup(p, "127.0.0.1");
    c->id = 1;

    st->r = r;
    st->log = apr_array_make(p, 4, sizeof(stub_log_t));
    r->pool = p;
    r->connection = c;
    r->server = s;
    r->method = apr_pstrdup(p, method);
    r->method_number = method_number(method);
    r->header_only = !strcmp(method, "HEAD");
    r->unparsed_uri = apr_pstrdup(p, uri);
    r->uri =
        q ? apr_pstrmemdup(p, uri, (apr_size_t)(q - uri)) : apr_pstrdup(p, uri);
    r->args = q ? apr_pstrdup(p, q + 1) : NULL;
    r->parsed_uri.path = r->uri;
    r->parsed_uri.query = r->args;
    r->protocol = apr_pstrdup(p, "HTTP/1.1");
    r->proto_num = HTTP_VERSION(1, 1);
    r->the_request = apr_pstrcat(p, method, " ", uri, " HTTP/1.1", NULL);
    r->hostname = "localhost";
    r->request_time = apr_time_from_sec(STUB_TIME);
    r->status = HTTP_OK;
    r->handler = "todo-api";
    r->headers_in = apr_table_make(p, 8);
    r->headers_out = apr_table_make(p, 8);
    r->err_headers_out = apr_table_make(p, 4);
    r->subprocess_env = apr_table_make(p, 4);
    r->notes = apr_table_make(p, 4);
    /* The request's merged config: the server's defaults, copied so that
     * a test may change the request's alone. */
    memcpy(dc, ap_get_module_config(s->lookup_defaults, &todo_module),
           sizeof(*dc));
    r->per_dir_config = conf_vector(p);
    ap_set_core_module_config(r->per_dir_config,
                              ap_get_core_module_config(s->lookup_defaults));
    ap_set_module_config(r->per_dir_config, &todo_module, dc);
    r->request_config = conf_vector(p);
    r->input_filters = filter(p, r, st);
    r->output_filters = filter(p, r, st);
    r->proto_input_filters = r->input_filters;
    r->proto_output_filters = r->output_filters;
    c->input_filters = r->input_filters;
    c->output_filters = r->output_filters;
    stub_client(r, "127.0.0.1");
    return r;
}

void stub_client(request_rec *r, const char *ip)
{
    apr_sockaddr_t *sa = NULL;

    if (APR_SUCCESS
        != apr_sockaddr_info_get(&sa, ip, APR_UNSPEC, 0, 0, r->pool)) {
        stub_fatal(apr_pstrcat(r->pool, "bad address: ", ip, NULL));
    }
    r->useragent_ip = apr_pstrdup(r->pool, ip);
    r->useragent_addr = sa;
    r->connection->client_ip = r->useragent_ip;
    r->connection->client_addr = sa;
}

stub_req_t *stub_of(const request_rec *r)
{
    if (!r->input_filters || !r->input_filters->ctx) {
        stub_fatal("not a request of stub_request()");
    }
    return r->input_filters->ctx;
}

void stub_body(request_rec *r, const char *body, apr_size_t len,
               apr_size_t bucket_len)
{
    stub_req_t *st = stub_of(r);

    st->body = body;
    st->body_len = len;
    st->bucket_len = bucket_len;
    st->sent = 0;
}

void stub_body_fail(request_rec *r, apr_size_t at, apr_status_t rv,
                    int in_bucket)
{
    stub_req_t *st = stub_of(r);

    st->fail_at = at;
    st->fail_rv = rv;
    st->fail_in_bucket = in_bucket;
}

const char *stub_response(const request_rec *r, apr_size_t *plen)
{
    stub_req_t *st = stub_of(r);

    if (plen) {
        *plen = st->out_len;
    }
    return st->out ? st->out : "";
}

const stub_log_t *stub_logged(const request_rec *r, int level, const char *text)
{
    const apr_array_header_t *log = r ? stub_of(r)->log : server_log;
    int i;

    for (i = 0; log && i < log->nelts; ++i) {
        const stub_log_t *l = &APR_ARRAY_IDX(log, i, stub_log_t);
        if (l->level == level && strstr(l->msg, text)) {
            return l;
        }
    }
    return NULL;
}

int stub_log_count(const request_rec *r)
{
    const apr_array_header_t *log = r ? stub_of(r)->log : server_log;

    return log ? log->nelts : 0;
}

const char *stub_dispatched(void)
{
    return dispatched;
}

todo_req_t *stub_dispatched_req(void)
{
    return dispatched_req;
}

ap_HOOK_post_config_t *stub_hook_post_config(void)
{
    return hook_post_config;
}

ap_HOOK_handler_t *stub_hook_handler(void)
{
    return hook_handler;
}

ap_HOOK_log_transaction_t *stub_hook_log_transaction(void)
{
    return hook_log_transaction;
}

/* ---- filters: the request body in, the response out ---- */

/* A bucket whose read fails, as a socket bucket does on a reset. */
static apr_status_t fail_bucket_read(apr_bucket *b, const char **str,
                                     apr_size_t *len, apr_read_type_e block)
{
    (void)block;
    *str = NULL;
    *len = 0;
    return *(const apr_status_t *)b->data;
}

static const apr_bucket_type_t fail_bucket_type = {
    "STUB_FAIL",
    5,
    APR_BUCKET_DATA,
    apr_bucket_destroy_noop,
    fail_bucket_read,
    apr_bucket_setaside_notimpl,
    apr_bucket_split_notimpl,
    apr_bucket_copy_notimpl,
};

static apr_bucket *fail_bucket_create(apr_status_t *rv, apr_bucket_alloc_t *ba)
{
    apr_bucket *b = apr_bucket_alloc(sizeof(*b), ba);

    APR_BUCKET_INIT(b);
    b->free = apr_bucket_free;
    b->list = ba;
    b->type = &fail_bucket_type;
    b->length = (apr_size_t)-1;
    b->start = -1;
    b->data = rv;
    return b;
}

apr_status_t ap_get_brigade(ap_filter_t *f, apr_bucket_brigade *bb,
                            ap_input_mode_t mode, apr_read_type_e block,
                            apr_off_t readbytes)
{
    stub_req_t *st = f->ctx;
    apr_bucket_alloc_t *ba = bb->bucket_alloc;
    apr_size_t budget = (apr_size_t)readbytes, n;
    int failing = APR_SUCCESS != st->fail_rv;

    (void)mode;
    (void)block;
    ++st->reads;
    for (;;) {
        if (failing && st->sent == st->fail_at) {
            if (st->fail_in_bucket) {
                APR_BRIGADE_INSERT_TAIL(bb,
                                        fail_bucket_create(&st->fail_rv, ba));
                return APR_SUCCESS;
            }
            /* Data already in this brigade goes first. */
            return budget == (apr_size_t)readbytes ? st->fail_rv : APR_SUCCESS;
        }
        if (st->sent == st->body_len) {
            APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
            return APR_SUCCESS;
        }
        if (!budget) {
            return APR_SUCCESS;
        }
        n = st->body_len - st->sent;
        if (st->bucket_len && n > st->bucket_len) {
            n = st->bucket_len;
        }
        if (n > budget) {
            n = budget;
        }
        if (failing && st->sent < st->fail_at && n > st->fail_at - st->sent) {
            n = st->fail_at - st->sent;
        }
        /* A copy of its own, as HTTP_IN's buckets are. */
        APR_BRIGADE_INSERT_TAIL(
            bb, apr_bucket_heap_create(st->body + st->sent, n, NULL, ba));
        st->sent += n;
        budget -= n;
    }
}

static void append(stub_req_t *st, const char *data, apr_size_t len)
{
    if (st->out_len + len + 1 > st->out_cap) {
        apr_size_t cap = st->out_cap ? st->out_cap : 256;
        char *bigger;
        while (st->out_len + len + 1 > cap) {
            cap *= 2;
        }
        bigger = apr_palloc(st->r->pool, cap);
        if (st->out_len) {
            memcpy(bigger, st->out, st->out_len);
        }
        st->out = bigger;
        st->out_cap = cap;
    }
    memcpy(st->out + st->out_len, data, len);
    st->out_len += len;
    st->out[st->out_len] = '\0';
}

apr_status_t ap_pass_brigade(ap_filter_t *f, apr_bucket_brigade *bb)
{
    stub_req_t *st = f->ctx;
    apr_bucket *e;

    ++st->passes;
    for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
         e = APR_BUCKET_NEXT(e)) {
        const char *data;
        apr_size_t len;
        if (APR_BUCKET_IS_EOS(e)) {
            st->eos = 1;
            continue;
        }
        if (APR_BUCKET_IS_METADATA(e)) {
            continue;
        }
        if (APR_SUCCESS != apr_bucket_read(e, &data, &len, APR_BLOCK_READ)) {
            stub_fatal("cannot read a response bucket");
        }
        append(st, data, len);
    }
    /* The filters downstream consume what they are passed. */
    apr_brigade_cleanup(bb);
    return APR_SUCCESS;
}

int ap_rwrite(const void *buf, int nbyte, request_rec *r)
{
    append(stub_of(r), buf, (apr_size_t)nbyte);
    return nbyte;
}

void ap_set_content_type(request_rec *r, const char *ct)
{
    r->content_type = ct;
}

void ap_set_content_length(request_rec *r, apr_off_t length)
{
    r->clength = length;
    apr_table_setn(r->headers_out, "Content-Length",
                   apr_off_t_toa(r->pool, length));
}

/* httpd 2.4's (modules/http/http_filters.c). */
int ap_map_http_request_error(apr_status_t rv, int status)
{
    switch (rv) {
    case AP_FILTER_ERROR:
        return AP_FILTER_ERROR;
    case APR_EGENERAL:
        return HTTP_BAD_REQUEST;
    case APR_ENOSPC:
        return HTTP_REQUEST_ENTITY_TOO_LARGE;
    case APR_ENOTIMPL:
        return HTTP_NOT_IMPLEMENTED;
    case APR_TIMEUP:
    case APR_ETIMEDOUT:
        return HTTP_REQUEST_TIME_OUT;
    default:
        return status;
    }
}

/* ---- logging: kept, not printed ---- */

static void keep(apr_array_header_t *log, apr_pool_t *p, int level,
                 apr_status_t status, const char *fmt, va_list ap)
{
    stub_log_t *l = apr_array_push(log);

    l->level = level & APLOG_LEVELMASK;
    l->status = status;
    l->msg = apr_pvsprintf(p, fmt, ap);
}

void ap_log_error_(const char *file, int line, int module_index, int level,
                   apr_status_t status, const server_rec *s, const char *fmt,
                   ...)
{
    va_list ap;

    (void)file;
    (void)line;
    (void)module_index;
    (void)s;
    if (!server_log) {
        stub_fatal("ap_log_error_() before stub_reset()");
    }
    va_start(ap, fmt);
    keep(server_log, stub_pool, level, status, fmt, ap);
    va_end(ap);
}

void ap_log_rerror_(const char *file, int line, int module_index, int level,
                    apr_status_t status, const request_rec *r, const char *fmt,
                    ...)
{
    va_list ap;

    (void)file;
    (void)line;
    (void)module_index;
    va_start(ap, fmt);
    keep(stub_of(r)->log, r->pool, level, status, fmt, ap);
    va_end(ap);
}

/* ---- utilities, as httpd 2.4 has them (server/util.c) ---- */

void ap_str_tolower(char *s)
{
    for (; *s; ++s) {
        *s = (char)apr_tolower(*s);
    }
}

/* gen_test_char.c's T_OS_ESCAPE_PATH: all but these are %-escaped. */
static int os_path_safe(unsigned c)
{
    return apr_isalnum(c) || (c && strchr("$-_.+!*'(),:;@&=/~", (int)c));
}

char *ap_os_escape_path(apr_pool_t *p, const char *path, int partial)
{
    static const char c2x[] = "0123456789abcdef";
    char *copy = apr_palloc(p, 3 * strlen(path) + 3);
    const unsigned char *s = (const unsigned char *)path;
    char *d = copy;

    if (!partial) {
        const char *colon = strchr(path, ':');
        const char *slash = strchr(path, '/');
        if (colon && (!slash || colon < slash)) {
            *d++ = '.';
            *d++ = '/';
        }
    }
    for (; *s; ++s) {
        if (os_path_safe(*s)) {
            *d++ = (char)*s;
        }
        else {
            *d++ = '%';
            *d++ = c2x[*s >> 4];
            *d++ = c2x[*s & 0xf];
        }
    }
    *d = '\0';
    return copy;
}

/* The <LocationMatch> sections of stub_location() hold a POSIX regex. */
int ap_regexec(const ap_regex_t *preg, const char *string, apr_size_t nmatch,
               ap_regmatch_t *pmatch, int eflags)
{
    (void)nmatch;
    (void)pmatch;
    (void)eflags;
    return regexec(preg->re_pcre, string, 0, NULL, 0) ? AP_REG_NOMATCH : 0;
}

/* ---- configuration ---- */

/* server/core.c's, without the checks that walk cmd->directive for an
 * enclosing <Directory>, <Location>, <Files>, <If> or <Proxy> (the tests
 * give no directive tree; cmd->path says "in a section"). */
const char *ap_check_cmd_context(cmd_parms *cmd, unsigned forbidden)
{
    const char *name = cmd->cmd->name;
    const char *gt =
        (name[0] == '<' && name[strlen(name) - 1] != '>') ? ">" : "";

    if ((forbidden & NOT_IN_VIRTUALHOST) && cmd->server->is_virtual) {
        return apr_pstrcat(cmd->pool, name, gt,
                           " cannot occur within <VirtualHost> section", NULL);
    }
    if ((forbidden & (NOT_IN_LIMIT | NOT_IN_DIR_LOC_FILE))
        && cmd->limited != -1) {
        return apr_pstrcat(cmd->pool, name, gt,
                           " cannot occur within <Limit> or <LimitExcept> "
                           "section",
                           NULL);
    }
    if ((forbidden & NOT_IN_HTACCESS) && cmd->pool == cmd->temp_pool) {
        return apr_pstrcat(cmd->pool, name, gt,
                           " cannot occur within htaccess files", NULL);
    }
    if ((forbidden & NOT_IN_DIR_LOC_FILE) == NOT_IN_DIR_LOC_FILE && cmd->path) {
        return apr_pstrcat(cmd->pool, name, gt,
                           " cannot occur within <Directory/Location/Files> "
                           "section",
                           NULL);
    }
    return NULL;
}

/* server/config.c's, with STUB_SERVER_ROOT as ServerRoot. */
char *ap_server_root_relative(apr_pool_t *p, const char *file)
{
    char *path = NULL;
    apr_status_t rv = apr_filepath_merge(&path, STUB_SERVER_ROOT, file,
                                         APR_FILEPATH_TRUENAME, p);

    if (path
        && (APR_SUCCESS == rv || APR_STATUS_IS_EPATHWILD(rv)
            || APR_STATUS_IS_ENOENT(rv) || APR_STATUS_IS_ENOTDIR(rv))) {
        return path;
    }
    return NULL;
}

void *ap_retained_data_get(const char *key)
{
    return retained ? apr_hash_get(retained, key, APR_HASH_KEY_STRING) : NULL;
}

void *ap_retained_data_create(const char *key, apr_size_t size)
{
    void *data;

    if (!retained) {
        stub_fatal("ap_retained_data_create() before stub_reset()");
    }
    data = apr_pcalloc(stub_pool, size);
    apr_hash_set(retained, apr_pstrdup(stub_pool, key), APR_HASH_KEY_STRING,
                 data);
    return data;
}

/* ---- hooks: kept, for the tests to call ---- */

void ap_hook_post_config(ap_HOOK_post_config_t *pf, const char *const *pre,
                         const char *const *succ, int order)
{
    (void)pre;
    (void)succ;
    (void)order;
    hook_post_config = pf;
}

void ap_hook_handler(ap_HOOK_handler_t *pf, const char *const *pre,
                     const char *const *succ, int order)
{
    (void)pre;
    (void)succ;
    (void)order;
    hook_handler = pf;
}

void ap_hook_log_transaction(ap_HOOK_log_transaction_t *pf,
                             const char *const *pre, const char *const *succ,
                             int order)
{
    (void)pre;
    (void)succ;
    (void)order;
    hook_log_transaction = pf;
}

/* ---- the glue files not under test ---- */

/* mod_todo_dbd.c: the request's test database, or an outage. */
todo_db_t *todo_dbd_acquire(request_rec *r, const todo_srv_conf_t *sc)
{
    stub_req_t *st = stub_of(r);

    (void)sc;
    ++st->db_acquires;
    return st->db;
}

/* mod_todo_openapi.c */
void todo_openapi_register_hooks(void)
{
}

void todo_logformat_register_hooks(void)
{
}

/* The route handlers: each records that the router chose it. */
#define STUB_ROUTE(name)                                                       \
    int name(todo_req_t *req)                                                  \
    {                                                                          \
        dispatched = #name;                                                    \
        dispatched_req = req;                                                  \
        return OK;                                                             \
    }
STUB_ROUTE(todo_h_openapi)
STUB_ROUTE(todo_h_register)
STUB_ROUTE(todo_h_login)
STUB_ROUTE(todo_h_refresh)
STUB_ROUTE(todo_h_logout)
STUB_ROUTE(todo_h_me)
STUB_ROUTE(todo_h_user_list)
STUB_ROUTE(todo_h_user_get)
STUB_ROUTE(todo_h_user_update)
STUB_ROUTE(todo_h_user_delete)
STUB_ROUTE(todo_h_task_create)
STUB_ROUTE(todo_h_task_bulk)
STUB_ROUTE(todo_h_task_list)
STUB_ROUTE(todo_h_task_get)
STUB_ROUTE(todo_h_task_update)
STUB_ROUTE(todo_h_task_delete)
STUB_ROUTE(todo_h_events)
STUB_ROUTE(todo_h_ws)
