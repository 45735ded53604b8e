/* SPDX-License-Identifier: GPL-3.0-or-later */
/* i18n.h: gettext for user-facing messages. */
#ifndef SENDAS_I18N_H
#define SENDAS_I18N_H

#include "gettext.h"
#define _(s) gettext(s)
#define N_(s) (s)

#endif
