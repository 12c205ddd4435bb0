/* SPDX-License-Identifier: MIT */
/*
 * Swiss-table maps, key by key: internal/runtime/maps of Go 1.24-1.27 (Map.PutSlot,
 * putSlotSmall, growToSmall, growToTable, Delete, Clear; table.PutSlot,
 * uncheckedPutSlot, Delete, pruneTombstones (1.25+), Clear, rehash, grow,
 * split; installTableSplit). Control words are the runtime's: one byte per
 * slot, 0x80 empty, 0xFE deleted, else H2; matched eight at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define CTRL_EMPTY   0x80u
#define CTRL_DELETED 0xFEu
#define LSB          0x0101010101010101u
#define MSB          0x8080808080808080u
#define ALL_EMPTY    (LSB * CTRL_EMPTY)

/* A group as the runtime lays it out: control word, then the slots (key ids only). */
struct grp {
	uint64_t ctrl;
	uint64_t keys[MS_GROUP_SLOTS];
};

struct tab {
	uint16_t used, cap, growth_left;
	uint8_t local_depth;
	uint64_t index; /* first directory entry */
	uint64_t mask;  /* groups - 1 */
	struct grp *g;
};

struct ms_sim_map {
	const struct ms_est_ctx *ctx;
	const struct ms_go_facts *facts;
	struct ms_rng *rng;
	uint64_t group_bytes;
	bool ptrs;
	unsigned hash_bits;
	uint64_t seed;
	uint64_t used;
	bool group_alloc; /* small: dirPtr points at the group */
	uint64_t small_ctrl, small_keys[MS_GROUP_SLOTS];
	struct tab **dir; /* dir_len 0: small */
	uint64_t dir_len;
	unsigned global_depth;
	bool tombstone_possible;
	bool prunes; /* table.PutSlot and the fast assigns prune (1.25+); runtime_mapassign never */
	uint64_t ntables;
	uint64_t struct_bytes; /* header, group or directory and tables; kept current */
	uint64_t peak;
};

static uint64_t match_h2(uint64_t ctrl, uint64_t h2)
{
	uint64_t v = ctrl ^ (LSB * h2);

	return ((v - LSB) & ~v) & MSB;
}

static uint64_t match_empty(uint64_t ctrl)
{
	return (ctrl & ~(ctrl << 6)) & MSB;
}

static uint64_t match_empty_or_deleted(uint64_t ctrl)
{
	return ctrl & MSB;
}

static uint64_t match_full(uint64_t ctrl)
{
	return ~ctrl & MSB;
}

static unsigned first(uint64_t match)
{
	return (unsigned)__builtin_ctzll(match) / 8;
}

static unsigned ctrl_get(uint64_t ctrl, unsigned i)
{
	return (unsigned)(ctrl >> (8 * i)) & 0xFF;
}

static void ctrl_set(uint64_t *ctrl, unsigned i, unsigned c)
{
	*ctrl = (*ctrl & ~((uint64_t)0xFF << (8 * i))) | ((uint64_t)c << (8 * i));
}

static uint64_t h1(uint64_t hash)
{
	return hash >> 7;
}

static uint64_t h2(uint64_t hash)
{
	return hash & 0x7F;
}

static uint64_t hash_of(const struct ms_sim_map *m, uint64_t key)
{
	return ms_sim_hash(key, m->seed, m->hash_bits);
}

static uint64_t table_total(const struct ms_sim_map *m, uint64_t cap)
{
	return ms_swiss_table_alloc(m->ctx, cap, m->group_bytes, m->ptrs);
}

static uint64_t held(const struct ms_sim_map *m)
{
	return m->struct_bytes + m->used * (m->ctx->key_obj_bytes + m->ctx->elem_obj_bytes);
}

static void note_peak(struct ms_sim_map *m, uint64_t extra)
{
	if (held(m) + extra > m->peak)
		m->peak = held(m) + extra;
}

