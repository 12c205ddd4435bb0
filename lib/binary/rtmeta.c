/* SPDX-License-Identifier: MIT */
/*
 * Runtime metadata without DWARF.
 *
 * The module data (runtime.firstmoduledata, in .noptrdata) is the only
 * static word that points at the start of .gopclntab; it gives the type
 * region [types, etypes) and the data and bss ranges. Every map type
 * descriptor in the type region is found by scanning it for the shape a map
 * type must have (kind map, key, element and bucket or group types inside the
 * region, the bucket or group size its struct type repeats), and turned,
 * with the types its keys and values lead to, into ms_dtype nodes: the rest
 * of mapsize (gotype.c, findmaps.c) cannot tell them from DWARF's, except
 * that sizes and alignments come from the descriptors. runtime.mheap_ and
 * runtime.allgs are found in the bss by what they must hold: spans that the
 * arena index maps back to themselves, goroutines with sane stacks.
 *
 * Type descriptors (internal/abi/type.go; 64-bit offsets, 32-bit in
 * brackets): size 0, ptrdata 8 [4], hash 16 [8], tflag 20 [12], align 21
 * [13], fieldAlign 22 [14], kind 23 [15], equal 24 [16], gcdata 32 [20], str
 * 40 [24] (nameOff from types), ptrToThis 44 [28]; 48 [32] bytes. After
 * them: pointers, arrays, slices and chans have Elem (arrays then Slice and
 * Len); structs PkgPath and Fields []{Name, Typ, Offset}; interfaces PkgPath
 * and Methods; maps Key, Elem, Bucket or Group, Hasher and then the classic
 * KeySize u8, ValueSize u8, BucketSize u16, Flags u32, or the Swiss
 * GroupSize, SlotSize, ElemOff, Flags (1.24-1.26) or GroupSize, KeysOff,
 * KeyStride, ElemsOff, ElemStride, ElemOff, Flags (1.27).
 */
#include "rtmeta.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gover.h"
#include "rtlayout.h"

#define SYNTH_OFF  (1ull << 62) /* offsets of nodes that have no descriptor */
#define MAX_TYPES  (1u << 20)
#define MAX_FIELDS 4096
#define MAX_NAME   1024

#define TFLAG_EXTRA_STAR 2

struct builder {
	struct ms_rtmeta *t;
	uint64_t types, etypes; /* the module's type region */
	struct ms_dwarf *d;
	size_t cap;
	uint64_t *hkeys; /* descriptor address -> node index + 1, open addressing */
	size_t *hvals, hcap, hn;
	/* nodes made for a descriptor whose own fields are still to be read, by index */
	size_t *pending, npending, cap_pending;
	uint64_t next_synth;
	struct ms_error *err;
};

struct rtype {
	uint64_t size, ptrdata;
	uint8_t tflag, align, kind;
	int32_t str;
};

static unsigned hdr_bytes(const struct ms_rtmeta *t)
{
	return t->ptr == 8 ? 48 : 32;
}

static bool rd(const struct ms_rtmeta *t, uint64_t addr, void *buf, size_t len)
{
	return ms_source_try_read(t->mem, addr, buf, len);
}

/* A word of n bytes, 0 if unreadable; *ok turns false then (and stays so). */
static uint64_t rd_word(const struct ms_rtmeta *t, uint64_t addr, unsigned n, bool *ok)
{
	uint64_t v = 0;

	if (!ms_source_try_uint(t->mem, addr, n, &v))
		*ok = false;
	return v;
}

static bool in_types(const struct builder *b, uint64_t addr)
{
	return addr >= b->types && addr < b->etypes && addr % b->t->ptr == 0;
}

static bool read_rtype(struct builder *b, uint64_t addr, struct rtype *r)
{
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	uint8_t buf[48];

	if (!in_types(b, addr) || addr + hdr_bytes(t) > b->etypes ||
	    !rd(t, addr, buf, hdr_bytes(t)))
		return false;
	r->size = ms_source_decode(t->mem, buf, p);
	r->ptrdata = ms_source_decode(t->mem, buf + p, p);
	r->tflag = buf[2 * p + 4];
	r->align = buf[2 * p + 5];
	r->kind = buf[2 * p + 7] & 31;
	r->str = (int32_t)(uint32_t)ms_source_decode(t->mem, buf + 4 * p + 8, 4);
	return r->kind != 0 && r->align && (r->align & (r->align - 1)) == 0 && r->align <= 8 &&
	       r->size < (1ull << 40) && r->ptrdata <= r->size;
}

/* internal/abi.Name: a flags byte, a varint length, the bytes. NULL if unreadable. */
static char *read_name_at(struct builder *b, uint64_t addr, uint8_t *ret_flags)
{
	uint8_t head[6];
	uint64_t len = 0;
	unsigned i;
	char *s;

	if (!addr || !rd(b->t, addr, head, sizeof(head)))
		return NULL;
	for (i = 0; i < 4; i++) {
		len |= (uint64_t)(head[1 + i] & 0x7f) << (7 * i);
		if (!(head[1 + i] & 0x80))
			break;
	}
	if (i == 4 || len > MAX_NAME)
		return NULL;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	if (len && !rd(b->t, addr + 2 + i, s, len)) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	if (ret_flags)
		*ret_flags = head[0];
	return s;
}

static char *type_name(struct builder *b, const struct rtype *r)
{
	char *s = r->str > 0 ? read_name_at(b, b->types + (uint64_t)r->str, NULL) : NULL;

	if (s && (r->tflag & TFLAG_EXTRA_STAR) && s[0] == '*')
		memmove(s, s + 1, strlen(s));
	return s;
}

static size_t hash_slot(const struct builder *b, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (b->hcap - 1);
}

static size_t lookup(const struct builder *b, uint64_t addr)
{
	for (size_t i = hash_slot(b, addr);; i = (i + 1) & (b->hcap - 1)) {
		if (!b->hkeys[i])
			return 0;
		if (b->hkeys[i] == addr)
			return b->hvals[i];
	}
}

static bool insert(struct builder *b, uint64_t addr, size_t idx)
{
	if (2 * (b->hn + 1) > b->hcap) {
		size_t ncap = b->hcap ? 2 * b->hcap : 1024;
		uint64_t *ok = b->hkeys;
		size_t *ov = b->hvals, ocap = b->hcap;

		b->hkeys = calloc(ncap, sizeof(*b->hkeys));
		b->hvals = calloc(ncap, sizeof(*b->hvals));
		if (!b->hkeys || !b->hvals) {
			free(b->hkeys);
			free(b->hvals);
			b->hkeys = ok;
			b->hvals = ov;
			return false;
		}
		b->hcap = ncap;
		for (size_t i = 0; i < ocap; i++) {
			if (ok[i]) {
				size_t j = hash_slot(b, ok[i]);

				while (b->hkeys[j])
					j = (j + 1) & (ncap - 1);
				b->hkeys[j] = ok[i];
				b->hvals[j] = ov[i];
			}
		}
		free(ok);
		free(ov);
	}
	for (size_t i = hash_slot(b, addr);; i = (i + 1) & (b->hcap - 1)) {
		if (!b->hkeys[i]) {
			b->hkeys[i] = addr;
			b->hvals[i] = idx + 1;
			b->hn++;
			return true;
		}
	}
}

/* A new zeroed node with the given offset; its index, or SIZE_MAX. */
static size_t add_node(struct builder *b, uint64_t off)
{
	struct ms_dwarf *d = b->d;

	if (d->ntypes >= MAX_TYPES) {
		return SIZE_MAX;
	}
	if (d->ntypes == b->cap) {
		size_t ncap = b->cap ? 2 * b->cap : 256;
		struct ms_dtype *n = realloc(d->types, ncap * sizeof(*n));

		if (!n) {
			b->err = &ms_error_nomem;
			return SIZE_MAX;
		}
		d->types = n;
		b->cap = ncap;
	}
	memset(&d->types[d->ntypes], 0, sizeof(d->types[0]));
	d->types[d->ntypes].off = off;
	d->types[d->ntypes].size = UINT64_MAX;
	return d->ntypes++;
}

/* A node without a descriptor: a pointer-sized word (map header pointers, unsafe.Pointer). */
static uint64_t synth_word(struct builder *b, uint16_t tag, uint64_t target)
{
	uint64_t off = SYNTH_OFF + b->next_synth++;
	size_t i = add_node(b, off);
	struct ms_dtype *n;

	if (i == SIZE_MAX)
		return 0;
	n = &b->d->types[i];
	n->tag = tag;
	n->size = b->t->ptr;
	n->type_off = target;
	n->rt_layout = true;
	n->rt_align = (uint8_t)b->t->ptr;
	n->rt_pointers = true;
	return off;
}

