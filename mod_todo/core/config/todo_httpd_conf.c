/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "todo_httpd_conf.h"

/* Larger than any configuration file; a guard against reading a device
 * or a log by mistake. */
#define MAX_FILE_SIZE (16 * 1024 * 1024)

typedef struct section_t {
    const char *name;  /* lowercased, without < > */
    const char *spelt; /* as written */
    const char *file;
    int line;
} section_t;

typedef struct reader_t {
    apr_pool_t *p;
    todo_httpd_conf_t *conf;
    apr_hash_t *wanted;           /* lowercased name -> itself */
    apr_array_header_t *sections; /* section_t, innermost last */
    int macro;                    /* inside <Macro>: skipping lines */
} reader_t;

static const char *read_path(reader_t *r, const char *path, int depth);

/* ASCII lowercase copy, as httpd compares directive names. */
static char *lower(apr_pool_t *p, const char *s)
{
    char *out = apr_pstrdup(p, s), *c;

    for (c = out; *c; ++c) {
        *c = (char)apr_tolower(*c);
    }
    return out;
}

/* ap_getword_conf()'s substring_conf(): \\ and an escaped quote stand for
 * themselves. */
static char *unescape(apr_pool_t *p, const char *s, apr_size_t len, char quote)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; ++i) {
        if (s[i] == '\\' && i + 1 < len
            && (s[i + 1] == '\\' || (quote && s[i + 1] == quote))) {
            ++i;
        }
        *o++ = s[i];
    }
    *o = '\0';
    return out;
}

const char *todo_httpd_conf_word(apr_pool_t *p, const char **pline)
{
    const char *s = *pline, *end;
    const char *word;
    char quote;

    while (apr_isspace(*s)) {
        ++s;
    }
    if (!*s) {
        *pline = s;
        return "";
    }
    quote = *s;
    if (quote == '"' || quote == '\'') {
        end = s + 1;
        while (*end && *end != quote) {
            end +=
                (*end == '\\' && (end[1] == quote || end[1] == '\\')) ? 2 : 1;
        }
        word = unescape(p, s + 1, (apr_size_t)(end - s - 1), quote);
        if (*end == quote) {
            ++end;
        }
    }
    else {
        end = s;
        while (*end && !apr_isspace(*end)) {
            ++end;
        }
        word = unescape(p, s, (apr_size_t)(end - s), 0);
    }
    while (apr_isspace(*end)) {
        ++end;
    }
    *pline = end;
    return word;
}

const char *todo_httpd_conf_resolve(apr_pool_t *p, apr_hash_t *defines,
                                    const char *line)
{
    const char *s = line, *start, *close, *value;
    char *name;
    const char *out = "";

    if (!strstr(line, "${")) {
        return line;
    }
    while ((start = strstr(s, "${")) != NULL
           && (close = strchr(start + 2, '}')) != NULL) {
        name = apr_pstrmemdup(p, start + 2, (apr_size_t)(close - start - 2));
        value =
            defines ? apr_hash_get(defines, name, APR_HASH_KEY_STRING) : NULL;
        if (!value) {
            value = getenv(name);
        }
        out = apr_pstrcat(p, out, apr_pstrmemdup(p, s, (apr_size_t)(start - s)),
                          value ? value : apr_pstrcat(p, "${", name, "}", NULL),
                          NULL);
        s = close + 1;
    }
    return apr_pstrcat(p, out, s, NULL);
}

static int in_virtual_host(const reader_t *r)
{
    int i;

    for (i = 0; i < r->sections->nelts; ++i) {
        if (!strcmp(APR_ARRAY_IDX(r->sections, i, section_t).name,
                    "virtualhost")) {
            return 1;
        }
    }
    return 0;
}

