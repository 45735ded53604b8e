/* test_send_limits.c: the send limit counter (send_limits.h, issue 21): a
 * slot is one line appended, not the file rewritten; stale lines go when
 * they outnumber the live ones; a damaged file starts over; twenty
 * processes taking slots at once share one count under the lock. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "send_limits.h"
#include "tap.h"

static char dir[] = "/tmp/sendas-test-limits.XXXXXX";
static char path[sizeof dir + 32];

/* Lines in the counter file, the header included; -1 when absent. */
static long lines(void)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static ino_t inode(void)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Write the file: the header (or bad), stale lines two days old, live ones
 * a minute old. */
static void write_file(const char *header, int stale, int live, time_t now)
{
	FILE *f = fopen(path, "w");
	int i;

	fputs(header, f);
	for (i = 0; i < stale; i++)
		fprintf(f, "%lld\n", (long long)(now - 2 * 86400));
	for (i = 0; i < live; i++)
		fprintf(f, "%lld\n", (long long)(now - 60));
	fclose(f);
}

static int take(const struct account *a, time_t now)
{
	struct limits_slot slot;
	struct error err;

	error_clear(&err);
	return limits_take(dir, a, now, &slot, &err);
}

/* Twenty processes take ten slots each under messages_per_hour = 150. */
static void concurrent(struct account *a, time_t now)
{
	pid_t pids[20];
	int i, j, got, status, taken = 0;

	a->messages_per_hour = 150;
	unlink(path);
	for (i = 0; i < 20; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			for (j = 0, got = 0; j < 10; j++)
				got += take(a, now) == 0;
			_exit(got);
		}
	}
	for (i = 0; i < 20; i++)
		if (waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status))
			taken += WEXITSTATUS(status);
	ok(taken == 150, "twenty processes at once: 150 slots taken of 200 asked (%d)", taken);
	ok(limits_count(dir, a, now, 3600) == 150, "  and the file counts 150");
	ok(lines() == 151, "  one line each (%ld)", lines());
}

int main(void)
{
	char name[] = "acct";
	struct account a = { .name = name, .messages_per_hour = 100000 };
	time_t now = time(NULL);
	struct limits_slot slot;
	ino_t ino;
	char cmd[sizeof dir + 16];

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/limits/acct.count", dir);

	ok(take(&a, now) == 0 && lines() == 2, "the first slot makes the file: header and one line");
	ino = inode();
	ok(take(&a, now) == 0 && take(&a, now) == 0 && lines() == 4,
	   "each slot after it is one line more");
	ok(inode() == ino, "  appended to the same file, not a new one renamed over it");
	ok(limits_count(dir, &a, now, 3600) == 3, "three slots counted");

	write_file("sendas-limits 1\n", 10, 2, now);
	ino = inode();
	ok(take(&a, now) == 0 && lines() == 14 && inode() == ino,
	   "a few stale lines stay: appended (%ld lines)", lines());
	ok(limits_count(dir, &a, now, 86400) == 3, "  and do not count");

	write_file("sendas-limits 1\n", 2000, 5, now);
	ok(take(&a, now) == 0 && lines() == 7,
	   "stale lines that outnumber the live ones (2000 > 5) are dropped: 6 slots, %ld lines",
	   lines() - 1);
	ok(limits_count(dir, &a, now, 86400) == 6, "  six counted");

	write_file("not a counter\n", 0, 5, now);
	ok(take(&a, now) == 0 && lines() == 2, "a damaged file starts over with its header");
	ok(limits_count(dir, &a, now, 86400) == 1, "  one slot counted");

	a.messages_per_hour = 2;
	write_file("sendas-limits 1\n", 0, 0, now);
	ok(take(&a, now) == 0 && take(&a, now) == 0, "messages_per_hour = 2: two slots");
	ok(limits_take(dir, &a, now, &slot, &(struct error){ 0 }) == 1 &&
	   slot.next == now + 3600, "  the third waits an hour");
	ok(lines() == 3, "  and is not written");

	concurrent(&a, now);

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
