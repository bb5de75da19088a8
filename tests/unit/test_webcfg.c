// SPDX-License-Identifier: GPL-2.0
/*
 * cmocka tests of --web-config (user/httpd_webcfg.c): the YAML subset
 * (relative file names, users, every rejected form with its line), and
 * password checks against bcrypt hashes made here by libcrypt itself
 * (crypt_gensalt "$2b$" + crypt), including the cheap re-check after a
 * first success and wrong passwords after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <crypt.h>

#include "httpd_webcfg.h"

static char dir[] = "/tmp/test_webcfg.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load dir/name; returns the result, err filled. */
static int load(const char *name, struct webcfg *cfg, char *err, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return webcfg_load(path, cfg, err, len);
}

static char hash[128];

static int setup(void **state)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;

	assert_non_null(mkdtemp(dir));
	assert_non_null(crypt_gensalt_rn("$2b$", 4, NULL, 0, salt, sizeof(salt)));
	memset(&cd, 0, sizeof(cd));
	snprintf(hash, sizeof(hash), "%s", crypt_r("right one", salt, &cd));
	assert_int_equal(strlen(hash), 60);
	put("cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	put("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_load_ok(void **state)
{
	struct webcfg cfg;
	char err[256], text[512];

	snprintf(text, sizeof(text), "# comment\ntls_server_config:\n  cert_file: cert.pem\n"
		 "  key_file: %s/key.pem\nbasic_auth_users:\n  prom: %s\n  \"b c\": '%s'\n",
		 dir, hash, hash);
	put("ok.yml", text);
	assert_int_equal(load("ok.yml", &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(cfg.cert_pem, "BEGIN CERTIFICATE"));	/* relative to the file */
	assert_non_null(strstr(cfg.key_pem, "BEGIN PRIVATE KEY"));
	assert_int_equal(cfg.nusers, 2);
	assert_string_equal(cfg.users[0].name, "prom");
	assert_string_equal(cfg.users[1].name, "b c");
	webcfg_free(&cfg);

	put("empty.yml", "");
	assert_int_equal(load("empty.yml", &cfg, err, sizeof(err)), 0);
	assert_null(cfg.cert_pem);
	assert_int_equal(cfg.nusers, 0);
	webcfg_free(&cfg);
	put("nulls.yml", "tls_server_config:\nbasic_auth_users: ~\n");
	assert_int_equal(load("nulls.yml", &cfg, err, sizeof(err)), 0);
	assert_null(cfg.cert_pem);
	webcfg_free(&cfg);
}

/* Each bad file: rejected, with this text in the message. */
static void bad(const char *text, const char *want)
{
	struct webcfg cfg;
	char err[256];

	put("bad.yml", text);
	assert_true(load("bad.yml", &cfg, err, sizeof(err)) < 0);
	if (!strstr(err, want))
		fail_msg("'%s': got '%s', want '%s'", text, err, want);
	assert_null(cfg.cert_pem);
	assert_int_equal(cfg.nusers, 0);
}

static void test_load_bad(void **state)
{
	char text[512], *big;
	struct webcfg cfg;
	char err[256];

	bad("foo: 1\n", "bad.yml:1: 'foo' is not supported");
	bad("- a\n", "must be a mapping");
	bad("tls_server_config:\n  cert_file: cert.pem\n", "needs both cert_file and key_file");
	bad("tls_server_config:\n  cert_file: none.pem\n  key_file: key.pem\n",
	    "bad.yml:2: cert_file: cannot read");
	bad("tls_server_config:\n  min_version: TLS13\n", "'min_version' is not supported");
	bad("tls_server_config: [1]\n", "tls_server_config must be a mapping");
	bad("basic_auth_users:\n  a: plain\n", "bad.yml:2: user 'a': the password must be a bcrypt");
	bad("basic_auth_users:\n  a: $6$abc$def\n", "must be a bcrypt");
	bad("basic_auth_users:\n  a:\n", "must be a bcrypt");
	bad("basic_auth_users: [a]\n", "must be a mapping");
	snprintf(text, sizeof(text), "basic_auth_users:\n  'a:b': %s\n", hash);
	bad(text, "without ':'");
	snprintf(text, sizeof(text), "basic_auth_users:\n  a: %s\n  a: %s\n", hash, hash);
	bad(text, "user 'a' given twice");
	bad("basic_auth_users: {}\nbasic_auth_users: {}\n", "given twice");
	bad("a: [\n", "YAML");
	big = malloc(70000);
	memset(big, '#', 69999);
	big[69999] = '\0';
	bad(big, "larger than 64 KiB");
	free(big);
	assert_true(load("does-not-exist.yml", &cfg, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "No such file"));
}

static void test_check(void **state)
{
	struct webcfg cfg;
	char err[256], text[512];

	snprintf(text, sizeof(text), "basic_auth_users:\n  prom: %s\n", hash);
	put("users.yml", text);
	assert_int_equal(load("users.yml", &cfg, err, sizeof(err)), 0);
	/* 8 bcrypt checks below: at most the budget of one second */
	assert_int_equal(WEBCFG_DENIED, webcfg_check(&cfg, "prom", "wrong"));
	assert_null(cfg.users[0].fast);
	assert_int_equal(WEBCFG_DENIED, webcfg_check(&cfg, "nobody", "right one"));
	assert_int_equal(WEBCFG_DENIED, webcfg_check(&cfg, "pro", "right one"));
	assert_int_equal(WEBCFG_DENIED, webcfg_check(&cfg, "prom", "right on"));
	assert_int_equal(WEBCFG_DENIED, webcfg_check(&cfg, "prom", ""));
	assert_int_equal(WEBCFG_OK, webcfg_check(&cfg, "prom", "right one"));
	/* a cheap salted hash of it, never the password itself */
	assert_non_null(cfg.users[0].fast);
	assert_int_equal(strncmp(cfg.users[0].fast, "$6$", 3), 0);
	assert_null(strstr(cfg.users[0].fast, "right one"));
	assert_int_equal(WEBCFG_OK, webcfg_check(&cfg, "prom", "right one"));
	assert_int_equal(WEBCFG_DENIED, webcfg_check(&cfg, "prom", "wrong"));
	assert_int_equal(WEBCFG_DENIED, webcfg_check(&cfg, "prom", "right one "));
	webcfg_free(&cfg);
}

/*
 * At most WEBCFG_BCRYPT_PER_S bcrypt checks a second: a stream of wrong
 * passwords gets WEBCFG_BUSY beyond that, while a password already known
 * (its cheap hash) is still accepted.
 */
static void test_bcrypt_budget(void **state)
{
	struct webcfg cfg;
	char err[256], text[512], pw[32];
	int i, busy = 0, denied = 0;

	snprintf(text, sizeof(text), "basic_auth_users:\n  prom: %s\n", hash);
	put("budget.yml", text);
	assert_int_equal(load("budget.yml", &cfg, err, sizeof(err)), 0);
	sleep(1);	/* a fresh second's budget */
	assert_int_equal(webcfg_check(&cfg, "prom", "right one"), WEBCFG_OK);
	for (i = 0; i < 40; i++) {
		snprintf(pw, sizeof(pw), "guess %d", i);
		switch (webcfg_check(&cfg, i % 2 ? "prom" : "mallory", pw)) {
		case WEBCFG_BUSY: busy++; break;
		case WEBCFG_DENIED: denied++; break;
		default: fail_msg("guess %d accepted", i);
		}
		assert_int_equal(webcfg_check(&cfg, "prom", "right one"), WEBCFG_OK);
	}
	/* cost-4 hashes take about a millisecond: all 40 within two seconds */
	assert_true(denied <= 2 * WEBCFG_BCRYPT_PER_S);
	assert_true(busy >= 40 - 2 * WEBCFG_BCRYPT_PER_S);
	webcfg_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_ok),
		cmocka_unit_test(test_load_bad),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_bcrypt_budget),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