static int has_wildcard(const char *path)
{
    return strpbrk(path, "*?[") != NULL;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_paths(apr_array_header_t *paths)
{
    if (paths->nelts > 1) {
        qsort(paths->elts, (size_t)paths->nelts, sizeof(const char *),
              by_bytes);
    }
}

/* Include and IncludeOptional, from @a file:@a line. */
static const char *include(reader_t *r, const char *arg, int optional,
                           const char *file, int line, int depth)
{
    const char *path = arg, *err;
    apr_array_header_t *paths = apr_array_make(r->p, 8, sizeof(const char *));
    apr_finfo_t fi;
    glob_t g;
    size_t i;
    int rc;

    if (depth >= TODO_HTTPD_CONF_MAX_DEPTH) {
        return apr_psprintf(r->p,
                            "%s:%d: Include nests more than %d deep (does a "
                            "file include itself?)",
                            file, line, TODO_HTTPD_CONF_MAX_DEPTH);
    }
    if (path[0] != '/') {
        path = apr_pstrcat(r->p, r->conf->server_root, "/", path, NULL);
    }
    if (has_wildcard(path)) {
        rc = glob(path, GLOB_NOSORT, NULL, &g);
        if (rc == GLOB_NOMATCH) {
            return optional ? NULL
                            : apr_psprintf(r->p,
                                           "%s:%d: Include %s: no file matches "
                                           "(IncludeOptional allows that)",
                                           file, line, path);
        }
        if (rc != 0) {
            return apr_psprintf(r->p, "%s:%d: Include %s: cannot expand it",
                                file, line, path);
        }
        for (i = 0; i < g.gl_pathc; ++i) {
            APR_ARRAY_PUSH(paths, const char *) =
                apr_pstrdup(r->p, g.gl_pathv[i]);
        }
        globfree(&g);
        sort_paths(paths);
    }
    else if (APR_SUCCESS != apr_stat(&fi, path, APR_FINFO_TYPE, r->p)) {
        return optional ? NULL
                        : apr_psprintf(r->p, "%s:%d: Include %s: no such file",
                                       file, line, path);
    }
    else {
        APR_ARRAY_PUSH(paths, const char *) = path;
    }
    for (i = 0; i < (size_t)paths->nelts; ++i) {
        err = read_path(r, APR_ARRAY_IDX(paths, i, const char *), depth + 1);
        if (err) {
            return err;
        }
    }
    return NULL;
}

/* <Name args> and </Name>. */
static const char *section(reader_t *r, const char *word, const char *text,
                           const char *file, int line, apr_size_t base)
{
    int closing = word[1] == '/';
    char *spelt = apr_pstrdup(r->p, word + (closing ? 2 : 1));
    apr_size_t len = strlen(spelt);
    const char *name;
    section_t *s;

    if (len && spelt[len - 1] == '>') {
        spelt[--len] = '\0';
    }
    else if (!closing && text[strlen(text) - 1] != '>') {
        return apr_psprintf(r->p, "%s:%d: %s lacks its closing '>'", file, line,
                            word);
    }
    name = lower(r->p, spelt);
    if (!closing) {
        s = apr_array_push(r->sections);
        s->name = name;
        s->spelt = spelt;
        s->file = file;
        s->line = line;
        r->macro = !strcmp(name, "macro");
        return NULL;
    }
    if ((apr_size_t)r->sections->nelts <= base) {
        return apr_psprintf(r->p, "%s:%d: %s closes no section of this file",
                            file, line, word);
    }
    s = &APR_ARRAY_IDX(r->sections, r->sections->nelts - 1, section_t);
    if (strcmp(s->name, name)) {
        return apr_psprintf(r->p, "%s:%d: %s does not close <%s> (line %d)",
                            file, line, word, s->spelt, s->line);
    }
    --r->sections->nelts;
    r->macro = 0;
    return NULL;
}

/* One logical line (continuations joined), at @a file:@a line. */
static const char *directive(reader_t *r, const char *line_text,
                             const char *file, int line, apr_size_t base,
                             int depth)
{
    const char *text = line_text, *args, *word, *value, *key;
    todo_httpd_setting_t *set;
    apr_size_t len;

    /* httpd strips both ends of a line. */
    while (apr_isspace(*text)) {
        ++text;
    }
    len = strlen(text);
    while (len && apr_isspace(text[len - 1])) {
        --len;
    }
    if (!len || *text == '#') {
        return NULL;
    }
    text = apr_pstrmemdup(r->p, text, len);
    if (r->macro) {
        /* Only its end matters; the rest is a template. */
        args = text;
        word = todo_httpd_conf_word(r->p, &args);
        if (!strncasecmp(word, "</Macro", 7)) {
            return section(r, word, text, file, line, base);
        }
        return NULL;
    }
    text = todo_httpd_conf_resolve(r->p, r->conf->defines, text);
    args = text;
    word = todo_httpd_conf_word(r->p, &args);
    if (word[0] == '<') {
        return section(r, word, text, file, line, base);
    }
    if (!strcasecmp(word, "Include") || !strcasecmp(word, "IncludeOptional")) {
        value = todo_httpd_conf_word(r->p, &args);
        if (!*value || *args) {
            return apr_psprintf(r->p, "%s:%d: %s takes one argument", file,
                                line, word);
        }
        return include(r, value, !strcasecmp(word, "IncludeOptional"), file,
                       line, depth);
    }
    if (!strcasecmp(word, "ServerRoot")) {
        value = todo_httpd_conf_word(r->p, &args);
        if (*value) {
            r->conf->server_root = value;
        }
        return NULL;
    }
    if (!strcasecmp(word, "Define")) {
        key = todo_httpd_conf_word(r->p, &args);
        if (*key && *args) {
            apr_hash_set(r->conf->defines, key, APR_HASH_KEY_STRING,
                         todo_httpd_conf_word(r->p, &args));
        }
        return NULL;
    }
    if (!strcasecmp(word, "UnDefine")) {
        key = todo_httpd_conf_word(r->p, &args);
        apr_hash_set(r->conf->defines, key, APR_HASH_KEY_STRING, NULL);
        return NULL;
    }
    key = lower(r->p, word);
    if (!apr_hash_get(r->wanted, key, APR_HASH_KEY_STRING)
        || in_virtual_host(r)) {
        return NULL;
    }
    value = todo_httpd_conf_word(r->p, &args);
    if (*args) {
        return apr_psprintf(r->p, "%s:%d: %s takes one argument", file, line,
                            word);
    }
    set = apr_pcalloc(r->p, sizeof(*set));
    set->name = word;
    set->value = value;
    set->file = file;
    set->line = line;
    apr_hash_set(r->conf->settings, key, APR_HASH_KEY_STRING, set);
    return NULL;
}

static const char *read_file(reader_t *r, const char *path, int depth)
{
    apr_size_t base = (apr_size_t)r->sections->nelts, len, n = 0;
    const char *s, *end, *err, *text;
    char *buf;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    char msg[120];
    int line = 0, first;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, r->p);
    if (APR_SUCCESS == rv) {
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    }
    if (APR_SUCCESS == rv && fi.size > MAX_FILE_SIZE) {
        return apr_psprintf(r->p,
                            "%s: larger than %d bytes: not a "
                            "configuration file",
                            path, MAX_FILE_SIZE);
    }
    if (APR_SUCCESS == rv) {
        buf = apr_palloc(r->p, (apr_size_t)fi.size + 1);
        rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &n);
        buf[n] = '\0';
        if (APR_EOF == rv) {
            rv = APR_SUCCESS;
        }
    }
    if (APR_SUCCESS != rv) {
        return apr_psprintf(r->p, "cannot read %s: %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
    }
    apr_file_close(f);
    APR_ARRAY_PUSH(r->conf->files, const char *) = path;

    for (s = buf; *s;) {
        /* A physical line; one ending in a backslash goes on (httpd's
         * cfg_getline: the backslash must end the line). */
        text = "";
        first = line + 1;
        for (;;) {
            end = strchr(s, '\n');
            len = end ? (apr_size_t)(end - s) : strlen(s);
            ++line;
            if (len && s[len - 1] == '\r') {
                --len;
            }
            if (len && s[len - 1] == '\\') {
                text = apr_pstrcat(r->p, text, apr_pstrmemdup(r->p, s, len - 1),
                                   NULL);
                s = end ? end + 1 : s + strlen(s);
                if (*s) {
                    continue;
                }
                break;
            }
            text = apr_pstrcat(r->p, text, apr_pstrmemdup(r->p, s, len), NULL);
            s = end ? end + 1 : s + strlen(s);
            break;
        }
        err = directive(r, text, path, first, base, depth);
        if (err) {
            return err;
        }
    }
    if ((apr_size_t)r->sections->nelts > base) {
        section_t *open = &APR_ARRAY_IDX(r->sections, base, section_t);
        return apr_psprintf(r->p, "%s:%d: <%s> is not closed in this file",
                            open->file, open->line, open->spelt);
    }
    return NULL;
}

