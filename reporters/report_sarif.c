/*
 * report_sarif.c - SARIF 2.1.0 (--format sarif), as GitHub code scanning and other SARIF
 * consumers read it. The mapping is documented in docs/report.md, section "SARIF".
 *
 * One run. tool.driver.rules holds one reportingDescriptor per rule and risk band that produced a
 * result, in order of first result; each finding is one result. GitHub reads security-severity
 * from the rule only, so a scored finding's ruleId is its rule's id followed by its severity
 * ("jwt.token/low"): each band's descriptor carries a security-severity inside GitHub's range for
 * that band, and a result's GitHub severity is its own severity. An unscored finding keeps the
 * plain rule id. Everything is written at end(): a band's security-severity is the highest risk
 * among its results, known only when all are in. partialFingerprints do not depend on the band.
 *
 * Exceptions: the reporter wants_suppressed, so the pipeline gives it the findings that allow
 * comments and ignore entries suppress, whatever --show-suppressed says; they are results with
 * result.suppressions. With a baseline, results have baselineState "new" or "unchanged", and
 * end() adds one "absent" result per baseline finding not found again (info->absent), with the
 * baseline's fingerprint, so that a baseline made from this log round-trips. A partial scan
 * (info->partial) has none, and its run.automationDetails.id names another category than a
 * full scan's, so that code scanning does not close the alerts it did not look at.
 *
 * Locations: a file or git finding is its rel_path under a uriBaseId naming its target
 * (%SRCROOT% for the first, %SRCROOT2% ... for the others), so the log holds no absolute path
 * except in run.originalUriBaseIds (and an ignore entry's, when the file lies outside every
 * target). A cloud record has no file: GitHub rejects a result without a physical location, so it
 * gets a pseudo-path "<source>/<resource, percent-encoded>" under %CLOUD% (an originalUriBaseIds
 * entry with a description and no uri) plus a logical location (kind "resource") holding the
 * resource as it is.
 *
 * Secrets: snippets and the region text go through redact.h, raw only with --show-secrets.
 * partialFingerprints carry the finding's salted fingerprint (finding.h), never a hash of the
 * secret alone.
 */
#include "redact.h"
#include "reporter.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../scanner/core/banned.h"

#define SARIF_SCHEMA                                                                               \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#define TOOL_NAME "fallback-scan"
#define TOOL_URI  "https://github.com/fallback-scan/fallback-scan"
/* run.automationDetails.id: code scanning's category is the part before the last '/'. */
#define CATEGORY_FULL    "fallback-scan/full/"
#define CATEGORY_PARTIAL "fallback-scan/partial/"
#define FINGERPRINT_KEY  "fallbackScan/v1"
#define CLOUD_BASE       "%CLOUD%"
#define CWE_HARDCODED    "external/cwe/cwe-798"

/* What the run says about one target: its uriBaseId and, when known, where it is. */
struct sarif_target {
    char *base_id;  /* "%SRCROOT%", "%SRCROOT2%", ... */
    char *root;     /* the absolute directory behind base_id, or NULL */
    char *root_uri; /* file:///.../ or NULL */
    char *repo_uri; /* versionControlProvenance.repositoryUri, or NULL */
    const char *revision, *branch;
    bool git;  /* a git finding came from it, or the caller named its repository */
    bool used; /* some result lies under it */
};

struct sarif_state {
    const struct fbs_report_opts *opts;
    const struct fbs_report_info *info;
    struct sarif_target *targets;
    size_t ntargets;
    json_t *rules;      /* reportingDescriptor array */
    json_t *rule_index; /* SARIF rule id (rule id or rule id/band) -> index in rules */
    json_t *rule_risk;  /* SARIF rule id -> highest risk among its results */
    json_t *results;
    size_t nfindings; /* results that are findings of this scan (not absent ones) */
    size_t nsuppressed, nnew, nunchanged, nabsent;
    bool cloud_used;    /* some result lies under CLOUD_BASE */
    bool unmapped_used; /* some result lies outside every target (cloud records ...) */
};

/* A JSON string from bytes that may not be UTF-8; NULL gives NULL (the caller omits the key). */
static json_t *jstr(const char *s)
{
    return s ? fbs_json_text(s, strlen(s)) : NULL;
}

static json_t *jbuf(const struct fbs_buf *b)
{
    return fbs_json_text(b->ptr, b->len);
}

static json_t *jtime(fbs_time_t t)
{
    char iso[FBS_TIME_ISO_LEN];

    fbs_time_format(iso, t);
    return json_string(iso);
}

/* Set key to v unless v is NULL (unknown values are left out of SARIF property bags). */
static void put(json_t *obj, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(obj, key, v);
}

static json_t *text_message(const char *text)
{
    return json_pack("{s:o}", "text", jstr(text));
}

/* Percent-encode s into out, keeping RFC 3986 unreserved characters and, if keep_slash, '/'. */
static int uri_encode(struct fbs_buf *out, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;
    int rc = 0;

    for (p = (const unsigned char *)s; *p && rc == 0; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || (keep_slash && *p == '/'))
            rc = fbs_buf_putc(out, (char)*p);
        else
            rc = fbs_buf_printf(out, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    return rc;
}

/*
 * A cloud resource as a relative path: percent-encoded, its '/' kept as separators where they
 * separate two non-empty segments ("arn:aws:iam::1:user/ops" ->
 * "arn%3Aaws%3Aiam%3A%3A1%3Auser/ops",
 * "//iam.googleapis.com/x" -> "%2F%2Fiam.googleapis.com/x").
 */
static int resource_path(struct fbs_buf *out, const char *res)
{
    char one[2] = {0, 0};
    const char *p;
    int rc = 0;

    for (p = res; *p && rc == 0; p++) {
        if (*p == '/' && p > res && p[-1] != '/' && p[1] && p[1] != '/') {
            rc = fbs_buf_putc(out, '/');
        } else {
            one[0] = *p;
            rc = uri_encode(out, one, false);
        }
    }
    return rc;
}

/* "file:///abs/dir/" for an absolute directory; NULL on ENOMEM. */
static char *file_uri(const char *dir)
{
    struct fbs_buf b = FBS_BUF_INIT;
    size_t n = strlen(dir);

    if (fbs_buf_puts(&b, "file://") < 0 || uri_encode(&b, dir, true) < 0 ||
        ((n == 0 || dir[n - 1] != '/') && fbs_buf_putc(&b, '/') < 0)) {
        fbs_buf_release(&b);
        return NULL;
    }
    return fbs_buf_detach(&b);
}

/*
 * A clone URL as a repository URI: "scheme://host/path" with any user:password@ dropped (a token
 * in a clone URL must not reach the report); NULL when it is not such a URL (scp-like
 * "git@host:path", a local path) or on ENOMEM.
 */
static char *repo_url(const char *url)
{
    const char *sep = strstr(url, "://"), *auth, *end, *at, *p;
    struct fbs_buf b = FBS_BUF_INIT;

    if (!sep || sep == url)
        return NULL;
    for (p = url; p < sep; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (p > url && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))))
            return NULL;
    /* Only characters a URI may hold, so the result is a valid absolute URI. */
    for (p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || strchr("\"<>\\^`{|}", *p))
            return NULL;
    auth = sep + 3;
    end = auth + strcspn(auth, "/?#");
    at = memchr(auth, '@', (size_t)(end - auth));
    while (at && memchr(at + 1, '@', (size_t)(end - at - 1)))
        at = memchr(at + 1, '@', (size_t)(end - at - 1));
    if (fbs_buf_put(&b, url, (size_t)(auth - url)) < 0 ||
        fbs_buf_puts(&b, at ? at + 1 : auth) < 0) {
        fbs_buf_release(&b);
        return NULL;
    }
    return fbs_buf_detach(&b);
}

