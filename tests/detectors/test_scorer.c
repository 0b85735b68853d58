/*
 * test_scorer.c - detectors/scorer.c with the age, expiry and usage dimensions: the
 * standing-access verdict for each rule of DESIGN.md and its edges, risk floors and caps,
 * severity, reasons; and detectors/policy.c (defaults, overrides, errors with file and line).
 */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

#define NOW    ((fbs_time_t)1795392000) /* 2026-11-23T00:00:00Z */
#define DAY    ((fbs_time_t)FBS_DAY)
#define NONE   INT64_MIN
#define STAGED 2

struct score_case {
    const char *name;
    bool fallback;
    enum fbs_source_kind source;
    int in_head;     /* git only; STAGED: staged for commit (--staged), in no commit */
    int64_t issued;  /* days before NOW, NONE = unknown */
    int64_t commit;  /* days before NOW, NONE = no commit */
    int64_t mtime;   /* days before NOW, NONE = none */
    int64_t expires; /* days after NOW (negative: in the past), NONE = no expiry */
    int64_t used;    /* days before NOW, NONE = unknown */
    int active;
    bool interactive;
    enum fbs_privilege priv;
    int standing;
    const char *reason; /* a substring one of the reasons must contain */
    int min_risk, max_risk;
    const char *severity; /* NULL: not checked */
};

static const struct score_case cases[] = {
    {"no expiry, 200 days old", true, FBS_SOURCE_FILE, -1, 200, NONE, NONE, NONE, NONE, -1, false,
     FBS_PRIV_UNKNOWN, 1, "issued 2026-05-07, 200 days ago > 7-day fallback window", 70, 100, NULL},
    {"no expiry, high privilege: critical", true, FBS_SOURCE_FILE, -1, 200, NONE, NONE, NONE, NONE,
     -1, false, FBS_PRIV_HIGH, 1, "no expiry", 90, 100, "critical"},
    {"expired: not standing", true, FBS_SOURCE_FILE, -1, 400, NONE, NONE, -30, NONE, -1, false,
     FBS_PRIV_HIGH, 0, "expired 2026-10-24, 30 days ago", 0, 20, "low"},
    {"issued 3 days ago: not yet", true, FBS_SOURCE_FILE, -1, 3, NONE, NONE, NONE, NONE, -1, false,
     FBS_PRIV_UNKNOWN, 0, "3 days ago within the 7-day fallback window", 0, 100, NULL},
    {"valid 4 days: time-bound", true, FBS_SOURCE_FILE, -1, 2, NONE, NONE, 2, NONE, -1, false,
     FBS_PRIV_UNKNOWN, 0, "valid 4 days (until 2026-11-25) within the 7-day fallback window", 0,
     100, NULL},
    {"committed long ago, expires in 4 days: time-bound", true, FBS_SOURCE_GIT, 1, NONE, 60, NONE,
     4, NONE, -1, false, FBS_PRIV_UNKNOWN, 0, "expires 2026-11-27, in 4 days within the", 0, 100,
     NULL},
    {"valid 10 years: standing", true, FBS_SOURCE_FILE, -1, 30, NONE, NONE, 3620, NONE, -1, false,
     FBS_PRIV_UNKNOWN, 1, "valid 3650 days (until 2036-10-21) > 7-day fallback window", 70, 100,
     NULL},
    {"removed from HEAD, in history, unexpired: standing", true, FBS_SOURCE_GIT, 0, NONE, 120, NONE,
     NONE, NONE, -1, false, FBS_PRIV_UNKNOWN, 1, "removed from HEAD in commit", 70, 100, NULL},
    {"staged: says so, no commit", true, FBS_SOURCE_GIT, STAGED, 120, NONE, NONE, NONE, NONE, -1,
     false, FBS_PRIV_UNKNOWN, 1, "staged for commit at infra/prod/breakglass.tfvars", 70, 100,
     NULL},
    {"still in HEAD: standing", true, FBS_SOURCE_GIT, 1, NONE, 120, NONE, NONE, NONE, -1, false,
     FBS_PRIV_UNKNOWN, 1, "still in HEAD at infra/prod/breakglass.tfvars", 70, 100, NULL},
    {"committed reason names the commit", true, FBS_SOURCE_GIT, 1, NONE, 120, NONE, NONE, NONE, -1,
     false, FBS_PRIV_UNKNOWN, 1, "committed 2026-07-26 in 0123456789ab, 120 days ago", 70, 100,
     NULL},
    {"file mtime is weak evidence", true, FBS_SOURCE_FILE, -1, NONE, NONE, 50, NONE, NONE, -1,
     false, FBS_PRIV_UNKNOWN, 1, "weak evidence", 70, 100, NULL},
    {"age unknown: not standing", true, FBS_SOURCE_STDIN, -1, NONE, NONE, NONE, NONE, NONE, -1,
     false, FBS_PRIV_UNKNOWN, 0, "age unknown", 0, 100, NULL},
    {"not fallback: never standing", false, FBS_SOURCE_FILE, -1, 400, NONE, NONE, NONE, NONE, -1,
     false, FBS_PRIV_HIGH, 0, "not a fallback credential (fallback confidence 0.00 < 0.50", 0, 100,
     NULL},
    {"cloud: used long after creation, expiring: standing", true, FBS_SOURCE_AWS, -1, 400, NONE,
     NONE, 300, 6, 1, false, FBS_PRIV_HIGH, 1, "394 days after it was created > 7-day", 90, 100,
     "critical"},
    {"cloud: inactive: not standing", true, FBS_SOURCE_AWS, -1, 400, NONE, NONE, NONE, 300, 0,
     false, FBS_PRIV_HIGH, 0, "inactive in aws", 0, 20, NULL},
    {"interactive, never used: not standing", true, FBS_SOURCE_AWS, -1, 400, NONE, NONE, NONE, NONE,
     1, true, FBS_PRIV_HIGH, 0, "console password with MFA", 0, 100, NULL},
    {"interactive, used routinely: standing", true, FBS_SOURCE_AWS, -1, 400, NONE, NONE, NONE, 2, 1,
     true, FBS_PRIV_HIGH, 1, "has become a routine one", 90, 100, NULL},
    {"interactive, used on day 1 only: not standing", true, FBS_SOURCE_AWS, -1, 400, NONE, NONE,
     NONE, 399, 1, true, FBS_PRIV_HIGH, 0, "not standing access", 0, 100, NULL},
};

