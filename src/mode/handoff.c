/* handoff.c: see handoff.h. */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "classify.h"
#include "conn.h"
#include "conf.h"
#include "escape.h"
#include "handoff.h"
#include "i18n.h"
#include "keep.h"
#include "message.h"
#include "queue.h"
#include "report.h"
#include "xalloc.h"

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
	const char *id = queue_id && *queue_id ? queue_id : NULL;
	int r = buf_printf(text, "\n%s%s%s%s", HANDOFF_MARK, category_name(cat),
			   id ? " queued " : "", id ? id : "");

	if (r < 0) {
		/* No room: the mark, which the client reads, matters more than
		 * the words before it; alone it always fits. */
		buf_reset(text);
		r = buf_printf(text, "%s%s%s%s", HANDOFF_MARK, category_name(cat),
			       id ? " queued " : "", id ? id : "");
	}
	(void)r;
}

int handoff_read_mark(const struct reply *r, enum category *cat, char *queue_id)
{
	const char *line, *name;
	size_t len, n, mark = strlen(HANDOFF_MARK);
	int c;

	line = reply_text_line(r, r->nlines - 1, &len);
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

int handoff_wanted(const char *config_file)
{
	const char *env = getenv("SENDAS_CONFIG");
	struct error err;
	char *path;
	int unreadable;

	if (config_file || (env && *env) || !handoff_available())
		return 0;
	error_clear(&err);
	path = conf_locate(NULL, &err);
	unreadable = !path || access(path, R_OK) != 0;
	free(path);
	return unreadable;
}

/* The service's explanation: its "sendas: " line, else every line but
 * the mark, joined. */
static void service_text(const struct reply *r, struct error *err)
{
	char shown[ERROR_TEXT_MAX];
	const char *line;
	size_t len, mark = strlen(HANDOFF_MARK);
	struct buf text;
	int i;

	buf_init(&text, ERROR_TEXT_MAX - 1);
	for (i = 0; i < r->nlines; i++) {
		line = reply_text_line(r, i, &len);
		if (len > 8 && !strncmp(line, "sendas: ", 8)) {
			buf_reset(&text);
			buf_add_trunc(&text, line + 8, len - 8);
			break;
		}
		if (len < mark || strncmp(line, HANDOFF_MARK, mark) != 0)
			buf_printf_trunc(&text, "%s%.*s", text.len ? " " : "", (int)len, line);
	}
	/* The provider's words, relayed by the service: escaped as every
	 * server text is before it reaches a terminal or a log (escape.h). */
	escape_into(shown, sizeof shown, buf_str(&text), text.len);
	error_set_text(err, err->category, shown);
	buf_release(&text);
}

int handoff_submit(const struct handoff_message *m, smtp_trace_fn *trace, void *trace_ctx,
		   struct smtp_result *res, struct error *err)
{
	struct smtp_params sp = { .host = handoff_socket_path(), .port = "",
				  .tls_mode = SMTP_TLS_OFF, .helo_name = "localhost",
				  .timeout = HANDOFF_TIMEOUT, .trace = trace,
				  .trace_ctx = trace_ctx };
	struct envelope env = { .sender = m->sender, .rcpts = m->rcpts, .nrcpts = m->nrcpts,
				.body_8bit = m->body_8bit, .smtputf8 = m->smtputf8,
				.dsn_notify = m->dsn_notify, .dsn_ret = m->dsn_ret,
				.envid = m->envid };
	struct smtp_content content = { .prefix = m->prefix, .prefix_len = m->prefix_len,
					.fd = m->fd, .size = m->size };
	struct smtp_session *s;
	char id[QUEUE_ID_LEN + 1];
	enum category cat;
	int r;

	s = smtp_open(&sp, res, err);
	if (!s)
		return -1;
	smtp_last_message(s);
	r = smtp_send(s, &env, &content, res, err);
	smtp_close(s);
	if (r < 0 && res->reply.code >= 400 && handoff_read_mark(&res->reply, &cat, id)) {
		err->category = cat;
		service_text(&res->reply, err);
	}
	return r;
}

/* Everything the command line's handoff holds. */
struct handoff_job {
	const struct options *o;
	struct message msg;
	struct address_list rcpts;
	char *sender;
	int sender_utf8;
	struct buf content;       /* the header as read and the empty line */
	struct smtp_result res;
	struct report_observer obs;
	struct report_context rc;
	struct error err;
};

/* -f, else From:, else $EMAIL, else the login name. */
static char *handoff_sender(struct handoff_job *j)
{
	const char *env = getenv("EMAIL");
	struct passwd *pw;
	char *from;

	if (j->o->sender)
		return address_mailbox(j->o->sender, &j->sender_utf8, &j->err);
	from = message_from_address(&j->msg);
	if (from)
		return from;
	if (env && *env)
		return address_mailbox(env, &j->sender_utf8, &j->err);
	pw = getpwuid(getuid());
	if (pw)
		return xstrdup(pw->pw_name);
	error_set(&j->err, CAT_USAGE,
		  N_("no envelope sender: give -f ADDRESS, a From: header, or set $EMAIL"));
	return NULL;
}

static int handoff_prepare(struct handoff_job *j)
{
	struct message_options mo = { .ignore_dots = j->o->ignore_dots };

	if (message_read(STDIN_FILENO, &mo, &j->msg, &j->err) < 0 ||
	    message_envelope_rcpts(&j->msg, j->o->rcpts, j->o->nrcpts, j->o->read_recipients,
				   &j->rcpts, &j->err) < 0)
		return -1;
	j->sender = handoff_sender(j);
	if (!j->sender)
		return -1;
	if ((buf_add(&j->content, j->msg.header.data, j->msg.header.len) |
	     buf_add(&j->content, "\r\n", 2)) < 0)
		return error_set(&j->err, CAT_INPUT, N_("the header is longer than %zu bytes"),
				 j->content.max);
	j->rc.sender = j->sender;
	j->rc.rcpts = (const char *const *)j->rcpts.addrs;
	j->rc.nrcpts = j->rcpts.n;
	j->rc.host = handoff_socket_path();
	j->rc.size = (long long)(j->content.len + (size_t)j->msg.size);
	return 0;
}

static int handoff_run(struct handoff_job *j)
{
	struct handoff_message m = {
		.sender = j->sender, .rcpts = j->rc.rcpts, .nrcpts = j->rc.nrcpts,
		.body_8bit = j->msg.has_8bit, .smtputf8 = j->rcpts.smtputf8 || j->sender_utf8,
		.dsn_notify = j->o->dsn_notify, .dsn_ret = j->o->dsn_ret, .envid = j->o->envid,
		.prefix = j->content.data, .prefix_len = j->content.len, .fd = j->msg.fd,
		.size = (off_t)j->content.len + j->msg.size,
	};

	return handoff_submit(&m, report_observe, &j->obs, &j->res, &j->err);
}

/* A 250 that says "queued": the direct send's lines and exit code, 0 (the
 * mark's category "none") or, with queued_exit = 75, the failure's. */
static int queued_by_service(struct handoff_job *j)
{
	struct kept_message kept = { .how = KEPT_QUEUED, .temporary = 1 };
	enum category cat;

	if (!handoff_read_mark(&j->res.reply, &cat, kept.id) || !kept.id[0])
		return 0;
	j->err.category = cat;
	service_text(&j->res.reply, &j->err);
	j->rc.queued = 1;
	if (cat == CAT_NONE) {
		fprintf(stderr, _("sendas: queued as %s, not sent yet: %s (sendas -q sends it "
				  "now)\n"), kept.id, j->err.text);
		return 0;
	}
	report_failure(stderr, &j->err, NULL, &j->rc);
	keep_report(&kept);
	return category_exit_code(cat);
}

int handoff_mode_send(const struct options *o)
{
	struct handoff_job j = { .o = o };
	int code;

	error_clear(&j.err);
	message_init(&j.msg);
	address_list_init(&j.rcpts);
	buf_init(&j.content, MESSAGE_HEADER_MAX + 2);
	smtp_result_init(&j.res);
	report_observer_init(&j.obs, o->verbose ? stderr : NULL);
	if (handoff_prepare(&j) < 0 || handoff_run(&j) < 0) {
		report_failure(stderr, &j.err, NULL, &j.rc);
		code = category_exit_code(j.err.category);
	} else {
		code = queued_by_service(&j);
	}
	report_observer_release(&j.obs);
	smtp_result_release(&j.res);
	buf_release(&j.content);
	free(j.sender);
	address_list_release(&j.rcpts);
	message_release(&j.msg);
	return code;
}

/* Read one whole reply. */
static int read_reply(struct conn *c, struct reply *r, struct error *err)
{
	struct buf line;
	enum reply_feed f = REPLY_MORE;

	buf_init(&line, CONN_IN_SIZE);
	reply_reset(r);
	while (f == REPLY_MORE && conn_read_line(c, &line, CONN_IN_SIZE, err) == 0)
		f = reply_feed(r, line.data ? line.data : "", line.len);
	buf_release(&line);
	if (f == REPLY_BAD)
		return error_set(err, CAT_PROTOCOL, N_("the local submission service sent no "
						      "valid reply"));
	return f == REPLY_DONE ? 0 : -1;
}

/* Send one command and read its reply, wanting class 2 (or 3 for none). */
static int command(struct conn *c, const char *cmd, struct reply *r, struct error *err)
{
	if (cmd && (conn_queue(c, cmd, strlen(cmd), err) < 0 ||
		    conn_queue(c, "\r\n", 2, err) < 0 || conn_flush(c, err) < 0))
		return -1;
	if (read_reply(c, r, err) < 0)
		return -1;
	if (reply_class(r) != 2)
		return error_set(err, CAT_UNAVAILABLE, N_("the local submission service refused "
							 "%s: %s"), cmd ? cmd : "us",
				 buf_str(&r->text));
	return 0;
}

/* Send verb and copy its 250 reply to stdout, a line a line without the
 * "250-2.0.0 " in front (a long queue is more than struct reply holds),
 * up to the exit mark; the exit code, or -1 and err. */
static int stream_output(struct conn *c, const char *verb, struct error *err)
{
	static const char prefix[] = "250-2.0.0 ";
	size_t skip = strlen(prefix), mark = strlen(HANDOFF_EXIT_MARK);
	struct buf line;
	int code = -1;

	buf_init(&line, CONN_IN_SIZE);
	if (conn_queue(c, verb, strlen(verb), err) < 0 || conn_queue(c, "\r\n", 2, err) < 0 ||
	    conn_flush(c, err) < 0)
		goto out;
	while (conn_read_line(c, &line, CONN_IN_SIZE, err) == 0) {
		const char *text = buf_str(&line);

		if (line.len < skip || strncmp(text, "250", 3) != 0) {
			error_set(err, CAT_UNAVAILABLE, N_("the local submission service refused "
							  "%s: %s"), verb, text);
			break;
		}
		text += skip;
		if (line.data[3] == ' ' && !strncmp(text, HANDOFF_EXIT_MARK, mark)) {
			code = (int)strtol(text + mark, NULL, 10);
			break;
		}
		printf("%s\n", text);
	}
out:
	buf_release(&line);
	return code;
}

int handoff_queue(const struct options *o)
{
	const char *verb = o->mode == MODE_QUEUE_FLUSH ? HANDOFF_VERB_FLUSH
			   : o->mode == MODE_QUEUE_IDS ? HANDOFF_VERB_IDS : HANDOFF_VERB_LIST;
	struct conn_params cp = { .host = handoff_socket_path(), .port = "",
				  .timeout = HANDOFF_TIMEOUT };
	struct error err;
	struct reply r;
	struct conn *c;
	int code = -1;

	error_clear(&err);
	reply_init(&r);
	c = conn_open(&cp, &err);
	if (c && command(c, NULL, &r, &err) == 0 && command(c, "EHLO localhost", &r, &err) == 0)
		code = stream_output(c, verb, &err);
	if (c && code >= 0)
		command(c, "QUIT", &r, &err);
	conn_close(c);
	reply_release(&r);
	if (code < 0) {
		fprintf(stderr, "sendas: %s\n", err.text);
		return category_exit_code(err.category ? err.category : CAT_CONNECT);
	}
	return fflush(stdout) != 0 || ferror(stdout) ? category_exit_code(CAT_IO) : code;
}
