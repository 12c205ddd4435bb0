/* SPDX-License-Identifier: MIT */
/*
 * mapsize simulate: run a script through a per-key map model once per hash
 * seed, and summarise each checkpoint as the median seed's outcome with the
 * spread over seeds. The script's own choices (which key "delete random"
 * takes) come from a second generator, seeded the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "simscript.h"

/* Work for the automatic number of seeds: about 3 * 10^7 operations per run set. */
#define AUTO_SEED_OPS 30000000u
#define MIN_SEEDS     3u
#define MAX_SEEDS     16u
#define DEAD          UINT64_MAX
/* Keys ahead whose buckets are prefetched: how far a few cache misses reach. */
#define PREFETCH_AHEAD 16

__extension__ typedef unsigned __int128 u128;

/*
 * cmd/compile's mapfast: m[k] = v calls mapassign_fast32/64 for 4- and 8-byte
 * keys compared as memory, mapassign_faststr for strings, and the generic
 * runtime_mapassign otherwise or when the value is over 128 bytes. The two
 * paths differ: only the fast ones prune tombstones (Go 1.25+). Struct and
 * array keys of 4 or 8 bytes without padding are fast in Go too; mapsize
 * treats named and composite keys as generic.
 */
static bool fast_assign(const struct ms_map_type *type)
{
	static const char *const mem_keys[] = {"int",     "uint",  "int32",
	                                       "uint32",  "int64", "uint64",
	                                       "uintptr", "rune",  "unsafe.Pointer"};
	const char *k = type->key_name;

	if (type->elem.size_bytes > MS_MAX_INLINE_BYTES)
		return false;
	if (strcmp(k, "string") == 0)
		return true;
	if (type->key.size_bytes != 4 && type->key.size_bytes != 8)
		return false;
	if (k[0] == '*' || strncmp(k, "chan ", 5) == 0 || strncmp(k, "<-chan ", 7) == 0)
		return true;
	for (size_t i = 0; i < sizeof(mem_keys) / sizeof(mem_keys[0]); i++)
		if (strcmp(k, mem_keys[i]) == 0)
			return true;
	return false;
}

static const struct ms_sim_model *model_for(enum ms_map_impl impl)
{
	return impl == MS_IMPL_CLASSIC ? &ms_sim_bucket : &ms_sim_swiss;
}

/* Live keys in insertion order; deleted ones are marked DEAD and compacted away. */
struct keys {
	uint64_t *order;
	size_t head, tail, cap;
	uint64_t live, next_id;
};

/* Drop the dead, keep the order: the live keys move to the front. */
static void keys_compact(struct keys *k)
{
	size_t n = 0;

	for (size_t i = k->head; i < k->tail; i++)
		if (k->order[i] != DEAD)
			k->order[n++] = k->order[i];
	k->head = 0;
	k->tail = n;
}

static struct ms_error *keys_push(struct keys *k, uint64_t id)
{
	if (k->tail == k->cap) {
		keys_compact(k);
		if (2 * k->tail > k->cap || k->cap == 0) {
			size_t cap = k->cap ? 2 * k->cap : 1024;
			uint64_t *o = realloc(k->order, cap * sizeof(*o));

			if (!o)
				return &ms_error_nomem;
			k->order = o;
			k->cap = cap;
		}
	}
	k->order[k->tail++] = id;
	k->live++;
	return NULL;
}

static void keys_trim(struct keys *k)
{
	while (k->head < k->tail && k->order[k->head] == DEAD)
		k->head++;
	while (k->tail > k->head && k->order[k->tail - 1] == DEAD)
		k->tail--;
}

/*
 * The script's random numbers, drawn two ahead of their use so that the key
 * they will pick can be prefetched; the sequence is the same as drawing on
 * demand.
 */
struct draws {
	struct ms_rng rng;
	uint64_t ahead[2];
};

static void draws_seed(struct draws *d, uint64_t seed)
{
	ms_rng_seed(&d->rng, seed);
	d->ahead[0] = ms_rng_next(&d->rng);
	d->ahead[1] = ms_rng_next(&d->rng);
}

