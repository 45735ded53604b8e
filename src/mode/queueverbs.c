/* queueverbs.c: see queueverbs.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flush.h"
#include "handoff.h"
#include "mailq.h"
#include "queueverbs.h"

#define CAPTURE_MAX (200 * 1024)  /* output of one private verb (engine: 256 KiB) */

static const struct {
	const char *verb;
	enum mode mode;
	int (*run)(const struct options *o);
} private_verbs[] = {
	{ HANDOFF_VERB_LIST, MODE_QUEUE_LIST, mode_queue_list },
	{ HANDOFF_VERB_IDS, MODE_QUEUE_IDS, mode_queue_list },
	{ HANDOFF_VERB_FLUSH, MODE_QUEUE_FLUSH, mode_queue_flush },
};

/* Run a mode in a child whose stdout and stderr are a pipe (ours are the
 * SMTP session); its output into out, its exit code returned. */
static int run_captured(int (*run)(const struct options *o), const struct options *o,
			struct buf *out)
{
	int fds[2], status = 0;
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return EX_OSERR;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0 || dup2(fds[1], STDERR_FILENO) < 0)
			_exit(EX_OSERR);
		close(STDIN_FILENO);
		status = run(o);
		fflush(NULL);         /* _exit() flushes no stdio buffer */
		_exit(status);
	}
	close(fds[1]);
	while (pid > 0 && (n = read(fds[0], chunk, sizeof chunk)) != 0) {
		if (n > 0 && out->len + (size_t)n <= CAPTURE_MAX)
			buf_add_trunc(out, chunk, (size_t)n);   /* the bound checked above */
		else if (n < 0 && errno != EINTR)
			break;
	}
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return EX_OSERR;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EX_SOFTWARE;
}

int queueverbs_run(const struct options *base, uid_t uid, const char *verb,
		   struct smtpd_reply *r)
{
	struct options o = *base;
	char owner[32];
	struct buf out;
	size_t i;
	int code;

	for (i = 0; i < sizeof private_verbs / sizeof private_verbs[0]; i++)
		if (!strcmp(verb, private_verbs[i].verb))
			break;
	if (i == sizeof private_verbs / sizeof private_verbs[0])
		return 0;
	snprintf(owner, sizeof owner, "%lu", (unsigned long)uid);
	o.mode = private_verbs[i].mode;
	o.queue_owner = uid == 0 ? NULL : owner;   /* root sees all */
	buf_init(&out, CAPTURE_MAX);
	code = run_captured(private_verbs[i].run, &o, &out);
	if (out.len && out.data[out.len - 1] == '\n')
		out.data[--out.len] = '\0';
	smtpd_reply_set(r, 250, "2.0.0", "%s%s%s%d", buf_str(&out), out.len ? "\n" : "",
			HANDOFF_EXIT_MARK, code);
	buf_release(&out);
	return 1;
}
