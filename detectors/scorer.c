/*
 * scorer.c - dimension scores -> risk (0..100), severity, and the standing-access verdict with
 * its reasons, under the policy (DESIGN.md, "Standing access - the default policy").
 *
 * A fallback credential is standing access when it is live (not expired, not deactivated; in
 * HEAD, in history only, or active in a cloud inventory), its age exceeds the fallback window,
 * and it has no expiry or a validity longer than the window. A cloud fallback credential last
 * used more than the window after it was created is standing access whatever its expiry.
 * Interactive fallback accounts with MFA (a console password whose sign-in also needs the MFA
 * device) and roles (assumed on demand, not held) are standing access only by that usage rule:
 * "no expiry" alone is how emergency-access guidance asks them to be kept. A console password
 * without MFA (or whose MFA is unknown) is judged like a key: the password alone opens the
 * account. An automatically rotated secret is bounded by its rotation period while the rotation
 * is kept; a missed rotation bounds nothing. A fallback credential never used since it was
 * created is dormant standing access when it is old and unbounded, and the reason says so.
 * Non-fallback credentials are never standing access; they are still scored.
 *
 * Risk is the weighted mean of the known dimension scores, then a standing-access finding is
 * raised to the policy's floor (a higher one when its privilege is high) and an expired or
 * deactivated credential is capped. Every reason is a short sentence naming the dates, days and
 * the policy value it was compared against.
 */
#include "detector.h"
#include "../scanner/core/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../scanner/core/banned.h"

/* "YYYY-MM-DD" */
static void day(char out[FBS_TIME_ISO_LEN], fbs_time_t t)
{
    fbs_time_format(out, t);
    out[10] = '\0';
}

/* "7-day" / "36-hour" for a window in seconds. */
static void span(char out[32], int64_t secs)
{
    if (secs % FBS_DAY == 0)
        snprintf(out, 32, "%lld-day", (long long)(secs / FBS_DAY));
    else if (secs % 3600 == 0)
        snprintf(out, 32, "%lld-hour", (long long)(secs / 3600));
    else
        snprintf(out, 32, "%lld-second", (long long)secs);
}

struct verdict {
    struct fbs_finding *f;
    const struct fbs_detect_ctx *ctx;
    char win[32];
    bool live, old, unbounded, routine;
    bool exempt;   /* interactive with MFA, or a role: "no expiry" is not held against it */
    bool rotating; /* bounded by a rotation that is kept */
    bool always;   /* standing access whatever its age (judge_always) */
    int rc;
};

#define REASON(v, ...)                                                                             \
    do {                                                                                           \
        if ((v)->rc == 0)                                                                          \
            (v)->rc = fbs_finding_add_reason((v)->f, __VA_ARGS__);                                 \
    } while (0)

static const char *short_commit(const char *c, char buf[13])
{
    snprintf(buf, 13, "%.12s", c ? c : "?");
    return buf;
}

/* facts.<key> as a string, or NULL. */
static const char *fact(const struct fbs_finding *f, const char *key)
{
    return json_string_value(json_object_get(f->facts, key));
}

/* "36 hours" / "1 hour" / "32 days" for a lifetime in seconds. */
static void lifetime(char out[32], int64_t secs)
{
    if (secs % FBS_DAY == 0)
        snprintf(out, 32, "%lld day%s", (long long)(secs / FBS_DAY), secs == FBS_DAY ? "" : "s");
    else if (secs % 3600 == 0)
        snprintf(out, 32, "%lld hour%s", (long long)(secs / 3600), secs == 3600 ? "" : "s");
    else
        snprintf(out, 32, "%lld seconds", (long long)secs);
}

