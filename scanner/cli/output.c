/*
 * output.c - the report options every reporting command shares, and the report/exit-code step.
 */
#include "output.h"
#include "cli.h"
#include "help.h"
#include "../../reporters/reporter.h"
#include "../core/afile.h"
#include "../core/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/banned.h"

#define SEVERITIES "info low medium high critical"

static const struct fbs_help_opt report_opts[] = {
    {"-f, --format FMT", "text (default), json, jsonl, sarif, gitlab, html",
     "text json jsonl sarif gitlab html"},
    {"-o, --output FILE", "write the report to FILE (default: stdout)", NULL},
    {"--now TIME", "reference time for ages and expiry, ISO-8601 (default: the clock)", NULL},
    {"--policy FILE", "override keys of the standing-access policy (YAML, docs/policy.md)", NULL},
    {"--only-fallback", "report fallback credentials only", NULL},
    {"--min-severity SEV",
     "report findings of severity SEV or above\n(info, low, medium, high, critical)", SEVERITIES},
    {"--fail-on WHEN",
     "exit 1 when a reported finding is at least WHEN: a severity,\n'any' (default) or 'none'",
     "any none " SEVERITIES},
    {"--fail-on-standing",
     "exit 1 only for standing-access findings (with --fail-on SEV:\nstanding ones of at least "
     "SEV)",
     NULL},
    {"--verify",
     "check each verifiable secret once with its issuer's identity endpoint\n(read-only, "
     "docs/verify.md); the answer feeds the verdict",
     NULL},
    {"--verify-internal", "with --verify, also endpoints taken from the file's context (Vault)",
     NULL},
    {"--verify-timeout S", "with --verify, seconds per request attempt (default 10)", NULL},
    {"--only-verified", "report findings verified live only", NULL},
    {"--fail-on-verified", "exit 1 only for findings verified live", NULL},
    {"--show-secrets", "print secrets unredacted (they are redacted by default)", NULL},
    {"--fingerprint-salt S", "extra salt for finding ids (or FALLBACK_SCAN_SALT)", NULL},
    {"-q, --quiet", "no progress line on stderr", NULL},
    {"-v, --verbose", "list every skipped item in the report", NULL},
    {"--color, --no-color",
     "colour in the text report (default: when stdout is a terminal\nand NO_COLOR is not set)",
     NULL},
    {NULL, NULL, NULL},
};

const struct fbs_help_section fbs_cli_output_help_report = {"report", report_opts};

static const struct fbs_help_opt exception_opts[] = {
    {"--ignore-file FILE",
     "more ignore entries (fingerprint:, rule:, path:GLOB, each with\n'# reason' and optional "
     "expires=DATE); each target's\n.fallbackscanignore is always read",
     NULL},
    {"--baseline FILE",
     "a previous JSON/SARIF report: its findings are 'unchanged' and do\nnot fail the scan; the "
     "others are 'new'",
     NULL},
    {"--write-baseline FILE", "write this scan's findings as a baseline (JSON report)", NULL},
    {"--show-suppressed",
     "also report findings suppressed by allow comments or ignore\nentries (SARIF always carries "
     "them, as suppressions)",
     NULL},
    {NULL, NULL, NULL},
};

const struct fbs_help_section fbs_cli_output_help_exceptions = {"exceptions", exception_opts};

void fbs_cli_output_init(struct fbs_cli_output *o)
{
    memset(o, 0, sizeof(*o));
    o->format = "text";
    o->now = fbs_time_now();
    o->fail_on = FBS_FAIL_ANY;
    o->filter.min_severity = FBS_SEV_INFO;
    o->color = -1;
    o->salt = getenv("FALLBACK_SCAN_SALT");
}

static int severity_arg(const char *opt, const char *arg)
{
    int s = fbs_severity_parse(arg);

    if (s < 0)
        fbs_cli_error("%s: unknown severity '%s' (known: info, low, medium, high, critical)", opt,
                      arg);
    return s;
}

