/* flush.c: see flush.h. */
#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include "classify.h"
#include "drain.h"
#include "flush.h"
#include "queue.h"
#include "report.h"
#include "session.h"

int mode_queue_flush(const struct options *o)
{
	struct conf conf = { 0 };
	struct drain_result out = { .code = EX_OK };
	struct error err;
	char **dirs;
	size_t n, i;

	error_clear(&err);
	if (session_load_accounts(o->config_file, &conf, &err) < 0) {
		report_failure(stderr, &err, NULL, &(struct report_context){ .account = NULL });
		conf_release(&conf);
		return category_exit_code(err.category);
	}
	dirs = queue_all_dirs(&conf, &n);
	for (i = 0; i < n; i++)
		drain_dir(dirs[i], &conf, o->verbose, o->verbose ? report_trace : NULL, &out);
	queue_free_dirs(dirs, n);
	conf_release(&conf);
	return out.code;
}

