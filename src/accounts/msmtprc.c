/* msmtprc.c: see msmtprc.h.
 *
 * Two passes.  read_lines() builds msmtp's view of the file (every account
 * with the value and the line of each setting, inheritance applied as msmtp
 * applies it); write_account() then writes one section per account, one
 * small writer per sendas key, and a comment for each setting that has no
 * sendas key (the table "notes"). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account.h"
#include "i18n.h"
#include "msmtprc.h"
#include "pattern.h"
#include "xalloc.h"

#define NAME_MAX_SENDAS 64        /* CONF_NAME_MAX */
#define SHA256_BYTES 32
#define WARNED_MAX 4096           /* msmtprc lines we remember having warned about */

/* The settings of one account, by msmtp command.  Aliases (connect_timeout,
 * tls_nostarttls, add_missing_from_header ...) land on their modern slot. */
enum slot {
	S_HOST, S_PORT, S_TIMEOUT, S_PROTOCOL, S_DOMAIN, S_FROM, S_FROM_FULL_NAME,
	S_ALLOW_FROM_OVERRIDE, S_AUTH, S_USER, S_PASSWORD, S_PASSWORDEVAL, S_NTLMDOMAIN,
	S_TLS, S_TLS_STARTTLS, S_TLS_KEY_FILE, S_TLS_CERT_FILE, S_TLS_TRUST_FILE,
	S_TLS_CRL_FILE, S_TLS_FINGERPRINT, S_TLS_CERTCHECK, S_TLS_MIN_DH_PRIME_BITS,
	S_TLS_PRIORITIES, S_TLS_HOST_OVERRIDE, S_DSN_RETURN, S_DSN_NOTIFY, S_LOGFILE,
	S_LOGFILE_TIME_FORMAT, S_SYSLOG, S_ALIASES, S_PROXY_HOST, S_PROXY_PORT,
	S_SET_FROM_HEADER, S_SET_DATE_HEADER, S_SET_MSGID_HEADER, S_SET_TO_HEADER,
	S_REMOVE_BCC_HEADERS, S_SOURCE_IP, S_SOCKET, S_AUTO_FROM, S_MAILDOMAIN,
	S_COUNT
};

struct maccount {
	char *name;
	int line;                 /* of its "account" line; 0 for the implicit default */
	char *value[S_COUNT];
	int set[S_COUNT];         /* the msmtprc line that set it here or in a parent
				   * (msmtp's mask); 0: not set */
	int origin[S_COUNT];      /* the line of the value, a defaults line too */
};

/* How an old spelling maps onto its slot. */
enum fold { FOLD_NONE, FOLD_INVERT, FOLD_FROM_HEADER, FOLD_TO_HEADER, FOLD_DATE_HEADER };

