/* SPDX-License-Identifier: MIT */
/*
 * The heap graph of a target and its dominator tree: what each map's keys and
 * values reach (payload) and what only the map keeps alive (retained).
 */
#ifndef MS_HEAPGRAPH_H
#define MS_HEAPGRAPH_H

#include "target.h"

/* One map to measure: in addr, hdr_bytes, held_bytes; out the rest. */
struct ms_heapgraph_map {
	uint64_t addr;      /* the header */
	uint64_t hdr_bytes; /* the header's size (hmap or Map) */
	/* offsets in the header of its pointer words (hmap's buckets, oldbuckets and
	 * extra; Map's dirPtr; sync.Map's read and dirty, or root): a header that is
	 * no heap object has edges from these alone (its hash seed, its count are
	 * no pointers, though on 386 they often look like one) */
	uint64_t ptr_off[3];
	unsigned nptr;
	uint64_t held_bytes; /* heap bytes of the map's own storage (header included) */
	uint64_t payload_bytes, retained_bytes;
	bool payload_known, retained_known;
	bool nested; /* its node is dominated by another map of the list */
};

struct ms_heapgraph_stats {
	uint64_t objects;     /* allocated heap objects (nodes) */
	uint64_t edges;       /* pointer edges between them */
	uint64_t root_words;  /* words of data, bss and stacks pointing into the heap */
	uint64_t reached;     /* objects reachable from the roots */
	uint64_t graph_bytes; /* memory the graph and the dominator tree took at most */
	uint64_t payload_visits;
	uint64_t precise, conservative; /* pointerful objects scanned by bitmap, word by word */
	uint64_t conservative_stacks;   /* goroutines (partly) scanned word by word */
	uint64_t stack_objects;         /* address-taken locals scanned (reached from live words) */
	bool conservative_globals;      /* data or bss scanned word by word (no GC bitmap) */
	bool payload_budget_hit;
};

/*
 * Build the heap graph (edges: the pointer words of pointerful objects by the
 * runtime's bitmaps, word by word where it has none to read; roots: data and
 * bss by the GC's bitmaps, frames by their stack maps, and the stack objects
 * that live words reach), its dominator tree from a root above every root word
 * (Lengauer-Tarjan, semi-NCA variant), and fill maps[]: a map whose header is
 * not in the heap (a stack) is a virtual node whose edges are its header's
 * pointer words (ptr_off). A map its root words do not reach is made a root.
 */
MS_MUST_CHECK struct ms_error *ms_heapgraph_measure(struct ms_target *t,
                                                    struct ms_heapgraph_map *maps, size_t n,
                                                    struct ms_heapgraph_stats *ret_stats);

/*
 * The dominator tree of the graph of n nodes whose edges out of v are
 * dst[off[v] .. off[v+1]), from root: ret_idom[v] is v's immediate dominator
 * (root's is root), UINT32_MAX for a node root does not reach. false when out
 * of memory. (The algorithm ms_heapgraph_measure uses; tests/unit check it.)
 */
bool ms_dominator_tree(uint32_t n, const uint32_t *off, const uint32_t *dst, uint32_t root,
                       uint32_t *ret_idom);

#endif
