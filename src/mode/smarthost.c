/* smarthost.c: see smarthost.h.  The listener: sockets, the access checks
 * that come before SMTP, one process per session, the bookkeeping of who
 * is connected and who failed to log in. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cidr.h"
#include "i18n.h"
#include "report.h"
#include "session.h"
#include "smarthost.h"
#include "smarthost_session.h"
#include "tls.h"
#include "xalloc.h"

#define SD_LISTEN_FDS_START 3
#define ADDR_MAX 48

struct child {
	pid_t pid;                /* 0: a free slot */
	char addr[ADDR_MAX];
};

struct failure {
	char addr[ADDR_MAX];      /* "": a free slot */
	unsigned count;
	time_t last;
};

struct listener {
	struct smarthost h;
	int fds[SMTPD_CONF_LISTEN_MAX];
	size_t nfds;
	int sfd;                  /* signalfd */
	struct child *children;   /* max_connections of them */
	unsigned nchildren;
	struct failure *failures; /* SMARTHOST_FAILURE_SLOTS */
	int stopping;
};

/* ---- log lines ------------------------------------------------------------ */

static void log_event(const struct smarthost *h, const char *event, const char *client,
		      const char *key, const char *value)
{
	struct buf b;

	buf_init(&b, 4096);
	report_log_field(&b, "event", event);
	report_log_field(&b, "client", client);
	report_log_field(&b, key, value);
	smarthost_log(h, &b);
	buf_release(&b);
}

/* ---- loading -------------------------------------------------------------- */

static int load_tls(struct smarthost *h, struct error *err)
{
	struct tls_server *srv = NULL;

	if (h->conf.tls_cert_file &&
	    !(srv = tls_server_load(h->conf.tls_cert_file, h->conf.tls_key_file, err)))
		return -1;
	tls_server_free(h->tls);
	h->tls = srv;
	return 0;
}

static int load_all(struct smarthost *h, struct error *err)
{
	char *path = smtpd_conf_locate();
	int r = smtpd_conf_load(&h->conf, path, err);

	free(path);
	if (r < 0 || session_load_accounts(h->o->config_file, &h->accounts, err) < 0 ||
	    load_tls(h, err) < 0)
		return -1;
	h->facility = report_syslog_facility(h->conf.syslog);
	if (h->conf.syslog && h->facility < 0 && strcmp(h->conf.syslog, "off"))
		return error_set(err, CAT_CONFIG, N_("%s: syslog is on, off or a facility such as "
						    "LOG_MAIL"), h->conf.path);
	if (h->conf.hostname)
		snprintf(h->hostname, sizeof h->hostname, "%s", h->conf.hostname);
	else if (gethostname(h->hostname, sizeof h->hostname - 1) < 0 || !h->hostname[0])
		snprintf(h->hostname, sizeof h->hostname, "localhost");
	return 0;
}

/* SIGHUP: the certificate and key, and the account file; what fails to
 * load leaves the old in use. */
static void reload(struct smarthost *h)
{
	struct conf fresh;
	struct error err;

	error_clear(&err);
	if (load_tls(h, &err) < 0) {
		log_event(h, "reload", NULL, "error", err.text);
		return;
	}
	if (session_load_accounts(h->o->config_file, &fresh, &err) < 0) {
		log_event(h, "reload", NULL, "error", err.text);
		return;
	}
	conf_release(&h->accounts);
	h->accounts = fresh;
	log_event(h, "reload", NULL, "status", "ok");
}

/* ---- sockets ---------------------------------------------------------------- */

