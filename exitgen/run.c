// SPDX-License-Identifier: GPL-2.0
/*
 * The per-vCPU KVM_RUN loop. The only exits that reach us are the ones the
 * guest causes on purpose (port I/O, MMIO, HLT without in-kernel LAPIC);
 * anything else is reported as an error with the vCPU's RIP.
 *
 * Queries: vCPU 0 OUTs to PORT_SYNC when its own workload is done; its
 * thread then waits until every other vCPU thread has seen its PORT_DONE
 * exit (so no further exits of the workload can happen) before re-entering
 * the guest, which then runs the query CPUIDs.
 *
 * Watchdog: the main thread wakes every second while the vCPU threads run.
 * At --timeout, or when a vCPU that is in KVM_RUN has made no progress
 * (no guest counter moved, no exit reached us) for --stall seconds, it stops
 * every vCPU (immediate_exit + a signal that interrupts KVM_RUN) and reports
 * where each one was: an exit loop inside KVM (e.g. a nested page fault
 * that never resolves) never reaches userspace and would otherwise spin
 * forever.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "kvmstats.h"
#include "layout.h"
#include "run.h"
#include "util.h"

struct run_ctx {
	struct eg_vm *vm;
	const struct eg_args *a;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int finished;		/* vCPU threads other than 0 done */
	unsigned int exited;		/* vCPU threads returned */
	int abort;			/* some vCPU failed: stop waiting */
	volatile int stop;		/* watchdog: every vCPU leaves KVM_RUN */
};

struct thread_arg {
	struct run_ctx *ctx;
	struct eg_vcpu *v;
};

static void mark_finished(struct run_ctx *c, int failed)
{
	pthread_mutex_lock(&c->lock);
	if (failed)
		c->abort = 1;
	else
		c->finished++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* vCPU 0 at PORT_SYNC: 0 once all other vCPUs are done, -1 on abort. */
static int wait_others(struct run_ctx *c)
{
	int r;

	pthread_mutex_lock(&c->lock);
	while (!c->abort && !c->stop && c->finished < c->vm->nvcpus - 1)
		pthread_cond_wait(&c->cond, &c->lock);
	r = c->abort || c->stop ? -1 : 0;
	pthread_mutex_unlock(&c->lock);
	return r;
}

static void report_unexpected(struct eg_vcpu *v, const char *what)
{
	struct kvm_regs r;

	memset(&r, 0, sizeof(r));
	ioctl(v->fd, KVM_GET_REGS, &r);
	eg_err("vcpu %u: unexpected %s (exit_reason %u) at rip 0x%llx",
	       v->index, what, v->run->exit_reason, (unsigned long long)r.rip);
}

static const char *const exc_name[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO",
	"#TS", "#NP", "#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP", NULL, NULL, NULL, NULL, NULL, NULL, "#HV", "#VC", "#SX",
};

/* The guest's handler of an unexpected vector OUTed to PORT_EXC. */
static void report_exception(struct eg_vcpu *v)
{
	struct kvm_regs r;
	const char *name = NULL;

	memset(&r, 0, sizeof(r));
	ioctl(v->fd, KVM_GET_REGS, &r);
	if (r.rax < 32)
		name = exc_name[r.rax];
	eg_err("vcpu %u: guest took unexpected %s %s%s(vector %llu), error code 0x%llx, "
	       "at rip 0x%llx (cs 0x%llx, rflags 0x%llx, rsp 0x%llx), cr2 0x%llx",
	       v->index, r.rax < 32 ? "exception" : "interrupt",
	       name ? name : "", name ? " " : "",
	       (unsigned long long)r.rax, (unsigned long long)r.rbx,
	       (unsigned long long)r.rcx, (unsigned long long)r.r10,
	       (unsigned long long)r.r8, (unsigned long long)r.r9,
	       (unsigned long long)r.rsi);
}

static int inject_wake(struct eg_vcpu *v, const char *who)
{
	struct kvm_interrupt irq = { .irq = WAKE_VECTOR };

	if (eg_ioctl(v->fd, KVM_INTERRUPT, &irq, who) < 0)
		return -1;
	v->ue.injected++;
	return 0;
}

/*
 * Sleeps at least us microseconds (nanosleep never returns early but on a
 * signal, and then sleeps on unless the watchdog stops us); the watchdog
 * does not count it as a stall. Returns the nanoseconds slept.
 */
static uint64_t sleep_us(struct run_ctx *c, struct eg_vcpu *v, uint64_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };
	uint64_t t0;

	if (!us)
		return 0;
	t0 = clock_mono_ns();
	v->state = EG_WAITING;
	while (nanosleep(&ts, &ts) && errno == EINTR && !c->stop)
		;
	v->state = EG_IN_GUEST;
	return clock_mono_ns() - t0;
}

