/* cg_proc: what ties programs to a process: `cpid` (the -c child) and -p's filter, read from .rodata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/cg_impl.h"

/* A u64 in .rodata that the runtime fills in before load (rt: globals.c):
 * the value is not known here, since the child is forked by the runtime.
 * The kernel freezes .rodata, so the verifier knows the value and prunes
 * the branches it decides. One global per name, made on first use. */
LLVMValueRef cg_rodata_global(struct cg *c, const char *name, LLVMTypeRef ty, LLVMValueRef init,
			      LLVMMetadataRef di)
{
	LLVMValueRef g = LLVMAddGlobal(c->mod, ty, name);
	LLVMSetInitializer(g, init);
	LLVMSetGlobalConstant(g, true);
	LLVMSetSection(g, ".rodata");
	LLVMSetAlignment(g, 8);
	LLVMSetLinkage(g, LLVMExternalLinkage);
	/* BTF for the variable: libbpf lays .rodata out from its DATASEC, and
	 * the runtime finds a variable it fills in there by name */
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
		c->di, c->dicu, name, strlen(name), "", 0, c->difile, 0, di, false,
		LLVMDIBuilderCreateExpression(c->di, NULL, 0), NULL, 64);
	LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(c->ctx, "dbg", 3), gve);
	return g;
}

LLVMMetadataRef cg_di_array(struct cg *c, const char *elem, unsigned bits, unsigned encoding, uint64_t n)
{
	LLVMMetadataRef et = LLVMDIBuilderCreateBasicType(c->di, elem, strlen(elem), bits, encoding, 0);
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(c->di, 0, (int64_t)n);
	return LLVMDIBuilderCreateArrayType(c->di, n * bits, bits, et, &sub, 1);
}

static LLVMValueRef rodata_u64(struct cg *c, const char *name)
{
	LLVMValueRef g = LLVMGetNamedGlobal(c->mod, name);
	if (!g)
		g = cg_rodata_global(c, name, c->i64, LLVMConstInt(c->i64, 0, false),
				     LLVMDIBuilderCreateBasicType(c->di, "long", 4, 64, 5, 0));
	/* volatile: the initializer 0 is a placeholder the backend must not fold */
	LLVMValueRef v = LLVMBuildLoad2(c->b, c->i64, g, "");
	LLVMSetVolatile(v, true);
	LLVMSetAlignment(v, 8);
	return v;
}

/* cpid: the -c child's pid. */
LLVMValueRef cg_cpid(struct cg *c)
{
	return rodata_u64(c, DESC_VAR_CPID);
}

/* `elapsed`'s origin and `ncpus`: the running machine's, set at load. */
LLVMValueRef cg_start_ns(struct cg *c)
{
	return rodata_u64(c, DESC_VAR_START_NS);
}

LLVMValueRef cg_ncpus(struct cg *c)
{
	return rodata_u64(c, DESC_VAR_NCPUS);
}

/* -p PID: bpftrace (0.24) filters the probes that cannot be attached to
 * one process (the record's RT_PROV_PID_FILTER); uprobes, usdt and
 * watchpoints attach to it instead, and perf events (profile, interval,
 * software) are not filtered. */
static bool needs_filter(enum probe_type t)
{
	const struct rt_provider *k = rt_provider_of(t);
	return k && (k->flags & RT_PROV_PID_FILTER);
}

/* At the top of a program's body: return at once for any other process. */
void cg_pid_filter(struct cg *c)
{
	if (!c->opts || !(c->opts->pid_filter || c->opts->aot) || !needs_filter(c->exp->type))
		return;
	LLVMValueRef want = rodata_u64(c, DESC_VAR_PID);
	LLVMValueRef tgid = LLVMBuildLShr(c->b, cg_helper(c, H_PID_TGID, c->i64, NULL, 0),
					  cg_const(c, 32), "");
	LLVMBasicBlockRef other = cg_block(c, "other_pid"), ours = cg_block(c, "our_pid");
	LLVMValueRef differs = LLVMBuildICmp(c->b, LLVMIntNE, tgid, want, "");
	/* an artifact takes -p when it runs: pid 0 (no -p) filters nothing,
	 * and the verifier drops the test as .rodata is frozen */
	if (c->opts->aot)
		differs = LLVMBuildAnd(c->b, differs, LLVMBuildICmp(c->b, LLVMIntNE, want,
								   cg_const(c, 0), ""), "");
	LLVMBuildCondBr(c->b, differs, other, ours);
	LLVMPositionBuilderAtEnd(c->b, other);
	LLVMBuildRet(c->b, cg_const(c, 0));
	LLVMPositionBuilderAtEnd(c->b, ours);
}

/* ---- --aot: positional parameters set at load ---- */

