# mod_todo: the two commands a newcomer needs are `make run` and `make test`.
# Both install what is missing (Debian 12, as root), build, and go.

PORT     ?= 8080
DB       ?= sqlite3
TLS      ?= 0
export PORT DB TLS
# INSTANCE: where `make run` keeps its instance (scripts/run.sh: ./var, or
# a fallback when httpd's user cannot reach ./var); set, it is used as is.
ifdef INSTANCE
export INSTANCE
endif

# The package sets of scripts/deps.sh each command installs: make run
# serves with `serve`, builds with `build`, installs Swagger UI with `ui`
# (Node.js and npm; UI=0 goes without, and /docs/ is not served), and adds
# the PostgreSQL server for DB=pgsql on a private cluster.
UI       ?= 1
export UI
RUN_DEPS  = serve build $(if $(filter 0,$(UI)),,ui) \
            $(if $(filter pgsql,$(DB)),$(if $(DB_PARAMS),,pgsql))
TEST_DEPS = serve build ui pgsql test package

.PHONY: all run test test-asan test-tls asan-build asan-unit-build deps unit \
        integration check clean docker-test bench bench-streams

all: build

include apxs.mk
include install.mk
include tests/fuzz/fuzz.mk

# Serve the API on http://127.0.0.1:$(PORT)/api/v1 from $(INSTANCE);
# DB=pgsql for PostgreSQL, TLS=1 for HTTPS (see scripts/run.sh).
run:
	sh scripts/deps.sh $(RUN_DEPS)
	$(MAKE) --no-print-directory build
	sh scripts/run.sh

# Every test: static checks, the cmocka unit tests (plain and under
# ASan+UBSan), the integration suite (over HTTP, over HTTPS, on
# PostgreSQL), and the integration suite again against an ASan+UBSan
# build. It prints each pass's time and its ten slowest tests. `make
# check` is the quick loop (under a minute).
test:
	sh scripts/deps.sh $(TEST_DEPS)
	$(MAKE) --no-print-directory build unit-build glue-build asan-build \
	    asan-unit-build
	sh scripts/test.sh

# What `make test` needs (DEPS="serve build" etc. for other sets).
DEPS ?= $(TEST_DEPS)
deps:
	sh scripts/deps.sh $(DEPS)

# The HTTP benchmark (docs/performance.md): tests/bench/run.sh installs
# the sets serve, build, pgsql and bench (wrk, the FastAPI peer's packages).
bench:
	sh tests/bench/run.sh

# Realtime at scale (issue #18, docs/performance.md): 10,000 SSE and
# WebSocket streams of 1,000 users on the shipped 2 x 64 event MPM, with
# delivery latency, task_get with and without them, RSS and threads.
# STREAMS_ARGS passes options (tests/bench/streams.py --help), e.g.
# STREAMS_ARGS="--streams 1000 --users 100".
STREAMS_ARGS ?=
bench-streams:
	sh scripts/deps.sh serve build bench
	$(MAKE) --no-print-directory build
	/usr/bin/python3 tests/bench/streams.py $(STREAMS_ARGS)

unit: unit-build glue-build
	$(UNIT_BIN)
	$(GLUE_BIN)

integration: build
	sh scripts/test.sh integration

# The integration suite over HTTPS (every instance with TLS=1).
test-tls: build
	sh scripts/test.sh tls

# The integration suite against an ASan+UBSan build of the module; any
# report that names mod_todo fails it.
test-asan:
	sh scripts/deps.sh $(TEST_DEPS)
	$(MAKE) --no-print-directory build asan-build
	sh scripts/test-asan.sh

SAN_MAKE = $(MAKE) --no-print-directory BUILD=build/asan OPT_CFLAGS="-O1 -g" \
	    SAN_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer"

asan-build:
	$(SAN_MAKE) build/asan/mod_todo.so

# The unit tests of the core and of the glue built with ASan+UBSan
# (build/asan/unit_tests, build/asan/glue_tests).
asan-unit-build:
	$(SAN_MAKE) build/asan/unit_tests build/asan/glue_tests

# The quick loop, under a minute (what to run before every commit):
# formatting, the layout rules, the docs and config that must not drift,
# cppcheck, the dependency check, then the unit tests under ASan+UBSan.
# `make test` runs all of it and every integration pass.
check: asan-unit-build
	sh scripts/check.sh
	sh scripts/test.sh unit-asan

# Build the Docker image and check it serves as promised (needs a working
# docker daemon, or TODO_DOCKER=podman, that reaches Debian's archive and
# the npm registry; not part of `make test`: docs/install.md, "Docker").
docker-test:
	TODO_DOCKER_TEST=1 /usr/bin/python3 -m pytest -p no:cacheprovider -q \
	    tests/integration/test_970_docker.py

clean:
	rm -rf $(BUILD)