static uint16_t max_growth_left(uint16_t cap)
{
	return cap <= MS_GROUP_SLOTS ? (uint16_t)(cap - 1) : (uint16_t)(cap * 7 / 8);
}

static struct ms_error *new_table(struct ms_sim_map *m, uint64_t cap, uint8_t depth,
                                  struct tab **ret)
{
	struct tab *t = calloc(1, sizeof(*t));
	uint64_t groups;

	if (cap < MS_GROUP_SLOTS)
		cap = MS_GROUP_SLOTS;
	while (cap & (cap - 1))
		cap += cap & -cap; /* alignUpPow2 */
	groups = cap / MS_GROUP_SLOTS;
	if (!t)
		return &ms_error_nomem;
	t->g = malloc(groups * sizeof(*t->g));
	if (!t->g) {
		free(t);
		return &ms_error_nomem;
	}
	for (uint64_t g = 0; g < groups; g++)
		t->g[g].ctrl = ALL_EMPTY;
	t->cap = (uint16_t)cap;
	t->mask = groups - 1;
	t->growth_left = max_growth_left(t->cap);
	t->local_depth = depth;
	*ret = t;
	return NULL;
}

static void free_table(struct tab *t)
{
	if (!t)
		return;
	free(t->g);
	free(t);
}

/* uncheckedPutSlot: the first empty or deleted slot on the probe sequence. */
static void unchecked_put(struct tab *t, uint64_t hash, uint64_t key, uint64_t h1v)
{
	uint64_t off = h1v & t->mask, idx = 0;

	for (;;) {
		uint64_t match = match_empty_or_deleted(t->g[off].ctrl);

		if (match) {
			unsigned i = first(match);

			t->g[off].keys[i] = key;
			ctrl_set(&t->g[off].ctrl, i, (unsigned)h2(hash));
			t->growth_left--;
			t->used++;
			return;
		}
		idx++;
		off = (off + idx) & t->mask;
	}
}

static void recount(struct ms_sim_map *m);

/* Directory entries [t->index, +2^(global-local)) point at t. */
static void replace_table(struct ms_sim_map *m, struct tab *t)
{
	uint64_t n = (uint64_t)1 << (m->global_depth - t->local_depth);

	for (uint64_t i = 0; i < n; i++)
		m->dir[t->index + i] = t;
}

static struct ms_error *grow(struct ms_sim_map *m, struct tab *t, uint64_t cap)
{
	struct tab *nt;
	struct ms_error *err = new_table(m, cap, t->local_depth, &nt);

	if (err)
		return err;
	note_peak(m, table_total(m, nt->cap));
	for (uint64_t g = 0; g <= t->mask; g++)
		for (unsigned j = 0; j < MS_GROUP_SLOTS; j++)
			if ((ctrl_get(t->g[g].ctrl, j) & CTRL_EMPTY) != CTRL_EMPTY) {
				uint64_t k = t->g[g].keys[j], h = hash_of(m, k);

				unchecked_put(nt, h, k, h1(h));
			}
	nt->index = t->index;
	replace_table(m, nt);
	m->struct_bytes += table_total(m, nt->cap) - table_total(m, t->cap);
	free_table(t);
	note_peak(m, 0);
	return NULL;
}

static struct ms_error *split(struct ms_sim_map *m, struct tab *t)
{
	uint8_t depth = (uint8_t)(t->local_depth + 1);
	uint64_t mask = (uint64_t)1 << (m->hash_bits - depth), extra, delta;
	struct tab *left = NULL, *right = NULL;
	struct ms_error *err;