struct env {
    struct fbs_vocab *vocab;
    struct fbs_policy policy;
    struct fbs_detect_ctx ctx;
};

static int setup(void **state)
{
    struct env *e = test_calloc(1, sizeof(*e));

    assert_int_equal(fbs_vocab_load_builtin(&e->vocab), 0);
    assert_int_equal(fbs_policy_load_builtin(&e->policy), 0);
    e->ctx.vocab = e->vocab;
    e->ctx.policy = &e->policy;
    e->ctx.fallback_threshold = e->policy.fallback_threshold;
    e->ctx.now = NOW;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    fbs_vocab_free(e->vocab);
    test_free(e);
    return 0;
}

static struct fbs_finding *make(const struct score_case *c)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->kind, "test_token"), 0);
    assert_int_equal(fbs_finding_set_str(&f->rule_id, "test.token"), 0);
    f->source = c->source;
    if (c->source == FBS_SOURCE_AWS) {
        assert_int_equal(
            fbs_finding_set_str(&f->resource, "arn:aws:iam::123456789012:user/breakglass"), 0);
    } else {
        /* The path of a fallback case says so; the rule does too (f->rule_fallback). */
        const char *rel = c->fallback ? "infra/prod/breakglass.tfvars" : "app/config.yml";
        char path[64];

        snprintf(path, sizeof(path), "repo/%s", rel);
        assert_int_equal(fbs_finding_set_str(&f->path, path), 0);
        assert_int_equal(fbs_finding_set_str(&f->rel_path, rel), 0);
    }
    f->rule_fallback = c->fallback;
    f->in_head = c->in_head == STAGED ? 0 : c->in_head;
    f->staged = c->in_head == STAGED;
    f->active = c->active;
    f->interactive = c->interactive;
    /* The table's interactive accounts are console passwords with MFA (test_scorer__cloud covers
     * the others). */
    if (c->interactive)
        assert_int_equal(json_object_set_new(f->facts, "mfa_enabled", json_true()), 0);
    f->privilege = c->priv;
    if (c->issued != NONE) {
        f->issued = NOW - c->issued * DAY;
        f->has_issued = true;
    }
    if (c->commit != NONE) {
        f->committed = NOW - c->commit * DAY;
        f->has_committed = true;
        assert_int_equal(
            fbs_finding_set_str(&f->commit, "0123456789abcdef0123456789abcdef01234567"), 0);
        if (c->in_head == 0)
            assert_int_equal(
                fbs_finding_set_str(&f->removed_in, "fedcba9876543210fedcba9876543210fedcba98"), 0);
    }
    if (c->mtime != NONE)
        f->file_mtime = NOW - c->mtime * DAY;
    if (c->expires != NONE) {
        f->expires = NOW + c->expires * DAY;
        f->has_expires = true;
    }
    if (c->used != NONE) {
        f->last_used = NOW - c->used * DAY;
        f->has_last_used = true;
    }
    return f;
}

