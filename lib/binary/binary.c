/* SPDX-License-Identifier: MIT */
/*
 * A Go executable: sections, loadable segments (as a memory source that
 * backs a core's missing read-only pages), .go.buildinfo and the Go build ID.
 */
#include "binary.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECTIONS (1u << 16)

/* ---- the executable's segments as a memory source ---- */

struct exe_source {
	struct ms_source base;
	const uint8_t *map; /* borrowed from the binary */
	size_t map_bytes;
	struct ms_segment *segments;
	size_t nsegments;
};

static const struct ms_source_ops exe_ops;

static const struct ms_segment *exe_segment(struct exe_source *e, uint64_t addr)
{
	for (size_t i = 0; i < e->nsegments; i++) {
		const struct ms_segment *s = &e->segments[i];
		if (addr >= s->vaddr && addr - s->vaddr < s->memsz)
			return s;
	}
	return NULL;
}

static struct ms_error *exe_read(struct ms_source *src, uint64_t addr, void *buf, size_t len)
{
	struct exe_source *e = (struct exe_source *)src;
	uint8_t *out = buf;

	while (len) {
		const struct ms_segment *s = exe_segment(e, addr);
		uint64_t in, n;

		if (!s)
			return ms_error_create(MS_ERR_FAULT,
			                       "'%s': address 0x%llx is not in the executable",
			                       src->path, (unsigned long long)addr);
		in = addr - s->vaddr;
		n = s->memsz - in < len ? s->memsz - in : len;
		for (uint64_t i = 0; i < n; i++) {
			/* bytes past filesz are .bss: zero at start-up */
			uint64_t at = in + i;
			out[i] = at < s->filesz ? e->map[s->offset + at] : 0;
		}
		out += n;
		addr += n;
		len -= n;
	}
	return NULL;
}

static bool exe_has(struct ms_source *src, uint64_t addr, uint64_t len)
{
	struct exe_source *e = (struct exe_source *)src;

	while (len) {
		const struct ms_segment *s = exe_segment(e, addr);
		uint64_t n;

		if (!s)
			return false;
		n = s->memsz - (addr - s->vaddr);
		if (n >= len)
			return true;
		addr += n;
		len -= n;
	}
	return true;
}

static void exe_destroy(struct ms_source *src)
{
	struct exe_source *e = (struct exe_source *)src;

	if (!e)
		return;
	free(e->segments);
	free(e->base.path);
	free(e);
}

static const struct ms_source_ops exe_ops = {
    .name = "exe",
    .read = exe_read,
    .has = exe_has,
    .destroy = exe_destroy,
};

/* ---- the binary ---- */

/* .gopclntab's function table, read on first use (ms_binary_func_info). */
struct pcln {
	bool loaded, ok;
	const uint8_t *tab; /* the section's bytes in the file map */
	uint64_t len;
	uint64_t text_start; /* pcHeader.textStart */
	uint64_t nfunc;      /* functab entries (plus one end entry) */
	/* offsets in tab of the tables pcHeader names, each up to the next one */
	uint64_t functab, funcnames, cutab, cutab_end, filetab, filetab_end, pctab;
	unsigned ptr;
	unsigned func_bytes; /* the _func header before its pcdata and funcdata offsets */
};

struct binary_priv {
	struct ms_binary pub;
	int fd;
	const uint8_t *map;
	size_t map_bytes;
	struct pcln pcln;
	uint64_t text;   /* runtime.text from the module data, 0 if unknown */
	uint64_t gofunc; /* moduledata.gofunc, 0 if unknown */
	uint64_t rodata; /* moduledata.rodata, 0 if unknown */
};

static bool arch_of(uint16_t machine, enum ms_arch *ret)
{
	switch (machine) {
	case EM_X86_64:
		*ret = MS_ARCH_AMD64;
		return true;
	case EM_AARCH64:
		*ret = MS_ARCH_ARM64;
		return true;
	case EM_386:
		*ret = MS_ARCH_386;
		return true;
	case EM_ARM:
		*ret = MS_ARCH_ARM;
		return true;
	default:
		return false;
	}
}

const struct ms_section *ms_binary_section(const struct ms_binary *b, const char *name)
{
	static const char relro[] = ".data.rel.ro";

	for (size_t i = 0; i < b->nsections; i++)
		if (strcmp(b->sections[i].name, name) == 0)
			return &b->sections[i];
	/* -buildmode=pie: .gopclntab, .typelink, .itablink are relocated, in .data.rel.ro.* */
	for (size_t i = 0; b->pie && name[0] == '.' && i < b->nsections; i++)
		if (strncmp(b->sections[i].name, relro, sizeof(relro) - 1) == 0 &&
		    strcmp(b->sections[i].name + sizeof(relro) - 1, name) == 0)
			return &b->sections[i];
	return NULL;
}