	if ((err = new_table(m, MS_MAX_TABLE_SLOTS, depth, &left)) ||
	    (err = new_table(m, MS_MAX_TABLE_SLOTS, depth, &right))) {
		free_table(left);
		return err;
	}
	for (uint64_t g = 0; g <= t->mask; g++)
		for (unsigned j = 0; j < MS_GROUP_SLOTS; j++)
			if ((ctrl_get(t->g[g].ctrl, j) & CTRL_EMPTY) != CTRL_EMPTY) {
				uint64_t k = t->g[g].keys[j], h = hash_of(m, k);

				unchecked_put((h & mask) ? right : left, h, k, h1(h));
			}
	/* peak: the old table and directory live until both halves are installed */
	extra = 2 * table_total(m, MS_MAX_TABLE_SLOTS);
	delta = extra - table_total(m, t->cap);
	if (t->local_depth == m->global_depth) {
		/* installTableSplit doubles the directory first */
		uint64_t old_dir = ms_est_alloc(m->ctx, m->dir_len * m->ctx->ptr_bytes, true);
		uint64_t new_dir = ms_est_alloc(m->ctx, 2 * m->dir_len * m->ctx->ptr_bytes, true);
		struct tab **nd = malloc(2 * m->dir_len * sizeof(*nd));

		if (!nd) {
			free_table(left);
			free_table(right);
			return &ms_error_nomem;
		}
		note_peak(m, extra + new_dir);
		delta += new_dir - old_dir;
		for (uint64_t i = 0; i < m->dir_len; i++) {
			nd[2 * i] = nd[2 * i + 1] = m->dir[i];
			if (m->dir[i]->index == i)
				m->dir[i]->index = 2 * i;
		}
		free(m->dir);
		m->dir = nd;
		m->dir_len *= 2;
		m->global_depth++;
	} else {
		note_peak(m, extra);
	}
	m->struct_bytes += delta;
	left->index = t->index;
	replace_table(m, left);
	right->index = left->index + ((uint64_t)1 << (m->global_depth - depth));
	replace_table(m, right);
	free_table(t);
	m->ntables++;
	note_peak(m, 0);
	return NULL;
}

static uint16_t tombstones(const struct tab *t)
{
	return (uint16_t)(t->cap * 7 / 8 - t->used - t->growth_left);
}

/* Go 1.25+: turn tombstones no probe sequence needs back into empty slots. */
static void prune_tombstones(struct ms_sim_map *m, struct tab *t)
{
	uint32_t needed[(MS_MAX_TABLE_SLOTS / MS_GROUP_SLOTS + 31) / 32] = {0};
	uint64_t cnt = 0;

	if ((uint64_t)tombstones(t) * 10 < t->cap)
		return;
	for (uint64_t i = 0; i <= t->mask; i++) {
		uint64_t match = match_full(t->g[i].ctrl);

		for (; match; match &= match - 1) {
			uint64_t k = t->g[i].keys[first(match)];
			uint64_t off = h1(hash_of(m, k)) & t->mask, idx = 0;

			while (off != i) {
				if (match_empty_or_deleted(t->g[off].ctrl))
					needed[off / 32] |= 1u << (off % 32);
				idx++;
				off = (off + idx) & t->mask;
			}
		}
		if (match_empty(t->g[i].ctrl))
			needed[i / 32] |= 1u << (i % 32);
	}
	for (uint64_t i = 0; i <= t->mask; i++)
		if (!(needed[i / 32] >> (i % 32) & 1))
			cnt += (uint64_t)__builtin_popcountll(match_empty_or_deleted(t->g[i].ctrl));
	if (cnt * 10 < t->cap)
		return;
	for (uint64_t i = 0; i <= t->mask; i++) {
		uint64_t match;

		if (needed[i / 32] >> (i % 32) & 1)
			continue;
		for (match = match_empty_or_deleted(t->g[i].ctrl); match; match &= match - 1) {
			ctrl_set(&t->g[i].ctrl, first(match), CTRL_EMPTY);
			t->growth_left++;
		}
	}
}

enum put_result { PUT_EXISTS, PUT_NEW, PUT_REHASHED };

