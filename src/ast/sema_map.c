/* sema_map: user maps: their key and value types, fixed by first use and widened after. */
#include <string.h>

#include "ast/sema_impl.h"

static const struct ty *set(struct ast *n, const struct ty *t)
{
	n->type = (void *)t;
	return t;
}

struct sema_map *sema_map_find(struct sema *s, const char *name)
{
	int64_t i = strtab_get(&s->map_index, name);
	return i < 0 ? NULL : &s->maps[i];
}

const char *const sema_map_kinds[4] = { "hash", "lruhash", "percpuhash", "percpulruhash" };

static struct sema_map *map_get(struct checker *c, struct ast *m);

/* let @m = KIND(N); before the probes: the map's kind and entries. Its
 * types still come from its uses; a per-CPU kind holds aggregations. */
void sema_map_declare(struct checker *c, struct ast *d)
{
	unsigned k = 0;
	while (k < 4 && strcmp(sema_map_kinds[k], d->map_decl.map_type))
		k++;
	if (k == 4) {
		sema_err(c, d->span, "Invalid bpf map type: %s (expected hash, lruhash, percpuhash or percpulruhash)",
			 d->map_decl.map_type);
		return;
	}
	struct ast *a = d->map_decl.args;
	if (!a || a->next || a->kind != AST_INT || a->num.value < 1 || a->num.value > UINT32_MAX) {
		sema_err(c, d->span, "%s() takes one argument: the number of entries, a positive integer literal",
			 d->map_decl.map_type);
		return;
	}
	a->type = (void *)ty_int(8, false);
	struct ast m = { .kind = AST_MAP, .span = d->span };
	m.map.name = d->map_decl.name;
	struct sema_map *sm = map_get(c, &m);
	if (sm->decl_kind && (sm->decl_at.off != d->span.off)) {
		sema_err(c, d->span, "%s is declared twice", d->map_decl.name);
		return;
	}
	sm->decl_kind = k + 1;
	sm->decl_max = (uint32_t)a->num.value;
	sm->decl_at = d->span;
}

/* After the last round: a declared map's kind against its values. */
void sema_map_decls_check(struct checker *c)
{
	for (unsigned i = 0; i < c->s->nmaps; i++) {
		struct sema_map *sm = &c->s->maps[i];
		if (!sm->decl_kind)
			continue;
		if (!sm->value_known) {
			sema_warn(c, sm->decl_at, "Unused map: %s", sm->name);
			continue;
		}
		bool percpu = sm->decl_kind == 3 || sm->decl_kind == 4;
		if (percpu && !sema_poisoned(sm->value) && sm->value->kind != TY_AGG)
			sema_err(c, sm->decl_at, "%s is declared %s, which holds aggregations (count(), sum(), ...), "
				 "but is assigned a value of type '%s'", sm->name, sema_map_kinds[sm->decl_kind - 1],
				 sema_tname(c, sm->value));
	}
}

static struct sema_map *map_get(struct checker *c, struct ast *m)
{
	struct sema *s = c->s;
	struct sema_map *sm = sema_map_find(s, m->map.name);
	if (sm)
		return sm;
	s->maps = arena_grow(c->a, s->maps, s->nmaps, &s->capmaps, sizeof(*s->maps));
	strtab_put(&s->map_index, c->a, m->map.name, s->nmaps);
	sm = &s->maps[s->nmaps++];
	*sm = (struct sema_map){ .name = m->map.name, .at = m->span };
	return sm;
}

/* A map whose first assignment failed holds the poison type, so that its
 * reads are quiet instead of "Undefined map" (one typo, one error). */
static void map_poison(struct sema_map *sm)
{
	if (!sm->value_known) {
		sm->value = ty_none();
		sm->value_known = true;
	}
}

/* Two types a variable or map may hold in turn: ints of any size and sign
 * widen to 64 bits; strings keep the larger capacity; tuples element-wise. */