/* Why an expiry bounded by the class's maximum lifetime is what it is. */
static void bound_reason(struct verdict *v, bool expired)
{
    struct fbs_finding *f = v->f;
    const char *cls = NULL, *from = fact(f, "expires_bound_from");
    int64_t max = fbs_policy_max_lifetime(v->ctx->policy, f, &cls);
    char d[FBS_TIME_ISO_LEN], base[FBS_TIME_ISO_LEN], life[32];

    lifetime(life, max);
    day(d, f->expires);
    day(base, from && !strcmp(from, "issued")   ? f->issued
              : from && !strcmp(from, "commit") ? f->committed
                                                : f->file_mtime);
    if (expired)
        REASON(v,
               "expired by %s at the latest, %lld days ago: a credential of class %s lives at most "
               "%s and this one was %s %s",
               d, (long long)fbs_time_days_between(f->expires, v->ctx->now), cls ? cls : "?", life,
               from && !strcmp(from, "issued")   ? "issued"
               : from && !strcmp(from, "commit") ? "committed"
                                                 : "in a file modified",
               base);
    else
        REASON(v, "expires by %s at the latest: a credential of class %s lives at most %s%s", d,
               cls ? cls : "?", life, v->unbounded ? "" : ": time-bound");
}

/* Live: not expired, not deactivated. Also says where it is. */
static void judge_live(struct verdict *v)
{
    struct fbs_finding *f = v->f;
    const char *from = fact(f, "expires_from");
    char d[FBS_TIME_ISO_LEN], c[13], r[13];

    v->live = true;
    if (f->has_expires && f->expires <= v->ctx->now && from && !strcmp(from, "max_lifetime")) {
        bound_reason(v, true);
        v->live = false;
    } else if (f->has_expires && f->expires <= v->ctx->now) {
        day(d, f->expires);
        REASON(v, "expired %s, %lld days ago", d,
               (long long)fbs_time_days_between(f->expires, v->ctx->now));
        v->live = false;
    }
    if (f->active == 0) {
        REASON(v, "inactive in %s", fbs_source_kind_name(f->source));
        v->live = false;
    }
    if (!v->live)
        return;
    if (f->source >= FBS_SOURCE_AWS)
        REASON(v, "active in %s at %s", fbs_source_kind_name(f->source),
               f->resource ? f->resource : "?");
    else if (f->source == FBS_SOURCE_GIT && f->staged)
        REASON(v, "staged for commit at %s", f->rel_path ? f->rel_path : f->path);
    else if (f->source == FBS_SOURCE_GIT && f->in_head == 0 && f->rel_path &&
             !strcmp(f->rel_path, "<commit message>")) /* pseudo-paths: docs/report.md */
        REASON(v, "in the message of commit %s: history is exposure until it expires or is rotated",
               short_commit(f->commit, c));
    else if (f->source == FBS_SOURCE_GIT && f->in_head == 0 && f->rel_path &&
             !strncmp(f->rel_path, "<tag ", 5))
        REASON(v,
               "in the message of tag %.*s (on commit %s): history is exposure until it expires or "
               "is rotated",
               (int)strlen(f->rel_path) - 6, f->rel_path + 5, short_commit(f->commit, c));
    else if (f->source == FBS_SOURCE_GIT && f->in_head == 0)
        REASON(v,
               "removed from HEAD%s%s but still in history at %s (commit %s): history is "
               "exposure until it expires or is rotated",
               f->removed_in ? " in commit " : "",
               f->removed_in ? short_commit(f->removed_in, r) : "",
               f->rel_path ? f->rel_path : f->path, short_commit(f->commit, c));
    else if (f->source == FBS_SOURCE_GIT)
        REASON(v, "still in HEAD at %s", f->rel_path ? f->rel_path : f->path);
    else
        REASON(v, "present at %s", f->path ? f->path : "?");
}

/* The collector dated the value from its last rotation (Secrets Manager LastRotatedDate). */
static bool issued_from_rotation(const struct fbs_finding *f)
{
    const char *from = json_string_value(json_object_get(f->facts, "issued_from"));

    return from && !strcmp(from, "last_rotation");
}

