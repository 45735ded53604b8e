/* configure.c: see configure.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "buf.h"
#include "classify.h"
#include "configure.h"
#include "dns.h"
#include "doctor.h"
#include "i18n.h"
#include "providers.h"
#include "session.h"
#include "xalloc.h"

#define SECTION_MAX 4096

struct proposal {
	char host[DNS_NAME_MAX];
	char port[8];
	int implicit;
	char source[DNS_NAME_MAX * 2];
	const struct provider *provider;   /* its sender rule and limits, or NULL */
};

/* 1. RFC 6186: the first usable SRV target of name. */
static int from_srv(struct proposal *p, const char *domain, const char *service, int implicit)
{
	struct dns_target t[DNS_RECORDS_MAX];
	char name[DNS_NAME_MAX + 32];
	size_t n, i;

	if (snprintf(name, sizeof name, "%s._tcp.%s", service, domain) >= (int)sizeof name)
		return 0;
	n = dns_srv(name, t, DNS_RECORDS_MAX);
	for (i = 0; i < n; i++)
		if (t[i].host[0] && t[i].port) {
			snprintf(p->host, sizeof p->host, "%.*s", (int)sizeof p->host - 1,
				 t[i].host);
			snprintf(p->port, sizeof p->port, "%u", t[i].port);
			p->implicit = implicit;
			snprintf(p->source, sizeof p->source, _("the SRV record %s (RFC 6186)"), name);
			return 1;
		}
	return 0;
}

static void from_provider(struct proposal *p, enum provider_id id)
{
	const struct provider *pr = provider_get(id);

	p->provider = pr;
	snprintf(p->host, sizeof p->host, "%s", pr->submit->host);
	snprintf(p->port, sizeof p->port, "%s", pr->submit->port);
	p->implicit = pr->submit->implicit_tls;
}

/* 2. and 3.: the table by domain, then the MX records. */
static int from_table_or_mx(struct proposal *p, const char *domain)
{
	struct dns_target mx[DNS_RECORDS_MAX];
	enum provider_id id = provider_for_mail_domain(domain);
	size_t n;

	if (id != PROVIDER_NONE) {
		from_provider(p, id);
		snprintf(p->source, sizeof p->source, _("the built-in provider table (%s)"),
			 p->provider->name);
		return 1;
	}
	n = dns_mx(domain, mx, DNS_RECORDS_MAX);
	if (n == 0 || !mx[0].host[0])
		return 0;
	if ((id = provider_for_mx(mx[0].host)) != PROVIDER_NONE) {
		from_provider(p, id);
		snprintf(p->source, sizeof p->source, _("the MX record %s, a host of %s"),
			 mx[0].host, p->provider->name);
		return 1;
	}
	snprintf(p->host, sizeof p->host, "%.*s", (int)sizeof p->host - 1, mx[0].host);
	snprintf(p->port, sizeof p->port, "587");
	snprintf(p->source, sizeof p->source, _("a guess: the domain's mail server %s (its "
						"MX record), port 587"), mx[0].host);
	return 1;
}

static int propose(struct proposal *p, const char *domain)
{
	memset(p, 0, sizeof *p);
	if (from_srv(p, domain, "_submissions", 1) || from_srv(p, domain, "_submission", 0)) {
		p->provider = provider_get(provider_for_mail_domain(domain));
		if (p->provider && !p->provider->submit)
			p->provider = NULL;
		return 1;
	}
	return from_table_or_mx(p, domain);
}

/* ---- the section --------------------------------------------------------- */

static void account_of(struct account *a, struct proposal *p, char *name, char *address)
{
	const struct provider_submission *s = p->provider ? p->provider->submit : NULL;

	memset(a, 0, sizeof *a);
	a->name = name;
	a->host = p->host;
	a->port = p->port;
	a->tls = p->implicit ? TLS_SETTING_IMPLICIT : TLS_SETTING_STARTTLS;
	a->user = address;
	a->from = address;
	a->timeout = CONF_DEFAULT_TIMEOUT;
	a->final_reply_timeout = CONF_DEFAULT_FINAL_REPLY_TIMEOUT;
	a->session_deadline = CONF_DEFAULT_SESSION_DEADLINE;
	if (s) {
		a->messages_per_day = s->messages_per_day;
		a->max_recipients = s->max_recipients;
	}
}

