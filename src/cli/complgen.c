/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * complgen.c: writes the bash, zsh or fish completion of sendas from the
 * option table (cli.c's cli_options), at build time:
 *     sendas-complgen bash|zsh|fish >FILE
 * One source of truth: a row added to the table is completed without a
 * change here.  Every documented option (help != NULL) is offered with its
 * help text (the English msgid); what its argument completes to comes from
 * values[] below, by long name, and is free text for an option not named
 * there.  Ignored and refused sendmail options are not offered.
 *
 * The shell code around the options (finding the account file, ~ in paths,
 * queue IDs) is the same for every table and lives in the preambles. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

/* What an option's argument completes to. */
enum value_kind { V_TEXT, V_ACCOUNT, V_FILE, V_ADDRESS, V_WORDS, V_QUEUE_IDS };

static const struct value {
	const char *name;         /* the long name */
	enum value_kind kind;
	const char *words;        /* V_WORDS */
} values[] = {
	{ "account", V_ACCOUNT, NULL },
	{ "config", V_FILE, NULL },
	{ "from", V_ADDRESS, NULL },
	{ "which", V_ADDRESS, NULL },
	{ "probe-rcpt", V_ADDRESS, NULL },
	{ "body-type", V_WORDS, "7BIT 8BITMIME" },
	{ "dsn-return", V_WORDS, "full hdrs" },
	{ "dsn-notify", V_WORDS, "never success failure delay success,failure "
				 "success,failure,delay" },
	/* these two take queue IDs as their (non-option) arguments */
	{ "queue-delete", V_QUEUE_IDS, NULL },
	{ "queue-retry", V_QUEUE_IDS, NULL },
};

/* The commands completed: sendas and its sendmail personalities. */
#define COMMANDS "sendas sendmail mailq"

static const struct value *value_of(const struct cli_option *o)
{
	size_t i;

	for (i = 0; o->name && i < sizeof values / sizeof values[0]; i++)
		if (strcmp(values[i].name, o->name) == 0)
			return &values[i];
	if (o->letter == 'r')     /* -r is -f */
		return &values[2];
	return NULL;
}

static int takes_arg(const struct cli_option *o)
{
	return o->arg == CLI_ARG_REQUIRED;
}

/* Print s with every character of quote_these preceded by esc. */
static void put_escaped(const char *s, const char *quote_these, const char *esc)
{
	for (; *s; s++) {
		if (strchr(quote_these, *s))
			fputs(esc, stdout);
		putchar(*s);
	}
}

/* Print s with every ' written as the shell's '\'' (inside '...'). */
static void put_squoted(const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*s);
	}
}

/* Print s for zsh's '...' option spec: [ ] : \ escaped, ' as '\''. */
static void put_zsh_help(const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else {
			if (strchr("[]:\\", *s))
				putchar('\\');
			putchar(*s);
		}
	}
}

/* ---- bash ---------------------------------------------------------------- */

