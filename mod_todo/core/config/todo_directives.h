/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_directives.h
 * @brief Every directive of mod_todo, written once: its name, the config
 * member it sets, its default, its range and its help.
 *
 * The lists below are X-macros (in the manner of mod_auth_openidc's
 * config members). mod_todo_config.c expands them into the config
 * structs, their create and merge functions, the default-applying
 * getters, the directive table (whose help strings end in the default),
 * and the test of whether two virtual hosts may share one set of token
 * keys. scripts/check.sh expands TODO_DIRECTIVE_NAMES and
 * TODO_DIRECTIVE_DEFAULTS with the C preprocessor and checks that
 * docs/configuration.md and conf/todo.conf name every directive and show
 * these very defaults. So a default changes in one place.
 *
 * Columns, per list:
 *   name     the directive (an identifier; its string is #name)
 *   member   the field of todo_srv_conf_t / todo_dir_conf_t it sets
 *   def      the default, as C
 *   text     the default as a directive spells it ("4M", "Off", "HS256")
 *   min, max the accepted range (integers, sizes)
 *   group    TOKEN for what shapes tokens (virtual hosts whose TOKEN
 *            settings are all equal share keys and the dummy hash), else
 *            NONE
 *   help     what it does, without its default (appended)
 *
 * This header is part of the core: no httpd header, no other include.
 */
#ifndef TODO_DIRECTIVES_H
#define TODO_DIRECTIVES_H

/** Integers in [min, max], per server: X(name, member, def, min, max,
 * group, help). Members are apr_int64_t. */
#define TODO_SRV_INTS(X)                                                       \
    X(TodoJWTLeeway, leeway, 0, 0, 300, TOKEN,                                 \
      "Seconds of clock skew tolerated on exp, nbf and iat")                   \
    X(TodoAccessTokenLifetime, access_ttl, 900, 10, 86400, TOKEN,              \
      "Access token lifetime in seconds")                                      \
    X(TodoRefreshTokenLifetime, refresh_ttl, 2592000, 60, 31536000, TOKEN,     \
      "Refresh token lifetime in seconds")                                     \
    X(TodoRefreshReuseGrace, refresh_grace, 0, 0, 300, TOKEN,                  \
      "Seconds in which a just-rotated refresh token returns the same "        \
      "successor (0: off)")                                                    \
    X(TodoBcryptCost, bcrypt_cost, 12, 4, 31, TOKEN,                           \
      "bcrypt cost for password hashes, 4-31")                                 \
    X(TodoSQLiteBusyTimeout, busy_timeout_ms, 5000, 0, 60000, NONE,            \
      "Milliseconds a SQLite connection waits for a lock")                     \
    X(TodoSQLiteGroupCommit, group_commit, 64, 0, 1000, NONE,                  \
      "Most SQLite writes committed together, each durable before its "        \
      "response (0: one commit per write)")                                    \
    X(TodoPostgreSQLGroupCommit, pg_group_commit, 64, 0, 1000, NONE,           \
      "Most PostgreSQL task writes committed together on a connection of "     \
      "each process's own, each durable before its response (0: one commit "   \
      "per write, on the pool's connections)")                                 \
    X(TodoEventRetention, event_retention, 86400, 60, 31536000, NONE,          \
      "Seconds task events are kept in the database, for SSE resumption "      \
      "(server-wide)")                                                         \
    X(TodoStreamHeartbeat, heartbeat, 15, 1, 3600, NONE,                       \
      "Seconds between heartbeats on every stream")                            \
    X(TodoStreamsPerUser, streams_per_user, 10, 1, 10000, NONE,                \
      "Live event streams per user")                                           \
    X(TodoStreamsPerAddress, streams_per_address, 20, 1, 1000000, NONE,        \
      "Live event streams per client address")                                 \
    X(TodoStreamsMax, streams_max, 1000, 1, 1000000, NONE,                     \
      "Live event streams in all (never more than three quarters of the "      \
      "MPM's threads)")

/** On or Off, per server: X(name, member, def, text, group, help).
 * Members are int. */
#define TODO_SRV_FLAGS(X)                                                      \
    X(TodoAutoMigrate, auto_migrate, 0, "Off", NONE,                           \
      "Apply pending schema migrations at startup")

/** One word of a list, per server: X(name, member, def, text, words,
 * fold, group, help). words is the core's NULL-terminated list of them
 * (its declaration is in the header of the code that reads the value);
 * the member (int) is the word's index; fold 1 compares without ASCII
 * case. */
#define TODO_SRV_CHOICES(X)                                                    \
    X(TodoJWTAlgorithm, jwt_alg, 0, "HS256", todo_jwt_alg_names, 0, TOKEN,     \
      "JWT algorithm: HS256, HS384 or HS512")                                  \
    X(TodoSQLiteSynchronous, synchronous, 0, "FULL",                           \
      todo_db_synchronous_names, 1, NONE,                                      \
      "SQLite synchronous mode: FULL or NORMAL")

/** Free text, per server, no default: X(name, member, group, help). */
#define TODO_SRV_STRINGS(X)                                                    \
    X(TodoJWTIssuer, issuer, TOKEN, "The iss claim to issue and require")      \
    X(TodoJWTAudience, audience, TOKEN, "The aud claim to issue and require")

/** Byte sizes with K, M or G, per server: X(name, member, def, text, min,
 * max, pow2, global, group, help). pow2: must be a power of two; global:
 * only outside virtual hosts. Members are apr_int64_t. */
#define TODO_SRV_SIZES(X)                                                      \
    X(TodoEventBacklog, event_backlog, 4194304, "4M", 65536, 1073741824, 1, 1, \
      NONE,                                                                    \
      "Bytes of recent events kept for SSE resumption, a power of two "        \
      "(server-wide)")

/** Byte sizes, per directory: X(name, member, def, text, min, max, help). */
#define TODO_DIR_SIZES(X)                                                      \
    X(TodoMaxBodySize, max_body, 1048576, "1M", 1024, 67108864,                \
      "Largest request body accepted")

/** The directives with a setter of their own (mod_todo_config.c): their
 * names, for the documentation checks. */
#define TODO_SPECIAL_NAMES(X)                                                  \
    X(TodoJWTSecretFile)                                                       \
    X(TodoJWTVerifySecretFile)                                                 \
    X(TodoRateLimit)                                                           \
    X(TodoBasePath)                                                            \
    X(TodoMetricsAllow)

/** ... and their defaults, as they are written (a directive may have
 * several lines): X(name, text). */
#define TODO_SPECIAL_DEFAULTS(X)                                               \
    X(TodoRateLimit, "register 10 60")                                         \
    X(TodoRateLimit, "login 10 60")                                            \
    X(TodoRateLimit, "login-account 10 60")                                    \
    X(TodoRateLimit, "password 10 60")                                         \
    X(TodoMetricsAllow, "local")

/* ---- for scripts/check.sh ---- */

#define TODO_NAME_OF_INT(name, ...) X_NAME(name)
#define TODO_NAME_OF_SPECIAL(name) X_NAME(name)

/** Every directive's name: X_NAME(name) each. */
#define TODO_DIRECTIVE_NAMES()                                                 \
    TODO_SRV_INTS(TODO_NAME_OF_INT)                                            \
    TODO_SRV_FLAGS(TODO_NAME_OF_INT)                                           \
    TODO_SRV_CHOICES(TODO_NAME_OF_INT)                                         \
    TODO_SRV_STRINGS(TODO_NAME_OF_INT)                                         \
    TODO_SRV_SIZES(TODO_NAME_OF_INT)                                           \
    TODO_DIR_SIZES(TODO_NAME_OF_INT)                                           \
    TODO_SPECIAL_NAMES(TODO_NAME_OF_SPECIAL)

#define TODO_DEFAULT_OF_INT(name, member, def, ...) X_DEFAULT(name, #def)
#define TODO_DEFAULT_OF_TEXT(name, member, def, text, ...) X_DEFAULT(name, text)
#define TODO_DEFAULT_OF_SPECIAL(name, text) X_DEFAULT(name, text)

/** Every default as a directive spells it: X_DEFAULT(name, "text") each. */
#define TODO_DIRECTIVE_DEFAULTS()                                              \
    TODO_SRV_INTS(TODO_DEFAULT_OF_INT)                                         \
    TODO_SRV_FLAGS(TODO_DEFAULT_OF_TEXT)                                       \
    TODO_SRV_CHOICES(TODO_DEFAULT_OF_TEXT)                                     \
    TODO_SRV_SIZES(TODO_DEFAULT_OF_TEXT)                                       \
    TODO_DIR_SIZES(TODO_DEFAULT_OF_TEXT)                                       \
    TODO_SPECIAL_DEFAULTS(TODO_DEFAULT_OF_SPECIAL)

#endif /* TODO_DIRECTIVES_H */