static bool set_members(struct builder *b, size_t idx, size_t n)
{
	struct ms_dmember *m = calloc(n ? n : 1, sizeof(*m));

	if (!m) {
		b->err = &ms_error_nomem;
		return false;
	}
	b->d->types[idx].members = m;
	b->d->types[idx].nmembers = n;
	return true;
}

static bool set_member(struct builder *b, size_t idx, size_t i, const char *name, uint64_t offset,
                       uint64_t type_off)
{
	struct ms_dmember *m = &b->d->types[idx].members[i];

	m->name = strdup(name);
	m->offset = offset;
	m->type_off = type_off;
	if (!m->name)
		b->err = &ms_error_nomem;
	return m->name != NULL;
}

static uint64_t ref(struct builder *b, uint64_t addr);

static void decode_struct(struct builder *b, size_t idx, uint64_t addr)
{
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	uint64_t h = addr + hdr_bytes(t), fields, n, size = b->d->types[idx].size;
	bool ok = true;

	fields = rd_word(t, h + p, p, &ok);
	n = rd_word(t, h + 2 * p, p, &ok);
	if (!ok || n > MAX_FIELDS || !set_members(b, idx, (size_t)n))
		return;
	for (uint64_t i = 0; i < n && !b->err; i++) {
		uint64_t f = fields + i * 3 * p, name_p, typ, off;
		uint8_t flags = 0;
		char *name;

		name_p = rd_word(t, f, p, &ok);
		typ = rd_word(t, f + p, p, &ok);
		off = rd_word(t, f + 2 * p, p, &ok);
		if (!ok)
			break;
		name = read_name_at(b, name_p, &flags);
		typ = ref(b, typ);
		/* up to 1.18 the word was offset<<1 | embedded */
		set_member(b, idx, (size_t)i, name ? name : "", off > size ? off >> 1 : off, typ);
		free(name);
		if (!b->err)
			b->d->types[idx].members[i].embedded = (flags & 8) != 0;
	}
}

static void decode_interface(struct builder *b, size_t idx, uint64_t addr)
{
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	bool ok = true;
	uint64_t nmethods = rd_word(t, addr + hdr_bytes(t) + 2 * p, p, &ok);
	uint64_t s = SYNTH_OFF + b->next_synth++;
	size_t si = add_node(b, s);

	/* DWARF: a typedef with the interface kind over runtime.eface / iface */
	b->d->types[idx].tag = MS_DTAG_TYPEDEF;
	if (si == SIZE_MAX)
		return;
	b->d->types[idx].type_off = s;
	b->d->types[si].tag = MS_DTAG_STRUCT;
	b->d->types[si].size = 2ull * p;
	b->d->types[si].rt_layout = true;
	b->d->types[si].rt_align = (uint8_t)p;
	b->d->types[si].rt_pointers = true;
	if (set_members(b, si, 2)) {
		set_member(b, si, 0, ok && nmethods == 0 ? "_type" : "tab", 0, 0);
		set_member(b, si, 1, "data", p, 0);
	}
}

/*
 * The node of the descriptor at addr, 0 if there is none there: made now if
 * new, its own fields read later by fill() (pending). Nodes refer to each
 * other by descriptor address, so a reference needs only the node to exist:
 * the type graph is read without recursion, and every node reached is
 * complete however long the chain that led to it (a walk cut at some depth
 * would keep a node whose fields were never read: a map type without key or
 * value, a pointer to nothing).
 */
static uint64_t ref(struct builder *b, uint64_t addr)
{
	struct rtype r;
	size_t idx;

	if (!addr || b->err)
		return 0;
	if (b->hcap && lookup(b, addr))
		return addr;
	if (!read_rtype(b, addr, &r))
		return 0;
	idx = add_node(b, addr);
	if (idx == SIZE_MAX)
		return 0;
	if (b->npending == b->cap_pending) {
		size_t ncap = b->cap_pending ? 2 * b->cap_pending : 256;
		size_t *n = realloc(b->pending, ncap * sizeof(*n));

		if (!n) {
			b->err = &ms_error_nomem;
			return 0;
		}
		b->pending = n;
		b->cap_pending = ncap;
	}
	if (!insert(b, addr, idx)) {
		b->err = &ms_error_nomem;
		return 0;
	}
	b->pending[b->npending++] = idx;
	return addr;
}

/* Read the fields of the descriptor behind node idx (made by ref()). */
static void fill(struct builder *b, size_t idx)
{
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	uint64_t addr = b->d->types[idx].off, h = addr + hdr_bytes(t), x;
	struct rtype r;
	struct ms_dtype *n;
	bool ok = true;

	if (!read_rtype(b, addr, &r))
		return; /* read by ref() a moment ago: only if memory changed under us */
	n = &b->d->types[idx];
	n->go_kind = r.kind;
	n->name = type_name(b, &r);
	n->size = r.size;
	n->runtime_type = addr - t->rt.types_base;
	n->rt_layout = true;
	n->rt_align = r.align;
	n->rt_pointers = r.ptrdata != 0;
	/* ref() may grow the node array: n is not used after it */
	switch (r.kind) {
	case MS_KIND_ARRAY:
		n->tag = MS_DTAG_ARRAY;
		n->count = rd_word(t, h + 2 * p, p, &ok);
		x = ref(b, rd_word(t, h, p, &ok));
		b->d->types[idx].type_off = ok ? x : 0;
		break;
	case MS_KIND_PTR:
		n->tag = MS_DTAG_POINTER;
		x = ref(b, rd_word(t, h, p, &ok));
		b->d->types[idx].type_off = ok ? x : 0;
		break;
	case MS_KIND_SLICE:
		n->tag = MS_DTAG_STRUCT;
		x = ref(b, rd_word(t, h, p, &ok));
		b->d->types[idx].elem_off = ok ? x : 0;
		if (set_members(b, idx, 3)) {
			set_member(b, idx, 0, "array", 0, 0);
			set_member(b, idx, 1, "len", p, 0);
			set_member(b, idx, 2, "cap", 2ull * p, 0);
		}
		break;
	case MS_KIND_STRING:
		n->tag = MS_DTAG_STRUCT;
		break;
	case MS_KIND_STRUCT:
		n->tag = MS_DTAG_STRUCT;
		decode_struct(b, idx, addr);
		break;
	case MS_KIND_INTERFACE:
		decode_interface(b, idx, addr);
		break;
	case MS_KIND_MAP: {
		uint64_t key = ref(b, rd_word(t, h, p, &ok));
		uint64_t elem = ref(b, rd_word(t, h + p, p, &ok));
		uint64_t hdr = synth_word(b, MS_DTAG_POINTER, 0);

		n = &b->d->types[idx];
		n->tag = MS_DTAG_TYPEDEF;
		n->key_off = key;
		n->elem_off = elem;
		n->type_off = hdr;
		break;
	}
	default:
		n->tag = MS_DTAG_BASE;
		break;
	}
}

/* The node of the descriptor at addr and of everything it leads to; 0 if none. */
static uint64_t decode(struct builder *b, uint64_t addr)
{
	uint64_t ret = ref(b, addr);

	while (b->npending && !b->err)
		fill(b, b->pending[--b->npending]);
	return b->err ? 0 : ret;
}

/* ---- Full type names ------------------------------------------------------------ */

/*
 * DWARF names a type as the compiler's link name (cmd/compile/internal/types
 * fmt.go, mode fmtTypeID; cmd/link's DWARF takes the type symbol's name):
 * package paths, escaped as objabi.PathToPrefix does (a '.' after the last
 * '/', '%', '"', spaces, control and non-ASCII bytes as %xx), where the
 * descriptor's str has package names. The same in go1.19 and 1.21-1.27:
 *
 *   named          path.Name: uncommon PkgPath + str after the package name,
 *                  generic arguments as str has them (already link names:
 *                  main.Pair[int,*example.com/x%2ev3.Node]); predeclared
 *                  types have no PkgPath (int, error, uint8 for byte, int32
 *                  for rune, interface {} for any)
 *   *T []T [N]T    map[K]V chan T, <-chan T, chan<- T, chan (<-chan T)
 *   func           func(int, ...string) (bool, error): no parameter names
 *   interface      interface {}, interface { M() int; path.m() }: an
 *                  unexported method qualified by its name's own PkgPath or
 *                  else the interface's
 *   struct         struct {}, struct { path.a int; B string "tag" }: an
 *                  unexported field qualified by the struct's PkgPath, the
 *                  tag as strconv.Quote writes it; an embedded field is its
 *                  type (*path.T), or "N = T" when its name is not the type's
 *                  own (struct { path.error = error; Pair = path.Pair[int] })
 *
 * What the descriptors cannot say: the "·N" DWARF appends to a type declared
 * inside a function (main.Loc·1; the descriptor's str says main.Loc). Not done
 * here: a tag's non-printable Unicode, which strconv.Quote writes as \u....
 * (copied as is; ASCII and invalid UTF-8 are quoted as Go quotes them).
 */