const struct ty *sema_unify(struct checker *c, const struct ty *old, const struct ty *new)
{
	if (ty_is_int(old) && ty_is_int(new)) {
		if (old->kind == TY_BOOL && new->kind == TY_BOOL)
			return old;
		if (old->kind == TY_INT && old->nenums && old->enums == new->enums)
			return ty_widen(c->a, old);   /* the same enum stays one */
		return ty_int(8, old->kind == TY_BOOL ? new->is_signed : old->is_signed);
	}
	if (old->kind == TY_STRING && new->kind == TY_STRING)
		return old->size >= new->size ? old : new;
	/* buf()s of two lengths: the larger holds either (its length is stored) */
	if (old->kind == TY_BUFFER && new->kind == TY_BUFFER)
		return old->size >= new->size ? old : new;
	if (old->kind == TY_TUPLE && new->kind == TY_TUPLE && old->count == new->count) {
		const struct ty *el[64];
		if (old->count > 64)
			return NULL;
		for (uint32_t i = 0; i < old->count; i++) {
			el[i] = sema_unify(c, old->fields[i].type, new->fields[i].type);
			if (!el[i])
				return NULL;
		}
		const struct ty *t = ty_tuple(c->a, el, old->count);
		return ty_equal(t, old) ? old : t;
	}
	if (old->kind == TY_RECORD && new->kind == TY_RECORD && !old->name && !new->name &&
	    old->count == new->count && old->count <= 64) {
		/* script records (a = 1, b = 2): the same fields in any order,
		 * matched by name and laid out in the first one's order */
		const struct ty *el[64];
		for (uint32_t i = 0; i < old->count; i++) {
			const struct ty_field *nf = NULL;
			for (uint32_t j = 0; j < new->count && !nf; j++)
				if (!strcmp(new->fields[j].name, old->fields[i].name))
					nf = &new->fields[j];
			if (!nf || !(el[i] = sema_unify(c, old->fields[i].type, nf->type)))
				return NULL;
		}
		const struct ty *tu = ty_tuple(c->a, el, old->count);
		struct ty *r = ty_new(c->a, TY_RECORD);
		*r = *tu;
		r->kind = TY_RECORD;
		r->name = NULL;
		r->fields = arena_alloc(c->a, old->count * sizeof(*r->fields));
		for (uint32_t i = 0; i < old->count; i++) {
			r->fields[i] = tu->fields[i];
			r->fields[i].name = old->fields[i].name;
		}
		return ty_equal(r, old) ? old : r;
	}
	if (old->kind == TY_AGG && new->kind == TY_AGG) {
		if (old->agg != new->agg)
			return NULL;
		if ((old->agg == TY_AGG_LHIST || old->agg == TY_AGG_TSERIES) && (old->lhist_min != new->lhist_min ||
		    old->lhist_max != new->lhist_max || old->lhist_step != new->lhist_step))
			return NULL;
		if (old->agg == TY_AGG_HIST && old->hist_bits != new->hist_bits)
			return NULL;
		return old;
	}
	return ty_equal(old, new) ? old : NULL;
}

/* Keys as written: @m[a] has key type a; @m[a, b] a tuple (a,b). */
static const struct ty *key_type(struct checker *c, struct ast *m, struct ast *keys, bool *ok)
{
	unsigned n = ast_list_len(keys);
	if (n == 0)
		return NULL;
	const struct ty *el[64];
	unsigned i = 0;
	*ok = true;
	for (struct ast *k = keys; k; k = k->next) {
		const struct ty *t = sema_expr(c, k);
		if (sema_poisoned(t)) {
			*ok = false;
			return NULL;
		}
		if (t->kind == TY_VOID && k->kind == AST_CALL) {
			sema_err(c, k->span, "%s() should not be used in an assignment or as a map key",
				 k->call.name);
			*ok = false;
			return NULL;
		}
		if (t->kind == TY_AGG || t->kind == TY_MAP || t->kind == TY_VOID) {
			sema_err(c, k->span, "Value '%s' cannot be used as a map key.", sema_tname(c, t));
			*ok = false;
			return NULL;
		}
		if (t->kind == TY_INT)
			t = ty_widen(c->a, t);
		if (i < 64)
			el[i++] = t;
	}
	if (n == 1)
		return el[0];
	if (n > 64) {
		sema_err(c, m->span, "too many map keys");
		*ok = false;
		return NULL;
	}
	return ty_tuple(c->a, el, n);
}

/* Check the keys `keys` (@m[keys], or delete(@m, key)) against map m's;
 * fix them on first use. */
