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
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "run.h"
#include "util.h"

struct run_ctx {
	struct eg_vm *vm;
	const struct eg_args *a;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int finished;		/* vCPU threads other than 0 done */
	int abort;			/* some vCPU failed: stop waiting */
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
	while (!c->abort && c->finished < c->vm->nvcpus - 1)
		pthread_cond_wait(&c->cond, &c->lock);
	r = c->abort ? -1 : 0;
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

static int inject_wake(struct eg_vcpu *v, const char *who)
{
	struct kvm_interrupt irq = { .irq = WAKE_VECTOR };

	if (eg_ioctl(v->fd, KVM_INTERRUPT, &irq, who) < 0)
		return -1;
	v->ue.injected++;
	return 0;
}

static int handle_io(struct run_ctx *c, struct eg_vcpu *v, int *done)
{
	struct kvm_run *run = v->run;

	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1 ||
	    run->io.count != 1) {
		report_unexpected(v, "port I/O shape");
		return -1;
	}
	v->ue.io++;
	switch (run->io.port) {
	case PORT_PIO:
		return 0;
	case PORT_DONE:
		*done = 1;
		return 0;
	case PORT_SYNC:
		if (v->index != 0 || !c->a->query_on) {
			report_unexpected(v, "sync OUT");
			return -1;
		}
		if (wait_others(c)) {
			eg_err("vcpu 0: another vCPU failed, no queries");
			return -1;
		}
		return 0;
	}
	eg_err("vcpu %u: OUT to unexpected port 0x%x", v->index, run->io.port);
	return -1;
}

static int handle_hlt(struct run_ctx *c, struct eg_vcpu *v, const char *who)
{
	v->ue.hlt++;
	if (c->a->hlt_delay_us) {
		struct timespec ts = {
			.tv_sec = c->a->hlt_delay_us / 1000000,
			.tv_nsec = (c->a->hlt_delay_us % 1000000) * 1000,
		};

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
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
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
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
			if (!v->run->mmio.is_write ||
			    v->run->mmio.phys_addr != MMIO_GPA) {
				eg_err("%s: unexpected MMIO %s 0x%llx", who,
				       v->run->mmio.is_write ? "write" : "read",
				       (unsigned long long)v->run->mmio.phys_addr);
				return -1;
			}
			v->ue.mmio++;
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
			report_unexpected(v, "shutdown (triple fault)");
			return -1;
		default:
			report_unexpected(v, "exit");
			return -1;
		}
	}
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
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int run_vcpus(struct eg_vm *vm, const struct eg_args *a, uint64_t *elapsed_ns)
{
	struct run_ctx c = { .vm = vm, .a = a };
	struct thread_arg *t = calloc(vm->nvcpus, sizeof(*t));
	unsigned int started = 0;
	uint64_t t0;
	int failed = 0;

	if (!t)
		abort();
	pthread_mutex_init(&c.lock, NULL);
	pthread_cond_init(&c.cond, NULL);
	t0 = now_ns();
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		int e;

		t[i].ctx = &c;
		t[i].v = &vm->vcpus[i];
		e = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &t[i]);
		if (e) {
			eg_err("pthread_create: %s", strerror(e));
			mark_finished(&c, 1);
			failed = 1;
			break;
		}
		started++;
	}
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(vm->vcpus[i].thread, NULL);
		failed |= vm->vcpus[i].failed;
	}
	*elapsed_ns = now_ns() - t0;
	free(t);
	return failed ? -1 : 0;
}