uint64_t ms_binary_bias_for_entry(const struct ms_binary *b, uint64_t at_entry)
{
	return b->pie && at_entry ? at_entry - b->entry : 0;
}

uint64_t ms_binary_bias_for_mapping(const struct ms_binary *b, uint64_t start)
{
	return b->pie && start ? start - b->load_vaddr : 0;
}

void ms_binary_relocate(struct ms_binary *b, uint64_t bias)
{
	struct binary_priv *p = (struct binary_priv *)b;
	struct exe_source *e = (struct exe_source *)b->mem;
	uint64_t delta = bias - b->bias;

	if (!b->pie || delta == 0)
		return;
	for (size_t i = 0; i < b->nsections; i++)
		if (b->sections[i].flags & SHF_ALLOC)
			b->sections[i].addr += delta;
	for (size_t i = 0; e && i < e->nsegments; i++)
		e->segments[i].vaddr += delta;
	if (b->buildinfo_addr)
		b->buildinfo_addr += delta;
	if (b->go_buildid_addr)
		b->go_buildid_addr += delta;
	b->bias = bias;
	p->pcln.loaded = false; /* its text start is read again, moved */
	p->pcln.ok = false;
}

struct ms_error *ms_binary_section_read(const struct ms_binary *b, const struct ms_section *s,
                                        uint64_t off, void *buf, size_t len)
{
	const struct binary_priv *p = (const struct binary_priv *)b;

	if (s->type == SHT_NOBITS || off > s->size || len > s->size - off ||
	    s->offset > p->map_bytes || s->offset + off + len > p->map_bytes)
		return ms_error_create(MS_ERR_FORMAT, "'%s': section %s is shorter than it claims",
		                       b->path, s->name);
	memcpy(buf, p->map + s->offset + off, len);
	return NULL;
}

/* Go's varint (encoding/binary.Uvarint). */
static bool uvarint(const uint8_t *p, size_t len, size_t *pos, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned shift = 0; *pos < len && shift < 64; shift += 7) {
		uint8_t c = p[(*pos)++];
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

static char *take_string(const uint8_t *p, size_t len, size_t *pos)
{
	uint64_t n;
	char *s;

	if (!uvarint(p, len, pos, &n) || n > len - *pos)
		return NULL;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, p + *pos, n);
	s[n] = '\0';
	*pos += n;
	return s;
}

/*
 * .go.buildinfo: "\xff Go buildinf:", pointer size, flags (bit 1: inline
 * strings, Go 1.18+), padding to 32, then the version and module strings
 * (runtime/debug, debug/buildinfo).
 */
static struct ms_error *read_buildinfo(struct ms_binary *b)
{
	static const char magic[14] = "\xff Go buildinf:";
	const struct ms_section *s = ms_binary_section(b, ".go.buildinfo");
	uint8_t buf[4096];
	size_t len, pos = 32;
	struct ms_error *err;

	if (!s)
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "'%s': not a Go executable (no .go.buildinfo section)",
		                       b->path);
	len = s->size < sizeof(buf) ? (size_t)s->size : sizeof(buf);
	err = ms_binary_section_read(b, s, 0, buf, len);
	if (err)
		return err;
	if (len < 32 || memcmp(buf, magic, sizeof(magic)) != 0)
		return ms_error_create(MS_ERR_FORMAT, "'%s': .go.buildinfo has no build-info magic",
		                       b->path);
	if (!(buf[15] & 2))
		return ms_error_create(MS_ERR_UNSUPPORTED,
		                       "'%s': build info from before Go 1.18 (supported: 1.19 to "
		                       "1.27)",
		                       b->path);
	b->buildinfo_addr = s->addr;
	b->go_version_text = take_string(buf, len, &pos);
	if (!b->go_version_text)
		return ms_error_create(MS_ERR_FORMAT, "'%s': .go.buildinfo version is damaged",
		                       b->path);
	b->modinfo = take_string(buf, len, &pos); /* optional */
	err = ms_go_version_parse(b->go_version_text, &b->go);
	b->go_known = err == NULL;
	ms_error_destroy(err); /* an unknown version is said later, by whoever needs it */
	return NULL;
}

