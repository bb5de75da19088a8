// SPDX-License-Identifier: GPL-2.0
/* ui_keys.c: the interactive screen's key bindings and state (no curses). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "args.h"
#include "ui.h"
#include "view.h"

/* ---- ui_keys.c ---- */

static void ui_setup(struct ui_state *st, struct args *a)
{
	args_defaults(a);
	ui_state_init(st, a);
}

static void test_ui_sort_keys(void **state)
{
	struct ui_state st;
	struct args a;

	ui_setup(&st, &a);
	assert_int_equal(st.sort, SORT_COUNT);
	assert_int_equal(ui_key(&st, '>', 5, 10, ""), UI_ACT_REDRAW);
	assert_int_equal(st.sort, SORT_AVG);
	ui_key(&st, '<', 5, 10, "");
	ui_key(&st, '<', 5, 10, "");
	assert_int_equal(st.sort, SORT_KEY);
	ui_key(&st, '<', 5, 10, "");	/* wraps */
	assert_int_equal(st.sort, SORT_TIME);
	ui_key(&st, UI_KEY_F6, 5, 10, "");
	assert_int_equal(st.sort, SORT_KEY);
	ui_key(&st, 'M', 5, 10, "");
	assert_int_equal(st.sort, SORT_MAX);
	assert_false(st.reverse);
	ui_key(&st, 'M', 5, 10, "");	/* again: reversed */
	assert_true(st.reverse);
	ui_key(&st, 'I', 5, 10, "");
	assert_false(st.reverse);
}

/* --drill: Enter on a drilled reason opens its details; others, the histogram */
static void test_ui_drill(void **state)
{
	struct ui_state st;
	struct args a;
	char err[256];

	(void)state;
	args_defaults(&a);
	assert_int_equal(drill_parse("io,msr", &a.drill, err, sizeof(err)), 0);
	ui_state_init(&st, &a);
	ui_key(&st, UI_KEY_ENTER, 5, 10, "IOIO");
	assert_int_equal(st.screen, UI_DETAIL);
	assert_string_equal(st.detail_reason, "IOIO");
	ui_key(&st, UI_KEY_ESC, 5, 10, "IOIO");
	assert_int_equal(st.screen, UI_TABLE);
	ui_key(&st, UI_KEY_ENTER, 5, 10, "RDMSR");	/* a VMX name */
	assert_int_equal(st.screen, UI_DETAIL);
	ui_key(&st, UI_KEY_ENTER, 5, 10, "RDMSR");	/* Enter again: back */
	assert_int_equal(st.screen, UI_TABLE);
	ui_key(&st, UI_KEY_ENTER, 5, 10, "HLT");	/* not drilled */
	assert_int_equal(st.screen, UI_HIST);
	ui_key(&st, UI_KEY_ENTER, 5, 10, "HLT");
	ui_key(&st, 'H', 5, 10, "IOIO");		/* H: always the histogram */
	assert_int_equal(st.screen, UI_HIST);
	ui_key(&st, UI_KEY_ESC, 5, 10, "");
	ui_key(&st, UI_KEY_ENTER, 5, 10, "IOIO");
	ui_key(&st, 'v', 5, 10, "IOIO");		/* v leaves the details */
	assert_int_equal(st.screen, UI_TABLE);
	assert_int_equal(st.mode, VIEW_REASON);
	st.mode = VIEW_VM;				/* not in the reason view: no details */
	ui_key(&st, UI_KEY_ENTER, 5, 10, "IOIO");
	assert_int_equal(st.screen, UI_HIST);
}

