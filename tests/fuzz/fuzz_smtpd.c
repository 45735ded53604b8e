/* fuzz_smtpd.c: the SMTP server side's command parser and session.
 *
 * Each input is a whole client session: the bytes are what a client sends
 * (commands, content, garbage), served by smtpd_serve() from a memfd with
 * the replies going to /dev/null and a handler that accepts everything and
 * reads each delivered message.  Before that the first line alone goes
 * through smtpd_parse_command() and smtpd_parse_path().  Build (convention
 * of tests/fuzz/run.sh): clang -fsanitize=fuzzer,address,undefined with
 * the sendas sources. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <unistd.h>

#include "smtpd.h"

static void deliver(void *ctx, const struct smtpd_peer *p, const struct smtpd_txn *t,
		    struct smtpd_reply *r)
{
	char buf[4096];

	(void)ctx;
	(void)p;
	while (read(t->fd, buf, sizeof buf) > 0)
		;
	if (t->nrcpts > 2)
		smtpd_reply_set(r, 554, "5.7.1", "refused\nsecond line %zu", t->nrcpts);
}

static void parsers(const uint8_t *data, size_t size)
{
	char line[SMTPD_COMMAND_LINE_MAX + 1], verb[16], *path;
	const char *args, *params, *reason;
	size_t n = size < SMTPD_COMMAND_LINE_MAX ? size : SMTPD_COMMAND_LINE_MAX;

	memcpy(line, data, n);
	line[n] = '\0';
	if (smtpd_parse_command(line, n, verb, &args) == 0 && strlen(args) <= n) {
		if (smtpd_parse_path(args, "FROM", &path, &params, &reason) == 0)
			free(path);
		if (smtpd_parse_path(args, "TO", &path, &params, &reason) == 0)
			free(path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int in = -1, out = -1;
	struct smtpd_handler h = { .deliver = deliver };
	struct smtpd_params sp = { .hostname = "fuzz.test", .handler = &h, .size_max = 4096,
				   .rcpts_max = 4 };
	struct smtpd_peer peer;

	parsers(data, size);
	if (in < 0) {
		in = memfd_create("fuzz-smtpd", 0);
		out = open("/dev/null", O_WRONLY);
	}
	if (in < 0 || out < 0 || ftruncate(in, 0) < 0 ||
	    pwrite(in, data, size, 0) != (ssize_t)size || lseek(in, 0, SEEK_SET) != 0)
		abort();
	smtpd_peer_identify(in, out, &peer);
	smtpd_serve(&sp, &peer);
	return 0;
}