static uint64_t draws_next(struct draws *d)
{
	uint64_t v = d->ahead[0];

	d->ahead[0] = d->ahead[1];
	d->ahead[1] = ms_rng_next(&d->rng);
	return v;
}

/* A uniform position in [0, span) by multiplying (Lemire), not dividing. */
static size_t scale(uint64_t v, size_t span)
{
	return (size_t)(((u128)v * span) >> 64);
}

/* A uniformly chosen live key's position (there must be one). */
static size_t keys_random(struct keys *k, struct draws *rng)
{
	size_t span, i;

	keys_trim(k);
	span = k->tail - k->head;
	if (span > 2 * k->live + 64) {
		keys_compact(k);
		span = k->tail - k->head;
	}
	do
		i = k->head + scale(draws_next(rng), span);
	while (k->order[i] == DEAD);
	return i;
}

struct run {
	const struct ms_sim_script *script;
	const struct ms_sim_model *model;
	const struct ms_est_ctx *ctx;
	struct ms_rng rt_rng;
	struct draws script_rng;
	struct ms_sim_map *map;
	struct keys keys;
	uint64_t ops, kv_bytes;
	uint64_t next_sample; /* ops of the next series sample */
	bool hit;             /* the last assign's key was new, or the last remove's was there */
	uint64_t snap_at;     /* after this many operations, copy the structure to *snap */
	struct ms_sim_shape *snap;
	uint64_t peak, peak_ops;
	const char *peak_after, *last_checkpoint;
	struct ms_sim_shape *points; /* this seed's checkpoints */
	size_t npoints;
	/* series, for the first seed only */
	struct ms_sim_run *out;
	bool series;
	/* --timeout and progress: looked at every 2^16 operations */
	struct sim_progress *prog;
	bool stop;
};

struct sim_progress {
	const struct ms_sim_params *params;
	uint64_t done, total; /* operations of the runs before this one; of all runs */
};

static void snapshot(struct run *r, struct ms_sim_shape *s);

/* The rare part of after_op: a series sample, the peak's structure. */
__attribute__((noinline)) static void sample(struct run *r, uint64_t held)
{
	if (r->snap && r->ops == r->snap_at)
		snapshot(r, r->snap);
	if (r->ops == r->next_sample) {
		r->next_sample += r->out->series_step;
		if (r->series && r->out->nseries <= MS_SIM_SERIES) {
			r->out->series_held[r->out->nseries] = held;
			r->out->series_len[r->out->nseries] = r->keys.live;
			r->out->nseries++;
		}
	}
}

/* The rare part of after_op: cancellation (--timeout) and progress. */
__attribute__((noinline)) static void tick(struct run *r)
{
	const struct ms_sim_params *p = r->prog->params;

	if (ms_cancelled())
		r->stop = true;
	else if (p->progress)
		p->progress(p->progress_arg, "simulated operations", r->prog->done + r->ops,
		            r->prog->total);
}

static inline void after_op(struct run *r)
{
	uint64_t held, peak;

	r->ops++;
	r->model->bytes(r->map, &held, &peak);
	if (__builtin_expect(peak > r->peak, 0)) {
		r->peak = peak;
		r->peak_ops = r->ops;
		r->peak_after = r->last_checkpoint;
	}
	if (__builtin_expect(r->ops == r->next_sample || r->ops == r->snap_at, 0))
		sample(r, held);
	if (__builtin_expect((r->ops & 0xffff) == 0, 0))
		tick(r);
}

/* Load the key the next random pick will likely take, and the one after's slot. */
static void prefetch_random(struct run *r)
{
	const struct keys *k = &r->keys;
	size_t span = k->tail - k->head;
	uint64_t key;

	if (span == 0)
		return;
	__builtin_prefetch(&k->order[k->head + scale(r->script_rng.ahead[1], span)]);
	key = k->order[k->head + scale(r->script_rng.ahead[0], span)];
	if (key != DEAD)
		r->model->prefetch(r->map, key);
}

