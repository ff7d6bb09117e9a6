/* diag: located diagnostics in the FILE:LINE:COL form with the source line and an underline. */
#include "common/diag.h"
#include "common/arena.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct diag {
	FILE *out;
	bool color;
	bool no_warnings;
	unsigned errors, warnings;
	unsigned located[2];     /* located errors, warnings: for DIAG_MAX_SHOWN */
	bool hide_notes;         /* the error or warning they belong to was not shown */
	struct diag_source *src;
	uint16_t nsrc, capsrc;
};

static bool color_default(FILE *out)
{
	const char *force = getenv("HAWK_COLOR");
	if (force && !strcmp(force, "always"))
		return true;
	if (force && !strcmp(force, "never"))
		return false;
	if (getenv("NO_COLOR"))
		return false;
	return isatty(fileno(out));
}

struct diag *diag_new(FILE *out)
{
	struct diag *d = xcalloc(1, sizeof(*d));
	d->out = out ? out : stderr;
	d->color = color_default(d->out);
	return d;
}

void diag_free(struct diag *d)
{
	if (!d)
		return;
	for (uint16_t i = 0; i < d->nsrc; i++)
		free((char *)d->src[i].name);
	free(d->src);
	free(d);
}

void diag_set_color(struct diag *d, bool on) { d->color = on; }
void diag_set_warnings(struct diag *d, bool on) { d->no_warnings = !on; }
FILE *diag_output(const struct diag *d) { return d->out; }

void diag_set_output(struct diag *d, FILE *out)
{
	d->out = out;
	d->color = color_default(out);
}

uint16_t diag_source_add(struct diag *d, const char *name, const char *text, size_t len)
{
	if (d->nsrc == d->capsrc) {
		d->capsrc = d->capsrc ? d->capsrc * 2 : 4;
		d->src = xrealloc(d->src, d->capsrc * sizeof(*d->src));
	}
	d->src[d->nsrc] = (struct diag_source){ xstrdup(name), text, len };
	return d->nsrc++;
}

const struct diag_source *diag_source(const struct diag *d, uint16_t file)
{
	return file < d->nsrc ? &d->src[file] : NULL;
}

unsigned diag_errors(const struct diag *d) { return d->errors; }
unsigned diag_warnings(const struct diag *d) { return d->warnings; }

/* bpftrace's level words: scripts and test suites grep for "ERROR:". Notes
 * are what current bpftrace calls hints. */
static const char *level_name[] = {
	[DIAG_ERROR] = "ERROR", [DIAG_WARNING] = "WARNING", [DIAG_NOTE] = "HINT",
};
static const char *level_color[] = {
	[DIAG_ERROR] = "\033[1;31m", [DIAG_WARNING] = "\033[1;35m", [DIAG_NOTE] = "\033[1;36m",
};

/* The source line holding the span's start, then a marker line that copies
 * the line's tabs so the caret lines up however the terminal expands them. */
static void show_line(struct diag *d, const struct diag_source *s, struct span at)
{
	if (!s->text || at.off > s->len)
		return;
	size_t b = at.off;
	while (b > 0 && s->text[b - 1] != '\n')
		b--;
	size_t e = at.off;
	while (e < s->len && s->text[e] != '\n')
		e++;
	fwrite(s->text + b, 1, e - b, d->out);   /* all of it, NUL bytes included */
	fputc('\n', d->out);
	size_t last = at.end > at.off ? at.end - 1 : at.off;
	if (last >= e)
		last = e > at.off ? e - 1 : at.off;
	for (size_t i = b; i < at.off; i++)
		fputc(s->text[i] == '\t' ? '\t' : ' ', d->out);
	if (d->color)
		fputs("\033[1;32m", d->out);
	fputc('^', d->out);
	for (size_t i = at.off + 1; i <= last; i++)
		fputc('~', d->out);
	if (d->color)
		fputs("\033[0m", d->out);
	fputc('\n', d->out);
}

/* Past DIAG_MAX_SHOWN located errors (or warnings) the rest are counted, not
 * shown: a generated script with 100,000 mistakes gives a screenful, not
 * 100,000 source lines. Says so once, on the first one hidden. Messages with
 * no place (the runtime's, one per event as bpftrace prints them) are not
 * limited. */