#define TFLAG_UNCOMMON  1
#define TFLAG_NAMED     4
#define MAX_FULL_NAME   (1u << 16)
#define MAX_NAME_DEPTH  48
#define MAX_PARAMS      1024
#define MAX_METHODS     4096
#define MAX_NAMES_BYTES (64u << 20) /* all full names together: a hostile graph could blow up */

struct sbuf {
	char *s;
	size_t len, cap;
	bool bad; /* out of memory or too long: the name is given up */
};

static void sb_add(struct sbuf *sb, const char *s, size_t n)
{
	if (sb->bad)
		return;
	if (sb->len + n + 1 > MAX_FULL_NAME) {
		sb->bad = true;
		return;
	}
	if (sb->len + n + 1 > sb->cap) {
		size_t ncap = sb->cap ? sb->cap : 64;
		char *p;

		while (ncap < sb->len + n + 1)
			ncap *= 2;
		p = realloc(sb->s, ncap);
		if (!p) {
			sb->bad = true;
			return;
		}
		sb->s = p;
		sb->cap = ncap;
	}
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

static void sb_str(struct sbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

/* cmd/internal/objabi.PathToPrefix */
static void sb_path(struct sbuf *sb, const char *path)
{
	const char *slash = strrchr(path, '/');
	static const char hex[] = "0123456789abcdef";

	for (const char *c = path; *c; c++) {
		unsigned char u = (unsigned char)*c;

		if (u <= ' ' || (u == '.' && (!slash || c > slash)) || u == '%' || u == '"' ||
		    u >= 0x7f) {
			char e[3] = {'%', hex[u >> 4], hex[u & 15]};

			sb_add(sb, e, 3);
		} else {
			sb_add(sb, c, 1);
		}
	}
}

/* The length of a valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf8 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return len;
}

/* strconv.Quote, for ASCII exactly; valid UTF-8 is copied (taken as printable). */
static void sb_quote(struct sbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);

	sb_add(sb, "\"", 1);
	for (size_t i = 0; i < n;) {
		const char *esc = NULL;
		size_t len;

		switch (u[i]) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\a':
			esc = "\\a";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\v':
			esc = "\\v";
			break;
		default:
			break;
		}
		if (esc) {
			sb_str(sb, esc);
			i++;
		} else if (u[i] >= 0x20 && u[i] < 0x7f) {
			sb_add(sb, s + i, 1);
			i++;
		} else if (u[i] >= 0x80 && (len = utf8_len(u + i, n - i)) != 0) {
			sb_add(sb, s + i, len);
			i += len;
		} else {
			char e[4] = {'\\', 'x', hex[u[i] >> 4], hex[u[i] & 15]};

			sb_add(sb, e, 4);
			i++;
		}
	}
	sb_add(sb, "\"", 1);
}

/* An internal/abi.Name with its optional tag and package path offset. */
struct abi_name {
	char *name, *tag; /* owned; tag NULL if none */
	uint8_t flags;    /* 1 exported, 2 has a tag, 4 has a PkgPath, 8 embedded */
	int32_t pkg_off;  /* nameOff of the package path, 0 if none */
};

static bool read_varint(struct builder *b, uint64_t addr, uint64_t *ret, unsigned *ret_bytes)
{
	uint8_t c;
	uint64_t v = 0;

	for (unsigned i = 0; i < 4; i++) {
		if (!rd(b->t, addr + i, &c, 1))
			return false;
		v |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80)) {
			*ret = v;
			*ret_bytes = i + 1;
			return true;
		}
	}
	return false;
}

static char *read_bytes(struct builder *b, uint64_t addr, uint64_t len)
{
	char *s;

	if (len > MAX_NAME)
		return NULL;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	if (len && !rd(b->t, addr, s, len)) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	if (strlen(s) != len) { /* a NUL inside: not a name */
		free(s);
		return NULL;
	}
	return s;
}

static void abi_name_deinit(struct abi_name *n)
{
	free(n->name);
	free(n->tag);
}

static bool read_abi_name(struct builder *b, uint64_t addr, struct abi_name *ret)
{
	struct abi_name n = {0};
	uint64_t len, a = addr + 1;
	unsigned vb;
	uint8_t off[4];

	if (!addr || !rd(b->t, addr, &n.flags, 1) || !read_varint(b, a, &len, &vb))
		return false;
	a += vb;
	n.name = read_bytes(b, a, len);
	if (!n.name)
		return false;
	a += len;
	if (n.flags & 2) {
		if (!read_varint(b, a, &len, &vb) || !(n.tag = read_bytes(b, a + vb, len))) {
			abi_name_deinit(&n);
			return false;
		}
		a += vb + len;
	}
	if (n.flags & 4) {
		if (!rd(b->t, a, off, 4)) {
			abi_name_deinit(&n);
			return false;
		}
		n.pkg_off = (int32_t)(uint32_t)ms_source_decode(b->t->mem, off, 4);
	}
	*ret = n;
	return true;
}

/* The package path at a nameOff from the type region; NULL if none or unreadable. */
static char *read_pkg_path(struct builder *b, int32_t off)
{
	struct abi_name n;

	if (off <= 0 || !read_abi_name(b, b->types + (uint64_t)off, &n))
		return NULL;
	free(n.tag);
	return n.name;
}

/* Bytes of a descriptor of this kind before its uncommon part (internal/abi Type.Uncommon). */
static uint64_t kind_bytes(const struct builder *b, uint8_t kind)
{
	uint64_t h = hdr_bytes(b->t), p = b->t->ptr;

	switch (kind) {
	case MS_KIND_ARRAY:
		return h + 3 * p; /* Elem, Slice, Len */
	case MS_KIND_CHAN:
		return h + 2 * p; /* Elem, Dir */
	case MS_KIND_FUNC:
	case MS_KIND_PTR:
	case MS_KIND_SLICE:
		return h + p; /* InCount, OutCount u16 (padded); Elem; Elem */
	case MS_KIND_INTERFACE:
	case MS_KIND_STRUCT:
		return h + 4 * p; /* PkgPath, Methods or Fields []... */
	case MS_KIND_MAP:
		return h + ms_go_map_type_tail_bytes(&b->t->go, b->t->ptr);
	default:
		return h;
	}
}

/* The memo of full names by descriptor address: open addressing, never shrinks. */
struct namer {
	struct builder *b;
	uint64_t *keys;
	/* owned; NULL until asked, IN_PROGRESS while the name is being made, FAILED if none
	 * (remembered: a hostile graph could ask again and again for what fails deep down) */
	char **vals;
	size_t cap, n, bytes;
};

static char in_progress, failed;
#define IN_PROGRESS (&in_progress)
#define FAILED      (&failed)

static char **memo_slot(struct namer *nm, uint64_t addr)
{
	size_t i;

	if (2 * (nm->n + 1) > nm->cap) {
		size_t ncap = nm->cap ? 2 * nm->cap : 1024;
		uint64_t *k = calloc(ncap, sizeof(*k));
		char **v = calloc(ncap, sizeof(*v));

		if (!k || !v) {
			free(k);
			free(v);
			return NULL;
		}
		for (size_t j = 0; j < nm->cap; j++) {
			if (!nm->keys[j])
				continue;
			for (i = (size_t)((nm->keys[j] * 0x9e3779b97f4a7c15ull) >> 20) & (ncap - 1);
			     k[i]; i = (i + 1) & (ncap - 1))
				;
			k[i] = nm->keys[j];
			v[i] = nm->vals[j];
		}
		free(nm->keys);
		free(nm->vals);
		nm->keys = k;
		nm->vals = v;
		nm->cap = ncap;
	}
	for (i = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 20) & (nm->cap - 1); nm->keys[i];
	     i = (i + 1) & (nm->cap - 1)) {
		if (nm->keys[i] == addr)
			return &nm->vals[i];
	}
	nm->keys[i] = addr;
	nm->n++;
	return &nm->vals[i];
}