static bool has_reason(const struct fbs_finding *f, const char *needle)
{
    size_t i;

    for (i = 0; i < f->nreasons; i++)
        if (strstr(f->reasons[i], needle))
            return true;
    return false;
}

static void dump_reasons(const struct score_case *c, const struct fbs_finding *f)
{
    size_t i;

    print_message("case '%s': standing %d risk %d\n", c->name, f->standing, f->risk);
    for (i = 0; i < f->nreasons; i++)
        print_message("  reason: %s\n", f->reasons[i]);
}

static void test_scorer__cases(void **state)
{
    struct env *e = *state;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct score_case *c = &cases[i];
        struct fbs_finding *f = make(c);

        assert_int_equal(fbs_detectors_run_stages(f, &e->ctx, FBS_STAGE_DIMENSION, FBS_STAGE_SCORE),
                         0);
        if (f->standing != c->standing || !has_reason(f, c->reason) || f->risk < c->min_risk ||
            f->risk > c->max_risk || (c->severity && strcmp(f->severity, c->severity)))
            dump_reasons(c, f);
        assert_int_equal(f->standing, c->standing);
        assert_true(has_reason(f, c->reason));
        if (c->in_head == STAGED) /* not a commit's: no history, no "commit ?" */
            assert_false(has_reason(f, "history") || has_reason(f, "commit ?"));
        assert_in_range(f->risk, c->min_risk, c->max_risk);
        if (c->severity)
            assert_string_equal(f->severity, c->severity);
        assert_non_null(f->severity);
        fbs_finding_free(f);
    }
}

static void test_scorer__policy_window_changes_verdict(void **state)
{
    struct env *e = *state;
    struct fbs_policy p = e->policy;
    struct fbs_detect_ctx ctx = e->ctx;
    const struct score_case *c = &cases[0]; /* no expiry, 200 days old */
    struct fbs_finding *f = make(c);

    ctx.policy = &p;
    assert_int_equal(fbs_policy_apply_text(&p, "p.yml", "fallback_window: 365d\n", 22), 0);
    assert_int_equal(fbs_detectors_run_stages(f, &ctx, FBS_STAGE_DIMENSION, FBS_STAGE_SCORE), 0);
    assert_int_equal(f->standing, 0);
    assert_true(has_reason(f, "200 days ago within the 365-day fallback window"));
    fbs_finding_free(f);
}

/* Cloud records (issue 14): rotation, MFA, usage, root; each reason checked against its facts. */
struct cloud_case {
    const char *name, *kind;
    int64_t issued, used; /* days before NOW, NONE = unknown */
    bool interactive;
    enum fbs_privilege priv;
    const char *facts; /* JSON object merged into f->facts; %s: none */
    int standing;
    const char *want[3];   /* reasons that must be there */
    const char *unwant[2]; /* substrings no reason may contain */
};

