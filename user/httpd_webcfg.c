// SPDX-License-Identifier: GPL-2.0
/*
 * --web-config FILE: reading the YAML (libyaml's document loader, with a
 * size bound before it), the certificate and key files it names, and
 * checking basic-auth passwords against bcrypt hashes (libxcrypt).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <crypt.h>
#include <yaml.h>

#include "clock.h"
#include "httpd_webcfg.h"

#define CFG_MAX_BYTES	(64 * 1024)
#define PEM_MAX_BYTES	(1024 * 1024)
#define NAME_MAX_BYTES	256

/* Whole file, NUL-terminated; -errno. */
static int read_all(const char *path, size_t max, char **out, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	size_t len = 0;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return -errno;
	buf = malloc(max + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, buf + len, max + 1 - len)) > 0) {
		len += (size_t)n;
		if (len > max)
			break;
	}
	e = n < 0 ? errno : 0;
	close(fd);
	if (e || len > max) {
		free(buf);
		return e ? -e : -EFBIG;
	}
	buf[len] = '\0';
	*out = buf;
	if (lenp)
		*lenp = len;
	return 0;
}

struct loader {
	yaml_document_t *doc;
	const char *path, *dir;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(ld->err, ld->errlen, "%s:%zu: %s", ld->path, n->start_mark.line + 1, msg);
	else
		snprintf(ld->err, ld->errlen, "%s: %s", ld->path, msg);
	return -EINVAL;
}

/* A scalar's text, or NULL (also for YAML null: "~", "null", empty). */
static const char *scalar(const yaml_node_t *n)
{
	const char *s;

	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	     !strcmp(s, "NULL")))
		return NULL;
	if (strlen(s) != n->data.scalar.length)
		return NULL;	/* an embedded NUL */
	return s;
}

static bool is_null(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE && !scalar(n);
}

/* File path relative to the configuration file's directory, as the exporters do. */
static int read_pem(struct loader *ld, const yaml_node_t *n, const char *key, char **out)
{
	const char *p = scalar(n);
	char full[4096];
	int r;

	if (!p)
		return fail(ld, n, "%s: a file name is needed", key);
	if (p[0] == '/')
		snprintf(full, sizeof(full), "%s", p);
	else
		snprintf(full, sizeof(full), "%s/%s", ld->dir, p);
	r = read_all(full, PEM_MAX_BYTES, out, NULL);
	if (r) {
		snprintf(ld->err, ld->errlen, "%s:%zu: %s: cannot read %s: %s", ld->path,
			 n->start_mark.line + 1, key, full, strerror(-r));
		return r;
	}
	return 0;
}

typedef int (*pair_fn)(struct loader *ld, yaml_node_t *k, yaml_node_t *v, struct webcfg *cfg);

/* fn on each key/value pair of the mapping m (absent or null: none). */
static int each_pair(struct loader *ld, yaml_node_t *m, const char *what, const char *of,
		     pair_fn fn, struct webcfg *cfg)
{
	yaml_node_pair_t *p;
	int r;

	if (is_null(m))
		return 0;
	if (m->type != YAML_MAPPING_NODE)
		return fail(ld, m, "%s must be a mapping%s", what, of);
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		r = fn(ld, yaml_document_get_node(ld->doc, p->key),
		       yaml_document_get_node(ld->doc, p->value), cfg);
		if (r)
			return r;
	}
	return 0;
}

static int tls_pair(struct loader *ld, yaml_node_t *k, yaml_node_t *v, struct webcfg *cfg)
{
	const char *ks = scalar(k);

	if (!ks)
		return fail(ld, k, "%s: keys must be names", "tls_server_config");
	if (!strcmp(ks, "cert_file") && !cfg->cert_pem)
		return read_pem(ld, v, ks, &cfg->cert_pem);
	if (!strcmp(ks, "key_file") && !cfg->key_pem)
		return read_pem(ld, v, ks, &cfg->key_pem);
	if (!strcmp(ks, "cert_file") || !strcmp(ks, "key_file"))
		return fail(ld, k, "%s given twice", ks);
	return fail(ld, k, "tls_server_config: '%s' is not supported by exittop "
		    "(only cert_file and key_file)", ks);
}

static int load_tls(struct loader *ld, yaml_node_t *m, struct webcfg *cfg)
{
	int r = each_pair(ld, m, "tls_server_config", "", tls_pair, cfg);

	if (r || is_null(m))
		return r;
	if (!cfg->cert_pem != !cfg->key_pem)
		return fail(ld, m, "%s needs both cert_file and key_file", "tls_server_config");
	return 0;
}

static int user_pair(struct loader *ld, yaml_node_t *k, yaml_node_t *v, struct webcfg *cfg)
{
	const char *name = scalar(k), *hash = scalar(v);
	struct webcfg_user *u;
	size_t i;

	if (!name || !*name || strlen(name) > NAME_MAX_BYTES || strchr(name, ':'))
		return fail(ld, k, "%s: user names must be 1-256 characters without ':'",
			    "basic_auth_users");
	for (i = 0; i < cfg->nusers; i++)
		if (!strcmp(cfg->users[i].name, name))
			return fail(ld, k, "user '%.64s' given twice", name);
	if (!hash || strlen(hash) != 60 || (strncmp(hash, "$2a$", 4) &&
					    strncmp(hash, "$2b$", 4) &&
					    strncmp(hash, "$2y$", 4)) ||
	    crypt_checksalt(hash) != CRYPT_SALT_OK)
		return fail(ld, v ? v : k, "user '%.64s': the password must be a bcrypt "
			    "hash ($2y$..., e.g. from htpasswd -nB)", name);
	if (cfg->nusers == WEBCFG_MAX_USERS)
		return fail(ld, k, "more than %d users", WEBCFG_MAX_USERS);
	u = &cfg->users[cfg->nusers];
	u->name = strdup(name);
	u->hash = strdup(hash);
	if (!u->name || !u->hash) {
		free(u->name);
		free(u->hash);
		return -ENOMEM;
	}
	cfg->nusers++;
	return 0;
}