static const char bash_preamble[] =
	"# bash completion for sendas(1), sendmail and mailq (its personalities).\n"
	"# Generated from the option table by sendas-complgen; do not edit.\n"
	"# SPDX-License-Identifier: GPL-3.0-or-later\n"
	"\n"
	"# ~ and ~/ at the start of a path, as the shell would expand them.\n"
	"_sendas_tilde()\n"
	"{\n"
	"    local p=$1\n"
	"    [[ $p == \"~\" || $p == \"~/\"* ]] && p=$HOME${p#\\~}\n"
	"    printf '%s\\n' \"$p\"\n"
	"}\n"
	"\n"
	"# The account file sendas would read: -C/--config on the line (words as\n"
	"# _init_completion -n = joined them, so --config=FILE is one word), else\n"
	"# the same order as sendas itself (sendas-accounts(5)).\n"
	"_sendas_account_file()\n"
	"{\n"
	"    local i\n"
	"    for ((i = 1; i < ${#words[@]} - 1; i++)); do\n"
	"        case ${words[i]} in\n"
	"            -C|--config) _sendas_tilde \"${words[i+1]}\"; return ;;\n"
	"            --config=*) _sendas_tilde \"${words[i]#--config=}\"; return ;;\n"
	"            -C?*) _sendas_tilde \"${words[i]#-C}\"; return ;;\n"
	"        esac\n"
	"    done\n"
	"    local f\n"
	"    for f in \"${SENDAS_CONFIG:-}\" \\\n"
	"        \"${CREDENTIALS_DIRECTORY:+$CREDENTIALS_DIRECTORY/sendas.ini}\" \\\n"
	"        \"${XDG_CONFIG_HOME:-$HOME/.config}/sendas/accounts.ini\" \\\n"
	"        " SYSCONF_ACCOUNTS "; do\n"
	"        [[ -n $f && -r $f ]] && { printf '%s\\n' \"$f\"; return; }\n"
	"    done\n"
	"}\n"
	"\n"
	"_sendas_accounts()\n"
	"{\n"
	"    local file\n"
	"    file=$(_sendas_account_file)\n"
	"    [[ -r $file ]] || return\n"
	"    sed -n 's/^[[:space:]]*\\[[[:space:]]*[Aa][Cc][Cc][Oo][Uu][Nn][Tt][[:space:]]\\{1,\\}\\([^]]*\\)\\].*/\\1/p' \"$file\"\n"
	"}\n"
	"\n"
	"_sendas_queue_ids()\n"
	"{\n"
	"    sendas --queue-ids 2>/dev/null\n"
	"}\n"
	"\n"
	"# _sendas_value KIND WORDS: complete the argument of an option into COMPREPLY.\n"
	"_sendas_value()\n"
	"{\n"
	"    case $1 in\n"
	"        account) COMPREPLY=($(compgen -W \"$(_sendas_accounts)\" -- \"$cur\")) ;;\n"
	"        file) _filedir ;;\n"
	"        words) COMPREPLY=($(compgen -W \"$2\" -- \"$cur\")) ;;\n"
	"        queue-ids) COMPREPLY=($(compgen -W \"$(_sendas_queue_ids)\" -- \"$cur\")) ;;\n"
	"    esac\n"
	"}\n"
	"\n"
	"_sendas()\n"
	"{\n"
	"    local cur prev words cword\n"
	"    _init_completion -n = || return\n"
	"    local opt=$prev\n"
	"    if [[ $cur == --*=* ]]; then\n"
	"        opt=${cur%%=*}; cur=${cur#*=}\n"
	"    fi\n"
	"    case $opt in\n";

static const char *const kind_names[] = {
	[V_TEXT] = "text", [V_ACCOUNT] = "account", [V_FILE] = "file",
	[V_ADDRESS] = "text", [V_WORDS] = "words", [V_QUEUE_IDS] = "queue-ids",
};

static void bash_case(const struct cli_option *o)
{
	const struct value *v = value_of(o);

	if (!takes_arg(o))
		return;
	fputs("        ", stdout);
	if (o->letter)
		printf("-%c%s", o->letter, o->name ? "|" : "");
	if (o->name)
		printf("--%s", o->name);
	printf(") _sendas_value %s '%s'; return ;;\n", kind_names[v ? v->kind : V_TEXT],
	       v && v->words ? v->words : "");
}

static void bash_words(const struct cli_option *o)
{
	if (o->letter)
		printf(" -%c", o->letter);
	if (o->name)
		printf(" --%s%s", o->name, takes_arg(o) ? "=" : "");
}

static void write_bash(void)
{
	size_t i;

	fputs(bash_preamble, stdout);
	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].help)
			bash_case(&cli_options[i]);
	fputs("    esac\n"
	      "    # --queue-delete and --queue-retry take queue IDs as their arguments.\n"
	      "    if [[ $cur != -* && \" ${words[*]} \" == *\" --queue-\"[dr]e* ]]; then\n"
	      "        _sendas_value queue-ids; return\n"
	      "    fi\n"
	      "    [[ $cur == -* ]] || return\n"
	      "    COMPREPLY=($(compgen -W '", stdout);
	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].help)
			bash_words(&cli_options[i]);
	fputs(" ' -- \"$cur\"))\n"
	      "    [[ ${COMPREPLY-} == *= ]] && compopt -o nospace\n"
	      "}\n"
	      "complete -F _sendas " COMMANDS "\n"
	      "# ex: filetype=sh\n", stdout);
}

