/* trusted.c: see trusted.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "trusted.h"

static int open_error(const char *path, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	struct stat st;
	int e = errno;

	if (e == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return error_set(err, CAT_CONFIG, N_("%s: is a symbolic link, which sendas does not "
						    "follow for files that hold or steer secrets; give "
						    "the path of the file itself"), path);
	return error_set(err, CAT_CONFIG, N_("%s: cannot open: %s"), path, error_errno(e, eno));
}

static int owner_allowed(const struct stat *st, enum file_trust trust)
{
	return st->st_uid == geteuid() || (trust != FILE_USER && st->st_uid == 0);
}

static int check_file(const char *path, const struct stat *st, enum file_trust trust,
		      struct error *err)
{
	unsigned mode = (unsigned)st->st_mode & 07777;

	if (!S_ISREG(st->st_mode))
		return error_set(err, CAT_CONFIG, N_("%s: is not a regular file; give the path of "
						    "one"), path);
	if (!owner_allowed(st, trust))
		return error_set(err, CAT_CONFIG, N_("%s: is owned by uid %lu, not by uid %lu who runs "
						    "sendas; only a file's owner may say where mail "
						    "and passwords go: use a file of your own"),
				 path, (unsigned long)st->st_uid, (unsigned long)geteuid());
	if (mode & 022)
		return error_set(err, CAT_CONFIG, N_("%s: others can change it (mode %04o); run: "
						    "chmod go-w %s"), path, mode, path);
	return 0;
}

int trusted_open(const char *path, enum file_trust trust, struct stat *st,
		     struct error *err)
{
	char eno[ERROR_WORD_MAX];
	/* O_NONBLOCK: a FIFO must not hang the open; fstat then refuses it. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return open_error(path, err);
	if (fstat(fd, st) < 0) {
		error_set(err, CAT_CONFIG, N_("%s: cannot check: %s"), path, error_errno(errno, eno));
		close(fd);
		return -1;
	}
	if (check_file(path, st, trust, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int trusted_readable_by_others(const struct stat *st, enum file_trust trust)
{
	return (st->st_mode & (trust == FILE_CREDENTIAL ? 004 : 044)) != 0;
}
