/*
 * inventory.c - offline inventories: read export files, recognise each format from its content,
 * and hand it to the format's builder (see inventory.h). The formats table is the only list.
 */
#include "inventory.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"

#include <string.h>

#include "../core/banned.h"

/* --- the AWS IAM credential report (CSV) ------------------------------------------------------
 *
 * The CSV parser is scanner/cloud/aws_credreport.c (the AWS collector's, merged separately):
 *     int fbs_aws_credreport_parse(const char *csv, size_t len, struct fbs_vec *records_out,
 *                                  struct fbs_diags *d);
 * Recognition lives here so that an inventory run knows the file either way; the call is
 * compiled in when the build defines FBS_HAVE_AWS_CREDREPORT (set it where aws_credreport.c
 * joins the cloud library).
 */
#ifdef FBS_HAVE_AWS_CREDREPORT
int fbs_aws_credreport_parse_from(const char *csv, size_t len, struct fbs_vec *records_out,
                                  struct fbs_diags *d, const char *origin);
#endif

static bool match_aws_credreport(const char *data, size_t len)
{
    static const char header[] = "user,arn,user_creation_time,password_enabled,";

    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) { /* a UTF-8 byte order mark */
        data += 3;
        len -= 3;
    }
    return len >= sizeof(header) - 1 && !memcmp(data, header, sizeof(header) - 1);
}

static int add_aws_credreport(struct fbs_cloud_set *s, const char *data, size_t len,
                              const char *origin)
{
#ifdef FBS_HAVE_AWS_CREDREPORT
    return fbs_aws_credreport_parse_from(data, len, &s->records, s->diags, origin);
#else
    (void)s;
    (void)data;
    (void)len;
    (void)origin;
    return fbs_error_set(FBS_EUNSUPPORTED,
                         "an AWS IAM credential report, which this build cannot read yet");
#endif
}

static const struct fbs_inventory_format fbs_inventory_aws_credreport = {
    .name = "aws_credential_report",
    .describes = "aws iam get-credential-report (the decoded CSV)",
    .match_text = match_aws_credreport,
    .add_text = add_aws_credreport,
};

/*
 * The same report as `aws iam get-credential-report` prints it by default: JSON with the CSV in
 * base64 ({"Content": "...", "ReportFormat": "text/csv", "GeneratedTime": "..."}).
 */
static bool match_aws_credreport_json(const json_t *doc)
{
    const char *fmt = fbs_cloud_str(doc, "ReportFormat");

    return fbs_cloud_str(doc, "Content") &&
           ((fmt && !strcmp(fmt, "text/csv")) || fbs_cloud_str(doc, "GeneratedTime"));
}

static int add_aws_credreport_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    const json_t *content = json_object_get(doc, "Content");
    unsigned char *csv = NULL;
    size_t n = 0;
    int rc;

    rc = fbs_base64_decode(&csv, &n, json_string_value(content), json_string_length(content),
                           json_string_length(content));
    if (rc == FBS_EPARSE)
        rc = fbs_error_prefix(FBS_EPARSE, "'Content' of the credential report is not base64");
    else if (rc == 0 && !match_aws_credreport((const char *)csv, n))
        rc = fbs_error_set(FBS_EPARSE, "'Content' of the credential report is not the IAM "
                                       "credential report CSV");
    else if (rc == 0)
        rc = add_aws_credreport(s, (const char *)csv, n, origin);
    if (csv) {
        memset(csv, 0, n);
        fbs_free(csv);
    }
    return rc;
}

static const struct fbs_inventory_format fbs_inventory_aws_credreport_json = {
    .name = "aws_credential_report_json",
    .describes = "aws iam get-credential-report (its default JSON output, base64 Content)",
    .match_json = match_aws_credreport_json,
    .add_json = add_aws_credreport_json,
};

/* --- the table ------------------------------------------------------------------------------ */