static const struct command {
	const char *name;
	enum slot slot;
	enum fold fold;
} commands[] = {
	{ "host", S_HOST, FOLD_NONE }, { "port", S_PORT, FOLD_NONE },
	{ "timeout", S_TIMEOUT, FOLD_NONE }, { "connect_timeout", S_TIMEOUT, FOLD_NONE },
	{ "protocol", S_PROTOCOL, FOLD_NONE }, { "domain", S_DOMAIN, FOLD_NONE },
	{ "from", S_FROM, FOLD_NONE }, { "from_full_name", S_FROM_FULL_NAME, FOLD_NONE },
	{ "allow_from_override", S_ALLOW_FROM_OVERRIDE, FOLD_NONE },
	{ "auth", S_AUTH, FOLD_NONE }, { "user", S_USER, FOLD_NONE },
	{ "password", S_PASSWORD, FOLD_NONE }, { "passwordeval", S_PASSWORDEVAL, FOLD_NONE },
	{ "ntlmdomain", S_NTLMDOMAIN, FOLD_NONE }, { "tls", S_TLS, FOLD_NONE },
	{ "tls_starttls", S_TLS_STARTTLS, FOLD_NONE },
	{ "tls_nostarttls", S_TLS_STARTTLS, FOLD_INVERT },
	{ "tls_key_file", S_TLS_KEY_FILE, FOLD_NONE },
	{ "tls_cert_file", S_TLS_CERT_FILE, FOLD_NONE },
	{ "tls_trust_file", S_TLS_TRUST_FILE, FOLD_NONE },
	{ "tls_crl_file", S_TLS_CRL_FILE, FOLD_NONE },
	{ "tls_fingerprint", S_TLS_FINGERPRINT, FOLD_NONE },
	{ "tls_certcheck", S_TLS_CERTCHECK, FOLD_NONE },
	{ "tls_nocertcheck", S_TLS_CERTCHECK, FOLD_INVERT },
	{ "tls_min_dh_prime_bits", S_TLS_MIN_DH_PRIME_BITS, FOLD_NONE },
	{ "tls_priorities", S_TLS_PRIORITIES, FOLD_NONE },
	{ "tls_host_override", S_TLS_HOST_OVERRIDE, FOLD_NONE },
	{ "dsn_return", S_DSN_RETURN, FOLD_NONE }, { "dsn_notify", S_DSN_NOTIFY, FOLD_NONE },
	{ "logfile", S_LOGFILE, FOLD_NONE },
	{ "logfile_time_format", S_LOGFILE_TIME_FORMAT, FOLD_NONE },
	{ "syslog", S_SYSLOG, FOLD_NONE }, { "aliases", S_ALIASES, FOLD_NONE },
	{ "proxy_host", S_PROXY_HOST, FOLD_NONE }, { "proxy_port", S_PROXY_PORT, FOLD_NONE },
	{ "set_from_header", S_SET_FROM_HEADER, FOLD_NONE },
	{ "add_missing_from_header", S_SET_FROM_HEADER, FOLD_FROM_HEADER },
	{ "set_date_header", S_SET_DATE_HEADER, FOLD_NONE },
	{ "add_missing_date_header", S_SET_DATE_HEADER, FOLD_DATE_HEADER },
	{ "set_msgid_header", S_SET_MSGID_HEADER, FOLD_NONE },
	{ "set_to_header", S_SET_TO_HEADER, FOLD_NONE },
	{ "undisclosed_recipients", S_SET_TO_HEADER, FOLD_TO_HEADER },
	{ "remove_bcc_headers", S_REMOVE_BCC_HEADERS, FOLD_NONE },
	{ "keepbcc", S_REMOVE_BCC_HEADERS, FOLD_INVERT },
	{ "source_ip", S_SOURCE_IP, FOLD_NONE }, { "socket", S_SOCKET, FOLD_NONE },
	{ "auto_from", S_AUTO_FROM, FOLD_NONE }, { "maildomain", S_MAILDOMAIN, FOLD_NONE },
};

/* Settings sendas has no key for: the value msmtp uses by default (a
 * setting with that value needs no note; NULL: every value needs one) and
 * why, for the comment and the warning. */
static const struct note {
	enum slot slot;
	const char *harmless;
	const char *why;
} notes[] = {
	{ S_PROTOCOL, "smtp", N_("sendas speaks SMTP only, not LMTP") },
	{ S_FROM_FULL_NAME, NULL, N_("give the name with -F; sendas adds a From: field only "
				     "when the message has none") },
	{ S_ALLOW_FROM_OVERRIDE, "on", N_("in sendas -f always chooses the account; to send "
					  "every sender as one address use rewrite_from") },
	{ S_NTLMDOMAIN, NULL, N_("sendas has no NTLM domain setting") },
	{ S_TLS_CRL_FILE, NULL, N_("sendas does not read CRL files") },
	{ S_TLS_CERTCHECK, "on", N_("sendas always checks the server's certificate; pin it "
				    "with tls_fingerprint or trust its CA with tls_trust_file") },
	{ S_TLS_MIN_DH_PRIME_BITS, NULL, N_("use tls_priority instead") },
	{ S_TLS_HOST_OVERRIDE, NULL, N_("sendas checks the certificate against host") },
	{ S_DSN_RETURN, "off", N_("give -R full or -R hdrs on the command line") },
	{ S_DSN_NOTIFY, "off", N_("give -N on the command line") },
	{ S_LOGFILE_TIME_FORMAT, NULL, N_("sendas logs UTC times in ISO 8601 format") },
	{ S_PROXY_HOST, NULL, N_("sendas connects directly; it has no SOCKS proxy") },
	{ S_PROXY_PORT, NULL, N_("sendas connects directly; it has no SOCKS proxy") },
	{ S_SET_FROM_HEADER, "auto", N_("sendas adds a From: field only when the message has "
					"none, and never replaces one") },
	{ S_SET_DATE_HEADER, "auto", N_("sendas adds a Date: field when the message has none") },
	{ S_SET_MSGID_HEADER, "auto", N_("sendas adds a Message-ID: field when the message has "
					 "none") },
	{ S_SET_TO_HEADER, "off", N_("sendas does not rewrite To:, Cc: or Bcc:") },
	{ S_REMOVE_BCC_HEADERS, "on", N_("sendas always removes Bcc: fields") },
	{ S_SOURCE_IP, NULL, N_("sendas lets the system choose the source address") },
	{ S_SOCKET, NULL, N_("sendas connects to host and port, not to a socket") },
	{ S_MAILDOMAIN, NULL, N_("used with auto_from only") },
};

