/* test_smtpd_conf.c: the smarthost's settings: client networks (CIDR
 * parsing and matching, IPv4-mapped clients), smtpd.ini (defaults, the
 * key tables, every kind of error naming its line), account lists, and the
 * users file against libcrypt's own hashes (yescrypt, sha512crypt). */
#include "config.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cidr.h"
#include "error.h"
#include "smtpd_conf.h"
#include "tap.h"

static char dir[] = "/tmp/test_smtpd_conf.XXXXXX";

static struct sockaddr_storage v4(const char *a)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;

	s->sin_family = AF_INET;
	inet_pton(AF_INET, a, &s->sin_addr);
	return ss;
}

static struct sockaddr_storage v6(const char *a)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

	s->sin6_family = AF_INET6;
	inet_pton(AF_INET6, a, &s->sin6_addr);
	return ss;
}

static int match(const char *net, struct sockaddr_storage ss)
{
	struct cidr c;

	return cidr_parse(net, &c) == 0 && cidr_match(&c, (struct sockaddr *)&ss);
}

static void test_cidr(void)
{
	static const char *const bad[] = { "", "/8", "10.0.0.0/33", "10.0.0.1/8", "::1/129",
					   "10.0.0.0/x", "10.0.0.0/", "host.example", "10.0.0.0/-1",
					   "10.0.0.0/8/8" };
	struct cidr c;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(cidr_parse(bad[i], &c) < 0, "'%s' is not a network", bad[i]);
	ok(match("192.168.1.0/24", v4("192.168.1.77")), "a /24 holds its addresses");
	ok(!match("192.168.1.0/24", v4("192.168.2.1")), "... and not the next one");
	ok(match("10.0.0.0/9", v4("10.127.255.255")) && !match("10.0.0.0/9", v4("10.128.0.0")),
	   "a prefix that is not a multiple of 8");
	ok(match("127.0.0.1", v4("127.0.0.1")) && !match("127.0.0.1", v4("127.0.0.2")),
	   "an address alone is a /32");
	ok(match("0.0.0.0/0", v4("203.0.113.9")), "0.0.0.0/0 holds every IPv4 address");
	ok(match("::1/128", v6("::1")) && !match("::1/128", v6("::2")), "::1/128");
	ok(match("2001:db8::/32", v6("2001:db8:ffff::1")), "an IPv6 /32");
	ok(match("192.168.1.0/24", v6("::ffff:192.168.1.5")),
	   "an IPv4-mapped client matches the IPv4 network");
	ok(!match("::/0", v4("192.168.1.5")), "an IPv4 client is not in an IPv6 network");
	ok(!match("192.168.1.0/24", v6("2001:db8::1")), "nor an IPv6 client in an IPv4 one");
}

static void test_peer_text(void)
{
	struct sockaddr_storage ss = v6("::ffff:127.0.0.3");
	char text[64], addr[48];

	((struct sockaddr_in6 *)&ss)->sin6_port = htons(2525);
	cidr_peer_text((struct sockaddr *)&ss, text, sizeof text, addr, sizeof addr);
	is_str(text, "[127.0.0.3]:2525", "an IPv4-mapped client is shown as IPv4");
	is_str(addr, "127.0.0.3", "... its address alone");
}

static char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static int load(const char *text, struct smtpd_conf *c, struct error *err)
{
	error_clear(err);
	return smtpd_conf_load(c, write_file("smtpd.ini", text, 0600), err);
}

static void test_defaults(void)
{
	struct smtpd_conf c;
	struct error err;
	struct sockaddr_storage a = v4("127.0.0.9"), b = v4("192.168.1.1"), l6 = v6("::1");

	error_clear(&err);
	ok(smtpd_conf_load(&c, NULL, &err) == 0, "no file: the defaults");
	ok(c.nlisten == 1 && !strcmp(c.listen[0], "127.0.0.1:25"), "listen 127.0.0.1:25");
	ok(c.max_connections == 100 && c.max_connections_per_client == 10 &&
	   c.max_recipients == 100 && c.max_message_size == 50L << 20 &&
	   c.idle_timeout == 300 && c.max_auth_failures == 5, "the default limits");
	ok(smtpd_conf_network(&c, (struct sockaddr *)&a) &&
	   smtpd_conf_network(&c, (struct sockaddr *)&l6), "loopback may connect");
	ok(!smtpd_conf_network(&c, (struct sockaddr *)&b), "nothing else may");
	ok(!c.tls_cert_file && !c.users_file, "no TLS, no AUTH");
	smtpd_conf_release(&c);
}

