/* doctor.c: see doctor.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "classify.h"
#include "doctor.h"
#include "i18n.h"
#include "report.h"
#include "session.h"
#include "width.h"
#include "xalloc.h"

#define DOCTOR_ROWS_MAX 8
#define DOCTOR_DETAIL_MAX 1024
#define DOCTOR_ADDRESSES_SHOWN 4
#define DOCTOR_IMPLICIT_TIMEOUT 5  /* seconds for the implicit TLS try */
#define STEP_COLUMN 12
#define VERDICT_COLUMN 8

enum verdict { V_OK, V_WARN, V_FAIL, V_SKIP };

static const char *const verdict_labels[] = {
	[V_OK] = N_("ok"), [V_WARN] = N_("warning"), [V_FAIL] = N_("failed"),
	[V_SKIP] = N_("skipped"),
};

struct row {
	const char *step;         /* N_() */
	enum verdict verdict;
	char detail[DOCTOR_DETAIL_MAX];
};

/* One account's check. */
struct check {
	const struct options *o;
	const struct account *a;
	struct row rows[DOCTOR_ROWS_MAX];
	size_t nrows;
	enum category failure;    /* the first failed step's; CAT_NONE */
	struct addrinfo *ai;
	int fd;
	int plain_greeting;       /* the server spoke first, in text */
	struct tls_peer peer;
	struct session_setup setup;
	struct smtp_result res;
	struct error err;
	int no_login;             /* --configure: no credentials yet */
};

static void row(struct check *c, const char *step, enum verdict v, enum category cat,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void row(struct check *c, const char *step, enum verdict v, enum category cat,
		const char *fmt, ...)
{
	struct row *r;
	va_list ap;

	if (c->nrows == DOCTOR_ROWS_MAX)
		return;
	r = &c->rows[c->nrows++];
	r->step = step;
	r->verdict = v;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
	if (v == V_FAIL && c->failure == CAT_NONE)
		c->failure = cat;
}

static int failed(const struct check *c)
{
	return c->failure != CAT_NONE;
}

/* ---- DNS and TCP --------------------------------------------------------- */

static void check_dns(struct check *c)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	char list[DOCTOR_DETAIL_MAX] = "", addr[NI_MAXHOST];
	const struct addrinfo *p;
	size_t len = 0;
	int r, n = 0;

	r = getaddrinfo(c->a->host, c->a->port, &hints, &c->ai);
	if (r != 0) {
		row(c, N_("DNS"), V_FAIL, r == EAI_AGAIN ? CAT_TEMPORARY : CAT_DNS,
		    "%s: %s", c->a->host, gai_strerror(r));
		return;
	}
	for (p = c->ai; p && n < DOCTOR_ADDRESSES_SHOWN; p = p->ai_next, n++)
		if (getnameinfo(p->ai_addr, p->ai_addrlen, addr, sizeof addr, NULL, 0,
				NI_NUMERICHOST) == 0 && len < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
						n ? ", " : "", addr);
	row(c, N_("DNS"), V_OK, CAT_NONE, "%s: %s", c->a->host, list);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Connect within the account's timeout: 0, or -1 and errno. */
static int connect_within(const struct addrinfo *p, int seconds)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, soerr = 0;

	fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, p->ai_addr, p->ai_addrlen) < 0 && errno != EINPROGRESS)
		goto fail;
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&pfd, 1, seconds * 1000) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr) {
		errno = soerr ? soerr : errno;
		goto fail;
	}
	return fd;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

static void check_tcp(struct check *c)
{
	char addr[NI_MAXHOST] = "?";
	const struct addrinfo *p;
	struct timespec t0;
	int saved = 0;

	for (p = c->ai; p && c->fd < 0; p = p->ai_next) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		c->fd = connect_within(p, c->a->timeout);
		saved = errno;
		getnameinfo(p->ai_addr, p->ai_addrlen, addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
	}
	if (c->fd < 0)
		row(c, N_("TCP"), V_FAIL, saved == ETIMEDOUT ? CAT_TIMEOUT : CAT_CONNECT,
		    _("cannot connect to %s port %s: %s"), c->a->host, c->a->port,
		    strerror(saved));
	else
		row(c, N_("TCP"), V_OK, CAT_NONE, _("%s port %s in %.1f ms"), addr, c->a->port,
		    ms_since(&t0));
}

