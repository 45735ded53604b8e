/* smtpd_conf.c: see smtpd_conf.h.  One key table per section kind. */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "i18n.h"
#include "secret.h"
#include "smtpd_conf.h"
#include "trusted.h"
#include "xalloc.h"

#define SMTPD_CONF_FILE "/etc/sendas/smtpd.ini"
#define NUMBER_MAX 1000000000L

struct parser {
	struct smtpd_conf *c;
	const char *path;
	struct error *err;
	int in_network;           /* the current section is [network ...] */
	int in_section;
	int failed;
	int line;                 /* of the line inih has just read */
	FILE *fp;
};

enum kind { K_STRING, K_PATH, K_LIST, K_UINT, K_SIZE, K_SECONDS, K_BOOL, K_NOT };

struct key {
	const char *name;
	enum kind kind;
	size_t offset;            /* in struct smtpd_conf or struct smtpd_network */
	long min, max;
};

#define C(f) offsetof(struct smtpd_conf, f)
#define N(f) offsetof(struct smtpd_network, f)

static const struct key smtpd_keys[] = {
	{ "listen", K_LIST, C(listen), 0, 0 },
	{ "hostname", K_STRING, C(hostname), 0, 0 },
	{ "tls_cert_file", K_PATH, C(tls_cert_file), 0, 0 },
	{ "tls_key_file", K_PATH, C(tls_key_file), 0, 0 },
	{ "users_file", K_PATH, C(users_file), 0, 0 },
	{ "syslog", K_STRING, C(syslog), 0, 0 },
	{ "logfile", K_PATH, C(logfile), 0, 0 },
	{ "max_connections", K_UINT, C(max_connections), 1, 100000 },
	{ "max_connections_per_client", K_UINT, C(max_connections_per_client), 1, 100000 },
	{ "max_commands", K_UINT, C(max_commands), 10, 1000000 },
	{ "max_recipients", K_UINT, C(max_recipients), 1, 100000 },
	{ "max_message_size", K_SIZE, C(max_message_size), 1024, NUMBER_MAX },
	{ "idle_timeout", K_SECONDS, C(idle_timeout), 1, 86400 },
	{ "session_timeout", K_SECONDS, C(session_timeout), 1, 86400 },
	{ "max_auth_failures", K_UINT, C(max_auth_failures), 1, 1000 },
	{ "auth_failure_block", K_SECONDS, C(auth_failure_block), 1, 86400 },
};

static const struct key network_keys[] = {
	{ "accounts", K_STRING, N(accounts), 0, 0 },
	{ "plaintext_auth", K_BOOL, N(plaintext_auth), 0, 1 },
	{ "require_auth", K_BOOL, N(require_auth), 0, 1 },
	{ "starttls", K_NOT, N(no_starttls), 0, 1 },
};

static const struct smtpd_conf defaults = {
	.max_connections = 100, .max_connections_per_client = 10, .max_commands = 1000,
	.max_recipients = 100, .max_message_size = 50L * 1024 * 1024, .idle_timeout = 300,
	.session_timeout = 3600, .max_auth_failures = 5, .auth_failure_block = 900,
};

static int fail(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return 0;
	va_start(ap, fmt);
	error_vset(p->err, CAT_CONFIG, fmt, ap);
	va_end(ap);
	error_prefix(p->err, "%s:%d", p->path, line);
	p->failed = 1;
	return 0;
}

static int add_network(struct parser *p, const char *text, int line)
{
	struct smtpd_conf *c = p->c;
	struct smtpd_network *n;

	if (c->nnetworks == SMTPD_CONF_NETWORKS_MAX)
		return fail(p, line, N_("more than %d [network] sections"),
			    SMTPD_CONF_NETWORKS_MAX);
	c->networks = xrealloc(c->networks, (c->nnetworks + 1) * sizeof *c->networks);
	n = &c->networks[c->nnetworks];
	memset(n, 0, sizeof *n);
	if (cidr_parse(text, &n->cidr) < 0)
		return fail(p, line, N_("'%s' is not a network such as 192.168.1.0/24 or "
				       "2001:db8::/32"), text);
	snprintf(n->text, sizeof n->text, "%s", text);
	n->line = line;
	c->nnetworks++;
	return 1;
}

