/* clock.h: the time limits of one connection.
 *
 * Two limits: the I/O timeout, the longest any one read or write may wait
 * (RFC 5321 4.5.3.2 gives each step its own; the reply to the final dot gets
 * ten minutes), and an overall deadline, so that a server that trickles a
 * byte just before each timeout cannot hold us forever.  Before each read or
 * write, io_clock_arm() gives the socket the shorter of the two as its
 * SO_RCVTIMEO/SO_SNDTIMEO: a wait that runs out surfaces as EAGAIN, exactly
 * as a plain timeout does, and io_clock_expired() then tells the two apart.
 * conn.c arms it for plain reads and writes, tls.c in GnuTLS's pull and push
 * functions, so a TLS record trickled byte by byte is bounded too. */
#ifndef SENDAS_CLOCK_H
#define SENDAS_CLOCK_H

struct io_clock {
	int timeout;            /* seconds for each read or write (> 0) */
	int deadline_s;         /* what the deadline was set to; 0: none */
	long deadline_ms;       /* CLOCK_MONOTONIC milliseconds; 0: none */
};

/* CLOCK_MONOTONIC in milliseconds. */
long io_clock_now_ms(void);

/* A deadline seconds from now; 0 clears it. */
void io_clock_start(struct io_clock *c, int seconds);

/* Set fd's receive and send timeouts to the shorter of c->timeout and what
 * is left before the deadline.  0, or -1 with errno EAGAIN when the deadline
 * has passed (so callers report it as they report a timeout). */
int io_clock_arm(const struct io_clock *c, int fd);

/* Whether the deadline has passed. */
int io_clock_expired(const struct io_clock *c);

#endif
