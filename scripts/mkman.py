#!/usr/bin/env python3
"""mkman.py TOOL.bt OUT.8: a tool's man page, section 8, from its header comment: the first
line (name: what it does), the lines up to "Usage:" (what it traces, its options), the usage
line and the example output. The header stays the one place a tool is described."""
import os, sys

src, out = sys.argv[1], sys.argv[2]
name = os.path.basename(src)
head = []
for line in open(src):
    if line.startswith("#!"):
        continue
    if not line.startswith("//"):
        break
    head.append(line[2:].rstrip("\n")[1:] if line.startswith("// ") else line[2:].rstrip("\n"))

def esc(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return ("\\&" + s) if s.startswith((".", "'")) else s

summary = head[0].split(":", 1)[1].strip() if ":" in head[0] else head[0]
desc, usage, example, mode = [], "", [], "desc"
for l in head[1:]:
    if l.startswith("Usage:"):
        usage, mode = l[len("Usage:"):].strip(), "usage"
    elif l.startswith("Example output"):
        mode = "example"
    elif mode == "example":
        example.append(l[2:] if l.startswith("  ") else l)
    elif mode == "desc":
        desc.append(l)

stem = name[:-3] if name.endswith(".bt") else name
w = open(out, "w")
w.write(f'.TH {esc(name.upper())} 8 "" "hawk" "hawk tools"\n')
w.write(".ad l\n")
w.write(f".SH NAME\n{esc(name)} \\- {esc(summary.rstrip('.'))}\n")
w.write(".SH SYNOPSIS\n.nf\n" + esc(usage) + "\n.fi\n")
w.write(".SH DESCRIPTION\n" + esc(head[0]) + "\n")
for l in desc:
    w.write(esc(l) + "\n" if l.strip() else ".PP\n")
w.write(".PP\nIt runs on kernels without kprobes: it uses tracepoints, raw tracepoints, uprobes,\n"
        "profile or interval probes only. It needs root (or CAP_BPF and CAP_PERFMON).\n")
# The example runs as a test (tests/readme/run.py, mode sample): the tool is started, made
# to see a little work, stopped with Ctrl-C; the rows shown are a sample of its output.
w.write(f".SH EXAMPLES\nA sample of its output; \\fB{esc(name)} \\-h\\fR prints its usage.\n.sp\n"
        '.\\" example: sample\n.EX\n' + f"# {esc(name)}\n")
for l in example:
    w.write(esc(l) + "\n")
w.write(".EE\n")
w.write(".SH SEE ALSO\n.BR hawk (8),\n.BR hawk\\-language (7)\n")
