/* cg_stmt: statements and probe bodies; one BPF program per concrete attach point. */
#include <string.h>

#include "codegen/cg_impl.h"
#include "probes/provider.h"

/* A variable holds the widest of the values assigned to it anywhere in the
 * probe (a string's largest capacity), so its storage is sized once. */
static void var_types(struct cg *c, struct ast *n)
{
	for (; n; n = n->next) {
		switch (n->kind) {
		case AST_ASSIGN:
		case AST_LET: {
			struct ast *v = n->kind == AST_ASSIGN ? n->assign.target : n->let.var;
			if (v->kind != AST_VAR || !v->type)
				break;
			const struct ty *t = v->type;
			struct cg_var *old = cg_var_find(c, v->ident.name);
			if (!old) {
				c->vars = arena_grow(c->a, c->vars, c->nvars, &c->capvars, sizeof(*c->vars));
				c->vars[c->nvars++] = (struct cg_var){ .name = v->ident.name, .type = t };
			} else if (ty_size(t) > ty_size(old->type) && t->kind == old->type->kind) {
				old->type = t;
			}
			break;
		}
		case AST_IF:
			var_types(c, n->if_.then->block.stmts);
			if (n->if_.els)
				var_types(c, n->if_.els->kind == AST_BLOCK ? n->if_.els->block.stmts : n->if_.els);
			break;
		case AST_WHILE:
			var_types(c, n->while_.body->block.stmts);
			break;
		case AST_FOR: {
			struct ast *v = n->for_.var;
			if (v->type && !cg_var_find(c, v->ident.name)) {
				c->vars = arena_grow(c->a, c->vars, c->nvars, &c->capvars, sizeof(*c->vars));
				c->vars[c->nvars++] = (struct cg_var){ v->ident.name, NULL, v->type,
								       n->for_.iter->kind == AST_MAP ? n : NULL };
			}
			var_types(c, n->for_.body->block.stmts);
			break;
		}
		case AST_UNROLL:
			var_types(c, n->unroll.body->block.stmts);
			break;
		case AST_BLOCK:
			var_types(c, n->block.stmts);
			break;
		case AST_PROGRAM: case AST_C_DEF: case AST_CONFIG: case AST_IMPORT: case AST_MACRO:
		case AST_MAP_DECL: case AST_PROBE: case AST_ATTACH_POINT: case AST_EXPR_STMT:
		case AST_JUMP: case AST_INT: case AST_STRING: case AST_BOOL:
		case AST_POSITIONAL: case AST_POSITIONAL_COUNT: case AST_BUILTIN: case AST_IDENT:
		case AST_VAR: case AST_MAP: case AST_CALL: case AST_UNARY: case AST_BINARY:
		case AST_TERNARY: case AST_FIELD: case AST_INDEX: case AST_CAST: case AST_TUPLE:
		case AST_RECORD: case AST_NAMED: case AST_SIZEOF: case AST_OFFSETOF: case AST_RANGE:
		case AST_BLOCK_EXPR: case AST_TYPE: case AST__COUNT:
			break;
		}
	}
}

/* Whether $name appears in the tree list outside the for statement `loop`
 * (its own variable and body excluded). */
static bool named_outside(struct ast *list, const char *name, const struct ast *loop)
{
	for (struct ast *n = list; n; n = n->next) {
		if (n == loop)
			continue;
		if (n->kind == AST_VAR && !strcmp(n->ident.name, name))
			return true;
		struct ast *kids[AST_MAX_CHILDREN];
		unsigned k = ast_children(n, kids);
		for (unsigned i = 0; i < k; i++)
			if (named_outside(kids[i], name, loop))
				return true;
	}
	return false;
}

/* A range bound the verifier follows through a plain loop: literals,
 * variables and parameters, and arithmetic on them. */
