# moat — one build for libmoat, the moat command, tests, fuzzers and benchmarks.
#
# The outer make installs dependencies (scripts/install-deps) and then calls
# itself with INNER=1 for the real work, so pkg-config is only consulted once
# the -dev packages exist.  Variants build into their own folders:
#   build/        release (-O2 -g)          make, make demo
#   build/asan/   ASan + UBSan              make check
#   build/fuzz/   clang + libFuzzer         make fuzz-smoke, make fuzz

ifndef INNER
.PHONY: all check demo fuzz fuzz-smoke bench clean deps golden-update test

all: deps
	@$(MAKE) --no-print-directory INNER=1 build-all

deps:
	@scripts/install-deps

demo: all
	@scripts/demo build/moat

check: deps
	@scripts/check-layering
	@$(MAKE) --no-print-directory INNER=1 build-all
	@$(MAKE) --no-print-directory INNER=1 BUILD=build/asan SAN=1 build-tests
	@MOAT_BUILD=build/asan tests/run
	@$(MAKE) --no-print-directory fuzz-smoke

test: deps
	@$(MAKE) --no-print-directory INNER=1 BUILD=build/asan SAN=1 build-tests
	@MOAT_BUILD=build/asan tests/run $(T)

fuzz-smoke: deps
	@$(MAKE) --no-print-directory INNER=1 BUILD=build/fuzz CC=clang FUZZ=1 build-fuzz
	@scripts/fuzz-run build/fuzz $${FUZZ_SECONDS:-4}

fuzz: deps
	@$(MAKE) --no-print-directory INNER=1 BUILD=build/fuzz CC=clang FUZZ=1 build-fuzz
	@scripts/fuzz-run build/fuzz $${FUZZ_SECONDS:-300}

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory INNER=1 build-all
	@$(MAKE) --no-print-directory INNER=1 build-bench
	@scripts/bench-run build

# Regenerates the expected outputs of every test that honours MOAT_GOLDEN_UPDATE.
golden-update: deps
	@$(MAKE) --no-print-directory INNER=1 BUILD=build/asan SAN=1 build-tests
	@MOAT_GOLDEN_UPDATE=1 MOAT_BUILD=build/asan tests/run \
		$$(grep -l MOAT_GOLDEN_UPDATE tests/integration/*.sh)

clean:
	rm -rf build

else # ---------------------------------------------------------------- INNER

BUILD ?= build
CC ?= gcc
PKGS := libelf libbpf libpcap json-c libcap libmnl zlib

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wswitch-enum -Wformat=2 \
	-Wno-unused-parameter
CFLAGS := -std=gnu17 -O2 -g $(WARN) -fvisibility=hidden -D_GNU_SOURCE \
	-Iinclude -Isrc -Itests/lib $(shell pkg-config --cflags $(PKGS)) $(EXTRA_CFLAGS)
LDLIBS := $(shell pkg-config --libs $(PKGS)) -lm
ifdef SAN
CFLAGS += -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
ifdef FUZZ
CFLAGS += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	-DMOAT_FUZZING=1
LDFLAGS += -fsanitize=fuzzer,address,undefined
endif

LIB_SRC := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC := $(sort $(wildcard src/cli/*.c))
TLIB_SRC := $(sort $(wildcard tests/lib/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/*_fuzz.c))
BENCH_SRC := $(sort $(wildcard bench/*/*_bench.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB := $(BUILD)/libmoat.a
MOAT := $(BUILD)/moat
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
FUZZ_BIN := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(sort $(wildcard tests/helpers/*.c)))

.PHONY: build-all build-tests build-fuzz build-bench
build-all: $(LIB) $(MOAT) $(BUILD)/rootfs/bin/busybox
build-tests: $(LIB) $(MOAT) $(UNIT_BIN) $(HELPERS) $(BUILD)/rootfs/bin/busybox
build-fuzz: $(FUZZ_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(call obj,$(LIB_SRC))
	@mkdir -p $(@D)
	@rm -f $@
	@ar rcs $@ $^

$(MOAT): $(call obj,$(CLI_SRC)) $(LIB)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(call obj,$(CLI_SRC)) $(LIB) $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(call obj,$(TLIB_SRC)) $(LIB)
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(TLIB_SRC)) $(LIB) $(LDLIBS)

$(BUILD)/tests/helpers/%: $(BUILD)/obj/tests/helpers/%.o $(LIB)
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# moat run's default root (busybox-static) beside the binary; the probe run
# inside containers is static and free of sanitizers.
$(BUILD)/rootfs/bin/busybox: scripts/mkrootfs
	@echo "  ROOTFS  $(BUILD)/rootfs"
	@scripts/mkrootfs $(BUILD)/rootfs

$(BUILD)/tests/helpers/probe: tests/helpers/probe.c
	@mkdir -p $(@D)
	@echo "  CC      $< (static)"
	@$(CC) -std=gnu17 -O2 $(WARN) -D_GNU_SOURCE -static -o $@ $<

$(BUILD)/fuzz/%: $(BUILD)/obj/fuzz/%.o $(LIB)
	@mkdir -p $(@D)
	@$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

build-bench: $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	@echo "  BENCH   $@"
	@$(CC) $(CFLAGS) -Wno-missing-prototypes $(BENCH_CFLAGS) -I../shared/bench -o $@ $< $(LIB) $(LDLIBS) $(BENCH_LDLIBS)

# seccomp: the x86-64 syscall table, generated from the kernel headers
# (linux-libc-dev) by scripts/gen-syscalls into $(BUILD)/gen/.
SYSCALL_HDR ?= /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(BUILD)/gen/syscalls_x86_64.h: scripts/gen-syscalls $(SYSCALL_HDR)
	@mkdir -p $(@D)
	@scripts/gen-syscalls $(SYSCALL_HDR) >$@.tmp && mv $@.tmp $@
$(BUILD)/obj/src/compile/seccomp/syscalls.o: $(BUILD)/gen/syscalls_x86_64.h
$(BUILD)/obj/src/compile/seccomp/syscalls.o: CFLAGS += -I$(BUILD)/gen

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

endif
