/* cli.h: the command line, as sendmail callers write it.  Pure.
 *
 * The personality comes from argv[0]: "sendmail" and "sendas" send, "mailq"
 * lists the queue, "newaliases" explains there is no aliases database.
 * Sendmail flags are handled by one table, with one "accepted and ignored"
 * entry for the -o.../-h/-m/-n/-U family.  No option names a file to write
 * or read other than -C (sendmail's -X let CVE-2016-10033 write web shells).
 *
 * Options come first: they end at "--" or at the first argument that does
 * not start with '-' (as in Postfix's sendmail).  Every later argument is a
 * recipient, and one that starts with '-' is refused unless "--" came
 * before: "a@b -C/tmp/x" from a careless script must not become an option,
 * nor an address. */
#ifndef SENDAS_CLI_H
#define SENDAS_CLI_H

#include <stddef.h>

#include "error.h"

#define CLI_ENVID_MAX 100         /* -V: RFC 3461 4.4 */
#define CLI_FULL_NAME_MAX 256     /* -F: a person's name; more is a mistake */
#define CLI_PROBE_MAX_DEFAULT 10  /* --probe: senders per run (providers lock
				   * accounts after repeated refusals) */
#define CLI_PROBE_MAX_LIMIT 100   /* --probe-max: the most it may allow */

enum mode {
	MODE_SEND,                /* -bm, the default */
	MODE_QUEUE_LIST,          /* -bp, mailq */
	MODE_QUEUE_FLUSH,         /* -q, --flush */
	MODE_WHICH,               /* --which SENDER */
	MODE_NEWALIASES,
	MODE_HELP,
	MODE_VERSION,
	MODE_SERVERINFO,          /* --serverinfo */
	MODE_PROBE,               /* --probe SENDER... */
	MODE_QUEUE_IDS,           /* --queue-ids */
	MODE_QUEUE_DELETE,        /* --queue-delete ID... */
	MODE_QUEUE_RETRY,         /* --queue-retry ID... */
	MODE_SMTP,                /* -bs, --smtp: SMTP on stdin/stdout */
	MODE_SMTPD,               /* --smtpd: the smarthost for the network */
};

struct options {
	enum mode mode;
	const char *config_file;  /* -C */
	const char *account;      /* -a, --account */
	const char *sender;       /* -f, -r */
	const char *full_name;    /* -F */
	const char *which;        /* --which SENDER */
	const char *body_type;    /* -B 7BIT|8BITMIME, or NULL: checked, not used (the content decides) */
	const char *dsn_notify;   /* -N */
	const char *dsn_ret;      /* -R full|hdrs */
	const char *envid;        /* -V */
	int read_recipients;      /* -t */
	int ignore_dots;          /* -i, -oi */
	int verbose;              /* -v, counted */
	int json;                 /* --json: one JSON object per message on stdout */
	const char *probe_rcpt;   /* --probe-rcpt */
	int probe_data;           /* --probe-data */
	int probe_max;            /* --probe-max; 0: CLI_PROBE_MAX_DEFAULT */
	/* Not an option: the local submission service sets it for mailq and
	 * -q on behalf of a caller (bs.c): only the messages this owner (a
	 * uid, queue.h) handed in.  NULL: all. */
	const char *queue_owner;
	const char *const *rcpts; /* the remaining arguments (point into argv):
				   * recipients, the senders of --probe, or the
				   * IDs of --queue-delete and --queue-retry */
	size_t nrcpts;
};

/* How an option takes its argument. */
enum cli_arg {
	CLI_ARG_NONE,
	CLI_ARG_REQUIRED,         /* attached (-fME, --from=ME) or the next word */
	CLI_ARG_ATTACHED,         /* optional, attached only (-q, -q1h) */
};

enum cli_action {
	CLI_STRING,               /* store the argument at field */
	CLI_FLAG,                 /* set the int at field */
	CLI_COUNT,                /* count the int at field up */
	CLI_MODE,                 /* mode = value */
	CLI_CALL,                 /* call handler */
	CLI_IGNORE,               /* accepted and ignored: sendmail compatibility */
	CLI_UNSUPPORTED,          /* refused with reason */
};

/* The one table of options (cli.c).  Public so that tests can hold --help,
 * the man page and the shell completions against it. */
struct cli_option {
	char letter;              /* sendmail's letter, or 0 */
	const char *name;         /* the long name without "--", or NULL */
	enum cli_arg arg;
	const char *metavar;      /* for --help, when it takes an argument */
	const char *help;         /* N_(); NULL: listed as ignored/unsupported */
	enum cli_action action;
	size_t field;             /* offsetof(struct options, ...) */
	int value;
	/* Checks (or, for CLI_CALL, applies) the argument of the option written
	 * as name; NULL when there is nothing to check. */
	int (*handler)(struct options *o, const char *name, const char *arg,
		       struct error *err);
	const char *reason;       /* CLI_UNSUPPORTED: why, N_() */
};

extern const struct cli_option cli_options[];
extern const size_t cli_noptions;

/* Parse argv into o (zeroed first).  Strings point into argv.  Errors:
 * CAT_USAGE with a sentence that names the option (unknown option, missing
 * argument, a bad -B/-N/-R/-V/-F value, -bs and friends "not supported",
 * options after the recipients, no recipients for the send mode without
 * -t, --probe without senders, recipients for a mode that takes none, a
 * --probe-max outside 1..CLI_PROBE_MAX_LIMIT). */
int cli_parse(int argc, char *const argv[], struct options *o, struct error *err);

/* The --help text (translated), ending in a newline, made from the option
 * table: a new string for the caller to free. */
char *cli_usage(void);

#endif