bool ms_binary_setting(const struct ms_binary *b, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	for (const char *line = b->modinfo; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		/* "build\tKEY=VALUE" */
		if (n > 6 + klen && strncmp(line, "build\t", 6) == 0 &&
		    strncmp(line + 6, key, klen) == 0 && line[6 + klen] == '=') {
			snprintf(buf, len, "%.*s", (int)(n - 7 - klen), line + 7 + klen);
			return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

static void read_go_buildid(struct ms_binary *b)
{
	const struct ms_section *s = ms_binary_section(b, ".note.go.buildid");
	uint8_t buf[256];
	uint32_t namesz, descsz;
	struct ms_error *err;

	/* namesz 4, descsz, type 4, "Go\0\0", id */
	if (!s || s->size < 16 || s->size > sizeof(buf))
		return;
	err = ms_binary_section_read(b, s, 0, buf, (size_t)s->size);
	ms_error_destroy(err); /* a note that cannot be read: no build ID, like none at all */
	if (err)
		return;
	namesz = (uint32_t)ms_source_decode(b->mem, buf, 4);
	descsz = (uint32_t)ms_source_decode(b->mem, buf + 4, 4);
	if (namesz != 4 || descsz >= sizeof(b->go_buildid) || 16 + (uint64_t)descsz > s->size)
		return;
	memcpy(b->go_buildid, buf + 16, descsz);
	b->go_buildid[descsz] = '\0';
	b->go_buildid_addr = s->addr + 16;
}

static struct ms_error *load_sections(struct binary_priv *p, Elf *elf)
{
	struct ms_binary *b = &p->pub;
	size_t shnum, shstrndx;
	Elf_Scn *scn = NULL;
	Elf_Data *names;

	if (elf_getshdrnum(elf, &shnum) != 0 || elf_getshdrstrndx(elf, &shstrndx) != 0 ||
	    shnum > MAX_SECTIONS)
		return ms_error_create(MS_ERR_FORMAT, "'%s': cannot read the section headers",
		                       b->path);
	scn = elf_getscn(elf, shstrndx);
	names = scn ? elf_rawdata(scn, NULL) : NULL;
	if (!names || !names->d_buf || names->d_size == 0)
		return ms_error_create(MS_ERR_FORMAT, "'%s': no section name table", b->path);
	b->shstrtab = malloc(names->d_size + 1);
	b->sections = calloc(shnum ? shnum : 1, sizeof(*b->sections));
	if (!b->shstrtab || !b->sections)
		return &ms_error_nomem;
	memcpy(b->shstrtab, names->d_buf, names->d_size);
	b->shstrtab[names->d_size] = '\0';
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		GElf_Shdr sh;
		struct ms_section *s;

		if (!gelf_getshdr(scn, &sh) || b->nsections >= shnum)
			continue;
		s = &b->sections[b->nsections++];
		s->name = sh.sh_name < names->d_size ? b->shstrtab + sh.sh_name : "";
		s->addr = sh.sh_addr;
		s->size = sh.sh_size;
		s->offset = sh.sh_offset;
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		if (strcmp(s->name, ".debug_info") == 0 || strcmp(s->name, ".zdebug_info") == 0)
			b->has_dwarf = true;
		if (s->type == SHT_SYMTAB)
			b->has_symtab = true;
	}
	return NULL;
}

static struct ms_error *load_segments(struct binary_priv *p, Elf *elf)
{
	struct exe_source *e = calloc(1, sizeof(*e));
	size_t nph;

	if (!e)
		return &ms_error_nomem;
	e->base.ops = &exe_ops;
	e->base.path = strdup(p->pub.path);
	e->base.ptr_bytes = p->pub.ptr_bytes;
	e->base.big_endian = p->pub.big_endian;
	e->map = p->map;
	e->map_bytes = p->map_bytes;
	p->pub.mem = &e->base;
	if (!e->base.path || elf_getphdrnum(elf, &nph) != 0 || nph > MAX_SECTIONS)
		return e->base.path
		           ? ms_error_create(MS_ERR_FORMAT, "'%s': cannot read the program headers",
		                             p->pub.path)
		           : &ms_error_nomem;
	e->segments = calloc(nph ? nph : 1, sizeof(*e->segments));
	if (!e->segments)
		return &ms_error_nomem;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > p->map_bytes || ph.p_filesz > p->map_bytes - ph.p_offset)
			return ms_error_create(MS_ERR_FORMAT,
			                       "'%s': segment %zu lies past the end of the file "
			                       "(truncated?)",
			                       p->pub.path, i);
		struct ms_segment *s = &e->segments[e->nsegments++];
		if (e->nsegments == 1 || (ph.p_vaddr & ~0xfffull) < p->pub.load_vaddr)
			p->pub.load_vaddr = ph.p_vaddr & ~0xfffull;
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->filesz = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz;
		s->offset = ph.p_offset;
		s->flags = ph.p_flags;
	}
	return NULL;
}

