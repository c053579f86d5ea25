/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>

#include "mod_todo_config.h"
#include "todo_conf_parse.h"
#include "todo_directives.h"
#include "todo_jwt.h"
#include "todo_password.h"

/* The defaults, one comment each; docs/configuration.md repeats them. */
static const todo_srv_conf_t srv_defaults = {
    NULL,                     /* secret file: required */
    NULL,                     /* secret bytes */
    0,                        /* secret length */
    TODO_JWT_HS256,           /* JWT algorithm */
    NULL,                     /* issuer: none issued or checked */
    NULL,                     /* audience: none issued or checked */
    0,                        /* leeway: none */
    15 * 60,                  /* access token lifetime: 15 minutes */
    30 * 24 * 3600,           /* refresh token lifetime: 30 days */
    0,                        /* refresh reuse grace: off */
    TODO_BCRYPT_COST_DEFAULT, /* bcrypt cost */
    0,                        /* auto-migrate: off */
    5000,                     /* SQLite busy timeout, ms */
    "FULL",                   /* SQLite synchronous mode */
    64,                       /* SQLite group commit: 64 writes at most */
    {{0, 0}},                 /* rate limits: see rate_limit_default */
    4 * 1024 * 1024,          /* event backlog: 4 MiB (~10,000 events) */
    15,                       /* stream heartbeat, seconds */
    10,                       /* live streams per user */
    1000,                     /* live streams in all */
    20,                       /* live streams per client address */
    NULL,
    NULL,
    NULL,
    TODO_DIALECT_SQLITE3,
    {0, NULL},
    NULL,
    NULL,
    NULL,
};

#define TODO_MAX_BODY_DEFAULT (1024 * 1024)

/* The contract's rate limits: 10 a minute per client address for
 * registering and for logging in, and 10 a minute per account; password
 * changes (a bcrypt each, like a login) 10 a minute per account too. */
static const todo_rl_rule_t rate_limit_default = {10, APR_USEC_PER_SEC * 60};

static const char *const rate_limit_names[TODO_RL_KINDS] = {
    "register", "login", "login-account", "password"};

/* Take @a field from @a add unless it is unset there. */
#define TODO_MERGE(field)                                                      \
    conf->field = (add->field == (__typeof__(add->field))TODO_UNSET)           \
                      ? base->field                                            \
                      : add->field
#define TODO_MERGE_PTR(field)                                                  \
    conf->field = add->field ? add->field : base->field

void *todo_srv_conf_create(apr_pool_t *p, server_rec *s)
{
    todo_srv_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    int i;

    (void)s;
    conf->jwt_alg = TODO_UNSET;
    conf->leeway = TODO_UNSET;
    conf->access_ttl = TODO_UNSET;
    conf->refresh_ttl = TODO_UNSET;
    conf->refresh_grace = TODO_UNSET;
    conf->bcrypt_cost = TODO_UNSET;
    conf->auto_migrate = TODO_UNSET;
    conf->busy_timeout_ms = TODO_UNSET;
    conf->group_commit = TODO_UNSET;
    conf->event_backlog = TODO_UNSET;
    conf->heartbeat = TODO_UNSET;
    conf->streams_per_user = TODO_UNSET;
    conf->streams_max = TODO_UNSET;
    conf->streams_per_address = TODO_UNSET;
    for (i = 0; i < TODO_RL_KINDS; ++i) {
        conf->rate_limits[i].count = TODO_UNSET;
    }
    return conf;
}

void *todo_srv_conf_merge(apr_pool_t *p, void *basev, void *addv)
{
    todo_srv_conf_t *base = basev, *add = addv;
    todo_srv_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    int i;

    TODO_MERGE_PTR(secret_file);
    TODO_MERGE_PTR(secret);
    conf->secret_len = add->secret ? add->secret_len : base->secret_len;
    TODO_MERGE(jwt_alg);
    TODO_MERGE_PTR(issuer);
    TODO_MERGE_PTR(audience);
    TODO_MERGE(leeway);
    TODO_MERGE(access_ttl);
    TODO_MERGE(refresh_ttl);
    TODO_MERGE(refresh_grace);
    TODO_MERGE(bcrypt_cost);
    TODO_MERGE(auto_migrate);
    TODO_MERGE(busy_timeout_ms);
    TODO_MERGE_PTR(synchronous);
    TODO_MERGE(group_commit);
    TODO_MERGE(event_backlog);
    TODO_MERGE(heartbeat);
    TODO_MERGE(streams_per_user);
    TODO_MERGE(streams_max);
    TODO_MERGE(streams_per_address);
    for (i = 0; i < TODO_RL_KINDS; ++i) {
        conf->rate_limits[i] = add->rate_limits[i].count == TODO_UNSET
                                   ? base->rate_limits[i]
                                   : add->rate_limits[i];
    }
    return conf;
}