/* table.PutSlot: found, inserted, or rehashed (the caller retries). */
static struct ms_error *table_put(struct ms_sim_map *m, struct tab *t, uint64_t hash, uint64_t key,
                                  enum put_result *ret)
{
	uint64_t off = h1(hash) & t->mask, idx = 0, del_g = UINT64_MAX, h2v = h2(hash);
	unsigned del_i = 0;

	for (;; idx++, off = (off + idx) & t->mask) {
		uint64_t ctrl = t->g[off].ctrl, match, g = off;
		unsigned i;

		for (match = match_h2(ctrl, h2v); match; match &= match - 1)
			if (t->g[off].keys[first(match)] == key) {
				*ret = PUT_EXISTS;
				return NULL;
			}
		match = match_empty_or_deleted(ctrl);
		if (!match)
			continue;
		i = first(match);
		if (ctrl_get(ctrl, i) == CTRL_DELETED) {
			if (del_g == UINT64_MAX) {
				del_g = off;
				del_i = i;
			}
			continue;
		}
		if (del_g != UINT64_MAX) {
			g = del_g;
			i = del_i;
			t->growth_left++;
		}
		if (t->growth_left == 0 && m->prunes)
			prune_tombstones(m, t);
		if (t->growth_left > 0) {
			t->g[g].keys[i] = key;
			ctrl_set(&t->g[g].ctrl, i, (unsigned)h2v);
			t->growth_left--;
			t->used++;
			m->used++;
			*ret = PUT_NEW;
			return NULL;
		}
		*ret = PUT_REHASHED;
		if ((uint64_t)t->cap * 2 <= MS_MAX_TABLE_SLOTS)
			return grow(m, t, (uint64_t)t->cap * 2);
		return split(m, t);
	}
}

static uint64_t dir_index(const struct ms_sim_map *m, uint64_t hash)
{
	return m->global_depth ? hash >> (m->hash_bits - m->global_depth) : 0;
}

/* struct_bytes from scratch: header, small group or directory and every table. */
static void recount(struct ms_sim_map *m)
{
	const struct ms_est_ctx *ctx = m->ctx;
	uint64_t t = ms_est_alloc(m->ctx, ms_go_swiss_map_bytes(ctx->arch), true), n = 0;

	if (m->dir_len == 0) {
		if (m->group_alloc)
			t += ms_est_alloc(m->ctx, m->group_bytes, m->ptrs);
	} else {
		t += ms_est_alloc(m->ctx, m->dir_len * ctx->ptr_bytes, true);
		for (uint64_t i = 0; i < m->dir_len; i++)
			if (i == 0 || m->dir[i] != m->dir[i - 1]) {
				t += table_total(m, m->dir[i]->cap);
				n++;
			}
	}
	m->ntables = n;
	m->struct_bytes = t;
	note_peak(m, 0);
}

static struct ms_error *grow_to_table(struct ms_sim_map *m, struct tab **ret)
{
	struct tab *t;
	struct ms_error *err = new_table(m, 2 * MS_GROUP_SLOTS, 0, &t);

	if (err)
		return err;
	note_peak(m, table_total(m, t->cap) + ms_est_alloc(m->ctx, m->ctx->ptr_bytes, true));
	for (unsigned i = 0; i < MS_GROUP_SLOTS; i++)
		if ((ctrl_get(m->small_ctrl, i) & CTRL_EMPTY) != CTRL_EMPTY) {
			uint64_t k = m->small_keys[i], h = hash_of(m, k);

			unchecked_put(t, h, k, h1(h));
		}
	m->dir = malloc(sizeof(*m->dir));
	if (!m->dir) {
		free_table(t);
		return &ms_error_nomem;
	}
	m->dir[0] = t;
	m->dir_len = 1;
	m->global_depth = 0;
	recount(m);
	*ret = t;
	return NULL;
}

