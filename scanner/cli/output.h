/*
 * output.h - what every reporting command (scan, files, git, cloud, inventory) shares: the
 * report options (--format, --output, --now, --policy, --fail-on, --fail-on-standing,
 * --only-fallback, --min-severity, --show-secrets, --quiet, --verbose, --color, salt), loading
 * the policy and vocabularies, writing the report and choosing the exit code.
 *
 * A command concatenates FBS_CLI_OUTPUT_LONG_OPTS into its getopt_long table and
 * FBS_CLI_OUTPUT_SHORT_OPTS into its optstring, passes each option to fbs_cli_output_option()
 * first, lists fbs_cli_output_help_report and _exceptions (help.h) in its help, and then:
 *
 *     fbs_cli_output_init(&o);                          before parsing
 *     fbs_cli_output_ready(&o)                          after parsing: checks, loads the policy
 *     fbs_cli_output_pipeline(&o, &po); ... run the pipeline ...
 *     status = fbs_cli_output_finish(&o, &result, targets, ntargets, nrules);
 *     fbs_cli_output_release(&o);
 */
#ifndef FBS_CLI_OUTPUT_H
#define FBS_CLI_OUTPUT_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../detectors/policy.h"
#include "../../detectors/verify.h"
#include "../../detectors/vocab.h"
#include "../core/time.h"
#include "../pipeline.h"

enum {
    FBS_OPT_OUTPUT_FIRST = 1000,
    FBS_OPT_SHOW_SECRETS = FBS_OPT_OUTPUT_FIRST,
    FBS_OPT_NOW,
    FBS_OPT_POLICY,
    FBS_OPT_FAIL_ON,
    FBS_OPT_FAIL_ON_STANDING,
    FBS_OPT_ONLY_FALLBACK,
    FBS_OPT_MIN_SEVERITY,
    FBS_OPT_COLOR,
    FBS_OPT_NO_COLOR,
    FBS_OPT_SALT,
    FBS_OPT_IGNORE_FILE,
    FBS_OPT_BASELINE,
    FBS_OPT_WRITE_BASELINE,
    FBS_OPT_SHOW_SUPPRESSED,
    FBS_OPT_VERIFY,
    FBS_OPT_VERIFY_INTERNAL,
    FBS_OPT_ONLY_VERIFIED,
    FBS_OPT_FAIL_ON_VERIFIED,
    FBS_OPT_VERIFY_TIMEOUT,
    FBS_OPT_OUTPUT_LAST,
};

#define FBS_CLI_OUTPUT_SHORT_OPTS "f:o:qv"

#define FBS_CLI_OUTPUT_LONG_OPTS                                                                   \
    {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},            \
        {"quiet", no_argument, NULL, 'q'}, {"verbose", no_argument, NULL, 'v'},                    \
        {"show-secrets", no_argument, NULL, FBS_OPT_SHOW_SECRETS},                                 \
        {"now", required_argument, NULL, FBS_OPT_NOW},                                             \
        {"policy", required_argument, NULL, FBS_OPT_POLICY},                                       \
        {"fail-on", required_argument, NULL, FBS_OPT_FAIL_ON},                                     \
        {"fail-on-standing", no_argument, NULL, FBS_OPT_FAIL_ON_STANDING},                         \
        {"only-fallback", no_argument, NULL, FBS_OPT_ONLY_FALLBACK},                               \
        {"min-severity", required_argument, NULL, FBS_OPT_MIN_SEVERITY},                           \
        {"color", no_argument, NULL, FBS_OPT_COLOR},                                               \
        {"no-color", no_argument, NULL, FBS_OPT_NO_COLOR},                                         \
        {"ignore-file", required_argument, NULL, FBS_OPT_IGNORE_FILE},                             \
        {"baseline", required_argument, NULL, FBS_OPT_BASELINE},                                   \
        {"write-baseline", required_argument, NULL, FBS_OPT_WRITE_BASELINE},                       \
        {"show-suppressed", no_argument, NULL, FBS_OPT_SHOW_SUPPRESSED},                           \
        {"verify", no_argument, NULL, FBS_OPT_VERIFY},                                             \
        {"verify-internal", no_argument, NULL, FBS_OPT_VERIFY_INTERNAL},                           \
        {"only-verified", no_argument, NULL, FBS_OPT_ONLY_VERIFIED},                               \
        {"fail-on-verified", no_argument, NULL, FBS_OPT_FAIL_ON_VERIFIED},                         \
        {"verify-timeout", required_argument, NULL, FBS_OPT_VERIFY_TIMEOUT},                       \
    {                                                                                              \
        "fingerprint-salt", required_argument, NULL, FBS_OPT_SALT                                  \
    }

enum fbs_fail_on { FBS_FAIL_NONE = -2, FBS_FAIL_ANY = -1 }; /* or an enum fbs_severity */

struct fbs_cli_output {
    const char *format;
    const char *output;
    fbs_time_t now;
    const char *policy_file;
    int fail_on; /* enum fbs_fail_on or a severity */
    bool fail_on_standing;
    bool fail_on_verified; /* --fail-on-verified: only findings verified live fail */
    bool verify;           /* --verify (docs/verify.md) */
    struct fbs_verify_opts verify_opts;
    struct fbs_report_filter filter;
    bool show_secrets, quiet, verbose;
    int color; /* -1 auto */
    const char *salt;
    const char *ignore_file;
    const char *baseline_file;
    const char *write_baseline;
    /* Set by the command before fbs_cli_output_finish(): the report's target_info, or NULL. */
    const struct fbs_target *target_info;
    /* Set by fbs_cli_output_ready(). */
    struct fbs_policy policy;
    json_t *policy_json;
    struct fbs_vocab *vocab;
    struct fbs_ignores ignores; /* --ignore-file; sources add each target's */
    bool have_ignores;
    struct fbs_baseline baseline;
    bool have_baseline;
};

/* Point the pipeline options at what ready() loaded (policy, vocab, now, salt, exceptions). */
void fbs_cli_output_pipeline(struct fbs_cli_output *o, struct fbs_pipeline_opts *po);

void fbs_cli_output_init(struct fbs_cli_output *o);
/* Handle a shared option: 1 handled, 0 not a shared option, -1 bad value (message printed). */
int fbs_cli_output_option(struct fbs_cli_output *o, int c, const char *arg);
/* Check the options and load the policy and vocabularies: 0, or -1 (message printed). */
int fbs_cli_output_ready(struct fbs_cli_output *o);
/* Write the report of `r`; returns the exit status (cli.h). */
int fbs_cli_output_finish(struct fbs_cli_output *o, const struct fbs_scan_result *r,
                          const char *const *targets, size_t ntargets, size_t nrules);
void fbs_cli_output_release(struct fbs_cli_output *o);

#endif
