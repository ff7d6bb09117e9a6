/* cg_proc: what ties programs to a process: `cpid` (the -c child) and -p's filter, read from .rodata. */
#include <string.h>

#include "codegen/cg_impl.h"

/* A u64 in .rodata that the runtime fills in before load (rt: globals.c):
 * the value is not known here, since the child is forked by the runtime.
 * The kernel freezes .rodata, so the verifier knows the value and prunes
 * the branches it decides. One global per name, made on first use. */
static LLVMValueRef rodata_u64(struct cg *c, const char *name)
{
	LLVMValueRef g = LLVMGetNamedGlobal(c->mod, name);
	if (!g) {
		g = LLVMAddGlobal(c->mod, c->i64, name);
		LLVMSetInitializer(g, LLVMConstInt(c->i64, 0, false));
		LLVMSetGlobalConstant(g, true);
		LLVMSetSection(g, ".rodata");
		LLVMSetAlignment(g, 8);
		LLVMSetLinkage(g, LLVMExternalLinkage);
		/* BTF for the variable: libbpf and the runtime find it by name in
		 * the .rodata DATASEC. */
		LLVMMetadataRef lng = LLVMDIBuilderCreateBasicType(c->di, "long", 4, 64, 5, 0);
		LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
			c->di, c->dicu, name, strlen(name), "", 0, c->difile, 0, lng, false,
			LLVMDIBuilderCreateExpression(c->di, NULL, 0), NULL, 64);
		LLVMGlobalSetMetadata(g, LLVMGetMDKindIDInContext(c->ctx, "dbg", 3), gve);
	}
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
	if (!c->opts || !c->opts->pid_filter || !needs_filter(c->exp->type))
		return;
	LLVMValueRef want = rodata_u64(c, DESC_VAR_PID);
	LLVMValueRef tgid = LLVMBuildLShr(c->b, cg_helper(c, H_PID_TGID, c->i64, NULL, 0),
					  cg_const(c, 32), "");
	LLVMBasicBlockRef other = cg_block(c, "other_pid"), ours = cg_block(c, "our_pid");
	LLVMBuildCondBr(c->b, LLVMBuildICmp(c->b, LLVMIntNE, tgid, want, ""), other, ours);
	LLVMPositionBuilderAtEnd(c->b, other);
	LLVMBuildRet(c->b, cg_const(c, 0));
	LLVMPositionBuilderAtEnd(c->b, ours);
}