void *todo_dir_conf_create(apr_pool_t *p, char *dir)
{
    todo_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dir;
    conf->max_body = TODO_UNSET;
    return conf;
}

void *todo_dir_conf_merge(apr_pool_t *p, void *basev, void *addv)
{
    todo_dir_conf_t *base = basev, *add = addv;
    todo_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    TODO_MERGE(max_body);
    TODO_MERGE_PTR(base_path);
    TODO_MERGE_PTR(metrics_allow);
    return conf;
}

todo_srv_conf_t *todo_srv_conf_get(server_rec *s)
{
    return ap_get_module_config(s->module_config, &todo_module);
}

todo_dir_conf_t *todo_dir_conf_get(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &todo_module);
}

int todo_conf_metrics_allowed(const todo_dir_conf_t *dc, request_rec *r)
{
    static const todo_ip_allow_t local = {0, 1, NULL};

    return todo_ip_allowed(dc->metrics_allow ? dc->metrics_allow : &local,
                           r->useragent_addr);
}

apr_int64_t todo_conf_max_body(const todo_dir_conf_t *dc)
{
    return dc->max_body == TODO_UNSET ? TODO_MAX_BODY_DEFAULT : dc->max_body;
}

todo_rl_rule_t todo_conf_rate_limit(const todo_srv_conf_t *sc,
                                    todo_rl_kind_t kind)
{
    return sc->rate_limits[kind].count == TODO_UNSET ? rate_limit_default
                                                     : sc->rate_limits[kind];
}

#define SRV_OR_DEFAULT(sc, field)                                              \
    ((sc)->field == (__typeof__((sc)->field))TODO_UNSET ? srv_defaults.field   \
                                                        : (sc)->field)

apr_size_t todo_conf_event_backlog(const todo_srv_conf_t *sc)
{
    return (apr_size_t)SRV_OR_DEFAULT(sc, event_backlog);
}

apr_interval_time_t todo_conf_heartbeat(const todo_srv_conf_t *sc)
{
    return apr_time_from_sec(SRV_OR_DEFAULT(sc, heartbeat));
}

int todo_conf_streams_per_user(const todo_srv_conf_t *sc)
{
    return (int)SRV_OR_DEFAULT(sc, streams_per_user);
}

int todo_conf_streams_max(const todo_srv_conf_t *sc)
{
    return (int)SRV_OR_DEFAULT(sc, streams_max);
}

int todo_conf_streams_per_address(const todo_srv_conf_t *sc)
{
    return (int)SRV_OR_DEFAULT(sc, streams_per_address);
}

const char *todo_srv_conf_finish(apr_pool_t *p, todo_srv_conf_t *sc)
{
    todo_auth_config_t *auth = apr_pcalloc(p, sizeof(*auth));

    if (!sc->secret) {
        return TodoJWTSecretFile " is required: mod_todo signs and checks "
                                 "tokens with it (at least 32 bytes, mode "
                                 "0600)";
    }
    auth->jwt.alg = (todo_jwt_alg_t)SRV_OR_DEFAULT(sc, jwt_alg);
    auth->jwt.key = sc->secret;
    auth->jwt.key_len = sc->secret_len;
    auth->jwt.issuer = sc->issuer;
    auth->jwt.audience = sc->audience;
    auth->jwt.leeway = (long)SRV_OR_DEFAULT(sc, leeway);
    auth->access_ttl = (long)SRV_OR_DEFAULT(sc, access_ttl);
    auth->refresh_ttl = (long)SRV_OR_DEFAULT(sc, refresh_ttl);
    auth->refresh_grace = (long)SRV_OR_DEFAULT(sc, refresh_grace);
    auth->bcrypt_cost = SRV_OR_DEFAULT(sc, bcrypt_cost);
    if (APR_SUCCESS != todo_auth_config_init(p, auth)) {
        return "cannot initialise token keys (bcrypt or RNG failure)";
    }
    sc->auth = auth;
    sc->db_opts.busy_timeout_ms = SRV_OR_DEFAULT(sc, busy_timeout_ms);
    sc->db_opts.synchronous =
        sc->synchronous ? sc->synchronous : srv_defaults.synchronous;
    sc->group_commit = SRV_OR_DEFAULT(sc, group_commit);
    if (sc->auto_migrate == TODO_UNSET) {
        sc->auto_migrate = srv_defaults.auto_migrate;
    }
    return NULL;
}

