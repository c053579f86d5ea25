/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_config.h
 * @brief mod_todo's server and directory configuration.
 *
 * Fields start UNSET (-1 or NULL) and merge one line each; read them
 * through the accessors below, which apply the defaults.
 */
#ifndef MOD_TODO_CONFIG_H
#define MOD_TODO_CONFIG_H

#include <httpd.h>
#include <http_config.h>
#include <apr_global_mutex.h>

#include "todo_auth.h"
#include "todo_conf_parse.h"
#include "todo_metrics.h"
#include "todo_ratelimit.h"
#include "todo_sql.h"
#include "todo_store.h"
#include "todo_writer.h"

#define TODO_UNSET (-1)

/** Per virtual host. */
typedef struct todo_srv_conf_t {
    const char *secret_file;     /**< TodoJWTSecretFile */
    const unsigned char *secret; /**< its bytes, read at config time */
    apr_size_t secret_len;
    int jwt_alg;               /**< TodoJWTAlgorithm, todo_jwt_alg_t */
    const char *issuer;        /**< TodoJWTIssuer */
    const char *audience;      /**< TodoJWTAudience */
    apr_int64_t leeway;        /**< TodoJWTLeeway, seconds */
    apr_int64_t access_ttl;    /**< TodoAccessTokenLifetime */
    apr_int64_t refresh_ttl;   /**< TodoRefreshTokenLifetime */
    apr_int64_t refresh_grace; /**< TodoRefreshReuseGrace */
    int bcrypt_cost;           /**< TodoBcryptCost */
    int auto_migrate;          /**< TodoAutoMigrate */
    int busy_timeout_ms;       /**< TodoSQLiteBusyTimeout */
    const char *synchronous;   /**< TodoSQLiteSynchronous */
    int group_commit;          /**< TodoSQLiteGroupCommit, 0: off */
    /** TodoRateLimit, by todo_rl_kind_t (count TODO_UNSET: default) */
    todo_rl_rule_t rate_limits[TODO_RL_KINDS];
    apr_int64_t event_backlog;       /**< TodoEventBacklog, bytes */
    apr_int64_t heartbeat;           /**< TodoStreamHeartbeat, seconds */
    apr_int64_t streams_per_user;    /**< TodoStreamsPerUser */
    apr_int64_t streams_max;         /**< TodoStreamsMax */
    apr_int64_t streams_per_address; /**< TodoStreamsPerAddress */

    /* Filled in by post_config, read-only afterwards. */
    todo_auth_config_t *auth; /**< token settings and keys */
    const char *db_driver;    /**< DBDriver of this server */
    const char *db_params;    /**< DBDParams of this server */
    todo_dialect_t dialect;
    todo_db_opts_t db_opts;
    apr_global_mutex_t *write_lock; /**< SQLite writes, all processes */
    /** The <Location>s that set a handler (mod_todo_handler.c). */
    apr_array_header_t *handler_sections;

    /* Filled in by child_init, per process. */
    todo_writer_t *writer; /**< SQLite group commit, or NULL */
} todo_srv_conf_t;

/** Per directory/location. */
typedef struct todo_dir_conf_t {
    apr_int64_t max_body;  /**< TodoMaxBodySize, bytes */
    const char *base_path; /**< TodoBasePath */
    /** TodoMetricsAllow (NULL: unset, loopback only) */
    todo_ip_allow_t *metrics_allow;
} todo_dir_conf_t;

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

/** @return TodoMaxBodySize with its default applied */
apr_int64_t todo_conf_max_body(const todo_dir_conf_t *dc);

/** The realtime settings, defaults applied. */
apr_size_t todo_conf_event_backlog(const todo_srv_conf_t *sc);
apr_interval_time_t todo_conf_heartbeat(const todo_srv_conf_t *sc);
int todo_conf_streams_per_user(const todo_srv_conf_t *sc);
int todo_conf_streams_max(const todo_srv_conf_t *sc);
int todo_conf_streams_per_address(const todo_srv_conf_t *sc);

/** @return the TodoRateLimit rule of @a kind, default applied */
todo_rl_rule_t todo_conf_rate_limit(const todo_srv_conf_t *sc,
                                    todo_rl_kind_t kind);

/**
 * Fill sc->auth from the directives (defaults applied). Call in
 * post_config; takes one bcrypt's time.
 * @return NULL, or an error message naming the problem
 */
const char *todo_srv_conf_finish(apr_pool_t *p, todo_srv_conf_t *sc);

#endif /* MOD_TODO_CONFIG_H */