const struct fbs_inventory_format *const fbs_inventory_formats[] = {
    &fbs_inventory_aws_credreport,
    &fbs_inventory_aws_credreport_json,
    &fbs_inventory_gcp_keys,
    &fbs_inventory_gcp_accounts,
    &fbs_inventory_gcp_iam_policy,
    &fbs_inventory_gcp_ancestors,
    &fbs_inventory_azure_role_assignments,
    &fbs_inventory_azure_role_definitions,
    &fbs_inventory_azure_directory_roles,
    &fbs_inventory_azure_objects,
    &fbs_inventory_azure_credentials,
    &fbs_inventory_k8s,
    &fbs_inventory_vault,
    NULL,
};

const json_t *fbs_inventory_first(const json_t *doc, const char *wrapper, bool allow_single)
{
    const json_t *items = NULL;

    if (json_is_array(doc))
        items = doc;
    else if (json_is_object(doc) && wrapper && json_is_array(json_object_get(doc, wrapper)))
        items = json_object_get(doc, wrapper);
    else if (json_is_object(doc) && allow_single)
        return doc;
    return json_is_object(json_array_get(items, 0)) ? json_array_get(items, 0) : NULL;
}

bool fbs_inventory_empty(const json_t *doc, const char *wrapper)
{
    if (json_is_array(doc))
        return json_array_size(doc) == 0;
    return json_is_object(doc) && wrapper && json_is_array(json_object_get(doc, wrapper)) &&
           json_array_size(json_object_get(doc, wrapper)) == 0;
}

/* Shapes we know but do not read: say what they are and what to export instead. */
static const char *not_an_inventory(const json_t *doc)
{
    const json_t *data = json_object_get(doc, "data");

    if (json_is_array(json_object_get(data, "keys")) && !json_object_get(data, "accessor"))
        return "a Vault LIST result (accessors only, no token details): export each token with "
               "'vault token lookup -accessor ACCESSOR -format=json'";
    if (fbs_cloud_str(doc, "private_key") && fbs_cloud_str(doc, "client_email"))
        return "a GCP service account key file (it holds a private key): scan it with "
               "'fallback-scan files'";
    if (fbs_cloud_str(doc, "kind") && fbs_cloud_str(doc, "apiVersion"))
        return "a Kubernetes object of a kind the inventory does not read (it reads Secrets "
               "and RBAC Roles, ClusterRoles and their bindings)";
    return NULL;
}

static int add_document(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    static const char *const wrappers[] = {"keys", "accounts", "value", "items", NULL};
    const char *hint;
    size_t i;

    for (i = 0; fbs_inventory_formats[i]; i++) {
        const struct fbs_inventory_format *fmt = fbs_inventory_formats[i];

        if (fmt->match_json && fmt->match_json(doc))
            return fmt->add_json(s, doc, origin);
    }
    /* An empty listing of any kind ("[]", {"keys": []}, {"value": []}) holds no credential. */
    for (i = 0; wrappers[i]; i++)
        if (fbs_inventory_empty(doc, wrappers[i]))
            return 0;
    if (json_is_object(doc) && !json_object_size(doc))
        return 0;
    hint = not_an_inventory(doc);
    if (hint)
        return fbs_error_set(FBS_EUNSUPPORTED, "not an inventory export: %s", hint);
    return fbs_error_set(FBS_EUNSUPPORTED,
                         "unknown format (expected the JSON output of gcloud, az, kubectl or "
                         "vault, or an AWS credential report; see 'fallback-scan inventory "
                         "--help')");
}

/* Line and column (1-based) of byte `off` in data. */
static void line_col(const char *data, size_t off, int *line, int *col)
{
    size_t i, start = 0;

    *line = 1;
    for (i = 0; i < off; i++)
        if (data[i] == '\n') {
            (*line)++;
            start = i + 1;
        }
    *col = (int)(off - start) + 1;
}

static size_t skip_space(const char *data, size_t len, size_t off)
{
    while (off < len &&
           (data[off] == ' ' || data[off] == '\t' || data[off] == '\n' || data[off] == '\r'))
        off++;
    return off;
}

/*
 * One or more JSON documents in a row (a single export, JSON Lines, or several CLI outputs
 * concatenated). Each is recognised on its own.
 */
