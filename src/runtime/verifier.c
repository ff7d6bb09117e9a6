/* verifier: a rejected program's verifier log turned into one error in plain words, at the script line. */
#include "runtime/verifier.h"

#include <stdio.h>
#include <string.h>

/* Substrings of the verifier's error lines (kernel 6.x wording). */
static const struct {
	const char *has;
	const char *plain;
} verifier_rules[] = {
	{ "invalid mem access 'map_value_or_null'",
	  "a map value is used without checking that the lookup found it" },
	{ "invalid mem access 'scalar'",
	  "a plain number is dereferenced as a pointer" },
	{ "invalid mem access 'inv'",
	  "a plain number is dereferenced as a pointer" },
	{ "!read_ok", "a register is read before anything was stored in it" },
	{ "invalid read from stack", "uninitialised stack memory is read" },
	{ "invalid indirect read from stack", "uninitialised stack memory is passed to a helper" },
	{ "invalid indirect access to stack", "a helper is given stack memory out of bounds" },
	{ "invalid bpf_context access", "the probe's context (args) is read out of bounds" },
	{ "invalid access to map value", "a map value is accessed out of bounds" },
	{ "invalid access to memory", "memory is accessed out of bounds" },
	{ "value is outside of the allowed memory range", "memory is accessed out of bounds" },
	{ "min value is negative", "an index may be negative" },
	{ "unbounded memory access", "an index has no upper bound the verifier can see" },
	{ "back-edge from insn", "a loop has no bound the verifier can see" },
	{ "infinite loop detected", "a loop may never end" },
	{ "BPF program is too large", "the program is too large for the verifier" },
	{ "combined stack size", "the program uses more than 512 bytes of stack" },
	{ "stack limit", "the program uses more than 512 bytes of stack" },
	{ "invalid stack off", "stack memory is accessed out of bounds" },
	{ "unknown func", "a helper is not available to this probe type" },
	{ "program of this type cannot use helper", "a helper is not available to this probe type" },
	{ "helper call is not allowed", "a helper is not available to this probe type" },
	{ "R0 !read_ok", "the program does not set its return value" },
	{ "At program exit the register R0", "the program returns a value its probe type forbids" },
	{ "Unreleased reference", "a ring buffer reservation is neither submitted nor discarded" },
	{ "invalid func", "a helper or function does not exist in this kernel" },
	{ "misaligned", "memory is accessed at a misaligned address" },
	{ "dereference of modified ctx ptr", "a pointer into the probe's context is modified" },
	{ "pointer arithmetic", "forbidden pointer arithmetic" },
	{ "cannot write into", "a read-only object is written" },
	{ "type=", "a helper is given an argument of the wrong kind" },
};

/* Lines that follow the error and say nothing about it. */
static bool log_noise(const char *l, size_t n)
{
	static const char *const prefixes[] = {
		"processed ", "verification time", "stack depth", "max_states_per_insn",
		"mark_precise", "from ", "func#", "arg#", "Validating ", "last_idx", "parent ",
		"regs=", "-- ", "libbpf:", "Func#",
	};
	while (n && (*l == ' ' || *l == '\t')) {
		l++;
		n--;
	}
	if (n == 0 || *l == ';')
		return true;
	if (*l >= '0' && *l <= '9') {         /* "8: (7b) *(u64 *)(r0 +0) = r1" */
		size_t i = 0;
		while (i < n && l[i] >= '0' && l[i] <= '9')
			i++;
		if (i < n && l[i] == ':')
			return true;
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (n >= strlen(prefixes[i]) && !strncmp(l, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* "; <source text> @ FILE:LINE": the location .BTF.ext line info gives. */
static bool log_location(const char *l, size_t n, struct rt_verifier_report *r)
{
	if (n == 0 || *l != ';')
		return false;
	const char *at = NULL;
	for (size_t i = 0; i + 2 < n; i++)
		if (l[i] == ' ' && l[i + 1] == '@' && l[i + 2] == ' ')
			at = l + i + 3;
	if (!at)
		return false;
	const char *end = l + n, *colon = NULL;
	for (const char *p = at; p < end; p++)
		if (*p == ':')
			colon = p;
	if (!colon || colon + 1 >= end)
		return false;
	unsigned line = 0;
	for (const char *p = colon + 1; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		line = line * 10 + (unsigned)(*p - '0');
	}
	snprintf(r->file, sizeof(r->file), "%.*s", (int)(colon - at), at);
	r->line = line;
	return true;
}

void rt_verifier_explain(const char *log, struct rt_verifier_report *r)
{
	memset(r, 0, sizeof(*r));
	if (!log)
		return;
	/* The error is the last meaningful line; the location, the last line
	 * info before it (the verifier prints one whenever the line changes). */
	const char *err = NULL, *p = log;
	size_t errn = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!log_noise(p, n)) {
			err = p;
			errn = n;
		}
		p += n + (e != NULL);
	}
	if (!err)
		return;
	for (p = log; p < err;) {
		const char *e = strchr(p, '\n');
		size_t n = (size_t)(e - p);
		log_location(p, n, r);
		p += n + 1;
	}
	snprintf(r->raw, sizeof(r->raw), "%.*s", (int)errn, err);
	for (size_t i = 0; i < sizeof(verifier_rules) / sizeof(verifier_rules[0]); i++) {
		if (strstr(r->raw, verifier_rules[i].has)) {
			r->plain = verifier_rules[i].plain;
			break;
		}
	}
}

/* The span of line `line` of a registered source named `file`. */
static bool source_span(struct diag *d, const char *file, unsigned line, struct span *sp)
{
	for (uint16_t i = 0;; i++) {
		const struct diag_source *s = diag_source(d, i);
		if (!s)
			return false;
		if (strcmp(s->name, file) || !s->text)
			continue;
		size_t off = 0;
		for (unsigned l = 1; l < line && off < s->len; off++)
			if (s->text[off] == '\n')
				l++;
		if (off >= s->len)
			return false;
		size_t b = off, e = off;
		while (b < s->len && (s->text[b] == ' ' || s->text[b] == '\t'))
			b++;
		while (e < s->len && s->text[e] != '\n')
			e++;
		if (e <= b)
			b = off;
		*sp = (struct span){
			.off = (uint32_t)b, .end = (uint32_t)(e > b ? e : b + 1),
			.line = line, .col = (uint32_t)(b - off + 1),
			.end_line = line, .end_col = (uint32_t)(e - off), .file = i,
		};
		return true;
	}
}

void rt_verifier_error(struct diag *d, const char *probe, const char *log)
{
	struct rt_verifier_report r;
	rt_verifier_explain(log, &r);
	char why[512];
	if (r.plain)
		snprintf(why, sizeof(why), "%s (verifier: %s)", r.plain, r.raw);
	else if (r.raw[0])
		snprintf(why, sizeof(why), "%s", r.raw);
	else
		snprintf(why, sizeof(why), "the verifier gave no reason");
	struct span sp;
	if (r.line && source_span(d, r.file, r.line, &sp))
		diag_error(d, sp, "the BPF verifier rejected %s: %s", probe, why);
	else if (r.line)
		diag_plain(d, DIAG_ERROR, "%s:%u: the BPF verifier rejected %s: %s", r.file, r.line,
			   probe, why);
	else
		diag_plain(d, DIAG_ERROR, "the BPF verifier rejected %s: %s", probe, why);
}
