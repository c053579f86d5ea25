# tests/fuzz/fuzz.mk: libFuzzer targets for the core's parsers (included
# by the top-level Makefile; see docs/development.md, "Fuzzing").
#
# The core sources are compiled again with clang, instrumented for
# coverage and ASan+UBSan, into their own archive (never build/libtodo.a,
# which is gcc -O2); each target links only what it needs from it.
#
#   make fuzz                      every target, FUZZ_TIME seconds each
#   make fuzz FUZZ_TIME=300 FUZZ_TARGETS="ws jwt"
#   make fuzz-build                build only

FUZZ_CC      ?= clang-14
FUZZ_TIME    ?= 30
FUZZ_TARGETS ?= ws router json_task json_user jwt time utf8 query wire
FUZZ_BUILD    = $(BUILD)/fuzz
FUZZ_SAN      = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   = -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) -std=gnu11 \
                $(WERROR_CFLAGS) $(APR_INCLUDES) -I$(BUILD)/gen $(CORE_INC) \
                -Itests/fuzz \
                -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
FUZZ_CORE_OBJ = $(patsubst mod_todo/core/%.c,$(FUZZ_BUILD)/core/%.o,$(CORE_SRC)) \
                $(FUZZ_BUILD)/core/todo_migrations_data.o
FUZZ_LIB      = $(FUZZ_BUILD)/libtodo_fuzz.a
FUZZ_BINS     = $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build

fuzz-build: $(FUZZ_BINS)

# clang-14 and its fuzzer runtime (libclang-rt-14-dev, which clang-14
# only recommends): scripts/deps.sh's fuzz set, with the build set.
fuzz:
	sh scripts/deps.sh build fuzz
	$(MAKE) --no-print-directory fuzz-build
	FUZZ_TIME=$(FUZZ_TIME) FUZZ_BUILD=$(FUZZ_BUILD) \
	    sh scripts/fuzz.sh $(FUZZ_TARGETS)

$(FUZZ_BUILD)/core/todo_migrations_data.o: $(BUILD)/gen/todo_migrations_data.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/core/%.o: mod_todo/core/%.c $(CORE_HDR) $(BUILD)/gen/todo_version.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h \
                      $(FUZZ_LIB) $(CORE_HDR)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB) $(LIBS) \
	    $(shell $(APU_CONFIG) --link-ld --libs) \
	    $(shell $(APR_CONFIG) --link-ld --libs)