#define PCLN_MAGIC_118 0xfffffff0u /* Go 1.19: _func without startLine */
#define PCLN_MAGIC_120 0xfffffff1u /* Go 1.21-1.27 */

static uint64_t pcln_word(const struct ms_binary *b, const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[b->big_endian ? n - 1 - i : i] << (8 * i);
	return v;
}

/*
 * An externally linked PIE (-buildmode=pie -linkmode=external, cgo) has no .gopclntab:
 * the system linker merges Go's .data.rel.ro.gopclntab into .data.rel.ro. Find its
 * pcHeader there (magic, zero pad, instruction quantum 1, 2 or 4, pointer size, a
 * function count and five table offsets that fit, a text start in .text or 0) and
 * give it as a section ".gopclntab" reaching to the end of the section it is in.
 */
static struct ms_error *find_merged_pclntab(struct binary_priv *p)
{
	struct ms_binary *b = &p->pub;
	const struct ms_section *in = ms_binary_section(b, ".data.rel.ro");
	const struct ms_section *text = ms_binary_section(b, ".text");
	unsigned w = b->ptr_bytes;
	struct ms_section *grown;

	if (!b->pie || ms_binary_section(b, ".gopclntab") || !in || in->type == SHT_NOBITS ||
	    in->offset > p->map_bytes || in->size > p->map_bytes - in->offset)
		return NULL;
	for (uint64_t at = 0; at + 8 + 8 * (uint64_t)w <= in->size; at += w) {
		const uint8_t *h = p->map + in->offset + at;
		uint64_t magic = pcln_word(b, h, 4), left = in->size - at, nfunc, start;
		bool fits = true;

		if ((magic != PCLN_MAGIC_118 && magic != PCLN_MAGIC_120) || h[4] || h[5] ||
		    (h[6] != 1 && h[6] != 2 && h[6] != 4) || h[7] != w)
			continue;
		nfunc = pcln_word(b, h + 8, w);
		start = pcln_word(b, h + 8 + 2 * w, w);
		for (unsigned i = 0; i < 5 && fits; i++)
			fits = pcln_word(b, h + 8 + (3 + i) * (uint64_t)w, w) < left;
		if (!fits || nfunc == 0 || nfunc > left / 8 ||
		    (start && (!text || start < text->addr || start >= text->addr + text->size)))
			continue;
		grown = realloc(b->sections, (b->nsections + 1) * sizeof(*b->sections));
		if (!grown)
			return &ms_error_nomem;
		b->sections = grown;
		b->sections[b->nsections++] = (struct ms_section){
		    .name = ".gopclntab",
		    .addr = in->addr + at,
		    .size = left,
		    .offset = in->offset + at,
		    .type = SHT_PROGBITS,
		    .flags = in->flags,
		};
		return NULL;
	}
	return NULL;
}

struct ms_error *ms_binary_open(const char *path, struct ms_binary **ret)
{
	struct binary_priv *p = calloc(1, sizeof(*p));
	struct ms_binary *b = &p->pub;
	struct ms_error *err = NULL;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	struct stat st;

	if (!p)
		return &ms_error_nomem;
	p->fd = -1;
	b->path = strdup(path);
	if (!b->path) {
		err = &ms_error_nomem;
		goto out;
	}
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0 || fstat(p->fd, &st) != 0) {
		err = ms_error_create(MS_ERR_IO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 64) {
		err = ms_error_create(MS_ERR_FORMAT, "'%s': not an ELF executable", path);
		goto out;
	}
	p->map_bytes = (size_t)st.st_size;
	p->map = mmap(NULL, p->map_bytes, PROT_READ, MAP_PRIVATE, p->fd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		err = ms_error_create(MS_ERR_IO, "'%s': cannot map: %s", path, strerror(errno));
		goto out;
	}
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)p->map, p->map_bytes);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		err = ms_error_create(MS_ERR_FORMAT, "'%s': not an ELF file", path);
		goto out;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		err = ms_error_create(MS_ERR_FORMAT, "'%s': not an ELF executable (%s)", path,
		                      eh.e_type == ET_CORE ? "it is a core file" : "wrong e_type");
		goto out;
	}
	b->e_machine = eh.e_machine;
	b->entry = eh.e_entry;
	b->pie = eh.e_type == ET_DYN;
	b->ptr_bytes = gelf_getclass(elf) == ELFCLASS64 ? 8 : 4;
	b->big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
	if (!arch_of(eh.e_machine, &b->arch)) {
		err = ms_error_create(MS_ERR_UNSUPPORTED,
		                      "'%s': unsupported machine %u (supported: amd64, arm64, 386, "
		                      "arm)",
		                      path, eh.e_machine);
		goto out;
	}
	err = load_segments(p, elf);
	if (!err)
		err = load_sections(p, elf);
	if (!err)
		err = find_merged_pclntab(p);
	if (!err)
		err = read_buildinfo(b);
	if (err)
		goto out;
	read_go_buildid(b);
	elf_end(elf);
	*ret = b;
	return NULL;