static bool simple_bound(const struct ast *e)
{
	if (e->kind == AST_INT || e->kind == AST_VAR || e->kind == AST_POSITIONAL)
		return true;
	if (e->kind == AST_UNARY)
		return simple_bound(e->unary.e);
	if (e->kind == AST_BINARY)
		return simple_bound(e->binary.l) && simple_bound(e->binary.r);
	return false;
}

static void var_storage(struct cg *c)
{
	for (unsigned i = 0; i < c->nvars; i++) {
		const struct ty *t = c->vars[i].type;
		if (c->vars[i].loop) {
			c->vars[i].slot = NULL;   /* taken at its loop */
			continue;
		}
		c->vars[i].slot = cg_is_mem(t) ? cg_tmp(c, ty_size(t)) : cg_alloca(c, 8);
		if (cg_is_mem(t))
			cg_memset(c, c->vars[i].slot, 8, ty_size(t));
		else
			LLVMBuildStore(c->b, cg_const(c, 0), c->vars[i].slot);
	}
	c->scratch_keep = c->scratch_off;
}

static void assign_var(struct cg *c, struct ast *target, struct cg_val v, const struct ty *vt)
{
	struct cg_var *var = cg_var_find(c, target->ident.name);
	if (!var)
		var = cg_var_add(c, target->ident.name, vt);
	if (cg_is_mem(var->type))
		cg_store_value(c, var->slot, 8, var->type, v, vt);
	else
		LLVMBuildStore(c->b, v.v, var->slot);
}

static void map_update(struct cg *c, struct ast *m, struct cg_val v, const struct ty *vt)
{
	int dm = cg_user_map(c, m->map.name);
	struct desc_map *d = &c->desc->maps[dm];
	LLVMValueRef val = cg_tmp(c, d->value_size);
	cg_store_value(c, val, 8, d->value, v, vt);
	LLVMValueRef key = cg_map_key(c, m->map.keys, dm);
	cg_map_update(c, dm, key, val);
}

static void assign(struct cg *c, struct ast *n)
{
	struct ast *target = n->assign.target, *value = n->assign.value;
	const struct ty *vt = value->type;
	if (target->kind == AST_MAP && vt && vt->kind == TY_AGG) {
		cg_map_assign_agg(c, target, value);
		return;
	}
	struct cg_val v;
	if (n->assign.op != AST_OP_NONE) {
		/* x op= y as x = x op y, reusing the binary operator's code. */
		struct ast bin = { .kind = AST_BINARY, .span = n->span, .type = target->type };
		bin.binary.op = n->assign.op;
		bin.binary.l = target;
		bin.binary.r = value;
		v = cg_expr(c, &bin);
		vt = target->type;
	} else if (target->kind == AST_MAP) {
		/* the value stored in place (cg_store_expr), then the key */
		int dm = cg_user_map(c, target->map.name);
		struct desc_map *d = &c->desc->maps[dm];
		LLVMValueRef val = cg_tmp(c, d->value_size);
		cg_store_expr(c, val, 8, d->value, value);
		cg_map_update(c, dm, cg_map_key(c, target->map.keys, dm), val);
		return;
	} else {
		v = cg_expr(c, value);
	}
	if (target->kind == AST_MAP)
		map_update(c, target, v, vt);
	else
		assign_var(c, target, v, vt);
}

static void stmt(struct cg *c, struct ast *n);

/* A statement's temporaries are dead once it is done: the next one reuses
 * their scratch (not what holds variables, scratch_keep), so a probe needs
 * the room of its largest statement, not of all of them (9999-byte strings
 * in a few statements fit BPF's 32 KiB). */
void cg_stmts(struct cg *c, struct ast *list)
{
	for (struct ast *s = list; s; s = s->next) {
		uint32_t mark = c->scratch_off;
		stmt(c, s);
		c->scratch_off = mark > c->scratch_keep ? mark : c->scratch_keep;
		if (LLVMGetBasicBlockTerminator(LLVMGetInsertBlock(c->b))) {
			/* after return/break/continue: the rest is unreachable */
			LLVMPositionBuilderAtEnd(c->b, cg_block(c, "dead"));
		}
	}
}

