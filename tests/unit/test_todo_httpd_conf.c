/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/* The httpd configuration reader behind `todoctl -f`, on files written
 * into this run's private temp dir, one tree per test. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "test_common.h"
#include "todo_httpd_conf.h"

static const char *const NAMES[] = {"DBDriver", "DBDParams", "TodoBcryptCost",
                                    NULL};

/* A fresh directory for one test's tree. */
static const char *tree(apr_pool_t *p, const char *name)
{
    const char *marker = ts_write_file(p, "httpd_conf.marker", "", 0, 0600);
    const char *dir =
        apr_pstrcat(p, apr_pstrndup(p, marker, strrchr(marker, '/') - marker),
                    "/httpd_conf_", name, NULL);

    assert_int_equal(APR_SUCCESS,
                     apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p));
    return dir;
}

/* Write @a text to @a dir/@a rel, making the directories on the way. */
static const char *put(apr_pool_t *p, const char *dir, const char *rel,
                       const char *text)
{
    const char *path = apr_pstrcat(p, dir, "/", rel, NULL);
    char *parent = apr_pstrdup(p, path);
    FILE *f;

    *strrchr(parent, '/') = '\0';
    assert_int_equal(APR_SUCCESS,
                     apr_dir_make_recursive(parent, APR_FPROT_OS_DEFAULT, p));
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(strlen(text), fwrite(text, 1, strlen(text), f));
    assert_int_equal(0, fclose(f));
    return path;
}

/* Read @a path, which must succeed. */
static todo_httpd_conf_t *read_ok(apr_pool_t *p, const char *path)
{
    todo_httpd_conf_t *conf = NULL;
    const char *err = todo_httpd_conf_read(p, path, NAMES, &conf);

    if (err) {
        fail_msg("todo_httpd_conf_read: %s", err);
    }
    assert_non_null(conf);
    return conf;
}

/* Reading @a path fails with a message containing @a want. */
static void read_fails(apr_pool_t *p, const char *path, const char *want)
{
    todo_httpd_conf_t *conf = NULL;
    const char *err = todo_httpd_conf_read(p, path, NAMES, &conf);

    assert_non_null(err);
    if (!strstr(err, want)) {
        fail_msg("\"%s\" does not say \"%s\"", err, want);
    }
}

static const char *value(todo_httpd_conf_t *conf, const char *name)
{
    const todo_httpd_setting_t *s = todo_httpd_conf_get(conf, name);
    return s ? s->value : NULL;
}

/* --- words and variables ------------------------------------------------ */

static void test_words_as_ap_getword_conf(void **state)
{
    static const struct {
        const char *line;
        const char *words[4];
    } cases[] = {
        {"DBDParams /var/lib/x.db", {"DBDParams", "/var/lib/x.db"}},
        {"  a \t b  ", {"a", "b"}},
        {"\"host=db dbname=todo\" next", {"host=db dbname=todo", "next"}},
        {"'single quoted' x", {"single quoted", "x"}},
        {"\"say \\\"hi\\\"\"", {"say \"hi\""}},
        {"'it\\'s'", {"it's"}},
        {"\"a\\\\b\" \"a\\xb\"", {"a\\b", "a\\xb"}},
        {"a\\\\b a\\b", {"a\\b", "a\\b"}},
        /* A quote starts a quoted word only at the start of the word. */
        {"a\"b c\"", {"a\"b", "c\""}},
        {"\"unterminated x", {"unterminated x"}},
        {"#not-a-comment-mid-line x#y", {"#not-a-comment-mid-line", "x#y"}},
        {"", {NULL}},
    };
    apr_pool_t *p = TS_POOL(state);
    apr_size_t i, w;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
        const char *line = cases[i].line;
        for (w = 0; cases[i].words[w]; ++w) {
            const char *word = todo_httpd_conf_word(p, &line);
            if (strcmp(word, cases[i].words[w])) {
                fail_msg("[%s] word %d: got [%s], want [%s]", cases[i].line,
                         (int)w, word, cases[i].words[w]);
            }
        }
        assert_string_equal("", todo_httpd_conf_word(p, &line));
        assert_string_equal("", line);
    }
}

