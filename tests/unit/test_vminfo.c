// SPDX-License-Identifier: GPL-2.0
/* cmocka tests of user/vminfo.c: QEMU -name parsing from /proc/PID/cmdline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vminfo.h"

/* argv as in /proc/PID/cmdline: NUL separated; sizeof includes the last NUL */
#define PARSE(lit, buf) vminfo_parse_cmdline(lit, sizeof(lit), buf, sizeof(buf))

static void test_guest_eq(void **state)
{
	char b[64];

	assert_int_equal(PARSE("qemu-system-x86_64\0-m\0002G\0-name\0guest=web1,debug-threads=on\0-smp\0002", b), 0);
	assert_string_equal(b, "web1");
	assert_int_equal(PARSE("qemu\0-name\0debug-threads=on,guest=db\0", b), 0);
	assert_string_equal(b, "db");
}

static void test_plain(void **state)
{
	char b[64];

	assert_int_equal(PARSE("qemu\0-name\0vm-a\0", b), 0);
	assert_string_equal(b, "vm-a");
	assert_int_equal(PARSE("qemu\0-name\0vm-b,process=x\0", b), 0);
	assert_string_equal(b, "vm-b");
	assert_int_equal(PARSE("qemu\0-name\0a,,b\0", b), 0);	/* escaped comma */
	assert_string_equal(b, "a,b");
	assert_int_equal(PARSE("qemu\0--name\0dash2\0", b), 0);
	assert_string_equal(b, "dash2");
}

static void test_absent_and_bounds(void **state)
{
	char b[8];
	char big[64];
	static const char trunc[] = { 'q', 0, '-', 'n', 'a', 'm', 'e', 0, 'x', 'y' };	/* no final NUL */

	assert_int_equal(PARSE("qemu\0-m\0001G\0", big), -1);
	assert_int_equal(PARSE("qemu\0-name\0", big), -1);	/* value missing */
	assert_int_equal(vminfo_parse_cmdline("qemu\0-name", 10, big, sizeof(big)), -1);
	assert_int_equal(vminfo_parse_cmdline(trunc, sizeof(trunc), big, sizeof(big)), 0);
	assert_string_equal(big, "xy");
	assert_int_equal(PARSE("qemu\0-name\0guest=averyverylongname\0", b), 0);
	assert_string_equal(b, "averyve");	/* truncated to the buffer */
	assert_int_equal(vminfo_parse_cmdline("", 0, big, sizeof(big)), -1);
}

static void test_self(void **state)
{
	char b[64];

	assert_int_equal(vminfo_name((uint32_t)getpid(), b, sizeof(b)), 0);
	assert_true(strlen(b) > 0);
	assert_true(vminfo_starttime((uint32_t)getpid()) > 0);
	assert_int_equal(vminfo_starttime(0x3fffffff), 0);
	assert_int_equal(vminfo_name(0x3fffffff, b, sizeof(b)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guest_eq),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_absent_and_bounds),
		cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