out:
	if (elf)
		elf_end(elf);
	ms_binary_destroy(b);
	return err;
}

/*
 * ---- .gopclntab: what the runtime knows of each function (Go 1.18+ layout) ----
 *
 * Checked in the runtime sources of go1.19, go1.21, go1.24 and go1.27:
 * - pcHeader (runtime/symtab.go): magic uint32, pad1, pad2, minLC, ptrSize uint8, then
 *   uintptr nfunc, nfiles, textStart (an unused word from 1.26: moduledata.text instead),
 *   funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset, each from the header;
 *   cmd/link lays the tables out in that order.
 * - magic, written by cmd/link/internal/ld/pcln.go: 0xfffffff0 in 1.19, 0xfffffff1 in 1.21,
 *   1.24 and 1.27 (internal/abi/symtab.go, 1.27: Go118 magic for 1.18-1.19, Go120 from 1.20).
 * - _func (runtime/runtime2.go): entryOff uint32, nameOff int32, args int32, deferreturn,
 *   pcsp, pcfile, pcln, npcdata, cuOffset uint32, then startLine int32 (in 1.21-1.27, not in
 *   1.19), then funcID, flag, pad, nfuncdata uint8: 40 bytes in 1.19, 44 in 1.21-1.27, so
 *   the magic tells which (both changed in 1.20, which mapsize does not support).
 *   npcdata uint32 offsets into pctab follow (0: no table), then nfuncdata uint32 offsets
 *   from moduledata.gofunc (^0: none): symtab.go pcdatastart, funcdata.
 */

#define FUNC_ARGS     8 /* _func.args */
#define FUNC_PCSP     16
#define FUNC_PCFILE   20
#define FUNC_PCLN     24
#define FUNC_NPCDATA  28
#define FUNC_CUOFFSET 32
#define FUNC_TAIL     4 /* funcID, flag, pad, nfuncdata: the header's last 4 bytes */
#define NO_FUNCDATA   0xffffffffu
/* runtime/symtab.go (1.19: _PCDATA_StackMapIndex, _FUNCDATA_*), internal/abi/symtab.go
 * (1.21, 1.24, 1.27): the same numbers in every version */
#define PCDATA_STACKMAP   1
#define FUNCDATA_ARGS     0
#define FUNCDATA_LOCALS   1
#define FUNCDATA_STACKOBJ 2
#define MAX_PCVALUE_STEP  (1u << 20)

/* Where the table starting at off ends: at the next table pcHeader names, or the section's end. */
static uint64_t pcln_table_end(const uint64_t *offs, size_t n, uint64_t off, uint64_t len)
{
	uint64_t end = len;

	for (size_t i = 0; i < n; i++)
		if (offs[i] > off && offs[i] < end)
			end = offs[i];
	return end;
}