static int on_section(struct parser *p, const char *section, int line)
{
	if (!strcasecmp(section, "smtpd")) {
		p->in_network = 0;
		return 1;
	}
	if (!strncasecmp(section, "network ", 8)) {
		p->in_network = 1;
		return add_network(p, section + 8 + strspn(section + 8, " "), line);
	}
	return fail(p, line, N_("unknown section [%s]; use [smtpd] or [network CIDR]"),
		    section);
}

static int set_number(struct parser *p, const struct key *k, void *field, const char *v,
		      int line)
{
	char *end;
	long n, unit = 1;

	errno = 0;
	n = strtol(v, &end, 10);
	if (k->kind == K_SIZE && (*end == 'k' || *end == 'K'))
		unit = 1024, end++;
	else if (k->kind == K_SIZE && (*end == 'm' || *end == 'M'))
		unit = 1024 * 1024, end++;
	if (errno || end == v || *end || n > k->max / unit || n * unit < k->min)
		return fail(p, line, N_("%s must be a number from %ld to %ld"), k->name, k->min,
			    k->max);
	if (k->kind == K_SIZE)
		*(long *)field = n * unit;
	else if (k->kind == K_SECONDS)
		*(int *)field = (int)n;
	else
		*(unsigned *)field = (unsigned)n;
	return 1;
}

static int set_list(struct parser *p, struct smtpd_conf *c, const char *v, int line)
{
	const char *s = v;
	size_t n;

	while (c->nlisten)
		free(c->listen[--c->nlisten]);
	for (s += strspn(s, " ,"); *s; s += strspn(s, " ,")) {
		n = strcspn(s, " ,");
		if (c->nlisten == SMTPD_CONF_LISTEN_MAX)
			return fail(p, line, N_("listen names more than %d addresses"),
				    SMTPD_CONF_LISTEN_MAX);
		c->listen[c->nlisten++] = xstrndup(s, n);
		s += n;
	}
	return 1;
}

/* A file name as written, relative ones to the directory of smtpd.ini
 * (with LoadCredential=, the certificate next to it). */
static char *relative_to(const char *ini, const char *v)
{
	const char *slash = strrchr(ini, '/');
	size_t n = slash ? (size_t)(slash - ini) + 1 : 0;
	char *out;

	if (v[0] == '/' || n == 0)
		return xstrdup(v);
	out = xmalloc(n + strlen(v) + 1);
	memcpy(out, ini, n);
	memcpy(out + n, v, strlen(v) + 1);
	return out;
}

static int set_value(struct parser *p, const struct key *k, void *base, const char *v,
		     int line)
{
	void *field = (char *)base + k->offset;

	switch (k->kind) {
	case K_STRING:
		free(*(char **)field);
		*(char **)field = *v ? xstrdup(v) : NULL;
		return 1;
	case K_PATH:
		free(*(char **)field);
		*(char **)field = *v ? relative_to(p->path, v) : NULL;
		return 1;
	case K_LIST:
		return set_list(p, base, v, line);
	case K_BOOL:
	case K_NOT:               /* stored the other way round: default yes */
		if (!strcasecmp(v, "yes") || !strcasecmp(v, "no")) {
			*(int *)field = !strcasecmp(v, k->kind == K_BOOL ? "yes" : "no");
			return 1;
		}
		return fail(p, line, N_("%s is yes or no"), k->name);
	default:
		return set_number(p, k, field, v, line);
	}
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	const struct key *table = p->in_network ? network_keys : smtpd_keys;
	size_t i, n = p->in_network ? sizeof network_keys / sizeof *network_keys
				    : sizeof smtpd_keys / sizeof *smtpd_keys;
	int line = p->line;

	if (p->failed)
		return 0;
	if (!p->in_section)
		return fail(p, line, N_("'%s' before any section; start with [smtpd]"), name);
	for (i = 0; i < n; i++)
		if (!strcasecmp(table[i].name, name))
			return set_value(p, &table[i],
					 p->in_network ? (void *)&p->c->networks[p->c->nnetworks - 1]
						       : (void *)p->c, value, line);
	return fail(p, line, N_("unknown key '%s' in [%s]"), name, section);
}