struct reader {
	const char *path;
	struct maccount defaults;
	struct maccount *accounts;
	size_t naccounts;
	struct maccount *current;
	int lineno;
	struct error *err;
	void (*warn)(void *ctx, const char *text);
	void *ctx;
	int warned[WARNED_MAX];   /* lines warned about, so inherited notes warn once */
	size_t nwarned;
	char **froms;             /* the from values already written, for ties */
	size_t nfroms;
};

/* ---- messages ---- */

static int fail(struct reader *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct reader *r, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(r->err, CAT_CONFIG, fmt, ap);
	va_end(ap);
	error_prefix(r->err, "%s:%d", r->path, line);
	return -1;
}

/* A warning "FILE:LINE: text", once per line (line 0: always). */
static void warn_at(struct reader *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn_at(struct reader *r, int line, const char *fmt, ...)
{
	char text[ERROR_TEXT_MAX], *all;
	va_list ap;
	size_t i;

	for (i = 0; line && i < r->nwarned; i++)
		if (r->warned[i] == line)
			return;
	if (line && r->nwarned < WARNED_MAX)
		r->warned[r->nwarned++] = line;
	if (!r->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	all = xasprintf("%s:%d: %s", r->path, line, text);
	r->warn(r->ctx, all);
	free(all);
}

/* ---- pass 1: msmtp's reading ---- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* msmtp's trim_string(): blanks off both ends, then one pair of enclosing
 * double quotes. */
static char *unquote(const char *s, size_t n)
{
	while (n && is_blank(*s))
		s++, n--;
	while (n && is_blank(s[n - 1]))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		return xstrndup(s + 1, n - 2);
	return xstrndup(s, n);
}

static void maccount_release(struct maccount *a)
{
	size_t i;

	for (i = 0; i < S_COUNT; i++) {
		if (i == S_PASSWORD)
			free_secret(a->value[i]);
		else
			free(a->value[i]);
	}
	free(a->name);
	memset(a, 0, sizeof *a);
}

static void set_slot(struct maccount *a, enum slot s, const char *value, int line)
{
	char *copy = xstrdup(value);

	if (s == S_PASSWORD)
		free_secret(a->value[s]);
	else
		free(a->value[s]);
	a->value[s] = copy;
	a->set[s] = line;
	a->origin[s] = line;
}

/* msmtp's override_account(): what from set, on top of to. */
static void take_settings(struct maccount *to, const struct maccount *from)
{
	size_t i;

	for (i = 0; i < S_COUNT; i++)
		if (from->set[i])
			set_slot(to, (enum slot)i, from->value[i] ? from->value[i] : "",
				 from->set[i]);
}

static const struct maccount *find_account(const struct reader *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->naccounts; i++)
		if (strcmp(r->accounts[i].name, name) == 0)
			return &r->accounts[i];
	return NULL;
}

/* A new account from the current defaults (values only: msmtp clears the
 * mask, so a child of this account takes only what it sets itself). */
static struct maccount *new_account(struct reader *r, const char *name, int line)
{
	struct maccount *a;
	size_t i;

	if (r->naccounts >= MSMTPRC_ACCOUNTS_MAX) {
		fail(r, line, N_("more than %d accounts"), MSMTPRC_ACCOUNTS_MAX);
		return NULL;
	}
	r->accounts = xrealloc(r->accounts, (r->naccounts + 1) * sizeof *r->accounts);
	a = &r->accounts[r->naccounts++];
	memset(a, 0, sizeof *a);
	a->name = xstrdup(name);
	a->line = line;
	for (i = 0; i < S_COUNT; i++)
		if (r->defaults.set[i]) {
			set_slot(a, (enum slot)i, r->defaults.value[i] ? r->defaults.value[i] : "",
				 r->defaults.set[i]);
			a->set[i] = 0;
		}
	return a;
}

/* "a, b": take each named account's settings in order. */
static int inherit_list(struct reader *r, struct maccount *a, const char *list)
{
	const struct maccount *parent;
	size_t n;
	char *name;

	for (;;) {
		n = strcspn(list, ",");
		name = unquote(list, n);
		if (!*name) {
			free(name);
			return fail(r, r->lineno, N_("an account name is missing after \":\""));
		}
		if (!(parent = find_account(r, name)) || parent == a) {
			fail(r, r->lineno, N_("account %s is not defined above this line"), name);
			free(name);
			return -1;
		}
		free(name);
		take_settings(a, parent);
		if (!list[n])
			return 0;
		list += n + 1;
	}
}

static int account_line(struct reader *r, const char *arg)
{
	const char *colon = strchr(arg, ':');
	char *name = unquote(arg, colon ? (size_t)(colon - arg) : strlen(arg));
	struct maccount *a;
	int rc = -1;

	if (!*name)
		fail(r, r->lineno, N_("\"account\" needs a name"));
	else if (strchr(name, ','))
		fail(r, r->lineno, N_("an account name must not contain commas"));
	else if (find_account(r, name))
		fail(r, r->lineno, N_("account %s was already defined (line %d)"), name,
		     find_account(r, name)->line);
	else if ((a = new_account(r, name, r->lineno))) {
		r->current = a;
		rc = colon ? inherit_list(r, a, colon + 1) : 0;
		r->current = &r->accounts[r->naccounts - 1];   /* realloc may have moved it */
	}
	free(name);
	return rc;
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* The old spellings in today's words. */
static const char *folded(enum fold f, const char *arg)
{
	int on = !*arg || strcmp(arg, "on") == 0;

	switch (f) {
	case FOLD_INVERT:
		return on ? "off" : "on";
	case FOLD_FROM_HEADER:
		return on ? "auto" : "off";
	case FOLD_DATE_HEADER:
		return on ? "auto" : "off";
	case FOLD_TO_HEADER:
		return on ? "undisclosed_recipients" : "off";
	default:
		return arg;
	}
}

static int setting_line(struct reader *r, const char *cmd, const char *arg)
{
	const struct command *c = find_command(cmd);

	if (strcmp(cmd, "eval") == 0) {
		warn_at(r, r->lineno, _("eval runs a command to produce this line; sendas does "
					"not: write the line's result into the account file, or "
					"use password_command for a password"));
		return 0;
	}
	if (!c) {
		warn_at(r, r->lineno, _("unknown msmtp command \"%s\"; left out"), cmd);
		return 0;
	}
	if (!r->current && !(r->current = new_account(r, "default", 0)))
		return -1;
	set_slot(r->current, c->slot, folded(c->fold, arg), r->lineno);
	return 0;
}

static int one_line(struct reader *r, const char *line, size_t n)
{
	size_t start = 0, word;
	char *cmd, *arg;
	int rc = 0;

	while (start < n && is_blank(line[start]))
		start++;
	if (start == n || line[start] == '#')
		return 0;
	for (word = start; word < n && !is_blank(line[word]); word++)
		;
	cmd = xstrndup(line + start, word - start);
	arg = unquote(line + word, n - word);
	if (strcmp(cmd, "defaults") == 0)
		r->current = &r->defaults;
	else if (strcmp(cmd, "account") == 0)
		rc = account_line(r, arg);
	else
		rc = setting_line(r, cmd, arg);
	free(cmd);
	free_secret(arg);       /* it may be a password */
	return rc;
}

static int read_lines(struct reader *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl;
	size_t n;

	if (memchr(text, '\0', len))
		return error_set(r->err, CAT_CONFIG, N_("%s: holds a NUL byte; is it an msmtp "
						       "configuration file?"), r->path);
	for (r->lineno = 1; p < end; r->lineno++, p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n > MSMTPRC_LINE_MAX)
			return fail(r, r->lineno, N_("the line is longer than %d bytes"),
				    MSMTPRC_LINE_MAX);
		if (one_line(r, p, n) < 0)
			return -1;
	}
	if (!r->naccounts)
		return error_set(r->err, CAT_CONFIG, N_("%s: defines no account"), r->path);
	return 0;
}

/* ---- pass 2: the account file ---- */

static const char *value_of(const struct maccount *a, enum slot s)
{
	return a->value[s];
}

/* The line a value came from: its own, a parent's or a defaults line. */
static int line_of(const struct maccount *a, enum slot s, const struct reader *r)
{
	(void)r;
	return a->origin[s];
}

static int is_on(const char *v)
{
	return v && (!*v || strcmp(v, "on") == 0);
}

/* " ;" would start an inline comment in the account file; blanks at the
 * ends need quotes, as do quotes at both ends. */
static int writable(const char *v)
{
	const char *s;

	for (s = v; *s; s++)
		if (is_blank(*s) && s[1] == ';')
			return 0;
	return !strpbrk(v, "\r\n");
}


/* Add to the converted file.  The buffer's overflow is sticky (buf.h), so
 * msmtprc_convert() checks it once at the end; nothing is cut silently. */
static void emit(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct buf *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(out, fmt, ap) < 0)
		out->overflow = 1;
	va_end(ap);
}

