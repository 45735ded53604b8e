/* test_secret.c: each password source, failing, silent and hanging
 * commands, netrc, the systemd credential, the prompt on a pseudo-terminal,
 * and the process protection. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "secret.h"
#include "tap.h"
#include "xalloc.h"

static char dir[] = "/tmp/sendas-test-secret-XXXXXX";
static struct conf conf;

static char *in_dir(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char *file = in_dir(name);
	int fd;

	unlink(file);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fchmod(fd, mode) < 0)
		exit(99);
	close(fd);
	free(file);
}

static const struct account *account(const char *name)
{
	const struct account *a = conf_find(&conf, name);

	if (!a) {
		printf("# no account %s\n", name);
		exit(99);
	}
	return a;
}

static int load_conf(void)
{
	static const char *const names[] = {
		"inline", "file", "cmd", "fail", "empty", "blank", "big", "sig", "netrc", "netrc2",
		"nobody", "creds", "oauth", "hang", "oauthhang",
	};
	static const char *const sources[] = {
		"password = inline-secret\n", NULL /* password_file in dir */,
		"password_command = printf 'cmd-secret\\nsecond line\\n'\n",
		"password_command = echo $((6*7)); exit 3\n", "password_command = true\n",
		"password_command = printf '\\nx\\n'\n",
		"password_command = head -c 100000 /dev/zero | tr '\\000' x\n",
		"password_command = kill -9 $$\n", "", "host = other.example.org\nuser = bob\n",
		"host = none.example\nuser = dave\n", "host = creds.example\n",
		"oauth_token_command = echo tok-123\n",
		"password_command = sleep 10\npassword_command_timeout = 1\n",
		"oauth_token_command = sleep 10\npassword_command_timeout = 1\n",
	};
	struct buf text;
	struct error err;
	char *file;
	size_t i;
	int r;

	buf_init(&text, 64 * 1024);
	must(buf_adds(&text, "[defaults]\nhost = smtp.example.org\nuser = alice\n"));
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		must(buf_printf(&text, "[account %s]\nfrom = %s@example.org\n", names[i], names[i]));
		if (sources[i])
			must(buf_adds(&text, sources[i]));
		else
			must(buf_printf(&text, "password_file = %s/pw.txt\n", dir));
	}
	write_file("accounts.ini", buf_str(&text), 0600);
	buf_release(&text);
	file = in_dir("accounts.ini");
	r = conf_load(&conf, file, NULL, NULL, &err);
	if (r < 0)
		printf("# %s\n", err.text);
	free(file);
	return r;
}

/* The password, or "ERR: text". */
static char *password(const char *name)
{
	struct error err;
	char *s;

	error_clear(&err);
	s = secret_password(account(name), &err);
	if (!s)
		return xasprintf("ERR: %s", err.text);
	return s;
}

static int has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

static void test_inline_and_file(void)
{
	char *s;

	s = password("inline");
	is_str(s, "inline-secret", "password from the account file");
	free_secret(s);

	write_file("pw.txt", "file-secret\nsecond line\n", 0600);
	s = password("file");
	is_str(s, "file-secret", "password_file: the first line");
	free_secret(s);
	write_file("pw.txt", "crlf-secret\r\n", 0400);
	s = password("file");
	is_str(s, "crlf-secret", "password_file: CRLF stripped, mode 0400");
	free_secret(s);
	write_file("pw.txt", "no-newline", 0600);
	s = password("file");
	is_str(s, "no-newline", "password_file without a newline");
	free_secret(s);
}

static void test_password_file_modes(void)
{
	char *s;

	write_file("pw.txt", "file-secret\n", 0640);
	s = password("file");
	ok(has(s, "ERR: account file: password_file: ") && has(s, "pw.txt: others can read it "
	   "(mode 0640); run: chmod 600"), "password_file readable by the group: %s", s);
	free(s);
	write_file("pw.txt", "file-secret\n", 0604);
	s = password("file");
	ok(has(s, "others can read it (mode 0604)"), "password_file readable by others");
	free(s);
	write_file("pw.txt", "\nsecond\n", 0600);
	s = password("file");
	ok(has(s, "the first line is empty"), "password_file with an empty first line: %s", s);
	free(s);
}