/* inih's reader, counting lines and taking the section lines itself (the
 * handler is not told of a section without keys, nor of line numbers). */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *s;
	size_t n;

	if (!fgets(str, num, p->fp))
		return NULL;
	p->line++;
	s = str + strspn(str, " \t");
	n = strcspn(s, "]\r\n");
	if (*s == '[' && s[n] == ']' && !p->failed) {
		char section[CIDR_TEXT_MAX + 16];

		snprintf(section, sizeof section, "%.*s", (int)(n - 1), s + 1);
		p->in_section = 1;
		on_section(p, section, p->line);
	}
	return str;
}

static void set_defaults(struct smtpd_conf *c)
{
	*c = defaults;
	c->listen[c->nlisten++] = xstrdup(SMTPD_CONF_DEFAULT_LISTEN);
}

static void default_networks(struct smtpd_conf *c)
{
	static const char *const loopback[] = { "127.0.0.0/8", "::1/128" };
	size_t i;

	c->networks = xcalloc(2, sizeof *c->networks);
	for (i = 0; i < 2; i++) {
		cidr_parse(loopback[i], &c->networks[i].cidr);
		snprintf(c->networks[i].text, sizeof c->networks[i].text, "%s", loopback[i]);
	}
	c->nnetworks = 2;
}

static int check_tls(struct smtpd_conf *c, struct error *err)
{
	if (!c->tls_cert_file != !c->tls_key_file)
		return error_set(err, CAT_CONFIG, N_("%s: STARTTLS needs both tls_cert_file and "
						    "tls_key_file"), c->path);
	return 0;
}

static int parse_file(struct smtpd_conf *c, const char *path, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct parser p = { .c = c, .path = path, .err = err };
	struct stat st;
	int fd, r;

	if ((fd = trusted_open(path, FILE_SYSTEM, &st, err)) < 0)
		return -1;
	if (!(p.fp = fdopen(fd, "r"))) {
		close(fd);
		return error_set(err, CAT_IO, N_("%s: cannot read: %s"), path, error_errno(errno, eno));
	}
	r = ini_parse_stream(read_line, &p, on_key, &p);
	fclose(p.fp);
	if (r > 0 && !p.failed)
		fail(&p, r, N_("expected \"key = value\", a [section] or a comment"));
	return p.failed ? -1 : 0;
}

int smtpd_conf_load(struct smtpd_conf *c, const char *path, struct error *err)
{
	set_defaults(c);
	c->path = path ? xstrdup(path) : NULL;
	if ((path && parse_file(c, path, err) < 0) || check_tls(c, err) < 0) {
		smtpd_conf_release(c);
		return -1;
	}
	if (!c->nnetworks)
		default_networks(c);
	return 0;
}

void smtpd_conf_release(struct smtpd_conf *c)
{
	size_t i;

	for (i = 0; i < c->nlisten; i++)
		free(c->listen[i]);
	for (i = 0; i < c->nnetworks; i++)
		free(c->networks[i].accounts);
	free(c->networks);
	free(c->path);
	free(c->hostname);
	free(c->tls_cert_file);
	free(c->tls_key_file);
	free(c->users_file);
	free(c->syslog);
	free(c->logfile);
	memset(c, 0, sizeof *c);
}

