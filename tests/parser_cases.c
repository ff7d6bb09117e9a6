/* parser_cases: runs the tests/parser case files (program -> tree dump or exact diagnostic) as TAP. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/diag.h"
#include "ast/ast.h"
#include "parser/parse.h"

/* Case files (the format is in tests/parser/README.md):
 *
 *   # comments, only before the first case
 *   === case name
 *   program text, one or more lines
 *   --- args A B C        (optional: positional parameters)
 *   --- ast | --- error
 *   expected output, up to the next "=== " line or the end of the file
 *
 * The program is given to the parser as `-e` would give it: file name
 * "stdin", lines joined by '\n', no newline at the end. */

enum expect { EXPECT_AST, EXPECT_ERROR };

struct tcase {
	char *name;
	char *prog;
	char **args;
	int nargs;
	enum expect expect;
	char *want;
	unsigned line;          /* of the "===" line, for messages */
};

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static char *buf_take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	*b = (struct buf){ 0 };
	return s;
}

/* Trailing whitespace (blank lines, a final newline) never matters: an
 * editor may add or drop it, and the dumps never end in it. */
static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	s[n] = '\0';
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_take(&b);
}

static bool starts(const char *line, const char *prefix)
{
	return !strncmp(line, prefix, strlen(prefix));
}

/* Inputs a case file cannot hold as they are: "$(repeat N)TEXT$(end)" is TEXT
 * N times, with "$(i)" in it the repetition's number (0..N-1), "$(next)" that
 * number plus one, and "\n" a
 * newline; "$(nul)" is a NUL byte (and a NUL byte in the output reads back as
 * "$(nul)"). "$(" is never valid bpftrace, so no real program is changed. */
static char *expand_program(const char *p, size_t *len)
{
	struct buf b = { 0 };
	char num[24];
	while (*p) {
		if (!strncmp(p, "$(nul)", 6)) {
			buf_add(&b, "", 1);
			p += 6;
			continue;
		}
		const char *close = strncmp(p, "$(repeat ", 9) ? NULL : strchr(p, ')');
		const char *end = close ? strstr(close, "$(end)") : NULL;
		if (!end) {
			buf_add(&b, p++, 1);
			continue;
		}
		unsigned long n = strtoul(p + 9, NULL, 10);
		for (unsigned long i = 0; i < n; i++)
			for (const char *t = close + 1; t < end; t++) {
				if (!strncmp(t, "$(i)", 4)) {
					buf_add(&b, num, (size_t)snprintf(num, sizeof num, "%lu", i));
					t += 3;
				} else if (!strncmp(t, "$(next)", 7)) {
					buf_add(&b, num, (size_t)snprintf(num, sizeof num, "%lu", i + 1));
					t += 6;
				} else if (t[0] == '\\' && t[1] == 'n') {
					buf_add(&b, "\n", 1);
					t++;
				} else {
					buf_add(&b, t, 1);
				}
			}
		p = end + 6;
	}
	*len = b.len;
	return buf_take(&b);
}

/* "--- args A B C": whitespace-separated words, no quoting. */
static void parse_args(struct tcase *c, char *words)
{
	for (char *w = strtok(words, " \t"); w; w = strtok(NULL, " \t")) {
		c->args = xrealloc(c->args, (size_t)(c->nargs + 1) * sizeof(*c->args));
		c->args[c->nargs++] = xstrdup(w);
	}
}

/* Splits `text` (modified in place) into cases. `header` gets the comment
 * lines before the first case, for --print. Returns -1 on a malformed file. */