static void test_password_file_kinds(void)
{
	char *s;

	write_file("real.txt", "x\n", 0600);
	{
		char *real = in_dir("real.txt"), *link = in_dir("pw.txt");

		unlink(link);
		ok(symlink(real, link) == 0, "password_file as a symlink");
		s = password("file");
		ok(has(s, "is a symbolic link"), "  refused: %s", s);
		free(s);
		unlink(link);
		s = password("file");
		ok(has(s, "pw.txt: cannot open: No such file"), "a missing password_file: %s", s);
		free(s);
		free(real);
		free(link);
	}
	if (geteuid() == 0) {
		char *file = in_dir("pw.txt");

		write_file("pw.txt", "file-secret\n", 0600);
		ok(chown(file, 65534, 65534) == 0, "chown password_file to 65534");
		s = password("file");
		ok(has(s, "is owned by uid 65534"), "  refused, also for root: %s", s);
		free(s);
		free(file);
	} else {
		ok(1, "password_file of another uid # SKIP needs root to chown");
	}
}

static void test_commands(void)
{
	char *s;

	s = password("cmd");
	is_str(s, "cmd-secret", "password_command: the first line of its output");
	free_secret(s);
	s = password("fail");
	/* Issue 13 #12: the account and the key, never the command, which
	 * may hold a secret. */
	ok(has(s, "ERR: account fail: password_command: exited with "
	   "status 3; run it yourself to see why"), "exit 3: %s", s);
	ok(!has(s, "42"), "  its output is not shown");
	ok(!has(s, "echo") && !has(s, "exit 3;"), "  nor the command");
	free(s);
	s = password("empty");
	ok(has(s, "password_command: printed nothing"), "no output: %s", s);
	free(s);
	s = password("blank");
	ok(has(s, "printed an empty first line"), "an empty first line: %s", s);
	free(s);
	s = password("big");
	ok(has(s, "printed more than 65536 bytes"), "too much output: %s", s);
	free(s);
	s = password("sig");
	ok(has(s, "was killed by signal 9"), "killed by a signal: %s", s);
	free(s);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Gone, or a zombie waiting for its reaper. */
static int process_gone(pid_t pid)
{
	char file[64], stat[512];
	FILE *f;
	int gone;

	snprintf(file, sizeof file, "/proc/%d/stat", (int)pid);
	if (!(f = fopen(file, "r")))
		return 1;
	gone = fgets(stat, sizeof stat, f) && strstr(stat, ") Z ");
	fclose(f);
	return gone;
}

static void test_timeouts(void)
{
	struct error err;
	long long t0 = now_ms();
	char *s, *cmd, *pidfile = in_dir("bg.pid");
	FILE *f;
	int pid = 0, i;

	s = secret_run_command("sleep 10", 1000, &err);
	ok(!s && has(err.text, "did not finish within 1 s and was stopped"), "a hanging command: %s",
	   err.text);
	ok(now_ms() - t0 < 3000, "  stopped after about 1 s (%lld ms)", now_ms() - t0);
	s = password("hang");
	ok(has(s, "ERR: account hang: password_command: did not finish within 1 s") &&
	   !has(s, "sleep"),
	   "password_command_timeout = 1 applies: %s", s);
	free(s);
	s = secret_oauth_token(account("oauthhang"), &err);
	ok(!s && has(err.text, "oauth_token_command: did not finish within 1 s"),
	   "  and to oauth_token_command: %s", err.text);

	cmd = xasprintf("sleep 30 & echo $! > %s; wait", pidfile);
	s = secret_run_command(cmd, 1000, &err);
	ok(!s && has(err.text, "did not finish"), "a command with a child in the background");
	if ((f = fopen(pidfile, "r"))) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	for (i = 0; i < 100 && pid > 0 && !process_gone(pid); i++)
		usleep(10000);
	ok(pid > 0 && process_gone(pid), "  its whole process group is killed (pid %d)", pid);
	free(cmd);

	/* Issue 13 #10: a command that leaves a child in the background
	 * holding its output (pass starting gpg-agent): its line is taken
	 * when it exits, not at the timeout, and the child is left alone. */
	t0 = now_ms();
	cmd = xasprintf("sleep 30 & echo $! > %s; echo bg-secret", pidfile);
	s = secret_run_command(cmd, 5000, &err);
	is_str(s, "bg-secret", "a command that leaves a child holding its output: %s",
	       s ? "" : err.text);
	ok(now_ms() - t0 < 2000, "  read when it exits, not at the timeout (%lld ms)",
	   now_ms() - t0);
	free_secret(s);
	pid = 0;
	if ((f = fopen(pidfile, "r"))) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	ok(pid > 0 && !process_gone(pid), "  its background child lives on (pid %d)", pid);
	if (pid > 0)
		kill(pid, SIGKILL);
	free(cmd);
	s = secret_run_command("(sleep 1; echo late) & printf 'first\\n'; exit 0", 5000, &err);
	is_str(s, "first", "  what the background child prints later is not read");
	free_secret(s);
	s = secret_run_command("sleep 3 & exit 4", 5000, &err);
	ok(!s && has(err.text, "exited with status 4"), "  its exit status still counts: %s",
	   err.text);
	free(pidfile);

	t0 = now_ms();
	s = secret_run_command("exec >&-; sleep 10", 1000, &err);
	ok(!s && has(err.text, "did not finish") && now_ms() - t0 < 3000,
	   "a command that closes stdout and keeps running: %s", err.text);

	s = secret_run_command("cat", 5000, &err);
	ok(!s && has(err.text, "printed nothing"), "stdin is /dev/null: cat ends at once: %s",
	   err.text);
	s = secret_run_command("printf 'a b c'", 5000, &err);
	is_str(s, "a b c", "output without a newline");
	free_secret(s);
	signal(SIGCHLD, SIG_IGN);       /* as a careless parent may leave it */
	s = secret_run_command("echo fine; exit 0", 5000, &err);
	is_str(s, "fine", "SIGCHLD ignored by the parent: still reaped and judged");
	free_secret(s);
	s = secret_run_command("exit 4", 5000, &err);
	ok(!s && has(err.text, "status 4"), "  and its exit status still seen: %s", err.text);
	signal(SIGCHLD, SIG_DFL);
}

/* Started with stdin and stdout closed (cron does such things): the pipes
 * then get descriptors 0 and 1, which the child must not mix up. */
static void test_closed_stdio(void)
{
	char result[64] = "";
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct error err;
		char *s;

		close(STDIN_FILENO);
		close(STDOUT_FILENO);
		s = secret_run_command("read x || echo got-eof", 5000, &err);
		if (write(fds[1], s ? s : err.text, strlen(s ? s : err.text)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], result, sizeof result - 1);
	result[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	is_str(result, "got-eof", "stdin and stdout closed in the caller: the command reads EOF "
	       "and its output arrives");
}

static void test_netrc(void)
{
	char *s;

	write_file(".netrc",
		   "macdef init\ncd /\nmachine smtp.example.org login alice password macro\n\n"
		   "machine other.example.com login alice password wrong1\n"
		   "machine smtp.example.org login carol password wrong2\n"
		   "machine SMTP.EXAMPLE.ORG\n  login alice\n  password \"net \\\"secret\\\"\"\n"
		   "default login bob password default-pw\n", 0600);
	s = password("netrc");
	is_str(s, "net \"secret\"", "netrc: machine and login, quoted, macdef skipped");
	free_secret(s);
	s = password("netrc2");
	is_str(s, "default-pw", "netrc: default for another machine");
	free_secret(s);
	write_file(".netrc", "machine smtp.example.org password any-login\n", 0600);
	s = password("netrc");
	is_str(s, "any-login", "netrc: an entry without login");
	free_secret(s);
	write_file(".netrc", "machine smtp.example.org login alice password x\n", 0644);
	s = password("netrc");
	ok(has(s, "ERR: account netrc: netrc: ") && has(s, ".netrc: others can read it (mode 0644)"),
	   "a netrc others can read is refused: %s", s);
	free(s);
	write_file(".netrc", "machine smtp.example.org login alice password x\n", 0600);
}

static void test_credentials(void)
{
	char *creds = in_dir("creds"), *s;

	mkdir(creds, 0700);
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	write_file("creds/creds.password", "cred-secret\n", 0400);
	s = password("creds");
	is_str(s, "cred-secret", "$CREDENTIALS_DIRECTORY/<account>.password");
	free_secret(s);
	write_file("creds/creds.password", "cred-secret\n", 0440);
	s = password("creds");
	is_str(s, "cred-secret", "  group-readable (systemd's ACL mask) is accepted");
	free_secret(s);
	write_file("creds/creds.password", "cred-secret\n", 0444);
	s = password("creds");
	ok(has(s, "account creds: systemd credential: ") && has(s, "others can read it"),
	   "  world-readable is refused: %s", s);
	free(s);
	write_file("creds/netrc.password", "cred-beats-netrc\n", 0400);
	s = password("netrc");
	is_str(s, "cred-beats-netrc", "  a credential comes before ~/.netrc");
	free_secret(s);
	unsetenv("CREDENTIALS_DIRECTORY");
	s = password("netrc");
	is_str(s, "x", "  without $CREDENTIALS_DIRECTORY, netrc again");
	free_secret(s);
	free(creds);
}

/* secret_password(name) in a child that has no controlling terminal. */
static char *password_without_tty(const char *name)
{
	char text[ERROR_TEXT_MAX + 8];
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return xstrdup("pipe failed");
	if ((pid = fork()) == 0) {
		char *s;

		close(fds[0]);
		setsid();
		s = password(name);
		if (write(fds[1], s, strlen(s)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], text, sizeof text - 1);
	text[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return xstrdup(text);
}

static void test_no_source(void)
{
	char *s = password_without_tty("nobody");

	is_str(s, "ERR: account nobody: no password: set password_command or password_file, add "
	       "machine none.example to ~/.netrc, or run sendas from a terminal to be asked",
	       "no source and no terminal");
	free(s);
}

/* Read from the pty master until needle appears or 3 s pass. */
static int read_until(int master, const char *needle, char *seen, size_t size)
{
	struct pollfd pfd = { .fd = master, .events = POLLIN };
	size_t len = strlen(seen);
	ssize_t n;

	while (!strstr(seen, needle) && len + 1 < size && poll(&pfd, 1, 3000) > 0) {
		n = read(master, seen + len, size - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		seen[len] = '\0';
	}
	return strstr(seen, needle) != NULL;
}

static void prompt_child(const char *slave, int out)
{
	char *s;
	int fd;

	setsid();
	fd = open(slave, O_RDWR);       /* becomes the controlling terminal */
	if (fd < 0)
		_exit(1);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDERR_FILENO);
	s = password("nobody");
	if (write(out, s, strlen(s)) < 0)
		_exit(1);
	_exit(0);
}

static void test_prompt(void)
{
	char seen[4096] = "", result[256];
	int master, fds[2], status;
	pid_t pid;
	ssize_t n;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || pipe(fds) < 0) {
		ok(1, "the prompt # SKIP no pseudo-terminal");
		return;
	}
	if ((pid = fork()) == 0)
		prompt_child(ptsname(master), fds[1]);
	close(fds[1]);
	ok(read_until(master, "password for dave at none.example (account nobody): ", seen,
		      sizeof seen), "the prompt names login, server and account");
	usleep(100000);         /* let the child turn echo off after printing */
	if (write(master, "typed secret\n", 13) != 13)
		printf("# write failed\n");
	n = read(fds[0], result, sizeof result - 1);
	result[n > 0 ? n : 0] = '\0';
	is_str(result, "typed secret", "the typed password is returned");
	read_until(master, "\n", seen, sizeof seen);
	ok(!strstr(seen, "typed secret"), "and was not echoed");
	waitpid(pid, &status, 0);
	close(fds[0]);
	close(master);
}

static void test_oauth(void)
{
	struct error err;
	char *s = secret_oauth_token(account("oauth"), &err);

	is_str(s, "tok-123", "oauth_token_command");
	free_secret(s);
	s = secret_oauth_token(account("inline"), &err);
	ok(!s && has(err.text, "account inline: no oauth_token_command"), "no oauth_token_command");
}

static void test_protect(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl;

		secret_protect_process();
		_exit(prctl(PR_GET_DUMPABLE) == 0 && getrlimit(RLIMIT_CORE, &rl) == 0 &&
		      rl.rlim_cur == 0 && rl.rlim_max == 0 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "secret_protect_process: undumpable, no "
	   "core files");
}

static int remove_entry(const char *file, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(file);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	setenv("HOME", dir, 1);
	unsetenv("CREDENTIALS_DIRECTORY");
	if (load_conf() < 0)
		return 99;
	test_inline_and_file();
	test_password_file_modes();
	test_password_file_kinds();
	test_commands();
	test_timeouts();
	test_closed_stdio();
	test_netrc();
	test_credentials();
	test_no_source();
	test_prompt();
	test_oauth();
	test_protect();
	conf_release(&conf);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
