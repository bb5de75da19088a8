# exittop: see README.md. `make demo` and `make check` are the two entry points.
#
# Layout of what is built (everything lands in build/, nothing else is written):
#   build/exits.bpf.o    BPF object (clang -target bpf, CO-RE against vmlinux.h)
#   build/exits.skel.h   libbpf skeleton (bpftool gen skeleton)
#   build/exittop        the host CLI
#   build/exitgen        the workload VMM on /dev/kvm
#   build/exitcpuid      guest-side reader of the CPUID leaves

BUILD     ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
LLVM_STRIP ?= llvm-strip
KERNELS   ?= 6.1 6.12
CFLAGS    ?= -O2 -g
BPF_CFLAGS ?=
WARN      := -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter
CPPFLAGS  += -D_GNU_SOURCE -I$(BUILD) -Ibpf -Iuser
LDLIBS_EXITTOP := -lbpf -lelf -lz -lncursesw -lm
# exittop runs as root: full RELRO; and binding every symbol at start-up
# keeps lazy symbol resolution out of the first refreshes.
LDFLAGS_EXITTOP := -Wl,-z,relro,-z,now

EXITTOP_SRCS := $(filter-out user/exittop.c,$(wildcard user/*.c))
EXITGEN_SRCS := $(wildcard exitgen/*.c exitgen/*.S)
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_BINS    := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps clean check test-unit test-host test-testbed demo bench vmlinux testbed-cache

all: $(BUILD)/exittop $(BUILD)/exitgen $(BUILD)/exitcpuid

deps:
	@scripts/deps.sh build

$(BUILD):
	@mkdir -p $(BUILD) $(BUILD)/tests

$(BUILD)/exits.bpf.o: bpf/exits.bpf.c bpf/exits.h vmlinux.h | $(BUILD)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 $(BPF_CFLAGS) -I. -Ibpf -c $< -o $@.tmp
	# DWARF is not needed at run time (BTF is kept): a 2 MB skeleton becomes small.
	$(LLVM_STRIP) -g $@.tmp && mv $@.tmp $@

$(BUILD)/exits.skel.h: $(BUILD)/exits.bpf.o
	$(BPFTOOL) gen skeleton $< name exits > $@.tmp && mv $@.tmp $@

$(BUILD)/exittop: user/exittop.c $(EXITTOP_SRCS) $(wildcard user/*.h) bpf/exits.h $(BUILD)/exits.skel.h
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) $(LDFLAGS_EXITTOP) user/exittop.c $(EXITTOP_SRCS) -o $@ $(LDLIBS_EXITTOP)

$(BUILD)/exitgen: $(EXITGEN_SRCS) $(wildcard exitgen/*.h) | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) $(EXITGEN_SRCS) -o $@ -lpthread

$(BUILD)/exitcpuid: guest/exitcpuid.c user/reasons.c user/reasons.h | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) -static guest/exitcpuid.c user/reasons.c -o $@

# Unit tests (cmocka): each tests/unit/test_X.c links the user/ sources it tests.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(EXITTOP_SRCS) $(wildcard user/*.h) $(BUILD)/exits.skel.h
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS) $< $(EXITTOP_SRCS) -o $@ -lcmocka $(LDLIBS_EXITTOP)

# Regenerate vmlinux.h from the running kernel's BTF (see the comment at its top).
vmlinux:
	scripts/gen-vmlinux-h.sh > vmlinux.h.tmp && mv vmlinux.h.tmp vmlinux.h

test-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done
	tests/bench/report-test.sh
	tests/bench/icount-report-test.sh

test-host: all
	tests/host/run.sh
	tests/host/export-all.sh

test-testbed: all
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

# Writes docs/benchmarks.md and docs/benchmarks.png (about 40-50 min; see bench/icount-run.sh, bench/run.sh).
# First the deterministic half (bench/icount-run.sh: QEMU icount, guest
# instructions per exit, into build/bench-icount/): its tables lead the report.
bench:
	@scripts/deps.sh test testbed bench
	$(MAKE) all
	timeout 3900 bench/icount-run.sh
	timeout 4800 bench/run.sh

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