static void cond_branch(struct cg *c, struct ast *cond, LLVMBasicBlockRef yes, LLVMBasicBlockRef no)
{
	LLVMValueRef v = cg_scalar(c, cond);
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, v, cg_const(c, 0), ""), yes, no);
}

static void stmt(struct cg *c, struct ast *n)
{
	cg_location(c, n->span);
	switch (n->kind) {
	case AST_EXPR_STMT:
		cg_expr(c, n->expr_stmt.expr);
		break;
	case AST_ASSIGN:
		assign(c, n);
		break;
	case AST_LET:
		if (n->let.init)
			assign_var(c, n->let.var, cg_expr(c, n->let.init), n->let.init->type);
		break;
	case AST_IF: {
		LLVMBasicBlockRef yes = cg_block(c, "if_then"), no = cg_block(c, "if_else"), done = cg_block(c, "if_end");
		cond_branch(c, n->if_.cond, yes, no);
		LLVMPositionBuilderAtEnd(c->b, yes);
		cg_stmts(c, n->if_.then->block.stmts);
		LLVMBuildBr(c->b, done);
		LLVMPositionBuilderAtEnd(c->b, no);
		if (n->if_.els)
			stmt(c, n->if_.els);
		LLVMBuildBr(c->b, done);
		LLVMPositionBuilderAtEnd(c->b, done);
		break;
	}
	case AST_BLOCK:
		cg_stmts(c, n->block.stmts);
		break;
	case AST_WHILE: {
		LLVMBasicBlockRef head = cg_block(c, "while_cond"), body = cg_block(c, "while_body"),
				  done = cg_block(c, "while_end");
		LLVMBuildBr(c->b, head);
		LLVMPositionBuilderAtEnd(c->b, head);
		cond_branch(c, n->while_.cond, body, done);
		LLVMPositionBuilderAtEnd(c->b, body);
		c->loops[c->nloops++] = (struct cg_loop){ done, head };
		cg_stmts(c, n->while_.body->block.stmts);
		c->nloops--;
		LLVMBuildBr(c->b, head);
		LLVMPositionBuilderAtEnd(c->b, done);
		break;
	}
	case AST_FOR: {
		if (n->for_.iter->kind == AST_MAP) {
			cg_for_map(c, n);
			break;
		}
		if (!simple_bound(n->for_.iter->range.lo) || !simple_bound(n->for_.iter->range.hi)) {
			/* a map value or a call: the verifier cannot bound a plain loop */
			cg_for_range_callback(c, n);
			break;
		}
		/* for ($i : lo..hi): a counted loop; hi is evaluated once, before it.
		 * `continue` goes to the increment. */
		struct cg_var *v = cg_var_find(c, n->for_.var->ident.name);
		LLVMValueRef lo = cg_scalar(c, n->for_.iter->range.lo);
		LLVMValueRef end = cg_alloca(c, 8);
		LLVMBuildStore(c->b, cg_scalar(c, n->for_.iter->range.hi), end);
		LLVMBuildStore(c->b, lo, v->slot);
		LLVMBasicBlockRef head = cg_block(c, "for_cond"), body = cg_block(c, "for_body"),
				  step = cg_block(c, "for_step"), done = cg_block(c, "for_end");
		LLVMBuildBr(c->b, head);
		LLVMPositionBuilderAtEnd(c->b, head);
		LLVMValueRef i = LLVMBuildLoad2(c->b, c->i64, v->slot, "");
		LLVMValueRef more = LLVMBuildICmp(c->b, LLVMIntSLT, i, LLVMBuildLoad2(c->b, c->i64, end, ""), "");
		LLVMBuildCondBr(c->b, more, body, done);
		LLVMPositionBuilderAtEnd(c->b, body);
		c->loops[c->nloops++] = (struct cg_loop){ done, step };
		cg_stmts(c, n->for_.body->block.stmts);
		c->nloops--;
		LLVMBuildBr(c->b, step);
		LLVMPositionBuilderAtEnd(c->b, step);
		LLVMValueRef cur = LLVMBuildLoad2(c->b, c->i64, v->slot, "");
		LLVMBuildStore(c->b, LLVMBuildAdd(c->b, cur, cg_const(c, 1), ""), v->slot);
		LLVMBuildBr(c->b, head);
		LLVMPositionBuilderAtEnd(c->b, done);
		break;
	}
	case AST_UNROLL:
		for (uint64_t i = 0; i < n->unroll.count->num.value; i++)
			cg_stmts(c, n->unroll.body->block.stmts);
		break;
	case AST_JUMP:
		if (n->jump.kind == AST_JUMP_RETURN) {
			/* `return expr;`: the value is computed (its side effects
			 * happen) and the program returns as a plain return does */
			if (n->jump.value)
				(void)cg_expr(c, n->jump.value);
			cg_return(c);
		} else if (c->nloops) {
			struct cg_loop *l = &c->loops[c->nloops - 1];
			LLVMBuildBr(c->b, n->jump.kind == AST_JUMP_BREAK ? l->brk : l->cont);
		}
		break;
	case AST_PROGRAM: case AST_C_DEF: case AST_CONFIG: case AST_IMPORT:
	case AST_MACRO: case AST_MAP_DECL: case AST_PROBE: case AST_ATTACH_POINT: case AST_INT:
	case AST_STRING: case AST_BOOL: case AST_POSITIONAL: case AST_POSITIONAL_COUNT:
	case AST_BUILTIN: case AST_IDENT: case AST_VAR: case AST_MAP: case AST_CALL: case AST_UNARY:
	case AST_BINARY: case AST_TERNARY: case AST_FIELD: case AST_INDEX: case AST_CAST: case AST_TUPLE:
	case AST_RECORD: case AST_NAMED: case AST_SIZEOF: case AST_OFFSETOF: case AST_RANGE:
	case AST_BLOCK_EXPR: case AST_TYPE: case AST__COUNT:
		cg_error(c, n->span, "internal: no code for statement %s", ast_kind_name(n->kind));
		break;
	}
}