static void section(struct buf *out, const struct account *a, const struct proposal *p)
{
	const struct provider_submission *s = p->provider ? p->provider->submit : NULL;

	buf_printf_trunc(out, "[account %s]\n", a->name);
	buf_printf_trunc(out, _("; from %s\n"), p->source);
	if (s)
		buf_printf_trunc(out, _("; %s takes as senders: %s\n"), p->provider->name,
				 _(s->sender_rule));
	buf_printf_trunc(out, "host = %s\nport = %s\ntls = %s\nuser = %s\nfrom = %s\n", a->host,
			 a->port, tls_setting_name(a->tls), a->user, a->from);
	buf_printf_trunc(out, _("; add a password source: password_file, password_command or "
				"oauth_token_command (sendas-accounts(5))\n"));
	if (s && s->messages_per_day)
		buf_printf_trunc(out, "messages_per_day = %d\n", s->messages_per_day);
	if (s && s->max_recipients)
		buf_printf_trunc(out, "max_recipients = %d\n", s->max_recipients);
	if (s && s->max_size)
		buf_printf_trunc(out, "max_size = %s\n", s->max_size);
}

/* ---- appending ------------------------------------------------------------ */

static int append(const struct options *o, const char *name, const struct buf *text,
		  struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char *path = conf_locate(o->config_file, err);
	struct conf c;
	int fd, taken = 0;

	if (!path)
		return -1;
	if (access(path, F_OK) == 0) {
		if (conf_load(&c, path, NULL, NULL, err) < 0) {
			free(path);
			return -1;
		}
		taken = conf_find(&c, name) != NULL;
		conf_release(&c);
	}
	if (taken) {
		error_set(err, CAT_CONFIG, N_("%s already has an account %s: not appended"), path,
			  name);
		free(path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "\n", 1) != 1 ||
	    write(fd, text->data, text->len) != (ssize_t)text->len) {
		error_set(err, CAT_IO, N_("cannot append to %s: %s"), path, error_errno(errno, eno));
		if (fd >= 0)
			close(fd);
		free(path);
		return -1;
	}
	close(fd);
	printf(_("appended account %s to %s\n"), name, path);
	free(path);
	return 0;
}

int mode_configure(const struct options *o)
{
	struct proposal p;
	struct account a;
	struct error err;
	struct buf text;
	char *address = NULL;
	char *domain;
	enum category check;
	int code = 0;

	error_clear(&err);
	if (o->nrcpts != 1) {
		fprintf(stderr, _("sendas: --configure needs one address\n"));
		return category_exit_code(CAT_USAGE);
	}
	if (!(address = address_mailbox(o->rcpts[0], NULL, &err)) ||
	    !(domain = strrchr(address, '@'))) {
		fprintf(stderr, "sendas: %s\n", address ? _("the address has no domain") : err.text);
		free(address);
		return category_exit_code(CAT_USAGE);
	}
	domain++;
	if (!propose(&p, domain)) {
		fprintf(stderr, _("sendas: found no SRV record, no provider and no MX record for "
				  "%s: ask the provider for its submission server\n"), domain);
		free(address);
		return category_exit_code(CAT_DNS);
	}
	account_of(&a, &p, domain, address);
	buf_init(&text, SECTION_MAX);
	section(&text, &a, &p);
	fputs(buf_str(&text), stdout);
	fflush(stdout);
	check = doctor_check(o, &a, 0);
	if (check != CAT_NONE)
		code = category_exit_code(check);
	if (o->append && check != CAT_NONE)
		fprintf(stderr, _("sendas: not appended: the check failed\n"));
	else if (o->append && append(o, domain, &text, &err) < 0) {
		fprintf(stderr, "sendas: %s\n", err.text);
		code = category_exit_code(err.category);
	}
	buf_release(&text);
	free(address);
	return code;
}
