#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The large-message paths under valgrind (memcheck): a 1 MiB body
# dot-stuffed for DATA and a 9 MiB one in BDAT chunks, both read through
# the spool's write-behind thread (src/message/spool.c).  tests/cases/large-content.sh
# runs unchanged with sendas under valgrind; any report fails it through the
# exit code.  Not in the sanitizer build (see tests/valgrind.sh).
here=$(cd "$(dirname "$0")" && pwd)
export SENDAS_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no"
exec bash "$here/cases/large-content.sh"