/* Where libbpf finds the program's type (and a tracepoint's target): the
 * probe type's record says, given the concrete target and function. */
static const char *section(struct cg *c, struct sema_expansion *e)
{
	const struct rt_provider *k = rt_provider_of(e->type);
	if (!k || !k->section)
		return "unsupported";
	switch (k->section_form) {
	case RT_SEC_BARE:
		return k->section;
	case RT_SEC_FUNC:
		return arena_printf(c->a, "%s/%s", k->section, e->func);
	case RT_SEC_TARGET_FUNC:
		return arena_printf(c->a, "%s/%s/%s", k->section, e->target, e->func);
	}
	return "unsupported";
}

static void add_probe_desc(struct cg *c, struct sema_expansion *e, const char *prog)
{
	struct desc *d = c->desc;
	d->probes = arena_grow(c->a, d->probes, d->nprobes, &c->capprobes, sizeof(*d->probes));
	e->desc_index = d->nprobes;
	struct probe_point *ap = e->ap->ap;
	d->probes[d->nprobes++] = (struct desc_probe){
		.type = e->type, .name = e->name, .prog_name = prog, .target = e->target, .func = e->func,
		.unit = ap->unit, .freq = ap->freq, .offset = e->offset ? e->offset : ap->offset,
		.addr = ap->addr, .ref_ctr = e->ref_ctr, .mode = ap->mode, .deferred = e->deferred,
		/* a dispatched body shared by several syscalls is no uprobe_multi group */
		.multi_n = e->sysdisp ? 0 : e->multi_n, .multi_member = !e->sysdisp && e->multi_lead,
		.extra_site = e->extra_site,
		.sysdisp = !e->sysdisp ? DESC_SYSDISP_NONE : e->sysdisp_lead ? DESC_SYSDISP_LEAD : DESC_SYSDISP_MEMBER,
		.at = e->ap->span,
	};
	d->nattach++;
}

