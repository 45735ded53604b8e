/* dotstuff.c: see dotstuff.h. */
#include "config.h"

#include <string.h>

#include "dotstuff.h"

size_t dotstuff(const char *in, size_t n, int *bol, char *out)
{
	const char *end = in + n, *lf;
	char *o = out;
	size_t span;

	while (in < end) {
		if (*bol && *in == '.')
			*o++ = '.';
		lf = memchr(in, '\n', (size_t)(end - in));
		span = lf ? (size_t)(lf - in) + 1 : (size_t)(end - in);
		memcpy(o, in, span);
		o += span;
		in += span;
		*bol = lf != NULL;
	}
	return (size_t)(o - out);
}
