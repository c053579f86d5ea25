/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* mod_todo_config.c: the generated getters' defaults, create and merge,
 * todo_conf_same_tokens, todo_conf_metrics_allowed against the client
 * addresses httpd gives, and the directive handlers of todo_cmds[] called
 * as httpd's config reader calls them. */

#include <string.h>

#include <apr_strings.h>

#include "mod_todo_config.h"
#include "test_glue.h"

#define SECRET "0123456789abcdef0123456789abcdef"

static todo_srv_conf_t *srv_conf(server_rec *s)
{
    return todo_srv_conf_get(s);
}

/* The server's own directory config: where httpd's config reader hands a
 * directive written outside any section. */
static todo_dir_conf_t *srv_dir_conf(server_rec *s)
{
    return ap_get_module_config(s->lookup_defaults, &todo_module);
}

/*
 * Run the directive line @a line ("TodoRateLimit login 5 30") through
 * its todo_cmds[] entry, as httpd's config reader would: @a dc is the
 * directory config it is given, @a section the <Location> it is in
 * (NULL: none).
 */
static const char *directive(server_rec *s, void *dc, const char *section,
                             const char *line)
{
    apr_pool_t *p = s->process->pool, *ptemp = NULL;
    char *words = apr_pstrdup(p, line), *last = NULL;
    const char *name = apr_strtok(words, " ", &last);
    const char *argv[8];
    const command_rec *c;
    cmd_parms cmd;
    int argc = 0, i;

    for (c = todo_cmds; c->name && strcmp(c->name, name); ++c) {
    }
    assert_non_null(c->name);
    while (argc < 8 && (argv[argc] = apr_strtok(NULL, " ", &last))) {
        ++argc;
    }
    assert_int_equal(APR_SUCCESS, apr_pool_create(&ptemp, p));
    memset(&cmd, 0, sizeof(cmd));
    cmd.info = c->cmd_data;
    cmd.server = s;
    cmd.pool = p;
    cmd.temp_pool = ptemp;
    cmd.path = section ? apr_pstrdup(p, section) : NULL;
    cmd.cmd = c;
    cmd.limited = -1;
    cmd.override = c->req_override;
    switch (c->args_how) {
    case TAKE1:
        assert_int_equal(1, argc);
        return c->AP_TAKE1(&cmd, dc, argv[0]);
    case TAKE3:
        assert_int_equal(3, argc);
        return c->AP_TAKE3(&cmd, dc, argv[0], argv[1], argv[2]);
    case FLAG:
        assert_int_equal(1, argc);
        return c->AP_FLAG(&cmd, dc, !strcasecmp(argv[0], "On"));
    case ITERATE:
        for (i = 0; i < argc; ++i) {
            const char *err = c->AP_TAKE1(&cmd, dc, argv[i]);
            if (err) {
                return err;
            }
        }
        return NULL;
    default:
        fail_msg("%s: unexpected args_how", name);
    }
    return NULL;
}

/* A directive that must be accepted. */
static void set(server_rec *s, void *dc, const char *line)
{
    const char *err = directive(s, dc, NULL, line);

    if (err) {
        fail_msg("%s: %s", line, err);
    }
}

static int allowed(request_rec *r, const todo_dir_conf_t *dc, const char *ip)
{
    stub_client(r, ip);
    return todo_conf_metrics_allowed(dc, r);
}

/* --- todo_conf_metrics_allowed --------------------------------------- */

static void test_metrics_allowed_by_default_to_loopback_only(void **state)
{
    server_rec *s = TS_SERVER(state);
    request_rec *r = stub_request(s, TS_POOL(state), "GET", "/metrics");
    const todo_dir_conf_t *dc = todo_dir_conf_get(r);

    assert_null(dc->metrics_allow);
    assert_true(allowed(r, dc, "127.0.0.1"));
    assert_true(allowed(r, dc, "127.200.3.4"));
    assert_true(allowed(r, dc, "::1"));
    assert_true(allowed(r, dc, "::ffff:127.0.0.1"));
    assert_false(allowed(r, dc, "192.0.2.10"));
    assert_false(allowed(r, dc, "10.0.0.1"));
    assert_false(allowed(r, dc, "::2"));
    assert_false(allowed(r, dc, "2001:db8::1"));
    assert_false(allowed(r, dc, "::ffff:192.0.2.10"));
}

