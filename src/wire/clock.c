/* clock.c: see clock.h. */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "clock.h"

long io_clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void io_clock_start(struct io_clock *c, int seconds)
{
	c->deadline_s = seconds > 0 ? seconds : 0;
	c->deadline_ms = seconds > 0 ? io_clock_now_ms() + 1000L * seconds : 0;
}

int io_clock_expired(const struct io_clock *c)
{
	return c->deadline_ms && io_clock_now_ms() >= c->deadline_ms;
}

int io_clock_arm(const struct io_clock *c, int fd)
{
	long ms = 1000L * c->timeout, left;
	struct timeval tv;

	if (c->deadline_ms) {
		left = c->deadline_ms - io_clock_now_ms();
		if (left <= 0) {
			errno = EAGAIN;
			return -1;
		}
		if (left < ms)
			ms = left;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = ms % 1000 * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return 0;
}