static void namer_deinit(struct namer *nm)
{
	for (size_t i = 0; i < nm->cap; i++) {
		if (nm->vals[i] != IN_PROGRESS && nm->vals[i] != FAILED)
			free(nm->vals[i]);
	}
	free(nm->keys);
	free(nm->vals);
}

static const char *full_name(struct namer *nm, uint64_t addr, unsigned depth);

/* Append the full name of the descriptor at addr; false if it has none. */
static bool sb_type(struct sbuf *sb, struct namer *nm, uint64_t addr, unsigned depth)
{
	const char *s = full_name(nm, addr, depth + 1);

	if (!s)
		return false;
	sb_str(sb, s);
	return true;
}

/* A named type: its package path, '.', its name as str spells it after the package name. */
static bool name_named(struct sbuf *sb, struct namer *nm, uint64_t addr, const struct rtype *r)
{
	struct builder *b = nm->b;
	char *str = type_name(b, r), *path = NULL;
	uint8_t off[4];
	const char *dot;

	if (!str)
		return false;
	if ((r->tflag & TFLAG_UNCOMMON) && rd(b->t, addr + kind_bytes(b, r->kind), off, 4))
		path = read_pkg_path(b, (int32_t)(uint32_t)ms_source_decode(b->t->mem, off, 4));
	dot = strchr(str, '.');
	if (path && *path && dot && dot < str + strcspn(str, "[")) {
		sb_path(sb, path);
		sb_str(sb, dot);
	} else {
		/* predeclared (int, error), or no package path to be had: str as it is */
		sb_str(sb, str);
	}
	free(str);
	free(path);
	return true;
}

/* The named type an embedded field of type addr stands for (T or *T): its name and path. */
static bool embedded_type_name(struct namer *nm, uint64_t addr, char **ret_name, char **ret_path)
{
	struct builder *b = nm->b;
	struct rtype r;
	uint8_t off[4];
	bool ok = true;
	char *str;
	const char *dot;

	if (!read_rtype(b, addr, &r))
		return false;
	if (!(r.tflag & TFLAG_NAMED) && r.kind == MS_KIND_PTR) {
		addr = rd_word(b->t, addr + hdr_bytes(b->t), b->t->ptr, &ok);
		if (!ok || !read_rtype(b, addr, &r))
			return false;
	}
	if (!(r.tflag & TFLAG_NAMED) || !(str = type_name(b, &r)))
		return false;
	*ret_path = NULL;
	if ((r.tflag & TFLAG_UNCOMMON) && rd(b->t, addr + kind_bytes(b, r.kind), off, 4))
		*ret_path =
		    read_pkg_path(b, (int32_t)(uint32_t)ms_source_decode(b->t->mem, off, 4));
	dot = strchr(str, '.');
	if (dot && dot < str + strcspn(str, "["))
		memmove(str, dot + 1, strlen(dot));
	*ret_name = str;
	return true;
}

/*
 * The head struct and interface descriptors share after the type header: a
 * PkgPath name (owned into *ret_pkg, NULL if none) and a slice of at most max
 * fields or methods. false if unreadable or too long (nothing owned then).
 */
static bool read_pkg_slice(struct builder *b, uint64_t addr, uint64_t max, char **ret_pkg,
                           uint64_t *ret_arr, uint64_t *ret_n)
{
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	uint64_t h = addr + hdr_bytes(t);
	bool ok = true;
	struct abi_name pn;

	*ret_pkg = NULL;
	if (read_abi_name(b, rd_word(t, h, p, &ok), &pn)) {
		free(pn.tag);
		*ret_pkg = pn.name;
	}
	*ret_arr = rd_word(t, h + p, p, &ok);
	*ret_n = rd_word(t, h + 2 * p, p, &ok);
	if (ok && *ret_n <= max)
		return true;
	free(*ret_pkg);
	*ret_pkg = NULL;
	return false;
}

static bool name_struct(struct sbuf *sb, struct namer *nm, uint64_t addr, unsigned depth)
{
	struct builder *b = nm->b;
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	uint64_t fields, n;
	bool ok = true;
	char *spkg;

	if (!read_pkg_slice(b, addr, MAX_FIELDS, &spkg, &fields, &n))
		return false;
	sb_str(sb, "struct {");
	for (uint64_t i = 0; i < n && ok && !sb->bad; i++) {
		uint64_t f = fields + i * 3 * p, typ;
		struct abi_name fn;
		bool named = true;

		typ = rd_word(t, f + p, p, &ok);
		if (!ok || !read_abi_name(b, rd_word(t, f, p, &ok), &fn) || !ok) {
			ok = false;
			break;
		}
		sb_str(sb, i ? "; " : " ");
		if (fn.flags & 8) {
			char *tn = NULL, *tp = NULL;

			/* fmt.go fldconv: "T" when the field's name is the type's own */
			if (embedded_type_name(nm, typ, &tn, &tp) && strcmp(tn, fn.name) == 0 &&
			    ((fn.flags & 1) || (spkg && tp && strcmp(spkg, tp) == 0)))
				named = false;
			free(tn);
			free(tp);
		}
		if (named) {
			if (!(fn.flags & 1) && spkg && *spkg) {
				sb_path(sb, spkg);
				sb_str(sb, ".");
			}
			sb_str(sb, fn.name);
			sb_str(sb, fn.flags & 8 ? " = " : " ");
		}
		ok = sb_type(sb, nm, typ, depth);
		if (fn.tag && *fn.tag) {
			sb_str(sb, " ");
			sb_quote(sb, fn.tag);
		}
		abi_name_deinit(&fn);
	}
	sb_str(sb, n ? " }" : "}");
	free(spkg);
	return ok;
}

/* A function's signature; with_func false for an interface's method ("(int) string"). */
static bool name_func(struct sbuf *sb, struct namer *nm, uint64_t addr, const struct rtype *r,
                      bool with_func, unsigned depth)
{
	struct builder *b = nm->b;
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	uint8_t counts[4];
	uint64_t in, out, params;
	bool variadic, ok = true;

	if (r->kind != MS_KIND_FUNC || !rd(t, addr + hdr_bytes(t), counts, 4))
		return false;
	in = ms_source_decode(t->mem, counts, 2);
	out = ms_source_decode(t->mem, counts + 2, 2);
	variadic = (out & 0x8000) != 0;
	out &= 0x7fff;
	if (in + out > MAX_PARAMS || (variadic && !in))
		return false;
	params = addr + kind_bytes(b, MS_KIND_FUNC) + (r->tflag & TFLAG_UNCOMMON ? 16 : 0);
	sb_str(sb, with_func ? "func(" : "(");
	for (uint64_t i = 0; i < in + out && ok; i++) {
		uint64_t pt = rd_word(t, params + i * p, p, &ok);

		if (!ok)
			break;
		if (i == in) {
			sb_str(sb, ")");
			if (out > 1)
				sb_str(sb, " (");
			else
				sb_str(sb, " ");
		} else if (i) {
			sb_str(sb, ", ");
		}
		if (variadic && i == in - 1) {
			/* ...T: the parameter is []T */
			struct rtype s;
			uint64_t elem = rd_word(t, pt + hdr_bytes(t), p, &ok);

			sb_str(sb, "...");
			ok = ok && read_rtype(b, pt, &s) && s.kind == MS_KIND_SLICE &&
			     sb_type(sb, nm, elem, depth);
		} else {
			ok = sb_type(sb, nm, pt, depth);
		}
	}
	if (!out || out > 1)
		sb_str(sb, ")");
	return ok;
}