static void test_metrics_allow_list_replaces_loopback(void **state)
{
    server_rec *s = TS_SERVER(state);
    request_rec *r = stub_request(s, TS_POOL(state), "GET", "/metrics");
    todo_dir_conf_t *dc = todo_dir_conf_get(r);

    set(s, dc, "TodoMetricsAllow 192.0.2.0/24 2001:db8::/32 198.51.100.7");
    assert_true(allowed(r, dc, "192.0.2.200"));
    assert_true(allowed(r, dc, "::ffff:192.0.2.200"));
    assert_true(allowed(r, dc, "2001:db8:5::1"));
    assert_true(allowed(r, dc, "198.51.100.7"));
    assert_false(allowed(r, dc, "198.51.100.8"));
    assert_false(allowed(r, dc, "192.0.3.1"));
    assert_false(allowed(r, dc, "2001:db9::1"));
    /* Only what the list says: loopback is no longer implied. */
    assert_false(allowed(r, dc, "127.0.0.1"));
    assert_false(allowed(r, dc, "::1"));
    assert_false(allowed(r, dc, "::ffff:127.0.0.1"));
}

static void test_metrics_allow_local_all_and_none(void **state)
{
    server_rec *s = TS_SERVER(state);
    request_rec *r = stub_request(s, TS_POOL(state), "GET", "/metrics");
    todo_dir_conf_t *local = todo_dir_conf_create(r->pool, NULL);
    todo_dir_conf_t *all = todo_dir_conf_create(r->pool, NULL);
    todo_dir_conf_t *none = todo_dir_conf_create(r->pool, NULL);

    set(s, local, "TodoMetricsAllow local 192.0.2.1");
    set(s, all, "TodoMetricsAllow all");
    set(s, none, "TodoMetricsAllow none");
    assert_true(allowed(r, local, "::1"));
    assert_true(allowed(r, local, "192.0.2.1"));
    assert_false(allowed(r, local, "192.0.2.2"));
    assert_true(allowed(r, all, "2001:db8::1"));
    assert_true(allowed(r, all, "203.0.113.9"));
    assert_false(allowed(r, none, "127.0.0.1"));
    assert_false(allowed(r, none, "::1"));
    assert_string_equal(
        "TodoMetricsAllow: ",
        apr_pstrndup(r->pool,
                     directive(s, none, NULL, "TodoMetricsAllow 300.1.1.1"),
                     18));
}

static void test_metrics_allow_of_a_location_overrides_the_server(void **state)
{
    server_rec *s = TS_SERVER(state);
    apr_pool_t *p = TS_POOL(state);
    todo_dir_conf_t *base = srv_dir_conf(s);
    todo_dir_conf_t *loc = todo_dir_conf_create(p, NULL);
    request_rec *r = stub_request(s, p, "GET", "/metrics");

    set(s, base, "TodoMetricsAllow all");
    set(s, loc, "TodoMetricsAllow none");
    assert_true(allowed(r, todo_dir_conf_merge(p, base, loc), "::1") == 0);
    assert_true(allowed(r, todo_dir_conf_merge(p, loc, base), "192.0.2.1"));
    /* A section without the directive inherits it. */
    assert_true(
        allowed(r, todo_dir_conf_merge(p, base, todo_dir_conf_create(p, NULL)),
                "192.0.2.1"));
}

/* --- defaults, create and merge ------------------------------------- */