static void put_key(struct buf *out, const char *key, const char *v)
{
	size_t n = strlen(v);
	int quote = n && (is_blank(v[0]) || is_blank(v[n - 1]) || v[0] == ';' || v[0] == '#' ||
			  (n >= 2 && v[0] == '"' && v[n - 1] == '"'));

	emit(out, quote ? "%s = \"%s\"\n" : "%s = %s\n", key, v);
}

/* A key whose value cannot be written: a comment and a warning. */
static void put_unwritable(struct reader *r, struct buf *out, const struct maccount *a,
			   enum slot s, const char *key)
{
	int secret = s == S_PASSWORD;

	emit(out, "# msmtp: %s %s (not written: holds \" ;\" or a line break)\n", key,
		   secret ? "***" : value_of(a, s));
	warn_at(r, line_of(a, s, r), _("the value of %s holds \" ;\", which starts a comment in "
				       "the account file; %s"), key,
		secret ? _("put the password in a file and name it with password_file")
		       : _("set it by hand"));
}

static void put(struct reader *r, struct buf *out, const struct maccount *a, enum slot s,
		const char *key)
{
	const char *v = value_of(a, s);

	if (!v || !*v)
		return;
	if (!writable(v))
		put_unwritable(r, out, a, s, key);
	else
		put_key(out, key, v);
}

