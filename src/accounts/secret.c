/* SPDX-License-Identifier: GPL-3.0-or-later */
/* secret.c: see secret.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "i18n.h"
#include "secret.h"
#include "trusted.h"
#include "xalloc.h"

#define CHUNK 4096
#define WAIT_STEP_MS 10
#define READ_STEP_MS 20         /* how often a silent command is checked for its exit */

/* ---- files ---- */

/* Open a file that holds a secret: trusted_open() and unreadable by
 * others.  0 and *fd; 1 when it does not exist and missing_ok; -1 and err. */
static int open_private(const char *path, enum file_trust trust, int missing_ok, int *fd,
			struct error *err)
{
	struct stat st;

	if (missing_ok && lstat(path, &st) < 0 && errno == ENOENT)
		return 1;
	if ((*fd = trusted_open(path, trust, &st, err)) < 0)
		return -1;
	if (trusted_readable_by_others(&st, trust)) {
		close(*fd);
		return error_set(err, CAT_CONFIG, N_("%s: others can read it (mode %04o); run: chmod "
						    "600 %s"), path, (unsigned)st.st_mode & 07777, path);
	}
	return 0;
}

/* Append up to max bytes of fd to b; stop early at a newline when
 * first_line.  -1 and err when more would be needed or read fails. */
static int read_fd(int fd, const char *path, int first_line, struct buf *b, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char chunk[CHUNK];
	ssize_t n;
	int r = 0;

	while (!(first_line && b->data && memchr(b->data, '\n', b->len))) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = error_set(err, CAT_IO, N_("%s: cannot read: %s"), path, error_errno(errno, eno));
			break;
		}
		if (n == 0)
			break;
		if (buf_add(b, chunk, (size_t)n) < 0) {
			r = error_set(err, CAT_CONFIG, N_("%s: is longer than %zu bytes"), path, b->max);
			break;
		}
	}
	wipe(chunk, sizeof chunk);
	return r;
}

/* The first line of b (without "\r\n") as a new secret, or NULL when empty. */
static char *first_line(const struct buf *b)
{
	const char *s = buf_str(b);
	size_t n = strcspn(s, "\n");

	if (n && s[n - 1] == '\r')
		n--;
	return n ? xstrndup(s, n) : NULL;
}

/* The first line of a private file.  1 when missing and missing_ok. */
static int read_secret_file(const char *path, enum file_trust trust, int missing_ok,
			    char **out, struct error *err)
{
	struct buf b;
	int fd, r;

	if ((r = open_private(path, trust, missing_ok, &fd, err)) != 0)
		return r;
	buf_init_secret(&b, SECRET_OUTPUT_MAX);
	r = read_fd(fd, path, 1, &b, err);
	close(fd);
	if (r == 0 && !(*out = first_line(&b)))
		r = error_set(err, CAT_CONFIG, N_("%s: the first line is empty; put the password there"),
			      path);
	buf_release(&b);
	return r;
}

/* ---- commands ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the command reads: /dev/null, or an empty pipe when /dev/null cannot
 * be opened (seen in containers); either way EOF at once, never our stdin. */
static int empty_input(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), fds[2];

	if (fd >= 0 || pipe2(fds, O_CLOEXEC) < 0)
		return fd;
	close(fds[1]);
	return fds[0];
}

/* In the child: own process group (so a timeout can kill all of it), stdin
 * empty, stdout the pipe, default SIGPIPE (an ignored disposition would
 * survive exec), no blocked signals.  The descriptors are first moved above
 * 2, in case our caller started us with stdin or stdout closed. */
