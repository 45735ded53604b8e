/* handoff.c: see handoff.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "handoff.h"
#include "queue.h"

#ifndef SENDAS_SOCKET_PATH
#define SENDAS_SOCKET_PATH "/run/sendas/submit"
#endif

const char *handoff_socket_path(void)
{
	const char *env = secure_getenv("SENDAS_SOCKET");

	return env && *env ? env : SENDAS_SOCKET_PATH;
}

int handoff_available(void)
{
	struct stat st;

	return stat(handoff_socket_path(), &st) == 0 && S_ISSOCK(st.st_mode);
}

void handoff_mark(struct buf *text, enum category cat, const char *queue_id)
{
	buf_printf(text, "\n%s%s", HANDOFF_MARK, category_name(cat));
	if (queue_id && *queue_id)
		buf_printf(text, " queued %s", queue_id);
}

int handoff_read_mark(const struct reply *r, enum category *cat, char *queue_id)
{
	const char *line, *name;
	size_t len, n, mark = strlen(HANDOFF_MARK);
	int c;

	line = reply_line(r, r->nlines - 1, &len);
	if (len <= mark || strncmp(line, HANDOFF_MARK, mark) != 0)
		return 0;
	name = line + mark;
	n = strcspn(name, " \n");
	queue_id[0] = '\0';
	for (c = 0; c < CAT_COUNT; c++) {
		if (strlen(category_name((enum category)c)) != n ||
		    strncmp(category_name((enum category)c), name, n) != 0)
			continue;
		*cat = (enum category)c;
		if (!strncmp(name + n, " queued ", 8))
			snprintf(queue_id, QUEUE_ID_LEN + 1, "%.*s",
				 (int)strcspn(name + n + 8, " \n"), name + n + 8);
		return 1;
	}
	return 0;
}