/* ---- the TLS mode -------------------------------------------------------- */

/* Does the port answer a TLS handshake from the start? */
static int speaks_implicit_tls(struct check *c)
{
	struct session_setup s;
	struct smtp_result res;
	struct smtp_session *ss;
	struct tls_peer peer = { 0 };
	struct error err;

	session_setup_init(&s);
	smtp_result_init(&res);
	session_params(c->a, 0, NULL, NULL, &s);
	s.smtp.tls_mode = SMTP_TLS_IMPLICIT;
	s.smtp.tls.after_starttls = 0;
	s.smtp.tls.peer = &peer;
	s.smtp.timeout = DOCTOR_IMPLICIT_TIMEOUT;
	ss = smtp_open(&s.smtp, &res, &err);
	smtp_close(ss);
	smtp_result_release(&res);
	session_setup_release(&s);
	/* A certificate that does not verify still proves the TLS. */
	return ss != NULL || peer.seen;
}

/* Wait DOCTOR_GREETING_WAIT_MS for the server to speak first. */
static int wait_greeting(struct check *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char buf[8];
	ssize_t n;

	if (poll(&pfd, 1, DOCTOR_GREETING_WAIT_MS) != 1)
		return 0;                   /* silent */
	n = recv(c->fd, buf, sizeof buf, MSG_PEEK);
	if (n <= 0)
		return -1;                  /* closed */
	return buf[0] >= '0' && buf[0] <= '9' ? 1 : 2;
}

/* Leave the peeking connection politely: read what came (a close with
 * unread input would reset the connection), say QUIT to a greeting. */