static bool name_interface(struct sbuf *sb, struct namer *nm, uint64_t addr, unsigned depth)
{
	struct builder *b = nm->b;
	struct ms_rtmeta *t = b->t;
	uint64_t methods, n;
	bool ok = true;
	char *ipkg;

	if (!read_pkg_slice(b, addr, MAX_METHODS, &ipkg, &methods, &n))
		return false;
	sb_str(sb, "interface {");
	for (uint64_t i = 0; i < n && ok && !sb->bad; i++) {
		uint8_t im[8];
		struct abi_name mn;
		int32_t name_off, typ_off;
		uint64_t typ;
		struct rtype r;

		if (!rd(t, methods + 8 * i, im, 8)) {
			ok = false;
			break;
		}
		name_off = (int32_t)(uint32_t)ms_source_decode(t->mem, im, 4);
		typ_off = (int32_t)(uint32_t)ms_source_decode(t->mem, im + 4, 4);
		typ = b->types + (uint64_t)(int64_t)typ_off;
		if (name_off <= 0 || typ_off <= 0 ||
		    !read_abi_name(b, b->types + (uint64_t)name_off, &mn)) {
			ok = false;
			break;
		}
		sb_str(sb, i ? "; " : " ");
		if (!(mn.flags & 1)) {
			char *own = mn.flags & 4 ? read_pkg_path(b, mn.pkg_off) : NULL;
			const char *pkg = own ? own : ipkg;

			if (pkg && *pkg) {
				sb_path(sb, pkg);
				sb_str(sb, ".");
			}
			free(own);
		}
		sb_str(sb, mn.name);
		abi_name_deinit(&mn);
		ok = read_rtype(b, typ, &r) && depth < MAX_NAME_DEPTH &&
		     name_func(sb, nm, typ, &r, false, depth + 1);
	}
	sb_str(sb, n ? " }" : "}");
	free(ipkg);
	return ok;
}

static bool name_chan(struct sbuf *sb, struct namer *nm, uint64_t addr, unsigned depth)
{
	struct builder *b = nm->b;
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	uint64_t h = addr + hdr_bytes(t), elem, dir, edir;
	struct rtype e;
	bool ok = true, paren;

	elem = rd_word(t, h, p, &ok);
	dir = rd_word(t, h + p, p, &ok);
	if (!ok || !read_rtype(b, elem, &e))
		return false;
	/* reflect.ChanDir: 1 receive, 2 send, 3 both */
	edir = e.kind == MS_KIND_CHAN ? rd_word(t, elem + hdr_bytes(t) + p, p, &ok) : 0;
	paren = dir == 3 && e.kind == MS_KIND_CHAN && !(e.tflag & TFLAG_NAMED) && edir == 1;
	sb_str(sb, dir == 1 ? "<-chan " : dir == 2 ? "chan<- " : dir == 3 ? "chan " : "");
	if (dir < 1 || dir > 3)
		return false;
	if (paren)
		sb_str(sb, "(");
	ok = sb_type(sb, nm, elem, depth) && ok;
	if (paren)
		sb_str(sb, ")");
	return ok;
}

static bool name_unnamed(struct sbuf *sb, struct namer *nm, uint64_t addr, const struct rtype *r,
                         unsigned depth)
{
	struct builder *b = nm->b;
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr;
	uint64_t h = addr + hdr_bytes(t);
	bool ok = true;
	char buf[32];

	switch (r->kind) {
	case MS_KIND_PTR:
		sb_str(sb, "*");
		return sb_type(sb, nm, rd_word(t, h, p, &ok), depth) && ok;
	case MS_KIND_SLICE:
		sb_str(sb, "[]");
		return sb_type(sb, nm, rd_word(t, h, p, &ok), depth) && ok;
	case MS_KIND_ARRAY:
		snprintf(buf, sizeof(buf), "[%llu]",
		         (unsigned long long)rd_word(t, h + 2 * p, p, &ok));
		sb_str(sb, buf);
		return sb_type(sb, nm, rd_word(t, h, p, &ok), depth) && ok;
	case MS_KIND_MAP:
		sb_str(sb, "map[");
		if (!sb_type(sb, nm, rd_word(t, h, p, &ok), depth) || !ok)
			return false;
		sb_str(sb, "]");
		return sb_type(sb, nm, rd_word(t, h + p, p, &ok), depth) && ok;
	case MS_KIND_CHAN:
		return name_chan(sb, nm, addr, depth);
	case MS_KIND_FUNC:
		return name_func(sb, nm, addr, r, true, depth);
	case MS_KIND_INTERFACE:
		return name_interface(sb, nm, addr, depth);
	case MS_KIND_STRUCT:
		return name_struct(sb, nm, addr, depth);
	default: { /* basic kinds are named; str, if one ever is not */
		char *s = type_name(b, r);

		if (s)
			sb_str(sb, s);
		free(s);
		return s != NULL;
	}
	}
}

/*
 * The DWARF spelling of the type whose descriptor is at addr; borrowed from the
 * memo (valid until namer_deinit), NULL if it cannot be made (unreadable, a
 * cycle without a named type, too deep or too long).
 */
static const char *full_name(struct namer *nm, uint64_t addr, unsigned depth)
{
	struct sbuf sb = {0};
	struct rtype r;
	char **slot;
	bool ok;

	if (depth > MAX_NAME_DEPTH || nm->bytes > MAX_NAMES_BYTES)
		return NULL;
	slot = memo_slot(nm, addr);
	if (!slot)
		return NULL;
	if (*slot)
		return *slot == IN_PROGRESS || *slot == FAILED ? NULL : *slot;
	if (!read_rtype(nm->b, addr, &r)) {
		*slot = FAILED;
		return NULL;
	}
	*slot = IN_PROGRESS;
	ok = r.tflag & TFLAG_NAMED ? name_named(&sb, nm, addr, &r)
	                           : name_unnamed(&sb, nm, addr, &r, depth);
	slot = memo_slot(nm, addr); /* the memo may have grown meanwhile */
	if (!slot) {
		free(sb.s);
		return NULL;
	}
	if (!ok || sb.bad || !sb.s) {
		free(sb.s);
		*slot = FAILED;
		return NULL;
	}
	nm->bytes += sb.len;
	*slot = sb.s;
	return sb.s;
}

/* Rename every node that has a descriptor as DWARF would name it (kept as str if none). */
static void name_nodes(struct builder *b)
{
	struct namer nm = {.b = b};

	for (size_t i = 0; i < b->d->ntypes; i++) {
		struct ms_dtype *n = &b->d->types[i];
		const char *s;
		char *dup;

		if (n->off >= SYNTH_OFF || !n->name)
			continue;
		s = full_name(&nm, n->off, 0);
		if (!s || !(dup = strdup(s)))
			continue;
		free(n->name);
		n->name = dup;
	}
	namer_deinit(&nm);
}

/* ---- Finding map type descriptors ------------------------------------------ */

struct map_desc {
	uint64_t key, elem, unit, unit_size;
	uint64_t keysize, elemsize; /* classic: inline slot sizes */
	uint64_t slot_size, elem_off;
	uint64_t keys_off, key_stride, elems_off, elem_stride;
	uint32_t flags;
};

static bool read_map_desc(const struct ms_rtmeta *t, uint64_t addr, struct map_desc *m)
{
	unsigned p = t->ptr;
	uint64_t h = addr + hdr_bytes(t);
	uint8_t buf[12 * 8];
	bool classic = t->classic_layout;
	bool strides = !classic && ms_go_swiss_type_strides(&t->go);
	size_t len = classic ? 4 * p + 8 : strides ? 11 * (size_t)p : 8 * (size_t)p;

	if (!rd(t, h, buf, len))
		return false;
	memset(m, 0, sizeof(*m));
	m->key = ms_source_decode(t->mem, buf, p);
	m->elem = ms_source_decode(t->mem, buf + p, p);
	m->unit = ms_source_decode(t->mem, buf + 2 * p, p);
	if (classic) {
		m->keysize = buf[4 * p];
		m->elemsize = buf[4 * p + 1];
		m->unit_size = ms_source_decode(t->mem, buf + 4 * p + 2, 2);
		m->flags = (uint32_t)ms_source_decode(t->mem, buf + 4 * p + 4, 4);
		m->keys_off = MS_BUCKET_SLOTS;
		m->key_stride = m->keysize;
		m->elems_off = MS_BUCKET_SLOTS + MS_BUCKET_SLOTS * m->keysize;
		m->elem_stride = m->elemsize;
	} else if (!strides) {
		m->unit_size = ms_source_decode(t->mem, buf + 4 * p, p);
		m->slot_size = ms_source_decode(t->mem, buf + 5 * p, p);
		m->elem_off = ms_source_decode(t->mem, buf + 6 * p, p);
		m->flags = (uint32_t)ms_source_decode(t->mem, buf + 7 * p, 4);
		m->keys_off = 8;
		m->key_stride = m->slot_size;
		m->elems_off = 8 + m->elem_off;
		m->elem_stride = m->slot_size;
	} else {
		m->unit_size = ms_source_decode(t->mem, buf + 4 * p, p);
		m->keys_off = ms_source_decode(t->mem, buf + 5 * p, p);
		m->key_stride = ms_source_decode(t->mem, buf + 6 * p, p);
		m->elems_off = ms_source_decode(t->mem, buf + 7 * p, p);
		m->elem_stride = ms_source_decode(t->mem, buf + 8 * p, p);
		m->elem_off = ms_source_decode(t->mem, buf + 9 * p, p);
		m->flags = (uint32_t)ms_source_decode(t->mem, buf + 10 * p, 4);
	}
	return true;
}

