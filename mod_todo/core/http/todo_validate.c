/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <unictype.h>
#include <unistr.h>

#include "todo_fold.h"
#include "todo_util.h"
#include "todo_utf8.h"
#include "todo_uuid.h"
#include "todo_validate.h"

apr_status_t todo_v_string(todo_result_t *res, json_t *obj, const char *key,
                           const char *loc, int required, const char **pval)
{
    json_t *v = json_object_get(obj, key);

    *pval = NULL;
    if (!v || json_is_null(v)) {
        return required ? todo_result_invalid(res, loc, TODO_ERR_MISSING,
                                              "Field required")
                        : APR_ENOENT;
    }
    if (!json_is_string(v)) {
        return todo_result_invalid(res, loc, TODO_ERR_STRING_TYPE,
                                   "Input should be a valid string");
    }
    *pval = json_string_value(v);
    return APR_SUCCESS;
}

apr_status_t todo_v_length(todo_result_t *res, const char *loc, const char *s,
                           apr_size_t min, apr_size_t max)
{
    apr_ssize_t n = todo_utf8_count(s, strlen(s));

    if (n < 0) {
        return todo_result_invalid(
            res, loc, TODO_ERR_STRING_TYPE,
            "Input should be a valid string (invalid UTF-8)");
    }
    if ((apr_size_t)n < min) {
        return todo_result_invalid(
            res, loc, TODO_ERR_TOO_SHORT,
            apr_psprintf(res->p,
                         "String should have at least %" APR_SIZE_T_FMT
                         " character%s",
                         min, min == 1 ? "" : "s"));
    }
    if ((apr_size_t)n > max) {
        return todo_result_invalid(
            res, loc, TODO_ERR_TOO_LONG,
            apr_psprintf(res->p,
                         "String should have at most %" APR_SIZE_T_FMT
                         " character%s",
                         max, max == 1 ? "" : "s"));
    }
    return APR_SUCCESS;
}

const char *todo_ascii_lower(apr_pool_t *p, const char *s)
{
    char *out = apr_pstrdup(p, s), *c;

    for (c = out; *c; ++c) {
        *c = (char)apr_tolower(*c);
    }
    return out;
}

/* Is the code point at *ps acceptable in an address? ASCII must be
 * RFC 5322 atext (or a letter, digit or hyphen in the domain); other code
 * points are accepted unless they are separators (spaces, U+2028) or
 * control, format, surrogate, private-use or unassigned ones. Advances *ps.
 * @return 1 if acceptable, 0 if not, -1 at the end */
static int next_email_char(const char **ps, const char *end, int domain)
{
    const uint8_t *s = (const uint8_t *)*ps;
    ucs4_t uc;
    int n;

    if (*ps >= end) {
        return -1;
    }
    n = u8_mbtouc(&uc, s, (size_t)(end - *ps));
    *ps += n;
    if (uc < 0x80) {
        if (domain) {
            return apr_isalnum(uc) || uc == '-';
        }
        return apr_isalnum(uc) || strchr("!#$%&'*+/=?^_`{|}~-", (int)uc);
    }
    return !uc_is_general_category(uc, UC_CATEGORY_Z)
           && !uc_is_general_category(uc, UC_CATEGORY_C);
}

static const char *email_problem(const char *s)
{
    const char *at = strchr(s, '@'), *end = s + strlen(s), *c, *label;
    apr_ssize_t local_len;
    int ok;

    if (!at || strchr(at + 1, '@')) {
        return "An email address must have exactly one @-sign.";
    }
    local_len = todo_utf8_count(s, (apr_size_t)(at - s));
    if (local_len == 0) {
        return "There must be something before the @-sign.";
    }
    if (local_len > 64) {
        return "The email address is too long before the @-sign.";
    }
    if (s[0] == '.' || at[-1] == '.' || strstr(s, "..")) {
        return "The part before the @-sign has a misplaced period.";
    }
    for (c = s; c < at;) {
        if (*c == '.') {
            ++c;
        }
        else if (!next_email_char(&c, at, 0)) {
            return "The email address contains invalid characters before the "
                   "@-sign.";
        }
    }
    if (!at[1]) {
        return "There must be something after the @-sign.";
    }
    if (!strchr(at + 1, '.')) {
        return "The part after the @-sign is not valid. It should have a "
               "period.";
    }
    for (label = at + 1; label < end;) {
        apr_ssize_t n = 0;
        const char *start = label;
        for (c = label; c < end && *c != '.'; ++n) {
            ok = next_email_char(&c, end, 1);
            if (!ok) {
                return "The part after the @-sign contains invalid "
                       "characters.";
            }
        }
        if (n == 0 || *start == '-' || c[-1] == '-') {
            return *c == '.' && c + 1 == end
                       ? "An email address cannot end with a period."
                       : "The part after the @-sign is not valid.";
        }
        if (n > 63) {
            return "The part after the @-sign is not valid: a label is "
                   "longer than 63 characters.";
        }
        if (*c == '.' && c + 1 == end) {
            return "An email address cannot end with a period.";
        }
        label = c < end ? c + 1 : c;
    }
    return NULL;
}

