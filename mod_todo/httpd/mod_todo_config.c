/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/*
 * The configuration: everything generated from the directive table in
 * todo_directives.h (members, create, merge, defaults, setters, help),
 * plus the few directives that need a setter of their own.
 */

#include <string.h>

#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>

#include "mod_todo_config.h"
#include "todo_conf_parse.h"
#include "todo_jwt.h"
#include "todo_password.h"

/* The table's defaults must be what the core calls them. */
_Static_assert(TODO_JWT_HS256 == 0 && TODO_JWT_HS384 == 1
                   && TODO_JWT_HS512 == 2,
               "TodoJWTAlgorithm's words are todo_jwt_alg_t's order");
_Static_assert(TODO_BCRYPT_COST_MIN == 4 && TODO_BCRYPT_COST_MAX == 31,
               "TodoBcryptCost's range is the core's");

/* The contract's rate limits: 10 a minute per client address for
 * registering and for logging in, and 10 a minute per account; password
 * changes (a bcrypt each, like a login) 10 a minute per account too.
 * TODO_SPECIAL_DEFAULTS spells the same. */
static const todo_rl_rule_t rate_limit_default = {10, APR_USEC_PER_SEC * 60};

static const char *const rate_limit_names[TODO_RL_KINDS] = {
    "register", "login", "login-account", "password"};

/* ---- create and merge, from the table ---- */

#define UNSET_MEMBER(name, member, ...) conf->member = TODO_UNSET;
#define MERGE_NUMBER(name, member, ...)                                        \
    conf->member = add->member == TODO_UNSET ? base->member : add->member;
#define MERGE_POINTER(name, member, ...)                                       \
    conf->member = add->member ? add->member : base->member;

void *todo_srv_conf_create(apr_pool_t *p, server_rec *s)
{
    todo_srv_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    int i;

    (void)s;
    TODO_SRV_INTS(UNSET_MEMBER)
    TODO_SRV_FLAGS(UNSET_MEMBER)
    TODO_SRV_CHOICES(UNSET_MEMBER)
    TODO_SRV_SIZES(UNSET_MEMBER)
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

    TODO_SRV_INTS(MERGE_NUMBER)
    TODO_SRV_FLAGS(MERGE_NUMBER)
    TODO_SRV_CHOICES(MERGE_NUMBER)
    TODO_SRV_STRINGS(MERGE_POINTER)
    TODO_SRV_SIZES(MERGE_NUMBER)
    MERGE_POINTER(TodoJWTSecretFile, secret_file)
    MERGE_POINTER(TodoJWTSecretFile, secret)
    conf->secret_len = add->secret ? add->secret_len : base->secret_len;
    MERGE_POINTER(TodoJWTVerifySecretFile, verify_secrets)
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
    TODO_DIR_SIZES(UNSET_MEMBER)
    return conf;
}

void *todo_dir_conf_merge(apr_pool_t *p, void *basev, void *addv)
{
    todo_dir_conf_t *base = basev, *add = addv;
    todo_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    TODO_DIR_SIZES(MERGE_NUMBER)
    MERGE_POINTER(TodoBasePath, base_path)
    MERGE_POINTER(TodoMetricsAllow, metrics_allow)
    return conf;
}

/* ---- reading it ---- */

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

todo_rl_rule_t todo_conf_rate_limit(const todo_srv_conf_t *sc,
                                    todo_rl_kind_t kind)
{
    return sc->rate_limits[kind].count == TODO_UNSET ? rate_limit_default
                                                     : sc->rate_limits[kind];
}

/* The TOKEN group, member by member; the secret by identity (two
 * servers read the same file into different buffers: they do not
 * share). */
#define TODO_IF_TOKEN(x) x
#define TODO_IF_NONE(x)
#define SAME_NUMBER(name, member, def, ...)                                    \
    if (todo_conf_##member(a) != todo_conf_##member(b)) {                      \
        return 0;                                                              \
    }
#define SAME_STRING(name, member, group, help)                                 \
    TODO_IF_##group(if ((a->member || b->member)                               \
                        && (!a->member || !b->member                           \
                            || strcmp(a->member, b->member))) { return 0; })
