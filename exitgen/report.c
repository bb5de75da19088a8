// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON report (schema in docs/exitgen.md). Per-vCPU "counts" come from
 * the counters the guest bumps before each deliberate exit; "expected"
 * is their sum over vCPUs, so it includes exitgen's own control exits.
 */
#include <cpuid.h>
#include <linux/kvm.h>
#include <string.h>
#include <unistd.h>

#include "detail.h"
#include "json.h"
#include "layout.h"
#include "report.h"
#include "spread.h"
#include "util.h"

enum { K_CPUID, K_IO, K_MMIO, K_MSR, K_HLT, K_N };
static const char *const kind_name[K_N] = { "cpuid", "io", "mmio", "msr", "hlt" };
static const unsigned int kind_off[K_N] = { C_CPUID, C_IO, C_MMIO, C_MSR, C_HLT };

static uint64_t query_exits(const struct eg_args *a)
{
	return a->query_on ? 3 + 2 * (uint64_t)a->nquery : 0;
}

/* What vCPU v must have performed, per kind (query CPUIDs included). */
static void wanted(const struct eg_args *a, unsigned int index, uint64_t *w)
{
	int q = index == 0 && a->query_on;

	w[K_CPUID] = a->cpuid + a->mix + (q ? query_exits(a) : 0);
	w[K_IO] = a->pio + a->pio_in + 1 + (q ? 1 : 0);
	w[K_MMIO] = a->mmio;
	w[K_MSR] = a->mix;
	for (unsigned int i = 0; i < a->nmsrs; i++)
		w[K_MSR] += spread_share(a->msr, a->nmsrs, i) * (a->msrs[i].write ? 2 : 1);
	w[K_HLT] = a->hlt;
}

static void performed(struct eg_vcpu *v, uint64_t *c)
{
	for (int k = 0; k < K_N; k++)
		c[k] = v->param[kind_off[k] / 8];
	c[K_CPUID] += v->param[C_QCPUID / 8];
}

int report_check(struct eg_vm *vm, const struct eg_args *a)
{
	int bad = 0;

	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		struct eg_vcpu *v = &vm->vcpus[i];
		uint64_t w[K_N], c[K_N], seen[K_N] = { 0 };

		wanted(a, i, w);
		performed(v, c);
		seen[K_IO] = v->ue.io;
		seen[K_MMIO] = v->ue.mmio;
		seen[K_HLT] = v->ue.hlt;
		for (int k = 0; k < K_N; k++) {
			if (c[k] != w[k]) {
				eg_err("vcpu %u: guest performed %llu %s, wanted %llu",
				       i, (unsigned long long)c[k], kind_name[k],
				       (unsigned long long)w[k]);
				bad = 1;
			}
			/* Kinds that exit to us must have reached us once each. */
			if ((k == K_IO || k == K_MMIO || k == K_HLT) && seen[k] != c[k]) {
				eg_err("vcpu %u: %llu %s exits reached exitgen, guest did %llu",
				       i, (unsigned long long)seen[k], kind_name[k],
				       (unsigned long long)c[k]);
				bad = 1;
			}
		}
	}
	if (detail_check(vm, a))
		bad = 1;
	return bad ? -1 : 0;
}

/* The ISA whose exit codes kvm:kvm_exit reports on this host. */
static const char *host_isa(void)
{
	unsigned int a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 5)))
		return "vmx";
	if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 2)))
		return "svm";
	return "unknown";
}

static void write_stats(struct json *j, const char *key, const struct eg_stats *st)
{
	if (!st) {
		json_null(j, key);
		return;
	}
	json_obj(j, key, JSON_BLOCK);
	for (unsigned int i = 0; i < st->n; i++) {
		const struct eg_stat *s = &st->s[i];

		if (s->size == 1) {
			json_u64(j, s->name, s->val[0]);
			continue;
		}
		json_arr(j, s->name, JSON_INLINE);
		for (uint32_t k = 0; k < s->size; k++)
			json_u64(j, NULL, s->val[k]);
		json_end(j);
	}
	json_end(j);
}

