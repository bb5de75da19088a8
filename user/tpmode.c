// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing between the BTF and the classic tracepoint programs of
 * bpf/exits.bpf.c, from the kernel's BTF alone (nothing is loaded to find
 * out). See docs/bpf-design.md for why BTF is preferred.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tpmode.h"

static const char *const names[] = {
	[TP_MODE_AUTO] = "auto",
	[TP_MODE_BTF] = "btf",
	[TP_MODE_CLASSIC] = "classic",
};

int tp_mode_parse(const char *s, enum tp_mode *m)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*m = (enum tp_mode)i;
			return 0;
		}
	}
	return -1;
}

const char *tp_mode_name(enum tp_mode m)
{
	return (unsigned int)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

/* The loaded vendor module and the struct/field the exit reason is read from. */
struct vendor {
	const char *module;
	const char *vcpu_struct;
	const char *reason_field;
};

static const struct vendor vendors[] = {
	{ "kvm_amd", "vcpu_svm", "vmcb" },
	{ "kvm_intel", "vcpu_vmx", "exit_reason" },
};

/* BTF of a module, or vmlinux's if the module is built in. */
static struct btf *module_btf(const char *module, struct btf *vmlinux)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module);
	if (access(path, R_OK))
		return NULL;
	return btf__load_module_btf(module, vmlinux);
}

static int find_in(struct btf *own, struct btf *vmlinux, const char *name, __u32 kind,
		   struct btf **where)
{
	int id = -ENOENT;

	if (own) {
		id = btf__find_by_name_kind(own, name, kind);
		*where = own;
	}
	if (id < 0) {
		id = btf__find_by_name_kind(vmlinux, name, kind);
		*where = vmlinux;
	}
	return id;
}

/* Is type id (of b) a struct kvm_vcpu *? */
static bool is_vcpu_ptr(struct btf *b, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(b, id);

	t = t && btf_is_ptr(t) ? btf__type_by_id(b, t->type) : NULL;
	return t && btf_is_struct(t) && !strcmp(btf__name_by_offset(b, t->name_off), "kvm_vcpu");
}

unsigned int tp_btf_protos(const struct tp_proto *list, size_t n)
{
	struct btf *vmlinux, *kvm, *b;
	unsigned int ok = 0;
	char name[96];

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return 0;
	kvm = module_btf("kvm", vmlinux);
	for (size_t i = 0; i < n && i < 32; i++) {
		const struct btf_type *t;
		int id;

		snprintf(name, sizeof(name), "btf_trace_%s", list[i].event);
		id = find_in(kvm, vmlinux, name, BTF_KIND_TYPEDEF, &b);
		t = id < 0 ? NULL : btf__type_by_id(b, id);
		t = t ? btf__type_by_id(b, t->type) : NULL;		/* pointer */
		t = t && btf_is_ptr(t) ? btf__type_by_id(b, t->type) : NULL;
		/* the first parameter is the tracepoint's own void *data */
		if (!t || !btf_is_func_proto(t) || btf_vlen(t) != list[i].nargs + 1)
			continue;
		if (list[i].vcpu_first && !is_vcpu_ptr(b, btf_params(t)[1].type))
			continue;
		ok |= 1U << i;
	}
	btf__free(kvm);
	btf__free(vmlinux);
	return ok;
}

/* btf_trace_kvm_exit is void (*)(void *, struct kvm_vcpu *, u32) since 5.16 */
static bool exit_args_ok(struct btf *kvm, struct btf *vmlinux, char *why, size_t len)
{
	const struct btf_type *t;
	const struct btf_param *p;
	struct btf *b;
	int id;

	id = find_in(kvm, vmlinux, "btf_trace_kvm_exit", BTF_KIND_TYPEDEF, &b);
	if (id < 0) {
		snprintf(why, len, "no BTF for the kvm_exit tracepoint");
		return false;
	}
	t = btf__type_by_id(b, id);
	t = t ? btf__type_by_id(b, t->type) : NULL;		/* pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(b, t->type) : NULL;
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) != 3) {
		snprintf(why, len, "kvm_exit's raw arguments are not (vcpu, isa) (kernel before 5.16?)");
		return false;
	}
	p = btf_params(t);
	t = btf__type_by_id(b, p[1].type);
	t = t && btf_is_ptr(t) ? btf__type_by_id(b, t->type) : NULL;
	if (!t || !btf_is_struct(t) || strcmp(btf__name_by_offset(b, t->name_off), "kvm_vcpu")) {
		snprintf(why, len, "kvm_exit's first raw argument is not a struct kvm_vcpu *");
		return false;
	}
	return true;
}

static bool has_member(struct btf *b, int id, const char *field)
{
	const struct btf_type *t = btf__type_by_id(b, id);
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_struct(t))
		return false;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(b, m->name_off), field))
			return true;
	return false;
}

/* Has vmlinux's BTF what kvm_exit_btf_ld's plain loads need? */
static bool cast_usable(struct btf *vmlinux)
{
	static const struct {
		const char *name;
		__u32 kind;
	} need[] = {
		{ "bpf_rdonly_cast", BTF_KIND_FUNC },
		{ "list_head", BTF_KIND_STRUCT },
		{ "in_addr", BTF_KIND_STRUCT },
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (btf__find_by_name_kind(vmlinux, need[i].name, need[i].kind) < 0)
			return false;
	return true;
}

bool tp_btf_usable(char *why, size_t len, bool *loads)
{
	struct btf *vmlinux, *kvm, *vb = NULL, *where;
	const struct vendor *v = NULL;
	bool ok = false;
	char path[64];
	size_t i;
	int id;

	*loads = false;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(why, len, "cannot read the kernel's BTF");
		return false;
	}
	kvm = module_btf("kvm", vmlinux);
	if (!exit_args_ok(kvm, vmlinux, why, len))
		goto out;
	for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", vendors[i].module);
		if (!access(path, F_OK)) {
			v = &vendors[i];
			break;
		}
	}
	if (!v) {
		snprintf(why, len, "neither kvm_amd nor kvm_intel is loaded");
		goto out;
	}
	vb = module_btf(v->module, vmlinux);
	id = find_in(vb, vmlinux, v->vcpu_struct, BTF_KIND_STRUCT, &where);
	if (id < 0) {
		snprintf(why, len, "no BTF for %s's struct %s (module BTF missing)",
			 v->module, v->vcpu_struct);
		goto out;
	}
	if (!has_member(where, id, v->reason_field)) {
		snprintf(why, len, "struct %s has no field %s", v->vcpu_struct, v->reason_field);
		goto out;
	}
	*loads = cast_usable(vmlinux);
	ok = true;
out:
	btf__free(vb);
	btf__free(kvm);
	btf__free(vmlinux);
	return ok;
}