static int tls_mode(const struct maccount *a)
{
	if (!is_on(value_of(a, S_TLS)))
		return 0;                       /* off */
	return value_of(a, S_TLS_STARTTLS) && strcmp(value_of(a, S_TLS_STARTTLS), "off") == 0
	       ? 2 : 1;                         /* implicit : starttls */
}

static void write_connection(struct reader *r, struct buf *out, const struct maccount *a)
{
	static const char *const tls_words[] = { "off", "starttls", "implicit" };
	int mode = tls_mode(a);
	const char *port = value_of(a, S_PORT);

	put(r, out, a, S_HOST, "host");
	emit(out, "port = %s\n", port && *port ? port : mode == 2 ? "465" : "25");
	emit(out, "tls = %s\n", tls_words[mode]);
	if (!mode)
		warn_at(r, a->line, _("account %s sends without TLS, as msmtp did; sendas "
				      "refuses to log in without it"), a->name);
}

/* "AB:CD:..." or "AB CD ..." (msmtp's get_fingerprint()) with 32 bytes:
 * sendas's "sha256:AB:CD:...". */
static char *sha256_fingerprint(const char *v)
{
	size_t i, n = strlen(v);

	if (n != 3 * SHA256_BYTES - 1)
		return NULL;
	for (i = 0; i < n; i++) {
		int sep = i % 3 == 2;

		if (sep ? (v[i] != ':' && v[i] != ' ') : !strchr("0123456789abcdefABCDEF", v[i]))
			return NULL;
	}
	return xasprintf("sha256:%s", v);
}

