/* fuzz_reply.c: the SMTP reply parser and everything that reads a reply:
 * reply.c (lines, the enhanced code, the search), redact.c, escape.c and
 * classify.c.  The input is what a server sends: lines split at LF (a CR
 * before it dropped, as conn.c does), fed until a reply is complete, then
 * the next one. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify.h"
#include "escape.h"
#include "redact.h"
#include "reply.h"

static void use_reply(const struct reply *r, const struct redact_list *secrets)
{
	struct buf out, line;
	const char *p;
	size_t len;
	char shown[256], code[16];
	int i;

	buf_init(&out, REPLY_TEXT_MAX * 4 + 16);
	buf_init(&line, REPLY_LINE_MAX + 2);
	for (i = -1; i <= r->nlines; i++) {
		p = reply_line(r, i, &len);
		escape_add(&out, p, len);
		p = reply_raw_line(r, i, &len);
		escape_into(shown, sizeof shown, p, len);
		enhanced_code_parse(p, len, reply_class(r), code);
		buf_reset(&line);
		if (buf_add(&line, p, len) < 0)
			continue;
		redact_line(secrets, &line);
	}
	reply_contains(r, "too many recipients");
	reply_contains(r, "");
	for (i = 0; i < SMTP_STATE_COUNT; i++) {
		enum category c = classify_reply((enum smtp_state)i, r);

		classify_hint(&(struct hint_query){ .cat = c, .stage = (enum smtp_state)i,
				    .reply = r, .auth_mech = i & 1 ? "XOAUTH2" : NULL,
				    .host = i & 2 ? "smtp.gmx.net" : NULL,
				    .greeting = i & 4 ? "mail.example.org" : NULL });
		category_exit_code(c);
	}
	buf_release(&out);
	buf_release(&line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct redact_list secrets;
	struct reply r, copy;
	size_t len;
	enum reply_feed f;

	redact_init(&secrets);
	redact_add(&secrets, "AGFsaWNlAHMzY3JldA==", 20);
	redact_add_secret(&secrets, "s3cret pass", 11);
	reply_init(&r);
	reply_init(&copy);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		f = reply_feed(&r, p, len && p[len - 1] == '\r' ? len - 1 : len);
		if (f != REPLY_MORE) {
			reply_copy(&copy, &r);
			use_reply(&copy, &secrets);
			reply_reset(&r);
		}
		p += len + (nl != NULL);
	}
	use_reply(&r, &secrets);
	reply_release(&r);
	reply_release(&copy);
	redact_release(&secrets);
	return 0;
}