static void snapshot(struct run *r, struct ms_sim_shape *s)
{
	r->model->shape(r->map, s);
	s->live_bytes = s->len * r->kv_bytes;
}

static struct ms_error *do_make(struct run *r, uint64_t hint)
{
	r->model->destroy(r->map);
	r->map = NULL;
	r->keys.head = r->keys.tail = 0;
	r->keys.live = 0;
	return r->model->create(r->ctx, &r->rt_rng, hint, &r->map);
}

static struct ms_error *delete_at(struct run *r, size_t i)
{
	struct ms_error *err = r->model->remove(r->map, r->keys.order[i], &r->hit);

	if (!err && !r->hit)
		err = ms_error_create(MS_ERR_INTERNAL, "simulated map lost key %llu",
		                      (unsigned long long)r->keys.order[i]);
	r->keys.order[i] = DEAD;
	r->keys.live--;
	return err;
}

static struct ms_error *step(struct run *r, const struct ms_sim_op *op)
{
	struct ms_error *err = NULL;

	switch (op->kind) {
	case MS_OP_INSERT:
		for (uint64_t i = 0; i < op->n && !err && !r->stop; i++) {
			if (r->keys.live >= MS_MAX_LEN)
				return ms_error_create(
				    MS_ERR_USAGE, "the script makes the map hold more than 2^26 "
				                  "entries");
			/* the keys to come are known: load their buckets ahead */
			r->model->prefetch(r->map, r->keys.next_id + PREFETCH_AHEAD);
			if (!(err = r->model->assign(r->map, r->keys.next_id, &r->hit)))
				err = keys_push(&r->keys, r->keys.next_id++);
			after_op(r);
		}
		return err;
	case MS_OP_DEL_OLDEST:
	case MS_OP_DEL_NEWEST:
	case MS_OP_DEL_RANDOM:
		/* only keys that exist are deleted, and counted */
		for (uint64_t i = 0; i < op->n && !err && !r->stop && r->keys.live > 0; i++) {
			size_t at;

			keys_trim(&r->keys);
			at = op->kind == MS_OP_DEL_OLDEST   ? r->keys.head
			     : op->kind == MS_OP_DEL_NEWEST ? r->keys.tail - 1
			                                    : keys_random(&r->keys, &r->script_rng);
			if (op->kind == MS_OP_DEL_RANDOM)
				prefetch_random(r);
			else if (op->kind == MS_OP_DEL_OLDEST &&
			         at + PREFETCH_AHEAD < r->keys.tail &&
			         r->keys.order[at + PREFETCH_AHEAD] != DEAD)
				r->model->prefetch(r->map, r->keys.order[at + PREFETCH_AHEAD]);
			err = delete_at(r, at);
			after_op(r);
		}
		return err;
	case MS_OP_UPDATE:
		for (uint64_t i = 0; i < op->n && !err && !r->stop && r->keys.live > 0; i++) {
			size_t at = keys_random(&r->keys, &r->script_rng);

			prefetch_random(r);
			err = r->model->assign(r->map, r->keys.order[at], &r->hit);
			after_op(r);
		}
		return err;
	case MS_OP_LOOKUP:
		/* a lookup changes nothing, not even evacuation; it draws a key like the
		 * Go program does, so both keep the same random sequence */
		for (uint64_t i = 0; i < op->n && !r->stop && r->keys.live > 0; i++) {
			(void)keys_random(&r->keys, &r->script_rng);
			after_op(r);
		}
		return NULL;
	case MS_OP_CLEAR:
		err = r->model->clear(r->map);
		r->keys.head = r->keys.tail = 0;
		r->keys.live = 0;
		after_op(r);
		return err;
	case MS_OP_MAKE:
		err = do_make(r, op->n);
		after_op(r);
		return err;
	case MS_OP_SET_KEY:
		err = r->model->assign(r->map, op->n, &r->hit);
		r->keys.live += !err && r->hit;
		after_op(r);
		return err;
	case MS_OP_DEL_KEY:
		err = r->model->remove(r->map, op->n, &r->hit);
		r->keys.live -= !err && r->hit;
		after_op(r);
		return err;
	case MS_OP_GET_KEY:
		after_op(r);
		return NULL;
	case MS_OP_CHECKPOINT:
		if (r->series) {
			r->out->points[r->npoints].name = op->name;
			r->out->points[r->npoints].ops = r->ops;
		}
		snapshot(r, &r->points[r->npoints++]);
		r->last_checkpoint = op->name;
		return NULL;
	default:
		return NULL;
	}
}

