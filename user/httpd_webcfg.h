/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --web-config FILE: TLS and basic authentication for the exporter, in
 * the YAML format of the Prometheus exporters (exporter-toolkit's web
 * configuration file), the subset exittop supports:
 *
 *   tls_server_config:
 *     cert_file: /etc/exittop/server.crt   # PEM; relative paths are
 *     key_file: /etc/exittop/server.key    # relative to FILE's directory
 *   basic_auth_users:
 *     prometheus: $2y$10$...               # bcrypt hash (htpasswd -B)
 *
 * Any other key is an error (a setting silently ignored could leave the
 * exporter less protected than its operator thinks).
 */
#ifndef EXITTOP_HTTPD_WEBCFG_H
#define EXITTOP_HTTPD_WEBCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEBCFG_MAX_USERS	64

struct webcfg_user {
	char *name;
	char *hash;		/* bcrypt ($2a$, $2b$, $2y$) */
	char *fast;		/* after a first success: a cheap hash of that password, or NULL */
};

struct webcfg {
	char *cert_pem, *key_pem;	/* both or neither: TLS */
	struct webcfg_user users[WEBCFG_MAX_USERS];
	size_t nusers;			/* 0: no authentication */
	uint64_t budget_s;		/* the second the bcrypt budget is counted in */
	unsigned int budget_used;	/* bcrypt verifications in that second */
};

/* Read and check FILE (and the certificate and key it names). 0, or -errno with err set. */
int webcfg_load(const char *path, struct webcfg *cfg, char *err, size_t errlen);

void webcfg_free(struct webcfg *cfg);

enum webcfg_auth {
	WEBCFG_OK,		/* user and password match a basic_auth_users entry */
	WEBCFG_DENIED,		/* they do not */
	WEBCFG_BUSY,		/* not checked: the bcrypt budget of this second is spent */
};

/*
 * Check user and password. The first success of a password costs a
 * bcrypt verification (tens of ms, by design); later ones are checked
 * against a salted SHA-512 crypt of it kept in memory, so that a scraper
 * every second does not cost a bcrypt each time (the plain password is
 * never kept). At most WEBCFG_BCRYPT_PER_S bcrypt verifications run per
 * second, in the exporter's only thread: beyond that a password not
 * already known is not checked (WEBCFG_BUSY), so that a stream of wrong
 * passwords cannot take the whole CPU time of the exporter.
 */
#define WEBCFG_BCRYPT_PER_S	8

enum webcfg_auth webcfg_check(struct webcfg *cfg, const char *user, const char *password);

#endif