static void write_fingerprint(struct reader *r, struct buf *out, const struct maccount *a)
{
	const char *v = value_of(a, S_TLS_FINGERPRINT);
	char *fp, *p;

	if (!v || !*v)
		return;
	if (!(fp = sha256_fingerprint(v))) {
		emit(out, "# msmtp: tls_fingerprint %s (not SHA-256)\n", v);
		warn_at(r, line_of(a, S_TLS_FINGERPRINT, r),
			_("tls_fingerprint is not a SHA-256 fingerprint (SHA-1 and MD5 are too "
			  "weak); get it with: sendas --serverinfo -a %s"), a->name);
		return;
	}
	for (p = fp; *p; p++)
		if (*p == ' ')
			*p = ':';
	put_key(out, "tls_fingerprint", fp);
	free(fp);
}

static void write_tls_files(struct reader *r, struct buf *out, const struct maccount *a)
{
	const char *trust = value_of(a, S_TLS_TRUST_FILE);

	if (trust && *trust && strcmp(trust, "system") != 0)
		put(r, out, a, S_TLS_TRUST_FILE, "tls_trust_file");
	else if (trust && !*trust && !value_of(a, S_TLS_FINGERPRINT) && tls_mode(a))
		warn_at(r, line_of(a, S_TLS_TRUST_FILE, r),
			_("an empty tls_trust_file trusts no CA; sendas uses the system's CAs "
			  "unless tls_fingerprint pins the certificate"));
	write_fingerprint(r, out, a);
	put(r, out, a, S_TLS_CERT_FILE, "tls_cert_file");
	put(r, out, a, S_TLS_KEY_FILE, "tls_key_file");
	put(r, out, a, S_TLS_PRIORITIES, "tls_priority");
}

/* msmtp's method names are lowercase; sendas's are SASL's. */
static void write_auth(struct reader *r, struct buf *out, const struct maccount *a)
{
	const char *v = value_of(a, S_AUTH);
	char *mech;
	size_t i;

	if (is_on(v)) {
		emit(out, "%s", "auth = auto\n");
		return;
	}
	mech = xstrdup(v);
	for (i = 0; mech[i]; i++)
		if (mech[i] >= 'a' && mech[i] <= 'z')
			mech[i] = (char)(mech[i] - 'a' + 'A');
	put_key(out, "auth", mech);
	free(mech);
	(void)r;
}

/* auth off (msmtp's default): no login, even with user set. */
static void write_login(struct reader *r, struct buf *out, const struct maccount *a)
{
	const char *auth = value_of(a, S_AUTH);

	if (!auth || strcmp(auth, "off") == 0) {
		if (value_of(a, S_USER) && *value_of(a, S_USER))
			emit(out, "# msmtp: user %s (not used: auth is off)\n",
				   value_of(a, S_USER));
		return;
	}
	write_auth(r, out, a);
	if (!value_of(a, S_USER) || !*value_of(a, S_USER))
		warn_at(r, a->line, _("account %s has auth but no user; msmtp would ask for "
				      "one, sendas sends without logging in"), a->name);
	put(r, out, a, S_USER, "user");
	if (value_of(a, S_PASSWORD) && *value_of(a, S_PASSWORD)) {
		put(r, out, a, S_PASSWORD, "password");
		warn_at(r, line_of(a, S_PASSWORD, r),
			_("a password in the account file; move it to password_file or "
			  "password_command"));
	} else {
		put(r, out, a, S_PASSWORDEVAL, "password_command");
	}
}

static int claimed(const struct reader *r, const char *from)
{
	size_t i;

	for (i = 0; i < r->nfroms; i++)
		if (strcasecmp(r->froms[i], from) == 0)
			return 1;
	return 0;
}

/* The senders: msmtp's from (auto_from: %U@maildomain), and "*" for the
 * account msmtp falls back to. */