/* ---- zsh ----------------------------------------------------------------- */

static const char zsh_preamble[] =
	"#compdef sendas sendmail=sendas mailq=sendas\n"
	"# zsh completion for sendas(1), sendmail and mailq (its personalities).\n"
	"# Generated from the option table by sendas-complgen; do not edit.\n"
	"# SPDX-License-Identifier: GPL-3.0-or-later\n"
	"\n"
	"# Account names from the account file sendas would read (sendas-accounts(5)).\n"
	"_sendas_accounts() {\n"
	"  local file i\n"
	"  for ((i = 1; i < $#words; i++)); do\n"
	"    case $words[i] in\n"
	"      (-C|--config) file=${~words[i+1]} ;;\n"
	"      (--config=*) file=${~words[i]#--config=} ;;\n"
	"      (-C?*) file=${~words[i]#-C} ;;\n"
	"    esac\n"
	"  done\n"
	"  if [[ -z $file ]]; then\n"
	"    for file in \"$SENDAS_CONFIG\" \\\n"
	"        ${CREDENTIALS_DIRECTORY:+$CREDENTIALS_DIRECTORY/sendas.ini} \\\n"
	"        ${XDG_CONFIG_HOME:-$HOME/.config}/sendas/accounts.ini \\\n"
	"        " SYSCONF_ACCOUNTS "; do\n"
	"      [[ -n $file && -r $file ]] && break\n"
	"      file=\n"
	"    done\n"
	"  fi\n"
	"  [[ -r $file ]] || return 1\n"
	"  local -a accounts\n"
	"  accounts=(${(f)\"$(sed -n 's/^[[:space:]]*\\[[[:space:]]*[Aa][Cc][Cc][Oo][Uu][Nn][Tt][[:space:]]\\{1,\\}\\([^]]*\\)\\].*/\\1/p' $file)\"})\n"
	"  _describe -t accounts 'account' accounts\n"
	"}\n"
	"\n"
	"_sendas_queue_ids() {\n"
	"  local -a ids\n"
	"  ids=(${(f)\"$(sendas --queue-ids 2>/dev/null)\"})\n"
	"  _describe -t ids 'queued message' ids\n"
	"}\n"
	"\n"
	"_arguments -s -S \\\n";

static void zsh_action(const struct cli_option *o)
{
	const struct value *v = value_of(o);

	if (!takes_arg(o)) {
		if (v && v->kind == V_QUEUE_IDS)
			fputs(":*:queued message:_sendas_queue_ids", stdout);
		return;
	}
	fputs(":", stdout);
	put_escaped(o->metavar ? o->metavar : "value", ":'", "\\");
	switch (v ? v->kind : V_TEXT) {
	case V_ACCOUNT: fputs(":_sendas_accounts", stdout); break;
	case V_FILE: fputs(":_files", stdout); break;
	case V_ADDRESS: fputs(":_email_addresses", stdout); break;
	case V_WORDS: printf(":(%s)", v->words); break;
	case V_QUEUE_IDS: fputs(":_sendas_queue_ids", stdout); break;
	case V_TEXT: fputs(": ", stdout); break;
	}
}

static void zsh_spec(const struct cli_option *o)
{
	const char *eq = takes_arg(o) ? "=" : "";
	char both = o->letter && o->name;

	fputs("  '", stdout);
	if (both)
		printf("(-%c --%s)'{-%c,--%s%s}'", o->letter, o->name, o->letter, o->name, eq);
	else if (o->letter)
		printf("-%c", o->letter);
	else
		printf("--%s%s", o->name, eq);
	fputs("[", stdout);
	put_zsh_help(o->help);
	fputs("]", stdout);
	zsh_action(o);
	fputs("' \\\n", stdout);
}

static void write_zsh(void)
{
	size_t i;

	fputs(zsh_preamble, stdout);
	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].help)
			zsh_spec(&cli_options[i]);
	fputs("  '*:recipient:_email_addresses'\n", stdout);
}

