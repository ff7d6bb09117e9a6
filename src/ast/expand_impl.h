/* expand_impl: what the expansion pass's files share (expand.c, expand_user.c). */
#ifndef HAWK_EXPAND_IMPL_H
#define HAWK_EXPAND_IMPL_H

#include "ast/sema.h"

struct expander {
	struct pass_ctx *ctx;
	struct sema *s;
	unsigned errors;
};

/* A new program for attach point ap of probe. */
struct sema_expansion *expand_add(struct expander *x, struct ast *probe, struct ast *ap);

/* expand_user.c: uprobe/uretprobe and usdt, from the objects' symbols and notes. */
void expand_uprobe(struct expander *x, struct ast *probe, struct ast *ap);
void expand_usdt(struct expander *x, struct ast *probe, struct ast *ap);
void expand_watchpoint(struct expander *x, struct ast *probe, struct ast *ap);

#endif
