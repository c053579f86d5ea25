/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_httpd_conf.h
 * @brief A small reader of httpd configuration files, for todoctl: the
 * main server's value of a few one-argument directives (DBDriver,
 * DBDParams, TodoBcryptCost), found by following the files as httpd does.
 *
 * What it reads as httpd does:
 *  - one directive a line; a line ending in a backslash goes on on the
 *    next line; a line whose first non-blank character is '#' is a comment
 *    (a '#' anywhere else is part of the line, as in httpd);
 *  - words as ap_getword_conf() splits them: a word that starts with " or
 *    ' runs to the matching quote, in which \\ and the escaped quote stand
 *    for themselves; outside quotes \\ is one backslash;
 *  - ${NAME} replaced by the value of an earlier `Define NAME VALUE`, else
 *    by the environment variable NAME, else left as it is (as httpd does,
 *    with a warning); `UnDefine` forgets a Define;
 *  - Include and IncludeOptional: a relative path is taken from the
 *    ServerRoot (the last ServerRoot directive read, else the directory
 *    of the first file); wildcards (* ? [...]) are expanded and the
 *    matches read in byte order; a directory is read whole, its entries
 *    in byte order, recursively; Include fails where httpd fails (a
 *    missing file, a wildcard that matches nothing), IncludeOptional
 *    ignores both; includes nest at most TODO_HTTPD_CONF_MAX_DEPTH deep;
 *  - directive and section names in any case; sections must close in the
 *    file that opens them, with the matching name;
 *  - a directive inside <VirtualHost> belongs to that virtual host, not
 *    to the main server, and is ignored; the contents of <Macro> are not
 *    configuration until a Use, and are skipped; when a directive is given
 *    more than once outside <VirtualHost>, the last one wins (as it does
 *    in httpd for DBDriver, DBDParams and mod_todo's directives).
 *
 * What it does not do:
 *  - every conditional section (<IfModule>, <IfDefine>, <IfVersion>,
 *    <IfFile>, <IfDirective>, <IfSection>, either sense) is taken as
 *    applying: a file that sets a directive under both <IfDefine X> and
 *    <IfDefine !X> is read as setting it twice (the second wins);
 *  - httpd's -D and -C/-c command-line options, compiled-in defaults (its
 *    HTTPD_ROOT) and files httpd would read because of them are unknown;
 *  - `Use` of a <Macro> is not expanded;
 *  - no other directive is checked: a file httpd would refuse can be read
 *    here.
 *
 * Nothing here includes an httpd header: it reads files with APR and
 * glob(3).
 */
#ifndef TODO_HTTPD_CONF_H
#define TODO_HTTPD_CONF_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>

/** How deep Include may nest (httpd allows 128; loops end here). */
#define TODO_HTTPD_CONF_MAX_DEPTH 32

/** One directive's value in the main server, and where it was set. */
typedef struct todo_httpd_setting_t {
    const char *name;  /**< as the configuration spells it */
    const char *value; /**< its one argument, quotes and ${} resolved */
    const char *file;  /**< the file that set it */
    int line;          /**< the line (the first, if continued) */
} todo_httpd_setting_t;

/** What todo_httpd_conf_read() found. */
typedef struct todo_httpd_conf_t {
    const char *server_root;   /**< relative Includes start here */
    apr_array_header_t *files; /**< const char *: every file read, in order */
    apr_hash_t *settings;      /**< lowercased name -> todo_httpd_setting_t* */
    apr_hash_t *defines;       /**< Define'd name -> value */
} todo_httpd_conf_t;

/**
 * Read the httpd configuration file @a path and every file it includes,
 * keeping the main server's value of each directive named in @a names (a
 * NULL-terminated list, any case; each must take one argument).
 * @param pconf receives what was read, allocated from @a p
 * @return NULL, or a message that names the file and line at fault
 */
const char *todo_httpd_conf_read(apr_pool_t *p, const char *path,
                                 const char *const *names,
                                 todo_httpd_conf_t **pconf);

/**
 * The main server's setting of directive @a name (any case).
 * @return the setting, or NULL if none was read outside <VirtualHost>
 */
const todo_httpd_setting_t *todo_httpd_conf_get(const todo_httpd_conf_t *conf,
                                                const char *name);

/**
 * Split the next word off *@a pline as httpd's ap_getword_conf() does
 * (see the file comment) and move *@a pline past it and the blanks after.
 * @return the word, from @a p; "" when the line has no more words
 */
const char *todo_httpd_conf_word(apr_pool_t *p, const char **pline);

/**
 * Replace each ${NAME} in @a line by the value @a defines gives NAME, else
 * by the environment variable NAME; leave it as it is if neither has it.
 * @return the line, from @a p (@a line itself when it has no ${)
 */
const char *todo_httpd_conf_resolve(apr_pool_t *p, apr_hash_t *defines,
                                    const char *line);

#endif /* TODO_HTTPD_CONF_H */