/* putSlotSmall: false when the group is full and the key is not in it. */
static bool put_small(struct ms_sim_map *m, uint64_t hash, uint64_t key, bool *ret_new)
{
	uint64_t match;

	for (match = match_h2(m->small_ctrl, h2(hash)); match; match &= match - 1)
		if (m->small_keys[first(match)] == key) {
			*ret_new = false;
			return true;
		}
	match = match_empty_or_deleted(m->small_ctrl);
	if (!match)
		return false;
	m->small_keys[first(match)] = key;
	ctrl_set(&m->small_ctrl, first(match), (unsigned)h2(hash));
	m->used++;
	*ret_new = true;
	return true;
}

static struct ms_error *assign(struct ms_sim_map *m, uint64_t key, bool *ret_new)
{
	uint64_t hash = hash_of(m, key);
	struct ms_error *err;

	if (m->dir_len == 0) {
		struct tab *t;

		if (!m->group_alloc) {
			m->group_alloc = true; /* growToSmall */
			m->small_ctrl = ALL_EMPTY;
			recount(m);
		}
		if (m->facts->small_update_fix) {
			/* 1.27: look for the key first; a full group grows only for a new key */
			if (!put_small(m, hash, key, ret_new)) {
				if ((err = grow_to_table(m, &t)))
					return err;
				unchecked_put(t, hash, key, h1(hash));
				m->used++;
				*ret_new = true;
			}
			note_peak(m, 0);
			return NULL;
		}
		if (m->used < MS_GROUP_SLOTS) {
			put_small(m, hash, key, ret_new);
			note_peak(m, 0);
			return NULL;
		}
		/* 1.24-1.26: a full small map grows even when the key is already there */
		if ((err = grow_to_table(m, &t)))
			return err;
	}
	for (;;) {
		enum put_result r;

		if ((err = table_put(m, m->dir[dir_index(m, hash)], hash, key, &r)))
			return err;
		if (r != PUT_REHASHED) {
			*ret_new = r == PUT_NEW;
			note_peak(m, 0);
			return NULL;
		}
	}
}

static bool table_delete(struct tab *t, uint64_t hash, uint64_t key, uint64_t h1v,
                         bool *ret_tombstone)
{
	uint64_t off = h1v & t->mask, idx = 0;

	for (;; idx++, off = (off + idx) & t->mask) {
		uint64_t match;

		for (match = match_h2(t->g[off].ctrl, h2(hash)); match; match &= match - 1) {
			unsigned i = first(match);

			if (t->g[off].keys[i] != key)
				continue;
			t->used--;
			*ret_tombstone = !match_empty(t->g[off].ctrl);
			if (*ret_tombstone) {
				ctrl_set(&t->g[off].ctrl, i, CTRL_DELETED);
			} else {
				ctrl_set(&t->g[off].ctrl, i, CTRL_EMPTY);
				t->growth_left++;
			}
			return true;
		}
		if (match_empty(t->g[off].ctrl))
			return false;
	}
}

static struct ms_error *remove_key(struct ms_sim_map *m, uint64_t key, bool *ret_found)
{
	uint64_t hash;

	*ret_found = false;
	if (m->used == 0)
		return NULL;
	hash = hash_of(m, key);
	if (m->dir_len == 0) {
		uint64_t match;

		for (match = match_h2(m->small_ctrl, h2(hash)); match; match &= match - 1)
			if (m->small_keys[first(match)] == key) {
				ctrl_set(&m->small_ctrl, first(match), CTRL_EMPTY);
				*ret_found = true;
				break;
			}
	} else {
		bool tomb = false;

		*ret_found = table_delete(m->dir[dir_index(m, hash)], hash, key, h1(hash), &tomb);
		if (tomb)
			m->tombstone_possible = true;
	}
	if (*ret_found && --m->used == 0)
		m->seed = ms_rng_next(m->rng);
	return NULL;
}