#define SAME_INT_IF_TOKEN(name, member, def, min, max, group, help)            \
    TODO_IF_##group(SAME_NUMBER(name, member, def))
#define SAME_CHOICE_IF_TOKEN(name, member, def, text, words, fold, group,      \
                             help)                                             \
    TODO_IF_##group(SAME_NUMBER(name, member, def))

int todo_conf_same_tokens(const todo_srv_conf_t *a, const todo_srv_conf_t *b)
{
    if (a->secret != b->secret || a->verify_secrets != b->verify_secrets) {
        return 0;
    }
    TODO_SRV_INTS(SAME_INT_IF_TOKEN)
    TODO_SRV_CHOICES(SAME_CHOICE_IF_TOKEN)
    TODO_SRV_STRINGS(SAME_STRING)
    return 1;
}

const char *todo_srv_conf_finish(apr_pool_t *p, todo_srv_conf_t *sc)
{
    todo_auth_config_t *auth = apr_pcalloc(p, sizeof(*auth));

    if (!sc->secret) {
        return "TodoJWTSecretFile is required: mod_todo signs and checks "
               "tokens with it (at least 32 bytes, mode 0600)";
    }
    auth->jwt.alg = (todo_jwt_alg_t)todo_conf_jwt_alg(sc);
    auth->jwt.key = sc->secret;
    auth->jwt.key_len = sc->secret_len;
    if (sc->verify_secrets) {
        auth->jwt.n_verify_keys = sc->verify_secrets->nelts;
        memcpy(auth->jwt.verify_keys, sc->verify_secrets->elts,
               sizeof(todo_jwt_key_t) * (apr_size_t)sc->verify_secrets->nelts);
    }
    auth->jwt.issuer = sc->issuer;
    auth->jwt.audience = sc->audience;
    auth->jwt.leeway = (long)todo_conf_leeway(sc);
    auth->access_ttl = (long)todo_conf_access_ttl(sc);
    auth->refresh_ttl = (long)todo_conf_refresh_ttl(sc);
    auth->refresh_grace = (long)todo_conf_refresh_grace(sc);
    auth->bcrypt_cost = (int)todo_conf_bcrypt_cost(sc);
    if (APR_SUCCESS != todo_auth_config_init(p, auth)) {
        return "cannot initialise token keys (bcrypt or RNG failure)";
    }
    sc->auth = auth;
    sc->db_opts.busy_timeout_ms = (int)todo_conf_busy_timeout_ms(sc);
    sc->db_opts.synchronous = todo_conf_synchronous(sc);
    return NULL;
}

/* ---- the generic setters: the table's row comes in cmd->info ---- */

typedef struct {
    apr_size_t offset;        /* of the member */
    int dir;                  /* a todo_dir_conf_t member */
    apr_int64_t min, max;     /* integers and sizes */
    int pow2, global;         /* sizes */
    const char *const *words; /* choices */
    int fold;                 /* choices */
} row_t;

static void *member_of(cmd_parms *cmd, void *dc, const row_t *row)
{
    char *conf = row->dir ? dc : (char *)todo_srv_conf_get(cmd->server);
    return conf + row->offset;
}

static const char *named(cmd_parms *cmd, const char *err)
{
    return err ? apr_pstrcat(cmd->pool, cmd->cmd->name, ": ", err, NULL) : NULL;
}

static const char *set_int(cmd_parms *cmd, void *dc, const char *arg)
{
    const row_t *row = cmd->info;
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);

    if (err) {
        return err;
    }
    return named(cmd, todo_parse_int_range(cmd->pool, arg, row->min, row->max,
                                           member_of(cmd, dc, row)));
}

static const char *set_size(cmd_parms *cmd, void *dc, const char *arg)
{
    const row_t *row = cmd->info;
    const char *err =
        row->global ? ap_check_cmd_context(cmd, GLOBAL_ONLY) : NULL;
    apr_int64_t v;

    if (!err) {
        err =
            named(cmd, todo_parse_size(cmd->pool, arg, row->min, row->max, &v));
    }
    if (!err && row->pow2 && (v & (v - 1))) {
        err = named(cmd, "must be a power of two (64K, 1M, 4M, ...)");
    }
    if (!err) {
        *(apr_int64_t *)member_of(cmd, dc, row) = v;
    }
    return err;
}

