/* SPDX-License-Identifier: MIT */
/* A Go executable: ELF sections and segments, build info, Go build ID. */
#ifndef MS_BINARY_H
#define MS_BINARY_H

#include "source.h"

struct ms_section {
	const char *name; /* borrowed from the ELF string table copy */
	uint64_t addr, size, offset;
	uint32_t type;
	uint64_t flags;
};

struct ms_binary {
	char *path;
	uint16_t e_machine;
	enum ms_arch arch;
	unsigned ptr_bytes;
	bool big_endian;
	uint64_t entry; /* e_entry, as linked (a file address, also after ms_binary_relocate) */
	struct ms_section *sections;
	size_t nsections;
	char *shstrtab;        /* owned copy */
	struct ms_source *mem; /* the file's PT_LOAD segments; owned */
	/* .go.buildinfo */
	char *go_version_text; /* owned: "go1.24.4 X:noswissmap"; NULL if absent */
	char *modinfo;         /* owned: module and build settings; may be NULL */
	struct ms_go_version go;
	bool go_known;            /* go_version_text parsed into go */
	uint64_t buildinfo_addr;  /* address of .go.buildinfo, 0 if absent */
	char go_buildid[128];     /* .note.go.buildid, "" if absent */
	uint64_t go_buildid_addr; /* address of the note's descriptor */
	bool has_dwarf, has_symtab;
	/* Position-independent (ET_DYN, -buildmode=pie): the loader chose where it runs. */
	bool pie;
	uint64_t load_vaddr; /* the lowest PT_LOAD's page, as linked (a file address) */
	/* The load bias: runtime address - file address, 0 for ET_EXEC (ms_binary_relocate). */
	uint64_t bias;
};

/*
 * Open a Go executable. MS_ERR_IO if it cannot be read; MS_ERR_FORMAT if it is
 * not an ELF executable; MS_ERR_UNSUPPORTED for an architecture mapsize does
 * not know or an ELF without Go build information ("not a Go executable").
 * Owned.
 */
MS_MUST_CHECK struct ms_error *ms_binary_open(const char *path, struct ms_binary **ret);
/*
 * The load bias of b in a process whose auxiliary vector says AT_ENTRY at_entry:
 * at_entry - e_entry for a position-independent (ET_DYN) executable, 0 for ET_EXEC
 * or when at_entry is 0 (unknown).
 */
uint64_t ms_binary_bias_for_entry(const struct ms_binary *b, uint64_t at_entry);
/*
 * The same from where the process mapped the file's start (the mapping at file offset 0).
 */
uint64_t ms_binary_bias_for_mapping(const struct ms_binary *b, uint64_t start);
/*
 * Move b to where the process has it: from then on every address b gives or takes
 * (sections, b->mem's segments, build info and build ID, .gopclntab's functions and
 * pcs) is a runtime address. The translation of file addresses (ELF, DWARF: see
 * ms_dwarf_relocate, .gopclntab, code operands) to runtime ones is this, nowhere else.
 * Does nothing for ET_EXEC.
 */
void ms_binary_relocate(struct ms_binary *b, uint64_t bias);
/* A file address of b (as linked) as the process has it. */
static inline uint64_t ms_binary_runtime_addr(const struct ms_binary *b, uint64_t file_addr)
{
	return file_addr + b->bias;
}
/* The section called name, or NULL. Borrowed. A PIE's read-only metadata sections are
 * ".data.rel.ro.NAME" (.data.rel.ro.gopclntab): asked for by NAME, they are found too. */
const struct ms_section *ms_binary_section(const struct ms_binary *b, const char *name);
/* Read file bytes of a section at offset in it. MS_ERR_FORMAT if out of range. */
MS_MUST_CHECK struct ms_error *ms_binary_section_read(const struct ms_binary *b,
                                                      const struct ms_section *s, uint64_t off,
                                                      void *buf, size_t len);