static int add_json_stream(struct fbs_cloud_set *s, const char *origin, const char *data,
                           size_t len, size_t off)
{
    unsigned ndocs = 0;
    int rc;

    while (off < len) {
        json_error_t err;
        json_t *doc = json_loadb(data + off, len - off, JSON_DISABLE_EOF_CHECK, &err);
        int line, col;

        if (!doc) {
            /* jansson counts from the start of this document; report file coordinates. */
            size_t at = off + (err.position > 0 ? (size_t)err.position : 0);

            if (at > len)
                at = len;
            line_col(data, at, &line, &col);
            return fbs_error_set(FBS_EPARSE, "line %d, column %d: %s", line, col, err.text);
        }
        rc = add_document(s, doc, origin);
        /* Documents may hold tokens (vault lookups, secrets): builders wipe what they know of,
         * a document nobody recognised is wiped whole. */
        if (rc < 0)
            fbs_cloud_json_wipe(doc);
        json_decref(doc);
        if (rc < 0) {
            if (ndocs > 0 && rc != FBS_ENOMEM) {
                line_col(data, off, &line, &col);
                return fbs_error_prefix(rc, "document at line %d", line);
            }
            return rc;
        }
        ndocs++;
        off = skip_space(data, len, off + (err.position > 0 ? (size_t)err.position : len));
    }
    return 0;
}

static int add_buffer(struct fbs_cloud_set *s, const char *origin, const char *data, size_t len)
{
    size_t off = 0, i;

    for (i = 0; fbs_inventory_formats[i]; i++) {
        const struct fbs_inventory_format *fmt = fbs_inventory_formats[i];

        if (fmt->match_text && fmt->match_text(data, len))
            return fmt->add_text(s, data, len, origin);
    }
    if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) /* PowerShell writes a byte order mark */
        off = 3;
    off = skip_space(data, len, off);
    if (off == len)
        return fbs_error_set(FBS_EUNSUPPORTED, "empty file");
    if (data[off] != '{' && data[off] != '[')
        return fbs_error_set(FBS_EUNSUPPORTED,
                             "unknown format: neither JSON nor an AWS credential report (export "
                             "with --format=json / -o json / -format=json)");
    return add_json_stream(s, origin, data, len, off);
}

int fbs_inventory_add_buffer(struct fbs_cloud_set *s, const char *origin, const char *data,
                             size_t len)
{
    size_t first = s->records.len, i;
    int rc = add_buffer(s, origin, data, len);

    /* Records kept from a malformed input are that input's too. */
    for (i = first; origin && rc != FBS_ENOMEM && i < s->records.len; i++) {
        struct fbs_finding *f = s->records.items[i];

        if (!f->target && fbs_finding_set_str(&f->target, origin) < 0)
            rc = FBS_ENOMEM;
    }
    return rc;
}

int fbs_inventory_add_file(struct fbs_cloud_set *s, const char *path, uint64_t max_size)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc;

    rc = fbs_cloud_read_file(&b, path, max_size);
    if (rc == 0)
        rc = fbs_inventory_add_buffer(s, path, b.ptr, b.len);
    fbs_buf_release_wipe(&b);
    return rc;
}

int fbs_inventory_scan(struct fbs_cloud_set *s, const char *const *paths, size_t n,
                       uint64_t max_size)
{
    static const char *const kinds[] = {[-FBS_EIO] = "inventory_unreadable",
                                        [-FBS_EPARSE] = "inventory_malformed",
                                        [-FBS_EUNSUPPORTED] = "inventory_unknown_format"};
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        rc = fbs_inventory_add_file(s, paths[i], max_size);
        if (rc == FBS_ENOMEM)
            return rc;
        if (rc < 0 && s->diags) {
            const char *kind = -rc < (int)(sizeof(kinds) / sizeof(kinds[0])) && kinds[-rc]
                                   ? kinds[-rc]
                                   : "inventory_failed";

            fbs_diags_add(s->diags, true, kind, paths[i], "%s", fbs_error_message());
        }
    }
    return 0;
}
