# exittop: see README.md. `make demo` and `make check` are the two entry points.
#
# Layout of what is built (everything lands in build/, nothing else is written):
#   build/exits.bpf.o    BPF object (clang -target bpf, CO-RE against vmlinux.h)
#   build/exits.skel.h   libbpf skeleton (bpftool gen skeleton)
#   build/attrib.bpf.o, build/attrib.skel.h   the same for --attrib
#   build/detail.bpf.o, build/detail.skel.h   the --drill programs (bpf/detail.bpf.c)
#   build/exittop        the host CLI
#   build/exitgen        the workload VMM on /dev/kvm
#   build/exitcpuid      guest-side reader of the CPUID leaves

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
LLVM_STRIP ?= llvm-strip
AR        ?= ar
KERNELS   ?= 6.1 6.12
CFLAGS    ?= -O2 -g
BPF_CFLAGS ?=
WARN      := -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter
CPPFLAGS  += -D_GNU_SOURCE -I$(BUILD) -Ibpf -Ilib -Iuser
# -MMD -MP: each object's header dependencies land in its .d file.
DEPFLAGS  := -MMD -MP
# ---- version: debian/changelog's first entry is the one source (exittop --version, the package) ----
VERSION   := $(shell head -n 1 debian/changelog | cut -d' ' -f2 | tr -d '()')
CPPFLAGS  += -DEXITTOP_VERSION='"$(VERSION)"'
# ---- end version ----
LDLIBS_EXITTOP := -lbpf -lelf -lz -lncursesw -lm
# The exporter's HTTP server (libmicrohttpd with GnuTLS), its --web-config
# file (libyaml) and bcrypt password checks (libxcrypt).
LDLIBS_EXPORTER := -lmicrohttpd -lyaml -lcrypt
LDLIBS_EXITTOP += $(LDLIBS_EXPORTER)
# exittop runs as root: full RELRO; and binding every symbol at start-up
# keeps lazy symbol resolution out of the first refreshes.
LDFLAGS_EXITTOP := -Wl,-z,relro,-z,now

# `make V=1` prints the full commands, `make -s` nothing.
ifeq ($(V),1)
Q :=
msg = @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
Q := @
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2)
endif

