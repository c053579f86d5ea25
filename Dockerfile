# mod_todo in a container: Debian's apache2 with the module, built and
# installed with the README's steps, run by an unprivileged user on 8080.
#
#   docker build --build-arg VERSION=$(cat VERSION) -t mod_todo .
#   docker run -d --name todo -p 127.0.0.1:8080:8080 \
#       -v todo-data:/var/lib/mod_todo mod_todo
#
# The volume holds the SQLite database and the JWT secret, which the
# entrypoint makes on first start (docs/install.md). Layers are ordered so
# that a change to the code re-runs `make` only: the packages (and Swagger
# UI's files) come from layers that depend on scripts/deps.sh and ui/'s
# lock file alone.

# The project's version (VERSION), for the image's labels.
ARG VERSION=0.9.0

# ---- build: the README's steps ------------------------------------------
FROM debian:bookworm AS build
WORKDIR /src
# The build set (compiler, -dev packages) and ui (Swagger UI's files,
# fetched with curl and checked against the lock file; make install copies
# them), from deps.sh and the lock file alone.
COPY scripts/deps.sh scripts/ui-fetch.sh scripts/
COPY ui/package.json ui/package-lock.json ui/dist.files ui/
RUN sh scripts/deps.sh build ui \
 && rm -rf /var/lib/apt/lists/*
# Then the tree; SETUP=no: no secret and no database directory in an
# image layer.
COPY . .
RUN make build \
 && make install DESTDIR=/out SETUP=no

# ---- runtime: the serve set (apache2, the libraries the module links) ----
FROM debian:bookworm-slim
ARG VERSION
ARG SOURCE=""
LABEL org.opencontainers.image.title="mod_todo" \
      org.opencontainers.image.description="A Todo REST API served by Apache httpd (mod_todo)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY scripts/deps.sh /tmp/deps.sh
RUN sh /tmp/deps.sh serve \
 && rm -rf /var/lib/apt/lists/* /tmp/deps.sh
COPY --from=build /out/ /
COPY docker/entrypoint.sh /usr/local/bin/todo-entrypoint
COPY docker/configure.sh docker/todo-docker.conf /tmp/docker/
RUN sh /tmp/docker/configure.sh && rm -rf /tmp/docker

ENV TODO_LISTEN=8080 \
    TODO_JWT_SECRET_FILE=/var/lib/mod_todo/jwt.secret
VOLUME /var/lib/mod_todo
EXPOSE 8080
# www-data (uid 33), numerically so that runAsNonRoot can check it.
USER 33:33
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/api/v1/healthz || exit 1
# apache2's graceful stop: requests in flight finish.
STOPSIGNAL SIGWINCH
ENTRYPOINT ["/usr/local/bin/todo-entrypoint"]