static void pcln_load(struct binary_priv *p)
{
	struct ms_binary *b = &p->pub;
	const struct ms_section *s = ms_binary_section(b, ".gopclntab");
	struct pcln *c = &p->pcln;
	uint64_t magic, offs[5];
	unsigned w;

	c->loaded = true;
	if (!s || s->type == SHT_NOBITS || s->offset > p->map_bytes ||
	    s->size > p->map_bytes - s->offset || s->size < 8 + 8 * 8)
		return;
	c->tab = p->map + s->offset;
	c->len = s->size;
	magic = pcln_word(b, c->tab, 4);
	w = c->tab[7];
	if ((magic != PCLN_MAGIC_118 && magic != PCLN_MAGIC_120) || (w != 4 && w != 8) ||
	    c->len < 8 + 8 * (uint64_t)w)
		return;
	c->func_bytes = magic == PCLN_MAGIC_118 ? 40 : 44;
	c->ptr = w;
	c->nfunc = pcln_word(b, c->tab + 8, w);
	c->text_start = pcln_word(b, c->tab + 8 + 2 * w, w);
	if (c->text_start) /* the file's word, as linked (a PIE's is relocated at start-up) */
		c->text_start = ms_binary_runtime_addr(b, c->text_start);
	else {
		/* Go 1.26+ leave pcHeader.textStart 0: moduledata.text, else .text's start */
		const struct ms_section *text = ms_binary_section(b, ".text");

		c->text_start = p->text ? p->text : text ? text->addr : 0;
	}
	/* funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset */
	for (unsigned i = 0; i < 5; i++) {
		offs[i] = pcln_word(b, c->tab + 8 + (3 + i) * w, w);
		if (offs[i] >= c->len)
			return;
	}
	c->funcnames = offs[0];
	c->cutab = offs[1];
	c->cutab_end = pcln_table_end(offs, 5, offs[1], c->len);
	c->filetab = offs[2];
	c->filetab_end = pcln_table_end(offs, 5, offs[2], c->len);
	c->pctab = offs[3];
	c->functab = offs[4];
	if (c->nfunc > c->len / 8 || (c->nfunc + 1) * 8 > c->len - c->functab)
		return;
	c->ok = true;
}

void ms_binary_set_text(struct ms_binary *b, uint64_t text)
{
	struct binary_priv *p = (struct binary_priv *)b;

	p->text = text;
	p->pcln.loaded = false; /* read again with it */
	p->pcln.ok = false;
}

void ms_binary_set_gofunc(struct ms_binary *b, uint64_t gofunc)
{
	((struct binary_priv *)b)->gofunc = gofunc;
}

void ms_binary_set_rodata(struct ms_binary *b, uint64_t rodata)
{
	((struct binary_priv *)b)->rodata = rodata;
}

/* One step of a pc-value table (runtime.step); false at its end or past tab. */
static bool pcln_step(const struct pcln *c, uint64_t *pos, uint64_t *pc, int32_t *val, bool first,
                      unsigned quantum)
{
	uint64_t v[2];

	for (int k = 0; k < 2; k++) {
		uint64_t x = 0;
		unsigned shift = 0;

		for (;;) {
			uint8_t byte;

			if (*pos >= c->len || shift > 28)
				return false;
			byte = c->tab[(*pos)++];
			x |= (uint64_t)(byte & 0x7f) << shift;
			shift += 7;
			if (!(byte & 0x80))
				break;
		}
		if (k == 0 && x == 0 && !first)
			return false;
		v[k] = x;
	}
	/* the runtime's int32 arithmetic, wrapping */
	*val = (int32_t)((uint32_t)*val + (-(uint32_t)(v[0] & 1) ^ (uint32_t)(v[0] >> 1)));
	*pc += v[1] * quantum;
	return true;
}

/* A function's _func, found by pc (runtime.findfunc), its fields checked to lie in the table. */
struct pcln_func {
	const uint8_t *f;    /* the _func header in tab */
	uint64_t entry, end; /* its code: [entry, end), end the next function's entry */
	uint32_t npcdata;
	uint8_t nfuncdata;
	const char *name;
};

static uint32_t func_u32(const struct ms_binary *b, const struct pcln_func *f, uint64_t off)
{
	return (uint32_t)pcln_word(b, f->f + off, 4);
}

static bool pcln_func(struct binary_priv *p, uint64_t pc, struct pcln_func *ret)
{
	struct ms_binary *b = &p->pub;
	struct pcln *c = &p->pcln;
	uint64_t lo = 0, hi, rel, func, name;

	if (!c->loaded)
		pcln_load(p);
	if (!c->ok || pc < c->text_start || pc - c->text_start > UINT32_MAX || c->nfunc == 0)
		return false;
	rel = pc - c->text_start;
	/* functab: (nfunc + 1) x {entryoff, funcoff uint32}; the last is the end of text */
	hi = c->nfunc;
	if (rel < pcln_word(b, c->tab + c->functab, 4) ||
	    rel >= pcln_word(b, c->tab + c->functab + 8 * c->nfunc, 4))
		return false;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (pcln_word(b, c->tab + c->functab + 8 * mid, 4) <= rel)
			lo = mid;
		else
			hi = mid;
	}
	ret->entry = c->text_start + pcln_word(b, c->tab + c->functab + 8 * lo, 4);
	ret->end = c->text_start + pcln_word(b, c->tab + c->functab + 8 * (lo + 1), 4);
	func = c->functab + pcln_word(b, c->tab + c->functab + 8 * lo + 4, 4);
	if (func > c->len || c->len - func < c->func_bytes)
		return false;
	ret->f = c->tab + func;
	ret->npcdata = func_u32(b, ret, FUNC_NPCDATA);
	ret->nfuncdata = ret->f[c->func_bytes - 1];
	if ((c->len - func - c->func_bytes) / 4 < (uint64_t)ret->npcdata + ret->nfuncdata)
		return false;
	name = c->funcnames + func_u32(b, ret, 4);
	if (name >= c->len || !memchr(c->tab + name, '\0', c->len - name))
		return false;
	ret->name = (const char *)c->tab + name;
	return true;
}