/* "ADDRESS:PORT" or "[V6]:PORT" into host and port. */
static int split_listen(const char *spec, char *host, size_t hsize, const char **port)
{
	const char *colon = strrchr(spec, ':');
	size_t n;

	if (!colon || !colon[1])
		return -1;
	n = (size_t)(colon - spec);
	if (spec[0] == '[' && n >= 2 && spec[n - 1] == ']')
		spec++, n -= 2;
	if (n == 0 || n >= hsize)
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

static int open_listener(const char *spec, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *ai;
	char host[64];
	const char *port;
	int fd, one = 1, r;

	if (split_listen(spec, host, sizeof host, &port) < 0 ||
	    (r = getaddrinfo(host, port, &hints, &ai)) != 0)
		return error_set(err, CAT_CONFIG, N_("listen: '%s' is not ADDRESS:PORT or "
						    "[ADDRESS]:PORT"), spec);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	}
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, SMARTHOST_LISTEN_BACKLOG) < 0) {
		error_set(err, CAT_IO, N_("cannot listen on %s: %s"), spec, error_errno(errno, eno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* systemd's sockets (sd_listen_fds(3)'s protocol), when they are ours. */
static size_t systemd_sockets(struct listener *l)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long n;
	int i;

	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	n = strtol(fds, NULL, 10);
	for (i = 0; i < n && l->nfds < SMTPD_CONF_LISTEN_MAX; i++) {
		fcntl(SD_LISTEN_FDS_START + i, F_SETFD, FD_CLOEXEC);
		fcntl(SD_LISTEN_FDS_START + i, F_SETFL, O_NONBLOCK);
		l->fds[l->nfds++] = SD_LISTEN_FDS_START + i;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return l->nfds;
}

/* The address as bound: with port 0 (tests), the kernel's choice. */
static void log_listening(const struct smarthost *h, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char text[80];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	cidr_peer_text((struct sockaddr *)&ss, text, sizeof text, NULL, 0);
	log_event(h, "listen", NULL, "address", text);
}

static int open_listeners(struct listener *l, struct error *err)
{
	size_t i;
	int fd;

	if (systemd_sockets(l))
		return 0;
	for (i = 0; i < l->h.conf.nlisten; i++) {
		if ((fd = open_listener(l->h.conf.listen[i], err)) < 0)
			return -1;
		l->fds[l->nfds++] = fd;
		log_listening(&l->h, fd);
	}
	return 0;
}

/* ---- who is connected, who failed ------------------------------------------ */

static unsigned connections_from(const struct listener *l, const char *addr)
{
	unsigned i, n = 0;

	for (i = 0; i < l->h.conf.max_connections; i++)
		n += l->children[i].pid && !strcmp(l->children[i].addr, addr);
	return n;
}

static struct failure *failure_slot(struct listener *l, const char *addr, int make)
{
	struct failure *oldest = &l->failures[0];
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < SMARTHOST_FAILURE_SLOTS; i++) {
		struct failure *f = &l->failures[i];

		if (f->addr[0] && now - f->last > l->h.conf.auth_failure_block)
			f->addr[0] = '\0';    /* served its time */
		if (f->addr[0] && !strcmp(f->addr, addr))
			return f;
		if (!f->addr[0] || f->last < oldest->last)
			oldest = f;
	}
	if (!make)
		return NULL;
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->addr, sizeof oldest->addr, "%s", addr);
	return oldest;
}

static void child_ended(struct listener *l, pid_t pid, int status)
{
	struct failure *f;
	unsigned i;

	for (i = 0; i < l->h.conf.max_connections; i++) {
		if (l->children[i].pid != pid)
			continue;
		if (WIFEXITED(status) && WEXITSTATUS(status) > 0 &&
		    (f = failure_slot(l, l->children[i].addr, 1)) != NULL) {
			f->count += (unsigned)WEXITSTATUS(status);
			f->last = time(NULL);
		}
		if (WIFSIGNALED(status))
			log_event(&l->h, "session", l->children[i].addr, "error", strsignal(WTERMSIG(status)));
		l->children[i].pid = 0;
		l->nchildren--;
		return;
	}
}

static void reap(struct listener *l)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		child_ended(l, pid, status);
}

/* ---- one connection ------------------------------------------------------- */

/* A refusal before SMTP: the reply (the socket's buffer is empty, so it
 * does not block), a log line, and the connection closed. */
static void refuse(const struct listener *l, int fd, const char *client, const char *reply,
		   const char *why)
{
	/* A client already gone still gets its log line. */
	(void)!send(fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL);
	log_event(&l->h, "refused", client, "reason", why);
	close(fd);
}

static const char *admission(struct listener *l, const char *addr,
			     const struct smtpd_network *net, const char **reply)
{
	struct failure *f = failure_slot(l, addr, 0);

	if (!net) {
		*reply = "554 5.7.1 Access denied: your network may not use this relay\r\n";
		return "network not allowed";
	}
	*reply = "421 4.7.0 Too many connections; try again later\r\n";
	if (l->nchildren >= l->h.conf.max_connections)
		return "max_connections";
	if (connections_from(l, addr) >= l->h.conf.max_connections_per_client)
		return "max_connections_per_client";
	*reply = "421 4.7.0 Too many failed logins from your address; try again later\r\n";
	if (f && f->count >= l->h.conf.max_auth_failures)
		return "max_auth_failures";
	return NULL;
}

static void run_child(struct listener *l, int fd, const struct sockaddr *sa,
		      const struct smtpd_network *net, unsigned failures)
{
	sigset_t none;
	size_t i;
	unsigned n;

	for (i = 0; i < l->nfds; i++)
		close(l->fds[i]);
	close(l->sfd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A backstop for what the engine's clock does not see (a TLS
	 * handshake trickled a byte per idle_timeout): SIGALRM ends the
	 * process well after session_timeout. */
	alarm((unsigned)l->h.conf.session_timeout + SMARTHOST_ALARM_GRACE);
	n = smarthost_session(&l->h, fd, sa, net, failures);
	close(fd);
	_exit(n > 255 ? 255 : (int)n);
}

