#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sendas is valgrind-clean (memcheck: no invalid access, no uninitialised
# use, no definite leak) on the main paths: STARTTLS with AUTH pipelined,
# SCRAM-SHA-256-PLUS with channel binding, implicit TLS, a refused login,
# a recipient refused after 354, BDAT, a report in JSON.  The transcript
# cases run unchanged with sendas under valgrind; any report fails them
# through the exit code.  (Not in the sanitizer build: ASan and valgrind
# do not mix; that build runs every case under ASan instead.)
here=$(cd "$(dirname "$0")" && pwd)
export SENDAS_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no"
export CASE_GLOB='@(001|004|007|010|015|081|550)-*'
exec bash "$here/cases/run-cases.sh"
