/*
 * pipeline.h - THE driver: source -> blob -> matcher -> detectors -> (scorer) -> reporter.
 *
 * fbs_pipeline_run() scans the targets with the chosen source, from several worker threads, and
 * leaves the findings (sorted), the stats and the diagnostics in a scan result;
 * fbs_pipeline_report() hands them to a reporter. Nothing here prints or exits.
 */
#ifndef FBS_PIPELINE_H
#define FBS_PIPELINE_H

#include "../detectors/vocab.h"
#include "../reporters/reporter.h"
#include "core/vec.h"
#include "match/ruleset.h"
#include "model/diag.h"
#include "sources/source.h"

struct fbs_scan_result {
    struct fbs_vec findings; /* struct fbs_finding *, in report order */
    struct fbs_stats stats;
    struct fbs_diags diags;
};

/* list_skips: also list skipped items (--verbose). 0 or FBS_EINTERNAL. */
int fbs_scan_result_init(struct fbs_scan_result *r, bool list_skips);
void fbs_scan_result_release(struct fbs_scan_result *r);

struct fbs_pipeline_opts {
    const struct fbs_source *source;
    struct fbs_source_opts source_opts; /* stats and diags are filled in by the pipeline */
    const struct fbs_ruleset *rules;    /* compiled */
    const struct fbs_vocab *vocab;
    fbs_time_t now;
    double fallback_threshold;
    const char *fingerprint_salt; /* NULL: the default domain salt only */
};

/*
 * Run the scan. Returns 0 (the scan may still be incomplete: see stats.errors), or a fatal
 * FBS_ENOMEM / FBS_EINTERNAL with a message.
 */
int fbs_pipeline_run(struct fbs_scan_result *r, const struct fbs_pipeline_opts *opts);

/* Write the result with a reporter. 0 or the reporter's error. */
int fbs_pipeline_report(const struct fbs_scan_result *r, const struct fbs_reporter *reporter,
                        const struct fbs_report_opts *ropts, const struct fbs_report_info *info);

#endif