/*
 * --user-delay-us, after a workload exit that reached us: time in the VMM
 * before re-entering, so the VMM's share of the exit's latency is known.
 */
static void user_delay(struct run_ctx *c, struct eg_vcpu *v)
{
	if (!c->a->user_delay_us)
		return;
	v->delay_ns += sleep_us(c, v, c->a->user_delay_us);
	v->delays++;
}

/* A workload port (T_PIO entry) of the right size: count it, or -1. */
static int workload_io(struct run_ctx *c, struct eg_vcpu *v)
{
	struct kvm_run *run = v->run;
	int in = run->io.direction == KVM_EXIT_IO_IN;

	for (unsigned int i = 0; i < c->a->nports; i++) {
		if (c->a->ports[i].port != run->io.port)
			continue;
		if (c->a->ports[i].size != run->io.size) {
			eg_err("vcpu %u: %s of %u bytes at port 0x%x, wanted %u",
			       v->index, in ? "IN" : "OUT", run->io.size,
			       run->io.port, c->a->ports[i].size);
			return -1;
		}
		/* What an IN reads: all ones, like a port nobody decodes. */
		if (in)
			memset((char *)run + run->io.data_offset, 0xff, run->io.size);
		v->pio_seen[i][in]++;
		v->ue.io++;
		user_delay(c, v);
		return 0;
	}
	eg_err("vcpu %u: %s to unexpected port 0x%x", v->index,
	       in ? "IN" : "OUT", run->io.port);
	return -1;
}

static int handle_io(struct run_ctx *c, struct eg_vcpu *v, int *done)
{
	struct kvm_run *run = v->run;

	if (run->io.count != 1) {
		report_unexpected(v, "port I/O shape (string I/O)");
		return -1;
	}
	if (run->io.port < PORT_CTL_FIRST || run->io.port > PORT_CTL_LAST)
		return workload_io(c, v);
	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1) {
		report_unexpected(v, "port I/O shape");
		return -1;
	}
	v->ue.io++;
	switch (run->io.port) {
	case PORT_DONE:
		*done = 1;
		return 0;
	case PORT_EXC:
		report_exception(v);
		return -1;
	case PORT_SYNC:
		if (v->index != 0 || !c->a->query_on) {
			report_unexpected(v, "sync OUT");
			return -1;
		}
		v->state = EG_WAITING;
		if (wait_others(c)) {
			if (!c->stop)
				eg_err("vcpu 0: another vCPU failed, no queries");
			else
				v->stopped = 1;
			return -1;
		}
		v->state = EG_IN_GUEST;
		return 0;
	}
	return -1;	/* not reached: every control port is handled above */
}

/* A 4-byte write to the start of one of the --mmio-pages pages. */
static int handle_mmio(struct run_ctx *c, struct eg_vcpu *v, const char *who)
{
	uint64_t gpa = v->run->mmio.phys_addr, page = (gpa - MMIO_GPA) / 4096;

	if (!v->run->mmio.is_write || v->run->mmio.len != 4 || gpa < MMIO_GPA ||
	    gpa % 4096 || page >= c->a->mmio_pages) {
		eg_err("%s: unexpected MMIO %s of %u bytes at 0x%llx", who,
		       v->run->mmio.is_write ? "write" : "read", v->run->mmio.len,
		       (unsigned long long)gpa);
		return -1;
	}
	v->mmio_seen[page]++;
	v->ue.mmio++;
	user_delay(c, v);
	return 0;
}

static int handle_hlt(struct run_ctx *c, struct eg_vcpu *v, const char *who)
{
	v->ue.hlt++;
	user_delay(c, v);
	sleep_us(c, v, c->a->hlt_delay_us);
	/* RIP is past the HLT already: re-entering resumes the guest. */
	if (c->a->hlt_no_wake)
		return 0;
	/*
	 * The guest did STI; HLT, so IF=1 and the STI shadow is over: KVM
	 * says ready and the injection needs no interrupt-window exit. Should
	 * it ever not be ready, ask for the window (an extra exit, counted in
	 * user_exits.irq_window) rather than inject into a masked guest.
	 */
	if (!v->run->ready_for_interrupt_injection || !v->run->if_flag) {
		v->run->request_interrupt_window = 1;
		return 0;
	}
	return inject_wake(v, who);
}

