/* Licensed under the Apache License, Version 2.0; see LICENSE. */

#include "todo_utf8.h"

apr_ssize_t todo_utf8_count(const char *str, apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    apr_size_t i = 0;
    apr_ssize_t n = 0;

    while (i < len) {
        unsigned c = s[i];
        unsigned cp, min;
        apr_size_t extra, k;

        if (c < 0x80) {
            ++i;
            ++n;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1f;
            min = 0x80;
        }
        else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0f;
            min = 0x800;
        }
        else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07;
            min = 0x10000;
        }
        else {
            return -1;
        }
        if (len - i <= extra) {
            return -1;
        }
        for (k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return -1;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return -1;
        }
        i += extra + 1;
        ++n;
    }
    return n;
}
