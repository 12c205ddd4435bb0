/* The heap graph's dominator tree (lib/target/heapgraph.c, Lengauer-Tarjan) against the
 * definition computed naively (iterative data flow over bit sets) on random graphs, and on
 * the shapes that made semi-NCA quadratic (long chains reached from one node). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "heapgraph.h"

#define MAXN 64

/* dom[v]: the set of dominators of v (bit u); the immediate one is the dominator whose own
 * set is v's less v. */
static void naive(uint32_t n, const uint32_t *off, const uint32_t *dst, uint32_t root,
                  uint32_t *idom)
{
	uint64_t dom[MAXN], reach = 1ull << root, all = n == 64 ? ~0ull : (1ull << n) - 1;
	bool changed = true;

	while (changed) { /* reachability */
		changed = false;
		for (uint32_t v = 0; v < n; v++)
			if (reach >> v & 1)
				for (uint32_t e = off[v]; e < off[v + 1]; e++)
					if (!(reach >> dst[e] & 1)) {
						reach |= 1ull << dst[e];
						changed = true;
					}
	}
	for (uint32_t v = 0; v < n; v++)
		dom[v] = v == root ? 1ull << root : all;
	for (changed = true; changed;) {
		changed = false;
		for (uint32_t v = 0; v < n; v++) {
			uint64_t d = all;
			bool any = false;

			if (v == root || !(reach >> v & 1))
				continue;
			for (uint32_t u = 0; u < n; u++)
				for (uint32_t e = off[u]; e < off[u + 1]; e++)
					if (dst[e] == v && (reach >> u & 1)) {
						d &= dom[u];
						any = true;
					}
			d = (any ? d : 0) | 1ull << v;
			if (d != dom[v]) {
				dom[v] = d;
				changed = true;
			}
		}
	}
	for (uint32_t v = 0; v < n; v++) {
		idom[v] = reach >> v & 1 ? v : UINT32_MAX;
		if (v == root || !(reach >> v & 1))
			continue;
		for (uint32_t u = 0; u < n; u++)
			if (u != v && (dom[v] >> u & 1) && dom[u] == (dom[v] & ~(1ull << v)))
				idom[v] = u;
	}
}

int main(void)
{
	static uint32_t off[MAXN + 1], dst[MAXN * 8], got[MAXN], want[MAXN];
	unsigned seed = 12345, bad = 0;

	for (int round = 0; round < 400; round++) {
		uint32_t n = 2 + (uint32_t)(rand_r(&seed) % (MAXN - 1)), ne = 0;
		uint32_t deg = 1 + (uint32_t)(round % 4);

		for (uint32_t v = 0; v < n; v++) {
			off[v] = ne;
			for (uint32_t k = 0; k < deg; k++)
				if (rand_r(&seed) % 3)
					dst[ne++] = (uint32_t)(rand_r(&seed) % n);
		}
		off[n] = ne;
		if (!ms_dominator_tree(n, off, dst, 0, got)) {
			CHECK(false, "round %d: out of memory", round);
			continue;
		}
		naive(n, off, dst, 0, want);
		if (memcmp(got, want, n * sizeof(*got)) != 0)
			bad++;
	}
	CHECK(bad == 0, "400 random graphs: the same dominators as the definition (%u differ)",
	      bad);
	{ /* a chain 1 -> 2 -> ... -> 49, every link also reached from 0: all dominated by 0 */
		uint32_t n = 50, ne = 0;

		off[0] = 0;
		for (uint32_t v = 1; v < n; v++)
			dst[ne++] = v;
		for (uint32_t v = 1; v < n; v++) {
			off[v] = ne;
			if (v + 1 < n)
				dst[ne++] = v + 1;
		}
		off[n] = ne;
		CHECK(ms_dominator_tree(n, off, dst, 0, got), "chain: built");
		naive(n, off, dst, 0, want);
		CHECK(memcmp(got, want, n * sizeof(*got)) == 0 && got[n - 1] == 0,
		      "chain reached from the root at every link: the root dominates each");
	}
	return tap_done();
}