static void test_resolve_defines_then_environment(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    apr_hash_t *defines = apr_hash_make(p);

    apr_hash_set(defines, "DB", APR_HASH_KEY_STRING, "/srv/todo.db");
    apr_hash_set(defines, "HOME", APR_HASH_KEY_STRING, "defined wins");
    setenv("TODO_TEST_CONF_VAR", "from env", 1);
    assert_string_equal(
        "DBDParams /srv/todo.db x",
        todo_httpd_conf_resolve(p, defines, "DBDParams ${DB} x"));
    assert_string_equal("defined wins",
                        todo_httpd_conf_resolve(p, defines, "${HOME}"));
    assert_string_equal(
        "[from env][from env]",
        todo_httpd_conf_resolve(
            p, defines, "[${TODO_TEST_CONF_VAR}][${TODO_TEST_CONF_VAR}]"));
    /* Unknown: left as it is, as httpd does. */
    unsetenv("TODO_TEST_CONF_NONE");
    assert_string_equal(
        "a ${TODO_TEST_CONF_NONE} b",
        todo_httpd_conf_resolve(p, defines, "a ${TODO_TEST_CONF_NONE} b"));
    assert_string_equal("${unclosed",
                        todo_httpd_conf_resolve(p, defines, "${unclosed"));
    assert_string_equal("$DB {DB}",
                        todo_httpd_conf_resolve(p, defines, "$DB {DB}"));
    unsetenv("TODO_TEST_CONF_VAR");
}

/* --- one file ----------------------------------------------------------- */

static void test_comments_quotes_continuations(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "lines");
    const char *f = put(p, dir, "todo.conf",
                        "# DBDriver commented\n"
                        "   #DBDParams /commented.db\n"
                        "dbdriver   pgsql  \r\n"
                        "DBDParams \"host=127.0.0.1 \\\r\n"
                        "dbname=todo \\\n"
                        "  user=todo\"\n"
                        "TodoBcryptCost 10\n"
                        /* As in httpd, a comment goes on too. */
                        "# a comment \\\n"
                        "TodoBcryptCost 11\n"
                        "DocumentRoot /x\n");
    todo_httpd_conf_t *conf = read_ok(p, f);
    const todo_httpd_setting_t *s;

    assert_string_equal("pgsql", value(conf, "DBDriver"));
    assert_string_equal("host=127.0.0.1 dbname=todo   user=todo",
                        value(conf, "dbdparams"));
    s = todo_httpd_conf_get(conf, "DBDParams");
    assert_non_null(s);
    assert_string_equal(f, s->file);
    assert_int_equal(4, s->line); /* where the continued line starts */
    assert_string_equal("10", value(conf, "TODOBCRYPTCOST"));
    /* Only what was asked is kept. */
    assert_null(todo_httpd_conf_get(conf, "DocumentRoot"));
    assert_int_equal(1, conf->files->nelts);
}

static void test_main_server_only_last_wins(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "vhost");
    const char *f = put(p, dir, "httpd.conf",
                        "DBDriver sqlite3\n"
                        "DBDParams /first.db\n"
                        "<VirtualHost *:80>\n"
                        "    DBDParams /vhost.db\n"
                        "    <IfModule dbd_module>\n"
                        "        DBDriver pgsql\n"
                        "    </IfModule>\n"
                        "</VirtualHost>\n"
                        "<IfModule !mod_nothing.c>\n"
                        "  <IfDefine !NEVER>\n"
                        "    DBDParams /second.db\n"
                        "  </IfDefine>\n"
                        "</IfModule>\n"
                        "<Macro Todo $db>\n"
                        "    DBDParams $db\n"
                        "    Include /no/such/file\n"
                        "</Macro>\n"
                        "<virtualhost 127.0.0.1:8080>\n"
                        "TodoBcryptCost 5\n"
                        "</VIRTUALHOST>\n");
    todo_httpd_conf_t *conf = read_ok(p, f);

    assert_string_equal("sqlite3", value(conf, "DBDriver"));
    /* Conditional sections are taken as applying; a later value wins, as
     * it does in httpd; a <Macro>'s body is no configuration. */
    assert_string_equal("/second.db", value(conf, "DBDParams"));
    assert_int_equal(11, todo_httpd_conf_get(conf, "DBDParams")->line);
    assert_null(value(conf, "TodoBcryptCost"));
}