static void judge_age(struct verdict *v)
{
    struct fbs_finding *f = v->f;
    const char *from = json_string_value(json_object_get(f->facts, "age_from"));
    char d[FBS_TIME_ISO_LEN], c[13];
    const char *cmp;

    if (!f->has_age && json_is_true(json_object_get(f->facts, "age_after_now"))) {
        bool mtime = from && !strcmp(from, "file_mtime");

        day(d, mtime ? f->file_mtime : f->committed);
        REASON(v,
               "age unknown: %s %s is after the reference time, which is no evidence of when the "
               "credential was made",
               mtime ? "file modified" : "committed", d);
        return;
    }
    if (!f->has_age) {
        REASON(v,
               "age unknown: no issue date, commit or file date to tell whether it outlived the "
               "%s fallback window",
               v->win);
        return;
    }
    v->old = f->age_days * (int64_t)FBS_DAY > v->ctx->policy->fallback_window;
    cmp = v->old ? ">" : "within the";
    if (from && !strcmp(from, "commit")) {
        day(d, f->committed);
        REASON(v, "committed %s in %s, %lld days ago %s %s fallback window", d,
               short_commit(f->commit, c), (long long)f->age_days, cmp, v->win);
    } else if (from && !strcmp(from, "file_mtime")) {
        day(d, f->file_mtime);
        REASON(v,
               "file modified %s, %lld days ago %s %s fallback window (weak evidence: a file's "
               "modification time)",
               d, (long long)f->age_days, cmp, v->win);
    } else if (issued_from_rotation(f)) {
        day(d, f->issued);
        REASON(v, "value last rotated %s, %lld days ago %s %s fallback window", d,
               (long long)f->age_days, cmp, v->win);
    } else {
        day(d, f->issued);
        REASON(v, "issued %s, %lld days ago %s %s fallback window", d, (long long)f->age_days, cmp,
               v->win);
    }
}

/* "accounts 999988887777, 111122223333" / "federation arn:aws:iam::1:saml-provider/X" */
static void outsiders(char *out, size_t size, const json_t *trust)
{
    const json_t *lists[2] = {json_object_get(trust, "accounts"),
                              json_object_get(trust, "federated")};
    const char *words[2] = {"account", "identity provider"};
    size_t n = 0, i, k;

    out[0] = '\0';
    if (json_is_true(json_object_get(trust, "public")))
        n += (size_t)snprintf(out, size, "anyone ('*')");
    for (k = 0; k < 2 && n < size; k++) {
        size_t cnt = json_array_size(lists[k]);

        for (i = 0; i < cnt && n < size; i++) {
            int w =
                i ? snprintf(out + n, size - n, ", %s",
                             json_string_value(json_array_get(lists[k], i)))
                  : snprintf(out + n, size - n, "%s%s%s %s", n ? "; " : "", words[k],
                             cnt > 1 ? "s" : "", json_string_value(json_array_get(lists[k], i)));

            if (w < 0)
                return;
            n += (size_t)w;
        }
    }
}

/*
 * A role is assumed on demand by the principals its trust policy names, not held. Assumable from
 * outside the account (facts.trust.outside) without an MFA condition, whoever holds those
 * principals' credentials can take its rights at any time: judged like a password without MFA.
 */
static void judge_role_trust(struct verdict *v)
{
    const json_t *trust = json_object_get(v->f->facts, "trust");
    char who[400];

    if (!json_is_true(json_object_get(trust, "outside"))) {
        v->exempt = true;
        REASON(v, "a role is assumed on demand by the principals its trust policy names, not held: "
                  "it has no expiry of its own and counts as standing access only when used as a "
                  "routine path");
        return;
    }
    outsiders(who, sizeof(who), trust);
    if (json_is_true(json_object_get(trust, "mfa_required"))) {
        v->exempt = true;
        REASON(v,
               "assumable from outside the account (%s), only with MFA: it counts as standing "
               "access only when used as a routine path",
               who);
        return;
    }
    REASON(v,
           "assumable from outside the account (%s) without an MFA condition%s: whoever holds "
           "those credentials can take its rights at any time",
           who,
           json_is_true(json_object_get(trust, "external_id_required"))
               ? " (an ExternalId is required: protection against a confused deputy, not a second "
                 "factor)"
               : "");
}

/*
 * Interactive credentials: a console password with MFA needs the MFA device as well, so custody
 * of the device decides who can use it; a role is assumed on demand by the principals its trust
 * policy names. Both are kept without expiry by design (v->exempt). A console password without
 * MFA, or whose MFA is not known, is a bearer secret like a key.
 */
