/*
 * pipeline.h - THE driver: source -> blob -> matcher -> detectors -> (scorer) -> reporter.
 *
 * fbs_pipeline_run() scans the targets with the chosen source, from several worker threads, and
 * leaves the findings (sorted), the stats and the diagnostics in a scan result;
 * fbs_pipeline_report() hands them to a reporter. Nothing here prints or exits.
 */
#ifndef FBS_PIPELINE_H
#define FBS_PIPELINE_H

#include "../detectors/policy.h"
#include "../detectors/vocab.h"
#include "../reporters/reporter.h"
#include "core/vec.h"
#include "match/ruleset.h"
#include "model/diag.h"
#include "model/suppress.h"
#include "model/target.h"
#include "sources/source.h"

struct fbs_scan_result {
    struct fbs_vec findings; /* struct fbs_finding *, in report order */
    json_t *absent;          /* baseline findings this scan did not find (array), or NULL */
    /*
     * Why this scan covered less than a full scan of its targets ("--since-commit", "--range",
     * "--branch", "--staged", "--exclude", "incomplete", "cancelled"), or NULL for a full scan.
     * A partial scan cannot tell that a baseline finding is gone: `absent` stays empty.
     */
    const char *partial;
    struct fbs_stats stats;
    struct fbs_diags diags;
};

/* list_skips: also list skipped items (--verbose). 0 or FBS_EINTERNAL. */
int fbs_scan_result_init(struct fbs_scan_result *r, bool list_skips);
void fbs_scan_result_release(struct fbs_scan_result *r);

struct fbs_verify_opts;

struct fbs_pipeline_opts {
    const struct fbs_source *source;
    struct fbs_source_opts source_opts; /* stats and diags are filled in by the pipeline */
    const struct fbs_ruleset *rules;    /* compiled */
    const struct fbs_vocab *vocab;
    const struct fbs_policy *policy;
    fbs_time_t now;
    const char *fingerprint_salt; /* NULL: the default domain salt only */
    struct fbs_ignores *ignores;  /* ignore-file entries (sources add each target's); or NULL */
    const struct fbs_baseline *baseline; /* --baseline, or NULL */
    /*
     * The targets described (fbs_target_finish() done), or NULL: each finding gets the
     * identity and fingerprint scope of the target it came from, found by the name its blob
     * (or, for inventories, its record) gives; records that name none belong to the only target.
     */
    const struct fbs_target *targets;
    size_t ntargets;
    /* --verify: live verification (detectors/verify.h) between the linkers and the scorer; NULL
     * makes no network call. */
    const struct fbs_verify_opts *verify;
};

/*
 * Run the scan. Returns 0 (the scan may still be incomplete: see stats.errors), or a fatal
 * FBS_ENOMEM / FBS_EINTERNAL with a message.
 */
int fbs_pipeline_run(struct fbs_scan_result *r, const struct fbs_pipeline_opts *opts);

/*
 * Add records that have no text (cloud inventories: location.source aws, gcp ...; f->resource
 * set, facts filled by the collector) to a result: the detectors, scorer and fingerprint run on
 * each, and they join the findings in report order. Takes the findings out of `records`
 * (which is left empty). 0 or FBS_ENOMEM.
 */
int fbs_pipeline_add_records(struct fbs_scan_result *r, const struct fbs_pipeline_opts *opts,
                             struct fbs_vec *records);

/*
 * Apply the exceptions to the findings of a result: ignore-file entries (an expired one stops
 * suppressing and is reported as a notice) and the baseline (new / unchanged, and the absent
 * list, left empty when the scan is partial: r->partial, set here). Inline allow comments were
 * applied by a detector. Counts go to the stats. 0 or FBS_ENOMEM. fbs_pipeline_run() and
 * fbs_pipeline_add_records() call it; exposed for tests.
 */
int fbs_pipeline_suppress(struct fbs_scan_result *r, const struct fbs_pipeline_opts *opts);

/* Which scored findings a report shows (--only-fallback, --min-severity, --show-suppressed). */
struct fbs_report_filter {
    bool show_suppressed;
    bool only_fallback;
    int min_severity;   /* an enum fbs_severity; FBS_SEV_INFO shows everything */
    bool only_verified; /* --only-verified: findings verified live (facts.verification) */
};

/* Whether live verification (--verify) found the finding's credential live. */
bool fbs_finding_verified_live(const struct fbs_finding *f);

/* Whether a finding passes the filter (NULL passes everything). */
bool fbs_report_filter_pass(const struct fbs_report_filter *flt, const struct fbs_finding *f);

/*
 * Write the findings that pass `flt` with a reporter; one that wants_suppressed gets the suppressed
 * ones as well, whatever flt->show_suppressed says. 0 or the reporter's error.
 */
int fbs_pipeline_report(const struct fbs_scan_result *r, const struct fbs_report_filter *flt,
                        const struct fbs_reporter *reporter, const struct fbs_report_opts *ropts,
                        const struct fbs_report_info *info);

#endif
