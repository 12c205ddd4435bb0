/* SPDX-License-Identifier: MIT */
/*
 * sync.Map: one report for what it holds. Go 1.19-1.23 (src/sync/map.go): the
 * readOnly struct, its read map and the dirty map (map[any]*entry, walked by
 * the classic walker into this one report), the *entry objects, the `any`
 * cells their p points to, and the boxes the keys' and values' interface data
 * words point to. Go 1.24+ (src/internal/sync/hashtriemap.go): the
 * HashTrieMap's indirect nodes from its root (16 children a node, by hash
 * nibble), its entry nodes with their overflow chains, and the boxes.
 *
 * A box is counted when the interface's type is not "direct" (the data word is
 * the value itself for pointer-shaped types: their pointee is payload, not the
 * map's) and the data word points into the heap (small integers, zero-sized
 * and constant values live in the runtime's static data). Layouts from the
 * version model (ms_go_syncmap_layout).
 */
#include <stdlib.h>
#include <string.h>

#include "gover.h"
#include "report_pack.h"
#include "walk.h"

struct sync_walk {
	struct ms_walk *w;
	struct ms_go_syncmap l;
	uint64_t live;     /* entries with a value: the sync.Map's len */
	uint64_t expunged; /* the expunged cell; 0: unknown (a cell holding nil then is it) */
	void (*entry_cb)(void *arg, uint64_t key_iface, uint64_t value_iface);
	void *arg;
};

static bool rd_ptr(struct sync_walk *s, uint64_t addr, uint64_t *ret)
{
	struct ms_error *err = ms_source_read_ptr(s->w->t->mem, addr, ret);

	ms_error_destroy(err);
	return !err;
}

/* The interface at addr (type word, data word): hold its box. */
static void box(struct sync_walk *s, uint64_t addr, bool key)
{
	uint64_t rtype, data, size;
	enum ms_hold h;
	bool direct;

	if (!rd_ptr(s, addr, &rtype) || !rtype || !rd_ptr(s, addr + s->w->t->ptr, &data) || !data)
		return;
	if (!ms_rtype_direct_iface(s->w->t, rtype, &direct) || direct)
		return;
	if (!rd_ptr(s, rtype, &size)) /* abi.Type.Size_ */
		return;
	h = ms_walk_hold(s->w, data, size, NULL);
	if (h != MS_HOLD_HEAP)
		return;
	ms_walk_part(s->w, h, MS_HELD_BOXES, size);
	if (key)
		s->w->d->sync->boxed_keys++;
	else
		s->w->d->sync->boxed_values++;
}

/* classic: one slot of the read or dirty map: key (an `any`), value (*entry) */
static void on_entry(void *arg, uint64_t key_addr, uint64_t elem_addr)
{
	struct sync_walk *s = arg;
	struct ms_sync_report *sr = s->w->d->sync;
	uint64_t e, p, type_word = 0;
	enum ms_hold h;

	if (!rd_ptr(s, elem_addr, &e) || !e)
		return;
	h = ms_walk_hold(s->w, e, s->l.entry_bytes, NULL);
	if (h == MS_HOLD_DUP) /* the same entry in read and dirty */
		return;
	ms_walk_part(s->w, h, MS_HELD_SYNC_ENTRIES, s->l.entry_bytes);
	sr->entries++;
	box(s, key_addr, true);
	if (!rd_ptr(s, e, &p))
		return;
	if (!p) {
		sr->deleted_entries++;
		return;
	}
	if (p == s->expunged || (!s->expunged && rd_ptr(s, p, &type_word) && !type_word)) {
		sr->expunged_entries++;
		return;
	}
	s->live++;
	h = ms_walk_hold(s->w, p, 2 * s->w->t->ptr, NULL);
	ms_walk_part(s->w, h, MS_HELD_SYNC_ENTRIES, 2 * s->w->t->ptr);
	box(s, p, false);
	if (s->entry_cb)
		s->entry_cb(s->arg, key_addr, p);
}

/* classic: walk one inner map into the sync.Map's report; *ret_len gets its count */
static struct ms_error *inner_map(struct sync_walk *s, const struct ms_map_geom *g, uint64_t hmap,
                                  uint64_t *ret_len)
{
	struct ms_walk *outer = s->w;
	struct ms_map_draft tmp = {.d = {.sync = outer->d->sync}};
	struct ms_walk iw = *outer; /* shares the objects already held (seen) */
	struct ms_error *err;

	iw.g = g;
	iw.r = &tmp.r;
	iw.d = &tmp.d;
	iw.slot = on_entry;
	iw.arg = s;
	iw.strict = false;
	s->w = &iw; /* on_entry holds into tmp, added below */
	err = ms_walk_classic(&iw, hmap);
	s->w = outer;
	outer->seen = iw.seen;
	outer->r->held_bytes += tmp.r.held_bytes;
	outer->d->nobjects += tmp.d.nobjects;
	outer->d->stack_bytes += tmp.d.stack_bytes;
	for (int i = 0; i < MS_HELD__COUNT; i++)
		outer->d->held[i] += tmp.d.held[i];
	*ret_len = tmp.r.len;
	if (!outer->r->error && tmp.r.error)
		outer->r->error = tmp.r.error;
	else
		free(tmp.r.error);
	return err;
}

