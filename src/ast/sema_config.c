/* sema_config: `config = { key = value; ... }` sets bpftrace's settings (config.h) before the passes that read them. */
#include <stdio.h>

#include "ast/sema.h"
#include "common/config.h"

/* Values as bpftrace takes them: a number, a name (stack_mode = perf), a
 * string (license = "GPL v2") or true/false. */
static const char *value_text(const struct ast *v, char *buf, size_t n)
{
	if (v->kind == AST_INT) {
		snprintf(buf, n, "%llu", (unsigned long long)v->num.value);
		return buf;
	}
	if (v->kind == AST_BOOL)
		return v->boolean.value ? "1" : "0";
	if (v->kind == AST_STRING)
		return v->str.s;
	if (v->kind == AST_IDENT || v->kind == AST_BUILTIN)
		return v->ident.name;
	return NULL;
}

unsigned sema_config(struct pass_ctx *ctx)
{
	unsigned errors = 0;
	for (struct ast *it = ctx->prog->program.items; it; it = it->next) {
		if (it->kind != AST_CONFIG)
			continue;
		for (struct ast *kv = it->config.items; kv; kv = kv->next) {
			char buf[32], err[256];
			const char *v = value_text(kv->named.value, buf, sizeof(buf));
			if (!v) {
				diag_error(ctx->diag, kv->named.value->span, "config: the value of %s must be "
					   "a number, a name, a string, true or false", kv->named.name);
				errors++;
			} else if (ctx->cfg && cfg_set_script(ctx->cfg, kv->named.name, v, err, sizeof(err))) {
				diag_error(ctx->diag, kv->span, "%s", err);
				errors++;
			}
		}
	}
	return errors;
}
