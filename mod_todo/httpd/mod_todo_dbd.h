/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file mod_todo_dbd.h
 * @brief mod_todo's use of mod_dbd: finding each server's DBDriver and
 * DBDParams, registering the statements of the matching dialect with
 * ap_dbd_prepare() (so each pooled connection prepares them once),
 * running migrations in the parent, and acquiring a request's connection.
 */
#ifndef MOD_TODO_DBD_H
#define MOD_TODO_DBD_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>

#include "mod_todo_config.h"
#include "todo_store.h"

/**
 * For every server: read DBDriver/DBDParams from the parsed configuration
 * (mod_dbd keeps them private), pick the SQL dialect and register every
 * statement with mod_dbd. Must run before mod_dbd's post_config.
 * @return NULL, or an error message
 */
const char *todo_dbd_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                 server_rec *s);

/**
 * Apply pending migrations for each distinct database whose server has
 * TodoAutoMigrate On. Runs in the parent; when the parent is root and the
 * database is a SQLite file, hands the file (and its -wal/-shm) to the
 * User httpd's children run as.
 * @return NULL, or an error message
 */
const char *todo_dbd_migrate(apr_pool_t *ptemp, server_rec *s);

/** Name of the write mutex, for httpd's Mutex directive. */
#define TODO_DBD_MUTEX "todo-db-write"

/** pre_config: register the write mutex type with httpd. */
void todo_dbd_pre_config(apr_pool_t *pconf);

/**
 * check_config (run by `httpd -t` too): what post_config would otherwise
 * find too late: mod_dbd loaded; every server with a supported DBDriver
 * and its DBDParams; for SQLite, an absolute path in a directory that
 * httpd's User can write (and the file, if it exists).
 * @return NULL, or a message that starts with the file:line to fix
 */
const char *todo_dbd_check_config(apr_pool_t *p, server_rec *s);

/**
 * Which servers mod_todo serves, in todo_srv_conf_t.used: those that a
 * TodoJWTSecretFile applies to (their own or the main server's), and
 * those whose configuration names the module -- SetHandler or AddHandler
 * todo-api, AuthType Bearer -- in their <VirtualHost> or outside every
 * <VirtualHost> (what every server inherits). mod_todo checks, prepares
 * statements on and migrates the databases of these only: a server that
 * does not use it keeps its mod_dbd configuration to itself (another
 * DBDriver, mod_authn_dbd's or mod_session_dbd's statements), and with
 * the module loaded but used nowhere, httpd runs as if it were not.
 * @return how many servers use it
 */
int todo_dbd_mark_used(apr_pool_t *p, server_rec *s);

/** The first server that uses mod_todo (the main one when it does), or
 * NULL: the one whose database the children open ahead of mod_dbd. */
server_rec *todo_dbd_first_used(server_rec *s);

/**
 * Where to point an admin for @a name (a directive) of server @a s:
 * "file:line" of that directive (the vhost's own, else the main
 * server's), or of what it is missing from (the <VirtualHost>, or the
 * main server's <Location> with SetHandler todo-api, else the main
 * configuration file) when @a name is NULL or not there.
 */
const char *todo_dbd_where(apr_pool_t *p, server_rec *s, const char *name);

/**
 * post_config: create the global mutex that serialises SQLite writes of
 * every process of this httpd (see todo_db_t in todo_store.h).
 * @return NULL, or an error message
 */
const char *todo_dbd_create_mutex(apr_pool_t *pconf, server_rec *s);

/** child_init: re-open the write mutex in the child. */
void todo_dbd_child_init(apr_pool_t *pchild, server_rec *s);

/**
 * The request's pooled connection, set up once per connection (SQLite
 * busy timeout and synchronous mode).
 * @return NULL if the database is unavailable (logged)
 */
todo_db_t *todo_dbd_acquire(request_rec *r, const todo_srv_conf_t *sc);

/**
 * A pooled connection for a moment of a long request (an event stream
 * checks its token with it and gives it back at once, rather than
 * holding it as long as the stream lives).
 * @param pdbd receives mod_dbd's handle, for todo_dbd_close()
 * @return NULL if the database is unavailable (logged)
 */
todo_db_t *todo_dbd_open(request_rec *r, const todo_srv_conf_t *sc,
                         ap_dbd_t **pdbd);

/** Give back a connection from todo_dbd_open(). */
void todo_dbd_close(request_rec *r, ap_dbd_t *dbd);

#endif /* MOD_TODO_DBD_H */
