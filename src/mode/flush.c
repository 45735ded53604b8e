/* flush.c: see flush.h. */
#include "config.h"

#include <stdio.h>
#include <sysexits.h>
#include <time.h>

#include "classify.h"
#include "drain.h"
#include "flush.h"
#include "handoff.h"
#include "i18n.h"
#include "queue.h"
#include "report.h"
#include "session.h"

/* One line, as postqueue -f users expect to see what happened; the exit
 * code: a local error first, else 75 while something remains queued,
 * else 0 (a message moved to failed/ is settled, and said). */
static int summary(const struct drain_result *out)
{
	char in[32] = "";

	if (out->next_try)
		queue_duration(in, sizeof in, (long)(out->next_try - time(NULL)));
	if (out->deferred)
		printf(_("sendas: %u sent, %u still queued (next try in %s), %u moved to failed/\n"),
		       out->sent, out->deferred, in, out->failed);
	else
		printf(_("sendas: %u sent, none still queued, %u moved to failed/\n"), out->sent,
		       out->failed);
	if (out->code == EX_IOERR || out->code == EX_CONFIG)
		return out->code;
	return out->deferred ? EX_TEMPFAIL : EX_OK;
}

int mode_queue_flush(const struct options *o)
{
	struct conf conf = { 0 };
	struct drain_result out = { .code = EX_OK };
	struct error err;
	char **dirs;
	size_t n, i;

	if (!o->queue_owner && handoff_wanted(o->config_file))
		return handoff_queue(o);
	error_clear(&err);
	if (session_load_accounts(o->config_file, &conf, &err) < 0) {
		report_failure(stderr, &err, NULL, &(struct report_context){ .account = NULL });
		conf_release(&conf);
		return category_exit_code(err.category);
	}
	dirs = queue_all_dirs(&conf, &n);
	for (i = 0; i < n; i++)
		drain_dir(dirs[i], &conf, !o->due_only, o->queue_owner, o->verbose,
			  o->verbose ? report_trace : NULL, &out);
	queue_free_dirs(dirs, n);
	conf_release(&conf);
	return summary(&out);
}

