/* fuzz_conf.c: the account file (conf.c over inih, and the values it
 * checks), then each account's queue settings as a queued message would
 * resolve them.  The input is written to a private file first, since
 * conf_load() opens a path and checks its owner and mode. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "queue.h"

static void ignore(void *ctx, const char *text)
{
	(void)ctx, (void)text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[4096];
	struct queue_settings qs;
	struct conf c;
	struct error err;
	size_t i;
	int fd;

	if (!path[0])
		snprintf(path, sizeof path, "%s/sendas-fuzz-conf.%ld",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	if (conf_load(&c, path, ignore, NULL, &err) == 0) {
		for (i = 0; i < c.naccounts; i++) {
			conf_find(&c, c.accounts[i].name);
			if (queue_settings(&c.accounts[i], c.path, &qs, &err) == 0)
				queue_settings_release(&qs);
		}
	}
	conf_release(&c);
	return 0;
}