static void test_getters_of_an_unset_conf_give_the_table_defaults(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_srv_conf_t *sc = todo_srv_conf_create(p, TS_SERVER(state));
    todo_dir_conf_t *dc = todo_dir_conf_create(p, NULL);

    assert_int_equal(15, todo_conf_heartbeat(sc));
    assert_int_equal(0, todo_conf_leeway(sc));
    assert_int_equal(900, todo_conf_access_ttl(sc));
    assert_int_equal(2592000, todo_conf_refresh_ttl(sc));
    assert_int_equal(0, todo_conf_refresh_grace(sc));
    assert_int_equal(12, todo_conf_bcrypt_cost(sc));
    assert_int_equal(5000, todo_conf_busy_timeout_ms(sc));
    assert_int_equal(64, todo_conf_group_commit(sc));
    assert_int_equal(10, todo_conf_streams_per_user(sc));
    assert_int_equal(20, todo_conf_streams_per_address(sc));
    assert_int_equal(1000, todo_conf_streams_max(sc));
    assert_int_equal(0, todo_conf_auto_migrate(sc));
    assert_int_equal(TODO_JWT_HS256, todo_conf_jwt_alg(sc));
    assert_int_equal(TODO_DB_SYNC_FULL, todo_conf_synchronous(sc));
    assert_int_equal(4194304, todo_conf_event_backlog(sc));
    assert_int_equal(1048576, todo_conf_max_body(dc));
    assert_null(sc->issuer);
    assert_null(sc->audience);
    assert_null(dc->base_path);
    assert_null(dc->metrics_allow);
    /* A set member is read as set, even when it is 0. */
    sc->heartbeat = 30;
    sc->leeway = 0;
    dc->max_body = 2048;
    assert_int_equal(30, todo_conf_heartbeat(sc));
    assert_int_equal(0, todo_conf_leeway(sc));
    assert_int_equal(2048, todo_conf_max_body(dc));
}

static void test_rate_limits_default_to_ten_a_minute(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_srv_conf_t *sc = srv_conf(s);
    int kind;

    for (kind = 0; kind < TODO_RL_KINDS; ++kind) {
        todo_rl_rule_t rule = todo_conf_rate_limit(sc, (todo_rl_kind_t)kind);
        assert_int_equal(10, rule.count);
        assert_int_equal(apr_time_from_sec(60), rule.period);
    }
    set(s, srv_dir_conf(s), "TodoRateLimit login 5 30");
    set(s, srv_dir_conf(s), "TodoRateLimit password 0 1");
    assert_int_equal(5, todo_conf_rate_limit(sc, TODO_RL_LOGIN_IP).count);
    assert_int_equal(apr_time_from_sec(30),
                     todo_conf_rate_limit(sc, TODO_RL_LOGIN_IP).period);
    assert_int_equal(0, todo_conf_rate_limit(sc, TODO_RL_PASSWORD).count);
    assert_int_equal(10, todo_conf_rate_limit(sc, TODO_RL_REGISTER_IP).count);
    assert_int_equal(10, todo_conf_rate_limit(sc, TODO_RL_LOGIN_ACCOUNT).count);
}

static void test_srv_merge_takes_what_the_vhost_sets(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_srv_conf_t *base = todo_srv_conf_create(p, NULL);
    todo_srv_conf_t *vhost = todo_srv_conf_create(p, NULL);
    todo_srv_conf_t *m;

    base->heartbeat = 5;
    base->issuer = "base-issuer";
    base->secret = (const unsigned char *)SECRET;
    base->secret_len = sizeof(SECRET) - 1;
    base->rate_limits[TODO_RL_LOGIN_IP].count = 3;
    base->rate_limits[TODO_RL_LOGIN_IP].period = apr_time_from_sec(9);
    vhost->streams_max = 7;
    vhost->audience = "vhost-audience";
    vhost->rate_limits[TODO_RL_REGISTER_IP].count = 0;
    vhost->rate_limits[TODO_RL_REGISTER_IP].period = apr_time_from_sec(1);
    m = todo_srv_conf_merge(p, base, vhost);
    assert_int_equal(5, todo_conf_heartbeat(m));
    assert_int_equal(7, todo_conf_streams_max(m));
    assert_int_equal(10, todo_conf_streams_per_user(m));
    assert_string_equal("base-issuer", m->issuer);
    assert_string_equal("vhost-audience", m->audience);
    assert_ptr_equal(base->secret, m->secret);
    assert_int_equal(sizeof(SECRET) - 1, m->secret_len);
    assert_int_equal(3, todo_conf_rate_limit(m, TODO_RL_LOGIN_IP).count);
    assert_int_equal(0, todo_conf_rate_limit(m, TODO_RL_REGISTER_IP).count);
    assert_int_equal(10, todo_conf_rate_limit(m, TODO_RL_PASSWORD).count);
}