static void test_file(void)
{
	struct smtpd_conf c;
	struct error err;
	struct sockaddr_storage p = v4("192.168.1.30"), o = v4("192.168.1.31"),
				lo = v4("127.0.0.1");
	const struct smtpd_network *n;

	ok(load("# relay\n[smtpd]\nlisten = 192.0.2.1:25, [::1]:2525\nmax_message_size = 10M\n"
		"max_recipients = 7\nidle_timeout = 30\ntls_cert_file = c.pem\n"
		"tls_key_file = /k.pem\nusers_file = users\n\n"
		"[network 192.168.1.30/32]\naccounts = scanner\nplaintext_auth = yes\n"
		"starttls = no\n"
		"[network 192.168.1.0/24]\nrequire_auth = yes\n", &c, &err) == 0,
	   "a full file loads (%s)", err.text);
	ok(c.nlisten == 2 && !strcmp(c.listen[1], "[::1]:2525"), "two listen addresses");
	ok(c.max_message_size == 10L << 20 && c.max_recipients == 7 && c.idle_timeout == 30,
	   "limits set, M suffix");
	ok(c.tls_cert_file && !strcmp(c.tls_cert_file + strlen(dir), "/c.pem") &&
	   !strcmp(c.tls_key_file, "/k.pem"), "relative file names are next to smtpd.ini");
	n = smtpd_conf_network(&c, (struct sockaddr *)&p);
	ok(n && n->plaintext_auth && !n->require_auth && !strcmp(n->accounts, "scanner") &&
	   n->no_starttls, "the first matching network applies (the printer)");
	n = smtpd_conf_network(&c, (struct sockaddr *)&o);
	ok(n && n->require_auth && !n->plaintext_auth && !n->accounts && !n->no_starttls,
	   "the /24 for the rest (starttls by default)");
	ok(!smtpd_conf_network(&c, (struct sockaddr *)&lo),
	   "with [network] sections, loopback is not allowed unless listed");
	smtpd_conf_release(&c);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[smtpd]\nlisten_on = 1\n", ":2: unknown key 'listen_on' in [smtpd]" },
		{ "[smptd]\n", ":1: unknown section [smptd]" },
		{ "[network 10.0.0.1/8]\n", ":1: '10.0.0.1/8' is not a network" },
		{ "[smtpd]\n\nmax_connections = 0\n", ":3: max_connections must be a number from 1" },
		{ "[smtpd]\nidle_timeout = 5s\n", ":2: idle_timeout must be a number" },
		{ "[network ::1]\nplaintext_auth = maybe\n", ":2: plaintext_auth is yes or no" },
		{ "max_commands = 10\n", ":1: 'max_commands' before any section" },
		{ "[network ::1]\nmax_commands = 10\n", ":2: unknown key 'max_commands' in [network ::1]" },
		{ "[smtpd]\ntls_cert_file = c.pem\n", "STARTTLS needs both" },
		{ "[smtpd]\nnot a line\n", ":2: expected" },
	};
	struct smtpd_conf c;
	struct error err;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		ok(load(cases[i].text, &c, &err) < 0 && err.category == CAT_CONFIG &&
		   strstr(err.text, cases[i].want), "refused: %s (%s)", cases[i].want, err.text);
		ok(c.nnetworks == 0 && c.nlisten == 0, "... and left empty");
	}
	smtpd_conf_release(&c);
}

static void test_lists(void)
{
	ok(smtpd_list_allows(NULL, "a") && smtpd_list_allows("*", "a"), "no list, *: all");
	ok(smtpd_list_allows("x, a b", "a") && smtpd_list_allows("x,a", "a"), "a list names it");
	ok(!smtpd_list_allows("ab,ba", "a") && !smtpd_list_allows("", "a"), "no prefix match");
}

static char *hash(const char *pw, const char *prefix)
{
	static char out[CRYPT_OUTPUT_SIZE];
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof salt);
	snprintf(out, sizeof out, "%s", crypt(pw, salt));
	return out;
}

static void test_users(void)
{
	char text[1024], *acc = NULL, *path;
	struct error err;
	int n;

	n = snprintf(text, sizeof text, "# users\napp:%s\n", hash("s3cret one", "$y$"));
	snprintf(text + n, sizeof text - (size_t)n, "printer:%s:scanner,office\nbroken\n",
		 hash("pw2", "$6$"));
	path = write_file("users", text, 0600);
	error_clear(&err);
	ok(smtpd_users_check(path, "app", "s3cret one", &acc, &err) == 1 && !acc,
	   "yescrypt: the right password, every account");
	ok(smtpd_users_check(path, "app", "s3cret onE", &acc, &err) == 0, "a wrong one");
	ok(smtpd_users_check(path, "printer", "pw2", &acc, &err) == 1 && acc &&
	   !strcmp(acc, "scanner,office"), "sha512crypt, with its accounts");
	free(acc);
	acc = NULL;
	ok(smtpd_users_check(path, "nobody", "pw2", &acc, &err) == 0, "an unknown user: 0");
	ok(smtpd_users_check(path, "broken", "", &acc, &err) == 0, "a line without a hash: 0");
	ok(smtpd_users_check(path, "app", "", &acc, &err) == 0, "an empty password: 0");
	chmod(path, 0644);
	ok(smtpd_users_check(path, "app", "s3cret one", &acc, &err) < 0 &&
	   strstr(err.text, "others can read"), "a users file others can read is refused");
	ok(smtpd_users_check("/nonexistent/users", "app", "x", &acc, &err) < 0,
	   "a missing users file: -1");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 99;
	test_cidr();
	test_peer_text();
	test_defaults();
	test_file();
	test_errors();
	test_lists();
	test_users();
	write_file("users", "", 0600);
	unlink(write_file("users", "", 0600));
	unlink(write_file("smtpd.ini", "", 0600));
	rmdir(dir);
	return tap_done();
}