/* Classic flags bit 0/1, Swiss flags bit 2/3: key/elem stored indirectly. */
static bool key_indirect(const struct ms_rtmeta *t, const struct map_desc *m)
{
	return t->classic_layout ? (m->flags & 1) : (m->flags & 4);
}

static bool elem_indirect(const struct ms_rtmeta *t, const struct map_desc *m)
{
	return t->classic_layout ? (m->flags & 2) : (m->flags & 8);
}

/* Does the descriptor at addr have every property of a map type's? */
static bool is_map_type(struct builder *b, uint64_t addr)
{
	struct ms_rtmeta *t = b->t;
	struct rtype r, k, e, u;
	struct map_desc m;
	uint64_t kslot, eslot;

	if (!read_rtype(b, addr, &r) || r.kind != MS_KIND_MAP || r.size != t->ptr ||
	    r.ptrdata != t->ptr || !read_map_desc(t, addr, &m) || !read_rtype(b, m.key, &k) ||
	    !read_rtype(b, m.elem, &e) || !read_rtype(b, m.unit, &u) || u.kind != MS_KIND_STRUCT ||
	    u.size != m.unit_size || m.unit_size == 0 || m.unit_size > (1u << 20))
		return false;
	kslot = key_indirect(t, &m) ? t->ptr : k.size;
	eslot = elem_indirect(t, &m) ? t->ptr : e.size;
	if (key_indirect(t, &m) != (k.size > MS_MAX_INLINE_BYTES) ||
	    elem_indirect(t, &m) != (e.size > MS_MAX_INLINE_BYTES))
		return false;
	if (t->classic_layout)
		return m.keysize == kslot && m.elemsize == eslot &&
		       m.unit_size >= MS_BUCKET_SLOTS * (1 + kslot + eslot) + t->ptr;
	return m.keys_off >= 8 &&
	       m.keys_off + (MS_GROUP_SLOTS - 1) * m.key_stride + kslot <= m.unit_size &&
	       m.elems_off + (MS_GROUP_SLOTS - 1) * m.elem_stride + eslot <= m.unit_size &&
	       m.key_stride >= kslot && m.elem_stride >= eslot;
}

/*
 * Does the descriptor at addr have every property of a pointer type's (*T, the
 * type of a struct's pointers and of what new(T) returns)? Its str is "*" and
 * T's name (unnamed: no extra star), T a descriptor of the region.
 */
static bool is_ptr_type(struct builder *b, uint64_t addr)
{
	struct ms_rtmeta *t = b->t;
	struct rtype r, e;
	bool ok = true;
	uint64_t elem;
	char *s;
	bool star;

	if (!read_rtype(b, addr, &r) || r.kind != MS_KIND_PTR || r.size != t->ptr ||
	    r.ptrdata != t->ptr || (r.tflag & TFLAG_EXTRA_STAR) || r.str <= 0)
		return false;
	elem = rd_word(t, addr + hdr_bytes(t), t->ptr, &ok);
	if (!ok || !read_rtype(b, elem, &e))
		return false;
	s = read_name_at(b, b->types + (uint64_t)r.str, NULL);
	star = s && s[0] == '*' && s[1];
	free(s);
	return star;
}

/*
 * Every map type descriptor of the region, and every pointer type's: the types
 * of heap objects (malloc headers, span types, a method's receiver) are what
 * pointers point to, and their fields lead to the rest.
 */
static void scan_map_types(struct builder *b, size_t *ret_n)
{
	struct ms_rtmeta *t = b->t;
	unsigned p = t->ptr, kind_off = 2 * p + 7;
	const size_t chunk = 1 << 16;
	uint8_t *buf = malloc(chunk + 64);
	size_t n = 0;

	if (!buf) {
		b->err = &ms_error_nomem;
		return;
	}
	/* by offset: a region at the top of the address space must not wrap around */
	for (uint64_t off = 0; off < b->etypes - b->types && !b->err; off += chunk) {
		uint64_t a = b->types + off;
		size_t len = b->etypes - a < chunk ? (size_t)(b->etypes - a) : chunk;

		if (!rd(t, a, buf, len))
			continue;
		for (size_t i = 0; i + kind_off < len; i += p) {
			uint8_t kind = buf[i + kind_off] & 31;

			if ((kind != MS_KIND_MAP && kind != MS_KIND_PTR) ||
			    ms_source_decode(t->mem, buf + i, p) != p)
				continue;
			if (kind == MS_KIND_PTR) {
				if (is_ptr_type(b, a + i))
					decode(b, a + i);
				continue;
			}
			if (is_map_type(b, a + i) && decode(b, a + i))
				n++;
		}
	}
	free(buf);
	*ret_n = n;
}

struct ms_error *ms_rtmeta_geom(const struct ms_rtmeta *t, uint64_t addr, struct ms_map_geom *g)
{
	struct map_desc m;

	if (!read_map_desc(t, addr, &m))
		return ms_error_create(MS_ERR_FORMAT, "map type descriptor at 0x%llx is unreadable",
		                       (unsigned long long)addr);
	g->impl = t->classic_layout     ? MS_IMPL_CLASSIC
	          : t->go.mapsplitgroup ? MS_IMPL_SWISS_SPLIT
	                                : MS_IMPL_SWISS;
	g->unit_bytes = m.unit_size;
	g->keys_off = m.keys_off;
	g->key_stride = m.key_stride;
	g->elems_off = m.elems_off;
	g->elem_stride = m.elem_stride;
	/* 0: inline, the key's or value's own size (the caller knows it) */
	g->kslot = key_indirect(t, &m) ? t->ptr : 0;
	g->vslot = elem_indirect(t, &m) ? t->ptr : 0;
	return NULL;
}

/* ---- The module data ---------------------------------------------------------- */

struct module {
	uint64_t addr, text;
	uint64_t types, etypes, data, edata, bss, ebss, noptrbss, enoptrbss, noptrdata, enoptrdata;
};

static uint64_t md_word(struct ms_rtmeta *t, uint64_t md, uint64_t off, bool *ok)
{
	return off == UINT64_MAX ? 0 : rd_word(t, md + off, t->ptr, ok);
}

/*
 * The module data at addr, if it looks like one: its text inside the .text
 * section [text_lo, text_hi) (Go's own linker puts it at the start; with
 * -linkmode=external, as Debian builds, the C runtime's code comes first),
 * sane type, data and bss ranges.
 */
static bool read_module(struct ms_rtmeta *t, const struct ms_moduledata_layout *l, uint64_t addr,
                        uint64_t text_lo, uint64_t text_hi, struct module *m)
{
	bool ok = true;
	uint64_t text;

	m->addr = addr;
	m->types = md_word(t, addr, l->types, &ok);
	m->etypes = md_word(t, addr, l->etypes, &ok);
	m->data = md_word(t, addr, l->data, &ok);
	m->edata = md_word(t, addr, l->edata, &ok);
	m->bss = md_word(t, addr, l->bss, &ok);
	m->ebss = md_word(t, addr, l->ebss, &ok);
	m->noptrbss = md_word(t, addr, l->noptrbss, &ok);
	m->enoptrbss = md_word(t, addr, l->enoptrbss, &ok);
	m->noptrdata = md_word(t, addr, l->noptrdata, &ok);
	m->enoptrdata = md_word(t, addr, l->enoptrdata, &ok);
	text = md_word(t, addr, l->text, &ok);
	m->text = text;
	return ok && (!text_hi || (text >= text_lo && text < text_hi)) && m->types &&
	       m->types < m->etypes && m->etypes - m->types < (1ull << 32) && m->bss <= m->ebss &&
	       m->noptrbss <= m->enoptrbss && m->data <= m->edata &&
	       m->ebss - m->bss < (1ull << 32) && m->enoptrbss - m->noptrbss < (1ull << 32);
}

static struct ms_error *find_module(struct ms_rtmeta *t, const struct ms_moduledata_layout *l,
                                    struct module *ret)
{
	const struct ms_section *pcln = ms_binary_section(t->exe, ".gopclntab");
	const struct ms_section *text = ms_binary_section(t->exe, ".text");
	/* firstmoduledata: .noptrdata up to 1.26, its own .go.module from 1.27 */
	const char *where[] = {".go.module", ".noptrdata", ".data"};
	unsigned p = t->ptr;

