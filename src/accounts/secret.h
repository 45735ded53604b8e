/* SPDX-License-Identifier: GPL-3.0-or-later */
/* secret.h: passwords and tokens from where the account says they are.
 *
 * Sources, in this order, the first that applies wins:
 *   1 password          (only in a file no one else can read; conf.c checks)
 *   2 password_file     the first line; the file must be regular, owned by
 *                       the user, not readable or writable by group or others
 *   3 password_command  run with /bin/sh -c in its own process group, stdin
 *                       /dev/null, stdout a pipe, stderr ours; the first line
 *                       of its output; a non-zero exit, a signal, an empty
 *                       first line, more than SECRET_OUTPUT_MAX bytes or more
 *                       than password_command_timeout seconds (default
 *                       SECRET_COMMAND_TIMEOUT_MS; then the whole process
 *                       group is killed) are errors; its output is never shown
 * (conf.c allows at most one of 1-3 per account.)
 *   4 $CREDENTIALS_DIRECTORY/<account>.password   (systemd LoadCredential=;
 *                       owned by the user or root, not world-readable)
 *   5 ~/.netrc          "machine HOST" with "login USER" (or no login), else
 *                       "default"; the same rules as password_file; a netrc
 *                       that others can read is refused, not skipped
 *   6 a prompt on /dev/tty, without echo, only when /dev/tty opens and stdin
 *                       or stderr is a terminal
 * oauth_token_command works like password_command.  Secrets never go into
 * argv or the environment of a child; every buffer that held one is wiped.
 *
 * The returned strings are the caller's to release with free_secret(). */
#ifndef SENDAS_SECRET_H
#define SENDAS_SECRET_H

#include <sys/stat.h>

#include "conf.h"
#include "error.h"
#include "trusted.h"

#define SECRET_COMMAND_TIMEOUT_MS 30000
#define SECRET_OUTPUT_MAX (64 * 1024)     /* command output, first lines of files */
#define SECRET_NETRC_MAX (1024 * 1024)
#define SECRET_PROMPT_MAX 1024

/* The password for the account, or NULL and err (CAT_CONFIG naming the
 * account, the source and what went wrong; CAT_IO for a failed fork or
 * read). */
char *secret_password(const struct account *a, struct error *err);

/* The OAuth access token from oauth_token_command, or NULL and err. */
char *secret_oauth_token(const struct account *a, struct error *err);

/* Run command with /bin/sh -c as described above, allowing timeout_ms; the
 * first line of its output, or NULL and err (CAT_CONFIG: "exited with status
 * N", "was killed by signal N", "did not finish within N seconds", "printed
 * nothing", "printed more than N bytes"; CAT_IO).  The text does not name the
 * command: callers add "account NAME: KEY \"COMMAND\"" in front. */
char *secret_run_command(const char *command, int timeout_ms, struct error *err);

/* Make this process undumpable while secrets are held (no core files, no
 * ptrace by other users): prctl(PR_SET_DUMPABLE, 0) and RLIMIT_CORE 0.
 * main() calls it before anything is read; secret_password() and
 * secret_oauth_token() call it too.  Children (password_command) inherit
 * the core limit, which suits what they handle. */
void secret_protect_process(void);

#endif