static const struct cloud_case cloud_cases[] = {
    {"system:masters client certificate: RBAC cannot revoke it",
     "kubeconfig_client_key",
     300,
     NONE,
     false,
     FBS_PRIV_HIGH,
     "{\"kubernetes\": {\"system_masters\": true}}",
     1,
     {"client certificate in the system:masters group: cluster-admin that no RBAC binding grants "
      "or can revoke; only rotating the cluster CA or its expiry ends it",
      NULL, NULL},
     {NULL, NULL}},
    {"secret rotated every 30 days, 3 days ago: not standing",
     "aws_secret",
     3,
     1,
     false,
     FBS_PRIV_UNKNOWN,
     "{\"issued_from\": \"last_rotation\", \"rotation_enabled\": true, \"rotation_days\": 30, "
     "\"last_rotated\": \"2026-11-20T00:00:00Z\", \"next_rotation\": \"2026-12-20T00:00:00Z\"}",
     0,
     {"value last rotated 2026-11-20, 3 days ago within the 7-day fallback window",
      "rotated automatically every 30 days (next rotation 2026-12-20)",
      "not standing access: not older than the fallback window yet"},
     {"issued ", "dormant"}},
    {"secret rotation missed: its own reason, standing",
     "aws_secret",
     60,
     NONE,
     false,
     FBS_PRIV_UNKNOWN,
     "{\"issued_from\": \"last_rotation\", \"rotation_enabled\": true, \"rotation_days\": 30, "
     "\"last_rotated\": \"2026-09-24T00:00:00Z\", \"next_rotation\": \"2026-10-24T00:00:00Z\"}",
     1,
     {"rotation every 30 days was missed: next rotation was due 2026-10-24, 30 days ago",
      "value last rotated 2026-09-24, 60 days ago > 7-day", NULL},
     {"time-bound", NULL}},
    {"secret rotated every 5 days, 6 days old, kept: time-bound",
     "aws_secret",
     6,
     1,
     false,
     FBS_PRIV_UNKNOWN,
     "{\"issued_from\": \"last_rotation\", \"rotation_enabled\": true, \"rotation_days\": 5, "
     "\"last_rotated\": \"2026-11-17T00:00:00Z\", \"next_rotation\": \"2026-11-24T00:00:00Z\"}",
     0,
     {"rotation period within the 7-day fallback window: time-bound", NULL, NULL},
     {NULL, NULL}},
    {"secret on a cron() schedule: period from its rotation dates",
     "aws_secret",
     3,
     1,
     false,
     FBS_PRIV_UNKNOWN,
     "{\"issued_from\": \"last_rotation\", \"rotation_enabled\": true, "
     "\"last_rotated\": \"2026-11-20T00:00:00Z\", \"next_rotation\": \"2026-11-27T00:00:00Z\"}",
     0,
     {"rotated automatically every 7 days (next rotation 2026-11-27): rotation period within the "
      "7-day fallback window: time-bound",
      NULL, NULL},
     {NULL, NULL}},
    {"privileged console password without MFA: standing",
     "aws_console_password",
     3,
     NONE,
     true,
     FBS_PRIV_HIGH,
     "{\"mfa_enabled\": false, \"mfa_devices\": 0}",
     1,
     {"console password without MFA: the password alone opens the account",
      "a privileged account whose password alone signs in is standing access", NULL},
     {"time-bound", "MFA ("}},
    {"privileged console password with MFA: not standing",
     "aws_console_password",
     300,
     NONE,
     true,
     FBS_PRIV_HIGH,
     "{\"mfa_enabled\": true, \"mfa_devices\": 1}",
     0,
     {"console password with MFA (1 device): signing in also needs the MFA device",
      "not standing access: an interactive account with MFA, not used as a routine path", NULL},
     {"time-bound", "no expiry"}},
    {"console password, MFA unknown, 300 days: standing",
     "aws_console_password",
     300,
     NONE,
     true,
     FBS_PRIV_NORMAL,
     "{}",
     1,
     {"console password, MFA not known", "no expiry", NULL},
     {"time-bound", NULL}},
    {"admin role others may assume without MFA: standing",
     "aws_role",
     3,
     NONE,
     true,
     FBS_PRIV_HIGH,
     "{\"trust\": {\"outside\": true, \"accounts\": [\"111122223333\", \"444455556666\"], "
     "\"federated\": [\"arn:aws:iam::1:saml-provider/idp\"], \"public\": false, "
     "\"mfa_required\": false, \"external_id_required\": true}}",
     1,
     {"assumable from outside the account (accounts 111122223333, 444455556666; identity "
      "provider arn:aws:iam::1:saml-provider/idp) without an MFA condition (an ExternalId is "
      "required: protection against a confused deputy, not a second factor)",
      "a privileged role that outsiders may assume without MFA is standing access", NULL},
     {"not standing", NULL}},
    {"admin role others may assume only with MFA: not standing",
     "aws_role",
     300,
     NONE,
     true,
     FBS_PRIV_HIGH,
     "{\"trust\": {\"outside\": true, \"accounts\": [\"111122223333\"], \"federated\": [], "
     "\"public\": false, \"mfa_required\": true, \"external_id_required\": false}}",
     0,
     {"assumable from outside the account (account 111122223333), only with MFA",
      "not standing access: a role assumed on demand", NULL},
     {NULL, NULL}},
    {"role never used: not standing, no time-bound",
     "aws_role",
     300,
     NONE,
     true,
     FBS_PRIV_HIGH,
     "{}",
     0,
     {"a role is assumed on demand",
      "not standing access: a role assumed on demand and not used as a routine path", NULL},
     {"time-bound", NULL}},
    {"key never used since creation 800 days ago: dormant standing",
     "aws_access_key",
     800,
     NONE,
     false,
     FBS_PRIV_HIGH,
     "{\"never_used\": true}",
     1,
     {"never used since it was created 2024-09-14, 800 days ago: dormant standing access", NULL,
      NULL},
     {NULL, NULL}},
    {"key unused 59 days: dormant",
     "aws_access_key",
     5,
     59,
     false,
     FBS_PRIV_NORMAL,
     "{}",
     0,
     {"last used 2026-09-25, 59 days ago > 45-day unused_max_age: dormant", NULL, NULL},
     {NULL, NULL}},
    {"root key known from the summary only: standing",
     "aws_root_access_key",
     NONE,
     NONE,
     false,
     FBS_PRIV_HIGH,
     "{\"evidence_source\": \"iam:GetAccountSummary\"}",
     1,
     {"age unknown", "a root access key should not exist (CIS AWS 1.4)", NULL},
     {"not standing", NULL}},
    {"root sign-in without MFA: standing",
     "aws_root_console_password",
     NONE,
     2,
     true,
     FBS_PRIV_HIGH,
     "{\"mfa_enabled\": false}",
     1,
     {"console password without MFA", "a privileged account whose password alone signs in", NULL},
     {"not standing", NULL}},
};