static void test_dir_merge_takes_what_the_section_sets(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_dir_conf_t *base = todo_dir_conf_create(p, NULL);
    todo_dir_conf_t *loc = todo_dir_conf_create(p, NULL);
    todo_dir_conf_t *m;

    base->base_path = "/api/v1";
    base->max_body = 4096;
    loc->max_body = 2048;
    m = todo_dir_conf_merge(p, base, loc);
    assert_string_equal("/api/v1", m->base_path);
    assert_int_equal(2048, todo_conf_max_body(m));
    loc->base_path = "";
    m = todo_dir_conf_merge(p, base, loc);
    assert_string_equal("", m->base_path);
}

/* --- todo_conf_same_tokens ------------------------------------------ */

static void test_same_tokens_compares_the_token_group(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_srv_conf_t *a = todo_srv_conf_create(p, NULL);
    todo_srv_conf_t *b = todo_srv_conf_create(p, NULL);

    assert_true(todo_conf_same_tokens(a, b));
    /* Unset and set to the default are the same settings. */
    a->access_ttl = 900;
    assert_true(todo_conf_same_tokens(a, b));
    a->access_ttl = 901;
    assert_false(todo_conf_same_tokens(a, b));
    a->access_ttl = TODO_UNSET;
    b->bcrypt_cost = 4;
    assert_false(todo_conf_same_tokens(a, b));
    b->bcrypt_cost = TODO_UNSET;
    a->jwt_alg = TODO_JWT_HS512;
    assert_false(todo_conf_same_tokens(a, b));
    a->jwt_alg = TODO_UNSET;
    assert_true(todo_conf_same_tokens(a, b));
}

static void test_same_tokens_compares_issuer_and_audience_by_value(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_srv_conf_t *a = todo_srv_conf_create(p, NULL);
    todo_srv_conf_t *b = todo_srv_conf_create(p, NULL);

    a->issuer = apr_pstrdup(p, "https://issuer.example");
    assert_false(todo_conf_same_tokens(a, b));
    assert_false(todo_conf_same_tokens(b, a));
    b->issuer = apr_pstrdup(p, "https://issuer.example");
    assert_true(todo_conf_same_tokens(a, b));
    b->audience = "todo";
    assert_false(todo_conf_same_tokens(a, b));
    a->audience = "todo";
    assert_true(todo_conf_same_tokens(a, b));
    b->issuer = "https://other.example";
    assert_false(todo_conf_same_tokens(a, b));
}

static void test_same_tokens_ignores_what_does_not_shape_tokens(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_srv_conf_t *a = todo_srv_conf_create(p, NULL);
    todo_srv_conf_t *b = todo_srv_conf_create(p, NULL);

    a->heartbeat = 1;
    a->group_commit = 0;
    a->streams_max = 3;
    a->synchronous = 1;
    a->event_backlog = 65536;
    a->rate_limits[TODO_RL_LOGIN_IP].count = 1;
    assert_true(todo_conf_same_tokens(a, b));
}