/* ---- fish ---------------------------------------------------------------- */

static const char fish_preamble[] =
	"# fish completion for sendas(1), sendmail and mailq (its personalities).\n"
	"# Generated from the option table by sendas-complgen; do not edit.\n"
	"# SPDX-License-Identifier: GPL-3.0-or-later\n"
	"\n"
	"# ~ and ~/ at the start of a path, as the shell would expand them.\n"
	"function __sendas_tilde\n"
	"    string replace -r '^~(?=/|$)' -- $HOME $argv[1]\n"
	"end\n"
	"\n"
	"# Account names from the account file sendas would read (sendas-accounts(5)).\n"
	"function __sendas_accounts\n"
	"    set -l tokens (commandline -opc)\n"
	"    set -l file\n"
	"    for i in (seq (count $tokens))\n"
	"        switch $tokens[$i]\n"
	"            case -C --config\n"
	"                set file (__sendas_tilde $tokens[(math $i + 1)])\n"
	"            case '--config=*'\n"
	"                set file (__sendas_tilde (string replace -- --config= '' $tokens[$i]))\n"
	"            case '-C?*'\n"
	"                set file (__sendas_tilde (string sub -s 3 -- $tokens[$i]))\n"
	"        end\n"
	"    end\n"
	"    if test -z \"$file\"\n"
	"        set -l xdg $XDG_CONFIG_HOME\n"
	"        test -n \"$xdg\"; or set xdg $HOME/.config\n"
	"        for f in \"$SENDAS_CONFIG\" \"$CREDENTIALS_DIRECTORY/sendas.ini\" $xdg/sendas/accounts.ini " SYSCONF_ACCOUNTS "\n"
	"            if test -n \"$f\" -a -r \"$f\"\n"
	"                set file $f\n"
	"                break\n"
	"            end\n"
	"        end\n"
	"    end\n"
	"    test -r \"$file\"; or return\n"
	"    string replace -rf '^\\s*\\[\\s*[Aa][Cc][Cc][Oo][Uu][Nn][Tt]\\s+([^\\]]*)\\].*' '$1' < $file\n"
	"end\n"
	"\n"
	"function __sendas_queue_ids\n"
	"    sendas --queue-ids 2>/dev/null\n"
	"end\n"
	"\n"
	"for cmd in " COMMANDS "\n"
	"complete -c $cmd -f\n";

static void fish_line(const struct cli_option *o)
{
	const struct value *v = value_of(o);

	fputs("complete -c $cmd", stdout);
	if (o->letter)
		printf(" -s %c", o->letter);
	if (o->name)
		printf(" -l %s", o->name);
	switch (takes_arg(o) ? (v ? v->kind : V_TEXT) : V_TEXT) {
	case V_ACCOUNT: fputs(" -x -a '(__sendas_accounts)'", stdout); break;
	case V_FILE: fputs(" -r -F", stdout); break;
	case V_WORDS: printf(" -x -a '%s'", v->words); break;
	default: if (takes_arg(o)) fputs(" -x", stdout); break;
	}
	fputs(" -d '", stdout);
	put_squoted(o->help);
	fputs("'\n", stdout);
	if (v && v->kind == V_QUEUE_IDS)
		printf("complete -c $cmd -n '__fish_seen_argument -l %s' -x -a "
		       "'(__sendas_queue_ids)'\n", o->name);
}

static void write_fish(void)
{
	size_t i;

	fputs(fish_preamble, stdout);
	for (i = 0; i < cli_noptions; i++)
		if (cli_options[i].help)
			fish_line(&cli_options[i]);
	fputs("end\n", stdout);
}

static const struct shell {
	const char *name;
	void (*write)(void);
} shells[] = {
	{ "bash", write_bash },
	{ "zsh", write_zsh },
	{ "fish", write_fish },
};

int main(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc == 2 && i < sizeof shells / sizeof shells[0]; i++) {
		if (strcmp(argv[1], shells[i].name) == 0) {
			shells[i].write();
			return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
		}
	}
	fputs("usage: sendas-complgen bash|zsh|fish\n", stderr);
	return 2;
}