static void test_scorer__cloud(void **state)
{
    struct env *e = *state;
    size_t i, j;

    for (i = 0; i < sizeof(cloud_cases) / sizeof(cloud_cases[0]); i++) {
        const struct cloud_case *c = &cloud_cases[i];
        struct fbs_finding *f = fbs_finding_new();
        json_t *facts = json_loads(c->facts, 0, NULL);
        bool ok;

        assert_non_null(f);
        assert_non_null(facts);
        assert_int_equal(json_object_update(f->facts, facts), 0);
        json_decref(facts);
        assert_int_equal(fbs_finding_set_str(&f->kind, c->kind), 0);
        assert_int_equal(fbs_finding_set_str(&f->rule_id, "test.cloud"), 0);
        assert_int_equal(
            fbs_finding_set_str(&f->resource, "arn:aws:iam::123456789012:user/breakglass"), 0);
        f->source = FBS_SOURCE_AWS;
        f->rule_fallback = true;
        f->active = 1;
        f->interactive = c->interactive;
        f->privilege = c->priv;
        if (c->issued != NONE) {
            f->issued = NOW - c->issued * DAY;
            f->has_issued = true;
        }
        if (c->used != NONE) {
            f->last_used = NOW - c->used * DAY;
            f->has_last_used = true;
        }
        assert_int_equal(fbs_detectors_run_stages(f, &e->ctx, FBS_STAGE_DIMENSION, FBS_STAGE_SCORE),
                         0);
        ok = f->standing == c->standing;
        for (j = 0; j < 3; j++)
            if (c->want[j] && !has_reason(f, c->want[j]))
                ok = false;
        for (j = 0; j < 2; j++)
            if (c->unwant[j] && has_reason(f, c->unwant[j]))
                ok = false;
        if (!ok) {
            print_message("cloud case '%s'\n", c->name);
            dump_reasons((const struct score_case *)&cases[0], f);
        }
        assert_true(ok);
        fbs_finding_free(f);
    }
}