int fbs_cli_output_option(struct fbs_cli_output *o, int c, const char *arg)
{
    switch (c) {
    case 'f':
        o->format = arg;
        return 1;
    case 'o':
        o->output = arg;
        return 1;
    case 'q':
        o->quiet = true;
        return 1;
    case 'v':
        o->verbose = true;
        return 1;
    case FBS_OPT_SHOW_SECRETS:
        o->show_secrets = true;
        return 1;
    case FBS_OPT_NOW:
        if (fbs_time_parse(&o->now, arg) < 0) {
            fbs_cli_fail("--now");
            return -1;
        }
        return 1;
    case FBS_OPT_POLICY:
        o->policy_file = arg;
        return 1;
    case FBS_OPT_FAIL_ON:
        if (!strcmp(arg, "none"))
            o->fail_on = FBS_FAIL_NONE;
        else if (!strcmp(arg, "any"))
            o->fail_on = FBS_FAIL_ANY;
        else if ((o->fail_on = severity_arg("--fail-on", arg)) < 0)
            return -1;
        return 1;
    case FBS_OPT_FAIL_ON_STANDING:
        o->fail_on_standing = true;
        return 1;
    case FBS_OPT_ONLY_FALLBACK:
        o->filter.only_fallback = true;
        return 1;
    case FBS_OPT_MIN_SEVERITY:
        if ((o->filter.min_severity = severity_arg("--min-severity", arg)) < 0)
            return -1;
        return 1;
    case FBS_OPT_COLOR:
        o->color = 1;
        return 1;
    case FBS_OPT_NO_COLOR:
        o->color = 0;
        return 1;
    case FBS_OPT_SALT:
        o->salt = arg;
        return 1;
    case FBS_OPT_IGNORE_FILE:
        o->ignore_file = arg;
        return 1;
    case FBS_OPT_BASELINE:
        o->baseline_file = arg;
        return 1;
    case FBS_OPT_WRITE_BASELINE:
        o->write_baseline = arg;
        return 1;
    case FBS_OPT_SHOW_SUPPRESSED:
        o->filter.show_suppressed = true;
        return 1;
    case FBS_OPT_VERIFY:
        o->verify = true;
        return 1;
    case FBS_OPT_VERIFY_INTERNAL:
        o->verify_opts.internal = true;
        return 1;
    case FBS_OPT_ONLY_VERIFIED:
        o->filter.only_verified = true;
        return 1;
    case FBS_OPT_FAIL_ON_VERIFIED:
        o->fail_on_verified = true;
        return 1;
    case FBS_OPT_VERIFY_TIMEOUT: {
        char *end;
        long s = strtol(arg, &end, 10);

        if (end == arg || *end || s < 1 || s > 600) {
            fbs_cli_error("--verify-timeout: '%s' is not a number of seconds 1..600", arg);
            return -1;
        }
        o->verify_opts.timeout_s = s;
        return 1;
    }
    default:
        return 0;
    }
}

int fbs_cli_output_ready(struct fbs_cli_output *o)
{
    if (!fbs_reporter_find(o->format)) {
        fbs_cli_error("--format: unknown format '%s' (known: %s)", o->format, fbs_reporter_names());
        return -1;
    }
    if (o->fail_on == FBS_FAIL_NONE && o->fail_on_standing) {
        fbs_cli_error("--fail-on none and --fail-on-standing contradict each other");
        return -1;
    }
    if (o->fail_on == FBS_FAIL_NONE && o->fail_on_verified) {
        fbs_cli_error("--fail-on none and --fail-on-verified contradict each other");
        return -1;
    }
    if (!o->verify && (o->verify_opts.internal || o->filter.only_verified || o->fail_on_verified ||
                       o->verify_opts.timeout_s)) {
        fbs_cli_error("--verify-internal, --verify-timeout, --only-verified and --fail-on-verified "
                      "need --verify");
        return -1;
    }
    if (o->verify) {
        /* Test-only: point verifiers at loopback servers; anything else is refused. */
        o->verify_opts.override = getenv("FALLBACK_SCAN_VERIFY_OVERRIDE");
        if (o->verify_opts.override && *o->verify_opts.override &&
            fbs_verify_check_override(o->verify_opts.override) < 0) {
            fbs_cli_fail(NULL);
            return -1;
        }
    }
    if (fbs_policy_load_builtin(&o->policy) < 0 ||
        (o->policy_file && fbs_policy_apply_file(&o->policy, o->policy_file) < 0) ||
        fbs_vocab_load_builtin(&o->vocab) < 0) {
        fbs_cli_fail(NULL);
        return -1;
    }
    o->policy_json = fbs_policy_to_json(&o->policy);
    if (!o->policy_json) {
        fbs_cli_error("out of memory");
        return -1;
    }
    if (fbs_ignores_init(&o->ignores) < 0) {
        fbs_cli_fail(NULL);
        return -1;
    }
    o->have_ignores = true;
    if (o->ignore_file) {
        int rc = fbs_ignores_load_file(&o->ignores, o->ignore_file, NULL);

        if (rc == FBS_ENOTFOUND)
            fbs_error_set(rc, "cannot read ignore file '%s': no such file", o->ignore_file);
        if (rc < 0) {
            fbs_cli_fail("--ignore-file");
            return -1;
        }
    }
    if (o->baseline_file) {
        o->have_baseline = true;
        if (fbs_baseline_load(&o->baseline, o->baseline_file) < 0) {
            fbs_cli_fail("--baseline");
            return -1;
        }
    }
    return 0;
}