/* ---- directive handlers: one per directive, each delegating to a pure
 * parser from todo_conf_parse.h ---- */

static todo_srv_conf_t *srv_of(cmd_parms *cmd)
{
    return todo_srv_conf_get(cmd->server);
}

static const char *named(cmd_parms *cmd, const char *err)
{
    return err ? apr_pstrcat(cmd->pool, cmd->cmd->name, ": ", err, NULL) : NULL;
}

static const char *set_int(cmd_parms *cmd, const char *arg, apr_int64_t min,
                           apr_int64_t max, apr_int64_t *pval)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);
    if (err) {
        return err;
    }
    return named(cmd, todo_parse_int_range(cmd->pool, arg, min, max, pval));
}

static const char *todo_conf_set_secret_file(cmd_parms *cmd, void *dc,
                                             const char *arg)
{
    todo_srv_conf_t *sc = srv_of(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);

    (void)dc;
    if (err) {
        return err;
    }
    if (!path) {
        return named(cmd, "invalid path");
    }
    sc->secret_file = path;
    return named(cmd, todo_secret_load(cmd->pool, path, TODO_JWT_MIN_SECRET,
                                       &sc->secret, &sc->secret_len));
}

static const char *todo_conf_set_jwt_alg(cmd_parms *cmd, void *dc,
                                         const char *arg)
{
    todo_jwt_alg_t alg;

    (void)dc;
    if (APR_SUCCESS != todo_jwt_alg_parse(arg, &alg)) {
        return named(cmd, "must be HS256, HS384 or HS512");
    }
    srv_of(cmd)->jwt_alg = (int)alg;
    return NULL;
}

static const char *todo_conf_set_issuer(cmd_parms *cmd, void *dc,
                                        const char *arg)
{
    (void)dc;
    srv_of(cmd)->issuer = arg;
    return NULL;
}

static const char *todo_conf_set_audience(cmd_parms *cmd, void *dc,
                                          const char *arg)
{
    (void)dc;
    srv_of(cmd)->audience = arg;
    return NULL;
}

static const char *todo_conf_set_leeway(cmd_parms *cmd, void *dc,
                                        const char *arg)
{
    (void)dc;
    return set_int(cmd, arg, 0, 300, &srv_of(cmd)->leeway);
}

static const char *todo_conf_set_access_ttl(cmd_parms *cmd, void *dc,
                                            const char *arg)
{
    (void)dc;
    return set_int(cmd, arg, 10, 24 * 3600, &srv_of(cmd)->access_ttl);
}

static const char *todo_conf_set_refresh_ttl(cmd_parms *cmd, void *dc,
                                             const char *arg)
{
    (void)dc;
    return set_int(cmd, arg, 60, 365 * 24 * 3600, &srv_of(cmd)->refresh_ttl);
}

static const char *todo_conf_set_refresh_grace(cmd_parms *cmd, void *dc,
                                               const char *arg)
{
    (void)dc;
    return set_int(cmd, arg, 0, 300, &srv_of(cmd)->refresh_grace);
}

static const char *todo_conf_set_bcrypt_cost(cmd_parms *cmd, void *dc,
                                             const char *arg)
{
    apr_int64_t v;
    const char *err;

    (void)dc;
    err = set_int(cmd, arg, TODO_BCRYPT_COST_MIN, TODO_BCRYPT_COST_MAX, &v);
    if (!err) {
        srv_of(cmd)->bcrypt_cost = (int)v;
    }
    return err;
}

static const char *todo_conf_set_auto_migrate(cmd_parms *cmd, void *dc,
                                              int flag)
{
    (void)dc;
    srv_of(cmd)->auto_migrate = flag;
    return NULL;
}

static const char *todo_conf_set_busy_timeout(cmd_parms *cmd, void *dc,
                                              const char *arg)
{
    apr_int64_t v;
    const char *err;

    (void)dc;
    err = set_int(cmd, arg, 0, 60000, &v);
    if (!err) {
        srv_of(cmd)->busy_timeout_ms = (int)v;
    }
    return err;
}

static const char *todo_conf_set_group_commit(cmd_parms *cmd, void *dc,
                                              const char *arg)
{
    apr_int64_t v;
    const char *err;

    (void)dc;
    err = set_int(cmd, arg, 0, 1000, &v);
    if (!err) {
        srv_of(cmd)->group_commit = (int)v;
    }
    return err;
}