# Objects build in parallel unless the caller chose a -j.
ifeq ($(filter -j% --jobs%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif

# A failed recipe never leaves a half-written target behind.
.DELETE_ON_ERROR:

# lib/: what several programs share (exittop, exitgen, exitcpuid, tests).
# user/: exittop's modules; all but main() go into one static library that
# exittop, the unit tests and the host test drivers link.
LIB_SRCS     := $(wildcard lib/*.c)
USER_SRCS    := $(filter-out user/exittop.c,$(wildcard user/*.c))
EXITGEN_SRCS := $(wildcard exitgen/*.c exitgen/*.S)
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)

# Objects under $(BUILD)/obj/, by source path (build/exitgen is a program).
OBJ := $(BUILD)/obj
obj = $(patsubst %,$(OBJ)/%.o,$(basename $(1)))
LIB_OBJS     := $(call obj,$(LIB_SRCS))
USER_OBJS    := $(call obj,$(USER_SRCS))
EXITGEN_OBJS := $(call obj,$(EXITGEN_SRCS))
UNIT_BINS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HOST_BINS    := $(BUILD)/tests/exitsdump $(BUILD)/tests/export-driver
ALL_OBJS     := $(LIB_OBJS) $(USER_OBJS) $(EXITGEN_OBJS) $(call obj,user/exittop.c guest/exitcpuid.c) \
		$(call obj,$(UNIT_SRCS)) $(call obj,tests/host/exitsdump.c tests/host/export-driver.c)

# Objects are kept between runs (pattern chains would delete them as intermediates).
.SECONDARY: $(ALL_OBJS)

LIBCOMMON := $(BUILD)/libcommon.a
LIBEXITTOP := $(BUILD)/libexittop.a

.PHONY: all deps clean check test-unit test-host test-testbed demo bench bench-keyscale soak vmlinux testbed-cache

all: $(BUILD)/exittop $(BUILD)/exitgen $(BUILD)/exitcpuid

deps:
	@scripts/deps.sh build

$(BUILD)/exits.bpf.o: bpf/exits.bpf.c bpf/exits.h bpf/drops.bpf.h bpf/lat.bpf.h bpf/threads.bpf.h vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 $(BPF_CFLAGS) -I. -Ibpf -c $< -o $@
	@# DWARF is not needed at run time (BTF is kept): a 2 MB skeleton becomes small.
	$(Q)$(LLVM_STRIP) -g $@

# exittop --drill's programs: their own object, loaded only when asked for.
$(BUILD)/detail.bpf.o: bpf/detail.bpf.c bpf/detail.h bpf/drops.bpf.h bpf/exits.h bpf/lat.bpf.h bpf/threads.bpf.h bpf/pend.bpf.h vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 $(BPF_CFLAGS) -I. -Ibpf -c $< -o $@
	@# DWARF is not needed at run time (BTF is kept): a 2 MB skeleton becomes small.
	$(Q)$(LLVM_STRIP) -g $@

# Latency attribution (--attrib): its own object, loaded only when asked for.
$(BUILD)/attrib.bpf.o: bpf/attrib.bpf.c bpf/attrib.h bpf/drops.bpf.h bpf/exits.h bpf/threads.bpf.h bpf/pend.bpf.h vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 $(BPF_CFLAGS) -I. -Ibpf -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/attrib.skel.h: $(BUILD)/attrib.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name attrib > $@

# The exit reason tables are data; lib/reasons.c includes them generated.
REASON_TABLES := lib/reasons-vmx.tsv lib/reasons-svm.tsv
$(BUILD)/reasons_tables.h: lib/gen-reasons.awk $(REASON_TABLES)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q){ echo '/* Generated from $(REASON_TABLES) by lib/gen-reasons.awk: do not edit. */'; \
	  awk -v table=vmx_table -f lib/gen-reasons.awk lib/reasons-vmx.tsv && \
	  awk -v table=svm_table -f lib/gen-reasons.awk lib/reasons-svm.tsv; } > $@
$(OBJ)/lib/reasons.o: $(BUILD)/reasons_tables.h
# the version is compiled in (see VERSION): a new changelog entry rebuilds its users
$(OBJ)/user/args.o $(OBJ)/user/exittop.o: debian/changelog

$(BUILD)/exits.skel.h: $(BUILD)/exits.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name exits > $@

$(BUILD)/detail.skel.h: $(BUILD)/detail.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name detail_bpf > $@

# One rule per kind of object.
$(OBJ)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) $(DEPFLAGS) -c $< -o $@

$(OBJ)/%.o: %.S
	$(call msg,AS,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(DEPFLAGS) -c $< -o $@

# The generated headers must exist before the first compile of their
# includers (the .d files record the dependency from then on); everything
# else compiles while clang builds the BPF object.
$(OBJ)/user/collect.o $(OBJ)/user/exitsmaps.o: | $(BUILD)/exits.skel.h
$(OBJ)/user/attribmaps.o: | $(BUILD)/attrib.skel.h
$(OBJ)/user/drill_collect.o: | $(BUILD)/detail.skel.h

# exitcpuid runs in minimal guests: static.
$(BUILD)/exitcpuid: $(OBJ)/guest/exitcpuid.o $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -static $^ -o $@

$(LIBCOMMON): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBEXITTOP): $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/exittop: $(OBJ)/user/exittop.o $(LIBEXITTOP) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(LDFLAGS_EXITTOP) $^ -o $@ $(LDLIBS_EXITTOP)

$(BUILD)/exitgen: $(EXITGEN_OBJS) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ -lpthread

# Unit tests (cmocka) and host test drivers link the same libraries.
$(BUILD)/tests/%: $(OBJ)/tests/unit/%.o $(LIBEXITTOP) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ -lcmocka $(LDLIBS_EXITTOP)

$(HOST_BINS): $(BUILD)/tests/%: $(OBJ)/tests/host/%.o $(LIBEXITTOP) $(LIBCOMMON)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_EXITTOP)

-include $(ALL_OBJS:.o=.d)

# Regenerate vmlinux.h from the running kernel's BTF (see the comment at its top).
vmlinux:
	scripts/gen-vmlinux-h.sh > vmlinux.h.tmp && mv vmlinux.h.tmp vmlinux.h

test-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done
	tests/bench/report-test.sh
	tests/bench/icount-report-test.sh
	tests/bench/keyscale-report-test.sh

test-host: all
	tests/host/run.sh
	tests/host/export-all.sh
	# packaging: rules (promtool, seconds), .debs built, lintian, installed, purged (about 2.5 min)
	tests/host/prometheus-rules.sh
	tests/host/package.sh

test-testbed: all $(BUILD)/tests/export-driver $(BUILD)/tests/exitsdump
	@scripts/deps.sh testbed
	tests/testbed/run.sh $(KERNELS)

check:
	@scripts/deps.sh test testbed
	$(MAKE) all
	$(MAKE) test-unit
	$(MAKE) test-host
	$(MAKE) test-testbed

demo:
	@scripts/deps.sh demo
	$(MAKE) all
	scripts/demo.sh

# Writes docs/benchmarks.md and docs/benchmarks.png (about 2.5-3 h on a quiet
# 2-core host: 6.1 icount boot 48 min, 6.12 boot 29, 6.12 kernel patch 18,
# scale table 20-30, wall clock 46; see
# bench/icount-run.sh, bench/keyscale-run.sh, bench/run.sh). First the
# deterministic half (bench/icount-run.sh: QEMU icount, guest instructions
# per exit, into build/bench-icount/; exittop's tracer and stage tables on
# 6.12 too, where it reads the exit reason with plain loads, into
# build/bench-icount-6.12/; the kernel patch's cost on 6.12 as
# well, kernel-patch/measure-cost, into build/kernel-patch-cost/6.12/; then
# the scale table, into
# build/bench-keyscale/): its tables lead the report. A failed scale run
# leaves its table partial or out of the report, and says so.
bench:
	@scripts/deps.sh test testbed bench
	$(MAKE) all
	timeout 7000 bench/icount-run.sh
	@# 6.12: loops of 100,000 exits (at 20,000 its rounds without a tracer scatter 0.9%)
	BENCH_ICOUNT_KERNEL=6.12 BENCH_ICOUNT_SMP=1 BENCH_ICOUNT_RESULTS=build/bench-icount-6.12 BENCH_ICOUNT_TIMEOUT=2800 EXITTOP_ICOUNT_PATCH_ROUNDS=0 EXITTOP_ICOUNT_N=100000 \
		EXITTOP_ICOUNT_TRACERS="none perf_stat exittop exittop_probe floor stage1 stage2 stage3 stage4" \
		timeout 3000 bench/icount-run.sh || echo "make bench: bench/icount-run.sh on 6.12 failed: the report has exittop's deterministic cost on 6.1 only" >&2
	LOOPS="1@0 1@1 2@any" timeout 3300 kernel-patch/measure-cost 6.12 || echo "make bench: kernel-patch/measure-cost 6.12 failed: the report has the kernel patch's cost on 6.1 only" >&2
	timeout 2400 bench/keyscale-run.sh || echo "make bench: bench/keyscale-run.sh failed: the scale table in the report is partial or missing" >&2
	timeout 4800 bench/run.sh

# The scale table alone (possible CPUs x live keys: BPF map memory, exittop's
# CPU per refresh, VmHWM; about 20-30 min, four testbed boots): tables in
# build/bench-keyscale/keyscale.md; docs untouched.
bench-keyscale:
	@scripts/deps.sh test testbed bench
	$(MAKE) all
	timeout 2400 bench/keyscale-run.sh

# VM churn soak: >= 1,000 exitgen VMs over >= 10 minutes in the testbed while
# exittop (batch, exporter, a small key limit) runs; figures in
# build/soak/soak/summary.txt, docs/reliability.md. make check runs a
# 2-minute version (tests/testbed/soak.test).
SOAK_SECONDS ?= 600
SOAK_TIMEOUT = $(shell echo $$((3 * $(SOAK_SECONDS) + 300)))
soak: all
	@scripts/deps.sh testbed
	tests/vm/run --kernel 6.12 --smp 2 --timeout $(SOAK_TIMEOUT) --results $(BUILD)/soak -- \
		env SOAK_SECONDS=$(SOAK_SECONDS) SOAK_MIN_VMS=1000 SOAK_PARALLEL=4 tests/testbed/soak.test

# Fill the testbed cache (kernels, initramfs) without running anything.
testbed-cache:
	@scripts/deps.sh testbed
	@for k in $(KERNELS); do tests/vm/run --kernel $$k -- true || exit 1; done

clean:
	rm -rf $(BUILD)

# ---- install / uninstall (exporter and packaging) ----
# make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]
# The systemd unit's ExecStart is rewritten to $(PREFIX)/sbin/exittop.
PREFIX        ?= /usr/local
DESTDIR       ?=
SBINDIR       ?= $(PREFIX)/sbin
BINDIR        ?= $(PREFIX)/bin
MANDIR        ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR       ?= $(PREFIX)/lib/systemd/system
INSTALL       ?= install

.PHONY: install uninstall

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0755 $(BUILD)/exittop $(DESTDIR)$(SBINDIR)/exittop
	$(INSTALL) -m 0755 $(BUILD)/exitgen $(BUILD)/exitcpuid $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 man/exittop.8 $(DESTDIR)$(MANDIR)/man8/exittop.8
	$(INSTALL) -m 0644 man/exitgen.1 man/exitcpuid.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 packaging/exittop.bash-completion $(DESTDIR)$(COMPLETIONDIR)/exittop
	ln -sf exittop $(DESTDIR)$(COMPLETIONDIR)/exitgen
	ln -sf exittop $(DESTDIR)$(COMPLETIONDIR)/exitcpuid
	sed 's|/usr/local/sbin/exittop|$(SBINDIR)/exittop|' packaging/exittop.service \
		> $(DESTDIR)$(UNITDIR)/exittop.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/exittop.service.tmp
	mv $(DESTDIR)$(UNITDIR)/exittop.service.tmp $(DESTDIR)$(UNITDIR)/exittop.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/exittop $(DESTDIR)$(BINDIR)/exitgen $(DESTDIR)$(BINDIR)/exitcpuid \
		$(DESTDIR)$(MANDIR)/man8/exittop.8 $(DESTDIR)$(MANDIR)/man1/exitgen.1 \
		$(DESTDIR)$(MANDIR)/man1/exitcpuid.1 $(DESTDIR)$(COMPLETIONDIR)/exittop \
		$(DESTDIR)$(COMPLETIONDIR)/exitgen $(DESTDIR)$(COMPLETIONDIR)/exitcpuid \
		$(DESTDIR)$(UNITDIR)/exittop.service