/* A build setting from modinfo ("GOEXPERIMENT"), copied into buf; false if absent. */
bool ms_binary_setting(const struct ms_binary *b, const char *key, char *buf, size_t len);
/* What .gopclntab says about the function whose code holds a pc. */
struct ms_func_at {
	const char *name; /* borrowed, valid while the binary is open */
	uint64_t entry;
	uint64_t end;    /* its code is [entry, end): the next function's entry (functab) */
	int64_t spdelta; /* the stack pointer's offset from the frame's top at pc; -1 unknown */
};
/* false if pc is in no function or the table is damaged. */
bool ms_binary_func_at(struct ms_binary *b, uint64_t pc, struct ms_func_at *ret);

/* What .gopclntab says of the function holding pc (runtime.findfunc and friends). */
struct ms_func_info {
	const char *name; /* borrowed, valid while the binary is open */
	const char *file; /* borrowed; NULL if unknown */
	uint64_t entry;
	int64_t spdelta; /* pcsp at pc (runtime.funcspdelta(f, pc)); -1 unknown */
	int32_t line; /* pcln at the call: pc-1 unless pc == entry (as tracebacks do); 0 unknown */
	int32_t args; /* _func.args (bytes of arguments; abi.ArgsSizeUnknown stays as is) */
	uint8_t funcid;         /* _func.funcID */
	uint8_t flag;           /* _func.flag: bit 0 TOPFRAME, bit 1 SPWRITE, bit 2 ASM */
	int32_t stackmap_index; /* PCDATA_StackMapIndex at pc-1 (at pc when pc == entry), as runtime
	                           getStackMap does; -1 when none */
	uint64_t locals_map;    /* address of FUNCDATA_LocalsPointerMaps's stackmap; 0 if none or
	                           gofunc unknown */
	uint64_t args_map;      /* address of FUNCDATA_ArgsPointerMaps's stackmap; 0 likewise */
	uint64_t stack_objects; /* address of FUNCDATA_StackObjects's records; 0 likewise */
};
/*
 * false if pc is in no function or the table is damaged; a damaged pc-value table leaves
 * only its own field unknown. The runtime's getStackMap uses bitmap 0 where
 * stackmap_index is -1, and always at pc == entry (it does not read the table there).
 */
bool ms_binary_func_info(struct ms_binary *b, uint64_t pc, struct ms_func_info *ret);

/* moduledata.gofunc: the base that funcdata offsets are relative to (0: unknown). */
void ms_binary_set_gofunc(struct ms_binary *b, uint64_t gofunc);
/* moduledata.rodata: the base of stack object records' gcdata offsets (0: unknown). */
void ms_binary_set_rodata(struct ms_binary *b, uint64_t rodata);

/*
 * One of a frame's stack objects (runtime stackObjectRecord): an address-taken
 * local or argument that holds pointers, which the GC scans only when a live
 * pointer word of the stack points into it. off is from the frame's varp when
 * negative, from its argp otherwise; gcdata is the address of its pointer mask
 * (one bit per word of its first ptrbytes bytes), 0 when unknown or when the
 * record gives a GC program (1.19-1.23; then every word may be a pointer).
 */
struct ms_stack_object {
	int64_t off;
	uint64_t size, ptrbytes, gcdata;
};
/*
 * Record i of the stack object records at addr (ms_func_info.stack_objects: a
 * uintptr count, then 16-byte records); *ret_n the count. false past the end or
 * when unreadable.
 */
bool ms_binary_stack_object(struct ms_binary *b, uint64_t addr, uint64_t i, uint64_t *ret_n,
                            struct ms_stack_object *ret);

/*
 * Bitmap `index` of the stack map at map_addr (runtime.stackmapdata): one bit per pointer-sized
 * word, 1 = live pointer; copied into bits (cap bytes), *ret_nbits = the map's nbit. false if the
 * map is unreadable, index is out of range or cap is too small. Read from the executable's
 * file image (b->mem). A bitmap takes (nbit + 7) / 8 bytes.
 */
bool ms_binary_stackmap(struct ms_binary *b, uint64_t map_addr, int32_t index, uint8_t *bits,
                        size_t cap, uint32_t *ret_nbits);
/* runtime.text (the module data's text), the base of .gopclntab's entries in Go 1.26+. */
void ms_binary_set_text(struct ms_binary *b, uint64_t text);
void ms_binary_destroy(struct ms_binary *b);

#endif