static int parse_file(const char *path, char *text, struct tcase **out, int *ncases, char **header)
{
	enum { HEAD, PROG, WANT } st = HEAD;
	struct buf prog = { 0 }, want = { 0 }, head = { 0 };
	struct tcase *cs = NULL, *c = NULL;
	int n = 0;
	unsigned lineno = 0;
	for (char *line = text, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		lineno++;
		if (starts(line, "=== ")) {
			if (c) {
				if (st != WANT) {
					fprintf(stderr, "%s:%u: case '%s' has no '--- ast' or '--- error'\n",
						path, c->line, c->name);
					return -1;
				}
				c->want = buf_take(&want);
				rtrim(c->want);
			}
			cs = xrealloc(cs, (size_t)(n + 1) * sizeof(*cs));
			c = &cs[n++];
			*c = (struct tcase){ .name = xstrdup(line + 4), .line = lineno };
			st = PROG;
		} else if (st == HEAD) {
			if (*line && line[0] != '#') {
				fprintf(stderr, "%s:%u: text before the first '=== ' is not a comment\n",
					path, lineno);
				return -1;
			}
			buf_add(&head, line, strlen(line));
			buf_add(&head, "\n", 1);
		} else if (st == PROG && starts(line, "--- args")) {
			parse_args(c, line + 8);
		} else if (st == PROG && (!strcmp(line, "--- ast") || !strcmp(line, "--- error"))) {
			c->expect = line[4] == 'a' ? EXPECT_AST : EXPECT_ERROR;
			c->prog = buf_take(&prog);
			if (!c->prog[0]) {
				fprintf(stderr, "%s:%u: case '%s' has no program\n", path, c->line, c->name);
				return -1;
			}
			c->prog[strlen(c->prog) - 1] = '\0';   /* the last '\n' */
			st = WANT;
		} else {
			struct buf *b = st == PROG ? &prog : &want;
			buf_add(b, line, strlen(line));
			buf_add(b, "\n", 1);
		}
	}
	if (c) {
		if (st != WANT) {
			fprintf(stderr, "%s:%u: case '%s' has no '--- ast' or '--- error'\n",
				path, c->line, c->name);
			return -1;
		}
		c->want = buf_take(&want);
		rtrim(c->want);
	}
	free(prog.s);
	*out = cs;
	*ncases = n;
	*header = buf_take(&head);
	return 0;
}

/* Runs one case: the tree dump when it parses (followed by any warnings),
 * else the diagnostics. *ok_parse tells which. The result is malloc'ed. */
static char *run_case(const struct tcase *c, bool *ok_parse)
{
	char *dtext = NULL, *ttext = NULL;
	size_t dlen = 0, tlen = 0;
	FILE *dout = open_memstream(&dtext, &dlen);
	FILE *tout = open_memstream(&ttext, &tlen);
	struct arena *a = arena_new();
	struct diag *d = diag_new(dout);
	diag_set_color(d, false);
	size_t len;
	char *text = expand_program(c->prog, &len);
	uint16_t file = diag_source_add(d, "stdin", text, len);

	struct ast *prog = parse_program(a, d, file);
	if (prog && diag_errors(d) == 0)
		ap_parse_program(prog, a, d, c->args, c->nargs);
	*ok_parse = prog && diag_errors(d) == 0;
	if (*ok_parse)
		ast_dump(tout, prog);

	diag_free(d);
	arena_free(a);
	free(text);
	fclose(dout);
	fclose(tout);
	/* Dump first, then whatever the diagnostics module said. */
	struct buf b = { 0 };
	if (*ok_parse)
		buf_add(&b, ttext, tlen);
	for (size_t i = 0; i < dlen; i++)     /* a NUL byte as the case file writes it */
		buf_add(&b, dtext[i] ? dtext + i : "$(nul)", dtext[i] ? 1 : 6);
	free(dtext);
	free(ttext);
	char *got = buf_take(&b);
	rtrim(got);
	return got;
}

/* Splits s (copied) into lines for the diff. */
static char **lines_of(const char *s, int *n)
{
	*n = 0;
	if (!*s)        /* no lines at all, rather than one empty line */
		return NULL;
	char *copy = xstrdup(s), **v = NULL;
	for (char *p = copy, *nl; p; p = nl) {
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		v = xrealloc(v, (size_t)(*n + 2) * sizeof(*v));
		v[(*n)++] = p;
	}
	return v;
}

/* A line diff (longest common subsequence) as TAP comments: "# -" lines
 * expected but missing, "# +" lines got but not expected. Cases are small,
 * so the quadratic table is fine. */
