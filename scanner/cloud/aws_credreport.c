/*
 * aws_credreport.c - the IAM credential report: CSV rows, and records made from them.
 *
 * The report (GetCredentialReport, base64-decoded) is RFC 4180 CSV with a header line; AWS
 * writes 22 columns, unquoted, "N/A" / "not_supported" / "no_information" for unknown values,
 * and a first row for the account root user named "<root_account>". Columns are found by name,
 * quoted fields are accepted, and a row whose field count differs from the header's is a
 * diagnostic and skipped: a report edited by hand or cut short still yields what it can.
 *
 * This file is also the parser behind `fallback-scan inventory` (a report exported to a file):
 * fbs_aws_credreport_parse() is its entry point.
 */
#include "aws_int.h"
#include "cloud.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define MAX_FIELDS 64

enum col {
    C_USER,
    C_ARN,
    C_CREATED,
    C_PW_ENABLED,
    C_PW_LAST_USED,
    C_PW_LAST_CHANGED,
    C_MFA,
    C_K1_ACTIVE,
    C_K1_ROTATED,
    C_K1_USED,
    C_K1_REGION,
    C_K1_SERVICE,
    C_K2_ACTIVE,
    C_K2_ROTATED,
    C_K2_USED,
    C_K2_REGION,
    C_K2_SERVICE,
    C_C1_ACTIVE,
    C_C1_ROTATED,
    C_C2_ACTIVE,
    C_C2_ROTATED,
    C__COUNT
};

static const char *const col_names[C__COUNT] = {
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
};

void aws_report_row_free(void *p)
{
    struct aws_report_row *r = p;

    if (!r)
        return;
    fbs_free(r->user);
    fbs_free(r->arn);
    for (int i = 0; i < 2; i++) {
        fbs_free(r->key[i].last_used_region);
        fbs_free(r->key[i].last_used_service);
    }
    fbs_free(r);
}

/* CSV ------------------------------------------------------------------------------------ */

struct csv {
    const char *p, *end;
    unsigned line; /* line of the record being read (1-based) */
};

struct record {
    struct fbs_buf text;    /* all fields, each NUL-terminated */
    size_t off[MAX_FIELDS]; /* offsets of the fields in text */
    size_t n;               /* fields read (may exceed MAX_FIELDS: counted, not stored) */
};

static void record_reset(struct record *r)
{
    fbs_buf_truncate(&r->text, 0);
    r->n = 0;
}

static const char *field(const struct record *r, int idx)
{
    return idx >= 0 && (size_t)idx < r->n && (size_t)idx < MAX_FIELDS ? r->text.ptr + r->off[idx]
                                                                      : NULL;
}

/*
 * Read one record. Returns 1 when a record was read, 0 at the end of input, FBS_EPARSE for an
 * unterminated quoted field (the rest of the input is consumed), FBS_ENOMEM.
 */
static int csv_next(struct csv *c, struct record *r)
{
    record_reset(r);
    if (c->p >= c->end)
        return 0;
    for (;;) {
        int rc = 0;

        if (r->n < MAX_FIELDS)
            r->off[r->n] = r->text.len;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            for (;;) {
                if (c->p >= c->end)
                    return fbs_error_set(FBS_EPARSE, "line %u: unterminated quoted field", c->line);
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        rc = fbs_buf_putc(&r->text, '"');
                        c->p += 2;
                    } else {
                        c->p++;
                        break;
                    }
                } else {
                    if (*c->p == '\n')
                        c->line++;
                    rc = fbs_buf_putc(&r->text, *c->p++);
                }
                if (rc < 0)
                    return fbs_error_set(FBS_ENOMEM, "out of memory");
            }
        }
        /* Unquoted text (or what follows a closing quote, kept as is). */
        while (c->p < c->end && *c->p != ',' && *c->p != '\n') {
            if (*c->p != '\r' && fbs_buf_putc(&r->text, *c->p) < 0)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
            c->p++;
        }
        if (fbs_buf_putc(&r->text, '\0') < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        r->n++;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end) /* '\n' */
            c->p++;
        c->line++;
        return 1;
    }
}