static void judge_interactive(struct verdict *v)
{
    struct fbs_finding *f = v->f;
    const json_t *mfa = json_object_get(f->facts, "mfa_enabled");
    const json_t *n = json_object_get(f->facts, "mfa_devices");

    if (!f->interactive)
        return;
    if (f->kind && !strcmp(f->kind, "aws_role")) {
        judge_role_trust(v);
        return;
    }
    if (f->kind && !strcmp(f->kind, "aws_sso_assignment")) {
        v->exempt = true;
        REASON(v, "an Identity Center assignment: signing in goes through the identity source and "
                  "its MFA, which these APIs do not show; the assignment has no expiry and counts "
                  "as standing access only when used as a routine path");
        return;
    }
    if (json_is_true(mfa)) {
        v->exempt = true;
        if (json_is_integer(n))
            REASON(v,
                   "console password with MFA (%lld device%s): signing in also needs the MFA "
                   "device, so whoever holds the device decides who can use it; kept without "
                   "expiry, it counts as standing access only when used as a routine path",
                   (long long)json_integer_value(n), json_integer_value(n) == 1 ? "" : "s");
        else
            REASON(v, "console password with MFA: signing in also needs the MFA device, so "
                      "whoever holds the device decides who can use it; kept without expiry, it "
                      "counts as standing access only when used as a routine path");
        return;
    }
    if (json_is_false(mfa))
        REASON(v, "console password without MFA: the password alone opens the account");
    else
        REASON(v, "console password, MFA not known: judged as if the password alone opens the "
                  "account");
}

/* A secret rotated automatically: its value is replaced every period while rotation is kept. */
static bool judge_rotation(struct verdict *v)
{
    struct fbs_finding *f = v->f;
    const struct fbs_policy *p = v->ctx->policy;
    char d[FBS_TIME_ISO_LEN];
    fbs_time_t next;
    int64_t days;

    switch (fbs_rotation_bound(f, v->ctx->now, &next, &days)) {
    case FBS_ROTATION_CURRENT:
        day(d, next);
        v->rotating = true;
        v->unbounded = days * (int64_t)FBS_DAY > p->fallback_window;
        REASON(v,
               "no expiry, but rotated automatically every %lld days (next rotation %s): "
               "rotation period %s %s fallback window%s",
               (long long)days, d, v->unbounded ? ">" : "within the", v->win,
               v->unbounded ? "" : ": time-bound");
        return true;
    case FBS_ROTATION_MISSED:
        day(d, next);
        v->unbounded = true;
        REASON(v,
               "no expiry, and the automatic rotation every %lld days was missed: next rotation "
               "was due %s, %lld days ago",
               (long long)days, d, (long long)fbs_time_days_between(next, v->ctx->now));
        return true;
    default:
        return false;
    }
}

static void judge_expiry(struct verdict *v)
{
    struct fbs_finding *f = v->f;
    const struct fbs_policy *p = v->ctx->policy;
    const char *from = fact(f, "expires_from"), *cls = NULL;
    int64_t left, max = fbs_policy_max_lifetime(p, f, &cls);
    char d[FBS_TIME_ISO_LEN], life[32];

    if (!f->has_expires && max > 0) {
        lifetime(life, max);
        v->unbounded = max > p->fallback_window;
        REASON(v, "no expiry recorded, but a credential of class %s lives at most %s%s",
               cls ? cls : "?", life, v->unbounded ? "" : ": time-bound");
        return;
    }
    if (f->has_expires && f->expires > v->ctx->now && from && !strcmp(from, "max_lifetime")) {
        v->unbounded = max > p->fallback_window;
        bound_reason(v, false);
        return;
    }
    if (!f->has_expires) {
        if (judge_rotation(v))
            return;
        if (v->exempt)
            return; /* said by judge_interactive */
        REASON(v, "no expiry");
        v->unbounded = true;
        return;
    }
    if (f->expires <= v->ctx->now)
        return; /* said by judge_live */
    day(d, f->expires);
    if (f->has_valid) {
        v->unbounded = f->valid_days * (int64_t)FBS_DAY > p->fallback_window && !v->exempt;
        REASON(v, "valid %lld days (until %s) %s %s fallback window%s", (long long)f->valid_days, d,
               f->valid_days * (int64_t)FBS_DAY > p->fallback_window ? ">" : "within the", v->win,
               f->valid_days * (int64_t)FBS_DAY > p->fallback_window ? "" : ": time-bound");
        return;
    }
    left = f->expires - v->ctx->now;
    v->unbounded = left > p->fallback_window && !v->exempt;
    REASON(v, "expires %s, in %lld days %s %s fallback window%s", d,
           (long long)fbs_time_days_between(v->ctx->now, f->expires),
           left > p->fallback_window ? ">" : "within the", v->win,
           left > p->fallback_window ? "" : ": time-bound");
}