static struct ms_error *exec(struct run *r, size_t from, size_t to)
{
	const struct ms_sim_op *ops = r->script->ops;
	struct ms_error *err;

	for (size_t i = from; i < to; i++) {
		if (ops[i].kind == MS_OP_REPEAT) {
			/* a body that does nothing is not run (repeat 1e18 { } is instant) */
			bool idle = ops[i].body_ops == 0 && ops[i].body_checkpoints == 0;

			for (uint64_t k = 0; k < ops[i].n && !idle && !r->stop; k++)
				if ((err = exec(r, i + 1, ops[i].end)))
					return err;
			i = ops[i].end;
			continue;
		}
		if ((err = step(r, &ops[i])))
			return err;
		if (r->stop || ms_cancelled())
			return ms_error_create(MS_ERR_LIMIT,
			                       "simulation stopped after %llu operations",
			                       (unsigned long long)r->ops);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Order seeds' shapes by held bytes for the median. */
static int cmp_held(const void *a, const void *b)
{
	const struct ms_sim_shape *x = a, *y = b;

	return (x->held_bytes > y->held_bytes) - (x->held_bytes < y->held_bytes);
}

#define MIN_MAX(f)                          \
	do {                                \
		if (s[i].f < p->low.f)      \
			p->low.f = s[i].f;  \
		if (s[i].f > p->high.f)     \
			p->high.f = s[i].f; \
	} while (0)

/* shapes[nseeds]: one checkpoint over every seed. Sorts shapes. */
static void summarise(struct ms_sim_shape *s, unsigned n, struct ms_sim_point *p)
{
	qsort(s, n, sizeof(*s), cmp_held);
	p->shape = s[(n - 1) / 2];
	p->low = p->high = s[0];
	for (unsigned i = 1; i < n; i++) {
		MIN_MAX(len);
		MIN_MAX(held_bytes);
		MIN_MAX(live_bytes);
		MIN_MAX(B);
		MIN_MAX(overflow_buckets);
		MIN_MAX(growing);
		MIN_MAX(same_size);
		MIN_MAX(nevacuate);
		MIN_MAX(small);
		MIN_MAX(tables);
		MIN_MAX(dir_len);
		MIN_MAX(capacity_slots);
		MIN_MAX(tombstones);
	}
}

/*
 * One hash seed's run; points[npoints] receives its checkpoints and final
 * state. The first seed also fills ret's series, peak time and operation count.
 */
static struct ms_error *run_seed(const struct ms_sim_script *script, const struct ms_est_ctx *ctx,
                                 uint64_t seed, bool first, struct ms_sim_shape *points,
                                 size_t npoints, struct ms_sim_run *ret, uint64_t *ret_peak,
                                 struct ms_sim_shape *snap, uint64_t snap_at,
                                 struct sim_progress *prog)
{
	struct run r = {.script = script,
	                .model = model_for(ret->impl),
	                .ctx = ctx,
	                .snap = snap,
	                .snap_at = snap_at,
	                .prog = prog};
	uint64_t held, peak;
	struct ms_error *err;

	r.kv_bytes = ctx->type->key.size_bytes + ctx->type->elem.size_bytes;
	r.points = points;
	r.out = ret;
	r.series = first;
	r.next_sample = ret->series_step;
	ms_rng_seed(&r.rt_rng, seed);
	draws_seed(&r.script_rng, ~seed);
	err = r.model->create(ctx, &r.rt_rng, MS_SIM_NO_HINT, &r.map);
	if (!err) {
		r.model->bytes(r.map, &held, &peak);
		r.peak = peak;
		if (first)
			ret->series_held[ret->nseries++] = held;
		if (snap && snap_at == 0)
			snapshot(&r, snap);
		err = exec(&r, 0, script->nops);
	}
	prog->done += r.ops;
	if (!err) {
		snapshot(&r, &points[r.npoints++]);
		points[npoints - 1] = points[r.npoints - 1];
		*ret_peak = r.peak;
		if (first) {
			ret->final.ops = r.ops;
			ret->peak_ops = r.peak_ops;
			ret->peak_after = r.peak_after;
		}
	}
	r.model->destroy(r.map);
	free(r.keys.order);
	/* err never points into r: the models return static or allocated errors */
	// cppcheck-suppress returnDanglingLifetime
	return err;
}

static unsigned auto_seeds(uint64_t ops)
{
	uint64_t n = ops ? AUTO_SEED_OPS / ops : MAX_SEEDS;

	return n < MIN_SEEDS ? MIN_SEEDS : n > MAX_SEEDS ? MAX_SEEDS : (unsigned)n;
}

struct ms_error *ms_simulate(const struct ms_map_type *type, const struct ms_go_version *v,
                             enum ms_arch arch, const struct ms_sim_script *script,
                             const struct ms_sim_params *params, struct ms_sim_run *ret)
{
	struct ms_estimate_params ep = {0};
	struct ms_est_ctx ctx;
	unsigned nseeds = params->nseeds ? params->nseeds : auto_seeds(script->total_ops);
	size_t npoints = (size_t)script->checkpoints + 1; /* + final */
	struct ms_sim_shape *all = calloc(npoints * nseeds, sizeof(*all));
	struct ms_sim_shape *col = calloc(nseeds, sizeof(*col));
	uint64_t *peaks = calloc(nseeds, sizeof(*peaks));
	struct sim_progress prog = {.params = params};
	struct ms_error *err = NULL;

	memset(ret, 0, sizeof(*ret));
	ret->points = calloc(npoints, sizeof(*ret->points));
	if (!all || !col || !peaks || !ret->points) {
		err = &ms_error_nomem;
		goto out;
	}
	ms_est_ctx_init(&ctx, type, v, arch, &ep);
	ctx.fast_assign = fast_assign(type);
	ret->go = *v;
	ret->arch = arch;
	ret->impl = ms_go_map_impl(v);
	ret->nseeds = nseeds;
	ret->npoints = npoints - 1;
	ret->series_step = script->total_ops / MS_SIM_SERIES + 1;
	prog.total = (nseeds + 1) * script->total_ops;
	for (unsigned si = 0; si < nseeds && !err; si++)
		err = run_seed(script, &ctx, params->seed + si, si == 0, all + (size_t)si * npoints,
		               npoints, ret, &peaks[si], NULL, 0, &prog);
	/* the first seed once more, for its structure right after its peak's operation */
	if (!err)
		err = run_seed(script, &ctx, params->seed, false, all, npoints, ret, &peaks[0],
		               &ret->peak_shape, ret->peak_ops, &prog);
	if (err)
		goto out;
	for (size_t k = 0; k < npoints; k++) {
		struct ms_sim_point *p = k + 1 < npoints ? &ret->points[k] : &ret->final;

		for (unsigned si = 0; si < nseeds; si++)
			col[si] = all[(size_t)si * npoints + k];
		summarise(col, nseeds, p); /* keeps p->name and p->ops */
	}
	ret->final.name = "final";
	qsort(peaks, nseeds, sizeof(*peaks), cmp_u64);
	ret->peak_bytes = peaks[(nseeds - 1) / 2];
	ret->peak_low_bytes = peaks[0];
	ret->peak_high_bytes = peaks[nseeds - 1];
out:
	free(all);
	free(col);
	free(peaks);
	if (err)
		ms_sim_run_deinit(ret);
	return err;
}

void ms_sim_run_deinit(struct ms_sim_run *r)
{
	free(r->points);
	memset(r, 0, sizeof(*r));
}