/* $N's entry in desc.params, made (for every parameter up to N) on first use. */
static struct desc_param *param_entry(struct cg *c, uint32_t n)
{
	struct desc *d = c->desc;
	if (!d->params)
		d->params = arena_alloc(c->a, CG_AOT_PARAMS_MAX * sizeof(*d->params));
	if (n > d->nparams)
		d->nparams = n;
	return &d->params[n - 1];
}

/* A [size x i8] in .rodata the runtime fills before load (read with volatile
 * loads, so that none is folded to the placeholder zeros). */
static LLVMValueRef rodata_bytes(struct cg *c, const char *name, uint32_t size)
{
	LLVMValueRef g = LLVMGetNamedGlobal(c->mod, name);
	if (g)
		return g;
	LLVMTypeRef at = LLVMArrayType(c->i8, size);
	g = LLVMAddGlobal(c->mod, at, name);
	LLVMSetInitializer(g, LLVMConstNull(at));
	LLVMSetGlobalConstant(g, true);
	LLVMSetSection(g, ".rodata");
	LLVMSetAlignment(g, 8);
	LLVMSetLinkage(g, LLVMExternalLinkage);
	LLVMMetadataRef chr = LLVMDIBuilderCreateBasicType(c->di, "char", 4, 8, 6, 0);
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(c->di, 0, size);
	LLVMMetadataRef arr = LLVMDIBuilderCreateArrayType(c->di, (uint64_t)size * 8, 8, chr, &sub, 1);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
		c->di, c->dicu, name, strlen(name), "", 0, c->difile, 0, arr, false,
		LLVMDIBuilderCreateExpression(c->di, NULL, 0), NULL, 64);
	LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(c->ctx, "dbg", 3), gve);
	return g;
}

/* $N read as a value in an artifact: an integer or a string of t's size. */
struct cg_val cg_param(struct cg *c, uint32_t n, const struct ty *t)
{
	if (n < 1 || n > CG_AOT_PARAMS_MAX) {
		cg_error(c, c->read_at, "--aot: at most %u positional parameters", CG_AOT_PARAMS_MAX);
		return cg_val_scalar(cg_const(c, 0));
	}
	struct desc_param *p = param_entry(c, n);
	char name[32];
	snprintf(name, sizeof(name), "%s%u", DESC_VAR_PARAM, n);
	if (t->kind != TY_STRING) {
		if (p->use != DESC_PARAM_STR)
			p->use = DESC_PARAM_INT;
		return cg_val_scalar(rodata_u64(c, name));
	}
	p->use = DESC_PARAM_STR;
	p->size = t->size;
	LLVMValueRef g = rodata_bytes(c, name, t->size);
	LLVMValueRef buf = cg_tmp(c, t->size);
	for (uint32_t off = 0; off < t->size;) {
		LLVMTypeRef it = t->size - off >= 8 ? c->i64 : c->i8;
		unsigned w = t->size - off >= 8 ? 8 : 1;
		LLVMValueRef v = LLVMBuildLoad2(c->b, it, cg_gep(c, g, off), "");
		LLVMSetVolatile(v, true);
		LLVMSetAlignment(v, w);
		LLVMValueRef st = LLVMBuildStore(c->b, v, cg_gep(c, buf, off));
		LLVMSetAlignment(st, w);
		off += w;
	}
	return cg_val_mem(buf);
}

/* `$#` in an artifact. */
LLVMValueRef cg_param_count(struct cg *c)
{
	return rodata_u64(c, DESC_VAR_NPARAMS);
}

/* Every parameter given at compile time in desc.params, with how the code
 * uses it: folded values (sema's params_fixed, attach points) are fixed. */
void cg_params_finish(struct cg *c)
{
	struct pass_ctx *pc = c->pc;
	uint64_t fixed = pc->params_fixed;
	for (const struct ast *it = pc->prog ? pc->prog->program.items : NULL; it; it = it->next) {
		if (it->kind != AST_PROBE)
			continue;
		for (const struct ast *ap = it->probe.aps; ap; ap = ap->next) {
			const char *r = ap->kind == AST_ATTACH_POINT && ap->ap ? ap->ap->raw : NULL;
			for (; r && *r; r++)
				if (r[0] == '$' && r[1] >= '1' && r[1] <= '9') {
					unsigned long k = strtoul(r + 1, NULL, 10);
					if (k <= 64)
						fixed |= 1ull << (k - 1);
				}
		}
	}
	uint32_t n = (uint32_t)pc->nparams;
	if (n > CG_AOT_PARAMS_MAX) {
		cg_error(c, pc->prog->span, "--aot: at most %u positional parameters", CG_AOT_PARAMS_MAX);
		return;
	}
	for (uint32_t i = 1; i <= n; i++)
		param_entry(c, i);
	c->desc->params_given = n;
	for (uint32_t i = 0; i < c->desc->nparams; i++) {
		struct desc_param *p = &c->desc->params[i];
		p->text = i < n ? pc->params[i] : "";
		if (i < 64 && (fixed >> i & 1))
			p->use = DESC_PARAM_FIXED;
	}
}