static const char *todo_conf_set_synchronous(cmd_parms *cmd, void *dc,
                                             const char *arg)
{
    (void)dc;
    if (!strcasecmp(arg, "FULL")) {
        srv_of(cmd)->synchronous = "FULL";
    }
    else if (!strcasecmp(arg, "NORMAL")) {
        srv_of(cmd)->synchronous = "NORMAL";
    }
    else {
        return named(cmd, "must be FULL or NORMAL");
    }
    return NULL;
}

static const char *todo_conf_set_rate_limit(cmd_parms *cmd, void *dc,
                                            const char *kind, const char *count,
                                            const char *seconds)
{
    apr_int64_t n, secs;
    const char *err;
    int i;

    (void)dc;
    for (i = 0; i < TODO_RL_KINDS && strcmp(kind, rate_limit_names[i]); ++i) {
    }
    if (i == TODO_RL_KINDS) {
        return named(cmd, "the first argument must be register, login, "
                          "login-account or password");
    }
    err = set_int(cmd, count, 0, 1000000, &n);
    if (!err) {
        err = set_int(cmd, seconds, 1, 86400, &secs);
    }
    if (!err) {
        srv_of(cmd)->rate_limits[i].count = (int)n;
        srv_of(cmd)->rate_limits[i].period = apr_time_from_sec(secs);
    }
    return err;
}

static const char *todo_conf_set_event_backlog(cmd_parms *cmd, void *dc,
                                               const char *arg)
{
    apr_int64_t v;
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    (void)dc;
    if (!err) {
        err = named(cmd, todo_parse_size(cmd->pool, arg, 64 * 1024,
                                         (apr_int64_t)1024 * 1024 * 1024, &v));
    }
    if (!err && (v & (v - 1))) {
        err = named(cmd, "must be a power of two (64K, 1M, 4M, ...)");
    }
    if (!err) {
        srv_of(cmd)->event_backlog = v;
    }
    return err;
}

static const char *todo_conf_set_heartbeat(cmd_parms *cmd, void *dc,
                                           const char *arg)
{
    (void)dc;
    return set_int(cmd, arg, 1, 3600, &srv_of(cmd)->heartbeat);
}

static const char *todo_conf_set_streams_per_user(cmd_parms *cmd, void *dc,
                                                  const char *arg)
{
    (void)dc;
    return set_int(cmd, arg, 1, 10000, &srv_of(cmd)->streams_per_user);
}

static const char *todo_conf_set_streams_max(cmd_parms *cmd, void *dc,
                                             const char *arg)
{
    (void)dc;
    return set_int(cmd, arg, 1, 1000000, &srv_of(cmd)->streams_max);
}

static const char *todo_conf_set_streams_per_address(cmd_parms *cmd, void *dc,
                                                     const char *arg)
{
    (void)dc;
    return set_int(cmd, arg, 1, 1000000, &srv_of(cmd)->streams_per_address);
}

static const char *todo_conf_set_max_body(cmd_parms *cmd, void *dcv,
                                          const char *arg)
{
    todo_dir_conf_t *dc = dcv;
    return named(cmd,
                 todo_parse_size(cmd->pool, arg, 1024,
                                 (apr_int64_t)64 * 1024 * 1024, &dc->max_body));
}

static const char *todo_conf_set_base_path(cmd_parms *cmd, void *dcv,
                                           const char *arg)
{
    todo_dir_conf_t *dc = dcv;
    apr_size_t len = strlen(arg);

    if (arg[0] != '/') {
        return named(cmd, "must be an absolute URL path such as /api/v1");
    }
    while (len > 1 && arg[len - 1] == '/') {
        --len;
    }
    dc->base_path = apr_pstrndup(cmd->pool, arg, len == 1 ? 0 : len);
    return NULL;
}

static const char *todo_conf_set_metrics_allow(cmd_parms *cmd, void *dcv,
                                               const char *arg)
{
    todo_dir_conf_t *dc = dcv;

    if (!dc->metrics_allow) {
        dc->metrics_allow = apr_pcalloc(cmd->pool, sizeof(*dc->metrics_allow));
    }
    return named(cmd, todo_parse_ip_allow(cmd->pool, arg, dc->metrics_allow));
}

