/* options.h: what one run of sendas was asked to do.
 *
 * cli_parse() (cli.h) fills struct options from argv; each mode reads it.
 * It lives in the mode layer so that the modes need nothing from the
 * command line's layer above them.  Strings point into argv. */
#ifndef SENDAS_OPTIONS_H
#define SENDAS_OPTIONS_H

#include <stddef.h>

#include "msmtprc.h"

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
	MODE_CHECK,               /* --check [ACCOUNT...] */
	MODE_CONFIGURE,           /* --configure ADDRESS */
	MODE_CHECK_CONFIG,        /* --check-config */
	MODE_IMPORT_MSMTPRC,      /* --import-msmtprc [FILE] */
	MODE_PRETEND,             /* -P, --pretend */
	MODE_SMTP,                /* -bs, --smtp: SMTP on stdin/stdout */
	MODE_SMTPD,               /* --smtpd: the smarthost for the network */
};

struct options {
	enum mode mode;
	const char *prog;         /* for messages: "msmtp" under that name, else "sendas" */
	int msmtp;                /* called as msmtp */
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
	int due_only;             /* --due: -q sends only what is due (timers) */
	const char *probe_rcpt;   /* --probe-rcpt */
	int probe_data;           /* --probe-data */
	int probe_max;            /* --probe-max; 0: CLI_PROBE_MAX_DEFAULT */
	int write;                /* --write (with --import-msmtprc) */
	int read_envelope_from;   /* --read-envelope-from: the From: field is the
				   * sender, even with -f */
	const char *logfile;      /* -X, --logfile (msmtp personality only); "" unsets */
	struct msmtp_settings cmdline; /* --host, --port, --tls...: msmtp's
					 * configuration-free send */
	int append;               /* --append: --configure writes the section */
	/* Not an option: the local submission service sets it for mailq and
	 * -q on behalf of a caller (bs.c): only the messages this owner (a
	 * uid, queue.h) handed in.  NULL: all. */
	const char *queue_owner;
	const char *const *rcpts; /* the remaining arguments (point into argv):
				   * recipients, the senders of --probe, the
				   * IDs of --queue-delete and --queue-retry, or
				   * the accounts of --check, the address of
				   * --configure */
	size_t nrcpts;
};

#endif
