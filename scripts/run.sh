#!/bin/sh
# `make run`: serve the API in the foreground on 127.0.0.1:$PORT from
# the instance directory $INSTANCE. Ctrl-C stops it; data and secret stay.
set -eu

PORT=${PORT:-8080}
INSTANCE=${INSTANCE:-var}
conf=$(ERRORLOG=/dev/stderr sh "$(dirname "$0")/instance.sh" "$INSTANCE" "$PORT")
httpd=$(apxs -q SBINDIR)/$(apxs -q TARGET)

"$httpd" -t -f "$conf" >/dev/null
echo "mod_todo: serving http://127.0.0.1:$PORT/api/v1 (instance $(dirname "$conf"); Ctrl-C stops)"
exec "$httpd" -f "$conf" -DFOREGROUND