	if (!pcln || !pcln->addr)
		return ms_error_create(MS_ERR_FORMAT,
		                       "'%s': no .gopclntab section: the Go runtime metadata is "
		                       "missing or damaged",
		                       t->exe->path);
	for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
		const struct ms_section *s = ms_binary_section(t->exe, where[w]);
		uint8_t buf[4096];

		if (!s)
			continue;
		for (uint64_t a = s->addr; a < s->addr + s->size; a += sizeof(buf)) {
			uint64_t len = s->addr + s->size - a < sizeof(buf) ? s->addr + s->size - a
			                                                   : sizeof(buf);

			if (!rd(t, a, buf, (size_t)len))
				continue;
			for (uint64_t i = 0; i + p <= len; i += p) {
				uint64_t md = a + i - l->pcheader;

				if (ms_source_decode(t->mem, buf + i, p) == pcln->addr &&
				    read_module(t, l, md, text ? text->addr : 0,
				                text ? text->addr + text->size : 0, ret))
					return NULL;
			}
		}
	}
	return ms_error_create(MS_ERR_FORMAT,
	                       "'%s': no module data points at .gopclntab: the Go runtime metadata "
	                       "is damaged",
	                       t->exe->path);
}

struct ms_error *ms_rtmeta_gc_masks(struct ms_rtmeta *t, uint64_t ranges[2][2], uint8_t *masks[2])
{
	struct ms_moduledata_layout l;
	struct ms_rt scratch;
	struct module m;
	struct ms_error *err;

	masks[0] = masks[1] = NULL;
	if (!ms_rt_layout(&t->go, t->arch, &scratch, &l) || l.gcdatamask == UINT64_MAX ||
	    l.gcbssmask == UINT64_MAX)
		return ms_error_create(MS_ERR_UNSUPPORTED, "no module data layout for go1.%u",
		                       t->go.minor);
	err = find_module(t, &l, &m);
	if (err)
		return err;
	ranges[0][0] = m.data;
	ranges[0][1] = m.edata;
	ranges[1][0] = m.bss;
	ranges[1][1] = m.ebss;
	for (int k = 0; k < 2; k++) {
		uint64_t bv = m.addr + (k ? l.gcbssmask : l.gcdatamask), n, data, words;
		bool ok = true;

		/* runtime.bitvector{n int32; bytedata *uint8}: one bit per word of the section */
		n = rd_word(t, bv, 4, &ok);
		data = rd_word(t, bv + t->ptr, t->ptr, &ok);
		words = (ranges[k][1] - ranges[k][0]) / t->ptr;
		if (!ok || !data || ranges[k][1] < ranges[k][0] || n < words || n > (1u << 30))
			continue;
		masks[k] = malloc(n / 8 + 1);
		if (masks[k] && !rd(t, data, masks[k], n / 8 + 1)) {
			free(masks[k]);
			masks[k] = NULL;
		}
	}
	return NULL;
}

/* ---- runtime.mheap_ and runtime.allgs ----------------------------------------- */

/*
 * Why a search found nothing, for its warning: the candidate that got
 * furthest (passed: 1 for a sane slice header, plus one per sane element)
 * and the first check it failed.
 */
struct miss {
	unsigned passed;
	char why[240];
};