static const char *set_flag(cmd_parms *cmd, void *dc, int flag)
{
    *(int *)member_of(cmd, dc, cmd->info) = flag;
    return NULL;
}

static const char *set_choice(cmd_parms *cmd, void *dc, const char *arg)
{
    const row_t *row = cmd->info;
    const char *all = NULL;
    int i;

    for (i = 0; row->words[i]; ++i) {
        if (row->fold ? !strcasecmp(arg, row->words[i])
                      : !strcmp(arg, row->words[i])) {
            *(int *)member_of(cmd, dc, row) = i;
            return NULL;
        }
        all =
            all ? apr_pstrcat(cmd->pool, all, row->words[i + 1] ? ", " : " or ",
                              row->words[i], NULL)
                : row->words[i];
    }
    return named(cmd, apr_pstrcat(cmd->pool, "must be ", all, NULL));
}

static const char *set_string(cmd_parms *cmd, void *dc, const char *arg)
{
    *(const char **)member_of(cmd, dc, cmd->info) = arg;
    return NULL;
}

#define SRV_OFFSET(member) APR_OFFSETOF(todo_srv_conf_t, member)
#define ROW_INT(name, member, def, min, max, group, help)                      \
    static const row_t row_##member = {                                        \
        SRV_OFFSET(member), 0, min, max, 0, 0, NULL, 0};
#define ROW_SIZE(name, member, def, text, min, max, pow2, global, group, help) \
    static const row_t row_##member = {                                        \
        SRV_OFFSET(member), 0, min, max, pow2, global, NULL, 0};
#define ROW_DIR_SIZE(name, member, def, text, min, max, help)                  \
    static const row_t row_##member = {                                        \
        APR_OFFSETOF(todo_dir_conf_t, member), 1, min, max, 0, 0, NULL, 0};
#define ROW_FLAG(name, member, def, text, group, help)                         \
    static const row_t row_##member = {                                        \
        SRV_OFFSET(member), 0, 0, 0, 0, 0, NULL, 0};
#define ROW_CHOICE(name, member, def, text, words, fold, group, help)          \
    static const row_t row_##member = {                                        \
        SRV_OFFSET(member), 0, 0, 0, 0, 0, words, fold};
#define ROW_STRING(name, member, group, help)                                  \
    static const row_t row_##member = {                                        \
        SRV_OFFSET(member), 0, 0, 0, 0, 0, NULL, 0};
TODO_SRV_INTS(ROW_INT)
TODO_SRV_SIZES(ROW_SIZE)
TODO_DIR_SIZES(ROW_DIR_SIZE)
TODO_SRV_FLAGS(ROW_FLAG)
TODO_SRV_CHOICES(ROW_CHOICE)
TODO_SRV_STRINGS(ROW_STRING)

/* ---- the directives with a setter of their own ---- */