static int load_users(struct loader *ld, yaml_node_t *m, struct webcfg *cfg)
{
	return each_pair(ld, m, "basic_auth_users", " of user: bcrypt hash", user_pair, cfg);
}

static int load_doc(struct loader *ld, struct webcfg *cfg)
{
	yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	yaml_node_pair_t *p;
	bool seen_tls = false, seen_users = false;
	int r;

	if (!root || is_null(root))
		return 0;	/* empty file: plain HTTP, no authentication */
	if (root->type != YAML_MAPPING_NODE)
		return fail(ld, root, "the file must be a mapping");
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
		const char *ks = scalar(k);

		if (!ks)
			return fail(ld, k, "keys must be names");
		if (!strcmp(ks, "tls_server_config") && !seen_tls) {
			seen_tls = true;
			r = load_tls(ld, v, cfg);
		} else if (!strcmp(ks, "basic_auth_users") && !seen_users) {
			seen_users = true;
			r = load_users(ld, v, cfg);
		} else if (!strcmp(ks, "tls_server_config") || !strcmp(ks, "basic_auth_users")) {
			r = fail(ld, k, "%s given twice", ks);
		} else {
			r = fail(ld, k, "'%s' is not supported by exittop (only tls_server_config "
				 "and basic_auth_users)", ks);
		}
		if (r)
			return r;
	}
	return 0;
}

int webcfg_load(const char *path, struct webcfg *cfg, char *err, size_t errlen)
{
	struct loader ld = { .path = path, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	char dir[4096], *text, *slash;
	size_t len;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	r = read_all(path, CFG_MAX_BYTES, &text, &len);
	if (r) {
		snprintf(err, errlen, "%s: %s", path,
			 r == -EFBIG ? "larger than 64 KiB" : strerror(-r));
		return r;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	ld.dir = dir;
	if (!yaml_parser_initialize(&parser)) {
		free(text);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: YAML: %s", path, parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "malformed");
		yaml_parser_delete(&parser);
		free(text);
		return -EINVAL;
	}
	ld.doc = &doc;
	r = load_doc(&ld, cfg);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	explicit_bzero(text, len);
	free(text);
	if (r)
		webcfg_free(cfg);
	return r;
}

void webcfg_free(struct webcfg *cfg)
{
	size_t i;

	if (cfg->key_pem)
		explicit_bzero(cfg->key_pem, strlen(cfg->key_pem));
	free(cfg->cert_pem);
	free(cfg->key_pem);
	for (i = 0; i < cfg->nusers; i++) {
		free(cfg->users[i].name);
		free(cfg->users[i].hash);
		free(cfg->users[i].fast);
	}
	memset(cfg, 0, sizeof(*cfg));
}

/* Equal strings, in a time that does not depend on where they differ. */
static bool same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

static bool verify(const char *password, const char *hash)
{
	static struct crypt_data cd;	/* 32 KiB: not on the stack; one thread */
	const char *out;

	memset(&cd, 0, sizeof(cd));
	out = crypt_r(password, hash, &cd);
	return out && out[0] != '*' && same(out, hash);
}

/* One bcrypt verification more within this second's budget? */
static bool spend(struct webcfg *cfg)
{
	uint64_t now = clock_mono_ns() / 1000000000;

	if (now != cfg->budget_s) {
		cfg->budget_s = now;
		cfg->budget_used = 0;
	}
	if (cfg->budget_used >= WEBCFG_BCRYPT_PER_S)
		return false;
	cfg->budget_used++;
	return true;
}

enum webcfg_auth webcfg_check(struct webcfg *cfg, const char *user, const char *password)
{
	struct webcfg_user *u = NULL;
	size_t i;
	bool ok;

	for (i = 0; i < cfg->nusers; i++)
		if (same(cfg->users[i].name, user))
			u = &cfg->users[i];
	if (u && u->fast && verify(password, u->fast))
		return WEBCFG_OK;
	if (!spend(cfg))
		return WEBCFG_BUSY;
	if (!u) {
		/* as slow as a real check: user names are not revealed by timing */
		if (cfg->nusers)
			verify(password, cfg->users[0].hash);
		return WEBCFG_DENIED;
	}
	ok = verify(password, u->hash);
	if (ok && !u->fast) {
		char salt[CRYPT_GENSALT_OUTPUT_SIZE];
		struct crypt_data *cd = calloc(1, sizeof(*cd));

		if (cd && crypt_gensalt_rn("$6$", 1000, NULL, 0, salt, sizeof(salt))) {
			const char *h = crypt_r(password, salt, cd);

			if (h && h[0] != '*')
				u->fast = strdup(h);
		}
		free(cd);
	}
	return ok ? WEBCFG_OK : WEBCFG_DENIED;
}
