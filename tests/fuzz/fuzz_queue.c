/* fuzz_queue.c: the queue file reader.  The input is one queue file (its
 * records, an empty line, the content), stored under a valid ID in a
 * private queue directory, then read as mailq reads it (queue_peek) and as
 * a flush takes it (queue_take, which also moves a "failed" one), with its
 * last reason rendered (queue_last_reason: the neutral form of a "reason"
 * record, neutral.c) and prefixed as an expiry does. */
#include "config.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"

#define ID "6b12d0122af3561e"

static int store(const char *dir, const uint8_t *data, size_t size)
{
	char path[3100];
	int fd, ok;

	snprintf(path, sizeof path, "%s/%s", dir, ID);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, data, size) == (ssize_t)size;
	close(fd);
	return ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[3000];
	static struct queue q;
	static int opened;
	struct queue_entry e;
	struct error err;
	char failed[3100];

	if (!opened) {
		snprintf(dir, sizeof dir, "%s/sendas-fuzz-queue.%ld",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
		if (queue_open(&q, dir, 1, &err) != 0)
			return 0;
		opened = 1;
	}
	snprintf(failed, sizeof failed, "%s/failed/%s", dir, ID);
	unlink(failed);
	if (store(dir, data, size) < 0)
		return 0;
	if (queue_peek(&q, QUEUE_ACTIVE, ID, &e, &err) == 0) {
		struct error why;

		queue_due(&e, 0);
		queue_last_reason(&e, CAT_TEMPORARY, &why);   /* as mailq shows it */
		error_prefix(&why, "expired: %s", "1s");      /* as an expiry does */
		queue_entry_release(&e);
	}
	if (queue_take(&q, QUEUE_ACTIVE, ID, &e, &err) == 0)
		queue_entry_release(&e);
	return 0;
}