static struct ms_error *clear(struct ms_sim_map *m)
{
	if (m->used == 0 && (!m->facts->tombstone_possible || !m->tombstone_possible))
		return NULL;
	if (m->dir_len == 0) {
		m->small_ctrl = ALL_EMPTY;
	} else {
		for (uint64_t i = 0; i < m->dir_len; i++) {
			struct tab *t = m->dir[i];

			if (i > 0 && t == m->dir[i - 1])
				continue;
			for (uint64_t g = 0; g <= t->mask; g++)
				t->g[g].ctrl = ALL_EMPTY;
			t->used = 0;
			t->growth_left = max_growth_left(t->cap);
		}
		m->tombstone_possible = false;
	}
	m->used = 0;
	m->seed = ms_rng_next(m->rng);
	return NULL;
}

static struct ms_error *create(const struct ms_est_ctx *ctx, struct ms_rng *rng, uint64_t hint,
                               struct ms_sim_map **ret)
{
	struct ms_sim_map *m = calloc(1, sizeof(*m));
	uint64_t slot, dir, cap;

	if (!m)
		return &ms_error_nomem;
	m->ctx = ctx;
	m->facts = ms_go_facts(ctx->go);
	m->prunes = m->facts->prunes_tombstones && ctx->fast_assign;
	m->rng = rng;
	ms_swiss_group_layout(ctx, &m->group_bytes, &slot);
	m->ptrs = ctx->slot_has_pointers;
	m->hash_bits = ctx->ptr_bytes * 8;
	m->seed = ms_rng_next(rng);
	if (hint != MS_SIM_NO_HINT && ms_swiss_hint_layout(ctx, hint, m->group_bytes, &dir, &cap)) {
		m->dir = calloc(dir, sizeof(*m->dir));
		if (!m->dir) {
			free(m);
			return &ms_error_nomem;
		}
		m->dir_len = dir;
		while (((uint64_t)1 << m->global_depth) < dir)
			m->global_depth++;
		for (uint64_t i = 0; i < dir; i++) {
			struct ms_error *err =
			    new_table(m, cap, (uint8_t)m->global_depth, &m->dir[i]);

			if (err) {
				m->dir_len = i;
				ms_sim_swiss.destroy(m);
				return err;
			}
			m->dir[i]->index = i;
		}
	}
	recount(m);
	*ret = m;
	return NULL;
}

static void destroy(struct ms_sim_map *m)
{
	if (!m)
		return;
	for (uint64_t i = 0; i < m->dir_len; i++)
		if (i == 0 || m->dir[i] != m->dir[i - 1])
			free_table(m->dir[i]);
	free(m->dir);
	free(m);
}

static void bytes(const struct ms_sim_map *m, uint64_t *ret_held, uint64_t *ret_peak)
{
	*ret_held = held(m);
	*ret_peak = m->peak;
}

static void shape(const struct ms_sim_map *m, struct ms_sim_shape *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->len = m->used;
	ret->held_bytes = held(m);
	ret->small = m->dir_len == 0;
	ret->dir_len = m->dir_len;
	ret->tables = m->ntables;
	if (m->dir_len == 0)
		ret->capacity_slots = m->group_alloc ? MS_GROUP_SLOTS : 0;
	for (uint64_t i = 0; i < m->dir_len; i++)
		if (i == 0 || m->dir[i] != m->dir[i - 1]) {
			ret->capacity_slots += m->dir[i]->cap;
			ret->tombstones += tombstones(m->dir[i]);
		}
}

static void prefetch(const struct ms_sim_map *m, uint64_t key)
{
	uint64_t hash = hash_of(m, key);

	if (m->dir_len) {
		const struct tab *t = m->dir[dir_index(m, hash)];

		__builtin_prefetch(&t->g[h1(hash) & t->mask]);
	}
}

const struct ms_sim_model ms_sim_swiss = {
    .name = "swiss",
    .create = create,
    .destroy = destroy,
    .assign = assign,
    .remove = remove_key,
    .clear = clear,
    .bytes = bytes,
    .shape = shape,
    .prefetch = prefetch,
};
