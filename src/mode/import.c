/* import.c: see import.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "classify.h"
#include "conf.h"
#include "i18n.h"
#include "import.h"
#include "msmtprc.h"
#include "xalloc.h"

/* The warnings' context: the name to put in front. */
struct warn_to {
	const char *prog;
};

static void warn_stderr(void *ctx, const char *text)
{
	const struct warn_to *w = ctx;

	fprintf(stderr, _("%s: warning: %s\n"), w->prog, text);
}

static int fail(const char *prog, const struct error *err, int code)
{
	fprintf(stderr, "%s: %s\n", prog, err->text);
	return code;
}

/* The argument, or msmtp's first place that exists. */
static char *msmtprc_path(const struct options *o, struct error *err)
{
	char *places[3], *home, *found = NULL;
	struct error ignored;
	struct stat st;
	size_t i, n;

	if (o->nrcpts)
		return xstrdup(o->rcpts[0]);
	home = conf_expand_path("~", &ignored);
	n = msmtprc_places(home && strcmp(home, "~") ? home : NULL, getenv("XDG_CONFIG_HOME"),
			   places);
	free(home);
	for (i = 0; i < n; i++) {
		if (!found && stat(places[i], &st) == 0)
			found = places[i];
		else
			free(places[i]);
	}
	if (!found)
		error_set(err, CAT_CONFIG, N_("no msmtp configuration found (looked for ~/.msmtprc, "
					     "$XDG_CONFIG_HOME/msmtp/config, /etc/msmtprc); "
					     "name the file: sendas --import-msmtprc FILE"));
	return found;
}

/* The whole file, at most CONF_FILE_MAX bytes, in b. */
static int read_file(const char *path, struct buf *b, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return error_set(err, CAT_IO, N_("%s: cannot open: %s"), path, error_errno(errno, eno));
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		if (buf_add(b, chunk, (size_t)n) < 0)
			break;
	close(fd);
	if (n < 0)
		return error_set(err, CAT_IO, N_("%s: cannot read: %s"), path, error_errno(errno, eno));
	if (n > 0)
		return error_set(err, CAT_CONFIG, N_("%s: is larger than %d bytes; is it the right "
						    "file?"), path, CONF_FILE_MAX);
	return 0;
}

/* Make the directories above path (mode 0700), as mkdir -p would. */
static void make_parents(const char *path)
{
	char *dir = xstrdup(path), *s;

	for (s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(dir, 0700);
		*s = '/';
	}
	free(dir);
}

/* Create path (never replacing a file) with mode 0600 and write b. */
static int write_new(const char *path, const struct buf *b, struct error *err)
{
	char eno[ERROR_WORD_MAX];
	char word[ERROR_WORD_MAX];
	int fd, saved;
	ssize_t n;

	make_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(err, CAT_CONFIG, errno == EEXIST
				 ? N_("%s exists; sendas does not overwrite it: move it away or "
				     "give another file with -C FILE")
				 : N_("cannot create %s: %s"), path, error_errno(errno, eno));
	n = write(fd, b->data, b->len);
	saved = errno;
	if (close(fd) < 0 && n == (ssize_t)b->len)
		n = -1, saved = errno;
	if (n != (ssize_t)b->len) {
		unlink(path);
		return error_set(err, CAT_IO, N_("cannot write %s: %s"), path,
				 n < 0 ? error_errno(saved, eno) : error_word(N_("short write"), word));
	}
	return 0;
}

/* -C FILE, else the user's account file. */
static char *target_path(const struct options *o)
{
	return o->config_file ? xstrdup(o->config_file) : conf_user_path();
}

/* Write, then load it as sendas will. */
static int write_and_check(const struct options *o, const struct buf *out)
{
	char *path = target_path(o);
	struct warn_to w = { o->prog };
	struct conf c;
	struct error err;
	int code = EX_OK;

	error_clear(&err);
	if (!path) {
		error_set(&err, CAT_CONFIG, N_("no home directory: give the file with -C FILE"));
		return fail(o->prog, &err, EX_CONFIG);
	}
	if (write_new(path, out, &err) < 0)
		code = fail(o->prog, &err, err.category == CAT_IO ? EX_IOERR : EX_CANTCREAT);
	else if (conf_load(&c, path, warn_stderr, &w, &err) < 0)
		code = fail(o->prog, &err, EX_CONFIG);
	else {
		fprintf(stderr, _("%s: wrote %s (%zu accounts)\n"), o->prog, path, c.naccounts);
		conf_release(&c);
	}
	free(path);
	return code;
}

int mode_import_msmtprc(const struct options *o)
{
	struct warn_to w = { o->prog };
	struct buf in, out;
	struct error err;
	char *path;
	int code = EX_OK;

	error_clear(&err);
	if (!(path = msmtprc_path(o, &err)))
		return fail(o->prog, &err, EX_CONFIG);
	buf_init_secret(&in, CONF_FILE_MAX);       /* passwords, perhaps */
	buf_init_secret(&out, MSMTPRC_OUT_MAX);
	if (read_file(path, &in, &err) < 0 ||
	    msmtprc_convert(buf_str(&in), in.len, path, &out, warn_stderr, &w, &err) < 0)
		code = fail(o->prog, &err, category_exit_code(err.category));
	else if (o->write)
		code = write_and_check(o, &out);
	else if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0)
		code = EX_IOERR;
	buf_release(&in);
	buf_release(&out);
	free(path);
	return code;
}
