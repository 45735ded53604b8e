#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""po-english.py PO FILE...: English left in German output (tests/po-german.sh).

PO is the German catalogue merged with the current sources.  For every
message whose translation differs from it, the English text between the
format directives ("%s", "%d", "\\n" ...) is a fragment; a fragment of at
least three words that appears in one of the FILEs is English that should
have been German.  Prints "FILE: fragment" per hit; exit 1 if any.

Also: "untranslated" prints the messages whose translation is the English
text itself (msgstr == msgid) and that hold an English word, exit 1 if any.
"""
import re
import sys

DIRECTIVE = re.compile(r"%(?:\d+\$)?[-+ #0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|h|ll|l|z|j|t)?[diouxXcsfgeEp%]|\n")
WORD = re.compile(r"[A-Za-z]{2,}")
# Words that read the same in German output: protocol, program and key names.
NEUTRAL = set("""SMTP TLS STARTTLS AUTH EHLO HELO MAIL RCPT DATA BDAT RSET QUIT
PLAIN LOGIN OAuth XOAUTH OAUTHBEARER SASL DSN SMTPUTF BITMIME JSON UTF ID IDs
sendas sendmail mailq newaliases cron systemd GnuTLS GNU inih libidn IPv RFC
OK PEM DER SHA HOST PORT FILE NAME ADDRESS OPTION CODE TEXT Gmail IONOS GMX WEB DE Microsoft
Outlook Yandex Amazon SES SendGrid Yahoo Mailgun Exim Dovecot Postfix Strato
tls off on implicit starttls auto host port user from account defaults""".split())


def unquote(s):
    return bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def entries(path):
    """(msgid, msgstr) of the active (not obsolete) entries."""
    text = open(path, encoding="utf-8").read()
    for block in text.split("\n\n"):
        lines = [l for l in block.split("\n") if l and not l.startswith("#")]
        cur, parts = None, {"msgid": [], "msgstr": []}
        for l in lines:
            m = re.match(r'(msgid|msgstr|msgid_plural|msgstr\[0\]) (".*")$', l)
            if m:
                cur = "msgid" if m.group(1) == "msgid" else (
                    "msgstr" if m.group(1) in ("msgstr", "msgstr[0]") else None)
                l = m.group(2)
            if cur and l.startswith('"'):
                parts[cur].append(unquote(l[1:-1]))
        msgid, msgstr = "".join(parts["msgid"]), "".join(parts["msgstr"])
        if msgid:
            yield msgid, msgstr


def fragments(msgid):
    for frag in DIRECTIVE.split(msgid):
        frag = frag.strip(" :;,.()'\"")
        words = [w for w in WORD.findall(frag) if w not in NEUTRAL]
        if len(words) >= 3 and len(frag) >= 12:
            yield frag


def main(argv):
    if argv[1] == "untranslated":
        bad = [i for i, s in entries(argv[2])
               if i == s and [w for w in WORD.findall(i) if w not in NEUTRAL]]
        for i in bad:
            print("untranslated: %r" % i)
        return 1 if bad else 0
    frags = set()
    for msgid, msgstr in entries(argv[1]):
        if msgstr and msgstr != msgid:
            frags.update(fragments(msgid))
    hits = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        for frag in sorted(frags):
            if frag in text:
                print("%s: %s" % (path, frag))
                hits += 1
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
