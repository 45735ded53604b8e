# SPDX-License-Identifier: GPL-3.0-or-later
## src/systemd/local.mk: the systemd units (included by Makefile.am).
# The services name the installed binary, so they are made from .in files
# at build time; the timer serves the system and the user manager alike.
# Where they go: configure's --with-systemd{system,user}unitdir.
systemdsystemunitdir = $(SYSTEMD_SYSTEM_UNIT_DIR)
systemduserunitdir = $(SYSTEMD_USER_UNIT_DIR)
systemd_made = src/systemd/system/sendas-queue.service \
	src/systemd/system/sendas-status@.service \
	src/systemd/system/sendas@.service \
	src/systemd/system/sendas-smtpd.service \
	src/systemd/user/sendas-queue.service
systemdsystemunit_DATA = src/systemd/system/sendas-queue.service \
	src/systemd/system/sendas-status@.service src/systemd/sendas-queue.timer \
	src/systemd/system/sendas@.service src/systemd/sendas.socket \
	src/systemd/system/sendas-smtpd.service src/systemd/sendas-smtpd.socket
systemduserunit_DATA = src/systemd/user/sendas-queue.service \
	src/systemd/sendas-queue.timer
CLEANFILES = $(systemd_made)
EXTRA_DIST += src/systemd/sendas-queue.timer src/systemd/sendas.socket \
	src/systemd/sendas-smtpd.socket src/systemd/system/sendas-smtpd.service.in \
	src/systemd/system/sendas@.service.in \
	src/systemd/system/sendas-queue.service.in \
	src/systemd/system/sendas-status@.service.in \
	src/systemd/user/sendas-queue.service.in

unit_edit = $(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@bindir[@]|$(bindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/$@.in >$@.tmp && mv $@.tmp $@
src/systemd/system/sendas-queue.service: $(srcdir)/src/systemd/system/sendas-queue.service.in Makefile
	$(unit_edit)
src/systemd/system/sendas-status@.service: $(srcdir)/src/systemd/system/sendas-status@.service.in Makefile
	$(unit_edit)
src/systemd/system/sendas@.service: $(srcdir)/src/systemd/system/sendas@.service.in Makefile
	$(unit_edit)
src/systemd/user/sendas-queue.service: $(srcdir)/src/systemd/user/sendas-queue.service.in Makefile
	$(unit_edit)
src/systemd/system/sendas-smtpd.service: $(srcdir)/src/systemd/system/sendas-smtpd.service.in Makefile
	$(unit_edit)
