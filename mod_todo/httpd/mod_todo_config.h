/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_config.h
 * @brief mod_todo's server and directory configuration.
 *
 * The members come from the directive table (todo_directives.h): they
 * start UNSET (-1 or NULL), merge in one generated line each, and are
 * read through generated getters that apply the defaults.
 */
#ifndef MOD_TODO_CONFIG_H
#define MOD_TODO_CONFIG_H

#include <httpd.h>
#include <http_config.h>
#include <apr_global_mutex.h>

#include "todo_auth.h"
#include "todo_conf_parse.h"
#include "todo_directives.h"
#include "todo_metrics.h"
#include "todo_ratelimit.h"
#include "todo_sql.h"
#include "todo_store.h"
#include "todo_writer.h"

#define TODO_UNSET (-1)

/* One member per directive of todo_directives.h, TODO_UNSET (or NULL)
 * until a directive sets it; the getters below apply the defaults. */
#define TODO_FIELD_I64(name, member, ...) apr_int64_t member;
#define TODO_FIELD_INT(name, member, ...) int member;
#define TODO_FIELD_STR(name, member, ...) const char *member;

/** Per virtual host. */
typedef struct todo_srv_conf_t {
    TODO_SRV_INTS(TODO_FIELD_I64)
    TODO_SRV_FLAGS(TODO_FIELD_INT)
    TODO_SRV_CHOICES(TODO_FIELD_INT)
    TODO_SRV_STRINGS(TODO_FIELD_STR)
    TODO_SRV_SIZES(TODO_FIELD_I64)
    const char *secret_file;     /**< TodoJWTSecretFile */
    const unsigned char *secret; /**< its bytes, read at config time */
    apr_size_t secret_len;
    /** TodoJWTVerifySecretFile: todo_jwt_key_t each, or NULL */
    apr_array_header_t *verify_secrets;
    /** TodoRateLimit, by todo_rl_kind_t (count TODO_UNSET: default) */
    todo_rl_rule_t rate_limits[TODO_RL_KINDS];

    /* Filled in by check_config and post_config, read-only afterwards. */
    /** mod_todo serves this server (todo_dbd_mark_used): the others, and
     * their mod_dbd configuration, are left alone */
    int used;
    todo_auth_config_t *auth; /**< token settings and keys */
    const char *db_driver;    /**< DBDriver of this server */
    const char *db_params;    /**< DBDParams of this server */
    todo_dialect_t dialect;
    todo_db_opts_t db_opts;
    apr_global_mutex_t *write_lock; /**< SQLite writes, all processes */
    /** The <Location>s that set a handler (mod_todo_handler.c). */
    apr_array_header_t *handler_sections;

    /* Filled in by child_init, per process. */
    todo_writer_t *writer; /**< group commit, or NULL */
    /** The writer's create checks the session in its own statement
     * (PostgreSQL): POST /tasks verifies only the token first. */
    int writer_checks_session;
    /* Set at run time, per process. */
    int mount_warned; /**< MT00018 has been said */
} todo_srv_conf_t;

/** Per directory/location. */
typedef struct todo_dir_conf_t {
    TODO_DIR_SIZES(TODO_FIELD_I64)
    const char *base_path; /**< TodoBasePath */
    /** TodoMetricsAllow (NULL: unset, loopback only) */
    todo_ip_allow_t *metrics_allow;
} todo_dir_conf_t;

/* Getters, defaults applied: todo_conf_<member>(sc) for every integer,
 * size, flag and choice (a choice's index in its word list). */
#define TODO_GETTER_I64(name, member, def, ...)                                \
    static APR_INLINE apr_int64_t todo_conf_##member(                          \
        const todo_srv_conf_t *sc)                                             \
    {                                                                          \
        return sc->member == TODO_UNSET ? (apr_int64_t)(def) : sc->member;     \
    }
#define TODO_GETTER_INT(name, member, def, ...)                                \
    static APR_INLINE int todo_conf_##member(const todo_srv_conf_t *sc)        \
    {                                                                          \
        return sc->member == TODO_UNSET ? (def) : sc->member;                  \
    }
#define TODO_GETTER_DIR(name, member, def, ...)                                \
    static APR_INLINE apr_int64_t todo_conf_##member(                          \
        const todo_dir_conf_t *dc)                                             \
    {                                                                          \
        return dc->member == TODO_UNSET ? (apr_int64_t)(def) : dc->member;     \
    }
TODO_SRV_INTS(TODO_GETTER_I64)
TODO_SRV_SIZES(TODO_GETTER_I64)
TODO_SRV_FLAGS(TODO_GETTER_INT)
TODO_SRV_CHOICES(TODO_GETTER_INT)
TODO_DIR_SIZES(TODO_GETTER_DIR)

extern module AP_MODULE_DECLARE_DATA todo_module;

/** The directive table. */
extern const command_rec todo_cmds[];

void *todo_srv_conf_create(apr_pool_t *p, server_rec *s);
void *todo_srv_conf_merge(apr_pool_t *p, void *basev, void *addv);
void *todo_dir_conf_create(apr_pool_t *p, char *dir);
void *todo_dir_conf_merge(apr_pool_t *p, void *basev, void *addv);

/** @return the server config of @a s */
todo_srv_conf_t *todo_srv_conf_get(server_rec *s);

/** @return the merged directory config of @a r */
todo_dir_conf_t *todo_dir_conf_get(request_rec *r);

/** @return 1 if the client of @a r may read the metrics
 * (TodoMetricsAllow, default: loopback only) */
int todo_conf_metrics_allowed(const todo_dir_conf_t *dc, request_rec *r);

/** @return the TodoRateLimit rule of @a kind, default applied */
todo_rl_rule_t todo_conf_rate_limit(const todo_srv_conf_t *sc,
                                    todo_rl_kind_t kind);

/**
 * @return 1 if @a a and @a b have the same token settings (the TOKEN
 *         group of todo_directives.h, and the secret): they may share one
 *         todo_auth_config_t
 */
int todo_conf_same_tokens(const todo_srv_conf_t *a, const todo_srv_conf_t *b);

/**
 * Fill sc->auth from the directives (defaults applied). Call in
 * post_config; takes one bcrypt's time.
 * @return NULL, or an error message naming the problem
 */
const char *todo_srv_conf_finish(apr_pool_t *p, todo_srv_conf_t *sc);

#endif /* MOD_TODO_CONFIG_H */
