/*
 * parse_gcp.c - Google Cloud service-account key files: who the key belongs to and what it is.
 *
 * The finding's secret is the private_key PEM (with JSON \n escapes); its key facts come from
 * x509.h. The JSON document around the match is found by trying the '{' before the match,
 * innermost first (a key file, or one embedded in a larger YAML or JSON file), and accepted when
 * its private_key_id is the one the match holds. Facts: client_email, project_id,
 * private_key_id, client_id, token_uri (identifiers, not secrets; the gcp verifier reads them);
 * client_email joins f->names so that fallback vocabulary in the account name counts
 * ("breakglass-sa@...").
 */
#include "detector.h"
#include "x509.h"
#include "../scanner/core/error.h"

#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_DOC      ((size_t)1 << 20) /* bytes of JSON parsed from one '{' */
#define MAX_LOOKBACK ((size_t)64 << 10)
#define MAX_TRIES    8

static const char *const gcp_kinds[] = {"gcp_service_account_key", NULL};

/* The private_key_id value inside the match, or false. */
static bool match_key_id(const struct fbs_finding *f, const struct fbs_blob *b, char out[64])
{
    const char *m = (const char *)b->data + f->match_start;
    size_t n = f->match_end - f->match_start, k = 0;
    const char *p = memmem(m, n, "\"private_key_id\"", 16), *end = m + n;

    if (!p)
        return false;
    p += 16;
    while (p < end && *p != '"')
        p++;
    for (p++; p < end && *p != '"' && k < 63; p++)
        out[k++] = *p;
    out[k] = '\0';
    return k > 0 && p < end;
}

static json_t *try_document(const struct fbs_blob *b, size_t at, const char *id)
{
    size_t n = b->len - at > MAX_DOC ? MAX_DOC : b->len - at;
    json_error_t err;
    json_t *doc = json_loadb((const char *)b->data + at, n, JSON_DISABLE_EOF_CHECK, &err);
    const char *got = json_string_value(json_object_get(doc, "private_key_id"));

    if (json_is_object(doc) && got && !strcmp(got, id))
        return doc;
    json_decref(doc);
    return NULL;
}

static json_t *find_document(const struct fbs_finding *f, const struct fbs_blob *b)
{
    char id[64];
    size_t at = f->match_start, stop, tries = 0;

    if (!b || b->binary || f->match_end > b->len || f->match_start >= f->match_end ||
        !match_key_id(f, b, id))
        return NULL;
    stop = at > MAX_LOOKBACK ? at - MAX_LOOKBACK : 0;
    while (at > stop && tries < MAX_TRIES) {
        json_t *doc;

        at--;
        if (b->data[at] != '{')
            continue;
        tries++;
        doc = try_document(b, at, id);
        if (doc)
            return doc;
    }
    return NULL;
}

static int copy_field(struct fbs_finding *f, json_t *doc, const char *k)
{
    json_t *v = json_object_get(doc, k), *s;

    if (!json_is_string(v))
        return 0;
    s = fbs_x509_jstr(json_string_value(v), json_string_length(v), 256);
    if (!s || json_object_set_new(f->facts, k, s) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int document_facts(struct fbs_finding *f, json_t *doc)
{
    static const char *const fields[] = {"client_email", "project_id", "private_key_id",
                                         "client_id", "token_uri"};
    json_t *email = json_object_get(doc, "client_email");
    size_t i;
    int rc = 0;

    for (i = 0; i < sizeof(fields) / sizeof(fields[0]) && rc == 0; i++)
        rc = copy_field(f, doc, fields[i]);
    if (rc == 0 && json_is_string(email))
        rc = fbs_x509_append_names(f, json_string_value(email), json_string_length(email));
    return rc;
}

static int gcp_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    json_t *doc;
    int rc = 0, krc;

    if (!f->secret || !ctx->blob)
        return 0; /* cloud records of the same kind carry a key id, not the key */
    krc = fbs_x509_pem_key_facts(f, f->secret, f->secret_len);
    if (krc == FBS_ENOMEM)
        return krc;
    doc = find_document(f, ctx->blob);
    if (doc)
        rc = document_facts(f, doc);
    json_decref(doc);
    if (rc == 0 && krc < 0)
        return fbs_error_prefix(krc, "private_key");
    if (rc == 0 && !doc)
        return fbs_error_set(FBS_EPARSE, "no service-account JSON document around the key");
    return rc;
}

const struct fbs_detector fbs_detector_gcp = {
    .name = "gcp_service_account",
    .stage = FBS_STAGE_PARSE,
    .kinds = gcp_kinds,
    .run = gcp_run,
};