static struct ms_error *walk_classic_sync(struct sync_walk *s, uint64_t addr,
                                          const struct ms_map_geom *g)
{
	struct ms_map_report *r = s->w->r;
	struct ms_map_detail *d = s->w->d;
	struct ms_sync_report *sr = d->sync;
	uint64_t ro = 0, dirty = 0;
	struct ms_error *err = NULL;

	r->impl = MS_IMPL_CLASSIC;
	if (!rd_ptr(s, addr + s->l.read_off + (s->l.read_iface ? s->w->t->ptr : 0), &ro) ||
	    !rd_ptr(s, addr + s->l.dirty_off, &dirty))
		return ms_error_create(MS_ERR_FAULT,
		                       "sync.Map at 0x%llx is not in the memory image",
		                       (unsigned long long)addr);
	if (ro) {
		uint8_t amended = 0;
		enum ms_hold h = ms_walk_hold(s->w, ro, s->l.ro_bytes, NULL);

		ms_walk_part(s->w, h, MS_HELD_HEADERS, s->l.ro_bytes);
		if (!rd_ptr(s, ro, &sr->read_map))
			sr->read_map = 0;
		err = ms_source_read(s->w->t->mem, ro + s->l.ro_amended_off, &amended, 1);
		ms_error_destroy(err);
		err = NULL;
		sr->amended = amended != 0;
	}
	sr->dirty_map = dirty;
	if (!g && (sr->read_map || dirty))
		return ms_error_create(
		    MS_ERR_FORMAT, "sync.Map at 0x%llx: no layout for map[interface {}]*sync.entry",
		    (unsigned long long)addr);
	/* on_entry counts len itself: the inner maps' counts are read_len and dirty_len */
	if (sr->read_map)
		err = inner_map(s, g, sr->read_map, &sr->read_len);
	if (!err && dirty)
		err = inner_map(s, g, dirty, &sr->dirty_len);
	return err;
}

/* hashtriemap: the indirect node at addr, depth levels below the root */
static void trie_node(struct sync_walk *s, uint64_t addr, unsigned depth)
{
	struct ms_map_report *r = s->w->r;
	struct ms_map_detail *d = s->w->d;
	struct ms_sync_report *sr = d->sync;
	const struct ms_go_syncmap *l = &s->l;
	enum ms_hold h = ms_walk_hold(s->w, addr, l->ind_bytes, NULL);

	if (h == MS_HOLD_DUP)
		return;
	if (h != MS_HOLD_HEAP) { /* the runtime allocates every node: damaged memory */
		if (!r->error)
			r->error = strdup("a HashTrieMap node is not a heap object");
		return;
	}
	ms_walk_part(s->w, h, MS_HELD_TRIE_NODES, l->ind_bytes);
	sr->indirect_nodes++;
	sr->nodes_by_depth[depth]++;
	for (unsigned i = 0; i < l->children; i++) {
		uint64_t c, e;
		uint8_t is_entry = 0;
		struct ms_error *err;

		if (!rd_ptr(s, addr + l->ind_children_off + i * s->w->t->ptr, &c) || !c)
			continue;
		err = ms_source_read(s->w->t->mem, c, &is_entry, 1);
		ms_error_destroy(err);
		if (err)
			continue;
		if (!is_entry) {
			if (depth + 1 < MS_TRIE_DEPTHS)
				trie_node(s, c, depth + 1);
			else if (!r->error)
				r->error = strdup("a HashTrieMap deeper than a 64-bit hash allows");
			continue;
		}
		/* an entry and its overflow chain (hash collisions); each node held once */
		for (e = c; e;) {
			h = ms_walk_hold(s->w, e, l->ent_bytes, NULL);
			if (h == MS_HOLD_DUP) /* a cycle */
				break;
			if (h != MS_HOLD_HEAP) {
				if (!r->error)
					r->error =
					    strdup("a HashTrieMap entry is not a heap object");
				break;
			}
			ms_walk_part(s->w, h, MS_HELD_SYNC_ENTRIES, l->ent_bytes);
			sr->entry_nodes++;
			sr->entries_by_depth[depth]++;
			if (e != c)
				sr->overflow_entries++;
			s->live++;
			box(s, e + l->ent_key_off, true);
			box(s, e + l->ent_value_off, false);
			if (s->entry_cb)
				s->entry_cb(s->arg, e + l->ent_key_off, e + l->ent_value_off);
			if (!rd_ptr(s, e + l->ent_overflow_off, &e))
				break;
		}
	}
}

struct ms_error *
ms_walk_syncmap(struct ms_walk *w, uint64_t addr, const struct ms_map_geom *inner,
                uint64_t expunged,
                void (*entry_cb)(void *arg, uint64_t key_iface, uint64_t value_iface), void *arg)
{
	struct sync_walk s = {.w = w, .expunged = expunged, .entry_cb = entry_cb, .arg = arg};
	uint64_t root = 0;
	struct ms_error *err = NULL;

	if (!w->d->sync && !(w->d->sync = calloc(1, sizeof(*w->d->sync))))
		return &ms_error_nomem;
	ms_go_syncmap_layout(&w->t->go, w->t->arch, &s.l);
	w->d->key_bytes = w->d->elem_bytes = 2 * w->t->ptr;
	w->d->has_pointers = true;
	if (!s.l.hashtrie) {
		err = walk_classic_sync(&s, addr, inner);
	} else {
		w->r->impl = MS_IMPL_HASHTRIE;
		if (!rd_ptr(&s, addr + s.l.root_off, &root))
			err = ms_error_create(MS_ERR_FAULT,
			                      "sync.Map at 0x%llx is not in the memory image",
			                      (unsigned long long)addr);
		else if (root)
			trie_node(&s, root, 0);
	}
	w->r->len = w->d->occupied = s.live;
	return err;
}
