/* arena: bump allocation for everything that lives as long as one compilation. */
#ifndef HAWK_ARENA_H
#define HAWK_ARENA_H

#include <stddef.h>

/* An arena owns every block handed out by arena_alloc and frees them all in
 * arena_free. Allocation never fails: out of memory aborts the process. */
struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);

void *arena_alloc(struct arena *a, size_t size);          /* zeroed, 16-byte aligned */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
size_t arena_used(const struct arena *a);

/* An arena array with room for one more element: returns `v` while n < *cap,
 * else a copy twice the size (*cap updated). The old block stays in the
 * arena until it is freed. Use: v = arena_grow(a, v, n, &cap, sizeof(*v)). */
void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size);

/* Helpers for long-lived runtime objects: abort on out-of-memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
