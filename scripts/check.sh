#!/bin/sh
# `make check`: static checks that keep the tree honest.
#  - formatting (clang-format with the repo's .clang-format)
#  - the layout's rules: nothing under mod_todo/core/ includes an httpd
#    header or a glue header (mod_todo/httpd/), every core file is a
#    todo_*.c|h, and docs/development.md's file table is the one the
#    headers' @file/@brief give (scripts/file-table.sh)
#  - the storage seam: only the two driver files (todo_driver_sqlite.c,
#    todo_driver_pgsql.c) call SQLite or libpq, in mod_todo/ and tests/
#  - every directive of the table in todo_directives.h is documented in
#    docs/configuration.md and appears in conf/todo.conf, both showing the
#    table's default values
#  - debian/changelog's version and the Dockerfile's ARG VERSION are
#    VERSION's
#  - cppcheck finds nothing; pyflakes finds nothing in the tests' and
#    scripts' Python
#  - every Python module and command the tests (and the scripts they run)
#    use comes from a Debian package scripts/deps.sh names
#    (scripts/check-deps.py)
set -u
cd "$(dirname "$0")/.."
status=0

echo "== clang-format"
clang-format --dry-run --Werror mod_todo/*/*.c mod_todo/*/*.h \
    mod_todo/core/*/*.c mod_todo/core/*/*.h tests/unit/*.c tests/unit/*.h \
    tests/glue/*.c tests/glue/*.h tests/common/*.c tests/common/*.h \
    tests/fuzz/*.c tests/fuzz/*.h tests/bench/bare/*.c || status=1

core_inc=$(for d in mod_todo/core/*/; do printf ' -I %s' "${d%/}"; done)

echo "== layout: the core includes nothing of httpd's or the glue's"
if grep -rl '#include [<"]\(httpd\|http_\|ap_\|mod_dbd\|unixd\|util_\|mod_todo\)' \
    mod_todo/core; then
    echo "check: the files above are in mod_todo/core/ but include httpd" \
         "or glue (mod_todo/httpd/) headers"
    status=1
fi
for f in $(find mod_todo/core -type f); do
    case "$f" in
    mod_todo/core/*/todo_*.[ch]) ;;
    *) echo "check: $f: the core holds mod_todo/core/<concern>/todo_*.c|h only"
       status=1 ;;
    esac
done
for f in $(find mod_todo/httpd -type f); do
    case "$f" in
    mod_todo/httpd/mod_todo*.[ch] | mod_todo/httpd/mod_todo.map) ;;
    *) echo "check: $f: the glue holds mod_todo/httpd/mod_todo*.c|h only"
       status=1 ;;
    esac
done
echo "== the storage seam: SQLite and libpq in their driver files only"
# Everything else reaches them through db->driver (todo_driver.h): no
# sqlite3_*() or PQ*() call, no sqlite3.h or libpq-fe.h, no native handle.
natives=$(grep -rlE --include='*.c' --include='*.h' \
    '\b(sqlite3_[a-z0-9_]+|PQ[a-zA-Z]+)[[:space:]]*\(|#[[:space:]]*include[[:space:]]*[<"](sqlite3|libpq-fe)\.h|apr_dbd_native_handle' \
    mod_todo tests |
    grep -vx 'mod_todo/core/store/todo_driver_sqlite\.c' |
    grep -vx 'mod_todo/core/store/todo_driver_pgsql\.c')
if [ -n "$natives" ]; then
    echo "$natives"
    echo "check: the files above call SQLite or libpq (or take apr_dbd's" \
         "native handle); only todo_driver_sqlite.c and" \
         "todo_driver_pgsql.c may: add an op to todo_db_driver_t" \
         "(todo_driver.h) instead"
    status=1
fi
echo "== docs/development.md's file table"
sh scripts/file-table.sh --check || status=1

# The directive table (todo_directives.h), expanded by the C
# preprocessor: every name, and every default as a directive spells it.
table() {
    printf '#include "todo_directives.h"\n%s\n%s()\n' "$1" "$2" |
        cpp -P $core_inc - | tr '@' '\n' | sed 's/ *$//; s/"//g' |
        grep -v '^$'
}

echo "== directives documented, with the table's defaults"
for d in $(table '#define X_NAME(n) @n' TODO_DIRECTIVE_NAMES); do
    grep -q "^## $d\$" docs/configuration.md ||
        { echo "check: $d is not in docs/configuration.md"; status=1; }
    grep -q "^ *#\{0,1\}$d\( \|\$\)" conf/todo.conf ||
        { echo "check: $d is not in conf/todo.conf"; status=1; }
done
defaults=$(table '#define X_DEFAULT(n, v) @n v' TODO_DIRECTIVE_DEFAULTS)
for d in $(echo "$defaults" | cut -d' ' -f1 | sort -u); do
    want=$(echo "$defaults" | sed -n "s/^$d //p")
    # docs: the "- **Default:**" item of the directive's section (it may
    # wrap) shows each default as `Name value`, and no other value.
    shown=$(awk -v h="## $d" '
        $0 == h { s = 1; next } /^## / { s = 0 }
        s && /^- \*\*Default:\*\*/ { d = 1 } s && d && /^- \*\*/ && !/Default/ { d = 0 }
        s && d { printf "%s ", $0 }' docs/configuration.md |
        grep -o "\`$d [^\`]*\`" | tr -d '\`' | sed "s/^$d //")
    [ "$(echo "$shown" | sort)" = "$(echo "$want" | sort)" ] || {
        echo "check: docs/configuration.md shows $d's default as" \
             "'$(echo $shown)'; the table says '$(echo $want)'"
        status=1
    }
    # conf/todo.conf: each default commented out, as "#Name value", and
    # no commented line with another value.
    shown=$(sed -n "s/^ *#$d  *//p" conf/todo.conf)
    [ "$(echo "$shown" | sort)" = "$(echo "$want" | sort)" ] || {
        echo "check: conf/todo.conf shows #$d as '$(echo $shown)';" \
             "the table says '$(echo $want)'"
        status=1
    }