static void leave(struct check *c, int greeted)
{
	char buf[512];

	while (recv(c->fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
	if (greeted && send(c->fd, "QUIT\r\n", 6, MSG_NOSIGNAL) == 6)
		shutdown(c->fd, SHUT_WR);
	close(c->fd);
}

static void check_mode(struct check *c)
{
	const char *port = c->a->port;
	int g = wait_greeting(c);

	leave(c, g == 1);
	c->fd = -1;
	c->plain_greeting = g == 1;
	if (g < 0)
		row(c, N_("TLS mode"), V_FAIL, CAT_CONNECT,
		    _("the server closed the connection without a word"));
	else if (c->a->tls == TLS_SETTING_IMPLICIT && g == 1)
		row(c, N_("TLS mode"), V_FAIL, CAT_TLS,
		    _("port %s greets in plain text, so it expects STARTTLS, not TLS from the "
		      "start: set tls = starttls (or use the provider's port for implicit "
		      "TLS, usually 465)"), port);
	else if (c->a->tls == TLS_SETTING_IMPLICIT)
		row(c, N_("TLS mode"), V_OK, CAT_NONE,
		    _("port %s waits for the TLS handshake, as tls = implicit expects"), port);
	else if (g == 1)
		row(c, N_("TLS mode"), V_OK, CAT_NONE,
		    _("port %s greets in plain text, as tls = %s expects"), port,
		    tls_setting_name(c->a->tls));
	else if (speaks_implicit_tls(c))
		row(c, N_("TLS mode"), V_FAIL, CAT_TLS,
		    _("port %s says nothing and answers a TLS handshake: it expects TLS from "
		      "the start; set tls = implicit (or use the provider's STARTTLS port, "
		      "usually 587)"), port);
	else
		row(c, N_("TLS mode"), V_WARN, CAT_NONE,
		    _("no greeting within %d ms, and no TLS either: a slow server, or a "
		      "filter on the way"), DOCTOR_GREETING_WAIT_MS);
}

/* ---- the session: certificate, AUTH, sender ------------------------------ */

static void check_certificate(struct check *c, int opened)
{
	const struct tls_peer *p = &c->peer;
	long days = p->seen ? (long)((p->expires - time(NULL)) / 86400) : 0;
	char until[32] = "?";
	struct tm tm;

	if (c->a->tls == TLS_SETTING_OFF) {
		row(c, N_("certificate"), V_SKIP, CAT_NONE, _("tls = off: no TLS at all"));
		return;
	}
	if (p->seen && localtime_r(&p->expires, &tm))
		strftime(until, sizeof until, "%Y-%m-%d", &tm);
	if (!opened && c->res.stage <= SMTP_TLS && p->seen && p->untrusted && !p->expired &&
	    !p->wrong_name)
		row(c, N_("certificate"), V_FAIL, CAT_TLS,
		    _("%s; if this certificate is the server's own (self-signed), pin it: "
		      "add \"tls_fingerprint = sha256:%s\" to the account"), c->err.text, p->sha256);
	else if (!opened && c->res.stage <= SMTP_TLS)
		row(c, N_("certificate"), V_FAIL, c->err.category, "%s", c->err.text);
	else if (c->a->tls_fingerprint)
		row(c, N_("certificate"), V_OK, CAT_NONE,
		    _("matches the configured tls_fingerprint; valid until %s"), until);
	else
		row(c, N_("certificate"), days < DOCTOR_EXPIRY_WARN_DAYS ? V_WARN : V_OK,
		    CAT_NONE, _("verified for %s; valid until %s (%ld days)"), c->a->host, until,
		    days);
}

static void check_auth(struct check *c, int opened)
{
	const char *offered = c->res.auth_offered ? c->res.auth_offered : _("none");

	if (c->no_login)
		row(c, N_("AUTH"), V_SKIP, CAT_NONE, _("offered: %s; no login without a "
						       "password source"), offered);
	else if (!c->a->user)
		row(c, N_("AUTH"), V_SKIP, CAT_NONE,
		    _("the account has no user: sendas does not log in"));
	else if (!opened && c->res.stage < SMTP_AUTH)
		row(c, N_("AUTH"), V_SKIP, CAT_NONE, _("not reached"));
	else if (!opened)
		row(c, N_("AUTH"), V_FAIL, c->err.category, _("offered: %s; %s"), offered,
		    c->err.text);
	else
		row(c, N_("AUTH"), V_OK, CAT_NONE, _("offered: %s; logged in as %s with %s"),
		    offered, c->a->user, c->res.auth_mech ? c->res.auth_mech : "?");
}

static void check_sender(struct check *c, struct smtp_session *s)
{
	char *own = account_own_address(c->a);
	const char *rcpts[1] = { own };
	struct envelope env = { .sender = own, .rcpts = rcpts, .nrcpts = 1 };
	struct smtp_result res;
	struct error err;

	if (c->no_login) {
		row(c, N_("sender"), V_SKIP, CAT_NONE, _("not without a login"));
		free(own);
		return;
	}
	if (!s || !own) {
		row(c, N_("sender"), V_SKIP, CAT_NONE, s ? _("the account has no address of "
							     "its own to try") : _("not reached"));
		free(own);
		return;
	}
	smtp_result_init(&res);
	if (smtp_probe(s, &env, &res, &err) == 0)
		row(c, N_("sender"), V_OK, CAT_NONE,
		    _("%s accepted at MAIL and RCPT (only sendas --probe-data proves the "
		      "whole message)"), own);
	else
		row(c, N_("sender"), V_FAIL, err.category, _("%s refused at %s: %s"), own,
		    smtp_state_name(res.stage), res.reply.code ? buf_str(&res.reply.text)
		    : err.text);
	smtp_result_release(&res);
	free(own);
}

/* Port 25 is where ISPs and routers intercept: a greeting that names
 * another host, STARTTLS missing, a certificate for another name. */
static int same_domain(const char *a, const char *b)
{
	const char *da = strchr(a, '.'), *db = strchr(b, '.');

	return strcasecmp(a, b) == 0 || (da && db && strcasecmp(da, db) == 0);
}

static void check_interception(struct check *c)
{
	const char *g = c->res.greeting_host;
	char signs[DOCTOR_DETAIL_MAX] = "";
	size_t len = 0;

	if (strcmp(c->a->port, "25") != 0)
		return;
	if (g && !same_domain(g, c->a->host))
		len += (size_t)snprintf(signs + len, sizeof signs - len,
					_("the greeting names %s; "), g);
	if (c->a->tls == TLS_SETTING_STARTTLS && c->res.stage <= SMTP_STARTTLS &&
	    !(c->res.caps & CAP_STARTTLS) && len < sizeof signs)
		len += (size_t)snprintf(signs + len, sizeof signs - len,
					_("STARTTLS is not offered; "));
	if (c->peer.seen && c->peer.wrong_name && len < sizeof signs)
		snprintf(signs + len, sizeof signs - len,
			 _("the certificate is for another name; "));
	if (signs[0])
		row(c, N_("port 25"), V_WARN, CAT_NONE,
		    _("%ssomething on the way may intercept port 25: use the provider's "
		      "submission port (587 or 465)"), signs);
	else
		row(c, N_("port 25"), V_OK, CAT_NONE, _("no sign of interception"));
}

static void check_session(struct check *c)
{
	struct smtp_session *s = NULL;
	int login = c->a->user != NULL && !c->no_login;

	if (login && session_credentials(c->a, &c->setup, &c->err) < 0) {
		row(c, N_("AUTH"), V_FAIL, c->err.category, "%s", c->err.text);
		return;
	}
	session_params(c->a, login, c->o->verbose ? report_trace : NULL, stderr, &c->setup);
	c->setup.smtp.tls.peer = &c->peer;
	c->setup.smtp.pipeline_auth = 0;
	s = smtp_open(&c->setup.smtp, &c->res, &c->err);
	check_interception(c);
	check_certificate(c, s != NULL);
	check_auth(c, s != NULL);
	check_sender(c, s);
	smtp_close(s);
}

/* ---- output -------------------------------------------------------------- */

static void print_check(const struct check *c)
{
	size_t i;

	printf(_("account %s (%s:%s, tls %s)\n"), c->a->name, c->a->host, c->a->port,
	       tls_setting_name(c->a->tls));
	for (i = 0; i < c->nrows; i++) {
		printf("  ");
		print_padded(stdout, _(c->rows[i].step), STEP_COLUMN);
		printf("  ");
		print_padded(stdout, _(verdict_labels[c->rows[i].verdict]), VERDICT_COLUMN);
		printf("  %s\n", c->rows[i].detail);
	}
}

enum category doctor_check(const struct options *o, const struct account *a, int login)
{
	struct check c = { .o = o, .a = a, .fd = -1, .no_login = !login };
	enum category result;

	error_clear(&c.err);
	session_setup_init(&c.setup);
	smtp_result_init(&c.res);
	check_dns(&c);
	if (!failed(&c))
		check_tcp(&c);
	if (!failed(&c))
		check_mode(&c);
	if (!failed(&c))
		check_session(&c);
	print_check(&c);
	fflush(stdout);
	result = c.failure;
	if (c.ai)
		freeaddrinfo(c.ai);
	smtp_result_release(&c.res);
	session_setup_release(&c.setup);
	return result;
}

int mode_check(const struct options *o)
{
	struct conf conf;
	struct error err;
	enum category first = CAT_NONE, r;
	size_t i;

	error_clear(&err);
	if (session_load_accounts(o->config_file, &conf, &err) < 0) {
		fprintf(stderr, "sendas: %s\n", err.text);
		return category_exit_code(err.category);
	}
	for (i = 0; i < o->nrcpts; i++)
		if (!conf_find(&conf, o->rcpts[i])) {
			fprintf(stderr, _("sendas: %s: there is no account %s\n"), conf.path,
				o->rcpts[i]);
			conf_release(&conf);
			return category_exit_code(CAT_CONFIG);
		}
	for (i = 0; i < conf.naccounts; i++) {
		const struct account *a = &conf.accounts[i];
		size_t k;

		for (k = 0; k < o->nrcpts && strcmp(o->rcpts[k], a->name) != 0; k++)
			;
		if (o->nrcpts && k == o->nrcpts)
			continue;
		r = doctor_check(o, a, 1);
		if (first == CAT_NONE)
			first = r;
	}
	conf_release(&conf);
	return category_exit_code(first);
}
