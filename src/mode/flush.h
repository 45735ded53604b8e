/* flush.h: the flush mode, sendas -q (--flush): every queue directory
 * (queue_all_dirs()) drained by drain.h, which says how each message ends:
 * every message now, due or not (as postqueue -f), or with --due (the timer
 * units) only the due ones.  At the end one summary line on stdout (sent,
 * still queued with the next try, moved to failed/).  Exit code: a local
 * error (the account file 78, the queue 74); else 75 while something
 * remains queued; else 0 (a message moved to failed/ is settled and said). */
#ifndef SENDAS_FLUSH_H
#define SENDAS_FLUSH_H

#include "options.h"

int mode_queue_flush(const struct options *o);

#endif