static void test_ui_views(void **state)
{
	struct ui_state st;
	struct args a;

	ui_setup(&st, &a);
	ui_key(&st, 'v', 5, 10, "CPUID");
	assert_int_equal(st.mode, VIEW_VM);
	ui_key(&st, 'v', 5, 10, "");
	assert_int_equal(st.mode, VIEW_VCPU);
	/* no reason known yet: the histogram is skipped */
	ui_key(&st, 'v', 5, 10, "");
	assert_int_equal(st.screen, UI_TABLE);
	assert_int_equal(st.mode, VIEW_REASON);
	/* Enter on a reason row opens its histogram, Enter again closes */
	ui_key(&st, UI_KEY_ENTER, 5, 10, "HLT");
	assert_int_equal(st.screen, UI_HIST);
	assert_string_equal(st.hist_reason, "HLT");
	ui_key(&st, UI_KEY_ENTER, 5, 10, "HLT");
	assert_int_equal(st.screen, UI_TABLE);
	/* with a reason known, v reaches the histogram after vcpu */
	ui_key(&st, 'v', 5, 10, "");
	ui_key(&st, 'v', 5, 10, "");
	ui_key(&st, 'v', 5, 10, "");
	assert_int_equal(st.screen, UI_HIST);
	ui_key(&st, 'v', 5, 10, "");
	assert_int_equal(st.screen, UI_TABLE);
	assert_int_equal(st.mode, VIEW_REASON);
}

static void test_ui_misc_keys(void **state)
{
	struct ui_state st;
	struct args a;

	ui_setup(&st, &a);
	assert_int_equal(ui_key(&st, 'q', 0, 10, ""), UI_ACT_QUIT);
	assert_int_equal(ui_key(&st, 'h', 0, 10, ""), UI_ACT_REDRAW);
	assert_true(st.help);
	assert_int_equal(ui_key(&st, 'x', 0, 10, ""), UI_ACT_REDRAW);	/* closes help */
	assert_false(st.help);
	assert_int_equal(ui_key(&st, 'p', 0, 10, ""), UI_ACT_REDRAW | UI_ACT_RETIME);
	assert_true(st.paused);
	ui_key(&st, ' ', 0, 10, "");
	assert_false(st.paused);
	assert_true(ui_key(&st, 'r', 0, 10, "") & UI_ACT_RESET);
	assert_int_equal(ui_key(&st, '/', 0, 10, ""), UI_ACT_FILTER);
	assert_int_equal(ui_key(&st, 'f', 0, 10, ""), UI_ACT_FILTER);
	ui_key(&st, '+', 0, 10, "");
	assert_true(st.delay_s == 0.5);
	ui_key(&st, '-', 0, 10, "");
	ui_key(&st, '-', 0, 10, "");
	assert_true(st.delay_s == 2);
	assert_true(ui_delay_step(0.1, -1) == 0.1);
	assert_true(ui_delay_step(60, 1) == 60);
	assert_true(ui_delay_step(1.5, 1) == 2);
	ui_key(&st, 'c', 0, 10, "");
	assert_true(st.cumulative);
	st.selected = 3;
	assert_int_equal(ui_key(&st, 'i', 0, 10, ""), UI_ACT_REDRAW);
	assert_true(st.active);
	assert_int_equal(st.selected, 0);	/* the rows change: back to the top */
	{
		struct view_filter flt;
		uint32_t buf[1];

		ui_filter(&st, &flt, buf);
		assert_true(flt.active);
		ui_key(&st, 'i', 0, 10, "");
		ui_filter(&st, &flt, buf);
		assert_false(flt.active);
	}

	/* selection stays inside the table and scrolls by pages */
	ui_key(&st, UI_KEY_END, 30, 10, "");
	assert_int_equal(st.selected, 29);
	assert_int_equal(st.scroll, 20);
	ui_key(&st, UI_KEY_DOWN, 30, 10, "");
	assert_int_equal(st.selected, 29);
	ui_key(&st, UI_KEY_PPAGE, 30, 10, "");
	assert_int_equal(st.selected, 19);
	ui_key(&st, UI_KEY_HOME, 30, 10, "");
	assert_int_equal(st.selected, 0);
	assert_int_equal(st.scroll, 0);
	ui_key(&st, UI_KEY_UP, 30, 10, "");
	assert_int_equal(st.selected, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ui_sort_keys),
		cmocka_unit_test(test_ui_drill),
		cmocka_unit_test(test_ui_views),
		cmocka_unit_test(test_ui_misc_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