/* runtime.pcvalue: the value at pc of the pc-value table at pctab offset off; -1 if none. */
static int32_t pcln_value(struct binary_priv *p, const struct pcln_func *f, uint32_t off,
                          uint64_t pc)
{
	const struct pcln *c = &p->pcln;
	unsigned quantum = p->pub.arch == MS_ARCH_ARM64 || p->pub.arch == MS_ARCH_ARM ? 4 : 1;
	uint64_t pos = c->pctab + off, at = f->entry;
	int32_t val = -1;

	/* offset 0 is "no table" (symtab.go pcvalue) */
	if (off == 0 || off >= c->len - c->pctab)
		return -1;
	for (unsigned steps = 0; steps < MAX_PCVALUE_STEP; steps++) {
		uint64_t prev = at;

		if (!pcln_step(c, &pos, &at, &val, prev == f->entry, quantum))
			break;
		if (pc < at)
			return val;
	}
	return -1;
}

/* runtime.pcdatavalue: PCDATA table i at pc; -1 if the function has none. */
static int32_t pcln_pcdata(struct binary_priv *p, const struct pcln_func *f, uint32_t i,
                           uint64_t pc)
{
	if (i >= f->npcdata)
		return -1;
	return pcln_value(p, f, func_u32(&p->pub, f, p->pcln.func_bytes + 4ull * i), pc);
}

/* runtime.funcdata: gofunc + FUNCDATA offset i; 0 if none or gofunc is unknown. */
static uint64_t pcln_funcdata(struct binary_priv *p, const struct pcln_func *f, uint8_t i)
{
	uint32_t off;

	if (i >= f->nfuncdata || !p->gofunc)
		return 0;
	off = func_u32(&p->pub, f, p->pcln.func_bytes + 4ull * f->npcdata + 4ull * i);
	return off == NO_FUNCDATA ? 0 : p->gofunc + off;
}

/* runtime.funcfile: file fileno of the function's compilation unit, cutab -> filetab; NULL if
 * none. */
static const char *pcln_file(struct binary_priv *p, const struct pcln_func *f, int32_t fileno)
{
	const struct pcln *c = &p->pcln;
	uint64_t cu, name;
	uint32_t fileoff;

	if (fileno < 0)
		return NULL;
	cu = (uint64_t)func_u32(&p->pub, f, FUNC_CUOFFSET) + (uint32_t)fileno;
	if (cu >= (c->cutab_end - c->cutab) / 4)
		return NULL;
	fileoff = (uint32_t)pcln_word(&p->pub, c->tab + c->cutab + 4 * cu, 4);
	if (fileoff == NO_FUNCDATA || fileoff >= c->filetab_end - c->filetab)
		return NULL;
	name = c->filetab + fileoff;
	if (!memchr(c->tab + name, '\0', c->filetab_end - name))
		return NULL;
	return (const char *)c->tab + name;
}

bool ms_binary_func_info(struct ms_binary *b, uint64_t pc, struct ms_func_info *ret)
{
	struct binary_priv *p = (struct binary_priv *)b;
	struct pcln_func f;
	uint64_t call;
	int32_t line;

	if (!pcln_func(p, pc, &f))
		return false;
	/* tracebacks and getStackMap back up into the CALL, except at the entry */
	call = pc == f.entry ? pc : pc - 1;
	ret->name = f.name;
	ret->entry = f.entry;
	ret->spdelta = pcln_value(p, &f, func_u32(b, &f, FUNC_PCSP), pc);
	line = pcln_value(p, &f, func_u32(b, &f, FUNC_PCLN), call);
	ret->line = line > 0 ? line : 0;
	ret->file = pcln_file(p, &f, pcln_value(p, &f, func_u32(b, &f, FUNC_PCFILE), call));
	ret->args = (int32_t)func_u32(b, &f, FUNC_ARGS);
	ret->funcid = f.f[p->pcln.func_bytes - FUNC_TAIL];
	ret->flag = f.f[p->pcln.func_bytes - FUNC_TAIL + 1];
	ret->stackmap_index = pcln_pcdata(p, &f, PCDATA_STACKMAP, call);
	ret->locals_map = pcln_funcdata(p, &f, FUNCDATA_LOCALS);
	ret->args_map = pcln_funcdata(p, &f, FUNCDATA_ARGS);
	ret->stack_objects = pcln_funcdata(p, &f, FUNCDATA_STACKOBJ);
	return true;
}