/* A file, or a directory read whole (as httpd does: every entry but . and
 * .., in byte order, recursively). */
static const char *read_path(reader_t *r, const char *path, int depth)
{
    apr_array_header_t *names;
    apr_finfo_t fi;
    apr_dir_t *dir;
    const char *err;
    char msg[120];
    apr_status_t rv;
    int i;

    rv = apr_stat(&fi, path, APR_FINFO_TYPE, r->p);
    if (APR_SUCCESS != rv) {
        return apr_psprintf(r->p, "cannot read %s: %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
    }
    if (fi.filetype != APR_DIR) {
        return read_file(r, path, depth);
    }
    if (depth >= TODO_HTTPD_CONF_MAX_DEPTH) {
        return apr_psprintf(r->p, "%s: directories nest more than %d deep",
                            path, TODO_HTTPD_CONF_MAX_DEPTH);
    }
    rv = apr_dir_open(&dir, path, r->p);
    if (APR_SUCCESS != rv) {
        return apr_psprintf(r->p, "cannot read the directory %s: %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
    }
    names = apr_array_make(r->p, 16, sizeof(const char *));
    while (APR_SUCCESS == apr_dir_read(&fi, APR_FINFO_NAME, dir)) {
        if (strcmp(fi.name, ".") && strcmp(fi.name, "..")) {
            APR_ARRAY_PUSH(names, const char *) =
                apr_pstrcat(r->p, path, "/", fi.name, NULL);
        }
    }
    apr_dir_close(dir);
    sort_paths(names);
    for (i = 0; i < names->nelts; ++i) {
        err = read_path(r, APR_ARRAY_IDX(names, i, const char *), depth + 1);
        if (err) {
            return err;
        }
    }
    return NULL;
}

const char *todo_httpd_conf_read(apr_pool_t *p, const char *path,
                                 const char *const *names,
                                 todo_httpd_conf_t **pconf)
{
    todo_httpd_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    reader_t r = {p, conf, apr_hash_make(p), NULL, 0};
    char *root, *slash, *key;
    const char *err;

    for (; names && *names; ++names) {
        key = lower(p, *names);
        apr_hash_set(r.wanted, key, APR_HASH_KEY_STRING, key);
    }
    r.sections = apr_array_make(p, 8, sizeof(section_t));
    conf->files = apr_array_make(p, 16, sizeof(const char *));
    conf->settings = apr_hash_make(p);
    conf->defines = apr_hash_make(p);

    /* httpd would start from its compiled-in root; the file's own
     * directory is the one this reader can know (Debian's apache2.conf
     * lives in its ServerRoot). */
    root = apr_pstrdup(p, path);
    if (root[0] != '/') {
        char *cwd = NULL;
        if (APR_SUCCESS == apr_filepath_get(&cwd, 0, p)) {
            root = apr_pstrcat(p, cwd, "/", root, NULL);
        }
    }
    slash = strrchr(root, '/');
    if (slash) {
        *(slash == root ? slash + 1 : slash) = '\0';
    }
    conf->server_root = root;

    err = read_path(&r, path, 0);
    if (!err) {
        *pconf = conf;
    }
    return err;
}

const todo_httpd_setting_t *todo_httpd_conf_get(const todo_httpd_conf_t *conf,
                                                const char *name)
{
    char key[64];
    apr_size_t i;

    for (i = 0; i < sizeof(key) - 1 && name[i]; ++i) {
        key[i] = (char)apr_tolower(name[i]);
    }
    key[i] = '\0';
    return apr_hash_get(conf->settings, key, APR_HASH_KEY_STRING);
}