static void write_regs(struct json *j, const char *key, const volatile uint32_t *r)
{
	json_obj(j, key, JSON_INLINE);
	json_u64(j, "eax", r[0]);
	json_u64(j, "ebx", r[1]);
	json_u64(j, "ecx", r[2]);
	json_u64(j, "edx", r[3]);
	json_end(j);
}

static void write_leaves(struct json *j, struct eg_vm *vm, const struct eg_args *a)
{
	const volatile uint8_t *p0 = (const volatile uint8_t *)vm->vcpus[0].param;
	size_t list_bytes = ((a->nquery * 4) + 4095) & ~4095UL;
	const volatile uint32_t *out = gpa_ptr(vm, QUERY_GPA + list_bytes);

	json_obj(j, "leaves", JSON_BLOCK);
	json_str(j, "format", a->compact ? "compact" : "full");
	write_regs(j, "total_first", (const volatile uint32_t *)(p0 + R_TOTAL_FIRST));
	write_regs(j, "time_first", (const volatile uint32_t *)(p0 + R_TIME_FIRST));
	if (a->compact) {
		static const char *const cols[] = {
			"subleaf", "count_eax", "count_ebx", "count_ecx", "count_edx",
			"time_eax", "time_ebx", "time_ecx", "time_edx",
		};

		json_arr(j, "per_reason_columns", JSON_INLINE);
		for (unsigned int i = 0; i < 9; i++)
			json_str(j, NULL, cols[i]);
		json_end(j);
	}
	json_arr(j, "per_reason", JSON_BLOCK);
	for (size_t i = 0; i < a->nquery; i++) {
		const volatile uint32_t *r = out + 8 * i;

		if (a->compact) {
			json_arr(j, NULL, JSON_INLINE);
			json_u64(j, NULL, a->query[i]);
			for (int k = 0; k < 8; k++)
				json_u64(j, NULL, r[k]);
			json_end(j);
			continue;
		}
		json_obj(j, NULL, JSON_INLINE);
		json_u64(j, "subleaf", a->query[i]);
		write_regs(j, "count", r);
		write_regs(j, "time", r + 4);
		json_end(j);
	}
	json_end(j);
	write_regs(j, "total_last", (const volatile uint32_t *)(p0 + R_TOTAL_LAST));
	json_end(j);
}

static void write_query_cpuid(struct json *j, const struct eg_args *a,
			      const uint64_t *expected)
{
	json_obj(j, "query_cpuid", JSON_BLOCK);
	json_u64(j, "exits", query_exits(a));
	json_u64(j, "subleaves", a->query_on ? a->nquery : 0);
	json_u64(j, "vcpu", 0);
	json_arr(j, "order", JSON_INLINE);
	if (a->query_on) {
		json_str(j, NULL, "0x4fffffff");
		json_str(j, NULL, "0x4ffffffe");
		json_str(j, NULL, "per subleaf in leaves order: 0x4ffffffd, 0x4ffffffc");
		json_str(j, NULL, "0x4fffffff");
	}
	json_end(j);
	/*
	 * Deliberate exits of the whole VM before the first query CPUID: all
	 * workloads, the other vCPUs' done OUTs and vCPU 0's sync OUT. Only
	 * vCPU 0's final done OUT comes after the queries.
	 */
	json_obj(j, "before", JSON_INLINE);
	for (int k = 0; k < K_N; k++) {
		uint64_t v = expected[k];

		if (a->query_on && k == K_CPUID)
			v -= query_exits(a);
		if (a->query_on && k == K_IO)
			v -= 1;
		json_u64(j, kind_name[k], v);
	}
	json_end(j);
	json_end(j);
}

void report_write(FILE *f, struct eg_vm *vm, const struct eg_args *a,
		  struct eg_result *res)
{
	struct json js, *j = &js;
	uint64_t expected[K_N] = { 0 }, total = 0, delays = 0, delay_ns = 0;
	struct eg_stats sum = { 0 };

	json_init(j, f);
	json_obj(j, NULL, JSON_BLOCK);
	json_u64(j, "pid", getpid());
	json_str(j, "isa", host_isa());

