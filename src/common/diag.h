/* diag: the one diagnostics module; every located error, warning and libbpf message goes here. */
#ifndef HAWK_DIAG_H
#define HAWK_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A place in a source: byte offsets [off, end) plus the 1-based line and
 * column of both ends (end_col is the column of the last character).
 * file indexes the sources registered with diag_source_add. */
struct span {
	uint32_t off, end;
	uint32_t line, col;
	uint32_t end_line, end_col;
	uint16_t file;
};

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag_source {
	const char *name;       /* "stdin" for -e, else the path as given */
	const char *text;       /* borrowed: the caller keeps it alive */
	size_t len;
};

/* Owns its copies of source names, not the texts. */
struct diag;

struct diag *diag_new(FILE *out);
void diag_free(struct diag *d);

/* Colour: auto (a terminal and no NO_COLOR), or forced either way. */
void diag_set_color(struct diag *d, bool on);
void diag_set_output(struct diag *d, FILE *out);
/* --no-warnings: warnings are neither printed nor counted. */
void diag_set_warnings(struct diag *d, bool on);
FILE *diag_output(const struct diag *d);

uint16_t diag_source_add(struct diag *d, const char *name, const char *text, size_t len);
const struct diag_source *diag_source(const struct diag *d, uint16_t file);

/* How many located errors, and how many located warnings, are shown; later
 * ones are counted (diag_errors) but not printed, and one line says so. */
#define DIAG_MAX_SHOWN 20

/* FILE:LINE:COL-END: ERROR: message (bpftrace's form), then the source line and a
 * ^~~ underline. */
void diag_error(struct diag *d, struct span at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warning(struct diag *d, struct span at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_note(struct diag *d, struct span at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_report(struct diag *d, enum diag_level lvl, struct span at,
		 const char *fmt, va_list ap);

/* An error in the script's C definitions or its preprocessor lines, in the
 * form bpftrace's C parser (clang) gives them, which scripts grep for:
 * FILE:LINE:COL: error: message (`what` is clang's word: "error", "fatal
 * error"), then the source line and underline. Counted as an error. */
void diag_clang(struct diag *d, const char *what, struct span at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A message with no place in the source: "ERROR: message". */
void diag_plain(struct diag *d, enum diag_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

unsigned diag_errors(const struct diag *d);
unsigned diag_warnings(const struct diag *d);

/* A span from the start of a to the end of b (a first); inline because the
 * parser joins spans on every reduction. */
static inline struct span span_join(struct span a, struct span b)
{
	struct span s = a;
	if (b.end >= a.end) {
		s.end = b.end;
		s.end_line = b.end_line;
		s.end_col = b.end_col;
	}
	return s;
}

#endif
