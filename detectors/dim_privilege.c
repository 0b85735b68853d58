/*
 * dim_privilege.c - the privilege dimension: how much the credential may do, as a level
 * (f->privilege: high, normal or unknown), a score and the evidence behind it
 * (facts.privilege_evidence, short phrases).
 *
 * Evidence comes from three places, strongest first:
 *   - the rule (the `privilege:` of its rules file; "rule: Vault initial root token") and the
 * credential parsers (a JWT role "admin", enough Vault unseal shares, a TOTP seed for a root
 * account), which set f->privilege before this detector runs. A HIGH from either is never lowered.
 *   - the privilege vocabulary (rules/vocab/privilege_terms.yml), matched on identifier tokens
 *     (vocab.h) in: the key name (strength 1.0), the object's names (0.9: a service-account or
 *     user name), the key path above the key (0.9), the cloud resource (0.9: an ARN ending in
 *     :root), the certificate subject (1.0: O=system:masters), JWT scopes and roles and Vault
 *     policies (1.0, each value also matched whole: "*"), the file name (0.8), a comment (0.7)
 *     and the directories (0.5: an admin/ folder in an application says little on its own).
 *   - nothing: the level stays what the rule said (usually unknown).
 * When a collector evaluated the principal's policies (facts.privilege_from =
 * "policy_evaluation"), their result decides and the vocabulary is not consulted: a user named
 * "admin-reports" with s3:GetObject on one bucket is normal, AmazonS3FullAccess is not "full".
 *
 * Each hit weighs term weight x place strength. Hits of one level combine as a noisy-OR,
 * p = 1 - prod(1 - w); the vocabulary makes a finding HIGH when p_high >= 0.5 and p_high >
 * p_normal, and NORMAL (only from unknown) when p_normal >= 0.5 and p_normal > p_high.
 * "administrative_contact_email" is deliberately not privileged: "admin" is a whole-token term and
 * "administrative" is not "administrator", so a contact field is not taken for an admin credential.
 *
 * Score (FBS_DIM_PRIVILEGE): high 1.0, normal 0.25, unknown 0.5 shaded by the weak evidence that
 * decided nothing: 0.5 + 0.4 * (p_high - p_normal), kept within [0.3, 0.7] (a "prod" directory
 * alone gives 0.58, a "test" directory 0.42).
 */
#include "detector.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <stdarg.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_PLACE    4096 /* bytes of one place scanned */
#define MAX_EVIDENCE 64   /* phrases kept per finding */
#define MAX_VALUES   64   /* scope / policy values looked at */