static void child_exec(const char *command, int in, int out)
{
	sigset_t none;

	setpgid(0, 0);
	in = fcntl(in, F_DUPFD, 3);
	out = fcntl(out, F_DUPFD, 3);
	if (in < 0 || out < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	close(in);
	close(out);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

static int timeout_error(int timeout_ms, struct error *err)
{
	int s = (timeout_ms + 999) / 1000;

	/* Not ngettext: without NLS its macro hides the literal from -Wformat. */
	return error_set(err, CAT_CONFIG, N_("did not finish within %d s and was stopped"), s);
}

/* One read of what the child printed: >0 bytes kept, 0 EOF, -1 and err. */
static ssize_t read_some(int fd, struct buf *b, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char chunk[CHUNK];
	ssize_t n = read(fd, chunk, sizeof chunk);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		n = 1;          /* nothing this time: not the end */
	else if (n < 0)
		error_set(err, CAT_IO, N_("cannot read its output: %s"), error_errno(errno, eno));
	else if (n > 0 && buf_add(b, chunk, (size_t)n) < 0) {
		error_set(err, CAT_CONFIG, N_("printed more than %d bytes"), SECRET_OUTPUT_MAX);
		n = -1;
	}
	wipe(chunk, sizeof chunk);
	return n;
}

/* What is already in the pipe once the command has exited. */
static int drain(int fd, struct buf *b, struct error *err)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n = 1;

	while (n > 0 && poll(&pfd, 1, 0) > 0)
		n = read_some(fd, b, err);
	return n < 0 ? -1 : 0;
}

/* Read the child's output until EOF, the limit or the deadline, or until
 * the command itself has exited (*status then set, *exited 1): a child it
 * left in the background (gpg-agent, started by pass) may hold the pipe
 * open for as long as it lives, and its output is not the command's. */
static int read_output(int fd, pid_t pid, long long deadline, int timeout_ms, struct buf *b,
		       int *status, int *exited, struct error *err)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n = 1;
	int left, ready;

	while (n > 0) {
		if (waitpid(pid, status, WNOHANG) == pid) {
			*exited = 1;
			return drain(fd, b, err);
		}
		left = (int)(deadline - now_ms());
		if (left <= 0)
			return timeout_error(timeout_ms, err);
		ready = poll(&pfd, 1, left < READ_STEP_MS ? left : READ_STEP_MS);
		if (ready > 0)
			n = read_some(fd, b, err);
	}
	return n < 0 ? -1 : 0;
}

/* Reap the child by the deadline; kill its group when it is late. */
static int wait_child(pid_t pid, long long deadline, int timeout_ms, int *status,
		      struct error *err)
{
	struct timespec step = { 0, WAIT_STEP_MS * 1000000L };
	pid_t r;

	while (((r = waitpid(pid, status, WNOHANG)) == 0 || (r < 0 && errno == EINTR)) &&
	       now_ms() < deadline)
		nanosleep(&step, NULL);
	if (r == pid)
		return 0;
	kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return timeout_error(timeout_ms, err);
}

