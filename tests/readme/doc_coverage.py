#!/usr/bin/env python3
"""doc_coverage.py SRCDIR PAGE [CLIPAGE [RUNPAGE]]: every probe type and every builtin and
function has an entry in the language page, with an example that uses it; with CLIPAGE
(hawk.8), every option of src/main.c's getopt tables is named there (`\-x`, `\-\-name`),
and with RUNPAGE (hawk-run.8) every option of src/hawk_run.c's; one TAP line per name.

The names come from the tables the compiler itself is built from, found under SRCDIR/src:
builtin.def (BI(ID, "name", ...) rows) and probetype.def (PROBE(ID, canonical, aliases...)).
An entry is a `.TP` paragraph of the page; its tag line names one or more things, separated
by commas (`.BR count() ", " sum( \\fIn\\fB)`), each by the identifier it starts with. The
entry runs to the next .TP, .SH or .SS, and must hold an example block (`.\\" example` then
.EX ... .EE, run by run.py) whose command uses the name: a builtin as a word (`arg` as
arg0, arg1, ...), a probe type as `type:` or one of its aliases (BEGIN and END bare).
"""
import glob
import re
import sys


def table(srcdir, name):
    found = glob.glob(srcdir + "/src/**/" + name, recursive=True)
    if len(found) != 1:
        raise SystemExit("Bail out! %s: want one %s under src/, found %d" % (srcdir, name, len(found)))
    return open(found[0]).read()


def builtins(srcdir):
    rows = re.findall(r'^BI\(\s*\w+\s*,\s*"(\w+)"\s*,\s*(\w+)', table(srcdir, "builtin.def"), re.M)
    return [(n, form) for n, form in rows]


def probe_types(srcdir):
    out = []
    for m in re.finditer(r"^PROBE\(\s*\w+\s*,\s*(\w+)\s*,(.*)\)", table(srcdir, "probetype.def"), re.M):
        aliases = re.findall(r'"([^"]+)"', m.group(2))
        out.append((m.group(1), aliases))
    return out


def plain(roff):
    """A tag line's text: the macro, font escapes and quotes removed."""
    s = re.sub(r"^\.\w+\s*", "", roff)
    s = re.sub(r"\\f[BIRP]", "", s).replace("\\-", "-").replace("\\&", "").replace('"', "")
    return s


def entries(page):
    """(tag names, [example commands]) of each .TP paragraph."""
    lines = open(page).read().splitlines()
    out, cur, i = [], None, 0
    while i < len(lines):
        l = lines[i]
        if l.startswith((".TP", ".SH", ".SS")):
            cur = None
        if l == ".TP" and i + 1 < len(lines):
            names = [re.match(r"\s*([A-Za-z_]\w*)", part) for part in plain(lines[i + 1]).split(",")]
            cur = ([m.group(1) for m in names if m], [])
            out.append(cur)
            i += 2
            continue
        if cur is not None and re.match(r'\.\\" example', l):
            j = i + 1
            while j < len(lines) and lines[j] != ".EX":
                j += 1
            if j + 1 < len(lines):
                cur[1].append(plain(lines[j + 1]).replace("\\e", "\\"))
        i += 1
    return out


def options(path):
    """A command's options, as a user types them, from the tables getopt_long reads: the
    short option string (a short_opts variable, or getopt_long's third argument) and the
    { "name", has_arg, NULL, val } rows."""
    src = open(path).read()
    longs = re.findall(r'\{\s*"([\w-]+)",\s*\w+,\s*NULL', src)
    m = re.search(r'short_opts\[\]\s*=\s*"([^"]*)"', src) or \
        re.search(r'getopt_long\(\s*argc,\s*argv,\s*"([^"]*)"', src)
    shorts = m.group(1).replace(":", "").replace("+", "")
    return ["-" + c for c in shorts] + ["--" + l for l in longs]


def option_checks(source, page):
    text = re.sub(r"\\f[BIRP]", "", open(page).read()).replace("\\-", "-")
    name = source.split("/")[-1]
    return [("%s option %s" % (name, o),
             re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", text) is not None)
            for o in options(source)]


def main():
    srcdir, page = sys.argv[1], sys.argv[2]
    ents = entries(page)
    opts = []
    for source, cli in zip(["/src/main.c", "/src/hawk_run.c"], sys.argv[3:5]):
        opts += [(what, found, cli) for what, found in option_checks(srcdir + source, cli)]
    checks = []
    for name, form in builtins(srcdir):
        word = name + r"\d+" if form == "NUMBERED" else re.escape(name)
        checks.append(("builtin " + name, [name], r"(?<![\w$@])" + word + r"\b"))
    for canon, aliases in probe_types(srcdir):
        forms = [canon] + aliases
        pats = []
        for f in forms:
            if f.lower() in ("begin", "end"):
                pats.append(r"\b" + re.escape(f) + r"\b(?!\s*:)")
            else:
                pats.append(r"\b" + re.escape(f) + r":")
        checks.append(("probe type " + canon, forms, "|".join(pats)))
    print("1..%d" % (len(checks) + len(opts)))
    failed = 0
    for n, (what, tags, pattern) in enumerate(checks, 1):
        mine = [e for e in ents if any(t in e[0] for t in tags)]
        why = None
        if not mine:
            why = "no .TP entry names it in %s" % page
        elif not any(re.search(pattern, cmd) for e in mine for cmd in e[1]):
            why = "its entry has no example that uses it"
        print("%s %d - %s%s" % ("not ok" if why else "ok", n, what, "" if not why else ": " + why))
        failed += bool(why)
    for n, (what, found, cli) in enumerate(opts, len(checks) + 1):
        print("%s %d - %s%s" % ("ok" if found else "not ok", n, what,
                               "" if found else ": not in " + cli))
        failed += not found
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