static int add_evidence_v(struct fbs_finding *f, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int add_evidence_v(struct fbs_finding *f, const char *fmt, va_list ap)
{
    struct fbs_buf raw = FBS_BUF_INIT, clean = FBS_BUF_INIT;
    json_t *arr, *it, *s;
    size_t i;
    int rc = 0;

    if (!fmt)
        return 0;
    if (fbs_buf_vprintf(&raw, fmt, ap) < 0 || fbs_utf8_sanitize(&clean, raw.ptr, raw.len) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    arr = json_object_get(f->facts, "privilege_evidence");
    if (!json_is_array(arr)) {
        arr = json_array();
        if (!arr || json_object_set_new(f->facts, "privilege_evidence", arr) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
    }
    json_array_foreach(arr, i, it)
    {
        if (json_is_string(it) && !strcmp(json_string_value(it), clean.ptr))
            goto done;
    }
    if (json_array_size(arr) >= MAX_EVIDENCE)
        goto done;
    s = json_string(clean.ptr);
    if (!s || json_array_append_new(arr, s) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
done:
    fbs_buf_release(&raw);
    fbs_buf_release(&clean);
    return rc;
}

int fbs_privilege_add_evidence(struct fbs_finding *f, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = add_evidence_v(f, fmt, ap);
    va_end(ap);
    return rc;
}

int fbs_privilege_raise(struct fbs_finding *f, enum fbs_privilege p, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (p > f->privilege)
        f->privilege = p;
    va_start(ap, fmt);
    rc = add_evidence_v(f, fmt, ap);
    va_end(ap);
    return rc;
}

/* The evidence gathered from the vocabulary. */
struct tally {
    struct fbs_finding *f;
    const char *place; /* "key name contains" ... */
    double strength;
    double keep_high, keep_normal; /* prod(1 - w) per level */
    /* (term, place) pairs already counted: a term repeated in one place counts once. */
    const struct fbs_vocab_term *seen[64];
    const char *seen_place[64];
    double seen_w[64];
    size_t nseen;
    /* Cloud records repeat one identifier in their resource, principal and names (a GCP
     * project id in the resource and in the service account's email): a term counts once per
     * record there, at its strongest place. */
    bool once_per_record;
    int rc;
};

static int on_term(const struct fbs_vocab_term *t, void *payload)
{
    struct tally *ta = payload;
    double w = t->weight * ta->strength;
    size_t i;

    double *keep = t->level == FBS_PRIV_HIGH ? &ta->keep_high : &ta->keep_normal;

    for (i = 0; i < ta->nseen; i++) {
        if (ta->seen[i] != t)
            continue;
        if (ta->seen_place[i] == ta->place)
            return 0;
        if (ta->once_per_record) {
            /* Already counted elsewhere: only a stronger place replaces that weight. */
            if (w > ta->seen_w[i] && ta->seen_w[i] < 1.0) {
                *keep = *keep / (1.0 - ta->seen_w[i]) * (1.0 - w);
                ta->seen_w[i] = w;
            }
            ta->seen_place[i] = ta->place;
            goto evidence;
        }
    }
    if (ta->nseen < sizeof(ta->seen) / sizeof(ta->seen[0])) {
        ta->seen[ta->nseen] = t;
        ta->seen_w[ta->nseen] = w;
        ta->seen_place[ta->nseen++] = ta->place;
    }
    *keep *= 1.0 - w;
evidence:
    ta->rc = fbs_privilege_add_evidence(ta->f, "%s '%s'%s", ta->place, t->term,
                                        t->level == FBS_PRIV_HIGH ? "" : " (limited)");
    return ta->rc;
}

static int scan_place(struct tally *ta, const struct fbs_vocab *v, const char *place,
                      double strength, const char *text, size_t len)
{
    if (!text || !len)
        return 0;
    ta->place = place;
    ta->strength = strength;
    fbs_vocab_scan_privilege(v, text, len > MAX_PLACE ? MAX_PLACE : len, on_term, ta);
    return ta->rc;
}

/* Each string of a facts array, matched as a whole value and as words. */
static int scan_values(struct tally *ta, const struct fbs_vocab *v, const char *place,
                       const json_t *arr)
{
    const json_t *it;
    size_t i;

    if (!json_is_array(arr))
        return 0;
    ta->place = place;
    ta->strength = 1.0;
    for (i = 0; i < json_array_size(arr) && i < MAX_VALUES; i++) {
        it = json_array_get(arr, i);
        if (!json_is_string(it))
            continue;
        fbs_vocab_match_privilege_value(
            v, json_string_value(it),
            json_string_length(it) > MAX_PLACE ? MAX_PLACE : json_string_length(it), on_term, ta);
        if (ta->rc)
            return ta->rc;
    }
    return 0;
}

static int scan_vocab(struct tally *ta, const struct fbs_finding *f,
                      const struct fbs_detect_ctx *ctx)
{
    const struct fbs_vocab *v = ctx->vocab;
    const char *rel = f->rel_path;
    const json_t *cert = json_object_get(f->facts, "certificate");
    const json_t *jwt = json_object_get(f->facts, "jwt");
    const json_t *subject = json_object_get(cert, "subject");
    int rc = 0;

    if (!rel && ctx->blob)
        rel = ctx->blob->rel_path;
    if (!rel)
        rel = f->path;
    if (f->key)
        rc = scan_place(ta, v, "key name contains", 1.0, f->key, strlen(f->key));
    if (!rc && f->key_path) {
        /* The parents only: the key itself is counted above. */
        size_t n = strlen(f->key_path), k = f->key ? strlen(f->key) : 0;

        rc = scan_place(ta, v, "key path contains", 0.9, f->key_path, n > k ? n - k : 0);
    }
    if (!rc && f->names)
        rc = scan_place(ta, v, "name contains", 0.9, f->names, strlen(f->names));
    if (!rc && f->resource)
        rc = scan_place(ta, v, "resource contains", 0.9, f->resource, strlen(f->resource));
    if (!rc && json_is_string(subject))
        rc = scan_place(ta, v, "certificate subject contains", 1.0, json_string_value(subject),
                        json_string_length(subject));
    if (!rc)
        rc = scan_values(ta, v, "jwt scopes contain", json_object_get(jwt, "scopes"));
    if (!rc)
        rc = scan_values(ta, v, "policies contain", json_object_get(f->facts, "policies"));
    if (!rc && rel) {
        const char *slash = strrchr(rel, '/');
        const char *base = slash ? slash + 1 : rel;

        rc = scan_place(ta, v, "file name contains", 0.8, base, strlen(base));
        if (!rc && slash)
            rc = scan_place(ta, v, "path contains", 0.5, rel, (size_t)(slash - rel));
    }
    if (!rc && f->comment)
        rc = scan_place(ta, v, "comment mentions", 0.7, f->comment, strlen(f->comment));
    return rc;
}

static bool evaluated(const struct fbs_finding *f)
{
    const char *from = json_string_value(json_object_get(f->facts, "privilege_from"));

    return from && !strcmp(from, "policy_evaluation") && f->privilege != FBS_PRIV_UNKNOWN;
}

/*
 * Live verification (--verify, detectors/verify.h) that reported scopes: they replace the
 * privilege guessed from the rule and names. 1 when they decided, 0 when not, or FBS_ENOMEM.
 */
static int verified_privilege(struct fbs_finding *f)
{
    const json_t *v = json_object_get(f->facts, "verification");
    const char *st = json_string_value(json_object_get(v, "status"));
    const char *pv = json_string_value(json_object_get(v, "privilege"));
    const json_t *scopes = json_object_get(v, "scopes"), *s;
    struct fbs_buf list = FBS_BUF_INIT;
    size_t i;
    int p, rc;

    if (!st || strcmp(st, "live") || !pv || (p = fbs_privilege_parse(pv)) < 0)
        return 0;
    f->privilege = (enum fbs_privilege)p;
    json_array_foreach(scopes, i, s)
    {
        if (json_is_string(s) &&
            fbs_buf_printf(&list, "%s%s", list.len ? ", " : "", json_string_value(s)) < 0) {
            fbs_buf_release(&list);
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
    }
    rc = fbs_privilege_add_evidence(f, "verified by %s: %s (scopes: %s)",
                                    json_string_value(json_object_get(v, "verifier")), pv,
                                    list.len ? list.ptr : "none reported");
    fbs_buf_release(&list);
    if (rc < 0)
        return rc;
    fbs_finding_set_score(f, FBS_DIM_PRIVILEGE, p == FBS_PRIV_HIGH ? 1.0 : 0.25);
    return 1;
}

static int privilege_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    struct tally ta;
    double p_high, p_normal, score;
    int rc;

    memset(&ta, 0, sizeof(ta));
    ta.f = f;
    ta.keep_high = ta.keep_normal = 1.0;
    ta.once_per_record = f->source >= FBS_SOURCE_AWS;
    rc = verified_privilege(f);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    if (f->rule_privilege > f->privilege)
        f->privilege = f->rule_privilege;
    if (f->rule_privilege == FBS_PRIV_HIGH) {
        rc = fbs_privilege_add_evidence(
            f, "rule: %s", f->rule_name ? f->rule_name : (f->kind ? f->kind : "privileged kind"));
        if (rc < 0)
            return rc;
    }
    /* A collector that evaluated every policy of the principal decided the level: names are a
     * tie-breaker only while the privilege is unknown. */
    if (ctx->vocab && !evaluated(f) && (rc = scan_vocab(&ta, f, ctx)) < 0)
        return rc;
    p_high = 1.0 - ta.keep_high;
    p_normal = 1.0 - ta.keep_normal;
    if (f->privilege != FBS_PRIV_HIGH && p_high >= 0.5 && p_high > p_normal)
        f->privilege = FBS_PRIV_HIGH;
    else if (f->privilege == FBS_PRIV_UNKNOWN && p_normal >= 0.5 && p_normal > p_high)
        f->privilege = FBS_PRIV_NORMAL;
    switch (f->privilege) {
    case FBS_PRIV_HIGH:
        score = 1.0;
        break;
    case FBS_PRIV_NORMAL:
        score = 0.25;
        break;
    default:
        score = 0.5 + 0.4 * (p_high - p_normal);
        score = score < 0.3 ? 0.3 : (score > 0.7 ? 0.7 : score);
        break;
    }
    fbs_finding_set_score(f, FBS_DIM_PRIVILEGE, score);
    return 0;
}

const struct fbs_detector fbs_detector_privilege = {
    .name = "privilege",
    .stage = FBS_STAGE_DIMENSION,
    .kinds = NULL,
    .run = privilege_run,
};
