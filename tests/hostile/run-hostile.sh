#!/bin/bash
# run-hostile.sh: the hostile-server suite (issue 13).  Each
# tests/hostile/*.case is a transcript case in the format of
# tests/cases/run-cases.sh (which runs them): a server that sends exactly the
# bytes the case gives (NUL, resets inside a TLS record, trickling bytes,
# huge replies, absurd SCRAM iteration counts, echoed AUTH data, escape
# sequences), and what sendas must make of it: no crash, no hang, no leak,
# no message filed as failed that a retry could deliver.
CASES=${CASES:-$(cd "$(dirname "$0")" && pwd)}
export CASES
exec bash "$(dirname "$0")/../cases/run-cases.sh"
