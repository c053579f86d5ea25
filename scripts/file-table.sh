#!/bin/sh
# The table of source files in docs/development.md, made from the sources
# themselves: one row per file under mod_todo/ (a .c and its .h are one
# row), saying what its header's (or, without a header, its own)
# "@file ... @brief" comment says, up to the first blank comment line.
#
#   file-table.sh           print the table
#   file-table.sh --write   put it into docs/development.md, between
#                           <!-- file table --> and <!-- end of file table -->
#   file-table.sh --check   fail if docs/development.md's table differs
#                           (make check runs this)
set -eu
cd "$(dirname "$0")/.."

doc=docs/development.md
begin='<!-- file table: scripts/file-table.sh --write -->'
end='<!-- end of file table -->'

# The @brief of file $1, on one line.
brief() {
    awk '
        /@brief/ { on = 1; sub(/.*@brief[ \t]*/, "") }
        on && (/^ \*\/?[ \t]*$/ || /^ *\*\//) { exit }
        on { sub(/^ *\* ?/, ""); sub(/ *\*\/.*$/, ""); printf "%s ", $0 }
    ' "$1" | sed 's/ *$//; s/|/\\|/g'
}

table() {
    echo "| folder | file | holds |"
    echo "|---|---|---|"
    for dir in mod_todo/httpd mod_todo/cli mod_todo/core/*; do
        for f in "$dir"/*.c "$dir"/*.h; do
            [ -e "$f" ] || continue
            base=${f%.*}
            # A .c with a header is described by the header.
            case "$f" in *.c) [ -e "$base.h" ] && continue ;; esac
            name=$(basename "$base")
            text=$(brief "$f")
            if [ -z "$text" ]; then
                echo "file-table.sh: $f has no @brief" >&2
                exit 1
            fi
            echo "| ${dir#mod_todo/} | $name | $text |"
        done
    done
}

case "${1:-}" in
"")
    table ;;
--write | --check)
    new=$(mktemp)
    trap 'rm -f "$new"' EXIT
    table > "$new.table"
    awk -v b="$begin" -v e="$end" -v t="$new.table" '
        $0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
        $0 == e { skip = 0 }
        !skip { print }
    ' "$doc" > "$new"
    rm -f "$new.table"
    grep -qF "$begin" "$doc" || {
        echo "file-table.sh: $doc lacks the line: $begin" >&2
        exit 1
    }
    if [ "$1" = --write ]; then
        cat "$new" > "$doc"
    elif ! cmp -s "$new" "$doc"; then
        echo "check: $doc's file table is not what the sources say;" \
             "run sh scripts/file-table.sh --write" >&2
        diff "$doc" "$new" >&2 || true
        exit 1
    fi ;;
*)
    echo "usage: file-table.sh [--write | --check]" >&2
    exit 2 ;;
esac
