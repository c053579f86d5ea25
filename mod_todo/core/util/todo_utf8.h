/* Licensed under the Apache License, Version 2.0; see LICENSE. */

/**
 * @file todo_utf8.h
 * @brief UTF-8 checks (libunistring's). The contract counts lengths in
 * code points.
 */
#ifndef TODO_UTF8_H
#define TODO_UTF8_H

#include <apr.h>

/**
 * Count the code points of @a len bytes of UTF-8, validating as it goes:
 * overlong forms, surrogates (U+D800..U+DFFF), values above U+10FFFF and
 * truncated sequences are all invalid.
 * @return the number of code points, or -1 if @a s is not valid UTF-8
 */
apr_ssize_t todo_utf8_count(const char *s, apr_size_t len);

#endif /* TODO_UTF8_H */