static void serve(struct listener *l, int fd, const struct sockaddr *sa)
{
	const struct smtpd_network *net = smtpd_conf_network(&l->h.conf, sa);
	char client[80], addr[ADDR_MAX];
	const char *why, *reply;
	struct failure *f;
	unsigned i;
	pid_t pid;

	cidr_peer_text(sa, client, sizeof client, addr, sizeof addr);
	if ((why = admission(l, addr, net, &reply)) != NULL) {
		refuse(l, fd, client, reply, why);
		return;
	}
	f = failure_slot(l, addr, 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		run_child(l, fd, sa, net, f ? f->count : 0);
	if (pid < 0) {
		refuse(l, fd, client, "421 4.3.2 System resources exhausted; try again later\r\n",
		       strerror(errno));
		return;
	}
	close(fd);
	for (i = 0; l->children[i].pid; i++)
		;                     /* admission() made sure there is a free one */
	l->children[i].pid = pid;
	snprintf(l->children[i].addr, sizeof l->children[i].addr, "%s", addr);
	l->nchildren++;
}

static void accept_all(struct listener *l, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	for (;;) {
		len = sizeof ss;
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			       errno == ENOMEM)) {
			log_event(&l->h, "accept", NULL, "error", strerror(errno));
			usleep(100 * 1000);   /* let sessions end rather than spin */
		}
		if (fd < 0)
			return;           /* EAGAIN, or a client that went away */
		serve(l, fd, (struct sockaddr *)&ss);
	}
}

/* ---- the loop ---------------------------------------------------------------- */

static void on_signal(struct listener *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			reap(l);
		else if (si.ssi_signo == SIGHUP)
			reload(&l->h);
		else
			l->stopping = 1;
	}
}

static void loop(struct listener *l)
{
	struct pollfd pfd[SMTPD_CONF_LISTEN_MAX + 1];
	size_t i;

	while (!l->stopping) {
		for (i = 0; i < l->nfds; i++)
			pfd[i] = (struct pollfd){ .fd = l->fds[i], .events = POLLIN };
		pfd[l->nfds] = (struct pollfd){ .fd = l->sfd, .events = POLLIN };
		if (poll(pfd, l->nfds + 1, -1) < 0 && errno != EINTR)
			break;
		if (pfd[l->nfds].revents)
			on_signal(l);
		for (i = 0; i < l->nfds && !l->stopping; i++)
			if (pfd[i].revents)
				accept_all(l, l->fds[i]);
	}
}

/* SIGTERM: no new sessions; the running ones end on their own (a message
 * in flight is not cut off), within SMARTHOST_STOP_WAIT seconds. */
static void stop(struct listener *l)
{
	time_t until = time(NULL) + SMARTHOST_STOP_WAIT;
	unsigned i;

	for (i = 0; i < l->nfds; i++)
		close(l->fds[i]);
	while (l->nchildren && time(NULL) < until) {
		reap(l);
		if (l->nchildren)
			usleep(100 * 1000);
	}
	for (i = 0; i < l->h.conf.max_connections; i++)
		if (l->children[i].pid)
			kill(l->children[i].pid, SIGTERM);
	log_event(&l->h, "stop", NULL, "sessions_cut", l->nchildren ? "yes" : "no");
}

static int block_signals(struct listener *l)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return l->sfd;
}

static void release(struct listener *l)
{
	smtpd_conf_release(&l->h.conf);
	conf_release(&l->h.accounts);
	tls_server_free(l->h.tls);
	free(l->children);
	free(l->failures);
	if (l->sfd >= 0)
		close(l->sfd);
}

int mode_smarthost(const struct options *o)
{
	struct listener l = { .h = { .o = o, .facility = -1 }, .sfd = -1 };
	struct error err;
	int code = 0;

	error_clear(&err);
	if (load_all(&l.h, &err) < 0) {
		fprintf(stderr, "sendas: %s\n", err.text);
		release(&l);
		return EX_CONFIG;
	}
	l.children = xcalloc(l.h.conf.max_connections, sizeof *l.children);
	l.failures = xcalloc(SMARTHOST_FAILURE_SLOTS, sizeof *l.failures);
	if (block_signals(&l) < 0 || open_listeners(&l, &err) < 0) {
		fprintf(stderr, "sendas: %s\n", err.text[0] ? err.text : strerror(errno));
		code = EX_OSERR;
	} else {
		log_event(&l.h, "start", NULL, "hostname", l.h.hostname);
		loop(&l);
		stop(&l);
	}
	release(&l);
	return code;
}