	json_obj(j, "config", JSON_INLINE);
	json_u64(j, "vcpus", a->vcpus);
	json_u64(j, "cpuid", a->cpuid);
	json_u64(j, "cpuid_leaf", a->leaves[0].leaf);
	json_u64(j, "cpuid_subleaf", a->leaves[0].subleaf);
	json_u64(j, "pio", a->pio);
	json_u64(j, "pio_port", a->ports[0].port);
	json_u64(j, "mmio", a->mmio);
	json_u64(j, "mmio_gpa", MMIO_GPA);
	json_u64(j, "msr", a->msr);
	json_u64(j, "msr_index", a->msrs[0].index);
	json_u64(j, "hlt", a->hlt);
	json_u64(j, "hlt_delay_us", a->hlt_delay_us);
	json_str(j, "hlt_wake", a->hlt_no_wake ? "none" : "irq");
	json_u64(j, "wake_vector", WAKE_VECTOR);
	json_u64(j, "pio_in", a->pio_in);
	json_u64(j, "pio_size", a->pio_size);
	json_u64(j, "mmio_pages", a->mmio_pages);
	json_u64(j, "user_delay_us", a->user_delay_us);
	json_u64(j, "mix", a->mix);
	json_end(j);

	json_arr(j, "vcpus", JSON_BLOCK);
	for (unsigned int i = 0; i < vm->nvcpus; i++) {
		struct eg_vcpu *v = &vm->vcpus[i];
		uint64_t c[K_N];

		performed(v, c);
		json_obj(j, NULL, JSON_BLOCK);
		json_u64(j, "index", i);
		json_u64(j, "tid", v->tid);
		json_obj(j, "counts", JSON_INLINE);
		for (int k = 0; k < K_N; k++) {
			json_u64(j, kind_name[k], c[k]);
			expected[k] += c[k];
		}
		json_u64(j, "query_cpuid", v->param[C_QCPUID / 8]);
		json_end(j);
		json_obj(j, "user_exits", JSON_INLINE);
		json_u64(j, "io", v->ue.io);
		json_u64(j, "mmio", v->ue.mmio);
		json_u64(j, "hlt", v->ue.hlt);
		json_u64(j, "irq_window", v->ue.irq_window);
		json_u64(j, "intr", v->ue.intr);
		json_u64(j, "injected", v->ue.injected);
		json_end(j);
		json_obj(j, "user_delay", JSON_INLINE);
		json_u64(j, "exits", v->delays);
		json_u64(j, "ns", v->delay_ns);
		json_end(j);
		delays += v->delays;
		delay_ns += v->delay_ns;
		write_stats(j, "kvm_stats", res->have_stats ? &res->vcpu_stats[i] : NULL);
		if (res->have_stats && kvmstats_add(&sum, &res->vcpu_stats[i]))
			eg_err("warning: vCPU stats layouts differ, total is partial");
		json_end(j);
	}
	json_end(j);

	write_stats(j, "kvm_stats_total", res->have_stats ? &sum : NULL);
	write_stats(j, "vm_stats", res->have_stats ? &res->vm_stats : NULL);

	json_obj(j, "expected", JSON_INLINE);
	for (int k = 0; k < K_N; k++) {
		json_u64(j, kind_name[k], expected[k]);
		total += expected[k];
	}
	json_end(j);
	json_u64(j, "expected_total", total);
	detail_write(j, vm, a);
	json_obj(j, "user_delay", JSON_INLINE);
	json_u64(j, "us", a->user_delay_us);
	json_u64(j, "exits", delays);
	json_u64(j, "ns", delay_ns);
	json_end(j);
	write_query_cpuid(j, a, expected);
	if (a->query_on)
		write_leaves(j, vm, a);

	json_u64(j, "elapsed_ns", res->elapsed_ns);
	json_double(j, "expected_exits_per_sec",
		    res->elapsed_ns ? total * 1e9 / res->elapsed_ns : 0);
	json_end(j);
	kvmstats_free(&sum);
}