/*
 * The absolute directory a target's rel_paths hang from, when the caller did not say: the
 * directory itself, or a file's directory. NULL when unknown (a URL, a vanished path).
 */
static bool target_root(char abs[PATH_MAX], const char *target)
{
    struct stat sb;
    char *slash;

    if (strstr(target, "://") || !realpath(target, abs))
        return false;
    if (stat(abs, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        slash = strrchr(abs, '/');
        if (slash)
            slash[slash == abs ? 1 : 0] = '\0';
    }
    return true;
}

static int targets_init(struct sarif_state *st)
{
    const struct fbs_report_info *info = st->info;
    size_t i;

    if (!info->ntargets)
        return 0;
    st->targets = fbs_calloc(info->ntargets, sizeof(*st->targets));
    if (!st->targets)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    st->ntargets = info->ntargets;
    for (i = 0; i < info->ntargets; i++) {
        const struct fbs_target *ti = info->target_info ? &info->target_info[i] : NULL;
        struct sarif_target *t = &st->targets[i];
        struct fbs_buf id = FBS_BUF_INIT;
        char root[PATH_MAX];

        if ((i == 0 ? fbs_buf_puts(&id, "%SRCROOT%")
                    : fbs_buf_printf(&id, "%%SRCROOT%zu%%", i + 1)) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        t->base_id = fbs_buf_detach(&id);
        if (!t->base_id)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        if ((ti && ti->root && ti->root[0] == '/') || target_root(root, info->targets[i])) {
            t->root = fbs_strdup(ti && ti->root && ti->root[0] == '/' ? ti->root : root);
            t->root_uri = t->root ? file_uri(t->root) : NULL;
            if (!t->root_uri)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
        if (ti && ti->remote)
            t->repo_uri = repo_url(ti->remote);
        else
            t->repo_uri = repo_url(info->targets[i]);
        t->git = t->repo_uri != NULL;
        if (ti) {
            t->revision = ti->revision;
            t->branch = ti->branch;
        }
    }
    return 0;
}

static void targets_free(struct sarif_state *st)
{
    size_t i;

    for (i = 0; i < st->ntargets; i++) {
        fbs_free(st->targets[i].base_id);
        fbs_free(st->targets[i].root);
        fbs_free(st->targets[i].root_uri);
        fbs_free(st->targets[i].repo_uri);
    }
    fbs_free(st->targets);
}

static const char *rule_id_of(const struct fbs_finding *f)
{
    return f->rule_id ? f->rule_id : "unknown";
}

/* The target a finding came from, or NULL (cloud records, findings from elsewhere). */
static struct sarif_target *target_of(struct sarif_state *st, const struct fbs_finding *f)
{
    size_t i;

    if (!f->target)
        return NULL;
    for (i = 0; i < st->ntargets; i++)
        if (!strcmp(st->info->targets[i], f->target))
            return &st->targets[i];
    return NULL;
}

/* "AWS access key id" -> "AwsAccessKeyId": SARIF's friendly rule name is one Pascal-case word. */
static json_t *pascal_name(const char *s)
{
    struct fbs_buf b = FBS_BUF_INIT;
    bool up = true;
    json_t *v;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (up && c >= 'a' && c <= 'z')
                c = (unsigned char)(c - 'a' + 'A');
            else if (!up && c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            if (fbs_buf_putc(&b, (char)c) < 0) {
                fbs_buf_release(&b);
                return NULL;
            }
            up = false;
        } else {
            up = true;
        }
    }
    v = b.len ? json_stringn(b.ptr, b.len) : NULL;
    fbs_buf_release(&b);
    return v;
}

/*
 * What a reportingDescriptor says, taken from a finding of the rule or, for a rule known only from
 * the baseline (an absent result), from what the baseline kept of it.
 */
struct rule_desc {
    const char *id;   /* the SARIF rule id: the rule's id, or "<rule id>/<severity>" */
    const char *base; /* the rule's own id */
    const char *band; /* the severity band, or NULL */
    const char *name, *kind, *remediation;
    bool fallback; /* the kind is a fallback credential by nature */
    bool cloud;    /* a cloud inventory record */
};

/* A finding's band: its severity when scored and one of the known ones, else NULL. */
static const char *band_of(const struct fbs_finding *f)
{
    static const char *const bands[] = {"critical", "high", "medium", "low", "info"};
    size_t i;

    if (f->risk < 0 || !f->severity)
        return NULL;
    for (i = 0; i < sizeof(bands) / sizeof(bands[0]); i++)
        if (!strcmp(f->severity, bands[i]))
            return bands[i];
    return NULL;
}

/*
 * The SARIF rule id of a finding into buf ("jwt.token/low", or "jwt.token" unscored); returns
 * buf's text, or NULL on ENOMEM.
 */
static const char *sarif_rule_id(struct fbs_buf *buf, const char *rule_id, const char *band)
{
    fbs_buf_truncate(buf, 0);
    if (fbs_buf_puts(buf, rule_id) < 0 || (band && fbs_buf_printf(buf, "/%s", band) < 0))
        return NULL;
    return buf->ptr;
}

static void rule_desc_of(struct rule_desc *out, const struct fbs_finding *f)
{
    out->id = rule_id_of(f);
    out->base = rule_id_of(f);
    out->band = band_of(f);
    out->name = f->rule_name;
    out->kind = f->kind;
    out->remediation = f->remediation;
    out->fallback = f->rule_fallback;
    out->cloud = f->source >= FBS_SOURCE_AWS;
}

/*
 * How often a rule's results are real credentials (GitHub's properties.precision). Cloud records
 * come from the provider's own inventory; key material has an unmistakable structure; generic
 * rules guess from a key name and the value's entropy; provider rules have a distinctive format.
 */
static const char *rule_precision(const struct rule_desc *f)
{
    static const char *const structural[] = {
        "private_key",     "private_key_encrypted", "pkcs12",         "java_keystore",
        "private_key_der", "kubeconfig_client_key", "age_secret_key", NULL};
    size_t i;

    if (f->cloud)
        return "very-high";
    for (i = 0; f->kind && structural[i]; i++)
        if (!strcmp(f->kind, structural[i]))
            return "very-high";
    if (!strncmp(f->id, "generic.", 8) ||
        (f->kind && (strstr(f->kind, "password") || !strncmp(f->kind, "generic_", 8))))
        return "medium";
    return "high";
}

/* Help for a rule: what the credential is, why a fallback one is dangerous, what to do. */
static int rule_help(struct fbs_buf *text, struct fbs_buf *md, const struct rule_desc *f)
{
    const char *name = f->name ? f->name : f->id;
    const char *kind = f->kind ? f->kind : "unknown";
    static const char *const why =
        "A fallback credential (a break-glass key, a recovery code, an emergency token, a Vault "
        "unseal key or root token) exists for the day normal access fails, so it is rarely used, "
        "often highly privileged, seldom rotated and easily forgotten. Once a copy sits in a "
        "file, in git history or in a long-lived cloud credential, it is standing access for "
        "whoever can read that copy: deleting the file does not remove it from history, clones "
        "and forks keep it, and it stays valid until it is revoked or expires. The result's "
        "properties carry the standing-access verdict, the risk score and its reasons.";
    static const char *const end =
        "Rotating or revoking is what ends the exposure; rewriting git history alone does not. "
        "Keep a fallback credential that must exist in a secret manager, with an owner, an "
        "expiry and an alert on every use.";
    const char *fix = f->remediation ? f->remediation
                                     : "Revoke or rotate the credential where it was issued and "
                                       "remove it from the file.";
    int rc = 0;

    rc |= fbs_buf_printf(text, "%s: a credential of kind '%s'. ", name, kind);
    rc |= fbs_buf_printf(md, "**%s**: a credential of kind `%s`. ", name, kind);
    if (f->fallback) {
        rc |=
            fbs_buf_puts(text, "Credentials of this kind are fallback credentials by nature.\n\n");
        rc |= fbs_buf_puts(md, "Credentials of this kind are fallback credentials by nature.\n\n");
    } else {
        rc |= fbs_buf_puts(text, "fallback-scan reports every such credential and marks it as "
                                 "a fallback one when its context says so (a key, path, comment, "
                                 "commit message or tag naming break-glass, emergency, recovery "
                                 "or backup access).\n\n");
        rc |= fbs_buf_puts(md, "fallback-scan reports every such credential and marks it as a "
                               "fallback one when its context says so (a key, path, comment, "
                               "commit message or tag naming break-glass, emergency, recovery or "
                               "backup access).\n\n");
    }
    rc |= fbs_buf_printf(text, "Why it matters: %s\n\nRemediation: %s %s", why, fix, end);
    rc |= fbs_buf_printf(md, "### Why it matters\n\n%s\n\n### Remediation\n\n%s\n\n%s", why, fix,
                         end);
    return rc ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

/*
 * Where a rule is documented: a cloud inventory rule in docs/cloud.md, a rule of the pack in its
 * provider's file rules/<provider>.yml (id, name, kind, references, remediation), the provider
 * being the id up to its first '.'; a rule id without one (or with odd characters) gets the rule
 * format's page, docs/rules.md.
 */
static json_t *help_uri(const struct rule_desc *f)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const char *id = f->base ? f->base : f->id, *dot = strchr(id, '.');
    json_t *v = NULL;
    size_t i, n = dot ? (size_t)(dot - id) : 0;
    int rc;

    for (i = 0; i < n; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '_' ||
              id[i] == '-'))
            n = 0;
    if (f->cloud)
        rc = fbs_buf_puts(&b, TOOL_URI "/blob/main/docs/cloud.md");
    else if (n)
        rc = fbs_buf_printf(&b, TOOL_URI "/blob/main/rules/%.*s.yml", (int)n, id);
    else
        rc = fbs_buf_puts(&b, TOOL_URI "/blob/main/docs/rules.md");
    if (rc == 0)
        v = json_string(b.ptr);
    fbs_buf_release(&b);
    return v;
}

static json_t *rule_json(const struct rule_desc *f)
{
    struct fbs_buf text = FBS_BUF_INIT, md = FBS_BUF_INIT, full = FBS_BUF_INIT;
    const char *name = f->name ? f->name : f->id;
    json_t *r = NULL, *tags, *pn, *props;

    if (rule_help(&text, &md, f) < 0 ||
        fbs_buf_printf(&full,
                       "%s: finds credentials of kind '%s' in files, git history and cloud "
                       "inventories, and scores each as a possible fallback credential.",
                       name, f->kind ? f->kind : "unknown") < 0)
        goto done;
    tags = json_pack("[s, s]", "security", "secret");
    if (tags && f->fallback)
        json_array_append_new(tags, json_string("fallback"));
    if (tags)
        json_array_append_new(tags, json_string(CWE_HARDCODED));
    props = json_object();
    put(props, "tags", tags);
    put(props, "precision", json_string(rule_precision(f)));
    put(props, "kind", jstr(f->kind));
    put(props, "fallback", json_boolean(f->fallback));
    if (f->band) {
        put(props, "rule", jstr(f->base));
        put(props, "band", json_string(f->band));
    }
    r = json_object();
    if (!r || !props) {
        json_decref(r);
        json_decref(props);
        r = NULL;
        goto done;
    }
    put(r, "id", jstr(f->id));
    if (f->band) {
        struct fbs_buf bn = FBS_BUF_INIT;

        if (fbs_buf_printf(&bn, "%s %s", name, f->band) == 0)
            pn = pascal_name(bn.ptr);
        else
            pn = NULL;
        fbs_buf_release(&bn);
    } else {
        pn = pascal_name(name);
    }
    if (pn && !strcmp(json_string_value(pn), f->id))
        json_decref(pn); /* SARIF1001: a name equal to the id must be left out */
    else
        put(r, "name", pn);
    if (f->band) {
        struct fbs_buf sd = FBS_BUF_INIT;

        if (fbs_buf_printf(&sd, "%s (%s risk)", name, f->band) == 0)
            put(r, "shortDescription", json_pack("{s:o}", "text", jbuf(&sd)));
        fbs_buf_release(&sd);
    } else {
        put(r, "shortDescription", text_message(name));
    }
    put(r, "helpUri", help_uri(f));
    put(r, "fullDescription", json_pack("{s:o}", "text", jbuf(&full)));
    put(r, "help", json_pack("{s:o, s:o}", "text", jbuf(&text), "markdown", jbuf(&md)));
    put(r, "properties", props);
    if (!json_object_get(r, "id") || !json_object_get(r, "shortDescription") ||
        !json_object_get(r, "fullDescription") || !json_object_get(r, "help")) {
        json_decref(r);
        r = NULL;
    }
done:
    fbs_buf_release(&text);
    fbs_buf_release(&md);
    fbs_buf_release(&full);
    return r;
}

/* The index of a rule in run.tool.driver.rules, adding the rule on first sight; -1 on ENOMEM. */
static json_int_t rule_index(struct sarif_state *st, const struct rule_desc *d)
{
    const char *id = d->id;
    json_t *v = json_object_get(st->rule_index, id);
    json_int_t ix;

    if (v)
        return json_integer_value(v);
    v = rule_json(d);
    if (!v || json_array_append_new(st->rules, v) < 0)
        return -1;
    ix = (json_int_t)json_array_size(st->rules) - 1;
    if (json_object_set_new(st->rule_index, id, json_integer(ix)) < 0)
        return -1;
    return ix;
}

/* SARIF levels from the scorer's severity; an unscored finding is a warning (SARIF's default). */
static const char *level_of(const struct fbs_finding *f)
{
    if (!f->severity || f->risk < 0)
        return "warning";
    if (!strcmp(f->severity, "critical") || !strcmp(f->severity, "high"))
        return "error";
    if (!strcmp(f->severity, "medium"))
        return "warning";
    return "note";
}

/* Append s without a trailing period (the message adds its own punctuation). */
static int put_phrase(struct fbs_buf *b, const char *s)
{
    size_t n = strlen(s);

    while (n && (s[n - 1] == '.' || s[n - 1] == ' '))
        n--;
    return fbs_buf_put(b, s, n);
}

/*
 * The result message: one sentence with what was found and the verdict, one with its reasons
 * (or, before scoring, the fallback evidence). E.g. "AWS access key id in 'breakglass_key': a
 * fallback credential and standing access (risk 92, critical). Reasons: no expiry; issued ...".
 */
static int message_text(struct fbs_buf *b, const struct fbs_finding *f)
{
    const char *name = f->rule_name ? f->rule_name : f->kind ? f->kind : "Credential";
    bool cloud = f->source >= FBS_SOURCE_AWS;
    size_t i;
    int rc = 0;

    rc |= fbs_buf_puts(b, name);
    if (f->key)
        rc |= fbs_buf_printf(b, cloud ? " of '%s'" : " in '%s'", f->key);
    if (f->is_fallback && f->standing == 1)
        rc |= fbs_buf_puts(b, ": a fallback credential and standing access");
    else if (f->is_fallback && f->standing == 0)
        rc |= fbs_buf_puts(b, ": a fallback credential, not standing access");
    else if (f->is_fallback)
        rc |= fbs_buf_puts(b, ": a fallback credential; standing access not assessed");
    else
        rc |= fbs_buf_puts(b, ": not a fallback credential");
    if (f->risk >= 0 && f->severity)
        rc |= fbs_buf_printf(b, " (risk %d, %s)", f->risk, f->severity);
    rc |= fbs_buf_putc(b, '.');
    if (f->nreasons) {
        rc |= fbs_buf_puts(b, " Reasons: ");
        for (i = 0; i < f->nreasons; i++) {
            if (i)
                rc |= fbs_buf_puts(b, "; ");
            rc |= put_phrase(b, f->reasons[i]);
        }
        rc |= fbs_buf_putc(b, '.');
    } else if (f->is_fallback && f->nindicators) {
        rc |= fbs_buf_puts(b, " Fallback evidence: ");
        for (i = 0; i < f->nindicators; i++) {
            const char *w = fbs_report_where_words(f->indicators[i].where);

            if (!w)
                w = f->indicators[i].where ? f->indicators[i].where : "its context";
            rc |= fbs_buf_printf(b, "%s'%s' in %s", i ? ", " : "", f->indicators[i].term, w);
        }
        rc |= fbs_buf_putc(b, '.');
    }
    return rc ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

/* UTF-16 code units in the first n bytes of s (an invalid byte counts as one U+FFFD). */
static unsigned utf16_units(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned units = 0;
    size_t i = 0, len, k;

    while (i < n) {
        unsigned char c = p[i];

        len = c < 0x80             ? 1
              : (c & 0xE0) == 0xC0 ? 2
              : (c & 0xF0) == 0xE0 ? 3
              : (c & 0xF8) == 0xF0 ? 4
                                   : 0;
        for (k = 1; len && k < len; k++)
            if (i + k >= n || (p[i + k] & 0xC0) != 0x80)
                len = 0;
        if (!len)
            len = 1; /* invalid: one replacement character */
        units += len == 4 ? 2 : 1;
        i += len;
    }
    return units;
}

static json_t *snippet(const struct fbs_buf *b)
{
    return json_pack("{s:o}", "text", jbuf(b));
}

/*
 * The region of the secret. Columns are SARIF's default UTF-16 code units, converted from the
 * finding's byte columns when the line text is at hand (it always is for text findings); the
 * region's snippet is the secret redacted. contextRegion is the line with its redacted snippet,
 * when the line is more than the secret.
 */
static int put_regions(json_t *phys, const struct fbs_finding *f, bool show)
{
    struct fbs_buf sec = FBS_BUF_INIT, line = FBS_BUF_INIT;
    unsigned scol = f->column, ecol = f->end_column;
    bool whole_line_known = false;
    json_t *region;
    int rc = 0;

    if (!f->line && f->byte_offset >= 0) {
        /* Found in the printable runs of binary content: a byte region. */
        json_object_set_new(phys, "region",
                            json_pack("{s:I, s:I}", "byteOffset", (json_int_t)f->byte_offset,
                                      "byteLength", (json_int_t)f->byte_length));
        return 0;
    }
    if (!f->line) {
        /* No line (binary content): the whole artifact, from its first line. */
        json_object_set_new(phys, "region", json_pack("{s:i}", "startLine", 1));
        return 0;
    }
    if (f->line_text && f->column >= 1 && f->line_secret_start == (size_t)f->column - 1) {
        size_t ll = strlen(f->line_text);

        whole_line_known = true;
        scol = 1 + utf16_units(f->line_text, f->column - 1);
        if (f->end_line == f->line && f->end_column >= 1 && (size_t)f->end_column - 1 <= ll)
            ecol = 1 + utf16_units(f->line_text, f->end_column - 1);
    }
    region = json_pack("{s:I, s:I, s:I, s:I}", "startLine", (json_int_t)f->line, "startColumn",
                       (json_int_t)scol, "endLine", (json_int_t)f->end_line, "endColumn",
                       (json_int_t)ecol);
    if (!region)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (f->secret) {
        rc = show ? fbs_utf8_sanitize(&sec, f->secret, f->secret_len)
                  : fbs_redact_finding_secret(&sec, f);
        if (rc == 0)
            put(region, "snippet", snippet(&sec));
    }
    json_object_set_new(phys, "region", region);
    /* contextRegion must be a proper superset of region (SARIF1008): one line holding more than
     * the secret. */
    if (rc == 0 && f->line_text && f->end_line == f->line &&
        !(whole_line_known && f->line_secret_start == 0 &&
          f->line_secret_len == strlen(f->line_text))) {
        rc =
            fbs_redact_snippet(&line, f->line_text, f->line_secret_start, f->line_secret_len, show);
        if (rc == 0)
            json_object_set_new(phys, "contextRegion",
                                json_pack("{s:I, s:I, s:o}", "startLine", (json_int_t)f->line,
                                          "endLine", (json_int_t)f->line, "snippet",
                                          snippet(&line)));
    }
    fbs_buf_release_wipe(&sec);
    fbs_buf_release_wipe(&line);
    return rc < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

static json_t *location_json(struct sarif_state *st, const struct fbs_finding *f)
{
    struct fbs_buf uri = FBS_BUF_INIT;
    json_t *loc = NULL, *art = NULL, *phys = NULL;
    const char *base = NULL;

    if (!f->path && f->resource) {
        /* A cloud record: a pseudo-path under %CLOUD% plus the resource as a logical location. */
        if (fbs_buf_printf(&uri, "%s/", fbs_source_kind_name(f->source)) < 0 ||
            resource_path(&uri, f->resource) < 0)
            goto done;
        base = CLOUD_BASE;
        st->cloud_used = true;
        st->unmapped_used = true;
    } else {
        struct sarif_target *t = target_of(st, f);
        const char *p = f->rel_path ? f->rel_path : f->path ? f->path : "";

        while (*p == '/')
            p++; /* a relative reference must not start with '/' (SARIF1004) */
        if (uri_encode(&uri, p, true) < 0)
            goto done;
        if (t) {
            base = t->base_id;
            t->used = true;
            if (f->source == FBS_SOURCE_GIT && !t->git && t->root_uri) {
                t->git = true; /* a local repository: known by its work tree */
                t->repo_uri = fbs_malloc(strlen(t->root_uri) + 1);
                if (!t->repo_uri)
                    goto done;
                memcpy(t->repo_uri, t->root_uri, strlen(t->root_uri) + 1);
            }
        }
        if (!t)
            st->unmapped_used = true;
    }
    art = json_pack("{s:s%}", "uri", uri.ptr, uri.len);
    if (art && base)
        json_object_set_new(art, "uriBaseId", json_string(base));
    phys = json_object();
    loc = json_object();
    if (!art || !phys || !loc)
        goto fail;
    json_object_set_new(phys, "artifactLocation", art);
    art = NULL;
    if (!f->path && f->resource) {
        json_object_set_new(phys, "region", json_pack("{s:i}", "startLine", 1));
    } else if (put_regions(phys, f, st->opts->show_secrets) < 0) {
        goto fail;
    }
    json_object_set_new(loc, "physicalLocation", phys);
    phys = NULL;
    if (f->resource) {
        json_t *ll =
            json_pack("{s:s, s:o}", "kind", "resource", "fullyQualifiedName", jstr(f->resource));

        if (ll && f->key)
            json_object_set_new(ll, "name", jstr(f->key));
        put(loc, "logicalLocations", ll ? json_pack("[o]", ll) : NULL);
    }
    goto done;
fail:
    json_decref(loc);
    loc = NULL;
done:
    json_decref(art);
    json_decref(phys);
    fbs_buf_release(&uri);
    return loc;
}

/* The finding's facts as in the JSON report: parsers' facts plus age, validity, privilege, custody.
 */
static json_t *facts_json(const struct fbs_finding *f)
{
    json_t *facts = f->facts ? json_deep_copy(f->facts) : json_object();

    if (!facts)
        return NULL;
    if (f->has_age)
        json_object_set_new(facts, "age_days", json_integer(f->age_days));
    if (f->has_valid)
        json_object_set_new(facts, "valid_days", json_integer(f->valid_days));
    json_object_set_new(facts, "privilege", json_string(fbs_privilege_name(f->privilege)));
    put(facts, "custody", jstr(f->custody));
    return facts;
}

/*
 * result.properties: the finding's verdict and evidence under the JSON report's names. Unknown
 * values are left out.
 */
static json_t *properties_json(const struct fbs_finding *f)
{
    struct fbs_buf red = FBS_BUF_INIT;
    json_t *p = json_object(), *a, *scores;
    size_t i;
    int d;

    if (!p)
        return NULL;
    put(p, "kind", jstr(f->kind));
    if (f->secret && fbs_redact_finding_secret(&red, f) == 0)
        put(p, "redacted", json_stringn(red.ptr, red.len));
    fbs_buf_release(&red);
    put(p, "source", json_string(fbs_source_kind_name(f->source)));
    put(p, "commit", jstr(f->commit));
    put(p, "author", jstr(f->author));
    if (f->has_committed)
        put(p, "committed", jtime(f->committed));
    if (f->in_head >= 0)
        put(p, "in_head", json_boolean(f->in_head));
    put(p, "resource", jstr(f->resource));
    put(p, "target", jstr(f->target_id));
    if (f->source >= FBS_SOURCE_AWS) {
        if (f->active >= 0)
            put(p, "active", json_boolean(f->active));
        put(p, "interactive", json_boolean(f->interactive));
    }
    if (f->has_issued)
        put(p, "issued", jtime(f->issued));
    if (f->has_expires)
        put(p, "expires", jtime(f->expires));
    if (f->has_last_used)
        put(p, "last_used", jtime(f->last_used));
    put(p, "key", jstr(f->key));
    put(p, "key_path", jstr(f->key_path));
    if (f->risk >= 0 && f->severity) {
        put(p, "risk", json_integer(f->risk));
        put(p, "severity", json_string(f->severity));
    }
    if (f->standing >= 0)
        put(p, "standing_access", json_boolean(f->standing));
    if (json_object_get(f->facts, "verification")) /* --verify (docs/verify.md) */
        put(p, "verification", json_deep_copy(json_object_get(f->facts, "verification")));
    if (f->nreasons) {
        a = json_array();
        for (i = 0; a && i < f->nreasons; i++)
            json_array_append_new(a, jstr(f->reasons[i]));
        put(p, "reasons", a);
    }
    put(p, "is_fallback", json_boolean(f->is_fallback));
    put(p, "fallback_confidence", fbs_json_score(f->fallback_confidence));
    a = json_array();
    for (i = 0; a && i < f->nindicators; i++)
        json_array_append_new(a, json_pack("{s:o, s:o, s:o}", "term", jstr(f->indicators[i].term),
                                           "where", jstr(f->indicators[i].where), "weight",
                                           fbs_json_score(f->indicators[i].weight)));
    put(p, "indicators", a);
    scores = json_object();
    for (d = 0; scores && d < FBS_DIM__COUNT; d++)
        if (fbs_finding_has_score(f, (enum fbs_dim)d))
            json_object_set_new(scores, fbs_dim_name((enum fbs_dim)d),
                                fbs_json_score(f->scores[d]));
    put(p, "scores", scores);
    put(p, "facts", facts_json(f));
    return p;
}

/*
 * The target whose root holds the absolute path `abs`, and the path below it; NULL when none
 * does.
 */
static struct sarif_target *target_holding(struct sarif_state *st, const char *abs,
                                           const char **rel)
{
    size_t i, n;

    for (i = 0; i < st->ntargets; i++) {
        const char *root = st->targets[i].root;

        if (!root)
            continue;
        n = strlen(root);
        while (n && root[n - 1] == '/')
            n--;
        if (!strncmp(abs, root, n) && abs[n] == '/' && abs[n + 1]) {
            *rel = abs + n + 1;
            return &st->targets[i];
        }
    }
    return NULL;
}

/*
 * Where an ignore entry was written ("file:line", suppression_source) as a location: the file
 * relative to the target it lies in, else as an absolute file:// URI. NULL when the source is not
 * a file and a line, or on ENOMEM.
 */
static json_t *entry_location(struct sarif_state *st, const char *source)
{
    const char *colon = strrchr(source, ':'), *rel = NULL;
    struct sarif_target *t = NULL;
    struct fbs_buf uri = FBS_BUF_INIT;
    char abs[PATH_MAX], *file = NULL, *end;
    json_t *art = NULL, *loc = NULL;
    long line;

    if (!colon || colon == source || !colon[1])
        return NULL;
    errno = 0;
    line = strtol(colon + 1, &end, 10);
    if (errno || *end || line < 1 || line > INT_MAX)
        return NULL;
    file = fbs_strndup(source, (size_t)(colon - source));
    if (!file)
        return NULL;
    if (!realpath(file, abs)) {
        if (file[0] != '/' || strlen(file) >= sizeof(abs))
            goto done;
        memcpy(abs, file, strlen(file) + 1); /* gone since: as the entry named it */
    }
    t = target_holding(st, abs, &rel);
    if (t ? uri_encode(&uri, rel, true) < 0
          : fbs_buf_puts(&uri, "file://") < 0 || uri_encode(&uri, abs, true) < 0)
        goto done;
    art = json_pack("{s:s%}", "uri", uri.ptr, uri.len);
    if (art && t)
        json_object_set_new(art, "uriBaseId", json_string(t->base_id));
    if (art)
        loc = json_pack("{s:{s:O, s:{s:i}}}", "physicalLocation", "artifactLocation", art, "region",
                        "startLine", (int)line);
done:
    json_decref(art);
    fbs_buf_release(&uri);
    fbs_free(file);
    return loc;
}

/*
 * result.suppressions for a suppressed finding: an allow comment is "inSource", an ignore entry
 * "external" with the entry's place as its location; both "accepted", the reason as the
 * justification. NULL when not suppressed (or on ENOMEM: the caller checks).
 */
static json_t *suppressions_json(struct sarif_state *st, const struct fbs_finding *f)
{
    json_t *s, *loc;

    if (!f->suppression)
        return NULL;
    s = json_pack("{s:s, s:s}", "kind",
                  f->suppression == FBS_SUPPRESSED_INLINE ? "inSource" : "external", "status",
                  "accepted");
    if (!s)
        return NULL;
    put(s, "justification", jstr(f->suppression_reason));
    if (f->suppression_source) {
        loc = f->suppression == FBS_SUPPRESSED_IGNORE_FILE
                  ? entry_location(st, f->suppression_source)
                  : NULL;
        if (loc)
            json_object_set_new(s, "location", loc);
        else
            put(s, "properties", json_pack("{s:o}", "source", jstr(f->suppression_source)));
    }
    return json_pack("[o]", s);
}

static const char *baseline_state(enum fbs_baseline_state b)
{
    switch (b) {
    case FBS_BASELINE_NEW:
        return "new";
    case FBS_BASELINE_UNCHANGED:
        return "unchanged";
    default:
        return NULL;
    }
}

static int sarif_add(void *state, const struct fbs_finding *f)
{
    struct sarif_state *st = state;
    struct fbs_buf msg = FBS_BUF_INIT, idb = FBS_BUF_INIT;
    struct rule_desc rd;
    json_t *r = NULL, *loc, *v, *rid;
    const char *bs;
    json_int_t ix;
    int rc;

    rule_desc_of(&rd, f);
    rd.id = sarif_rule_id(&idb, rd.base, rd.band);
    ix = rd.id ? rule_index(st, &rd) : -1;
    rid = ix >= 0 ? jstr(rd.id) : NULL;
    fbs_buf_release(&idb);
    if (!rid)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    rc = message_text(&msg, f);
    if (rc < 0) {
        fbs_buf_release(&msg);
        json_decref(rid);
        return rc;
    }
    r = json_object();
    loc = location_json(st, f);
    if (!r || !loc) {
        json_decref(rid);
        json_decref(r);
        json_decref(loc);
        fbs_buf_release(&msg);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    put(r, "ruleId", json_incref(rid));
    put(r, "ruleIndex", json_integer(ix));
    put(r, "level", json_string(level_of(f)));
    if (f->risk >= 0 && f->severity)
        put(r, "rank", json_real((double)f->risk));
    put(r, "message", json_pack("{s:o}", "text", jbuf(&msg)));
    fbs_buf_release(&msg);
    put(r, "locations", json_pack("[o]", loc));
    /* The salted fingerprint: stable across runs and line shifts (it leaves the line out). */
    if (f->id[0])
        put(r, "partialFingerprints", json_pack("{s:s}", FINGERPRINT_KEY, f->id));
    put(r, "suppressions", suppressions_json(st, f));
    bs = baseline_state(f->baseline);
    if (bs)
        put(r, "baselineState", json_string(bs));
    put(r, "properties", properties_json(f));
    /* What SARIF and GitHub require must be there, and what tells a suppressed or known finding
     * from a new one; other optional parts may be missing on ENOMEM. */
    if (!json_object_get(r, "ruleId") || !json_object_get(r, "message") ||
        !json_object_get(r, "locations") ||
        (f->suppression && !json_object_get(r, "suppressions")) ||
        (bs && !json_object_get(r, "baselineState"))) {
        json_decref(r);
        json_decref(rid);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (json_array_append_new(st->results, r) < 0) { /* takes r, even on failure */
        json_decref(rid);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    st->nfindings++;
    st->nsuppressed += f->suppression != FBS_SUPPRESSED_NO;
    st->nnew += f->baseline == FBS_BASELINE_NEW;
    st->nunchanged += f->baseline == FBS_BASELINE_UNCHANGED;

    /* A band's security-severity follows its riskiest result. */
    if (rd.band) {
        const char *id = json_string_value(rid);

        v = json_object_get(st->rule_risk, id);
        if (!v || json_integer_value(v) < f->risk)
            json_object_set_new(st->rule_risk, id, json_integer(f->risk));
    }
    json_decref(rid);
    return 0;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Percent-encode a path that may already be a URI reference (a SARIF baseline keeps the result's
 * uri): as uri_encode() keeping '/', but a '%' that starts an escape stays as it is.
 */
static int uri_encode_path(struct fbs_buf *out, const char *s)
{
    char one[2] = {0, 0};
    int rc = 0;

    for (; *s && rc == 0; s++) {
        if (s[0] == '%' && is_hex(s[1]) && is_hex(s[2])) {
            rc = fbs_buf_put(out, s, 3);
            s += 2;
        } else {
            one[0] = *s;
            rc = uri_encode(out, one, true);
        }
    }
    return rc;
}

/*
 * The target a baseline path belongs to, and the path below its root. A JSON report's
 * location.path of a file target starts with the target as given ("tree/.env"), or is absolute
 * under its root; a git path and a SARIF uri are relative to the root already (the first
 * target's, when nothing says which).
 */
static struct sarif_target *absent_target(struct sarif_state *st, const char *path,
                                          const char **rel)
{
    size_t i, n;

    for (i = 0; i < st->ntargets; i++) {
        const char *tg = st->info->targets[i];

        n = strlen(tg);
        if (n && strcmp(tg, ".") && !strncmp(path, tg, n) && path[n] == '/' && path[n + 1]) {
            *rel = path + n + 1;
            return &st->targets[i];
        }
    }
    *rel = path;
    if (path[0] == '/')
        return target_holding(st, path, rel);
    return st->ntargets ? &st->targets[0] : NULL;
}

/*
 * Where a baseline finding was: its path (relative to a target when it can be), else its cloud
 * resource as for cloud records, under a pseudo-path named by the rule's provider
 * ("aws.iam.access_key" -> "aws/..."). *out is NULL when the baseline kept neither. 0 or
 * FBS_ENOMEM.
 */
static int absent_location(json_t **out, struct sarif_state *st, const char *rule_id,
                           const char *path, const char *resource, json_int_t line)
{
    struct fbs_buf uri = FBS_BUF_INIT;
    struct sarif_target *t = NULL;
    const char *base = NULL, *rel = NULL;
    json_t *art = NULL;
    int rc = 0;

    *out = NULL;
    if (path) {
        t = absent_target(st, path, &rel);
        while (rel[0] == '.' && rel[1] == '/')
            rel += 2;
        while (t && *rel == '/')
            rel++;
        if (!*rel)
            path = NULL; /* names a target, no file in it */
    }
    if (path) {
        if (!t && *rel == '/' && fbs_buf_puts(&uri, "file://") < 0)
            rc = FBS_ENOMEM;
        else
            rc = uri_encode_path(&uri, rel);
        if (t) {
            base = t->base_id;
            t->used = true;
        } else {
            st->unmapped_used = true;
        }
    } else if (resource) {
        if (fbs_buf_put(&uri, rule_id, strcspn(rule_id, ".")) < 0 || fbs_buf_putc(&uri, '/') < 0)
            rc = FBS_ENOMEM;
        else
            rc = resource_path(&uri, resource);
        base = CLOUD_BASE;
        st->cloud_used = true;
        st->unmapped_used = true;
    } else {
        return 0;
    }
    if (rc < 0)
        goto done;
    rc = FBS_ENOMEM;
    art = json_pack("{s:s%}", "uri", uri.ptr, uri.len);
    if (!art || (base && json_object_set_new(art, "uriBaseId", json_string(base)) < 0))
        goto done;
    *out = json_pack("{s:{s:O, s:{s:I}}}", "physicalLocation", "artifactLocation", art, "region",
                     "startLine", line > 0 ? line : (json_int_t)1);
    if (*out && !path)
        put(*out, "logicalLocations",
            json_pack("[{s:s, s:o}]", "kind", "resource", "fullyQualifiedName", jstr(resource)));
    if (*out)
        rc = 0;
done:
    json_decref(art);
    fbs_buf_release(&uri);
    return rc;
}

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s && *s ? s : NULL;
}

/*
 * One result with baselineState "absent" for a finding of the baseline that this scan did not
 * find: kind "pass" (the rule no longer fires there), the fingerprint it had, a message built from
 * what the baseline kept. Skipped when the baseline kept no place for it. 0 or FBS_ENOMEM.
 */
static int add_absent(struct sarif_state *st, const json_t *entry)
{
    const json_t *d = json_object_get(entry, "finding");
    const char *id = str_of(entry, "id"), *path = str_of(d, "path");
    const char *resource = str_of(d, "resource"), *message = str_of(d, "message");
    json_int_t line = json_integer_value(json_object_get(d, "line"));
    struct fbs_buf msg = FBS_BUF_INIT, idb = FBS_BUF_INIT;
    struct rule_desc rd;
    json_t *r = NULL, *loc;
    json_int_t ix;
    int rc;

    if (!id)
        return 0;
    memset(&rd, 0, sizeof(rd));
    rd.base = str_of(d, "rule_id") ? str_of(d, "rule_id") : "unknown";
    rd.id = rd.base;
    rd.name = str_of(d, "rule_name");
    rd.kind = str_of(d, "kind");
    rd.cloud = !path && resource;
    /* A JSON baseline keeps the severity: the result names the band it was reported under (a
     * SARIF baseline's rule id has it already), so that it closes that alert. */
    rd.band = str_of(d, "severity");
    if (rd.band && !strchr(rd.base, '/')) {
        rd.id = sarif_rule_id(&idb, rd.base, rd.band);
        if (!rd.id)
            return FBS_ENOMEM;
    } else {
        rd.band = NULL;
    }
    rc = absent_location(&loc, st, rd.base, path, resource, line);
    if (rc < 0 || !loc) {
        fbs_buf_release(&idb);
        return rc;
    }
    ix = rule_index(st, &rd);
    rc |= fbs_buf_puts(&msg, "No longer found: ");
    if (message) {
        rc |= put_phrase(&msg, message);
    } else {
        rc |= fbs_buf_puts(&msg, rd.name ? rd.name : rd.base);
        if (path)
            rc |= fbs_buf_printf(&msg, " in '%s'", path);
        else if (resource)
            rc |= fbs_buf_printf(&msg, " of '%s'", resource);
        if (path && line > 0)
            rc |= fbs_buf_printf(&msg, ", line %lld", (long long)line);
    }
    rc |= fbs_buf_putc(&msg, '.');
    if (ix >= 0 && rc == 0)
        r = json_pack("{s:o, s:I, s:s, s:s, s:{s:o}, s:[O], s:{s:s}, s:s}", "ruleId", jstr(rd.id),
                      "ruleIndex", ix, "kind", "pass", "level", "none", "message", "text",
                      jbuf(&msg), "locations", loc, "partialFingerprints", FINGERPRINT_KEY, id,
                      "baselineState", "absent");
    if (r && rd.kind)
        put(r, "properties", json_pack("{s:o}", "kind", jstr(rd.kind)));
    json_decref(loc);
    fbs_buf_release(&msg);
    fbs_buf_release(&idb);
    if (!r || json_array_append_new(st->results, r) < 0)
        return FBS_ENOMEM;
    st->nabsent++;
    return 0;
}

static int add_absent_results(struct sarif_state *st)
{
    const json_t *entry;
    size_t i;

    json_array_foreach(st->info->absent, i, entry)
    {
        if (add_absent(st, entry) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

static int sarif_begin(void **state, const struct fbs_report_opts *opts,
                       const struct fbs_report_info *info)
{
    struct sarif_state *st = fbs_calloc(1, sizeof(*st));
    int rc;

    *state = NULL;
    if (!st)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    st->opts = opts;
    st->info = info;
    st->rules = json_array();
    st->rule_index = json_object();
    st->rule_risk = json_object();
    st->results = json_array();
    rc = targets_init(st);
    if (rc == 0 && (!st->rules || !st->rule_index || !st->rule_risk || !st->results))
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc < 0) {
        json_decref(st->rules);
        json_decref(st->rule_index);
        json_decref(st->rule_risk);
        json_decref(st->results);
        targets_free(st);
        fbs_free(st);
        return rc;
    }
    *state = st;
    return 0;
}

/*
 * GitHub's security-severity for a band's descriptor: the highest risk of its results over ten,
 * kept inside the range GitHub reads as that band (critical above 9.0, high 7.0-8.9, medium
 * 4.0-6.9, low 0.1-3.9), so that GitHub shows each result with its own severity whatever the
 * policy's severity thresholds are. "info" results get none (GitHub shows their level, note).
 */
static void set_security_severity(struct sarif_state *st)
{
    static const struct {
        const char *band;
        int lo, hi; /* tenths */
    } ranges[] = {{"critical", 91, 100}, {"high", 70, 89}, {"medium", 40, 69}, {"low", 1, 39}};
    size_t i, k;
    json_t *rule;

    json_array_foreach(st->rules, i, rule)
    {
        json_t *props = json_object_get(rule, "properties");
        json_t *risk =
            json_object_get(st->rule_risk, json_string_value(json_object_get(rule, "id")));
        const char *band = json_string_value(json_object_get(props, "band"));
        long long tenths;
        char sev[16];

        if (!risk || !band)
            continue;
        for (k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++)
            if (!strcmp(band, ranges[k].band))
                break;
        if (k == sizeof(ranges) / sizeof(ranges[0]))
            continue;
        tenths = (long long)json_integer_value(risk);
        if (tenths < ranges[k].lo)
            tenths = ranges[k].lo;
        if (tenths > ranges[k].hi)
            tenths = ranges[k].hi;
        snprintf(sev, sizeof(sev), "%lld.%lld", tenths / 10, tenths % 10);
        json_object_set_new(json_object_get(rule, "properties"), "security-severity",
                            json_string(sev));
    }
}

static json_t *invocation_json(const struct sarif_state *st)
{
    json_t *inv = json_pack("{s:b}", "executionSuccessful", 1), *notes = json_array();
    const struct fbs_diags *diags = st->info->diags;
    size_t i;

    if (!inv || !notes) {
        json_decref(inv);
        json_decref(notes);
        return NULL;
    }
    for (i = 0; diags && i < diags->items.len; i++) {
        const struct fbs_diag *d = diags->items.items[i];
        struct fbs_buf b = FBS_BUF_INIT;

        if (d->path)
            fbs_buf_printf(&b, "'%s': ", d->path);
        put_phrase(&b, d->message ? d->message : "");
        fbs_buf_putc(&b, '.');
        json_array_append_new(notes, json_pack("{s:s, s:o, s:{s:o}}", "level",
                                               d->error ? "error" : "note", "message",
                                               json_pack("{s:o}", "text", jbuf(&b)), "descriptor",
                                               "id", jstr(d->kind ? d->kind : "diagnostic")));
        fbs_buf_release(&b);
    }
    if (json_array_size(notes))
        json_object_set_new(inv, "toolExecutionNotifications", notes);
    else
        json_decref(notes);
    return inv;
}

static json_t *base_ids_json(const struct sarif_state *st)
{
    json_t *o = json_object();
    size_t i;

    if (!o)
        return NULL;
    for (i = 0; i < st->ntargets; i++)
        if (st->targets[i].root_uri)
            json_object_set_new(o, st->targets[i].base_id,
                                json_pack("{s:s}", "uri", st->targets[i].root_uri));
    if (st->cloud_used)
        json_object_set_new(
            o, CLOUD_BASE,
            json_pack("{s:{s:s}}", "description", "text",
                      "Cloud inventories: a result's path is its source followed by its resource "
                      "identifier, percent-encoded; it names no file."));
    return o;
}

/*
 * versionControlProvenance: one entry per target known to be a repository. Left out when some
 * result lies outside every repository (a plain directory, a cloud record): SARIF2007 asks every
 * result location to hang from a repository's uriBaseId once any repository is declared.
 */
static json_t *vcp_json(const struct sarif_state *st)
{
    json_t *a;
    size_t i;

    if (st->unmapped_used)
        return NULL;
    for (i = 0; i < st->ntargets; i++)
        if (st->targets[i].used && !st->targets[i].git)
            return NULL;
    a = json_array();
    for (i = 0; a && i < st->ntargets; i++) {
        const struct sarif_target *t = &st->targets[i];
        json_t *v;

        if (!t->git || !t->repo_uri)
            continue;
        v = json_pack("{s:s}", "repositoryUri", t->repo_uri);
        if (!v)
            continue;
        if (t->revision)
            json_object_set_new(v, "revisionId", jstr(t->revision));
        if (t->branch)
            json_object_set_new(v, "branch", jstr(t->branch));
        json_object_set_new(v, "mappedTo", json_pack("{s:s}", "uriBaseId", t->base_id));
        json_array_append_new(a, v);
    }
    if (a && !json_array_size(a)) {
        json_decref(a);
        a = NULL;
    }
    return a;
}

/*
 * run.properties.targets: each target's identity as in the JSON report's scan.target_info, with
 * the uriBaseId its results' locations hang from (results name it in properties.target).
 */
static json_t *run_targets_json(const struct sarif_state *st)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a && i < st->ntargets; i++) {
        const struct fbs_target *t = st->info->target_info ? &st->info->target_info[i] : NULL;
        json_t *o = json_pack("{s:s, s:o}", "uriBaseId", st->targets[i].base_id, "name",
                              fbs_json_target_name(st->info->targets[i]));

        if (o && t) {
            put(o, "id", jstr(t->id));
            put(o, "kind", json_string(fbs_target_kind_name(t->kind)));
            if (t->remote)
                put(o, "remote", fbs_json_remote(t->remote));
            put(o, "head_commit", jstr(t->revision));
            put(o, "branch", jstr(t->branch));
            put(o, "account", jstr(t->account));
        }
        if (o)
            json_array_append_new(a, o);
    }
    return a;
}

static json_t *run_props_json(const struct sarif_state *st)
{
    const struct fbs_stats *s = st->info->stats;
    char iso[FBS_TIME_ISO_LEN];
    json_t *p = json_object();

    if (!p)
        return NULL;
    fbs_time_format(iso, st->info->now);
    json_object_set_new(p, "now", json_string(iso));
    if (s)
        json_object_set_new(
            p, "stats",
            json_pack(
                "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "files",
                (json_int_t)atomic_load(&s->files), "blobs", (json_int_t)atomic_load(&s->blobs),
                "bytes", (json_int_t)atomic_load(&s->bytes), "commits",
                (json_int_t)atomic_load(&s->commits), "findings", (json_int_t)st->nfindings,
                "suppressed", (json_int_t)st->nsuppressed, "rules", (json_int_t)st->info->nrules,
                "diagnostics", (json_int_t)atomic_load(&s->errors), "incomplete",
                atomic_load(&s->errors) > 0));
    if (s) { /* blobs matched through a view (docs/report.md), when there are any */
        json_t *views = json_object(), *stats = json_object_get(p, "stats");
        int i;

        for (i = 0; views && i < FBS_VIEW__COUNT; i++)
            if (atomic_load(&s->views[i]))
                json_object_set_new(views, fbs_view_name((enum fbs_view)i),
                                    json_integer((json_int_t)atomic_load(&s->views[i])));
        if (stats && views && json_object_size(views))
            json_object_set_new(stats, "views", views);
        else
            json_decref(views);
    }
    /* What the baseline (--baseline) made of the results, as in the JSON report's summary. */
    if (st->info->absent)
        json_object_set_new(p, "baseline",
                            json_pack("{s:I, s:I, s:I}", "new", (json_int_t)st->nnew, "unchanged",
                                      (json_int_t)st->nunchanged, "absent",
                                      (json_int_t)st->nabsent));
    if (st->info->partial)
        json_object_set_new(p, "partial", json_string(st->info->partial));
    if (st->info->policy)
        json_object_set_new(p, "policy", json_deep_copy(st->info->policy));
    json_object_set_new(p, "targets", run_targets_json(st));
    return p;
}

static int sarif_end(void *state)
{
    struct sarif_state *st = state;
    json_t *doc = NULL, *run, *driver;
    int rc = 0;

    if (!st)
        return 0;
    rc = add_absent_results(st);
    if (rc < 0)
        goto done;
    set_security_severity(st);
    driver = json_pack("{s:s, s:s, s:s, s:s, s:O}", "name", TOOL_NAME, "semanticVersion",
                       st->info->tool_version ? st->info->tool_version : "0.0.0", "version",
                       st->info->tool_version ? st->info->tool_version : "0.0.0", "informationUri",
                       TOOL_URI, "rules", st->rules);
    run = json_object();
    if (!driver || !run) {
        json_decref(driver);
        json_decref(run);
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    json_object_set_new(run, "tool", json_pack("{s:o}", "driver", driver));
    /*
     * The category: code scanning takes each upload of a category as the complete analysis and
     * closes the alerts missing from it, so a partial scan must not share the full scan's.
     */
    json_object_set_new(
        run, "automationDetails",
        json_pack("{s:s}", "id", st->info->partial ? CATEGORY_PARTIAL : CATEGORY_FULL));
    put(run, "invocations", json_pack("[o]", invocation_json(st)));
    put(run, "originalUriBaseIds", base_ids_json(st));
    put(run, "versionControlProvenance", vcp_json(st));
    json_object_set(run, "results", st->results);
    json_object_set_new(run, "columnKind", json_string("utf16CodeUnits"));
    put(run, "properties", run_props_json(st));
    doc = json_pack("{s:s, s:s, s:[o]}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", run);
    if (!doc) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (json_dumpf(doc, st->opts->out, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) < 0 ||
        fputc('\n', st->opts->out) == EOF)
        rc = fbs_error_set(FBS_EIO, "cannot write the report: %s", strerror(errno));
done:
    json_decref(doc);
    json_decref(st->rules);
    json_decref(st->rule_index);
    json_decref(st->rule_risk);
    json_decref(st->results);
    targets_free(st);
    fbs_free(st);
    return rc;
}

const struct fbs_reporter fbs_reporter_sarif = {
    .name = "sarif",
    .wants_suppressed = true, /* always carried, as result.suppressions */
    .begin = sarif_begin,
    .add = sarif_add,
    .end = sarif_end,
};
