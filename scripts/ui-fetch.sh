#!/bin/sh
# Fetch Swagger UI (the npm package swagger-ui-dist, at the version and
# integrity ui/package-lock.json pins) from the npm registry with curl, and
# unpack the files /docs/ serves (ui/dist.files) into
# ui/node_modules/swagger-ui-dist. No Node.js needed: the package is static
# files, and npm's own sha512 integrity is checked before anything is
# unpacked. Nothing is done when the files for that lock are there.
#
#   ui-fetch.sh [REGISTRY]     default https://registry.npmjs.org
set -eu
cd "$(dirname "$0")/../ui"

registry=${1:-${NPM_REGISTRY:-https://registry.npmjs.org}}
dest=node_modules/swagger-ui-dist
block=$(sed -n '/"node_modules\/swagger-ui-dist": {/,/}/p' package-lock.json)
version=$(echo "$block" | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')
integrity=$(echo "$block" | sed -n 's/.*"integrity": *"sha512-\([^"]*\)".*/\1/p')
if [ -z "$version" ] || [ -z "$integrity" ]; then
    echo "ui-fetch.sh: no swagger-ui-dist version and sha512 in" \
         "ui/package-lock.json" >&2
    exit 1
fi
if [ "$(cat "$dest/.fetched" 2>/dev/null)" = "$version $integrity" ]; then
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
url="$registry/swagger-ui-dist/-/swagger-ui-dist-$version.tgz"
echo "ui-fetch.sh: swagger-ui-dist $version from $registry"
curl -fsSL --retry 3 -o "$tmp/ui.tgz" "$url"
got=$(openssl dgst -sha512 -binary "$tmp/ui.tgz" | base64 | tr -d '\n')
if [ "$got" != "$integrity" ]; then
    echo "ui-fetch.sh: $url does not match ui/package-lock.json's sha512;" \
         "nothing installed" >&2
    exit 1
fi
# npm tarballs hold the package under package/.
files=$(sed 's|^|package/|' dist.files)
# shellcheck disable=SC2086 # a list of paths
tar -xzf "$tmp/ui.tgz" -C "$tmp" $files
rm -rf "$dest"
mkdir -p "$dest"
for f in $(cat dist.files); do
    cp "$tmp/package/$f" "$dest/$f"
done
echo "$version $integrity" > "$dest/.fetched"
