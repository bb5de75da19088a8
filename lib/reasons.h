/* reasons.h: names and descriptions of VM-exit reasons, Intel VMX and AMD SVM.
 *
 * Tables are data (see reasons.c); sources: Intel SDM vol. 3C appendix C and
 * AMD APM vol. 2 appendix C (revisions named in reasons.c and docs/reasons.md).
 */
#ifndef EXITTOP_REASONS_H
#define EXITTOP_REASONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* isa: 1 = VMX (Intel), 2 = SVM (AMD), as kvm_exit's isa field
 * (EXITS_ISA_VMX / EXITS_ISA_SVM in bpf/exits.h). Any other isa: nothing is defined.
 *
 * For VMX, code may be the full 32-bit exit reason: the basic reason is taken
 * from bits 15:0; bit 31 (VM-entry failure) and the other modifier bits are
 * ignored by name/desc/defined and shown by reason_format. */

/* Short name, e.g. "CPUID", "EPT_VIOLATION", "NPF"; NULL if not defined. */
const char *reason_name(uint8_t isa, uint32_t code);

/* Longer SDM/APM description, e.g. "CPUID"; NULL if not defined. */
const char *reason_desc(uint8_t isa, uint32_t code);

bool reason_defined(uint8_t isa, uint32_t code);

/* Parse a name (case-insensitive, with or without a prefix like EXIT_REASON_,
 * VMX_EXIT_, SVM_EXIT_) or a number (decimal or 0x hex) into a code.
 * Names must be defined for the isa; numbers are accepted if they fit in 32
 * bits (defined or not). Returns 0 on success, -EINVAL otherwise (*code untouched). */
int reason_parse(uint8_t isa, const char *s, uint32_t *code);

/* Format into buf: the name, or hex ("0x1234") if not defined. VMX entry
 * failures (bit 31) get "|FAILED_ENTRY" appended, e.g. "INVALID_GUEST_STATE|FAILED_ENTRY".
 * Always NUL-terminates when len > 0 (truncating). Returns buf. */
const char *reason_format(uint8_t isa, uint32_t code, char *buf, size_t len);

/* Iterate defined codes in ascending order: fills *code with the i-th defined
 * code (i from 0); returns false past the end (or for an unknown isa). */
bool reason_at(uint8_t isa, size_t i, uint32_t *code);

#endif /* EXITTOP_REASONS_H */