/*
 * Cloud: usage. Used long after creation (or after the last rotation) means the exception path
 * has become a routine one; never used since creation, or unused for longer than unused_max_age,
 * means a dormant credential that should be disabled until it is needed.
 */
static void judge_usage(struct verdict *v)
{
    struct fbs_finding *f = v->f;
    const struct fbs_policy *p = v->ctx->policy;
    const char *since = issued_from_rotation(f) ? "it was last rotated" : "it was created";
    char d[FBS_TIME_ISO_LEN];
    int64_t after, idle;

    if (!f->has_last_used) {
        if (!json_is_true(json_object_get(f->facts, "never_used")))
            return;
        if (!f->has_issued) {
            REASON(v, "never used");
            return;
        }
        day(d, f->issued);
        if (v->old && v->exempt)
            REASON(v, "never used since %s %s, %lld days ago: kept sealed for an emergency", since,
                   d, (long long)f->age_days);
        else if (v->old && v->unbounded)
            REASON(v,
                   "never used since %s %s, %lld days ago: dormant standing access, to be "
                   "disabled until it is needed",
                   since, d, (long long)f->age_days);
        else
            REASON(v, "never used since %s %s", since, d);
        return;
    }
    idle = v->ctx->now - f->last_used;
    if (f->has_issued) {
        after = f->last_used - f->issued;
        if (after > p->fallback_window) {
            v->routine = true;
            day(d, f->last_used);
            REASON(v,
                   "last used %s, %lld days after %s > %s fallback window: the fallback path has "
                   "become a routine one",
                   d, (long long)(after / FBS_DAY), since, v->win);
            return;
        }
    }
    if (idle > p->unused_max_age) {
        char lim[32];

        span(lim, p->unused_max_age);
        day(d, f->last_used);
        REASON(v, "last used %s, %lld days ago > %s unused_max_age: dormant", d,
               (long long)(idle / FBS_DAY), lim);
    }
}

/*
 * Credentials that are standing access whatever their age or expiry: a root access key (the root
 * user needs none, CIS AWS 1.4), and a privileged console password without MFA (the password
 * alone opens an account that can do everything).
 */
static void judge_always(struct verdict *v)
{
    struct fbs_finding *f = v->f;

    if (f->kind && !strcmp(f->kind, "aws_root_access_key")) {
        v->always = true;
        REASON(v, "a root access key should not exist (CIS AWS 1.4): whatever its age, it is "
                  "standing access to everything in the account");
        return;
    }
    if (f->interactive && !v->exempt && f->privilege == FBS_PRIV_HIGH) {
        v->always = true;
        if (f->kind && !strcmp(f->kind, "aws_role"))
            REASON(v, "a privileged role that outsiders may assume without MFA is standing "
                      "access, whatever its age");
        else
            REASON(v, "a privileged account whose password alone signs in is standing access, "
                      "whatever its age");
    }
}

/* A provider's own finding that the credential leaked (GCP KEY_EXPOSED, facts.exposed). */
static void judge_exposed(struct verdict *v)
{
    const json_t *gcp = json_object_get(v->f->facts, "gcp");
    const char *by = json_string_value(json_object_get(gcp, "exposed_by"));

    if (!json_is_true(json_object_get(v->f->facts, "exposed")))
        return;
    REASON(v,
           "the provider reports the key exposed%s%s%s: treat it as compromised, delete it and "
           "review its use",
           by ? " (" : "", by ? by : "", by ? ")" : "");
}

/* What a permissions boundary or an SCP took away from the identity policies (cloud collectors:
 * facts.privilege_limits), one reason each. */
static void judge_limits(struct verdict *v)
{
    const json_t *arr = json_object_get(v->f->facts, "privilege_limits"), *s;
    size_t i;

    json_array_foreach(arr, i, s)
    {
        if (json_is_string(s))
            REASON(v, "%s", json_string_value(s));
    }
}

/*
 * A Kubernetes client certificate in the system:masters group (facts.kubernetes.system_masters):
 * the API server lets that group do everything before RBAC is consulted, and it has no
 * certificate revocation, so only the certificate's expiry or a new cluster CA ends it.
 */
