# apxs.mk: how mod_todo is built.
#
# The layout (docs/development.md): mod_todo/core/<concern>/todo_*.c|h is
# the core, which includes no httpd header; mod_todo/httpd/ is the glue;
# mod_todo/cli/ is todoctl. The core is compiled once, position
# independent, into build/libtodo.a. That archive is linked into the module
# (through apxs), into the todoctl CLI and into the cmocka unit tests.
# Headers are included by name: every core folder is on the include path.
#
# Every variable that asks apxs is recursive (=), so nothing runs apxs until
# a recipe needs it: the top-level Makefile installs apache2-dev first.

APXS        ?= apxs
APR_CONFIG  ?= apr-1-config
APU_CONFIG  ?= apu-1-config
BUILD       ?= build

CC           = $(shell $(APXS) -q CC)
APR_INCLUDES = $(shell $(APR_CONFIG) --cppflags --includes) \
               $(shell $(APU_CONFIG) --includes)
HTTPD_INC    = -I$(shell $(APXS) -q INCLUDEDIR)

# mod_md's warning set (minus -Wconversion, see docs/development.md).
WERROR_CFLAGS = -Wall -Wextra -Werror -Wmissing-prototypes \
                -Wstrict-prototypes -Wshadow -Wformat=2 -Wvla \
                -Wwrite-strings -Wnull-dereference -Wformat-security
OPT_CFLAGS   ?= -O2 -g
# The project's version (VERSION): in the module's ServerSignature
# component, todoctl --version and the todo_build_info metric.
VERSION      := $(shell cat VERSION)
SAN_CFLAGS   ?=
# Linker flags of the module and todoctl (debian/rules: the package's
# hardening, -Wl,-z,relro -Wl,-z,now).
LDFLAGS      ?=
CORE_CFLAGS   = $(OPT_CFLAGS) $(SAN_CFLAGS) -fPIC -std=gnu11 \
                $(WERROR_CFLAGS) $(APR_INCLUDES) -I$(BUILD)/gen $(CORE_INC) \
                -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
PG_INC        = -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
LIBS          = -ljansson -ljwt -lcrypt -lcrypto -lsqlite3 -lpq -lunistring