static void print_diff(const char *want, const char *got)
{
	int nw, ng;
	char **w = lines_of(want, &nw), **g = lines_of(got, &ng);
	int *t = xcalloc((size_t)(nw + 1) * (size_t)(ng + 1), sizeof(int));
#define T(i, j) t[(size_t)(i) * (size_t)(ng + 1) + (size_t)(j)]
	for (int i = nw - 1; i >= 0; i--)
		for (int j = ng - 1; j >= 0; j--)
			T(i, j) = !strcmp(w[i], g[j]) ? T(i + 1, j + 1) + 1
				: T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
	int i = 0, j = 0;
	while (i < nw || j < ng) {
		if (i < nw && j < ng && !strcmp(w[i], g[j])) {
			printf("#  %s\n", w[i++]);
			j++;
		} else if (j < ng && (i == nw || T(i, j + 1) >= T(i + 1, j))) {
			printf("# +%s\n", g[j++]);
		} else {
			printf("# -%s\n", w[i++]);
		}
	}
#undef T
	free(t);
	if (nw)
		free(w[0]);
	if (ng)
		free(g[0]);
	free(w);
	free(g);
}

static void print_case(const struct tcase *c, const char *got, bool ok_parse)
{
	printf("=== %s\n%s\n", c->name, c->prog);
	if (c->nargs) {
		fputs("--- args", stdout);
		for (int i = 0; i < c->nargs; i++)
			printf(" %s", c->args[i]);
		putchar('\n');
	}
	printf("--- %s\n%s\n", ok_parse ? "ast" : "error", got);
}

static void free_cases(struct tcase *cs, int n)
{
	for (int i = 0; i < n; i++) {
		free(cs[i].name);
		free(cs[i].prog);
		free(cs[i].want);
		for (int k = 0; k < cs[i].nargs; k++)
			free(cs[i].args[k]);
		free(cs[i].args);
	}
	free(cs);
}

int main(int argc, char **argv)
{
	bool print = argc > 1 && !strcmp(argv[1], "--print");
	int first = print ? 2 : 1;
	if (first >= argc) {
		fprintf(stderr, "usage: parser_cases [--print] FILE.test...\n");
		return 2;
	}

	struct file { struct tcase *cs; int n; char *text, *header; } *files;
	files = xcalloc((size_t)argc, sizeof(*files));
	int total = 0;
	for (int f = first; f < argc; f++) {
		files[f].text = read_file(argv[f]);
		if (!files[f].text) {
			perror(argv[f]);
			return 2;
		}
		if (parse_file(argv[f], files[f].text, &files[f].cs, &files[f].n, &files[f].header))
			return 2;
		total += files[f].n;
	}

	int failed = 0, k = 0;
	if (!print)
		printf("1..%d\n", total);
	for (int f = first; f < argc; f++) {
		if (print)
			fputs(files[f].header, stdout);
		for (int i = 0; i < files[f].n; i++) {
			const struct tcase *c = &files[f].cs[i];
			bool ok_parse;
			char *got = run_case(c, &ok_parse);
			if (print) {
				print_case(c, got, ok_parse);
			} else if (ok_parse == (c->expect == EXPECT_AST) && !strcmp(got, c->want)) {
				printf("ok %d - %s\n", ++k, c->name);
			} else {
				failed++;
				printf("not ok %d - %s\n", ++k, c->name);
				if (ok_parse == (c->expect == EXPECT_AST))
					printf("# %s:%u: output differs (-expected +got)\n",
					       argv[f], c->line);
				else
					printf("# %s:%u: expected %s, got %s (-expected +got)\n",
					       argv[f], c->line,
					       c->expect == EXPECT_AST ? "a tree" : "an error",
					       ok_parse ? "a tree" : "an error");
				print_diff(c->want, got);
			}
			free(got);
		}
		free_cases(files[f].cs, files[f].n);
		free(files[f].text);
		free(files[f].header);
	}
	free(files);
	if (!print && failed)
		printf("# %d of %d failed\n", failed, total);
	return failed ? 1 : 0;
}