static void test_same_tokens_compares_the_secret_by_identity(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_srv_conf_t *a = todo_srv_conf_create(p, NULL);
    todo_srv_conf_t *b = todo_srv_conf_create(p, NULL);

    a->secret = (const unsigned char *)apr_pstrdup(p, SECRET);
    b->secret = (const unsigned char *)apr_pstrdup(p, SECRET);
    a->secret_len = b->secret_len = sizeof(SECRET) - 1;
    assert_false(todo_conf_same_tokens(a, b));
    b->secret = a->secret;
    assert_true(todo_conf_same_tokens(a, b));
    /* Verification secrets likewise: a host that accepts an old secret
     * does not share keys with one that does not. */
    a->verify_secrets = apr_array_make(p, 1, sizeof(todo_jwt_key_t));
    assert_false(todo_conf_same_tokens(a, b));
    b->verify_secrets = a->verify_secrets;
    assert_true(todo_conf_same_tokens(a, b));
}

/* --- the directive handlers ----------------------------------------- */

static void test_base_path_directive_drops_trailing_slashes(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *dc = todo_dir_conf_create(TS_POOL(state), NULL);

    set(s, dc, "TodoBasePath /api/v1/");
    assert_string_equal("/api/v1", dc->base_path);
    set(s, dc, "TodoBasePath /api//");
    assert_string_equal("/api", dc->base_path);
    /* The server's root: nothing to strip from the URI. */
    set(s, dc, "TodoBasePath /");
    assert_string_equal("", dc->base_path);
    assert_string_equal(
        "TodoBasePath: must be an absolute URL path such as /api/v1",
        directive(s, dc, NULL, "TodoBasePath api/v1"));
}

static void test_int_directive_checks_range_and_context(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *dc = srv_dir_conf(s);

    set(s, dc, "TodoStreamHeartbeat 30");
    assert_int_equal(30, todo_conf_heartbeat(srv_conf(s)));
    assert_non_null(strstr(directive(s, dc, NULL, "TodoStreamHeartbeat 0"),
                           "TodoStreamHeartbeat: "));
    assert_non_null(directive(s, dc, NULL, "TodoStreamHeartbeat 3601"));
    assert_non_null(directive(s, dc, NULL, "TodoStreamHeartbeat x"));
    assert_string_equal("TodoStreamHeartbeat cannot occur within "
                        "<Directory/Location/Files> section",
                        directive(s, dc, "/api", "TodoStreamHeartbeat 20"));
    assert_int_equal(30, todo_conf_heartbeat(srv_conf(s)));
}

static void test_event_backlog_is_a_global_power_of_two(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *dc = srv_dir_conf(s);

    set(s, dc, "TodoEventBacklog 1M");
    assert_int_equal(1048576, todo_conf_event_backlog(srv_conf(s)));
    assert_string_equal(
        "TodoEventBacklog: must be a power of two (64K, 1M, 4M, ...)",
        directive(s, dc, NULL, "TodoEventBacklog 3M"));
    assert_non_null(directive(s, dc, NULL, "TodoEventBacklog 32K"));
    s->is_virtual = 1;
    assert_string_equal(
        "TodoEventBacklog cannot occur within <VirtualHost> section",
        directive(s, dc, NULL, "TodoEventBacklog 2M"));
    assert_int_equal(1048576, todo_conf_event_backlog(srv_conf(s)));
}

static void test_max_body_size_is_set_per_directory(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *loc = todo_dir_conf_create(TS_POOL(state), NULL);

    assert_null(directive(s, loc, "/api", "TodoMaxBodySize 2M"));
    assert_int_equal(2097152, todo_conf_max_body(loc));
    assert_int_equal(1048576, todo_conf_max_body(srv_dir_conf(s)));
    assert_non_null(directive(s, loc, "/api", "TodoMaxBodySize 1000"));
    assert_non_null(directive(s, loc, "/api", "TodoMaxBodySize 65M"));
}

static void test_choice_directive_names_the_words(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *dc = srv_dir_conf(s);

    assert_string_equal("TodoJWTAlgorithm: must be HS256, HS384 or HS512",
                        directive(s, dc, NULL, "TodoJWTAlgorithm HS999"));
    /* Algorithm names are case-sensitive, the SQLite modes are not. */
    assert_non_null(directive(s, dc, NULL, "TodoJWTAlgorithm hs512"));
    set(s, dc, "TodoJWTAlgorithm HS512");
    assert_int_equal(TODO_JWT_HS512, todo_conf_jwt_alg(srv_conf(s)));
    set(s, dc, "TodoSQLiteSynchronous normal");
    assert_int_equal(TODO_DB_SYNC_NORMAL, todo_conf_synchronous(srv_conf(s)));
}

