/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_directives.h
 * @brief The names of mod_todo's configuration directives, as symbols:
 * a misspelling is a compile error, and scripts/check.sh compares this
 * list with docs/configuration.md and conf/todo.conf.
 */
#ifndef TODO_DIRECTIVES_H
#define TODO_DIRECTIVES_H

#define TodoJWTSecretFile "TodoJWTSecretFile"
#define TodoJWTAlgorithm "TodoJWTAlgorithm"
#define TodoJWTIssuer "TodoJWTIssuer"
#define TodoJWTAudience "TodoJWTAudience"
#define TodoJWTLeeway "TodoJWTLeeway"
#define TodoAccessTokenLifetime "TodoAccessTokenLifetime"
#define TodoRefreshTokenLifetime "TodoRefreshTokenLifetime"
#define TodoRefreshReuseGrace "TodoRefreshReuseGrace"
#define TodoBcryptCost "TodoBcryptCost"
#define TodoAutoMigrate "TodoAutoMigrate"
#define TodoSQLiteBusyTimeout "TodoSQLiteBusyTimeout"
#define TodoSQLiteSynchronous "TodoSQLiteSynchronous"
#define TodoSQLiteGroupCommit "TodoSQLiteGroupCommit"
#define TodoMaxBodySize "TodoMaxBodySize"
#define TodoBasePath "TodoBasePath"
#define TodoRateLimit "TodoRateLimit"
#define TodoEventBacklog "TodoEventBacklog"
#define TodoStreamHeartbeat "TodoStreamHeartbeat"
#define TodoStreamsPerUser "TodoStreamsPerUser"
#define TodoStreamsMax "TodoStreamsMax"
#define TodoStreamsPerAddress "TodoStreamsPerAddress"
#define TodoMetricsAllow "TodoMetricsAllow"

#endif /* TODO_DIRECTIVES_H */
