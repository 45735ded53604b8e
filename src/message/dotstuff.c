/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dotstuff.c: see dotstuff.h. */
#include "config.h"

#include <string.h>

#include "dotstuff.h"

size_t dotstuff(const char *in, size_t n, int *bol, char *out)
{
	const char *end = in + n, *hit;
	char *o = out;
	size_t span;

	if (n == 0)
		return 0;
	if (*bol && *in == '.')
		*o++ = '.';
	/* Dots that start a line are rare: copy the long spans between them
	 * whole rather than line by line (glibc's memmem is fast for a
	 * two-byte needle). */
	while (in < end) {
		hit = memmem(in, (size_t)(end - in), "\n.", 2);
		span = hit ? (size_t)(hit - in) + 1 : (size_t)(end - in);
		memcpy(o, in, span);
		o += span;
		in += span;
		if (hit)
			*o++ = '.';     /* the line's own dot is copied next */
	}
	*bol = end[-1] == '\n';
	return (size_t)(o - out);
}