apr_status_t todo_v_email(todo_result_t *res, const char *loc, const char *s,
                          const char **plower)
{
    const char *problem;
    apr_ssize_t n = todo_utf8_count(s, strlen(s));

    if (n < 0) {
        return todo_result_invalid(
            res, loc, TODO_ERR_STRING_TYPE,
            "Input should be a valid string (invalid UTF-8)");
    }
    if (n > TODO_EMAIL_MAX) {
        return todo_result_invalid(res, loc, TODO_ERR_TOO_LONG,
                                   "String should have at most 254 characters");
    }
    problem = email_problem(s);
    if (problem) {
        return todo_result_invalid(
            res, loc, TODO_ERR_VALUE,
            apr_pstrcat(res->p, "value is not a valid email address: ", problem,
                        NULL));
    }
    if (APR_SUCCESS != todo_lower(res->p, s, strlen(s), plower)) {
        return todo_result_invalid(
            res, loc, TODO_ERR_STRING_TYPE,
            "Input should be a valid string (invalid UTF-8)");
    }
    return APR_SUCCESS;
}

apr_status_t todo_v_username(todo_result_t *res, const char *loc, const char *s)
{
    const char *c;

    if (APR_SUCCESS
        != todo_v_length(res, loc, s, TODO_USERNAME_MIN, TODO_USERNAME_MAX)) {
        return APR_EINVAL;
    }
    for (c = s; *c; ++c) {
        if (!apr_isalnum(*c) && *c != '_' && *c != '.' && *c != '-') {
            return todo_result_invalid(
                res, loc, TODO_ERR_PATTERN,
                "String should match pattern '^[A-Za-z0-9_.-]+$'");
        }
    }
    return APR_SUCCESS;
}

apr_status_t todo_v_password(todo_result_t *res, const char *loc, const char *s)
{
    apr_size_t len = strlen(s);

    if (todo_utf8_count(s, len) < 0) {
        return todo_result_invalid(
            res, loc, TODO_ERR_STRING_TYPE,
            "Input should be a valid string (invalid UTF-8)");
    }
    if (len < TODO_PASSWORD_MIN) {
        return todo_result_invalid(res, loc, TODO_ERR_TOO_SHORT,
                                   "Password should have at least 8 bytes");
    }
    if (len > TODO_PASSWORD_MAX) {
        return todo_result_invalid(
            res, loc, TODO_ERR_TOO_LONG,
            "Password should have at most 72 bytes (the bcrypt limit)");
    }
    return APR_SUCCESS;
}

apr_status_t todo_v_query_int(todo_result_t *res, apr_table_t *query,
                              const char *name, int def, int min, int max,
                              int *pval)
{
    const char *s = query ? apr_table_get(query, name) : NULL;
    const char *loc = apr_pstrcat(res->p, "query.", name, NULL);
    apr_int64_t v;
    apr_status_t rv;

    if (!s) {
        *pval = def;
        return APR_SUCCESS;
    }
    rv = todo_parse_int64(s, APR_INT64_MIN, APR_INT64_MAX, &v);
    if (APR_SUCCESS != rv) {
        return todo_result_invalid(
            res, loc, TODO_ERR_INT,
            "Input should be a valid integer, unable to parse string as an "
            "integer");
    }
    if (v < min) {
        return todo_result_invalid(
            res, loc, TODO_ERR_GE,
            apr_psprintf(res->p, "Input should be greater than or equal to %d",
                         min));
    }
    if (v > max) {
        return todo_result_invalid(
            res, loc, TODO_ERR_LE,
            apr_psprintf(res->p, "Input should be less than or equal to %d",
                         max));
    }
    *pval = (int)v;
    return APR_SUCCESS;
}

apr_status_t todo_v_path_uuid(todo_result_t *res, const char *name,
                              const char *value, const char **pid)
{
    if (APR_SUCCESS != todo_uuid_parse(res->p, value, pid)) {
        return todo_result_invalid(
            res, apr_pstrcat(res->p, "path.", name, NULL), TODO_ERR_UUID,
            "Input should be a valid UUID, invalid character "
            "or length");
    }
    return APR_SUCCESS;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)apr_tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Decode one form component into a fresh copy from @a p. */
