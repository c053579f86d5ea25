#!/bin/sh
# `make check`: static checks that keep the tree honest.
#  - formatting (clang-format with the repo's .clang-format)
#  - the core (mod_todo/todo_*.c|h) includes no httpd header
#  - every directive in todo_directives.h is documented in
#    docs/configuration.md and appears in conf/todo.conf
#  - cppcheck finds nothing
#  - every Python module and command the tests (and the scripts they run)
#    use comes from a Debian package scripts/deps.sh names
#    (scripts/check-deps.py)
set -u
cd "$(dirname "$0")/.."
status=0

echo "== clang-format"
clang-format --dry-run --Werror mod_todo/*.c mod_todo/*.h tests/unit/*.c \
    tests/fuzz/*.c tests/fuzz/*.h \
    tests/unit/*.h || status=1

echo "== core/glue split"
if grep -l '#include [<"]\(httpd\|http_\|ap_\|mod_dbd\|unixd\)' \
    mod_todo/todo_*.c mod_todo/todo_*.h; then
    echo "check: the files above are core (todo_*) but include httpd headers"
    status=1
fi

echo "== directives documented"
for d in $(sed -n 's/^#define \(Todo[A-Za-z]*\) .*/\1/p' \
    mod_todo/todo_directives.h); do
    grep -q "^## $d\$" docs/configuration.md ||
        { echo "check: $d is not in docs/configuration.md"; status=1; }
    grep -q "$d" conf/todo.conf ||
        { echo "check: $d is not in conf/todo.conf"; status=1; }
done

echo "== config members have a create default and a merge line"
for f in $(sed -n '/^typedef struct todo_srv_conf_t/,/Filled in by/p' \
    mod_todo/mod_todo_config.h |
    sed -n 's/^ *[a-z_0-9 ]*[ *]\([a-z_]*\);.*/\1/p'); do
    grep -q "TODO_MERGE[A-Z_]*($f)\|conf->$f = .*add->$f" \
        mod_todo/mod_todo_config.c ||
        { echo "check: todo_srv_conf_t.$f has no merge line"; status=1; }
done

if command -v cppcheck >/dev/null 2>&1; then
    echo "== cppcheck"
    cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
        --inline-suppr --std=c11 -I mod_todo -I build/gen \
        mod_todo/ || status=1
fi
echo "== dependencies named (scripts/check-deps.py)"
/usr/bin/python3 scripts/check-deps.py || status=1

[ $status = 0 ] && echo "check: all good"
exit $status