/* Code that cannot become a usable BPF program is refused here, at the
 * probe, before LLVM is asked to emit it: emission costs ~10 us per IR
 * instruction (40,000 took 0.4 s; 24 nested unroll(2) grew to 6 GB and
 * aborted), and past this size a program with any branch is beyond the
 * verifier's 1 M-instruction walk, while a BPF jump reaches only 32,767
 * instructions (cpu v3; LLVM 16 has no v4 long jump). A far jump in a
 * smaller probe is LLVM's fatal "Branch target out of insn range", which
 * cg_module.c's handler reports at the probe. */
#define CG_MAX_IR 65536
static void check_size(struct cg *c, struct ast *p)
{
	unsigned n = 0;
	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(c->fn); bb; bb = LLVMGetNextBasicBlock(bb))
		for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
			n++;
	if (n > CG_MAX_IR)
		cg_error(c, p->span, "this probe is too large for BPF: %u LLVM instructions (at most %u)", n,
			 CG_MAX_IR);
	if (n > c->largest_n) {
		c->largest_n = n;
		c->largest_at = p->span;
	}
}

void cg_probe(struct cg *c, struct sema_expansion *e)
{
	struct ast *p = e->probe;
	if (e->multi_lead) {
		/* served by its group's first program, through one uprobe_multi
		 * link, or its body called by the syscall dispatch */
		const struct sema_expansion *l = &c->s->exp[e->multi_lead - 1];
		add_probe_desc(c, e, e->sysdisp ? cg_sysdisp_prog(e)
						: arena_printf(c->a, "prog%u_%s", l->index, probetype_name(l->type)));
		return;
	}
	c->fatal_at = p->span;
	c->exp = e;
	c->nvars = 0;
	c->nloops = 0;
	c->ret_flag = NULL;
	c->loop_pass = c->loop_flag = NULL;
	c->scratch = NULL;
	c->scratch_off = c->scratch_keep = 0;
	c->scratch_full = false;
	c->stack_used = 0;
	const char *name = arena_printf(c->a, "prog%u_%s", e->index, probetype_name(e->type));
	LLVMTypeRef params[2] = { c->ptr, c->i64 };
	/* a dispatched syscall body: (ctx, index of the probe in its group) */
	LLVMTypeRef fty = LLVMFunctionType(c->i64, params, e->sysdisp ? 2 : 1, false);
	c->fn = LLVMAddFunction(c->mod, name, fty);
	c->tp_rec = c->name_idx = NULL;
	if (e->sysdisp) {
		cg_sysdisp_fn(c);
	} else {
		LLVMSetSection(c->fn, section(c, e));
		LLVMSetLinkage(c->fn, LLVMExternalLinkage);
	}
	/* Without nounwind and with debug info, LLVM emits .eh_frame, which libbpf skips with a warning. */
	unsigned kind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(c->fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(c->ctx, kind, 0));
	c->ctxarg = LLVMGetParam(c->fn, 0);

	/* A named parameter in the DISubprogram: the kernel rejects BTF whose
	 * function has an unnamed one ("Invalid arg#1"). */
	c->sp = LLVMDIBuilderCreateFunction(c->di, c->difile, name, strlen(name), name, strlen(name), c->difile,
					    p->span.line, e->sysdisp ? cg_sysdisp_di_fnty(c) : c->di_fnty,
					    e->sysdisp != 0, true, p->span.line, 0, true);
	LLVMSetSubprogram(c->fn, c->sp);
	LLVMMetadataRef pv = LLVMDIBuilderCreateParameterVariable(c->di, c->sp, "ctx", 3, 1, c->difile, p->span.line,
								  c->di_ptr, true, 0);
	(void)pv;
	if (e->sysdisp) {
		LLVMDIBuilderCreateParameterVariable(c->di, c->sp, "index", 5, 2, c->difile, p->span.line,
						     c->di_long, true, 0);
		if (e->multi_n > 1)
			c->name_idx = LLVMGetParam(c->fn, 1);
	}

	cg_fn_begin(c, p->span);
	cg_pid_filter(c);
	if (e->watch_setup) {
		cg_watch_setup(c, e);
		LLVMSetCurrentDebugLocation2(c->b, NULL);
		add_probe_desc(c, e, name);
		return;
	}

	if (e->type != PROBE_END) {
		/* The stop flag (the .bss word after the lost count): set by the
		 * runtime when it stops the run (exit()'s record read, a signal,
		 * the -c/-p process's end), and by exit() itself in a program
		 * without user-space probes (cg_emit_exit). Every probe stops here from
		 * then on, so END and the maps see the state at
		 * the stop, and the runtime detaches the probes after hawk's output
		 * is done, off the path the user waits on (run.c). 4 instructions:
		 * a direct load from .bss, no helper call. */
		LLVMBasicBlockRef stop = cg_block(c, "exited"), go = cg_block(c, "running");
		LLVMValueRef flag = LLVMBuildLoad2(c->b, c->i64, cg_gep(c, cg_map_ptr(c, c->desc->lost_map), 8), "");
		LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, flag, cg_const(c, 0), ""), stop, go);
		LLVMPositionBuilderAtEnd(c->b, stop);
		LLVMBuildRet(c->b, cg_const(c, 0));
		LLVMPositionBuilderAtEnd(c->b, go);
	}
	if (e->sysdisp_args)
		c->tp_rec = cg_sysdisp_record(c, e);
	var_types(c, p->probe.body->block.stmts);
	/* a map loop's variable used nowhere else lives only while its loop
	 * runs: its (key, value) room is not kept from the other statements */
	for (unsigned i = 0; i < c->nvars; i++)
		if (c->vars[i].loop && named_outside(p->probe.body->block.stmts, c->vars[i].name, c->vars[i].loop))
			c->vars[i].loop = NULL;
	var_storage(c);
	if (rt_provider_of(e->type)->args == RT_ARGS_ITER) {
		/* The kernel calls an iterator once more with a NULL object when
		 * the walk ends (seq_stop); that call prints nothing. */
		LLVMBasicBlockRef go = cg_block(c, "iter_object"), stop = cg_block(c, "iter_end");
		LLVMValueRef obj = cg_ctx_slot(c, 8);
		LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, obj, cg_const(c, 0), ""), go, stop);
		LLVMPositionBuilderAtEnd(c->b, stop);
		LLVMBuildRet(c->b, cg_const(c, 0));
		LLVMPositionBuilderAtEnd(c->b, go);
	}
	if (p->probe.pred) {
		cg_location(c, p->probe.pred->span);
		LLVMBasicBlockRef go = cg_block(c, "pred_true"), stop = cg_block(c, "pred_false");
		LLVMValueRef v = cg_scalar(c, p->probe.pred);
		LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, v, cg_const(c, 0), ""), go, stop);
		LLVMPositionBuilderAtEnd(c->b, stop);
		LLVMBuildRet(c->b, cg_const(c, 0));
		LLVMPositionBuilderAtEnd(c->b, go);
	}
	cg_stmts(c, p->probe.body->block.stmts);
	/* Tracepoint programs return 0: a 1 also hands the event to the perf
	 * event (bpftrace 0.17 does, ~270 ns per event here). */
	LLVMBuildRet(c->b, cg_const(c, 0));
	LLVMSetCurrentDebugLocation2(c->b, NULL);
	check_size(c, p);
	add_probe_desc(c, e, e->sysdisp ? cg_sysdisp_prog(e) : name);
	for (LLVMValueRef f = c->fn; f; f = LLVMGetNextFunction(f))
		e->sysdisp_funcs++;
	c->tp_rec = c->name_idx = NULL;
}
