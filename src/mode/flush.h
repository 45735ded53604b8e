/* flush.h: the flush mode, sendas -q (--flush): every queue directory
 * (queue_all_dirs()) drained by drain.h, which says how each message ends.
 * Exit code: 0 when every due message was sent (or none was due); a local
 * error (the account file 78, the queue 74) before the code of a failed
 * message, before 75 for one deferred. */
#ifndef SENDAS_FLUSH_H
#define SENDAS_FLUSH_H

#include "options.h"

int mode_queue_flush(const struct options *o);

#endif