static void judge_system_masters(struct verdict *v)
{
    const json_t *k = json_object_get(v->f->facts, "kubernetes");
    char d[FBS_TIME_ISO_LEN];

    if (!json_is_true(json_object_get(k, "system_masters")))
        return;
    if (v->f->has_expires)
        day(d, v->f->expires);
    REASON(v,
           "client certificate in the system:masters group: cluster-admin that no RBAC binding "
           "grants or can revoke; only rotating the cluster CA or its expiry%s%s ends it",
           v->f->has_expires ? " on " : "", v->f->has_expires ? d : "");
}

/* Why a live fallback credential is not standing access. */
static const char *not_standing_why(const struct verdict *v)
{
    const struct fbs_finding *f = v->f;

    if (!f->has_age)
        return "its age is unknown";
    if (!v->old)
        return "not older than the fallback window yet";
    if (v->exempt && f->kind && !strcmp(f->kind, "aws_sso_assignment"))
        return "an Identity Center assignment not used as a routine path";
    if (v->exempt && f->kind && !strcmp(f->kind, "aws_role"))
        return "a role assumed on demand and not used as a routine path";
    if (v->exempt)
        return "an interactive account with MFA, not used as a routine path";
    if (v->rotating)
        return "its automatic rotation bounds it within the fallback window";
    return "time-bound within the fallback window";
}

/* Whether live verification said `status`. */
static bool verified(const struct fbs_finding *f, const char *status)
{
    const char *st =
        json_string_value(json_object_get(json_object_get(f->facts, "verification"), "status"));

    return st && !strcmp(st, status);
}

/* "github user octocat" / "aws account 123456789012 arn:..." from facts.verification.identity. */
static void identity_text(char *out, size_t size, const json_t *ver)
{
    const json_t *id = json_object_get(ver, "identity"), *val;
    static const char *const keys[] = {
        "arn",          "account",      "user",        "team",          "token_name", "user_id",
        "organization", "client_email", "account_sid", "friendly_name", NULL};
    size_t k, n = 0;

    out[0] = '\0';
    for (k = 0; keys[k] && n + 1 < size; k++) {
        char num[32];
        const char *s;

        val = json_object_get(id, keys[k]);
        if (json_is_integer(val)) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(val));
            s = num;
        } else {
            s = json_string_value(val);
        }
        if (!s)
            continue;
        n += (size_t)snprintf(out + n, size - n, "%s%s %s", n ? ", " : " as ", keys[k], s);
        if (n >= size)
            n = size - 1;
    }
}

/*
 * Live verification (--verify): revoked is not standing access (history exposure, low risk);
 * live confirms a fallback credential that is not time-bound as standing access; unknown and
 * error change nothing but are said.
 */
static void judge_verified(struct verdict *v, bool fallback)
{
    struct fbs_finding *f = v->f;
    const json_t *ver = json_object_get(f->facts, "verification");
    const char *st = json_string_value(json_object_get(ver, "status"));
    const char *at = json_string_value(json_object_get(ver, "at"));
    const char *by = json_string_value(json_object_get(ver, "verifier"));
    const char *detail = json_string_value(json_object_get(ver, "detail"));
    char who[160];

    if (!st)
        return;
    if (!strcmp(st, "revoked")) {
        f->standing = 0;
        REASON(v, "verified revoked at %s (%s%s%s): not standing access, history exposure only",
               at ? at : "?", by ? by : "?", detail ? ": " : "", detail ? detail : "");
        return;
    }
    if (!strcmp(st, "live")) {
        identity_text(who, sizeof(who), ver);
        if (fallback && v->live && (v->unbounded || v->routine)) {
            f->standing = 1;
            REASON(v, "verified live at %s by %s%s: standing access confirmed", at ? at : "?",
                   by ? by : "?", who);
        } else {
            REASON(v, "verified live at %s by %s%s", at ? at : "?", by ? by : "?", who);
        }
        return;
    }
    REASON(v, "verification %s (%s%s%s): the verdict rests on the other evidence", st,
           by ? by : "?", detail ? ": " : "", detail ? detail : "");
}