static char *sender_list(struct reader *r, const struct maccount *a)
{
	const char *from = value_of(a, S_FROM), *md = value_of(a, S_MAILDOMAIN);
	int fallback = strcmp(a->name, "default") == 0;
	char *own = NULL, *list;
	struct error e;

	if (is_on(value_of(a, S_AUTO_FROM)))
		own = md && *md ? xasprintf("%%U@%s", md) : xstrdup("%U");
	else if (from && *from)
		own = xstrdup(from);
	if (own && (strstr(own, "%F") || !writable(own))) {
		warn_at(r, line_of(a, S_FROM, r), _("from %s: sendas cannot take the sender from "
						    "the message here; write the addresses"), own);
		free(own);
		own = NULL;
	}
	if (own && !strchr(own, '%') && pattern_check_list(own, &e) < 0) {
		warn_at(r, line_of(a, S_FROM, r), _("from %s: %s; write the addresses"), own,
			e.text);
		free(own);
		own = NULL;
	}
	if (own && fallback && claimed(r, own)) {
		free(own);              /* "account default : work": work has it */
		own = NULL;
	}
	if (own && !fallback && claimed(r, own))
		warn_at(r, a->line, _("account %s has the same from as an account above "
				      "(msmtp takes the first); sendas refuses to choose between "
				      "them: remove one"), a->name);
	if (own) {
		r->froms = xrealloc(r->froms, (r->nfroms + 1) * sizeof *r->froms);
		r->froms[r->nfroms++] = xstrdup(own);
	}
	list = own && fallback ? xasprintf("%s, *", own) : own ? xstrdup(own)
	       : fallback ? xstrdup("*") : NULL;
	free(own);
	return list;
}

static void write_logging(struct reader *r, struct buf *out, const struct maccount *a)
{
	const char *syslog = value_of(a, S_SYSLOG);

	put(r, out, a, S_LOGFILE, "logfile");
	if (is_on(syslog))
		emit(out, "%s", "syslog = LOG_USER\n");   /* msmtp's facility for "on" */
	else if (syslog && strcmp(syslog, "off") != 0)
		put(r, out, a, S_SYSLOG, "syslog");
	put(r, out, a, S_ALIASES, "aliases");
}

static void write_timeout(struct buf *out, const struct maccount *a)
{
	const char *t = value_of(a, S_TIMEOUT);

	if (t && *t && strcmp(t, "off") != 0)
		put_key(out, "timeout", t);
}

static void write_notes(struct reader *r, struct buf *out, const struct maccount *a)
{
	size_t i;

	for (i = 0; i < sizeof notes / sizeof notes[0]; i++) {
		const char *v = value_of(a, notes[i].slot);
		const struct command *c;

		if (!v || (notes[i].harmless && strcmp(v, notes[i].harmless) == 0))
			continue;
		for (c = commands; c->slot != notes[i].slot; c++)
			;
		emit(out, "# msmtp: %s %s (%s)\n", c->name, v, _(notes[i].why));
		warn_at(r, line_of(a, notes[i].slot, r), _("%s has no sendas key: %s"), c->name,
			_(notes[i].why));
	}
}

/* msmtp names may hold what sendas's may not ("my account", "a/b"). */
static char *section_name(struct reader *r, const struct maccount *a)
{
	char *name = xstrndup(a->name, strnlen(a->name, NAME_MAX_SENDAS));
	char *s;
	int changed = strlen(a->name) > NAME_MAX_SENDAS;

	for (s = name; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.')
			continue;
		*s = '_';
		changed = 1;
	}
	if (changed)
		warn_at(r, a->line, _("account \"%s\" is named %s in the account file"), a->name,
			name);
	return name;
}

static int write_account(struct reader *r, struct buf *out, const struct maccount *a)
{
	char *senders, *name;

	if (!value_of(a, S_HOST) || !*value_of(a, S_HOST)) {
		emit(out, "\n# msmtp account %s has no host; left out\n", a->name);
		warn_at(r, a->line, _("account %s has no host; left out"), a->name);
		return 0;
	}
	if (!(senders = sender_list(r, a))) {
		emit(out, "\n# msmtp account %s has no from; left out\n", a->name);
		warn_at(r, a->line, _("account %s has no from (msmtp uses it only with -a and "
				      "-f); sendas needs one: add from = ADDRESS"), a->name);
		return 0;
	}
	name = section_name(r, a);
	emit(out, "\n[account %s]\n", name);
	free(name);
	write_connection(r, out, a);
	write_tls_files(r, out, a);
	write_login(r, out, a);
	put_key(out, "from", senders);
	free(senders);
	put(r, out, a, S_DOMAIN, "domain");
	write_timeout(out, a);
	write_logging(r, out, a);
	write_notes(r, out, a);
	return 1;
}

