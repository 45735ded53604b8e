/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mailq.h: showing and managing the queue (queue.h), no network.
 *
 * mode_queue_list (mailq, -bp, --list-queue): every queue directory
 * (queue_all_dirs()), on stdout, one block per message, oldest first: ID,
 * size, age, account, sender, recipients, attempts and next try (or, for
 * failed/, when it failed), the last error or the reason; queued messages
 * first, then failed ones.  "The queue is empty." when there is nothing.
 *
 * mode_queue_delete (--queue-delete ID...): remove each message, queued or
 * failed.  mode_queue_retry (--queue-retry ID...): make each due at once; a
 * failed one goes back into the queue.  Either way the next sendas -q sends
 * it.  A message being sent right now cannot be changed.
 *
 * The account file is read only for the queue_dir of its accounts; without
 * one, the default place alone is looked at.  Exit codes: 0; 64 for a
 * malformed ID; 65 when an ID is in no queue (or busy); 74 for a queue
 * that cannot be read or changed. */
#ifndef SENDAS_MAILQ_H
#define SENDAS_MAILQ_H

#include "options.h"

int mode_queue_list(const struct options *o);
int mode_queue_delete(const struct options *o);
int mode_queue_retry(const struct options *o);

#endif
