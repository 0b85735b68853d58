/*
 * reporter.h - the plug-in interface of the output stage.
 *
 * A reporter is given the scan's context at begin(), each finding (in report order) through
 * add(), and writes everything that is left at end(). Findings are borrowed for the call only.
 * Reporters decide nothing about secrets: every value they print that could hold one goes
 * through redact.h. Reporters include model headers only, never detectors or the matcher.
 */
#ifndef FBS_REPORTER_H
#define FBS_REPORTER_H

#include <stdbool.h>
#include <stdio.h>

#include "../scanner/core/time.h"
#include "../scanner/model/diag.h"
#include "../scanner/model/finding.h"
#include "../scanner/model/target.h"

struct fbs_report_info {
    const char *tool_version;
    fbs_time_t now;
    const char *const *targets;
    size_t ntargets;
    /*
     * ntargets described targets beside targets (model/target.h), or NULL: each one's identity
     * (findings name it in target_id), root, remote, HEAD commit and branch. Without it the
     * SARIF reporter derives what it can from the target names.
     */
    const struct fbs_target *target_info;
    const struct fbs_stats *stats;
    const struct fbs_diags *diags;
    size_t nrules;
    const json_t *policy; /* the policy in force, as written in scan.policy */
    const json_t *absent; /* baseline findings not found again: [{id, finding}], or NULL */
    const char *partial;  /* why the scan was partial (fbs_scan_result.partial), or NULL */
    bool show_suppressed; /* suppressed findings are among those given */
};

struct fbs_report_opts {
    FILE *out;
    bool show_secrets; /* print raw secrets (the user asked, explicitly) */
    bool color;        /* ANSI colours (text reporter; only when writing to a terminal) */
};

struct fbs_reporter {
    const char *name;
    /*
     * Given the suppressed findings (allow comments, ignore entries) whatever the report filter
     * says: the format carries them marked as such (SARIF: result.suppressions).
     */
    bool wants_suppressed;
    /* Allocate state and write any header. 0 or a negative FBS_E*. */
    int (*begin)(void **state, const struct fbs_report_opts *opts,
                 const struct fbs_report_info *info);
    int (*add)(void *state, const struct fbs_finding *f);
    /* Write the rest and free the state (also on earlier failure). 0 or FBS_EIO. */
    int (*end)(void *state);
};

extern const struct fbs_reporter fbs_reporter_json;
extern const struct fbs_reporter fbs_reporter_jsonl;
extern const struct fbs_reporter fbs_reporter_sarif;
extern const struct fbs_reporter fbs_reporter_text;
extern const struct fbs_reporter fbs_reporter_gitlab; /* GitLab secret detection report */
extern const struct fbs_reporter fbs_reporter_html;   /* one self-contained page for auditors */

/* The reporter for a --format name, or NULL. */
const struct fbs_reporter *fbs_reporter_find(const char *name);
/* "text, json, jsonl, sarif, gitlab, html" for messages. */
const char *fbs_reporter_names(void);

#endif