static bool over_limit(struct diag *d, enum diag_level lvl)
{
	if (lvl == DIAG_NOTE)
		return d->hide_notes;
	unsigned n = ++d->located[lvl == DIAG_ERROR ? 0 : 1];
	d->hide_notes = n > DIAG_MAX_SHOWN;
	if (n == DIAG_MAX_SHOWN + 1)
		fprintf(d->out, "%s: too many %s: only the first %u are shown\n",
			level_name[lvl], lvl == DIAG_ERROR ? "errors" : "warnings", DIAG_MAX_SHOWN);
	return d->hide_notes;
}

/* bpftrace's place: FILE:LINE:COL-END where END is one past the span's last
 * column (an empty span reads COL-COL), or FILE:LINE-ENDLINE for a span
 * over several lines. */
static void print_place(struct diag *d, const struct diag_source *s, struct span at)
{
	fprintf(d->out, "%s:", s ? s->name : "hawk");
	if (at.end_line > at.line) {
		fprintf(d->out, "%u-%u: ", at.line, at.end_line);
		return;
	}
	uint32_t end = at.end > at.off && at.end_col >= at.col ? at.end_col + 1 : at.col;
	fprintf(d->out, "%u:%u-%u: ", at.line, at.col, end);
}

void diag_report(struct diag *d, enum diag_level lvl, struct span at, const char *fmt, va_list ap)
{
	const struct diag_source *s = diag_source(d, at.file);
	if (lvl == DIAG_WARNING && d->no_warnings)
		return;
	if (lvl == DIAG_ERROR)
		d->errors++;
	else if (lvl == DIAG_WARNING)
		d->warnings++;
	if (over_limit(d, lvl))
		return;
	if (d->color)
		fputs("\033[1m", d->out);
	print_place(d, s, at);
	if (d->color)
		fprintf(d->out, "%s%s:\033[0m\033[1m ", level_color[lvl], level_name[lvl]);
	else
		fprintf(d->out, "%s: ", level_name[lvl]);
	vfprintf(d->out, fmt, ap);
	if (d->color)
		fputs("\033[0m", d->out);
	fputc('\n', d->out);
	if (s)
		show_line(d, s, at);
}

#define DIAG_FN(fn, lvl)                                              \
	void fn(struct diag *d, struct span at, const char *fmt, ...) \
	{                                                             \
		va_list ap;                                           \
		va_start(ap, fmt);                                    \
		diag_report(d, lvl, at, fmt, ap);                     \
		va_end(ap);                                           \
	}
DIAG_FN(diag_error, DIAG_ERROR)
DIAG_FN(diag_warning, DIAG_WARNING)
DIAG_FN(diag_note, DIAG_NOTE)

void diag_clang(struct diag *d, const char *what, struct span at, const char *fmt, ...)
{
	const struct diag_source *s = diag_source(d, at.file);
	d->errors++;
	if (over_limit(d, DIAG_ERROR))
		return;
	if (d->color)
		fputs("\033[1m", d->out);
	fprintf(d->out, "%s:%u:%u: ", s ? s->name : "hawk", at.line, at.col);
	if (d->color)
		fprintf(d->out, "%s%s:\033[0m\033[1m ", level_color[DIAG_ERROR], what);
	else
		fprintf(d->out, "%s: ", what);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	if (d->color)
		fputs("\033[0m", d->out);
	fputc('\n', d->out);
	if (s)
		show_line(d, s, at);
}

void diag_plain(struct diag *d, enum diag_level lvl, const char *fmt, ...)
{
	va_list ap;
	if (lvl == DIAG_WARNING && d->no_warnings)
		return;
	if (lvl == DIAG_ERROR)
		d->errors++;
	else if (lvl == DIAG_WARNING)
		d->warnings++;
	if (d->color)
		fprintf(d->out, "\033[1m%s%s:\033[0m ", level_color[lvl], level_name[lvl]);
	else
		fprintf(d->out, "%s: ", level_name[lvl]);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
}