static bool record_blank(const struct record *r)
{
    return r->n == 1 && !*field(r, 0);
}

static int tri(const char *s)
{
    if (s && !strcmp(s, "true"))
        return 1;
    if (s && !strcmp(s, "false"))
        return 0;
    return -1;
}

static int dup_value(char **out, const char *s)
{
    *out = NULL;
    if (!s || !*s || !strcmp(s, "N/A") || !strcmp(s, "not_supported") ||
        !strcmp(s, "no_information"))
        return 0;
    *out = fbs_strdup(s);
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

static int make_row(struct aws_report_row **out, const struct record *rec, const int map[C__COUNT])
{
    struct aws_report_row *row = fbs_calloc(1, sizeof(*row));
    int rc = 0;

    *out = NULL;
    if (!row)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
#define F(c) field(rec, map[c])
    row->user = fbs_strdup(F(C_USER) ? F(C_USER) : "");
    row->arn = fbs_strdup(F(C_ARN) ? F(C_ARN) : "");
    if (!row->user || !row->arn) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    row->root = !strcmp(row->user, "<root_account>");
    row->has_created = aws_parse_date(&row->created, F(C_CREATED)) == 0;
    row->password_enabled = tri(F(C_PW_ENABLED));
    row->has_password_last_used = aws_parse_date(&row->password_last_used, F(C_PW_LAST_USED)) == 0;
    row->password_never_used = F(C_PW_LAST_USED) && !strcmp(F(C_PW_LAST_USED), "no_information");
    row->has_password_last_changed =
        aws_parse_date(&row->password_last_changed, F(C_PW_LAST_CHANGED)) == 0;
    row->mfa_active = tri(F(C_MFA));
    for (int i = 0; i < 2; i++) {
        struct aws_report_key *k = &row->key[i];
        int base = i ? C_K2_ACTIVE : C_K1_ACTIVE;

        k->active = tri(F(base));
        k->has_last_rotated = aws_parse_date(&k->last_rotated, F(base + 1)) == 0;
        k->has_last_used = aws_parse_date(&k->last_used, F(base + 2)) == 0;
        k->exists = k->active == 1 || k->has_last_rotated;
        k->never_used = k->exists && F(base + 2) && !strcmp(F(base + 2), "N/A");
        if ((rc = dup_value(&k->last_used_region, F(base + 3))) < 0 ||
            (rc = dup_value(&k->last_used_service, F(base + 4))) < 0)
            goto done;
    }
    for (int i = 0; i < 2; i++) {
        struct aws_report_cert *c = &row->cert[i];
        int base = i ? C_C2_ACTIVE : C_C1_ACTIVE;

        c->active = tri(F(base));
        c->has_last_rotated = aws_parse_date(&c->last_rotated, F(base + 1)) == 0;
    }
#undef F
done:
    if (rc < 0) {
        aws_report_row_free(row);
        return rc;
    }
    *out = row;
    return 0;
}

int aws_credreport_rows(struct fbs_vec *rows, const char *csv, size_t len, struct fbs_diags *d,
                        const char *origin)
{
    struct csv c = {csv, csv + len, 1};
    struct record rec;
    int map[C__COUNT];
    size_t ncols;
    int rc;

    memset(&rec, 0, sizeof(rec));
    fbs_buf_init(&rec.text);
    /* A UTF-8 byte order mark (a report saved by a spreadsheet). */
    if (len >= 3 && !memcmp(csv, "\xEF\xBB\xBF", 3))
        c.p += 3;
    rc = csv_next(&c, &rec);
    if (rc <= 0) {
        if (rc == 0)
            rc = fbs_error_set(FBS_EPARSE, "credential report: empty");
        goto done;
    }
    ncols = rec.n;
    for (int k = 0; k < C__COUNT; k++) {
        map[k] = -1;
        for (size_t i = 0; i < ncols && i < MAX_FIELDS; i++)
            if (!strcmp(field(&rec, (int)i), col_names[k]))
                map[k] = (int)i;
    }
    if (map[C_USER] < 0 || map[C_ARN] < 0) {
        rc = fbs_error_set(FBS_EPARSE,
                           "credential report: the header has no 'user' and 'arn' columns");
        goto done;
    }
    for (;;) {
        struct aws_report_row *row;
        unsigned line = c.line;

        rc = csv_next(&c, &rec);
        if (rc == FBS_EPARSE) {
            fbs_diags_add(d, true, "credential_report", origin, "credential report: %s",
                          fbs_error_message());
            rc = 0;
            break;
        }
        if (rc <= 0)
            break;
        if (record_blank(&rec))
            continue;
        if (rec.n != ncols) {
            fbs_diags_add(d, true, "credential_report", origin,
                          "credential report line %u: %zu fields where the header has %zu; "
                          "row skipped",
                          line, rec.n, ncols);
            continue;
        }
        rc = make_row(&row, &rec, map);
        if (rc < 0)
            break;
        if (fbs_vec_push(rows, row) < 0) {
            aws_report_row_free(row);
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
    }
done:
    fbs_buf_release(&rec.text);
    return rc < 0 ? rc : 0;
}

/* Records ----------------------------------------------------------------------------------- */

static int push_record(struct fbs_vec *out, struct fbs_finding *f)
{
    if (fbs_vec_push(out, f) < 0) {
        fbs_finding_free(f);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

static int set_bool(struct fbs_finding *f, const char *name, int v)
{
    if (v < 0)
        return 0;
    return json_object_set_new(f->facts, name, json_boolean(v)) < 0
               ? fbs_error_set(FBS_ENOMEM, "out of memory")
               : 0;
}

int aws_root_key_record(struct fbs_vec *out, const struct aws_report_row *row, int i,
                        const char *account)
{
    struct fbs_buf res = FBS_BUF_INIT;
    char ident[32];
    struct fbs_finding *f = NULL;
    json_t *ev;
    int rc = FBS_ENOMEM;

    if (row && row->arn && *row->arn)
        rc = fbs_buf_puts(&res, row->arn);
    else
        rc = fbs_buf_printf(&res, "arn:aws:iam::%s:root", account ? account : "unknown");
    if (rc < 0)
        goto done;
    if (row)
        snprintf(ident, sizeof(ident), "root_access_key_%d", i + 1);
    else
        snprintf(ident, sizeof(ident), "root_access_key");
    rc = FBS_ENOMEM;
    f = aws_record_new(&aws_rule_root_key, res.ptr, "<root_account>", ident);
    if (!f)
        goto done;
    f->privilege = FBS_PRIV_HIGH;
    ev = json_array();
    if (!ev || json_object_set_new(f->facts, "privilege_evidence", ev) < 0 ||
        json_array_append_new(ev, json_string("the account root user: every action on every "
                                              "resource, which no IAM policy can restrict")) < 0 ||
        fbs_finding_add_indicator(f, "root access key", "content", 1.0) < 0)
        goto done;
    if (row) {
        const struct aws_report_key *k = &row->key[i];

        f->active = k->active;
        if (k->has_last_used)
            aws_set_last_used(f, k->last_used);
        if ((k->has_last_rotated &&
             aws_set_issued(f, k->last_rotated, "aws_credential_report") < 0) ||
            aws_fact_str(f, "last_used_region", k->last_used_region) < 0 ||
            aws_fact_str(f, "last_used_service", k->last_used_service) < 0 ||
            set_bool(f, "mfa_enabled", row->mfa_active) < 0 ||
            set_bool(f, "never_used", k->never_used ? 1 : -1) < 0 ||
            json_object_set_new(f->facts, "key_slot", json_integer(i + 1)) < 0)
            goto done;
    } else {
        f->active = 1; /* AccountAccessKeysPresent counts keys; their status is not known */
        if (aws_fact_str(f, "evidence_source", "iam:GetAccountSummary") < 0)
            goto done;
    }
    rc = push_record(out, f);
    f = NULL;
done:
    fbs_finding_free(f);
    fbs_buf_release(&res);
    return rc < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

int aws_root_console_record(struct fbs_vec *out, const struct aws_report_row *row, int mfa,
                            const char *account)
{
    struct fbs_buf res = FBS_BUF_INIT;
    const char *mfa_from = mfa >= 0 ? "iam:GetAccountSummary" : NULL;
    struct fbs_finding *f = NULL;
    json_t *ev;
    int rc;

    if (row && row->arn && *row->arn)
        rc = fbs_buf_puts(&res, row->arn);
    else
        rc = fbs_buf_printf(&res, "arn:aws:iam::%s:root", account ? account : "unknown");
    if (rc < 0)
        goto done;
    rc = FBS_ENOMEM;
    f = aws_record_new(&aws_rule_root_console, res.ptr, "<root_account>", "root_password");
    if (!f)
        goto done;
    f->privilege = FBS_PRIV_HIGH;
    f->interactive = true;
    f->active = 1;
    if (mfa < 0 && row && row->mfa_active >= 0) {
        mfa = row->mfa_active;
        mfa_from = "credential_report";
    }
    ev = json_array();
    if (!ev || json_object_set_new(f->facts, "privilege_evidence", ev) < 0 ||
        json_array_append_new(ev, json_string("the account root user: every action on every "
                                              "resource, which no IAM policy can restrict")) < 0 ||
        fbs_finding_add_indicator(f, "root user sign-in", "content", 1.0) < 0 ||
        set_bool(f, "mfa_enabled", mfa) < 0 || aws_fact_str(f, "mfa_from", mfa_from) < 0)
        goto done;
    if (row && row->has_password_last_used)
        aws_set_last_used(f, row->password_last_used);
    else if (row && row->password_never_used && set_bool(f, "never_used", 1) < 0)
        goto done;
    rc = push_record(out, f);
    f = NULL;
done:
    fbs_finding_free(f);
    fbs_buf_release(&res);
    return rc < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

static int user_key_record(struct fbs_vec *out, const struct aws_report_row *row, int i)
{
    const struct aws_report_key *k = &row->key[i];
    char ident[32];
    struct fbs_finding *f;

    snprintf(ident, sizeof(ident), "access_key_%d", i + 1);
    f = aws_record_new(&aws_rule_access_key, row->arn, row->user, ident);
    if (!f)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    f->active = k->active;
    if (k->has_last_used)
        aws_set_last_used(f, k->last_used);
    if ((k->has_last_rotated && aws_set_issued(f, k->last_rotated, "aws_credential_report") < 0) ||
        set_bool(f, "never_used", k->never_used ? 1 : -1) < 0 ||
        aws_fact_str(f, "user", row->user) < 0 ||
        aws_fact_str(f, "last_used_region", k->last_used_region) < 0 ||
        aws_fact_str(f, "last_used_service", k->last_used_service) < 0 ||
        set_bool(f, "mfa_enabled", row->mfa_active) < 0 ||
        set_bool(f, "console_password", row->password_enabled) < 0 ||
        json_object_set_new(f->facts, "key_slot", json_integer(i + 1)) < 0) {
        fbs_finding_free(f);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return push_record(out, f);
}

int aws_report_cert_record(struct fbs_finding **out, const struct aws_report_row *row, int i)
{
    const struct aws_report_cert *c = &row->cert[i];
    char ident[32];
    struct fbs_finding *f;
    json_t *ev;

    *out = NULL;
    snprintf(ident, sizeof(ident), "signing_certificate_%d", i + 1);
    f = aws_record_new(&aws_rule_signing_cert, row->arn, row->user, ident);
    if (!f)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    f->active = c->active;
    if ((c->has_last_rotated && aws_set_issued(f, c->last_rotated, "aws_credential_report") < 0) ||
        aws_fact_str(f, "user", row->user) < 0 ||
        aws_fact_str(f, "status", c->active == 1 ? "Active" : NULL) < 0 ||
        json_object_set_new(f->facts, "cert_slot", json_integer(i + 1)) < 0)
        goto fail;
    if (row->root) {
        /* The root user's certificate signs requests as root. */
        f->privilege = FBS_PRIV_HIGH;
        ev = json_array();
        if (!ev || json_object_set_new(f->facts, "privilege_evidence", ev) < 0 ||
            json_array_append_new(ev, json_string("the account root user: every action on every "
                                                  "resource, which no IAM policy can "
                                                  "restrict")) < 0 ||
            fbs_finding_add_indicator(f, "root signing certificate", "content", 1.0) < 0)
            goto fail;
    }
    *out = f;
    return 0;
fail:
    fbs_finding_free(f);
    return fbs_error_set(FBS_ENOMEM, "out of memory");
}

static int console_record(struct fbs_vec *out, const struct aws_report_row *row)
{
    struct fbs_finding *f =
        aws_record_new(&aws_rule_console, row->arn, row->user, "console_password");

    if (!f)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    f->active = 1;
    f->interactive = true;
    if (row->has_password_last_used)
        aws_set_last_used(f, row->password_last_used);
    if ((row->has_password_last_changed &&
         aws_set_issued(f, row->password_last_changed, "aws_credential_report") < 0) ||
        set_bool(f, "never_used", row->password_never_used ? 1 : -1) < 0 ||
        aws_fact_str(f, "user", row->user) < 0 || set_bool(f, "mfa_enabled", row->mfa_active) < 0) {
        fbs_finding_free(f);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return push_record(out, f);
}

int aws_credreport_row_records(struct fbs_vec *out, const struct aws_report_row *row)
{
    int rc = 0;

    for (int i = 0; rc == 0 && i < 2; i++) {
        if (!row->key[i].exists)
            continue;
        rc = row->root ? aws_root_key_record(out, row, i, NULL) : user_key_record(out, row, i);
    }
    if (rc == 0 && !row->root && row->password_enabled == 1)
        rc = console_record(out, row);
    /* An active X.509 signing certificate signs API requests as the user: a credential. */
    for (int i = 0; rc == 0 && i < 2; i++) {
        struct fbs_finding *f;

        if (row->cert[i].active != 1)
            continue;
        rc = aws_report_cert_record(&f, row, i);
        if (rc == 0)
            rc = push_record(out, f);
    }
    /* The root row's password_enabled is "not_supported": a use (or "no_information") shows
     * the root user signs in with a password. */
    if (rc == 0 && row->root && (row->has_password_last_used || row->password_never_used))
        rc = aws_root_console_record(out, row, -1, NULL);
    return rc;
}

int fbs_aws_credreport_parse(const char *csv, size_t len, struct fbs_vec *records_out,
                             struct fbs_diags *d)
{
    return fbs_aws_credreport_parse_from(csv, len, records_out, d, "credential report");
}

int fbs_aws_credreport_parse_from(const char *csv, size_t len, struct fbs_vec *records_out,
                                  struct fbs_diags *d, const char *origin)
{
    struct fbs_vec rows = FBS_VEC_INIT;
    size_t i;
    int rc;

    rc = aws_credreport_rows(&rows, csv, len, d, origin);
    for (i = 0; rc == 0 && i < rows.len; i++)
        rc = aws_credreport_row_records(records_out, rows.items[i]);
    fbs_vec_release(&rows, aws_report_row_free);
    return rc;
}
