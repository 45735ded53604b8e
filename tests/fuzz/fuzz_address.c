/* fuzz_address.c: the address and header parsers.  The input is read as a
 * message (message_read(), as from sendmail's stdin) whose From, To, Cc and
 * Bcc fields are then parsed (message_from(), message_recipients()), and as
 * an address list and a mailbox on its own (address.c). */
#include "config.h"

#define _GNU_SOURCE 1
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "address.h"
#include "message.h"

static void addresses(const uint8_t *data, size_t size)
{
	struct address_list l;
	struct error err;
	char *text = malloc(size + 1), *a;
	int utf8;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	address_list_init(&l);
	address_list_parse_mem(&l, (const char *)data, size, &err);
	address_list_release(&l);
	free(address_mailbox(text, &utf8, &err));
	if ((a = address_first(text, &err)))
		address_domain(a);
	free(a);
	free(text);
}

static void message(const uint8_t *data, size_t size)
{
	struct message_options o = { .ignore_dots = size & 1 };
	struct address_list l;
	struct message m;
	struct error err;
	char *from = NULL, *v;
	int fd = memfd_create("fuzz-message", MFD_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return;
	}
	message_init(&m);
	if (message_read(fd, &o, &m, &err) == 0) {
		message_from(&m, &from, &err);
		free(from);
		free(message_from_address(&m));
		free(message_header(&m, "Subject"));
		v = message_header(&m, "Message-ID");
		free(v);
		address_list_init(&l);
		message_recipients(&m, &l, &err);
		address_list_release(&l);
	}
	message_release(&m);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	addresses(data, size);
	message(data, size);
	return 0;
}
