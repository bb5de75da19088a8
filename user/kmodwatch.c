// SPDX-License-Identifier: GPL-2.0
/* Reloads of the KVM vendor module under the BTF programs: see kmodwatch.h. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmodwatch.h"

static const char *const vendor_modules[] = { "kvm_amd", "kvm_intel" };

static bool module_ino(const char *module, ino_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (stat(path, &st))
		return false;
	*ino = st.st_ino;
	return true;
}

/* FNV-1a over the module's BTF: equal for the same build loaded again. */
static bool btf_fingerprint(const char *module, uint64_t *hash, uint64_t *len)
{
	unsigned char buf[4096];
	uint64_t h = 0xcbf29ce484222325ULL, n = 0;
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
		n += (uint64_t)r;
	}
	close(fd);
	if (r < 0)
		return false;
	*hash = h;
	*len = n;
	return true;
}

void kmod_watch_init(struct kmod_watch *w)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < sizeof(vendor_modules) / sizeof(vendor_modules[0]); i++) {
		if (!module_ino(vendor_modules[i], &w->ino))
			continue;
		if (!btf_fingerprint(vendor_modules[i], &w->btf_hash, &w->btf_len))
			continue;	/* no module BTF: the BTF programs do not use it */
		snprintf(w->module, sizeof(w->module), "%s", vendor_modules[i]);
		w->present = true;
		return;
	}
}

enum kmod_event kmod_watch_check(struct kmod_watch *w)
{
	uint64_t hash, len;
	ino_t ino;

	if (!w->module[0])
		return KMOD_NONE;
	if (!module_ino(w->module, &ino)) {
		if (!w->present)
			return KMOD_NONE;
		w->present = false;
		return KMOD_UNLOADED;
	}
	if (w->present && ino == w->ino)
		return KMOD_NONE;
	/* a new load (perhaps unloaded and loaded between two checks) */
	w->present = true;
	w->ino = ino;
	if (!btf_fingerprint(w->module, &hash, &len))
		return KMOD_REPLACED;	/* cannot tell: assume the worst */
	return hash == w->btf_hash && len == w->btf_len ? KMOD_RELOADED : KMOD_REPLACED;
}