static int vcpu_loop(struct run_ctx *c, struct eg_vcpu *v)
{
	char who[32];
	int done = 0;

	snprintf(who, sizeof(who), "vcpu %u", v->index);
	while (!done) {
		if (c->stop) {
			v->stopped = 1;
			return -1;
		}
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (!c->stop)
					v->ue.intr++;
				continue;
			}
			eg_err("ioctl KVM_RUN (%s): %s (errno %d)", who,
			       strerror(errno), errno);
			return -1;
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			if (handle_io(c, v, &done))
				return -1;
			break;
		case KVM_EXIT_MMIO:
			if (handle_mmio(c, v, who))
				return -1;
			break;
		case KVM_EXIT_HLT:
			if (handle_hlt(c, v, who))
				return -1;
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			v->ue.irq_window++;
			v->run->request_interrupt_window = 0;
			if (inject_wake(v, who))
				return -1;
			break;
		case KVM_EXIT_INTR:
			v->ue.intr++;
			break;
		case KVM_EXIT_FAIL_ENTRY:
			eg_err("%s: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
			       who, (unsigned long long)
			       v->run->fail_entry.hardware_entry_failure_reason);
			return -1;
		case KVM_EXIT_INTERNAL_ERROR:
			eg_err("%s: KVM_EXIT_INTERNAL_ERROR, suberror %u", who,
			       v->run->internal.suberror);
			return -1;
		case KVM_EXIT_SHUTDOWN:
			/*
			 * Every vector has a handler that reports to us, so only
			 * a broken IDT/GDT/TSS or stack gets here. SVM resets
			 * the vCPU on shutdown: the RIP printed is 0xfff0.
			 */
			report_unexpected(v, "shutdown (triple fault; the registers "
					  "are already reset)");
			return -1;
		default:
			report_unexpected(v, "exit");
			return -1;
		}
	}
	v->finished = 1;
	return 0;
}

static void *vcpu_thread(void *p)
{
	struct thread_arg *t = p;
	struct eg_vcpu *v = t->v;

	char name[16];

	/* The name shows as comm in tracepoints, top and exittop. */
	snprintf(name, sizeof(name), "exitgen-vcpu%u", v->index);
	pthread_setname_np(pthread_self(), name);
	v->tid = syscall(SYS_gettid);
	v->failed = vcpu_loop(t->ctx, v) ? 1 : 0;
	/* vCPU 0 may be the one waiting: everybody else reports in. */
	if (v->index != 0 || v->failed)
		mark_finished(t->ctx, v->failed);
	pthread_mutex_lock(&t->ctx->lock);
	v->state = EG_EXITED;
	t->ctx->exited++;
	pthread_cond_broadcast(&t->ctx->cond);
	pthread_mutex_unlock(&t->ctx->lock);
	return NULL;
}

static void on_kick(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return EINTR */
}

/* Everything that moves while a vCPU makes progress. */
static uint64_t progress_of(const struct eg_vcpu *v)
{
	uint64_t p = v->ue.io + v->ue.mmio + v->ue.hlt + v->ue.irq_window;

	for (unsigned int off = C_CPUID; off <= C_QCPUID; off += 8)
		p += v->param[off / 8];
	return p;
}

/* Makes every vCPU thread leave KVM_RUN (or its wait) and return. */
static void stop_all(struct run_ctx *c, unsigned int started)
{
	pthread_mutex_lock(&c->lock);
	c->stop = 1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	for (unsigned int i = 0; i < started; i++) {
		struct eg_vcpu *v = &c->vm->vcpus[i];

		/* Seen by a KVM_RUN not yet entered; the signal kicks a running one. */
		v->run->immediate_exit = 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (v->state != EG_EXITED)
			pthread_kill(v->thread, SIGUSR1);
	}
}

/* After stop_all: where was each unfinished vCPU, what had it done. */
static void report_stopped(struct run_ctx *c, unsigned int started, uint64_t now)
{
	for (unsigned int i = 0; i < started; i++) {
		struct eg_vcpu *v = &c->vm->vcpus[i];
		struct kvm_regs r;
		struct kvm_vcpu_events ev;
		uint64_t exits = 0;
		char extra[96] = "", prog[64] = "still making progress";

		if (v->finished || !v->stopped)
			continue;
		memset(&r, 0, sizeof(r));
		memset(&ev, 0, sizeof(ev));
		ioctl(v->fd, KVM_GET_REGS, &r);
		if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) == 0 &&
		    (ev.exception.injected || ev.exception.pending))
			snprintf(extra, sizeof(extra), ", exception %u %s",
				 ev.exception.nr,
				 ev.exception.injected ? "injected" : "pending");
		/* Progress is sampled once a second: less than 2 s is "moving". */
		if (now - v->progress_ns >= 2000000000ULL)
			snprintf(prog, sizeof(prog), "no progress for %.0f s",
				 (now - v->progress_ns) / 1e9);
		eg_err("vcpu %u: stopped at rip 0x%llx (rsp 0x%llx, rflags 0x%llx%s); "
		       "guest counters cpuid %llu io %llu mmio %llu msr %llu hlt %llu, "
		       "%s",
		       i, (unsigned long long)r.rip, (unsigned long long)r.rsp,
		       (unsigned long long)r.rflags, extra,
		       (unsigned long long)(v->param[C_CPUID / 8] + v->param[C_QCPUID / 8]),
		       (unsigned long long)v->param[C_IO / 8],
		       (unsigned long long)v->param[C_MMIO / 8],
		       (unsigned long long)v->param[C_MSR / 8],
		       (unsigned long long)v->param[C_HLT / 8],
		       prog);
		if (v->stall_exits != UINT64_MAX &&
		    now - v->progress_ns >= 2000000000ULL &&
		    kvmstats_value(v->stats_fd, "exits", &exits) == 0)
			eg_err("vcpu %u: meanwhile KVM counted %llu exits of it that "
			       "never reached exitgen (handled inside KVM, e.g. "
			       "nested page faults)", i,
			       (unsigned long long)(exits - v->stall_exits));
	}
}