static void test_defines_resolved(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "define");
    const char *f = put(p, dir, "todo.conf",
                        "Define TODO_DIR /srv/todo\n"
                        "Define TODO_DB \"${TODO_DIR}/data base.db\"\n"
                        "DBDParams \"${TODO_DB}\"\n"
                        "Define COST 9\n"
                        "UnDefine COST\n"
                        "TodoBcryptCost ${COST}\n");
    todo_httpd_conf_t *conf;

    unsetenv("COST");
    conf = read_ok(p, f);
    assert_string_equal("/srv/todo/data base.db", value(conf, "DBDParams"));
    assert_string_equal("${COST}", value(conf, "TodoBcryptCost"));
}

static void test_one_argument(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "args");

    read_fails(p, put(p, dir, "a.conf", "\n\nDBDParams host=x dbname=y\n"),
               "a.conf:3: DBDParams takes one argument");
    read_fails(p, put(p, dir, "b.conf", "Include a.conf b.conf\n"),
               "b.conf:1: Include takes one argument");
    /* Directives nobody asked for are not checked. */
    read_ok(p, put(p, dir, "c.conf", "LogFormat \"%h %l\" common\n"));
}

static void test_sections_must_match_and_close(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "sections");

    read_fails(p,
               put(p, dir, "open.conf",
                   "DBDriver sqlite3\n<VirtualHost *:80>\nDBDParams x\n"),
               "open.conf:2: <VirtualHost> is not closed");
    read_fails(
        p,
        put(p, dir, "cross.conf",
            "<IfModule x>\n<VirtualHost *>\n</IfModule>\n"),
        "cross.conf:3: </IfModule> does not close <VirtualHost> (line 2)");
    read_fails(p, put(p, dir, "stray.conf", "</VirtualHost>\n"),
               "stray.conf:1: </VirtualHost> closes no section");
    read_fails(p, put(p, dir, "gt.conf", "<VirtualHost *:80\n"),
               "gt.conf:1: <VirtualHost lacks its closing '>'");
    /* A section opened in one file cannot be closed by an included one. */
    put(p, dir, "closer.conf", "</VirtualHost>\n");
    read_fails(p,
               put(p, dir, "opener.conf",
                   "<VirtualHost *:80>\nInclude closer.conf\n"
                   "</VirtualHost>\n"),
               "closer.conf:1: </VirtualHost> closes no section");
}

/* --- includes ----------------------------------------------------------- */

/* Debian's layout: apache2.conf in the ServerRoot, which it does not
 * name, includes the enabled modules' files by wildcard; the site's
 * <VirtualHost> sets its own. */
static void test_debian_layout(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "debian");
    todo_httpd_conf_t *conf;
    const char *f;
    int i;

    f = put(p, dir, "apache2.conf",
            "#ServerRoot \"/etc/apache2\"\n"
            "Mutex file:${APACHE_LOCK_DIR} default\n"
            "Include ports.conf\n"
            "IncludeOptional mods-enabled/*.load\n"
            "IncludeOptional mods-enabled/*.conf\n"
            "IncludeOptional conf-enabled/*.conf\n"
            "IncludeOptional sites-enabled/*.conf\n"
            "LogFormat \"%v:%p %h \\\"%r\\\" %>s\" vhost_combined\n");
    put(p, dir, "ports.conf", "Listen 80\n");
    put(p, dir, "mods-enabled/dbd.load", "LoadModule dbd_module x.so\n");
    put(p, dir, "mods-enabled/todo.conf",
        "DBDriver sqlite3\nDBDParams /var/lib/mod_todo/todo.db\n"
        "#TodoBcryptCost 12\n");
    /* Read in byte order (a, todo, zz): the last one read wins. */
    put(p, dir, "mods-enabled/zz.conf", "TodoBcryptCost 11\n");
    put(p, dir, "mods-enabled/a.conf", "TodoBcryptCost 13\n");
    put(p, dir, "sites-enabled/000-default.conf",
        "<VirtualHost *:80>\n\tDBDParams /site.db\n</VirtualHost>\n");
    conf = read_ok(p, f);
    assert_string_equal("sqlite3", value(conf, "DBDriver"));
    assert_string_equal("/var/lib/mod_todo/todo.db", value(conf, "DBDParams"));
    assert_string_equal("11", value(conf, "TodoBcryptCost"));
    assert_string_equal(apr_pstrcat(p, dir, "/mods-enabled/todo.conf", NULL),
                        todo_httpd_conf_get(conf, "DBDParams")->file);
    assert_string_equal(dir, conf->server_root);
    {
        static const char *const order[] = {"apache2.conf",
                                            "ports.conf",
                                            "mods-enabled/dbd.load",
                                            "mods-enabled/a.conf",
                                            "mods-enabled/todo.conf",
                                            "mods-enabled/zz.conf",
                                            "sites-enabled/000-default.conf"};
        assert_int_equal(7, conf->files->nelts);
        for (i = 0; i < 7; ++i) {
            assert_string_equal(apr_pstrcat(p, dir, "/", order[i], NULL),
                                APR_ARRAY_IDX(conf->files, i, const char *));
        }
    }
}