static void test_scorer__fallback_remediation(void **state)
{
    struct env *e = *state;
    struct fbs_finding *f = make(&cases[0]);

    assert_int_equal(fbs_finding_set_str(&f->remediation, "Rotate the key."), 0);
    assert_int_equal(fbs_detectors_run_stages(f, &e->ctx, FBS_STAGE_DIMENSION, FBS_STAGE_SCORE), 0);
    assert_string_equal(f->remediation, "Rotate the key."); /* the rule's stays the rule's */
    assert_non_null(f->fallback_advice);
    assert_non_null(strstr(f->fallback_advice, "time-bound"));
    fbs_finding_free(f);
}

struct policy_error {
    const char *text;
    const char *message;
};

static void test_policy__errors(void **state)
{
    static const struct policy_error errs[] = {
        {"fallback_window: 7d\nfalback_threshold: 0.4\n", "'p.yml': line 2: unknown key 'falback"},
        {"fallback_window: 7 days\n", "line 1: 'fallback_window' must be a duration"},
        {"fallback_window: -3\n", "line 1: 'fallback_window' must be a duration"},
        {"fallback_threshold: 1.5\n", "line 1: 'fallback_threshold' must be a number from 0 to 1"},
        {"weights:\n  fallback: 1\n  agee: 1\n", "line 3: unknown dimension 'agee'"},
        {"weights:\n  fallback: 0\n  age: 0\n  expiry: 0\n  privilege: 0\n  custody: 0\n  usage: "
         "0\n",
         "the weights must not all be zero"},
        {"severity:\n  high: 95\n", "severity 'critical' must not be below"},
        {"severity:\n  urgent: 95\n", "line 2: unknown severity 'urgent'"},
        {"standing_min_risk: 70.5\n", "must be an integer from 0 to 100"},
        {"- a\n- b\n", "a policy must be a mapping"},
        {"fallback_window: [1\n", "'p.yml'"},
    };
    struct fbs_policy p;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        assert_int_equal(fbs_policy_load_builtin(&p), 0);
        assert_int_equal(fbs_policy_apply_text(&p, "p.yml", errs[i].text, strlen(errs[i].text)),
                         FBS_EPARSE);
        if (!strstr(fbs_error_message(), errs[i].message))
            print_message("policy case %zu: got '%s'\n", i, fbs_error_message());
        assert_non_null(strstr(fbs_error_message(), errs[i].message));
    }
}

static void test_policy__defaults_and_overrides(void **state)
{
    static const char text[] = "fallback_window: 36h\nrotation_max_age: 2w\nweights:\n  usage: 0\n"
                               "severity:\n  critical: 95\n";
    struct fbs_policy p;
    json_t *j;

    (void)state;
    assert_int_equal(fbs_policy_load_builtin(&p), 0);
    assert_int_equal(p.fallback_window, 7 * DAY);
    assert_int_equal(p.rotation_max_age, 90 * DAY);
    assert_true(p.fallback_threshold > 0.49 && p.fallback_threshold < 0.51);
    assert_int_equal(fbs_policy_severity(&p, 90), FBS_SEV_CRITICAL);
    assert_int_equal(fbs_policy_severity(&p, 89), FBS_SEV_HIGH);
    assert_int_equal(fbs_policy_severity(&p, 19), FBS_SEV_INFO);
    assert_int_equal(fbs_policy_apply_text(&p, "p.yml", text, strlen(text)), 0);
    assert_int_equal(p.fallback_window, 36 * 3600);
    assert_int_equal(p.rotation_max_age, 14 * DAY);
    assert_true(p.weights[FBS_DIM_USAGE] == 0.0);
    assert_true(p.weights[FBS_DIM_FALLBACK] > 0.0); /* untouched */
    assert_int_equal(fbs_policy_severity(&p, 94), FBS_SEV_HIGH);
    j = fbs_policy_to_json(&p);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "fallback_window")), "36h");
    assert_string_equal(json_string_value(json_object_get(j, "rotation_max_age")), "14d");
    json_decref(j);
    assert_int_equal(fbs_policy_apply_file(&p, "/nonexistent/policy.yml"), FBS_EIO);
    assert_int_equal(fbs_severity_parse("bogus"), -1);
    assert_string_equal(fbs_severity_name(FBS_SEV_MEDIUM), "medium");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scorer__cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scorer__policy_window_changes_verdict, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_scorer__fallback_remediation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scorer__cloud, setup, teardown),
        cmocka_unit_test(test_policy__errors),
        cmocka_unit_test(test_policy__defaults_and_overrides),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