char *smtpd_conf_locate(void)
{
	const char *env = getenv("SENDAS_SMTPD_CONFIG");
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];

	if (env && *env)
		return xstrdup(env);
	if (dir && *dir) {
		snprintf(path, sizeof path, "%s/smtpd.ini", dir);
		if (access(path, F_OK) == 0)
			return xstrdup(path);
	}
	return access(SMTPD_CONF_FILE, F_OK) == 0 ? xstrdup(SMTPD_CONF_FILE) : NULL;
}

const struct smtpd_network *smtpd_conf_network(const struct smtpd_conf *c,
					       const struct sockaddr *sa)
{
	size_t i;

	for (i = 0; i < c->nnetworks; i++)
		if (cidr_match(&c->networks[i].cidr, sa))
			return &c->networks[i];
	return NULL;
}

int smtpd_list_allows(const char *list, const char *account)
{
	size_t n, len = strlen(account);

	if (!list || !strcmp(list, "*"))
		return 1;
	for (list += strspn(list, " ,"); *list; list += strspn(list, " ,")) {
		n = strcspn(list, " ,");
		if (n == len && !strncmp(list, account, n))
			return 1;
		list += n;
	}
	return 0;
}

/* ---- the users file ---------------------------------------------------- */

/* A yescrypt hash of nothing anyone knows: an unknown user costs what a
 * known one costs. */
#define DUMMY_HASH "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7"

/* No early exit: the time taken does not say how much matched. */
static int same_text(const char *a, const char *b)
{
	size_t i, n = strlen(a);
	unsigned char diff = n != strlen(b);

	for (i = 0; i < n && b[i]; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static int hash_matches(const char *hash, const char *password)
{
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	const char *out = crypt_r(password, hash, cd);
	int ok = out && out[0] != '*' && same_text(out, hash);

	wipe(cd, sizeof *cd);
	free(cd);
	return ok;
}

/* "user:hash[:accounts]" into its fields (in place); 0, or -1. */
static int split_user_line(char *line, char **hash, char **accounts)
{
	char *colon = strchr(line, ':');

	line[strcspn(line, "\r\n")] = '\0';
	if (!colon || colon == line)
		return -1;
	*colon = '\0';
	*hash = colon + 1;
	colon = strchr(*hash, ':');
	*accounts = NULL;
	if (colon) {
		*colon = '\0';
		*accounts = colon[1] ? colon + 1 : NULL;
	}
	return **hash ? 0 : -1;
}

static int users_open(const char *path, FILE **fp, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct stat st;
	int fd = trusted_open(path, FILE_SYSTEM, &st, err);

	if (fd < 0)
		return -1;
	if (st.st_mode & 004) {
		close(fd);
		return error_set(err, CAT_CONFIG, N_("%s: password hashes in a file others can "
						    "read (mode %04o); run: chmod 600 %s"),
				 path, (unsigned)st.st_mode & 07777, path);
	}
	if (!(*fp = fdopen(fd, "r"))) {
		close(fd);
		return error_set(err, CAT_IO, N_("%s: cannot read: %s"), path, error_errno(errno, eno));
	}
	return 0;
}

int smtpd_users_check(const char *path, const char *user, const char *password,
		      char **accounts, struct error *err)
{
	char line[SMTPD_USERS_LINE_MAX], *hash, *acc;
	int found = 0, ok = 0;
	FILE *fp;

	*accounts = NULL;
	if (users_open(path, &fp, err) < 0)
		return -1;
	while (!found && fgets(line, sizeof line, fp))
		if (line[0] != '#' && split_user_line(line, &hash, &acc) == 0 &&
		    !strcmp(line, user)) {
			found = 1;
			ok = strlen(password) <= SMTPD_PASSWORD_MAX && hash_matches(hash, password);
			if (ok && acc && *acc)
				*accounts = xstrdup(acc);
		}
	fclose(fp);
	if (!found)
		hash_matches(DUMMY_HASH, password);
	wipe(line, sizeof line);
	return ok;
}