static void test_server_root_and_directories(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "root");
    const char *root = apr_pstrcat(p, dir, "/elsewhere", NULL);
    todo_httpd_conf_t *conf;
    const char *f;

    f = put(p, dir, "conf/httpd.conf",
            apr_pstrcat(p, "ServerRoot \"", root, "\"\n",
                        "Include conf.d\n"
                        "Include \"",
                        dir, "/abs.conf\"\n", NULL));
    put(p, root, "conf.d/10-driver.conf", "DBDriver pgsql\n");
    put(p, root, "conf.d/sub/20-params.conf", "DBDParams dbname=todo\n");
    put(p, root, "conf.d/30-cost.conf", "TodoBcryptCost 6\n");
    put(p, dir, "abs.conf", "TodoBcryptCost 7\n");
    conf = read_ok(p, f);
    assert_string_equal(root, conf->server_root);
    assert_string_equal("pgsql", value(conf, "DBDriver"));
    assert_string_equal("dbname=todo", value(conf, "DBDParams"));
    assert_string_equal("7", value(conf, "TodoBcryptCost"));
    assert_int_equal(5, conf->files->nelts);
    /* Directory entries in byte order, recursively: sub/ after 30-. */
    assert_non_null(
        strstr(APR_ARRAY_IDX(conf->files, 3, const char *), "20-params"));
}

static void test_include_fails_where_httpd_does(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "missing");

    read_fails(p, put(p, dir, "a.conf", "# one\nInclude nothing.conf\n"),
               apr_pstrcat(p, "a.conf:2: Include ", dir,
                           "/nothing.conf: no such file", NULL));
    read_fails(p, put(p, dir, "b.conf", "Include none/*.conf\n"),
               "b.conf:1: Include");
    read_fails(p, put(p, dir, "b.conf", "Include none/*.conf\n"),
               "no file matches");
    /* IncludeOptional: neither is an error. */
    read_ok(p, put(p, dir, "c.conf",
                   "IncludeOptional none/*.conf\n"
                   "IncludeOptional nothing.conf\n"));
    read_fails(p, apr_pstrcat(p, dir, "/absent.conf", NULL), "cannot read");
}

static void test_include_loop_stops(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "loop");

    put(p, dir, "b.conf", "Include a.conf\n");
    read_fails(p, put(p, dir, "a.conf", "Include b.conf\n"),
               "Include nests more than 32 deep");
}

static void test_relative_top_file(void **state)
{
    apr_pool_t *p = TS_POOL(state);
    const char *dir = tree(p, "relative");
    char *cwd = NULL;
    todo_httpd_conf_t *conf;

    put(p, dir, "top.conf", "Include inc.conf\n");
    put(p, dir, "inc.conf", "DBDriver sqlite3\n");
    assert_int_equal(APR_SUCCESS, apr_filepath_get(&cwd, 0, p));
    assert_int_equal(APR_SUCCESS, apr_filepath_set(dir, p));
    conf = read_ok(p, "top.conf");
    assert_int_equal(APR_SUCCESS, apr_filepath_set(cwd, p));
    assert_string_equal(dir, conf->server_root);
    assert_string_equal("sqlite3", value(conf, "DBDriver"));
}

int test_todo_httpd_conf_run(void)
{
    const struct CMUnitTest tests[] = {
        TS_TEST(test_words_as_ap_getword_conf),
        TS_TEST(test_resolve_defines_then_environment),
        TS_TEST(test_comments_quotes_continuations),
        TS_TEST(test_main_server_only_last_wins),
        TS_TEST(test_defines_resolved),
        TS_TEST(test_one_argument),
        TS_TEST(test_sections_must_match_and_close),
        TS_TEST(test_debian_layout),
        TS_TEST(test_server_root_and_directories),
        TS_TEST(test_include_fails_where_httpd_does),
        TS_TEST(test_include_loop_stops),
        TS_TEST(test_relative_top_file),
    };
    return cmocka_run_group_tests_name("todo_httpd_conf", tests, NULL, NULL);
}