static int verdict(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    struct verdict v = {.f = f, .ctx = ctx};

    span(v.win, ctx->policy->fallback_window);
    if (!f->is_fallback) {
        REASON(&v, "not a fallback credential (fallback confidence %.2f < %.2f threshold)",
               f->fallback_confidence, ctx->policy->fallback_threshold);
        judge_live(&v);
        judge_exposed(&v);
        judge_limits(&v);
        judge_system_masters(&v);
        f->standing = 0;
        judge_verified(&v, false);
        return v.rc;
    }
    judge_live(&v);
    judge_exposed(&v);
    judge_limits(&v);
    judge_system_masters(&v);
    if (v.live) {
        judge_age(&v);
        judge_interactive(&v);
        judge_expiry(&v);
        judge_usage(&v);
        judge_always(&v);
    }
    f->standing = v.live && ((v.old && v.unbounded) || v.routine || v.always);
    judge_verified(&v, true);
    if (v.live && !f->standing && v.rc == 0 && !verified(f, "revoked"))
        v.rc = fbs_finding_add_reason(f, "not standing access: %s", not_standing_why(&v));
    return v.rc;
}

static int risk_of(const struct fbs_finding *f, const struct fbs_policy *p, fbs_time_t now)
{
    bool revoked = verified(f, "revoked");

    double sum = 0, wsum = 0;
    int d, risk;

    for (d = 0; d < FBS_DIM__COUNT; d++) {
        if (!fbs_finding_has_score(f, (enum fbs_dim)d))
            continue;
        sum += p->weights[d] * f->scores[d];
        wsum += p->weights[d];
    }
    risk = wsum > 0 ? (int)lround(100.0 * sum / wsum) : 0;
    if (f->standing == 1) {
        int floor =
            f->privilege == FBS_PRIV_HIGH ? p->standing_high_min_risk : p->standing_min_risk;

        if (risk < floor)
            risk = floor;
    }
    if (((f->has_expires && f->expires <= now) || f->active == 0 || revoked) &&
        risk > p->expired_max_risk)
        risk = p->expired_max_risk;
    return risk < 0 ? 0 : risk > 100 ? 100 : risk;
}

/* What to do, by credential kind, for a fallback credential (reports add it to the rule's
 * remediation). */
static const char *fallback_advice(const char *kind)
{
    static const struct {
        const char *prefix, *text;
    } advice[] = {
        {"mfa_", "Regenerate the recovery codes (this invalidates the exposed set), re-enrol the "
                 "primary factor if it was lost, and keep the new codes offline or in a vault "
                 "with alerting on access."},
        {"totp", "Re-enrol the authenticator (a new seed invalidates the exposed one) and keep "
                 "the seed only in the authenticator or a vault with alerting on access."},
        {"vault_unseal", "Rekey Vault (vault operator rekey) so the exposed shares stop working; "
                         "give each new share to a different custodian, PGP-encrypted."},
        {"vault_recovery", "Rekey the recovery keys (vault operator rekey -target=recovery) and "
                           "give each new share to a different custodian, PGP-encrypted."},
        {"vault_root", "Revoke the root token (vault token revoke); generate a root token only "
                       "when needed (vault operator generate-root) and revoke it after use."},
        {"aws_root_console", "Enable MFA on the root user (a hardware key kept under dual "
                             "control), keep its password sealed, alert on every root sign-in "
                             "and review each use."},
        {"aws_console", "Keep the emergency account's password and MFA device sealed, alert on "
                        "every sign-in, and review each use."},
        {NULL, "Revoke or rotate it now. A break-glass credential should be issued on demand "
               "with a short expiry (time-bound), kept in a vault with alerting on every "
               "access, and reviewed after each use."},
    };
    size_t i;

    for (i = 0; advice[i].prefix; i++)
        if (kind && !strncmp(kind, advice[i].prefix, strlen(advice[i].prefix)))
            break;
    return advice[i].text;
}

static int score_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    int rc = verdict(f, ctx);

    if (rc < 0)
        return rc;
    f->risk = risk_of(f, ctx->policy, ctx->now);
    f->severity = fbs_severity_name(fbs_policy_severity(ctx->policy, f->risk));
    f->fallback_advice = f->is_fallback ? fallback_advice(f->kind) : NULL;
    return 0;
}

const struct fbs_detector fbs_detector_scorer = {
    .name = "scorer",
    .stage = FBS_STAGE_SCORE,
    .kinds = NULL,
    .run = score_run,
};