static todo_srv_conf_t *srv_of(cmd_parms *cmd)
{
    return todo_srv_conf_get(cmd->server);
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

static const char *todo_conf_add_verify_secret_file(cmd_parms *cmd, void *dc,
                                                    const char *arg)
{
    todo_srv_conf_t *sc = srv_of(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);
    todo_jwt_key_t key;

    (void)dc;
    if (err) {
        return err;
    }
    if (!path) {
        return named(cmd, "invalid path");
    }
    if (!sc->verify_secrets) {
        sc->verify_secrets = apr_array_make(cmd->pool, TODO_JWT_MAX_VERIFY_KEYS,
                                            sizeof(todo_jwt_key_t));
    }
    if (sc->verify_secrets->nelts >= TODO_JWT_MAX_VERIFY_KEYS) {
        return named(cmd, apr_psprintf(cmd->pool,
                                       "at most %d verification secrets: "
                                       "retire the oldest",
                                       TODO_JWT_MAX_VERIFY_KEYS));
    }
    err = todo_secret_load(cmd->pool, path, TODO_JWT_MIN_SECRET, &key.bytes,
                           &key.len);
    if (!err) {
        *(todo_jwt_key_t *)apr_array_push(sc->verify_secrets) = key;
    }
    return named(cmd, err);
}

static const char *todo_conf_set_rate_limit(cmd_parms *cmd, void *dc,
                                            const char *kind, const char *count,
                                            const char *seconds)
{
    apr_int64_t n, secs;
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);
    int i;

    (void)dc;
    for (i = 0; i < TODO_RL_KINDS && strcmp(kind, rate_limit_names[i]); ++i) {
    }
    if (!err && i == TODO_RL_KINDS) {
        err = named(cmd, "the first argument must be register, login, "
                         "login-account or password");
    }
    if (!err) {
        err =
            named(cmd, todo_parse_int_range(cmd->pool, count, 0, 1000000, &n));
    }
    if (!err) {
        err = named(cmd,
                    todo_parse_int_range(cmd->pool, seconds, 1, 86400, &secs));
    }
    if (!err) {
        srv_of(cmd)->rate_limits[i].count = (int)n;
        srv_of(cmd)->rate_limits[i].period = apr_time_from_sec(secs);
    }
    return err;
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

/* ---- the directive table: the generated rows, then the others ---- */

#define CMD_INT(name, member, def, min, max, group, help)                      \
    AP_INIT_TAKE1(#name, set_int, (void *)&row_##member, RSRC_CONF,            \
                  help " (default " #def ")"),
#define CMD_SIZE(name, member, def, text, min, max, pow2, global, group, help) \
    AP_INIT_TAKE1(#name, set_size, (void *)&row_##member, RSRC_CONF,           \
                  help " (default " text ")"),
#define CMD_DIR_SIZE(name, member, def, text, min, max, help)                  \
    AP_INIT_TAKE1(#name, set_size, (void *)&row_##member,                      \
                  RSRC_CONF | ACCESS_CONF, help " (default " text ")"),
#define CMD_FLAG(name, member, def, text, group, help)                         \
    AP_INIT_FLAG(#name, set_flag, (void *)&row_##member, RSRC_CONF,            \
                 help " (default " text ")"),
#define CMD_CHOICE(name, member, def, text, words, fold, group, help)          \
    AP_INIT_TAKE1(#name, set_choice, (void *)&row_##member, RSRC_CONF,         \
                  help " (default " text ")"),
#define CMD_STRING(name, member, group, help)                                  \
    AP_INIT_TAKE1(#name, set_string, (void *)&row_##member, RSRC_CONF,         \
                  help " (default: none)"),

/* The generated rows carry their own commas. */
/* clang-format off */
const command_rec todo_cmds[] = {
    TODO_SRV_INTS(CMD_INT) TODO_SRV_SIZES(CMD_SIZE) TODO_DIR_SIZES(CMD_DIR_SIZE)
        TODO_SRV_FLAGS(CMD_FLAG) TODO_SRV_CHOICES(CMD_CHOICE)
            TODO_SRV_STRINGS(CMD_STRING) AP_INIT_TAKE1(
                "TodoJWTSecretFile", todo_conf_set_secret_file, NULL, RSRC_CONF,
                "File holding the HMAC secret for tokens (>= 32 bytes, "
                "mode 0600; required)"),
    AP_INIT_TAKE1("TodoJWTVerifySecretFile", todo_conf_add_verify_secret_file,
                  NULL, RSRC_CONF,
                  "File holding a secret that tokens may still be signed "
                  "with (a rotation's previous one): checked, never used "
                  "to sign; up to 3 (default: none)"),
    AP_INIT_TAKE3("TodoRateLimit", todo_conf_set_rate_limit, NULL, RSRC_CONF,
                  "register|login|login-account|password COUNT SECONDS: at "
                  "most COUNT requests per SECONDS per client address (per "
                  "account for login-account and password changes); COUNT 0 "
                  "turns the limit off (default 10 60 each)"),
    AP_INIT_TAKE1("TodoBasePath", todo_conf_set_base_path, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "URL path the API is mounted at (default: the <Location> "
                  "whose SetHandler todo-api applies)"),
    AP_INIT_ITERATE("TodoMetricsAllow", todo_conf_set_metrics_allow, NULL,
                    RSRC_CONF | ACCESS_CONF,
                    "Client addresses that may read <mount>/metrics: local "
                    "(loopback), all, none, or addresses and address/bits "
                    "networks (default local)"),
    {NULL},
};
/* clang-format on */