const command_rec todo_cmds[] = {
    AP_INIT_TAKE1(TodoJWTSecretFile, todo_conf_set_secret_file, NULL, RSRC_CONF,
                  "File holding the HMAC secret for tokens (>= 32 bytes, mode "
                  "0600)"),
    AP_INIT_TAKE1(TodoJWTAlgorithm, todo_conf_set_jwt_alg, NULL, RSRC_CONF,
                  "JWT algorithm: HS256 (default), HS384 or HS512"),
    AP_INIT_TAKE1(TodoJWTIssuer, todo_conf_set_issuer, NULL, RSRC_CONF,
                  "The iss claim to issue and require"),
    AP_INIT_TAKE1(TodoJWTAudience, todo_conf_set_audience, NULL, RSRC_CONF,
                  "The aud claim to issue and require"),
    AP_INIT_TAKE1(TodoJWTLeeway, todo_conf_set_leeway, NULL, RSRC_CONF,
                  "Seconds of clock skew tolerated on exp/nbf (default 0)"),
    AP_INIT_TAKE1(TodoAccessTokenLifetime, todo_conf_set_access_ttl, NULL,
                  RSRC_CONF, "Access token lifetime in seconds (default 900)"),
    AP_INIT_TAKE1(TodoRefreshTokenLifetime, todo_conf_set_refresh_ttl, NULL,
                  RSRC_CONF,
                  "Refresh token lifetime in seconds (default 2592000)"),
    AP_INIT_TAKE1(TodoRefreshReuseGrace, todo_conf_set_refresh_grace, NULL,
                  RSRC_CONF,
                  "Seconds in which a just-rotated refresh token returns the "
                  "same successor (default 0: off)"),
    AP_INIT_TAKE1(TodoBcryptCost, todo_conf_set_bcrypt_cost, NULL, RSRC_CONF,
                  "bcrypt cost for password hashes, 4-31 (default 12)"),
    AP_INIT_FLAG(TodoAutoMigrate, todo_conf_set_auto_migrate, NULL, RSRC_CONF,
                 "Apply pending schema migrations at startup (default Off)"),
    AP_INIT_TAKE1(TodoSQLiteBusyTimeout, todo_conf_set_busy_timeout, NULL,
                  RSRC_CONF,
                  "Milliseconds a SQLite connection waits for a lock (default "
                  "5000)"),
    AP_INIT_TAKE1(TodoSQLiteSynchronous, todo_conf_set_synchronous, NULL,
                  RSRC_CONF,
                  "SQLite synchronous mode: FULL (default) or NORMAL"),
    AP_INIT_TAKE1(TodoSQLiteGroupCommit, todo_conf_set_group_commit, NULL,
                  RSRC_CONF,
                  "Most SQLite writes committed together, each durable before "
                  "its response (default 64; 0: one commit per write)"),
    AP_INIT_TAKE3(TodoRateLimit, todo_conf_set_rate_limit, NULL, RSRC_CONF,
                  "register|login|login-account|password COUNT SECONDS: at "
                  "most COUNT requests per SECONDS per client address (per "
                  "account for login-account and password changes); COUNT 0 "
                  "turns the limit off (default 10 60 each)"),
    AP_INIT_TAKE1(TodoEventBacklog, todo_conf_set_event_backlog, NULL,
                  RSRC_CONF,
                  "Bytes of recent events kept for SSE resumption, a power of "
                  "two (default 4M; server-wide)"),
    AP_INIT_TAKE1(TodoStreamHeartbeat, todo_conf_set_heartbeat, NULL, RSRC_CONF,
                  "Seconds between heartbeats on idle streams (default 15)"),
    AP_INIT_TAKE1(TodoStreamsPerUser, todo_conf_set_streams_per_user, NULL,
                  RSRC_CONF, "Live event streams per user (default 10)"),
    AP_INIT_TAKE1(TodoStreamsMax, todo_conf_set_streams_max, NULL, RSRC_CONF,
                  "Live event streams in all (default 1000; never more than "
                  "the MPM's threads can hold with a quarter kept for "
                  "requests)"),
    AP_INIT_TAKE1(TodoStreamsPerAddress, todo_conf_set_streams_per_address,
                  NULL, RSRC_CONF,
                  "Live event streams per client address (default 20)"),
    AP_INIT_TAKE1(TodoMaxBodySize, todo_conf_set_max_body, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "Largest request body accepted (default 1M)"),
    AP_INIT_TAKE1(TodoBasePath, todo_conf_set_base_path, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "URL path the API is mounted at (default: the enclosing "
                  "<Location>)"),
    AP_INIT_ITERATE(TodoMetricsAllow, todo_conf_set_metrics_allow, NULL,
                    RSRC_CONF | ACCESS_CONF,
                    "Client addresses that may read <mount>/metrics: local "
                    "(default: loopback), all, none, or addresses and "
                    "address/bits networks"),
    {NULL},
};
