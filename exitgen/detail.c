// SPDX-License-Identifier: GPL-2.0
/*
 * The detail below each exit kind (schema in docs/exitgen.md, "JSON"). The
 * counts written are the guest's own per-entry counters (T_PIO, T_MSR,
 * T_LEAF in layout.h) and, for MMIO, the exits exitgen saw per page;
 * detail_check() has made sure they are what the round-robin spread
 * implies and, for port I/O, what reached exitgen.
 */
#include <stdio.h>

#include "detail.h"
#include "layout.h"
#include "spread.h"
#include "util.h"

/* Guest counter f (E_C1/E_C2) of entry i of table t on vCPU v. */
static uint64_t ctr(const struct eg_vcpu *v, unsigned int t, unsigned int i,
		    unsigned int f)
{
	return v->param[(t + i * TBL_ENT + f) / 8];
}

static int expect(unsigned int vcpu, const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return 0;
	eg_err("vcpu %u: %s: %llu, wanted %llu", vcpu, what,
	       (unsigned long long)got, (unsigned long long)want);
	return -1;
}

int detail_check(struct eg_vm *vm, const struct eg_args *a)
{
	int bad = 0;
	char what[96];

	for (unsigned int n = 0; n < vm->nvcpus; n++) {
		const struct eg_vcpu *v = &vm->vcpus[n];

		for (unsigned int i = 0; i < a->nports; i++) {
			uint64_t out = spread_share(a->pio, a->nports, i);
			uint64_t in = spread_share(a->pio_in, a->nports, i);

			snprintf(what, sizeof(what), "OUTs to port 0x%x", a->ports[i].port);
			bad |= expect(n, what, ctr(v, T_PIO, i, E_C1), out);
			bad |= expect(n, what, v->pio_seen[i][0], out);
			snprintf(what, sizeof(what), "INs from port 0x%x", a->ports[i].port);
			bad |= expect(n, what, ctr(v, T_PIO, i, E_C2), in);
			bad |= expect(n, what, v->pio_seen[i][1], in);
		}
		for (uint64_t p = 0; p < a->mmio_pages; p++) {
			snprintf(what, sizeof(what), "MMIO writes to 0x%llx",
				 (unsigned long long)(MMIO_GPA + p * 4096));
			bad |= expect(n, what, v->mmio_seen[p],
				      spread_share(a->mmio, a->mmio_pages, p));
		}
		for (unsigned int i = 0; i < a->nmsrs; i++) {
			uint64_t r = spread_share(a->msr, a->nmsrs, i);

			snprintf(what, sizeof(what), "RDMSRs of 0x%x", a->msrs[i].index);
			bad |= expect(n, what, ctr(v, T_MSR, i, E_C1), r + (i ? 0 : a->mix));
			snprintf(what, sizeof(what), "WRMSRs of 0x%x", a->msrs[i].index);
			bad |= expect(n, what, ctr(v, T_MSR, i, E_C2),
				      a->msrs[i].write ? r : 0);
		}
		for (unsigned int i = 0; i < a->nleaves; i++) {
			snprintf(what, sizeof(what), "CPUIDs of leaf 0x%x:0x%x",
				 a->leaves[i].leaf, a->leaves[i].subleaf);
			bad |= expect(n, what, ctr(v, T_LEAF, i, E_C1),
				      spread_share(a->cpuid, a->nleaves, i) + (i ? 0 : a->mix));
		}
	}
	return bad ? -1 : 0;
}

/* Sum over vCPUs of a guest counter. */
static uint64_t total(struct eg_vm *vm, unsigned int t, unsigned int i, unsigned int f)
{
	uint64_t s = 0;

	for (unsigned int n = 0; n < vm->nvcpus; n++)
		s += ctr(&vm->vcpus[n], t, i, f);
	return s;
}

static void io_entry(struct json *j, unsigned int port, unsigned int size,
		     uint64_t out, uint64_t in, const char *role)
{
	json_obj(j, NULL, JSON_INLINE);
	json_u64(j, "port", port);
	json_u64(j, "size", size);
	json_u64(j, "out", out);
	json_u64(j, "in", in);
	json_str(j, "role", role);
	json_end(j);
}

static void leaf_entry(struct json *j, uint32_t leaf, int64_t subleaf,
		       uint64_t count, const char *role)
{
	json_obj(j, NULL, JSON_INLINE);
	json_u64(j, "leaf", leaf);
	if (subleaf < 0)
		json_null(j, "subleaf");
	else
		json_u64(j, "subleaf", subleaf);
	json_u64(j, "count", count);
	json_str(j, "role", role);
	json_end(j);
}

void detail_write(struct json *j, struct eg_vm *vm, const struct eg_args *a)
{
	json_obj(j, "expected_detail", JSON_BLOCK);

	json_arr(j, "io", JSON_BLOCK);
	for (unsigned int i = 0; i < a->nports; i++)
		io_entry(j, a->ports[i].port, a->ports[i].size,
			 total(vm, T_PIO, i, E_C1), total(vm, T_PIO, i, E_C2),
			 "workload");
	/* Every vCPU's final OUT; vCPU 0's sync OUT before its queries. */
	io_entry(j, PORT_DONE, 1, vm->nvcpus, 0, "done");
	if (a->query_on)
		io_entry(j, PORT_SYNC, 1, 1, 0, "sync");
	json_end(j);

	json_arr(j, "mmio", JSON_BLOCK);
	for (uint64_t p = 0; p < a->mmio_pages; p++) {
		uint64_t s = 0;

		for (unsigned int n = 0; n < vm->nvcpus; n++)
			s += vm->vcpus[n].mmio_seen[p];
		json_obj(j, NULL, JSON_INLINE);
		json_u64(j, "gpa", MMIO_GPA + p * 4096);
		json_u64(j, "size", 4);
		json_u64(j, "write", s);
		json_end(j);
	}
	json_end(j);

	json_arr(j, "msr", JSON_BLOCK);
	for (unsigned int i = 0; i < a->nmsrs; i++) {
		json_obj(j, NULL, JSON_INLINE);
		json_u64(j, "index", a->msrs[i].index);
		json_str(j, "name", a->msrs[i].name);
		json_u64(j, "read", total(vm, T_MSR, i, E_C1));
		json_u64(j, "write", total(vm, T_MSR, i, E_C2));
		json_end(j);
	}
	json_end(j);

	json_arr(j, "cpuid", JSON_BLOCK);
	for (unsigned int i = 0; i < a->nleaves; i++)
		leaf_entry(j, a->leaves[i].leaf, a->leaves[i].subleaf,
			   total(vm, T_LEAF, i, E_C1), "workload");
	/* vCPU 0's queries (docs/exitgen.md, Query leaves); subleaves vary. */
	if (a->query_on) {
		leaf_entry(j, LEAF_TOTAL, 0, 2, "query");
		leaf_entry(j, LEAF_TIME, 0, 1, "query");
		leaf_entry(j, LEAF_COUNT, -1, a->nquery, "query");
		leaf_entry(j, LEAF_RTIME, -1, a->nquery, "query");
	}
	json_end(j);

	json_end(j);
}