static int status_error(int status, struct error *err)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return error_set(err, CAT_CONFIG, N_("exited with status %d; run it yourself to see why"),
				 WEXITSTATUS(status));
	return error_set(err, CAT_CONFIG, N_("was killed by signal %d"),
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static pid_t spawn(const char *command, int *out, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	int fds[2], in = empty_input();
	pid_t pid;

	if (in < 0 || pipe2(fds, O_CLOEXEC) < 0) {
		error_set(err, CAT_IO, N_("cannot create a pipe: %s"), error_errno(errno, eno));
		if (in >= 0)
			close(in);
		return -1;
	}
	pid = fork();
	if (pid == 0)
		child_exec(command, in, fds[1]);
	close(in);
	close(fds[1]);
	if (pid < 0) {
		error_set(err, CAT_IO, N_("cannot start it: %s"), error_errno(errno, eno));
		close(fds[0]);
		return -1;
	}
	setpgid(pid, pid);      /* also here: no race with kill(-pid) */
	*out = fds[0];
	return pid;
}

/* Run the child and collect its output into b; 0 when it exited with 0. */
static int run(const char *command, int timeout_ms, struct buf *b, struct error *err)
{
	long long deadline = now_ms() + timeout_ms;
	int fd, status = 0, exited = 0, r;
	pid_t pid = spawn(command, &fd, err);

	if (pid < 0)
		return -1;
	r = read_output(fd, pid, deadline, timeout_ms, b, &status, &exited, err);
	close(fd);
	if (r < 0) {
		/* Late or broken: the whole group goes, a background child too. */
		kill(-pid, SIGKILL);
		while (!exited && waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	if (!exited && wait_child(pid, deadline, timeout_ms, &status, err) < 0)
		return -1;
	return status_error(status, err);
}

char *secret_run_command(const char *command, int timeout_ms, struct error *err)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	struct buf b;
	char *line = NULL;
	int r;

	/* A SIGCHLD ignored by whoever started us (it survives exec) would reap
	 * the child behind waitpid's back. */
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &old);
	buf_init_secret(&b, SECRET_OUTPUT_MAX);
	r = run(command, timeout_ms, &b, err);
	sigaction(SIGCHLD, &old, NULL);
	if (r == 0 && !(line = first_line(&b)))
		error_set(err, CAT_CONFIG, b.len ? N_("printed an empty first line")
						 : N_("printed nothing"));
	buf_release(&b);
	return line;
}

static int from_command(const struct account *a, const char *key, const char *command,
			char **out, struct error *err)
{
	int ms = a->password_command_timeout > 0 ? a->password_command_timeout * 1000
						 : SECRET_COMMAND_TIMEOUT_MS;

	/* The account and the key, never the command: it may hold a secret
	 * ("echo Pw-...; ..."), and this text reaches stderr and failed/. */
	if (!(*out = secret_run_command(command, ms, err))) {
		error_prefix(err, N_("account %s: %s"), a->name, key);
		return -1;
	}
	return 1;
}

/* ---- netrc ---- */

/* The next token (quoted with "..." and \ escapes, as curl reads them) into
 * tok; 0 at the end.  A token longer than tok may hold also ends the
 * reading: a password is never cut short. */
static int netrc_token(const char **p, const char *end, struct buf *tok)
{
	const char *s = *p;
	int r = 0;

	buf_reset(tok);
	while (s < end && strchr(" \t\r\n", *s))
		s++;
	if (s == end)
		return 0;
	if (*s == '"') {
		for (s++; s < end && *s != '"'; s++) {
			if (*s == '\\' && s + 1 < end)
				s++;
			r |= buf_addc(tok, *s);
		}
		s += s < end;
	} else {
		for (; s < end && !strchr(" \t\r\n", *s); s++)
			r |= buf_addc(tok, *s);
	}
	*p = s;
	return r == 0;
}

/* One machine (or default) entry as it is read. */
struct netrc_entry {
	int kind;                 /* 0 none, 1 our machine, 2 another machine, 3 default */
	char *login;
	char *password;           /* secret */
};

static void entry_clear(struct netrc_entry *e)
{
	free(e->login);
	free_secret(e->password);
	memset(e, 0, sizeof e[0]);
}

static int entry_fits(const struct netrc_entry *e, const struct account *a)
{
	return e->password && (!e->login || !a->user || strcmp(e->login, a->user) == 0);
}

/* Close entry e: keep the password of a fitting machine in *found, of a
 * fitting default in *fallback. */
static void entry_end(struct netrc_entry *e, const struct account *a, char **found,
		      char **fallback)
{
	char **slot = e->kind == 1 ? found : e->kind == 3 ? fallback : NULL;

	if (slot && !*slot && entry_fits(e, a)) {
		*slot = e->password;
		e->password = NULL;
	}
	entry_clear(e);
}

/* macdef NAME: the macro runs until an empty line. */
static const char *skip_macro(const char *p, const char *end)
{
	const char *blank;

	p += strcspn(p, "\n");
	blank = memmem(p, (size_t)(end - p), "\n\n", 2);
	return blank ? blank + 2 : end;
}

static void netrc_value(const char **p, const char *end, struct buf *tok, char **slot)
{
	if (netrc_token(p, end, tok)) {
		free_secret(*slot);
		*slot = xstrdup(buf_str(tok));
	}
}

/* After "machine" or "default": which kind of entry starts. */
static int entry_kind(const char *keyword, const char **p, const char *end, struct buf *tok,
		      const struct account *a)
{
	if (strcmp(keyword, "default") == 0)
		return 3;
	if (!netrc_token(p, end, tok) || !a->host)
		return 2;
	return strcasecmp(buf_str(tok), a->host) == 0 ? 1 : 2;
}

static char *netrc_find(const char *text, size_t len, const struct account *a)
{
	const char *p = text, *end = text + len;
	struct netrc_entry e = { 0 };
	struct buf tok;
	char *found = NULL, *fallback = NULL;

	buf_init_secret(&tok, len + 1);
	while (!found && netrc_token(&p, end, &tok)) {
		const char *t = buf_str(&tok);

		if (strcmp(t, "machine") == 0 || strcmp(t, "default") == 0) {
			entry_end(&e, a, &found, &fallback);
			e.kind = entry_kind(t, &p, end, &tok, a);
		} else if (strcmp(t, "login") == 0) {
			netrc_value(&p, end, &tok, &e.login);
		} else if (strcmp(t, "password") == 0) {
			netrc_value(&p, end, &tok, &e.password);
		} else if (strcmp(t, "macdef") == 0) {
			p = skip_macro(p, end);
		}
	}
	entry_end(&e, a, &found, &fallback);
	buf_release(&tok);
	if (found) {
		free_secret(fallback);
		return found;
	}
	return fallback;
}

/* ---- the sources, in order ---- */

static int src_password(const struct account *a, char **out, struct error *err)
{
	(void)err;
	if (!a->password)
		return 0;
	*out = xstrdup(a->password);
	return 1;
}

static int src_password_file(const struct account *a, char **out, struct error *err)
{
	if (!a->password_file)
		return 0;
	if (read_secret_file(a->password_file, FILE_USER, 0, out, err) < 0) {
		error_prefix(err, N_("account %s: password_file"), a->name);
		return -1;
	}
	return 1;
}

static int src_password_command(const struct account *a, char **out, struct error *err)
{
	if (!a->password_command)
		return 0;
	return from_command(a, "password_command", a->password_command, out, err);
}

static int src_credential(const struct account *a, char **out, struct error *err)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char *path;
	int r;

	if (!dir || !*dir)
		return 0;
	path = xasprintf("%s/%s.password", dir, a->name);
	r = read_secret_file(path, FILE_CREDENTIAL, 1, out, err);
	free(path);
	if (r < 0)
		error_prefix(err, N_("account %s: systemd credential"), a->name);
	return r < 0 ? -1 : r == 0;
}

