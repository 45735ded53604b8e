# SPDX-License-Identifier: GPL-3.0-or-later
## tests/server/local.mk: the scripted SMTP test server, included from the
## top-level Makefile.am.  It is a check program: built by "make check",
## never installed.  GNUTLS_* and GSASL_* come from PKG_CHECK_MODULES in
## configure.ac.  The server is its own program: it links neither
## src/libsendas.a nor its headers, so it cannot share a bug with sendas.

check_PROGRAMS += tests/server/sendas-testserver

tests_server_sendas_testserver_SOURCES = \
	tests/server/sendas-testserver.c \
	tests/server/testserver.h \
	tests/server/script.c \
	tests/server/record.c \
	tests/server/conn.c \
	tests/server/sasl.c
tests_server_sendas_testserver_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS) $(GSASL_CFLAGS)
tests_server_sendas_testserver_LDADD = $(GNUTLS_LIBS) $(GSASL_LIBS)

EXTRA_DIST += tests/server/README tests/server/selftest.sh