/*
 * One watchdog tick: "" to go on, or why every vCPU must stop. A vCPU
 * counts as stalled only while it is in KVM_RUN (not waiting for the
 * others at PORT_SYNC nor in --hlt-delay-us).
 */
static const char *watchdog(struct run_ctx *c, unsigned int started,
			    uint64_t now, uint64_t deadline_ns, char *why, size_t n)
{
	const struct eg_args *a = c->a;

	if (deadline_ns && now >= deadline_ns) {
		snprintf(why, n, "--timeout %u s expired", a->timeout);
		return why;
	}
	for (unsigned int i = 0; i < started; i++) {
		struct eg_vcpu *v = &c->vm->vcpus[i];
		uint64_t p = progress_of(v);

		if (v->state != EG_IN_GUEST || p != v->progress) {
			v->progress = p;
			v->progress_ns = now;
			v->stall_exits = UINT64_MAX;
			continue;
		}
		if (v->stall_exits == UINT64_MAX &&
		    kvmstats_value(v->stats_fd, "exits", &v->stall_exits))
			v->stall_exits = UINT64_MAX;
		if (a->stall && now - v->progress_ns >= a->stall * 1000000000ULL) {
			snprintf(why, n, "vcpu %u made no progress for %u s (--stall)",
				 i, a->stall);
			return why;
		}
	}
	return "";
}

int run_vcpus(struct eg_vm *vm, const struct eg_args *a, uint64_t deadline_ns,
	      uint64_t *elapsed_ns)
{
	struct run_ctx c = { .vm = vm, .a = a };
	struct thread_arg *t = calloc(vm->nvcpus, sizeof(*t));
	struct sigaction sa;
	pthread_condattr_t ca;
	unsigned int started = 0;
	uint64_t t0;
	int failed = 0;
	char why[128];
	const char *stop_why = "";

	if (!t)
		abort();
	/* No SA_RESTART: the signal must make KVM_RUN return EINTR. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_mutex_init(&c.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c.cond, &ca);
	t0 = clock_mono_ns();
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		int e;

		t[i].ctx = &c;
		t[i].v = &vm->vcpus[i];
		t[i].v->progress_ns = t0;
		t[i].v->stall_exits = UINT64_MAX;
		e = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &t[i]);
		if (e) {
			eg_err("pthread_create: %s", strerror(e));
			mark_finished(&c, 1);
			failed = 1;
			break;
		}
		started++;
	}

	pthread_mutex_lock(&c.lock);
	while (c.exited < started) {
		uint64_t now = clock_mono_ns() + 1000000000ULL;
		struct timespec ts = {
			.tv_sec = now / 1000000000ULL, .tv_nsec = now % 1000000000ULL,
		};

		pthread_cond_timedwait(&c.cond, &c.lock, &ts);
		if (c.exited >= started || c.stop)
			continue;
		pthread_mutex_unlock(&c.lock);
		stop_why = watchdog(&c, started, clock_mono_ns(), deadline_ns,
				    why, sizeof(why));
		if (*stop_why) {
			eg_err("%s: stopping every vCPU", stop_why);
			stop_all(&c, started);
		}
		pthread_mutex_lock(&c.lock);
	}
	pthread_mutex_unlock(&c.lock);

	for (unsigned int i = 0; i < started; i++) {
		pthread_join(vm->vcpus[i].thread, NULL);
		failed |= vm->vcpus[i].failed;
	}
	*elapsed_ns = clock_mono_ns() - t0;
	if (*stop_why) {
		report_stopped(&c, started, clock_mono_ns());
		failed = 1;
	}
	free(t);
	return failed ? -1 : 0;
}