static apr_status_t form_unescape(apr_pool_t *p, const char *s, apr_size_t len,
                                  const char **pout)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; ++i) {
        if (s[i] == '+') {
            *o++ = ' ';
        }
        else if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= len) {
                return APR_EINVAL;
            }
            hi = hexval(s[i + 1]);
            lo = hi < 0 ? -1 : hexval(s[i + 2]);
            if (hi < 0 || lo < 0) {
                return APR_EINVAL;
            }
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        }
        else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    if ((apr_size_t)(o - out) != strlen(out)
        || todo_utf8_count(out, (apr_size_t)(o - out)) < 0) {
        return APR_EINVAL; /* embedded NUL or invalid UTF-8 */
    }
    *pout = out;
    return APR_SUCCESS;
}

apr_status_t todo_form_parse(apr_pool_t *p, const char *s, apr_size_t len,
                             apr_table_t **ptable)
{
    apr_table_t *t = apr_table_make(p, 8);
    apr_size_t i = 0;
    apr_status_t rv;

    while (s && i < len) {
        apr_size_t start = i, eq = (apr_size_t)-1;
        const char *name, *value = "";

        for (; i < len && s[i] != '&'; ++i) {
            if (s[i] == '=' && eq == (apr_size_t)-1) {
                eq = i;
            }
        }
        if (i > start) {
            apr_size_t name_end = eq == (apr_size_t)-1 ? i : eq;
            rv = form_unescape(p, s + start, name_end - start, &name);
            if (APR_SUCCESS != rv) {
                return rv;
            }
            if (eq != (apr_size_t)-1) {
                rv = form_unescape(p, s + eq + 1, i - eq - 1, &value);
                if (APR_SUCCESS != rv) {
                    return rv;
                }
            }
            apr_table_set(t, name, value);
        }
        ++i;
    }
    *ptable = t;
    return APR_SUCCESS;
}

/* Is the parameter name @a raw (@a len bytes as sent) @a name once
 * %-decoded ('+' as a space) and compared without ASCII case? */
static int name_means(const char *raw, apr_size_t len, const char *name)
{
    apr_size_t i = 0;

    for (; i < len; ++name) {
        int c = (unsigned char)raw[i++];
        if (c == '+') {
            c = ' ';
        }
        else if (c == '%' && i + 1 < len && hexval(raw[i]) >= 0
                 && hexval(raw[i + 1]) >= 0) {
            c = hexval(raw[i]) * 16 + hexval(raw[i + 1]);
            i += 2;
        }
        if (!*name || apr_tolower(c) != apr_tolower(*name)) {
            return 0;
        }
    }
    return *name == '\0';
}

const char *todo_redact_param(apr_pool_t *p, const char *text, const char *name)
{
    static const char stop[] = "&= #";
    const char *at, *eq, *end, *from = text;
    char *out = NULL;

    if (!text) {
        return text;
    }
    /* Each parameter starts the text (r->args), or follows '?' or '&'. */
    for (at = text; *at; ++at) {
        if (at != text && at[-1] != '?' && at[-1] != '&') {
            continue;
        }
        eq = at + strcspn(at, stop);
        if (*eq != '=' || !name_means(at, (apr_size_t)(eq - at), name)) {
            continue;
        }
        end = eq + 1 + strcspn(eq + 1, "& #");
        out = apr_pstrcat(p, out ? out : "",
                          apr_pstrmemdup(p, from, (apr_size_t)(eq + 1 - from)),
                          "[redacted]", NULL);
        from = end;
        at = end - 1;
    }
    return out ? apr_pstrcat(p, out, from, NULL) : text;
}

apr_status_t todo_form_get_exact(apr_pool_t *p, const char *s, const char *name,
                                 const char **pvalue)
{
    apr_size_t nlen = strlen(name);
    const char *at, *end, *found = NULL;
    apr_size_t found_len = 0;

    for (at = s; at && *at; at = *end ? end + 1 : end) {
        end = at + strcspn(at, "&");
        if ((apr_size_t)(end - at) > nlen && !strncmp(at, name, nlen)
            && at[nlen] == '=') {
            found = at + nlen + 1;
            found_len = (apr_size_t)(end - found);
        }
    }
    if (!found) {
        return APR_ENOENT;
    }
    return form_unescape(p, found, found_len, pvalue);
}
