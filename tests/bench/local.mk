# SPDX-License-Identifier: GPL-3.0-or-later
## tests/bench/local.mk: the benchmark against msmtp (issue 8), included
## from the top-level Makefile.am.  On demand only: "make bench" (as root,
## since it makes network namespaces and TUN devices), never "make check".
## tests/bench/README says what it measures and how.

EXTRA_PROGRAMS = tests/bench/bench-sink tests/bench/tls-cost
tests_bench_bench_sink_SOURCES = tests/bench/bench-sink.c
tests_bench_bench_sink_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
tests_bench_bench_sink_LDADD = $(GNUTLS_LIBS)
tests_bench_tls_cost_SOURCES = tests/bench/tls-cost.c
tests_bench_tls_cost_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
tests_bench_tls_cost_LDADD = $(GNUTLS_LIBS)

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

# Large messages against the cost of TLS and curl (issue 21): loopback only,
# any user.  make bench-tls BENCH_TLS_FLAGS='--sizes 50,500 --runs 7'
bench-tls: src/sendas$(EXEEXT) tests/bench/bench-sink$(EXEEXT) tests/bench/tls-cost$(EXEEXT)
	python3 $(srcdir)/tests/bench/tls-limit --sendas $(abs_top_builddir)/src/sendas$(EXEEXT) \
		--sink $(abs_top_builddir)/tests/bench/bench-sink$(EXEEXT) \
		--tls-cost $(abs_top_builddir)/tests/bench/tls-cost$(EXEEXT) $(BENCH_TLS_FLAGS)
.PHONY: bench-tls
BENCH_TLS_FLAGS =
EXTRA_DIST += tests/bench/tls-limit tests/bench/benchlib.py

# The performance regression check of CI (issue 21; tests/run.sh runs it
# after the plain suite): two ratios against tests/bench/baseline, +30%
# fails.  make bench-check BENCH_CHECK_FLAGS=--update rewrites the baseline.
bench-check: src/sendas$(EXEEXT) tests/bench/bench-sink$(EXEEXT) tests/bench/tls-cost$(EXEEXT)
	python3 $(srcdir)/tests/bench/regress --sendas $(abs_top_builddir)/src/sendas$(EXEEXT) \
		--sink $(abs_top_builddir)/tests/bench/bench-sink$(EXEEXT) \
		--tls-cost $(abs_top_builddir)/tests/bench/tls-cost$(EXEEXT) \
		--baseline $(srcdir)/tests/bench/baseline $(BENCH_CHECK_FLAGS)
.PHONY: bench-check
BENCH_CHECK_FLAGS =
EXTRA_DIST += tests/bench/regress tests/bench/baseline

# The queue at scale (issue 21): 10,000 queued messages for 3 accounts,
# `sendas -q` against a private Postfix client into bench-sink; as root.
bench-queue: src/sendas$(EXEEXT) tests/bench/bench-sink$(EXEEXT)
	python3 $(srcdir)/tests/bench/queue-scale --sendas $(abs_top_builddir)/src/sendas$(EXEEXT) \
		--sink $(abs_top_builddir)/tests/bench/bench-sink$(EXEEXT) $(BENCH_QUEUE_FLAGS)
.PHONY: bench-queue
BENCH_QUEUE_FLAGS =
EXTRA_DIST += tests/bench/queue-scale

# Messages per second through the smarthost next to a private Postfix
# relay in front of the same TLS + AUTH sink (issue 21); root (Postfix in a
# private mount namespace, cgroups for the CPU of each side), loopback only.
bench-relay: src/sendas$(EXEEXT) tests/bench/bench-sink$(EXEEXT)
	python3 $(srcdir)/tests/bench/relay-load --sendas $(abs_top_builddir)/src/sendas$(EXEEXT) \
		--sink $(abs_top_builddir)/tests/bench/bench-sink$(EXEEXT) $(BENCH_RELAY_FLAGS)
.PHONY: bench-relay
BENCH_RELAY_FLAGS =
EXTRA_DIST += tests/bench/relay-load
