/* classify.h: what a failure means, and the exit code it gets.  Pure.
 *
 * One table (classify.c) turns the stage and the server's reply (code,
 * enhanced code when its class matches the code, known provider texts) into
 * a category; another turns the category into a sysexits(3) exit code. */
#ifndef SENDAS_CLASSIFY_H
#define SENDAS_CLASSIFY_H

#include "error.h"
#include "reply.h"
#include "smtp.h"

enum category classify_reply(enum smtp_state stage, const struct reply *r);

/* The documented exit code of a category (0 for CAT_NONE). */
int category_exit_code(enum category cat);

#endif
