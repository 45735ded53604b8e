/* dirs.c: see dirs.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "dirs.h"

int dirs_make(const char *path, mode_t mode)
{
	char p[PATH_MAX];
	size_t len = strlen(path), i;

	if (len >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		p[i] = path[i];
	}
	return 0;
}
