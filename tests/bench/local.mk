# SPDX-License-Identifier: GPL-3.0-or-later
## tests/bench/local.mk: the benchmark against msmtp (issue 8), included
## from the top-level Makefile.am.  On demand only: "make bench" (as root,
## since it makes network namespaces and TUN devices), never "make check".
## tests/bench/README says what it measures and how.

EXTRA_PROGRAMS = tests/bench/bench-sink
tests_bench_bench_sink_SOURCES = tests/bench/bench-sink.c
tests_bench_bench_sink_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
tests_bench_bench_sink_LDADD = $(GNUTLS_LIBS)

# More options for tests/bench/run: make bench BENCH_FLAGS='--runs 11'
BENCH_FLAGS =

bench: src/sendas$(EXEEXT) tests/bench/bench-sink$(EXEEXT)
	python3 $(srcdir)/tests/bench/run --sendas $(abs_top_builddir)/src/sendas$(EXEEXT) \
		--sink $(abs_top_builddir)/tests/bench/bench-sink$(EXEEXT) $(BENCH_FLAGS)
.PHONY: bench

EXTRA_DIST += tests/bench/README tests/bench/run tests/bench/delayline.py

# The smarthost under load (issue 16) and 500 concurrent sendas -bs
# processes (issue 21): 5,000 messages each way, each delivered once; no
# root needed (loopback only).
bench-smtpd: src/sendas$(EXEEXT)
	python3 $(srcdir)/tests/bench/smtpd-load --sendas $(abs_top_builddir)/src/sendas$(EXEEXT) \
		$(BENCH_SMTPD_FLAGS)
.PHONY: bench-smtpd
BENCH_SMTPD_FLAGS =
EXTRA_DIST += tests/bench/smtpd-load

# Messages per second through the smarthost next to a private Postfix
# relay in front of the same TLS + AUTH sink (issue 21); root (Postfix in a
# private mount namespace, cgroups for the CPU of each side), loopback only.
bench-relay: src/sendas$(EXEEXT) tests/bench/bench-sink$(EXEEXT)
	python3 $(srcdir)/tests/bench/relay-load --sendas $(abs_top_builddir)/src/sendas$(EXEEXT) \
		--sink $(abs_top_builddir)/tests/bench/bench-sink$(EXEEXT) $(BENCH_RELAY_FLAGS)
.PHONY: bench-relay
BENCH_RELAY_FLAGS =
EXTRA_DIST += tests/bench/relay-load