static int src_netrc(const struct account *a, char **out, struct error *err)
{
	struct error ignored;
	char *path = conf_expand_path("~/.netrc", &ignored);
	struct buf b;
	int fd, r;

	if (!path)
		return 0;       /* no home directory: no netrc */
	r = open_private(path, FILE_USER, 1, &fd, err);
	if (r == 0) {
		buf_init_secret(&b, SECRET_NETRC_MAX);
		r = read_fd(fd, path, 0, &b, err);
		close(fd);
		if (r == 0)
			r = (*out = netrc_find(buf_str(&b), b.len, a)) != NULL;
		buf_release(&b);
	} else if (r > 0) {
		r = 0;
	}
	if (r < 0)
		error_prefix(err, N_("account %s: netrc"), a->name);
	free(path);
	return r;
}

/* ---- the prompt ---- */

/* A signal while echo is off: restore the terminal first, then deliver it.
 * The one global of this file; signal handlers leave no other choice. */
static volatile sig_atomic_t prompt_signal;

static void on_prompt_signal(int sig)
{
	prompt_signal = sig;
}

static const int prompt_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGTSTP };
#define NSIGNALS (sizeof prompt_signals / sizeof prompt_signals[0])

static void catch_signals(struct sigaction old[NSIGNALS])
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_prompt_signal;   /* no SA_RESTART: read() returns EINTR */
	sigemptyset(&sa.sa_mask);
	prompt_signal = 0;
	for (i = 0; i < NSIGNALS; i++)
		sigaction(prompt_signals[i], &sa, &old[i]);
}

