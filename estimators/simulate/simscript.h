/* SPDX-License-Identifier: MIT */
/*
 * A parsed operation script or trace (mapsize simulate), as a flat program:
 * a repeat block is MS_OP_REPEAT, its body, then MS_OP_END; REPEAT's `end`
 * is the index of its END.
 */
#ifndef MS_SIMSCRIPT_H
#define MS_SIMSCRIPT_H

#include "mapsize.h"

enum ms_sim_opk {
	MS_OP_MAKE,       /* n: hint; MS_SIM_NO_HINT for make(map[K]V) */
	MS_OP_INSERT,     /* n new keys */
	MS_OP_DEL_OLDEST, /* n keys */
	MS_OP_DEL_NEWEST,
	MS_OP_DEL_RANDOM,
	MS_OP_UPDATE, /* n random live keys */
	MS_OP_LOOKUP, /* n random live keys: counted, changes nothing */
	MS_OP_CLEAR,
	MS_OP_CHECKPOINT, /* name */
	MS_OP_REPEAT,     /* n times the ops up to `end` */
	MS_OP_END,
	/* traces: n is the key's id (its order of first appearance) */
	MS_OP_SET_KEY,
	MS_OP_DEL_KEY,
	MS_OP_GET_KEY,
};

#define MS_SIM_NO_HINT UINT64_MAX
/* Scripts that would run longer are refused (about 15 minutes at 10^7 ops/s). */
#define MS_SIM_MAX_OPS ((uint64_t)10000000000)

struct ms_sim_op {
	enum ms_sim_opk kind;
	uint64_t n;
	size_t end; /* REPEAT: index of its END */
	/* REPEAT: operations and checkpoints of one pass of its body (0 and 0: skip it) */
	uint64_t body_ops, body_checkpoints;
	const char *name; /* CHECKPOINT: owned by the script */
};

struct ms_sim_script {
	struct ms_sim_op *ops;
	size_t nops, cap;
	uint64_t total_ops;   /* operations when run, repeats multiplied out */
	uint64_t checkpoints; /* checkpoints reached when run */
	bool trace;
	uint64_t nkeys; /* traces: distinct keys */
};

#endif