done

echo "== hand-written config members are merged"
for f in $(sed -n '/^typedef struct todo_srv_conf_t/,/Filled in by/p' \
    mod_todo/httpd/mod_todo_config.h |
    sed -n 's/^ *[a-z_0-9 ]*[ *]\([a-z_]*\)\(\[[A-Z_]*\]\)\{0,1\};.*/\1/p'); do
    grep -q "MERGE_POINTER([A-Za-z]*, $f)\|conf->$f\(\[i\]\)\{0,1\} = .*add->$f" \
        mod_todo/httpd/mod_todo_config.c ||
        { echo "check: todo_srv_conf_t.$f has no merge line"; status=1; }
done

echo "== log tags: each used once, next-number above the highest"
dups=$(grep -rhoE 'TODO_LOGNO\([0-9]+\)' mod_todo | sort | uniq -d)
if [ -n "$dups" ]; then
    echo "check: log tags used more than once: $dups"
    status=1
fi
highest=$(grep -rhoE 'TODO_LOGNO\([0-9]+\)' mod_todo |
    sed 's/[^0-9]//g; s/^0*//' | sort -n | tail -n 1)
next=$(cat mod_todo/next-number)
if [ "$next" -le "$highest" ]; then
    echo "check: mod_todo/next-number says $next; MT$highest is in use"
    status=1
fi

echo "== debian/changelog and the Dockerfile at VERSION"
version=$(cat VERSION)
deb=$(sed -n '1s/^[^ ]* (\([^)]*\)-[^-)]*).*/\1/p' debian/changelog)
if [ "$deb" != "$version" ]; then
    echo "check: debian/changelog's upstream version is '$deb';" \
         "VERSION says $version (dch -v $version-1)"
    status=1
fi
grep -q "^ARG VERSION=$version\$" Dockerfile || {
    echo "check: the Dockerfile's ARG VERSION is not $version"
    status=1
}

if command -v cppcheck >/dev/null 2>&1; then
    echo "== cppcheck"
    cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
        --inline-suppr --std=c11 $core_inc -I mod_todo/httpd -I build/gen \
        mod_todo/ || status=1
fi
echo "== pyflakes (the tests' and scripts' Python)"
/usr/bin/python3 -m pyflakes tests/integration tests/bench scripts/*.py ||
    status=1
echo "== dependencies named (scripts/check-deps.py)"
/usr/bin/python3 scripts/check-deps.py || status=1

[ $status = 0 ] && echo "check: all good"
exit $status