static void test_flag_and_string_directives(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *dc = srv_dir_conf(s);

    set(s, dc, "TodoAutoMigrate On");
    assert_int_equal(1, todo_conf_auto_migrate(srv_conf(s)));
    set(s, dc, "TodoAutoMigrate Off");
    assert_int_equal(0, todo_conf_auto_migrate(srv_conf(s)));
    set(s, dc, "TodoJWTIssuer https://issuer.example");
    assert_string_equal("https://issuer.example", srv_conf(s)->issuer);
}

static void test_rate_limit_directive_refuses_what_it_cannot_read(void **state)
{
    server_rec *s = TS_SERVER(state);
    todo_dir_conf_t *dc = srv_dir_conf(s);

    assert_string_equal("TodoRateLimit: the first argument must be "
                        "register, login, login-account or password",
                        directive(s, dc, NULL, "TodoRateLimit signup 1 1"));
    assert_non_null(directive(s, dc, NULL, "TodoRateLimit login -1 60"));
    assert_non_null(directive(s, dc, NULL, "TodoRateLimit login 5 0"));
    assert_non_null(directive(s, dc, NULL, "TodoRateLimit login 5 86401"));
    assert_non_null(directive(s, dc, "/api", "TodoRateLimit login 5 60"));
    assert_int_equal(10,
                     todo_conf_rate_limit(srv_conf(s), TODO_RL_LOGIN_IP).count);
}

static void test_secret_file_directive_reads_the_file(void **state)
{
    server_rec *s = TS_SERVER(state);
    apr_pool_t *p = TS_POOL(state);
    todo_dir_conf_t *dc = srv_dir_conf(s);
    const char *path =
        ts_write_file(p, "secret", SECRET "\n", sizeof(SECRET), 0600);
    const char *open =
        ts_write_file(p, "open", SECRET, sizeof(SECRET) - 1, 0644);
    todo_srv_conf_t *sc = srv_conf(s);
    const char *err;

    set(s, dc, apr_pstrcat(p, "TodoJWTSecretFile ", path, NULL));
    assert_string_equal(path, sc->secret_file);
    assert_int_equal(sizeof(SECRET) - 1, sc->secret_len);
    assert_memory_equal(SECRET, sc->secret, sc->secret_len);
    err = directive(s, dc, NULL,
                    apr_pstrcat(p, "TodoJWTSecretFile ", open, NULL));
    assert_non_null(strstr(err, "TodoJWTSecretFile: secret file "));
    assert_non_null(strstr(err, "readable or writable by group"));
    assert_string_equal(
        "TodoJWTSecretFile cannot occur within "
        "<Directory/Location/Files> section",
        directive(s, dc, "/api",
                  apr_pstrcat(p, "TodoJWTSecretFile ", path, NULL)));
    /* A relative path is below the ServerRoot. */
    err = directive(s, dc, NULL, "TodoJWTSecretFile no-such-secret");
    assert_non_null(strstr(err, STUB_SERVER_ROOT "/no-such-secret"));
}