static void missed(struct miss *ms, unsigned passed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void missed(struct miss *ms, unsigned passed, const char *fmt, ...)
{
	va_list ap;

	if (passed <= ms->passed)
		return;
	ms->passed = passed;
	va_start(ap, fmt);
	vsnprintf(ms->why, sizeof(ms->why), fmt, ap);
	va_end(ap);
}

/* Is the span at s in use, and does the arena index at heap map its first page back to it? */
static bool span_maps_back(struct ms_rtmeta *t, uint64_t mheap, uint64_t s)
{
	const struct ms_rt *rt = &t->rt;
	unsigned p = t->ptr;
	bool ok = true;
	uint64_t start = rd_word(t, s + rt->span.start, p, &ok);
	uint8_t state = (uint8_t)rd_word(t, s + rt->span.state, 1, &ok);
	uint64_t idx, l1, l2, l2arr, arena;

	if (!ok || state != 1 || !start)
		return false;
	idx = (start - rt->arena_base_offset) / rt->arena_bytes;
	l1 = idx / rt->mheap.l2_count;
	l2 = idx % rt->mheap.l2_count;
	if (l1 >= rt->mheap.l1_count)
		return false;
	l2arr = rd_word(t, mheap + rt->mheap.arenas + l1 * p, p, &ok);
	arena = ok && l2arr ? rd_word(t, l2arr + l2 * p, p, &ok) : 0;
	return arena &&
	       rd_word(t, arena + rt->arena.spans + (start % rt->arena_bytes) / 8192 * p, p, &ok) ==
	           s &&
	       ok;
}

/* mheap_ at x: allspans is a slice of spans, and in-use ones map back through arenas. */
static bool is_mheap(struct ms_rtmeta *t, uint64_t x, struct miss *ms)
{
	const struct ms_rt *rt = &t->rt;
	unsigned p = t->ptr;
	bool ok = true;
	uint64_t arr = rd_word(t, x + rt->mheap.allspans, p, &ok);
	uint64_t len = rd_word(t, x + rt->mheap.allspans + p, p, &ok);
	uint64_t cap = rd_word(t, x + rt->mheap.allspans + 2 * p, p, &ok);
	unsigned good = 0, tried = 0;

	if (!ok || !arr || !len || len > cap || cap > (1ull << 32) || arr % p)
		return false;
	for (uint64_t i = 0; i < len && tried < 16; i++) {
		uint64_t s = rd_word(t, arr + i * p, p, &ok);

		if (!ok) {
			missed(
			    ms, 1 + good,
			    "nearest: 0x%llx, whose allspans (%llu spans at 0x%llx) is unreadable "
			    "at span %llu",
			    (unsigned long long)x, (unsigned long long)len, (unsigned long long)arr,
			    (unsigned long long)i);
			return false;
		}
		tried++;
		good += s && span_maps_back(t, x, s);
	}
	if (good >= 1 && good * 2 >= tried)
		return true;
	missed(ms, 1 + good,
	       "nearest: 0x%llx, whose allspans holds %llu spans at 0x%llx: %u of the first %u are "
	       "in use and mapped back to by the arena index, fewer than half",
	       (unsigned long long)x, (unsigned long long)len, (unsigned long long)arr, good,
	       tried);
	return false;
}

static bool is_stack_size(uint64_t n)
{
	return n >= 2048 && n <= (1ull << 30) && (n & (n - 1)) == 0;
}

/* allgs at x: a slice of goroutines with power-of-two stacks and sane ids and states. */
static bool is_allgs(struct ms_rtmeta *t, uint64_t x, struct miss *ms)
{
	const struct ms_rt *rt = &t->rt;
	unsigned p = t->ptr;
	bool ok = true;
	uint64_t arr = rd_word(t, x, p, &ok), len = rd_word(t, x + p, p, &ok),
	         cap = rd_word(t, x + 2 * p, p, &ok);
	uint32_t max_status = ms_go_gstatus_max(&t->go);
	unsigned good = 0, checked = 0;

	if (!ok || !arr || !len || len > cap || cap > (1u << 24) || arr % p)
		return false;
	for (uint64_t i = 0; i < len && i < 8; i++, checked++) {
		uint64_t g = rd_word(t, arr + i * p, p, &ok);
		uint64_t lo = g ? rd_word(t, g + rt->g.stack_lo, p, &ok) : 0;
		uint64_t hi = g ? rd_word(t, g + rt->g.stack_hi, p, &ok) : 0;
		uint64_t goid = g ? rd_word(t, g + rt->g.goid, 8, &ok) : 0;
		uint32_t st = g ? (uint32_t)rd_word(t, g + rt->g.status, 4, &ok) : 0;
		const char *bad = NULL;
		char buf[96];

		if (!ok || !g)
			bad = !g ? "is nil" : "is unreadable";
		else if (goid == 0 || goid > (1ull << 40))
			bad = "has an impossible goid";
		else if ((st & ~0x1000u) > max_status) {
			snprintf(buf, sizeof(buf), "has status %u, above go1.%u's highest (%u)",
			         st & ~0x1000u, t->go.minor, max_status);
			bad = buf;
		} else if ((lo || hi) && (hi <= lo || !is_stack_size(hi - lo))) {
			/* a dead goroutine may have given its stack back: lo = hi = 0 */
			snprintf(buf, sizeof(buf), "has a stack of %lld bytes, not a power of two",
			         (long long)(hi - lo));
			bad = buf;
		}
		if (bad) {
			missed(ms, 1 + checked,
			       "nearest: the slice at 0x%llx of %llu words: its element %llu (g "
			       "0x%llx, "
			       "goid %llu) %s",
			       (unsigned long long)x, (unsigned long long)len,
			       (unsigned long long)i, (unsigned long long)g,
			       (unsigned long long)goid, bad);
			return false;
		}
		good += lo || hi;
	}
	if (good > 0)
		return true;
	missed(ms, 1 + checked,
	       "nearest: the slice at 0x%llx of %llu words: none of its first %u goroutines has a "
	       "stack",
	       (unsigned long long)x, (unsigned long long)len, checked);
	return false;
}

/* The first address in [lo, hi) (pointer-aligned) where ok(x - shift) holds; 0 if none. */
static uint64_t search(struct ms_rtmeta *t, uint64_t lo, uint64_t hi, uint64_t shift,
                       bool (*ok)(struct ms_rtmeta *, uint64_t, struct miss *), struct miss *ms)
{
	unsigned p = t->ptr;

	lo = (lo + p - 1) / p * p;
	for (uint64_t a = lo; a + 3 * p <= hi; a += p) {
		uint64_t w = 0, x = a - shift;

		struct ms_error *err = ms_source_read_ptr(t->mem, a, &w);

		if (err) { /* unmapped: on to the next page */
			ms_error_destroy(err);
			a = (a | 4095) + 1 - p;
			continue;
		}
		if (w && w % p == 0 && x >= lo && ok(t, x, ms))
			return x;
	}
	return 0;
}

static bool heap_layout_known(const struct ms_rt *rt)
{
	return rt->mheap.allspans != UINT64_MAX && rt->mheap.arenas != UINT64_MAX &&
	       rt->mheap.l1_count && rt->mheap.l1_count != UINT64_MAX && rt->mheap.l2_count &&
	       rt->mheap.l2_count != UINT64_MAX && rt->arena.spans != UINT64_MAX &&
	       rt->arena_bytes && rt->span.start != UINT64_MAX && rt->span.state != UINT64_MAX;
}

/* Why the search for the global named global (a layout of type) found nothing, into buf. */
static const char *miss_text(const struct ms_rtmeta *t, const struct miss *ms, bool layout_known,
                             const char *global, const char *type, char *buf, size_t len)
{
	if (!layout_known)
		snprintf(buf, len, "the version model has no layout of %s for go1.%u", type,
		         t->go.minor);
	else if (!ms->passed)
		snprintf(buf, len, "no word of the noptrbss or the bss starts a plausible %s",
		         global);
	else
		snprintf(buf, len, "%s", ms->why);
	return buf;
}

static void find_globals(struct ms_rtmeta *t, const struct module *m)
{
	struct ms_rt *rt = &t->rt;
	const uint64_t ranges[][2] = {{m->noptrbss, m->enoptrbss}, {m->bss, m->ebss}};
	bool g_known =
	    rt->g.stack_lo != UINT64_MAX && rt->g.goid != UINT64_MAX && rt->g.status != UINT64_MAX;
	bool heap_known = heap_layout_known(rt);
	struct miss heap_miss = {0}, g_miss = {0};
	char buf[256];

	/* runtime.mheap_ and runtime.allgs live in the noptrbss or the bss */
	for (size_t i = 0; i < 2; i++) {
		uint64_t x;

		if (rt->mheap.addr == UINT64_MAX && heap_known) {
			x = search(t, ranges[i][0], ranges[i][1], rt->mheap.allspans, is_mheap,
			           &heap_miss);
			if (x)
				rt->mheap.addr = x;
		}
		if (rt->g.allgs == UINT64_MAX && g_known) {
			x = search(t, ranges[i][0], ranges[i][1], 0, is_allgs, &g_miss);
			if (x)
				rt->g.allgs = x;
		}
	}
	if (rt->mheap.addr == UINT64_MAX)
		ms_warnings_add(t->warnings,
		                "no DWARF, and runtime.mheap_ was not found: the heap is not "
		                "scanned (%s)",
		                miss_text(t, &heap_miss, heap_known, "runtime.mheap_",
		                          "runtime.mheap, heapArena and mspan", buf, sizeof(buf)));
	if (rt->g.allgs == UINT64_MAX)
		ms_warnings_add(
		    t->warnings,
		    "no DWARF, and runtime.allgs was not found: goroutine stacks are "
		    "not scanned (%s)",
		    miss_text(t, &g_miss, g_known, "runtime.allgs", "runtime.g", buf, sizeof(buf)));
}

/* ---- Loading ------------------------------------------------------------------ */

static int cmp_off(const void *a, const void *b)
{
	const struct ms_dtype *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

struct ms_error *ms_rtmeta_types(struct ms_rtmeta *t, uint64_t types, uint64_t etypes,
                                 size_t *ret_nmaps)
{
	struct builder b = {0};
	size_t nmaps = 0;

	if (types >= etypes || etypes - types >= (1ull << 32) || types < t->ptr)
		return ms_error_create(MS_ERR_FORMAT, "type region [0x%llx, 0x%llx) is impossible",
		                       (unsigned long long)types, (unsigned long long)etypes);
	t->classic_layout = ms_go_map_impl(&t->go) == MS_IMPL_CLASSIC;
	/* runtime_type 0 means "none": keep every descriptor's offset positive */
	t->rt.types_base = types - t->ptr;
	b.t = t;
	b.types = types;
	b.etypes = etypes;
	b.d = calloc(1, sizeof(*b.d));
	if (!b.d)
		return &ms_error_nomem;
	b.d->synthetic = true;
	t->dwarf = b.d;
	scan_map_types(&b, &nmaps);
	if (!b.err)
		name_nodes(&b);
	free(b.hkeys);
	free(b.hvals);
	free(b.pending);
	if (b.err)
		return b.err;
	/* ms_dwarf_type() looks nodes up by offset; they refer to each other by offset */
	if (b.d->ntypes > 1)
		qsort(b.d->types, b.d->ntypes, sizeof(b.d->types[0]), cmp_off);
	*ret_nmaps = nmaps;
	return ms_dwarf_index(b.d);
}

struct ms_error *ms_rtmeta_load(struct ms_rtmeta *t)
{
	struct ms_moduledata_layout l;
	struct module m;
	struct ms_error *err;
	size_t nmaps = 0;
	bool read_ok = true; /* md_word gives 0 for what it cannot read */

	if (!ms_rt_layout(&t->go, t->arch, &t->rt, &l))
		return ms_error_create(
		    MS_ERR_UNSUPPORTED,
		    "'%s': no DWARF, and mapsize has no runtime layouts for go1.%u "
		    "on %s",
		    t->exe->path, t->go.minor, ms_arch_info(t->arch)->name);
	t->classic_layout = ms_go_map_impl(&t->go) == MS_IMPL_CLASSIC;
	err = find_module(t, &l, &m);
	if (err)
		return err;
	/* .gopclntab's function entries are offsets from the module's text (1.26+ stop
	 * storing it in the table's header) */
	ms_binary_set_text(t->exe, m.text);
	/* moduledata.gofunc (funcdata's base) is the uintptr right after rodata in go1.19 and
	 * go1.21-1.27 (runtime/symtab.go of each; their DWARF agrees on amd64, 386, arm64, arm) */
	t->gofunc = l.rodata == UINT64_MAX ? 0 : md_word(t, m.addr, l.rodata + t->ptr, &read_ok);
	t->rodata = l.rodata == UINT64_MAX ? 0 : md_word(t, m.addr, l.rodata, &read_ok);
	err = ms_rtmeta_types(t, m.types, m.etypes, &nmaps);
	if (err)
		return err;
	t->globals[0][0] = m.data;
	t->globals[0][1] = m.edata;
	t->globals[1][0] = m.bss;
	t->globals[1][1] = m.ebss;
	find_globals(t, &m);
	if (nmaps == 0)
		ms_warnings_add(t->warnings,
		                "no map type descriptor in the runtime's metadata of '%s': if the "
		                "program has maps, its type data is damaged and they are not found",
		                t->exe->path);
	ms_warnings_add(t->warnings,
	                "no DWARF: map types (%zu) and runtime layouts come from the runtime's "
	                "metadata; goroutine stacks %s",
	                nmaps, t->rt.g.allgs != UINT64_MAX ? "found" : "not found");
	return NULL;
}
