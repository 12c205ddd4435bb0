/* SPDX-License-Identifier: MIT */
/*
 * The report model's internal interface (lib/report/): what the emitters and
 * the layout file need beyond mapsize.h. The report computes every number;
 * the layers above only format or store it.
 */
#ifndef MS_REPORT_H
#define MS_REPORT_H

#include "mapsize.h"

/* Fill the report's summary (totals, found_by, by type and package) from its maps. */
MS_MUST_CHECK struct ms_error *ms_report_summarize(struct ms_inspect_report *r);
/* Does the map pass the view's filter? */
bool ms_view_matches(const struct ms_report_view *v, const struct ms_map_report *r);
/* lib/report/groups.c: fold repeats into r->groups (ms_report_summarize calls it). */
MS_MUST_CHECK struct ms_error *ms_report_group(struct ms_inspect_report *r);
void ms_report_groups_free(struct ms_inspect_report *r);
/* A map's group pattern: its path with indices and keys as [*], or where it lives. Owned. */
char *ms_map_pattern(const struct ms_map_report *m);
void ms_map_report_destroy(struct ms_map_report *m);
/* The copy of S in R's string pool (freed with R; a map using it is pooled); NULL when out
 * of memory. */
char *ms_report_pool_str(struct ms_inspect_report *r, const char *s);
/* A draft (report_pack.h) and what it owns; NULL is nothing. */
struct ms_map_draft;
void ms_map_draft_destroy(struct ms_map_draft *dr);

#endif