bool ms_binary_func_at(struct ms_binary *b, uint64_t pc, struct ms_func_at *ret)
{
	struct binary_priv *p = (struct binary_priv *)b;
	struct pcln_func f;

	if (!pcln_func(p, pc, &f))
		return false;
	ret->name = f.name;
	ret->entry = f.entry;
	ret->end = f.end > f.entry ? f.end : f.entry;
	ret->spdelta = pcln_value(p, &f, func_u32(b, &f, FUNC_PCSP), pc);
	return true;
}

/* runtime.stackmapdata over stackmap{n, nbit int32; bytedata}: symtab.go, same in 1.19-1.27 */
bool ms_binary_stackmap(struct ms_binary *b, uint64_t map_addr, int32_t index, uint8_t *bits,
                        size_t cap, uint32_t *ret_nbits)
{
	uint64_t n, nbit, bytes, at;

	if (!map_addr || map_addr > UINT64_MAX - 8 || index < 0 ||
	    !ms_source_try_uint(b->mem, map_addr, 4, &n) ||
	    !ms_source_try_uint(b->mem, map_addr + 4, 4, &nbit))
		return false;
	if ((int32_t)n <= 0 || (int32_t)nbit < 0 || index >= (int32_t)n)
		return false;
	/* each bitmap starts on a byte boundary */
	bytes = (nbit + 7) / 8;
	if (bytes > cap || !ms_add_u64(map_addr, 8 + (uint64_t)index * bytes, &at) ||
	    !ms_source_try_read(b->mem, at, bits, (size_t)bytes))
		return false;
	*ret_nbits = (uint32_t)nbit;
	return true;
}

/* runtime/stack.go stackObjectRecord{off, size int32; ptrdata int32 (1.19-1.23: negative for
 * a GC program), gcdataoff uint32 from moduledata.rodata}, after a uintptr count (the same
 * in 1.19 and 1.21-1.27) */
bool ms_binary_stack_object(struct ms_binary *b, uint64_t addr, uint64_t i, uint64_t *ret_n,
                            struct ms_stack_object *ret)
{
	struct binary_priv *p = (struct binary_priv *)b;
	unsigned ptr = b->ptr_bytes;
	uint64_t n, at;
	uint8_t r[16];
	int32_t ptrdata;

	if (!addr || addr > UINT64_MAX - 8 || !ms_source_try_uint(b->mem, addr, ptr, &n) ||
	    n > (1u << 20) || i >= n || !ms_add_u64(addr, ptr + 16 * i, &at) ||
	    !ms_source_try_read(b->mem, at, r, sizeof(r)))
		return false;
	*ret_n = n;
	ret->off = (int32_t)ms_source_decode(b->mem, r, 4);
	ret->size = (uint32_t)ms_source_decode(b->mem, r + 4, 4);
	ptrdata = (int32_t)ms_source_decode(b->mem, r + 8, 4);
	ret->ptrbytes = ptrdata < 0 ? (uint64_t) - (int64_t)ptrdata : (uint64_t)ptrdata;
	ret->gcdata = ptrdata < 0 || !p->rodata
	                  ? 0
	                  : p->rodata + (uint32_t)ms_source_decode(b->mem, r + 12, 4);
	if (ret->ptrbytes > ret->size)
		ret->ptrbytes = ret->size;
	return true;
}

void ms_binary_destroy(struct ms_binary *b)
{
	struct binary_priv *p = (struct binary_priv *)b;

	if (!b)
		return;
	ms_source_destroy(b->mem);
	if (p->map)
		munmap((void *)p->map, p->map_bytes);
	if (p->fd >= 0)
		close(p->fd);
	free(b->sections);
	free(b->shstrtab);
	free(b->go_version_text);
	free(b->modinfo);
	free(b->path);
	free(p);
}
