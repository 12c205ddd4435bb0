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
	uint64_t entry;
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
};

/*
 * Open a Go executable. MS_ERR_IO if it cannot be read; MS_ERR_FORMAT if it is
 * not an ELF executable; MS_ERR_UNSUPPORTED for an architecture mapsize does
 * not know or an ELF without Go build information ("not a Go executable").
 * Owned.
 */
struct ms_error *ms_binary_open(const char *path, struct ms_binary **ret);
/* The section called name, or NULL. Borrowed. */
const struct ms_section *ms_binary_section(const struct ms_binary *b, const char *name);
/* Read file bytes of a section at offset in it. MS_ERR_FORMAT if out of range. */
struct ms_error *ms_binary_section_read(const struct ms_binary *b, const struct ms_section *s,
                                        uint64_t off, void *buf, size_t len);
/* A build setting from modinfo ("GOEXPERIMENT"), copied into buf; false if absent. */
bool ms_binary_setting(const struct ms_binary *b, const char *key, char *buf, size_t len);
/* What .gopclntab says about the function whose code holds a pc. */
struct ms_func_at {
	const char *name; /* borrowed, valid while the binary is open */
	uint64_t entry;
	int64_t spdelta; /* the stack pointer's offset from the frame's top at pc; -1 unknown */
};
/* false if pc is in no function or the table is damaged. */
bool ms_binary_func_at(struct ms_binary *b, uint64_t pc, struct ms_func_at *ret);
/* runtime.text (the module data's text), the base of .gopclntab's entries in Go 1.26+. */
void ms_binary_set_text(struct ms_binary *b, uint64_t text);
void ms_binary_destroy(struct ms_binary *b);

#endif