void fbs_cli_output_pipeline(struct fbs_cli_output *o, struct fbs_pipeline_opts *po)
{
    po->vocab = o->vocab;
    po->policy = &o->policy;
    po->now = o->now;
    po->fingerprint_salt = o->salt;
    po->ignores = o->have_ignores ? &o->ignores : NULL;
    po->baseline = o->have_baseline ? &o->baseline : NULL;
    po->verify = o->verify ? &o->verify_opts : NULL;
}

/* Whether a reported finding makes the exit status 1. */
static bool fails(const struct fbs_cli_output *o, const struct fbs_finding *f)
{
    if (o->fail_on == FBS_FAIL_NONE || f->suppression || f->baseline == FBS_BASELINE_UNCHANGED)
        return false;
    if (o->fail_on_standing && f->standing != 1)
        return false;
    if (o->fail_on_verified && !fbs_finding_verified_live(f))
        return false;
    return o->fail_on == FBS_FAIL_ANY || fbs_severity_parse(f->severity) >= o->fail_on;
}

static int exit_status(const struct fbs_cli_output *o, const struct fbs_scan_result *r)
{
    size_t i;

    for (i = 0; i < r->findings.len; i++) {
        const struct fbs_finding *f = r->findings.items[i];

        if (fbs_report_filter_pass(&o->filter, f) && fails(o, f))
            return FBS_EXIT_FINDINGS;
    }
    return atomic_load(&r->stats.errors) ? FBS_EXIT_INCOMPLETE : FBS_EXIT_OK;
}

/* --write-baseline: every finding that counts (not suppressed), as a JSON report. */
static int write_baseline(const struct fbs_cli_output *o, const struct fbs_scan_result *r,
                          const struct fbs_report_info *info)
{
    struct fbs_report_filter all = {.min_severity = FBS_SEV_INFO};
    struct fbs_report_opts ro;
    struct fbs_afile af;
    int rc = fbs_afile_open(&af, o->write_baseline);

    if (rc < 0)
        return rc;
    memset(&ro, 0, sizeof(ro));
    ro.out = af.f;
    rc = fbs_pipeline_report(r, &all, &fbs_reporter_json, &ro, info);
    if (rc == 0)
        return fbs_afile_commit(&af);
    fbs_afile_abort(&af);
    return rc;
}

int fbs_cli_output_finish(struct fbs_cli_output *o, const struct fbs_scan_result *r,
                          const char *const *targets, size_t ntargets, size_t nrules)
{
    struct fbs_report_opts ro;
    struct fbs_report_info ri;
    struct fbs_afile af = {0};
    FILE *out = stdout;
    int rc;

    /* -o is replaced atomically: a failed write leaves the previous report whole. */
    if (o->output) {
        if (fbs_afile_open(&af, o->output) < 0)
            return fbs_cli_fail(NULL);
        out = af.f;
    }
    memset(&ro, 0, sizeof(ro));
    ro.out = out;
    ro.show_secrets = o->show_secrets;
    ro.color = o->color >= 0 ? o->color == 1
                             : (!o->output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
    memset(&ri, 0, sizeof(ri));
    ri.tool_version = FBS_VERSION;
    ri.now = o->now;
    ri.targets = targets;
    ri.ntargets = ntargets;
    ri.target_info = o->target_info;
    ri.stats = &r->stats;
    ri.diags = &r->diags;
    ri.nrules = nrules;
    ri.policy = o->policy_json;
    ri.absent = r->absent;
    ri.partial = r->partial;
    ri.show_suppressed = o->filter.show_suppressed;
    rc = fbs_pipeline_report(r, &o->filter, fbs_reporter_find(o->format), &ro, &ri);
    if (o->output) {
        if (rc == 0)
            rc = fbs_afile_commit(&af);
        else
            fbs_afile_abort(&af);
    } else if (rc == 0 && fflush(out) != 0) {
        rc = fbs_error_set(FBS_EIO, "cannot write the report: %s", strerror(errno));
    }
    if (rc == 0 && o->write_baseline)
        rc = write_baseline(o, r, &ri);
    if (rc < 0)
        return fbs_cli_fail(NULL);
    return exit_status(o, r);
}

void fbs_cli_output_release(struct fbs_cli_output *o)
{
    json_decref(o->policy_json);
    o->policy_json = NULL;
    fbs_vocab_free(o->vocab);
    o->vocab = NULL;
    if (o->have_ignores)
        fbs_ignores_release(&o->ignores);
    o->have_ignores = false;
    if (o->have_baseline)
        fbs_baseline_release(&o->baseline);
    o->have_baseline = false;
}