struct sema_map *sema_map_keys(struct checker *c, struct ast *m, struct ast *keys)
{
	struct sema_map *sm = map_get(c, m);
	bool ok = true;
	const struct ty *k = key_type(c, m, keys, &ok);
	if (!ok) {
		map_poison(sm);
		return NULL;
	}
	unsigned n = ast_list_len(keys);
	if (!sm->key_known) {
		sm->key = k;
		sm->nkeys = n;
		sm->key_known = true;
		c->changed = true;
		return sm;
	}
	if ((sm->key == NULL) != (k == NULL)) {
		/* bpftrace HEAD's wording */
		if (sm->key)
			sema_err(c, m->span, "%s used as a map without an explicit key (scalar map), "
				 "previously used with an explicit key (non-scalar map)", m->map.name);
		else
			sema_err(c, m->span, "%s used as a map with an explicit key (non-scalar map), "
				 "previously used without an explicit key (scalar map)", m->map.name);
		return NULL;
	}
	if (!k)
		return sm;
	const struct ty *u = sema_unify(c, sm->key, k);
	if (!u) {
		sema_err(c, m->span, "Argument mismatch for %s: trying to access with arguments: '%s' when map expects arguments: '%s'",
			 m->map.name, sema_tname(c, k), sema_tname(c, sm->key));
		return NULL;
	}
	if (u != sm->key && !ty_equal(u, sm->key)) {
		sm->key = u;
		c->changed = true;
	}
	return sm;
}

void sema_map_assign(struct checker *c, struct ast *m, const struct ty *v, struct span at)
{
	struct sema_map *sm = sema_map_keys(c, m, m->map.keys);
	if (!sm)
		return;
	if (sema_poisoned(v)) {
		map_poison(sm);
		return;
	}
	if (v->kind == TY_VOID || v->kind == TY_MAP) {
		sema_err(c, at, "cannot assign a value of type '%s' to a map", sema_tname(c, v));
		map_poison(sm);
		return;
	}
	if (v->kind == TY_INT || v->kind == TY_BOOL)
		v = v->kind == TY_BOOL ? v : ty_widen(c->a, v);
	if (!sm->value_known || sema_poisoned(sm->value)) {
		sm->value = v;
		sm->value_known = true;
		c->changed = true;
		set(m, v);
		return;
	}
	const struct ty *u = sema_unify(c, sm->value, v);
	if (!u && v->kind == TY_AGG && sm->value->kind == TY_AGG && v->agg == sm->value->agg) {
		/* bpftrace 0.17's wording */
		sema_err(c, at, "Different %s %s in a single map unsupported",
			 v->agg == TY_AGG_LHIST ? "lhist" : v->agg == TY_AGG_TSERIES ? "tseries" : "hist",
			 v->agg == TY_AGG_HIST ? "bits" : "bounds");
		return;
	}
	if (!u) {
		sema_err(c, at, "Type mismatch for %s: trying to assign value of type '%s' when map already contains a value of type '%s'",
			 m->map.name, sema_tname(c, v), sema_tname(c, sm->value));
		return;
	}
	if (!ty_equal(u, sm->value)) {
		sm->value = u;
		c->changed = true;
	}
	set(m, sm->value);
}

/* A map read as a value: @m, @m[k]. */
const struct ty *sema_map_read(struct checker *c, struct ast *m)
{
	struct sema_map *sm = sema_map_keys(c, m, m->map.keys);
	if (!sm)
		return set(m, ty_none());
	sm->used_as_value = true;
	if (!sm->value_known) {
		/* `@n = @n + 1` reads @n before anything fixed its type: while the
		 * quiet rounds run, a read of an unknown map is an integer (bpftrace
		 * reads a missing entry as 0), which the assignment then fixes. */
		if (!c->report)
			return set(m, ty_int(8, true));
		sema_err(c, m->span, "Undefined map: %s", m->map.name);
		map_poison(sm);   /* reported once, like an undefined variable */
		return set(m, ty_none());
	}
	const struct ty *v = sm->value;
	if (v->kind == TY_AGG && (v->agg == TY_AGG_COUNT || v->agg == TY_AGG_SUM)) {
		/* a count or sum read as a value is its total over the CPUs
		 * (current bpftrace): `if (@n > 2)`, `$x = @bytes[pid]` */
		bool sgn = v->agg == TY_AGG_SUM && (!v->agg_arg || v->agg_arg->kind != TY_INT || v->agg_arg->is_signed);
		return set(m, ty_int(8, sgn));
	}
	return set(m, v);
}