static void restore_signals(const struct sigaction old[NSIGNALS])
{
	size_t i;

	for (i = 0; i < NSIGNALS; i++)
		sigaction(prompt_signals[i], &old[i], NULL);
	if (prompt_signal)
		raise(prompt_signal);
}

/* Read one line from the terminal into b. */
static int read_tty_line(int tty, struct buf *b)
{
	char c;
	ssize_t n;

	while ((n = read(tty, &c, 1)) == 1 && c != '\n')
		if (buf_addc(b, c) < 0)
			return -1;
	c = 0;
	return n < 0 ? -1 : 0;
}

/* Prompt on tty with echo off; the terminal is restored before a signal
 * that arrived meanwhile is delivered. */
static int read_quietly(int tty, const char *prompt, struct buf *b)
{
	struct termios old, quiet;
	struct sigaction saved[NSIGNALS];
	int r = -1;

	if (tcgetattr(tty, &old) < 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ICANON;
	catch_signals(saved);
	/* Echo off before the prompt, as getpass(3) does: nothing typed after
	 * the prompt appears is echoed, and TCSAFLUSH drops what was typed
	 * ahead (it was shown as it was typed; it is not taken as the
	 * password). */
	if (tcsetattr(tty, TCSAFLUSH, &quiet) == 0 && write(tty, prompt, strlen(prompt)) >= 0)
		r = read_tty_line(tty, b);
	tcsetattr(tty, TCSAFLUSH, &old);
	if (write(tty, "\n", 1) < 0)
		r = -1;
	restore_signals(saved);
	return r;
}

static int ask(int tty, const struct account *a, char **out, struct error *err)
{
	char *prompt = xasprintf(_("password for %s at %s (account %s): "),
				 a->user ? a->user : "", a->host ? a->host : "", a->name);
	struct buf b;
	int r;

	buf_init_secret(&b, SECRET_PROMPT_MAX);
	r = read_quietly(tty, prompt, &b);
	free(prompt);
	if (r == 0 && !(*out = first_line(&b)))
		r = -1;
	buf_release(&b);
	if (r < 0)
		return error_set(err, CAT_CONFIG, N_("account %s: no password was typed"), a->name);
	return 1;
}

static int src_prompt(const struct account *a, char **out, struct error *err)
{
	int tty, r;

	if (!isatty(STDIN_FILENO) && !isatty(STDERR_FILENO))
		return 0;
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0)
		return 0;
	r = ask(tty, a, out, err);
	close(tty);
	return r;
}

/* Each returns 1 and *out, 0 when it does not apply, -1 and err. */
static int (*const password_sources[])(const struct account *, char **, struct error *) = {
	src_password, src_password_file, src_password_command, src_credential, src_netrc,
	src_prompt,
};

char *secret_password(const struct account *a, struct error *err)
{
	char *out = NULL;
	size_t i;
	int r;

	secret_protect_process();       /* main() did; a library caller may not */
	for (i = 0; i < sizeof password_sources / sizeof password_sources[0]; i++) {
		r = password_sources[i](a, &out, err);
		if (r < 0)
			return NULL;
		if (r > 0)
			return out;
	}
	error_set(err, CAT_CONFIG, N_("account %s: no password: set password_command or "
				     "password_file, add machine %s to ~/.netrc, or run sendas from a "
				     "terminal to be asked"), a->name, a->host ? a->host : "");
	return NULL;
}

char *secret_oauth_token(const struct account *a, struct error *err)
{
	char *out = NULL;

	secret_protect_process();       /* as secret_password() */
	if (!a->oauth_token_command) {
		error_set(err, CAT_CONFIG, N_("account %s: no oauth_token_command to get an access "
					     "token from"), a->name);
		return NULL;
	}
	from_command(a, "oauth_token_command", a->oauth_token_command, &out, err);
	return out;
}

void secret_protect_process(void)
{
	struct rlimit none = { 0, 0 };

	/* Best effort: neither failure is a reason not to send. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &none);
}