static void test_verify_secret_files_add_up_to_three(void **state)
{
    server_rec *s = TS_SERVER(state);
    apr_pool_t *p = TS_POOL(state);
    todo_dir_conf_t *dc = srv_dir_conf(s);
    const char *path =
        ts_write_file(p, "old", SECRET "\n", sizeof(SECRET), 0600);
    const char *line = apr_pstrcat(p, "TodoJWTVerifySecretFile ", path, NULL);
    todo_srv_conf_t *sc = srv_conf(s);
    const todo_jwt_key_t *keys;
    int i;

    for (i = 0; i < TODO_JWT_MAX_VERIFY_KEYS; ++i) {
        set(s, dc, line);
    }
    assert_int_equal(TODO_JWT_MAX_VERIFY_KEYS, sc->verify_secrets->nelts);
    keys = (const todo_jwt_key_t *)sc->verify_secrets->elts;
    assert_int_equal(sizeof(SECRET) - 1, keys[2].len);
    assert_memory_equal(SECRET, keys[2].bytes, keys[2].len);
    assert_string_equal("TodoJWTVerifySecretFile: at most 3 verification "
                        "secrets: retire the oldest",
                        directive(s, dc, NULL, line));
    /* The signing secret, then these, reach the token keys. */
    sc->secret = (const unsigned char *)SECRET;
    sc->secret_len = sizeof(SECRET) - 1;
    sc->bcrypt_cost = 4;
    assert_null(todo_srv_conf_finish(p, sc));
    assert_int_equal(TODO_JWT_MAX_VERIFY_KEYS, sc->auth->jwt.n_verify_keys);
    assert_ptr_equal(keys[1].bytes, sc->auth->jwt.verify_keys[1].bytes);
}

static void test_finish_needs_a_secret_and_builds_the_keys(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    todo_srv_conf_t *sc = todo_srv_conf_create(p, NULL);

    assert_non_null(
        strstr(todo_srv_conf_finish(p, sc), "TodoJWTSecretFile is required"));
    assert_null(sc->auth);
    sc->secret = (const unsigned char *)SECRET;
    sc->secret_len = sizeof(SECRET) - 1;
    sc->bcrypt_cost = 4;
    sc->jwt_alg = TODO_JWT_HS384;
    sc->access_ttl = 60;
    sc->synchronous = TODO_DB_SYNC_NORMAL;
    assert_null(todo_srv_conf_finish(p, sc));
    assert_non_null(sc->auth);
    assert_int_equal(TODO_JWT_HS384, sc->auth->jwt.alg);
    assert_ptr_equal(sc->secret, sc->auth->jwt.key);
    assert_int_equal(60, sc->auth->access_ttl);
    assert_int_equal(2592000, sc->auth->refresh_ttl);
    assert_int_equal(4, sc->auth->bcrypt_cost);
    assert_non_null(sc->auth->dummy_hash);
    assert_int_equal(5000, sc->db_opts.busy_timeout_ms);
    assert_int_equal(TODO_DB_SYNC_NORMAL, sc->db_opts.synchronous);
}

int test_glue_config_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_metrics_allowed_by_default_to_loopback_only),
        TS_TEST(test_metrics_allow_list_replaces_loopback),
        TS_TEST(test_metrics_allow_local_all_and_none),
        TS_TEST(test_metrics_allow_of_a_location_overrides_the_server),
        TS_TEST(test_getters_of_an_unset_conf_give_the_table_defaults),
        TS_TEST(test_rate_limits_default_to_ten_a_minute),
        TS_TEST(test_srv_merge_takes_what_the_vhost_sets),
        TS_TEST(test_dir_merge_takes_what_the_section_sets),
        TS_TEST(test_same_tokens_compares_the_token_group),
        TS_TEST(test_same_tokens_compares_issuer_and_audience_by_value),
        TS_TEST(test_same_tokens_ignores_what_does_not_shape_tokens),
        TS_TEST(test_same_tokens_compares_the_secret_by_identity),
        TS_TEST(test_base_path_directive_drops_trailing_slashes),
        TS_TEST(test_int_directive_checks_range_and_context),
        TS_TEST(test_event_backlog_is_a_global_power_of_two),
        TS_TEST(test_max_body_size_is_set_per_directory),
        TS_TEST(test_choice_directive_names_the_words),
        TS_TEST(test_flag_and_string_directives),
        TS_TEST(test_rate_limit_directive_refuses_what_it_cannot_read),
        TS_TEST(test_secret_file_directive_reads_the_file),
        TS_TEST(test_verify_secret_files_add_up_to_three),
        TS_TEST(test_finish_needs_a_secret_and_builds_the_keys),
    };

    return cmocka_run_group_tests_name("mod_todo_config", tests, NULL, NULL);
}
