/*
 * sweep_record.c - what a sweep keeps of a finding, and re-scoring it at a later now.
 *
 * A finding is stored twice over, never with its secret: `record`, the finding exactly as the
 * JSON report writes it (redacted), for reports; and `score_input`, the facts the now-dependent
 * stages read. Carrying a finding over to a later sweep without reading the target again
 * rebuilds a finding from score_input and runs the age, expiry and usage dimensions and the
 * scorer at the new now; the fallback, privilege and custody scores (which need the blob and
 * the secret) are kept as they were computed when the blob was read. The record's facts,
 * scores, risk, verdict, reasons and remediation are then replaced by the new ones.
 */
#include "sweep_int.h"
#include "../../detectors/detector.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <math.h>
#include <openssl/evp.h>
#include <string.h>

#include "../core/banned.h"

/* Bump when scoring changes in a way stored findings must not carry over. */
#define SCORING_VERSION "sweep-scoring-1"

int fbs_sweep_rules_hash(char out[65], const struct fbs_ruleset *rules, const json_t *policy)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[32];
    unsigned int mdlen = 0;
    char *pol = policy ? json_dumps(policy, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    size_t i, j;
    int ok;

    ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
         EVP_DigestUpdate(ctx, SCORING_VERSION, sizeof(SCORING_VERSION)) &&
         EVP_DigestUpdate(ctx, FBS_VERSION, sizeof(FBS_VERSION));
    for (i = 0; ok && rules && i < rules->n; i++) {
        const struct fbs_rule *r = rules->rules[i];
        char num[96];

        snprintf(num, sizeof(num), "%u %.6f %d %d %d %d %d", r->secret_group, r->entropy_min,
                 (int)r->validator, r->fallback, (int)r->privilege, r->binary, r->priority);
        ok = EVP_DigestUpdate(ctx, r->id, strlen(r->id) + 1) &&
             EVP_DigestUpdate(ctx, r->kind ? r->kind : "", strlen(r->kind ? r->kind : "") + 1) &&
             EVP_DigestUpdate(ctx, r->pattern ? r->pattern : "",
                              strlen(r->pattern ? r->pattern : "") + 1) &&
             EVP_DigestUpdate(ctx, num, strlen(num) + 1);
        for (j = 0; ok && j < r->nkeywords; j++)
            ok = EVP_DigestUpdate(ctx, r->keywords[j], strlen(r->keywords[j]) + 1);
        for (j = 0; ok && j < r->npaths; j++)
            ok = EVP_DigestUpdate(ctx, r->paths[j], strlen(r->paths[j]) + 1);
    }
    ok = ok && EVP_DigestUpdate(ctx, pol ? pol : "", pol ? strlen(pol) : 0) &&
         EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    free(pol);
    if (!ok)
        return fbs_error_set(FBS_EINTERNAL, "SHA-256 failed");
    for (i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int fbs_sweep_hash_mix(char hash[65], const char *what)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t i;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, hash, 64) &&
             EVP_DigestUpdate(ctx, what, strlen(what) + 1) && EVP_DigestFinal_ex(ctx, md, &mdlen);

    EVP_MD_CTX_free(ctx);
    if (!ok)
        return fbs_error_set(FBS_EINTERNAL, "SHA-256 failed");
    for (i = 0; i < 32; i++)
        snprintf(hash + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* score_input ------------------------------------------------------------------------------ */

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *jtime(bool has, fbs_time_t t)
{
    return has ? json_integer(t) : json_null();
}

json_t *fbs_sweep_score_input(const struct fbs_finding *f)
{
    json_t *o = json_object(), *scores = json_array();
    int d;

    if (!o || !scores) {
        json_decref(o);
        json_decref(scores);
        return NULL;
    }
    for (d = 0; d < FBS_DIM__COUNT; d++)
        json_array_append_new(scores, fbs_finding_has_score(f, (enum fbs_dim)d)
                                          ? json_real(f->scores[d])
                                          : json_null());
    json_object_set_new(o, "source", json_integer(f->source));
    json_object_set_new(o, "rule_id", jstr(f->rule_id));
    json_object_set_new(o, "kind", jstr(f->kind));
    json_object_set_new(o, "remediation", jstr(f->remediation));
    json_object_set_new(o, "path", jstr(f->path));
    json_object_set_new(o, "rel_path", jstr(f->rel_path));
    json_object_set_new(o, "resource", jstr(f->resource));
    json_object_set_new(o, "commit", jstr(f->commit));
    json_object_set_new(o, "removed_in", jstr(f->removed_in));
    json_object_set_new(o, "committed", jtime(f->has_committed, f->committed));
    json_object_set_new(o, "file_mtime", json_integer(f->file_mtime));
    json_object_set_new(o, "issued", jtime(f->has_issued, f->issued));
    json_object_set_new(o, "expires", jtime(f->has_expires, f->expires));
    json_object_set_new(o, "last_used", jtime(f->has_last_used, f->last_used));
    json_object_set_new(o, "in_head", json_integer(f->in_head));
    json_object_set_new(o, "active", json_integer(f->active));
    json_object_set_new(o, "interactive", json_boolean(f->interactive));
    json_object_set_new(o, "is_fallback", json_boolean(f->is_fallback));
    json_object_set_new(o, "fallback_confidence", json_real(f->fallback_confidence));
    json_object_set_new(o, "privilege", json_integer(f->privilege));
    json_object_set_new(o, "custody", jstr(f->custody));
    if (f->verify_key) { /* --verify: where its cached result is kept (an AWS key id: its pair's) */
        const char *v = json_string_value(
            json_object_get(json_object_get(f->facts, "verification"), "verifier"));

        if (v || f->verifier) {
            json_object_set_new(o, "verifier", json_string(v ? v : f->verifier));
            json_object_set_new(o, "verify_key", json_string(f->verify_key));
        }
    }
    json_object_set_new(o, "scores", scores);
    json_object_set_new(o, "facts", f->facts ? json_deep_copy(f->facts) : json_object());
    return o;
}

static const char *gets(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static bool gett(const json_t *o, const char *k, fbs_time_t *out)
{
    const json_t *v = json_object_get(o, k);

    if (!json_is_integer(v))
        return false;
    *out = json_integer_value(v);
    return true;
}

/* A finding with the facts of a score input; NULL on ENOMEM. */
static struct fbs_finding *finding_from_input(const json_t *in)
{
    struct fbs_finding *f = fbs_finding_new();
    const json_t *scores = json_object_get(in, "scores"), *facts = json_object_get(in, "facts");
    int rc = 0, d;

    if (!f)
        return NULL;
    f->source = (enum fbs_source_kind)json_integer_value(json_object_get(in, "source"));
    rc |= fbs_finding_set_str(&f->rule_id, gets(in, "rule_id"));
    rc |= fbs_finding_set_str(&f->kind, gets(in, "kind"));
    rc |= fbs_finding_set_str(&f->remediation, gets(in, "remediation"));
    rc |= fbs_finding_set_str(&f->path, gets(in, "path"));
    rc |= fbs_finding_set_str(&f->rel_path, gets(in, "rel_path"));
    rc |= fbs_finding_set_str(&f->resource, gets(in, "resource"));
    rc |= fbs_finding_set_str(&f->commit, gets(in, "commit"));
    rc |= fbs_finding_set_str(&f->removed_in, gets(in, "removed_in"));
    rc |= fbs_finding_set_str(&f->custody, gets(in, "custody"));
    f->has_committed = gett(in, "committed", &f->committed);
    gett(in, "file_mtime", &f->file_mtime);
    f->has_issued = gett(in, "issued", &f->issued);
    f->has_expires = gett(in, "expires", &f->expires);
    f->has_last_used = gett(in, "last_used", &f->last_used);
    f->in_head = (int)json_integer_value(json_object_get(in, "in_head"));
    f->active = (int)json_integer_value(json_object_get(in, "active"));
    f->interactive = json_is_true(json_object_get(in, "interactive"));
    f->is_fallback = json_is_true(json_object_get(in, "is_fallback"));
    f->fallback_confidence = json_number_value(json_object_get(in, "fallback_confidence"));
    f->privilege = (enum fbs_privilege)json_integer_value(json_object_get(in, "privilege"));
    for (d = 0; d < FBS_DIM__COUNT; d++) {
        const json_t *v = json_array_get(scores, (size_t)d);

        if (json_is_number(v) && d != FBS_DIM_AGE && d != FBS_DIM_EXPIRY && d != FBS_DIM_USAGE)
            fbs_finding_set_score(f, (enum fbs_dim)d, json_number_value(v));
    }
    if (json_is_object(facts)) {
        json_decref(f->facts);
        f->facts = json_deep_copy(facts);
        if (!f->facts)
            rc = -1;
    }
    if (rc) {
        fbs_finding_free(f);
        return NULL;
    }
    return f;
}

static bool applies(const struct fbs_detector *d, const char *kind)
{
    size_t i;

    if (!d->kinds)
        return true;
    for (i = 0; kind && d->kinds[i]; i++)
        if (!strcmp(d->kinds[i], kind))
            return true;
    return false;
}

static json_t *score_json(double x)
{
    return json_real(round(x * 1000.0) / 1000.0);
}

/* Replace what re-scoring changed in the report record of the finding. */
static int patch_record(json_t *record, const struct fbs_finding *f)
{
    json_t *facts = json_object_get(record, "facts"), *scores = json_object(),
           *reasons = json_array();
    size_t i;
    int d;

    if (!scores || !reasons) {
        json_decref(scores);
        json_decref(reasons);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (json_is_object(facts)) {
        json_object_set_new(facts, "age_days",
                            f->has_age ? json_integer(f->age_days) : json_null());
        json_object_set_new(facts, "valid_days",
                            f->has_valid ? json_integer(f->valid_days) : json_null());
    }
    for (d = 0; d < FBS_DIM__COUNT; d++)
        json_object_set_new(scores, fbs_dim_name((enum fbs_dim)d),
                            fbs_finding_has_score(f, (enum fbs_dim)d) ? score_json(f->scores[d])
                                                                      : json_null());
    json_object_set_new(record, "scores", scores);
    json_object_set_new(record, "risk",
                        f->risk >= 0 && f->severity
                            ? json_pack("{s:i, s:s}", "score", f->risk, "severity", f->severity)
                            : json_null());
    json_object_set_new(record, "standing_access",
                        f->standing < 0 ? json_null() : json_boolean(f->standing));
    for (i = 0; i < f->nreasons; i++)
        json_array_append_new(reasons, json_string(f->reasons[i]));
    json_object_set_new(record, "reasons", reasons);
    if (f->fallback_advice && f->remediation) {
        struct fbs_buf r = FBS_BUF_INIT;

        json_object_set_new(record, "remediation",
                            fbs_buf_printf(&r, "%s %s", f->remediation, f->fallback_advice) < 0
                                ? json_null()
                                : json_string(r.ptr));
        fbs_buf_release(&r);
    } else {
        json_object_set_new(record, "remediation",
                            jstr(f->remediation ? f->remediation : f->fallback_advice));
    }
    return 0;
}

int fbs_sweep_rescore(json_t *record, json_t *score_input, fbs_time_t now,
                      const struct fbs_policy *policy, const struct fbs_vocab *vocab, int *risk,
                      const char **severity, int *standing)
{
    static const struct fbs_detector *const stages[] = {
        &fbs_detector_age, &fbs_detector_expiry, &fbs_detector_usage, &fbs_detector_scorer, NULL};
    struct fbs_finding *f = finding_from_input(score_input);
    struct fbs_stats stats;
    struct fbs_diags diags;
    struct fbs_detect_ctx ctx;
    size_t i;
    int rc = 0;

    if (!f)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    fbs_stats_init(&stats);
    rc = fbs_diags_init(&diags, &stats, false);
    if (rc < 0) {
        fbs_finding_free(f);
        return rc;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.vocab = vocab;
    ctx.now = now;
    ctx.policy = policy;
    ctx.fallback_threshold = policy->fallback_threshold;
    ctx.diags = &diags;
    for (i = 0; stages[i] && rc == 0; i++) {
        if (!applies(stages[i], f->kind))
            continue;
        rc = stages[i]->run(f, &ctx);
        if (rc != FBS_ENOMEM)
            rc = 0; /* a detector failing on one finding is a diagnostic, as in a scan */
    }
    if (rc == 0)
        rc = patch_record(record, f);
    if (rc == 0) {
        *risk = f->risk;
        *severity = f->severity;
        *standing = f->standing;
    }
    fbs_diags_release(&diags);
    fbs_finding_free(f);
    return rc;
}

/* A report record read back ---------------------------------------------------------------- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

static const char *path_str(const json_t *o, const char *a, const char *b)
{
    return json_string_value(json_object_get(json_object_get(o, a), b));
}

static bool path_time(const json_t *o, const char *a, const char *b, fbs_time_t *out)
{
    const char *s = path_str(o, a, b);

    return s && fbs_time_parse(out, s) == 0;
}

struct fbs_finding *fbs_sweep_finding_from_record(const json_t *rec, const char *target,
                                                  const char *place)
{
    struct fbs_finding *f = fbs_finding_new();
    const json_t *loc = json_object_get(rec, "location"), *fb = json_object_get(rec, "fallback"),
                 *facts = json_object_get(rec, "facts"), *scores = json_object_get(rec, "scores"),
                 *risk = json_object_get(rec, "risk"), *reasons = json_object_get(rec, "reasons"),
                 *inds = json_object_get(fb, "indicators"), *v;
    const char *src = json_string_value(json_object_get(loc, "source")), *key;
    size_t i;
    int rc = 0, d;

    if (!f)
        return NULL;
    snprintf(f->id, sizeof(f->id), "%s", nz(json_string_value(json_object_get(rec, "id"))));
    rc |= fbs_finding_set_str(&f->rule_id, path_str(rec, "rule", "id"));
    rc |= fbs_finding_set_str(&f->rule_name, path_str(rec, "rule", "name"));
    rc |= fbs_finding_set_str(&f->kind, path_str(rec, "credential", "kind"));
    f->has_issued = path_time(rec, "credential", "issued", &f->issued);
    f->has_expires = path_time(rec, "credential", "expires", &f->expires);
    f->has_last_used = path_time(rec, "credential", "last_used", &f->last_used);
    for (d = 0; src && d <= FBS_SOURCE_VAULT; d++)
        if (!strcmp(fbs_source_kind_name((enum fbs_source_kind)d), src))
            f->source = (enum fbs_source_kind)d;
    rc |= fbs_finding_set_str(&f->path, path_str(rec, "location", "path"));
    rc |= fbs_finding_set_str(&f->rel_path, place);
    rc |= fbs_finding_set_str(&f->target, target);
    f->line = (unsigned)json_integer_value(json_object_get(loc, "line"));
    f->column = (unsigned)json_integer_value(json_object_get(loc, "column"));
    f->end_line = (unsigned)json_integer_value(json_object_get(loc, "end_line"));
    f->end_column = (unsigned)json_integer_value(json_object_get(loc, "end_column"));
    rc |= fbs_finding_set_str(&f->commit, path_str(rec, "location", "commit"));
    rc |= fbs_finding_set_str(&f->author, path_str(rec, "location", "author"));
    f->has_committed = path_time(rec, "location", "committed", &f->committed);
    v = json_object_get(loc, "in_head");
    f->in_head = json_is_boolean(v) ? json_is_true(v) : -1;
    rc |= fbs_finding_set_str(&f->resource, path_str(rec, "location", "resource"));
    rc |= fbs_finding_set_str(&f->key, path_str(rec, "context", "key"));
    rc |= fbs_finding_set_str(&f->key_path, path_str(rec, "context", "key_path"));
    /* The snippet is already redacted; reporters mask what looks random in it again. */
    rc |= fbs_finding_set_str(&f->line_text, path_str(rec, "context", "snippet"));
    f->is_fallback = json_is_true(json_object_get(fb, "is_fallback"));
    f->fallback_confidence = json_number_value(json_object_get(fb, "confidence"));
    for (i = 0; i < json_array_size(inds); i++) {
        const json_t *in = json_array_get(inds, i);

        rc |= fbs_finding_add_indicator(f, nz(json_string_value(json_object_get(in, "term"))),
                                        nz(json_string_value(json_object_get(in, "where"))),
                                        json_number_value(json_object_get(in, "weight")));
    }
    json_object_foreach((json_t *)facts, key, v)
    {
        if (!strcmp(key, "age_days")) {
            f->has_age = json_is_integer(v);
            f->age_days = json_integer_value(v);
        } else if (!strcmp(key, "valid_days")) {
            f->has_valid = json_is_integer(v);
            f->valid_days = json_integer_value(v);
        } else if (!strcmp(key, "privilege")) {
            int p = json_string_value(v) ? fbs_privilege_parse(json_string_value(v)) : -1;

            f->privilege = p < 0 ? FBS_PRIV_UNKNOWN : (enum fbs_privilege)p;
        } else if (!strcmp(key, "custody")) {
            rc |= fbs_finding_set_str(&f->custody, json_string_value(v));
        } else if (json_object_set_new(f->facts, key, json_deep_copy(v)) < 0) {
            rc = -1;
        }
    }
    /* --verify: the report writes it beside the facts; the reporters read it among them. */
    v = json_object_get(rec, "verification");
    if (json_is_object(v) && json_object_set_new(f->facts, "verification", json_deep_copy(v)) < 0)
        rc = -1;
    for (d = 0; d < FBS_DIM__COUNT; d++) {
        v = json_object_get(scores, fbs_dim_name((enum fbs_dim)d));
        if (json_is_number(v))
            fbs_finding_set_score(f, (enum fbs_dim)d, json_number_value(v));
    }
    if (json_is_object(risk)) {
        int sev = json_string_value(json_object_get(risk, "severity"))
                      ? fbs_severity_parse(json_string_value(json_object_get(risk, "severity")))
                      : -1;

        f->risk = (int)json_integer_value(json_object_get(risk, "score"));
        f->severity = sev >= 0 ? fbs_severity_name((enum fbs_severity)sev) : NULL;
    }
    v = json_object_get(rec, "standing_access");
    f->standing = json_is_boolean(v) ? json_is_true(v) : -1;
    for (i = 0; i < json_array_size(reasons); i++)
        if (json_string_value(json_array_get(reasons, i)))
            rc |= fbs_finding_add_reason(f, "%s", json_string_value(json_array_get(reasons, i)));
    rc |= fbs_finding_set_str(&f->remediation,
                              json_string_value(json_object_get(rec, "remediation")));
    if (rc) {
        fbs_finding_free(f);
        return NULL;
    }
    return f;
}