CORE_DIRS = $(sort $(dir $(wildcard mod_todo/core/*/*.h)))
CORE_INC  = $(addprefix -I,$(CORE_DIRS:/=))
CORE_SRC  = $(wildcard mod_todo/core/*/*.c)
CORE_HDR  = $(wildcard mod_todo/core/*/*.h)
GLUE_SRC  = $(wildcard mod_todo/httpd/*.c)
GLUE_HDR  = $(wildcard mod_todo/httpd/*.h)
SQL_FILES = $(sort $(wildcard sql/*/*.sql))
CORE_OBJ  = $(patsubst mod_todo/core/%.c,$(BUILD)/core/%.o,$(CORE_SRC)) \
            $(BUILD)/core/todo_migrations_data.o \
            $(BUILD)/core/todo_openapi_data.o

MODULE    = $(BUILD)/mod_todo.so
LIBTODO   = $(BUILD)/libtodo.a
TODOCTL   = $(BUILD)/todoctl
UNIT_BIN  = $(BUILD)/unit_tests
UNIT_SRC  = $(wildcard tests/unit/*.c) tests/common/ts_runner.c
GLUE_BIN  = $(BUILD)/glue_tests
GLUE_TEST_SRC = $(wildcard tests/glue/*.c) tests/common/ts_runner.c
# The glue files the glue's unit tests run; tests/glue/stub.c stands in
# for httpd and for the other glue files' symbols they call.
GLUE_TESTED = $(addprefix mod_todo/httpd/,mod_todo_http.c \
              mod_todo_handler.c mod_todo_shared.c mod_todo_config.c)

.PHONY: build module todoctl unit-build glue-build format format-check

build: $(MODULE) $(TODOCTL)
module: $(MODULE)
todoctl: $(TODOCTL)
unit-build: $(UNIT_BIN)
glue-build: $(GLUE_BIN)

$(BUILD)/gen/todo_version.h: VERSION
	@mkdir -p $(dir $@)
	printf '#define TODO_VERSION "%s"\n' "$(VERSION)" > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/todo_migrations_data.c: $(SQL_FILES) scripts/embed_sql.sh
	@mkdir -p $(dir $@)
	sh scripts/embed_sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/core/todo_migrations_data.o: $(BUILD)/gen/todo_migrations_data.c \
                                      mod_todo/core/store/todo_migrate.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CORE_CFLAGS) -c -o $@ $<

# The hand-written OpenAPI document, served at <mount>/openapi.json.
$(BUILD)/gen/todo_openapi_data.c: docs/openapi.json scripts/embed_file.sh
	@mkdir -p $(dir $@)
	sh scripts/embed_file.sh todo_openapi_data todo_openapi.h \
	    docs/openapi.json > $@.tmp && mv $@.tmp $@

$(BUILD)/core/todo_openapi_data.o: $(BUILD)/gen/todo_openapi_data.c \
                                   mod_todo/core/http/todo_openapi.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CORE_CFLAGS) -c -o $@ $<

$(BUILD)/core/%.o: mod_todo/core/%.c $(CORE_HDR) $(BUILD)/gen/todo_version.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CORE_CFLAGS) -c -o $@ $<

$(LIBTODO): $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

# apxs drives libtool: the glue is compiled with the same warnings, the core
# comes in as the static archive, and only todo_module is exported.
$(MODULE): $(GLUE_SRC) $(GLUE_HDR) $(CORE_HDR) $(LIBTODO) \
           $(BUILD)/gen/todo_version.h \
           mod_todo/httpd/mod_todo.map
	@mkdir -p $(BUILD)/apxs
	cp $(GLUE_SRC) $(GLUE_HDR) $(BUILD)/apxs/
	@echo "  APXS    $@"
	@cd $(BUILD)/apxs && $(APXS) -c -o mod_todo.la \
	    $(foreach f,$(OPT_CFLAGS) $(SAN_CFLAGS) $(WERROR_CFLAGS),-Wc,$(f)) \
	    -I$(CURDIR)/$(BUILD)/gen \
	    $(addprefix -I$(CURDIR)/,$(CORE_DIRS:/=)) $(PG_INC) \
	    $(notdir $(GLUE_SRC)) $(CURDIR)/$(LIBTODO) $(LIBS) \
	    -Wl,--version-script=$(CURDIR)/mod_todo/httpd/mod_todo.map \
	    $(LDFLAGS) \
	    $(if $(SAN_CFLAGS),-lasan -lubsan) \
	    > apxs.log 2>&1 || { cat apxs.log; exit 1; }
	@# rename, never overwrite: a running httpd has the old file mapped
	cp $(BUILD)/apxs/.libs/mod_todo.so $@.tmp && mv -f $@.tmp $@

$(TODOCTL): mod_todo/cli/todoctl.c $(LIBTODO) $(CORE_HDR) \
            $(BUILD)/gen/todo_version.h
	$(CC) $(CORE_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBTODO) $(LIBS) \
	    $(shell $(APU_CONFIG) --link-ld --libs) \
	    $(shell $(APR_CONFIG) --link-ld --libs)

$(UNIT_BIN): $(UNIT_SRC) tests/unit/test_common.h tests/common/ts_runner.h \
             $(LIBTODO) $(CORE_HDR)
	$(CC) $(CORE_CFLAGS) -Wno-missing-prototypes -Itests/unit -Itests/common \
	    -o $@ \
	    $(UNIT_SRC) $(LIBTODO) $(LIBS) -lcmocka \
	    $(shell $(APU_CONFIG) --link-ld --libs) \
	    $(shell $(APR_CONFIG) --link-ld --libs)

# The glue's unit tests: the glue files of GLUE_TESTED, unchanged and
# with the module's warnings, linked against httpd's stubs
# (tests/glue/stub.c) instead of httpd, with the core and cmocka.
$(GLUE_BIN): $(GLUE_TEST_SRC) $(wildcard tests/glue/*.h) \
             tests/common/ts_runner.h $(GLUE_TESTED) $(GLUE_HDR) $(LIBTODO) \
             $(CORE_HDR)
	$(CC) $(CORE_CFLAGS) $(HTTPD_INC) -DLINUX -D_REENTRANT -D_GNU_SOURCE \
	    -Imod_todo/httpd -Itests/glue -Itests/common -o $@ \
	    $(GLUE_TEST_SRC) $(GLUE_TESTED) $(LIBTODO) $(LIBS) -lcmocka \
	    $(shell $(APU_CONFIG) --link-ld --libs) \
	    $(shell $(APR_CONFIG) --link-ld --libs)

FORMAT_FILES = $(wildcard mod_todo/*/*.c mod_todo/*/*.h mod_todo/core/*/*.c \
               mod_todo/core/*/*.h tests/unit/*.c tests/unit/*.h \
               tests/glue/*.c tests/glue/*.h tests/common/*.c tests/common/*.h \
               tests/fuzz/*.c tests/fuzz/*.h tests/bench/bare/*.c)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