static void reader_release(struct reader *r)
{
	size_t i;

	for (i = 0; i < r->naccounts; i++)
		maccount_release(&r->accounts[i]);
	free(r->accounts);
	maccount_release(&r->defaults);
	for (i = 0; i < r->nfroms; i++)
		free(r->froms[i]);
	free(r->froms);
}

/* "default" last: an account it inherits from claims their from first. */
static int write_all(struct reader *r, struct buf *out)
{
	int written = 0;
	size_t i, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < r->naccounts; i++)
			if ((strcmp(r->accounts[i].name, "default") == 0) == (pass == 1))
				written += write_account(r, out, &r->accounts[i]);
	return written;
}

int msmtprc_convert(const char *text, size_t len, const char *path, struct buf *out,
		    void (*warn)(void *ctx, const char *text), void *ctx, struct error *err)
{
	struct reader r = { .path = path, .err = err, .warn = warn, .ctx = ctx };
	int written = -1;

	if (read_lines(&r, text, len) == 0) {
		emit(out, "# sendas account file, converted from %s by\n"
			   "# sendas --import-msmtprc.  Each msmtp account is written out\n"
			   "# whole (defaults and \"account B : A\" applied); msmtp settings\n"
			   "# without a sendas key are kept as \"# msmtp:\" comments.\n", path);
		written = write_all(&r, out);
		if (out->overflow)
			written = error_set(err, CAT_CONFIG, N_("%s: the converted file would be "
							       "longer than %zu bytes"), path, out->max);
		else if (written == 0)
			written = error_set(err, CAT_CONFIG, N_("%s: no account could be converted"),
					    path);
	}
	reader_release(&r);
	return written;
}

size_t msmtprc_places(const char *home, const char *xdg_config_home, char *places[3])
{
	size_t n = 0;

	if (home && *home) {
		places[n++] = xasprintf("%s/.msmtprc", home);
		if (xdg_config_home && xdg_config_home[0] == '/')
			places[n++] = xasprintf("%s/msmtp/config", xdg_config_home);
		else
			places[n++] = xasprintf("%s/.config/msmtp/config", home);
	}
	places[n++] = xstrdup("/etc/msmtprc");
	return n;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

void msmtprc_cmdline_conf(const struct msmtp_settings *s, struct conf *c)
{
	struct account *a;
	int tls = s->tls && strcmp(s->tls, "on") == 0;
	int implicit = tls && s->tls_starttls && strcmp(s->tls_starttls, "off") == 0;
	char *fp = s->tls_fingerprint ? sha256_fingerprint(s->tls_fingerprint) : NULL;

	memset(c, 0, sizeof *c);
	c->path = xstrdup("(command line)");
	c->accounts = a = xcalloc(1, sizeof *a);
	c->naccounts = 1;
	a->name = xstrdup("command-line");
	a->host = xstrdup(s->host);
	a->port = xstrdup(s->port ? s->port : implicit ? "465" : "25");
	a->tls = !tls ? TLS_SETTING_OFF : implicit ? TLS_SETTING_IMPLICIT : TLS_SETTING_STARTTLS;
	a->tls_trust_file = dup_or_null(s->tls_trust_file);
	a->tls_fingerprint = fp ? fp : dup_or_null(s->tls_fingerprint);
	if (s->auth && strcmp(s->auth, "off") != 0) {
		a->auth = xstrdup(strcmp(s->auth, "on") == 0 ? "auto" : s->auth);
		a->user = dup_or_null(s->user);
		a->password_command = dup_or_null(s->passwordeval);
	}
	a->domain = dup_or_null(s->domain);
	a->from = xstrdup("*");
	a->queue = xstrdup("off");
	a->timeout = CONF_DEFAULT_TIMEOUT;
}
