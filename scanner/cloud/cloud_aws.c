/*
 * cloud_aws.c - the AWS collector: IAM and Secrets Manager, read through their APIs, into
 * credential records (see cloud.h for what is read and what each record says).
 *
 * Order of work: who we are (STS), the whole IAM authorization picture in one paginated call
 * family (GetAccountAuthorizationDetails), ListUsers for console-password use, the credential
 * report (root keys; dates when a per-key call fails), the account summary (root keys present),
 * then per user its keys, login profile and MFA devices, then fallback-looking roles, then
 * fallback-looking secrets. Calls are sequential: IAM's rate limits are low, and an account has
 * few principals compared with a repository's blobs.
 *
 * Failures: the first call failing ends the collection (nothing else would work either);
 * afterwards a failed call is an "api_error" diagnostic naming its subject (a user's ARN, a
 * policy ARN, the secret list) and the collection goes on with what is known.
 */
#include "aws_int.h"
#include "cloud.h"
#include "../net/http.h"
#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/banned.h"

#define IAM_VERSION "2010-05-08"
#define STS_VERSION "2011-06-15"
#define EC2_VERSION "2016-11-15"

/* Rules: the fields a text finding would take from a rule, for records. ---------------------- */

const struct aws_rule aws_rule_access_key = {
    .id = "aws.iam.access_key",
    .name = "AWS IAM user access key",
    .kind = "aws_access_key",
    .remediation = "Deactivate and delete the key (aws iam update-access-key / delete-access-key) "
                   "once CloudTrail shows who uses it; give workloads roles and people IAM "
                   "Identity Center instead of long-lived keys. A break-glass key should not "
                   "exist at rest: issue it when needed and delete it after use.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

const struct aws_rule aws_rule_root_key = {
    .id = "aws.iam.root_access_key",
    .name = "AWS account root user access key",
    .kind = "aws_root_access_key",
    .remediation = "Delete the root user's access keys (sign in as root, Security credentials); "
                   "the root user needs none. Keep root sign-in for the tasks that require it, "
                   "with MFA, and alert on its use.",
    .fallback = true,
    .privilege = FBS_PRIV_HIGH,
};

const struct aws_rule aws_rule_root_console = {
    .id = "aws.iam.root_console_password",
    .name = "AWS account root user sign-in",
    .kind = "aws_root_console_password",
    .remediation = "Give the root user a hardware or virtual MFA device kept under dual control, "
                   "keep its password sealed, alert on every root sign-in (CloudTrail "
                   "ConsoleLogin by Root) and review each use.",
    .fallback = true,
    .privilege = FBS_PRIV_HIGH,
};

const struct aws_rule aws_rule_signing_cert = {
    .id = "aws.iam.signing_certificate",
    .name = "AWS IAM user signing certificate",
    .kind = "aws_signing_certificate",
    .remediation =
        "Delete the signing certificate (aws iam delete-signing-certificate) unless a "
        "legacy SOAP or EC2 bundling tool still needs it; its private key signs requests "
        "as the user.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

static const struct aws_rule rule_ssh_key = {
    .id = "aws.iam.ssh_public_key",
    .name = "AWS IAM user SSH public key",
    .kind = "aws_ssh_public_key",
    .remediation = "Deactivate or delete the SSH public key (aws iam update-ssh-public-key / "
                   "delete-ssh-public-key); whoever holds its private key reaches CodeCommit as "
                   "the user.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

static const struct aws_rule rule_service_cred = {
    .id = "aws.iam.service_specific_credential",
    .name = "AWS IAM service-specific credential",
    .kind = "aws_service_specific_credential",
    .remediation = "Deactivate and delete the service-specific credential (aws iam "
                   "delete-service-specific-credential) once its last use is known; prefer "
                   "temporary credentials.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

static const struct aws_rule rule_server_cert = {
    .id = "aws.iam.server_certificate",
    .name = "AWS IAM server certificate",
    .kind = "aws_server_certificate",
    .remediation = "Move the certificate to ACM, or delete it (aws iam delete-server-certificate) "
                   "when nothing serves it; renew it before it expires.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

const struct aws_rule aws_rule_console = {
    .id = "aws.iam.console_password",
    .name = "AWS IAM user console password",
    .kind = "aws_console_password",
    .remediation = "An emergency console user should have MFA, a password kept under dual "
                   "control, and an alarm on every sign-in; if it is signed in to routinely, it "
                   "is a standing admin account: remove the login profile or its privileges.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

const struct aws_rule aws_rule_role = {
    .id = "aws.iam.role",
    .name = "AWS IAM role (fallback access path)",
    .kind = "aws_role",
    .remediation = "Restrict who may assume the role (trust policy, MFA condition), alert on "
                   "AssumeRole, and review its use: a break-glass role assumed routinely is "
                   "standing access.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

const struct aws_rule aws_rule_secret = {
    .id = "aws.secretsmanager.secret",
    .name = "AWS Secrets Manager secret",
    .kind = "aws_secret",
    .remediation = "Turn on rotation for the secret, restrict its resource policy to the people "
                   "who may use it in an emergency, and alert on GetSecretValue.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

struct fbs_finding *aws_record_new(const struct aws_rule *rule, const char *resource,
                                   const char *key, const char *ident)
{
    struct fbs_finding *f = fbs_finding_new();

    if (!f)
        return NULL;
    if (fbs_finding_set_str(&f->rule_id, rule->id) < 0 ||
        fbs_finding_set_str(&f->rule_name, rule->name) < 0 ||
        fbs_finding_set_str(&f->kind, rule->kind) < 0 ||
        fbs_finding_set_str(&f->remediation, rule->remediation) < 0 ||
        fbs_finding_set_str(&f->resource, resource) < 0 || fbs_finding_set_str(&f->key, key) < 0 ||
        fbs_finding_set_secret(f, ident, strlen(ident)) < 0) {
        fbs_finding_free(f);
        return NULL;
    }
    f->source = FBS_SOURCE_AWS;
    f->rule_fallback = rule->fallback;
    f->rule_privilege = rule->privilege;
    f->privilege = rule->privilege;
    f->active = -1;
    return f;
}

int aws_fact_str(struct fbs_finding *f, const char *name, const char *v)
{
    if (!v)
        return 0;
    return json_object_set_new(f->facts, name, json_string(v)) < 0
               ? fbs_error_set(FBS_ENOMEM, "out of memory")
               : 0;
}

int aws_fact_date(struct fbs_finding *f, const char *name, fbs_time_t t)
{
    char iso[FBS_TIME_ISO_LEN];

    fbs_time_format(iso, t);
    return aws_fact_str(f, name, iso);
}

int aws_set_issued(struct fbs_finding *f, fbs_time_t t, const char *from)
{
    f->issued = t;
    f->has_issued = true;
    return aws_fact_str(f, "issued_from", from);
}

void aws_set_last_used(struct fbs_finding *f, fbs_time_t t)
{
    f->last_used = t;
    f->has_last_used = true;
}

/* The collector's state ------------------------------------------------------------------- */

/* An organization has at most 5 levels of OUs under its root, and a target at most 5 SCPs. */
#define SCP_MAX_LEVELS    8
#define SCP_MAX_PER_LEVEL 8

struct aws {
    const struct fbs_aws_opts *opts;
    struct fbs_http *http;
    struct fbs_diags *diags;
    struct fbs_vec *records;
    char *account;
    struct aws_authz authz;
    bool authz_ok;         /* at least the first page was read */
    struct fbs_vec listed; /* struct aws_principal *: ListUsers */
    bool listed_ok;
    struct fbs_vec managed; /* struct aws_policy *: AWS managed documents fetched (doc NULL when
                             * the fetch failed) */
    struct fbs_vec report;  /* struct aws_report_row * */
    bool report_ok;
    const char *sm_region; /* the region Secrets Manager calls go to now; NULL: the default */
    /* Service control policies, when the account is a member of an organization whose SCPs
     * could be read: one level per target (root, OUs top down, the account). */
    struct scp_level {
        char *label;                   /* "the SCPs on OU ou-x (P1, P2)" */
        char *docs[SCP_MAX_PER_LEVEL]; /* Content of each SCP (NULL: unreadable) */
        char *labels[SCP_MAX_PER_LEVEL];
        size_t n;
    } scp[SCP_MAX_LEVELS];
    size_t nscp;
    json_t *scp_fact; /* facts.scp of every record: organization, management_account, levels */
};

static int oom(void)
{
    return fbs_error_set(FBS_ENOMEM, "out of memory");
}

/* RFC 3986 unreserved characters stay; everything else is %XX (form and query values). */
static int put_encoded(struct fbs_buf *b, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        int rc;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            rc = fbs_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};

            rc = fbs_buf_put(b, e, 3);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int form_add(struct fbs_buf *b, const char *key, const char *value)
{
    if (fbs_buf_printf(b, "&%s=", key) < 0 || put_encoded(b, value) < 0)
        return oom();
    return 0;
}

/* Where a service is, and how requests to it are signed. */
static int endpoint(const struct aws *a, const char *svc, struct fbs_buf *url, struct fbs_buf *sig)
{
    const char *region = a->opts->creds->region;
    const char *sign_region;
    int rc;

    if (a->sm_region && !strcmp(svc, "secretsmanager"))
        region = a->sm_region;
    sign_region = region ? region : "us-east-1";

    if (!strcmp(svc, "iam") || !strcmp(svc, "organizations"))
        sign_region = "us-east-1"; /* IAM and Organizations are global, signed for us-east-1 */
    if (a->opts->endpoint_url)
        rc = fbs_buf_puts(url, a->opts->endpoint_url);
    else if (!strcmp(svc, "iam"))
        rc = fbs_buf_puts(url, "https://iam.amazonaws.com/");
    else if (!strcmp(svc, "organizations"))
        rc = fbs_buf_puts(url, "https://organizations.us-east-1.amazonaws.com/");
    else if (region)
        rc = fbs_buf_printf(url, "https://%s.%s.amazonaws.com/", svc, region);
    else
        rc = fbs_buf_printf(url, "https://%s.us-east-1.amazonaws.com/", svc);
    if (rc == 0)
        rc = fbs_buf_printf(sig, "aws:amz:%s:%s", sign_region, svc);
    return rc < 0 ? oom() : 0;
}

/* A complete response that is really throttling: worth another attempt. */
static bool throttled(long status, const struct fbs_buf *body, void *payload)
{
    struct aws_error e;

    (void)payload;
    if (status < 400)
        return false;
    memset(&e, 0, sizeof(e));
    if (!aws_error_from_xml(&e, body->ptr, body->len) &&
        !aws_error_from_json(&e, body->ptr, body->len))
        return false;
    return aws_error_is_throttling(e.code);
}

/*
 * POST one signed request to a service. 0 with a 2xx response in resp; FBS_EIO (err filled and
 * the message set: "svc:Action failed: Code: message (HTTP n)"), FBS_ENOMEM.
 */
static int call(struct aws *a, const char *svc, const char *action, const char *body,
                size_t body_len, const char *json_target, struct fbs_http_response *resp,
                struct aws_error *err)
{
    struct fbs_buf url = FBS_BUF_INIT, sig = FBS_BUF_INIT, token = FBS_BUF_INIT,
                   target = FBS_BUF_INIT;
    const char *headers[4];
    struct fbs_http_request req;
    size_t nh = 0;
    int rc;

    memset(err, 0, sizeof(*err));
    rc = endpoint(a, svc, &url, &sig);
    if (rc < 0)
        goto done;
    headers[nh++] = json_target ? "Content-Type: application/x-amz-json-1.1"
                                : "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
    if (json_target) {
        if (fbs_buf_printf(&target, "X-Amz-Target: %s", json_target) < 0) {
            rc = oom();
            goto done;
        }
        headers[nh++] = target.ptr;
    }
    if (a->opts->creds->session_token) {
        if (fbs_buf_printf(&token, "X-Amz-Security-Token: %s", a->opts->creds->session_token) < 0) {
            rc = oom();
            goto done;
        }
        headers[nh++] = token.ptr;
    }
    headers[nh] = NULL;
    memset(&req, 0, sizeof(req));
    req.url = url.ptr;
    req.body = body;
    req.body_len = body_len;
    req.headers = headers;
    req.sigv4 = sig.ptr;
    req.user = a->opts->creds->access_key_id;
    req.password = a->opts->creds->secret_access_key;
    req.transient = throttled;
    rc = fbs_http_post(a->http, &req, resp);
    if (rc == FBS_EIO) {
        snprintf(err->message, sizeof(err->message), "%s", fbs_error_message());
        rc = fbs_error_set(FBS_EIO, "%s:%s failed: %s", svc, action, err->message);
        goto done;
    }
    if (rc < 0)
        goto done;
    err->status = resp->status;
    if (resp->status >= 200 && resp->status < 300)
        goto done;
    if (!(json_target ? aws_error_from_json(err, resp->body.ptr, resp->body.len)
                      : aws_error_from_xml(err, resp->body.ptr, resp->body.len)))
        snprintf(err->code, sizeof(err->code), "HTTP%ld", resp->status);
    rc = fbs_error_set(FBS_EIO, "%s:%s failed: %s%s%s (HTTP %ld%s)", svc, action, err->code,
                       err->message[0] ? ": " : "", err->message, resp->status,
                       resp->tries > 1 ? ", after retries" : "");
done:
    fbs_buf_release_wipe(&token);
    fbs_buf_release(&target);
    fbs_buf_release(&url);
    fbs_buf_release(&sig);
    return rc;
}

/* A Query API call (IAM, STS): "Action=...&Version=..." + params, the response parsed. */
static int query(struct aws *a, const char *svc, const char *action, const char *params,
                 struct aws_xml **doc, struct aws_error *err)
{
    struct fbs_buf body = FBS_BUF_INIT;
    struct fbs_http_response resp;
    int rc;

    *doc = NULL;
    fbs_http_response_init(&resp);
    if (fbs_buf_printf(&body, "Action=%s&Version=%s%s", action,
                       !strcmp(svc, "sts")   ? STS_VERSION
                       : !strcmp(svc, "ec2") ? EC2_VERSION
                                             : IAM_VERSION,
                       params ? params : "") < 0) {
        rc = oom();
        goto done;
    }
    rc = call(a, svc, action, body.ptr, body.len, NULL, &resp, err);
    if (rc < 0)
        goto done;
    rc = aws_xml_parse(doc, resp.body.ptr, resp.body.len);
    if (rc == FBS_EPARSE) {
        snprintf(err->message, sizeof(err->message), "%s", fbs_error_message());
        rc = fbs_error_set(FBS_EIO, "%s:%s: malformed response: %s", svc, action, err->message);
    }
done:
    fbs_http_response_release(&resp);
    fbs_buf_release(&body);
    return rc;
}

/* Record a failed call as a diagnostic on its subject; FBS_ENOMEM passes through. */
static int api_failed(struct aws *a, int rc, const char *subject)
{
    if (rc == FBS_ENOMEM)
        return rc;
    fbs_diags_add(a->diags, true, "api_error", subject, "%s", fbs_error_message());
    return 0;
}

static bool err_is(const struct aws_error *e, const char *code)
{
    return !strcmp(e->code, code);
}

/* STS ----------------------------------------------------------------------------------------- */

static bool auth_error(const struct aws_error *e)
{
    static const char *const codes[] = {
        "InvalidClientTokenId",  "SignatureDoesNotMatch",
        "ExpiredToken",          "IncompleteSignature",
        "AuthFailure",           "UnrecognizedClientException",
        "InvalidAccessKeyId",    "AccessDenied",
        "ExpiredTokenException", NULL,
    };

    for (size_t i = 0; codes[i]; i++)
        if (err_is(e, codes[i]))
            return true;
    return false;
}

static int who_am_i(struct aws *a)
{
    struct aws_xml *doc = NULL;
    struct aws_error err;
    const char *acct;
    int rc;

    rc = query(a, "sts", "GetCallerIdentity", NULL, &doc, &err);
    if (rc < 0) {
        if (rc == FBS_EIO && auth_error(&err))
            rc = fbs_error_prefix(FBS_EINVAL, "credentials from %s were rejected",
                                  a->opts->creds->source);
        else if (rc == FBS_EIO)
            rc = fbs_error_prefix(FBS_EIO, "cannot read the AWS account");
        return rc;
    }
    acct = aws_xml_text(doc, "GetCallerIdentityResult/Account");
    if (acct && *acct && !(a->account = fbs_strdup(acct)))
        rc = oom();
    aws_xml_free(doc);
    return rc;
}

/* IAM: the authorization picture ---------------------------------------------------------- */

static int read_authz(struct aws *a)
{
    static const char filter[] = "&Filter.member.1=User&Filter.member.2=Role"
                                 "&Filter.member.3=Group&Filter.member.4=LocalManagedPolicy";
    char *marker = NULL;
    int rc = 0;

    do {
        struct fbs_buf params = FBS_BUF_INIT;
        struct aws_xml *doc = NULL;
        struct aws_error err;
        char *next = NULL;

        if (fbs_buf_puts(&params, filter) < 0 || (marker && form_add(&params, "Marker", marker)))
            rc = oom();
        if (rc == 0)
            rc = query(a, "iam", "GetAccountAuthorizationDetails", params.ptr, &doc, &err);
        if (rc == 0) {
            rc = aws_iam_authz_page(&a->authz, &next, doc);
            if (rc == FBS_EPARSE)
                rc = fbs_error_prefix(FBS_EIO, "iam:GetAccountAuthorizationDetails");
        }
        if (rc == 0)
            a->authz_ok = true;
        aws_xml_free(doc);
        fbs_buf_release(&params);
        fbs_free(marker);
        marker = next;
    } while (rc == 0 && marker);
    fbs_free(marker);
    if (rc < 0)
        rc = api_failed(a, rc, a->account ? a->account : "iam");
    return rc;
}

static int read_listed_users(struct aws *a)
{
    char *marker = NULL;
    int rc = 0;

    do {
        struct fbs_buf params = FBS_BUF_INIT;
        struct aws_xml *doc = NULL;
        struct aws_error err;
        char *next = NULL;

        if (marker && form_add(&params, "Marker", marker) < 0)
            rc = oom();
        if (rc == 0)
            rc = query(a, "iam", "ListUsers", params.ptr, &doc, &err);
        if (rc == 0) {
            rc = aws_iam_users_page(&a->listed, &next, doc);
            if (rc == FBS_EPARSE)
                rc = fbs_error_prefix(FBS_EIO, "iam:ListUsers");
        }
        if (rc == 0)
            a->listed_ok = true;
        aws_xml_free(doc);
        fbs_buf_release(&params);
        fbs_free(marker);
        marker = next;
    } while (rc == 0 && marker);
    fbs_free(marker);
    return rc < 0 ? api_failed(a, rc, a->account ? a->account : "iam") : 0;
}

/* The credential report, decoded from base64. */
static int b64_decode(struct fbs_buf *out, const char *s)
{
    unsigned char *raw = NULL;
    size_t n = 0;
    int rc = fbs_base64_decode(&raw, &n, s, strlen(s), strlen(s));

    if (rc == FBS_EPARSE)
        return fbs_error_prefix(rc, "credential report");
    if (rc == 0 && fbs_buf_put(out, raw, n) < 0)
        rc = oom();
    fbs_free(raw);
    return rc;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        ;
}

static int read_report(struct aws *a)
{
    const char *subject = a->account ? a->account : "iam";
    unsigned polls = a->opts->report_polls ? a->opts->report_polls : 10;
    unsigned delay = a->opts->backoff_ms ? a->opts->backoff_ms : FBS_HTTP_BACKOFF_MS;
    struct aws_xml *doc = NULL;
    struct aws_error err;
    struct fbs_buf csv = FBS_BUF_INIT;
    const char *content;
    int rc = 0;

    /* GenerateCredentialReport until it says COMPLETE (a report is at most 4 hours old). */
    for (unsigned i = 0; i < polls; i++) {
        const char *state;

        rc = query(a, "iam", "GenerateCredentialReport", NULL, &doc, &err);
        if (rc < 0)
            goto done;
        state = aws_xml_text(doc, "GenerateCredentialReportResult/State");
        if (state && !strcmp(state, "COMPLETE"))
            break;
        aws_xml_free(doc);
        doc = NULL;
        sleep_ms(delay);
        delay = delay >= 2000 ? 2000 : delay * 2;
    }
    aws_xml_free(doc);
    doc = NULL;
    rc = query(a, "iam", "GetCredentialReport", NULL, &doc, &err);
    if (rc < 0)
        goto done;
    content = aws_xml_text(doc, "GetCredentialReportResult/Content");
    if (!content) {
        rc = fbs_error_set(FBS_EIO, "iam:GetCredentialReport: no Content in the response");
        goto done;
    }
    rc = b64_decode(&csv, content);
    if (rc == 0)
        rc = aws_credreport_rows(&a->report, csv.ptr, csv.len, a->diags, "iam:GetCredentialReport");
    if (rc == FBS_EPARSE)
        rc = fbs_error_prefix(FBS_EIO, "iam:GetCredentialReport");
    if (rc == 0)
        a->report_ok = true;
done:
    aws_xml_free(doc);
    fbs_buf_release_wipe(&csv);
    return rc < 0 ? api_failed(a, rc, subject) : 0;
}

static const struct aws_report_row *report_row(const struct aws *a, const char *user)
{
    for (size_t i = 0; i < a->report.len; i++) {
        const struct aws_report_row *r = a->report.items[i];

        if (!strcmp(r->user, user))
            return r;
    }
    return NULL;
}

/* Root access keys: the report's root row (dates), else the account summary (presence). */
static int collect_root(struct aws *a)
{
    const struct aws_report_row *root = report_row(a, "<root_account>");
    struct aws_xml *doc = NULL;
    struct aws_error err;
    long long present = -1, mfa = -1, password = -1;
    bool from_report = false;
    int rc;

    rc = query(a, "iam", "GetAccountSummary", NULL, &doc, &err);
    if (rc == 0) {
        present = aws_iam_summary_value(doc, "AccountAccessKeysPresent");
        mfa = aws_iam_summary_value(doc, "AccountMFAEnabled");
        password = aws_iam_summary_value(doc, "AccountPasswordPresent");
    }
    aws_xml_free(doc);
    if (rc < 0 && (rc = api_failed(a, rc, a->account ? a->account : "iam")) < 0)
        return rc;
    for (int i = 0; root && i < 2; i++) {
        if (!root->key[i].exists)
            continue;
        rc = aws_root_key_record(a->records, root, i, a->account);
        if (rc < 0)
            return rc;
        from_report = true;
    }
    /* The report may be hours old, or have no root row (emulators): the summary is current. */
    if (!from_report && present > 0 &&
        (rc = aws_root_key_record(a->records, NULL, 0, a->account)) < 0)
        return rc;
    if (!from_report && present > 0 && mfa >= 0) {
        struct fbs_finding *f = a->records->items[a->records->len - 1];

        if (json_object_set_new(f->facts, "mfa_enabled", json_boolean(mfa > 0)) < 0)
            return oom();
    }
    /* The root user's sign-in: a password the summary counts, or one the report saw used. */
    if (password > 0 || (root && (root->has_password_last_used || root->password_never_used)))
        return aws_root_console_record(a->records, root,
                                       mfa > 0    ? 1
                                       : mfa == 0 ? 0
                                                  : -1,
                                       a->account);
    return 0;
}

/* Privilege ------------------------------------------------------------------------------- */

static const struct aws_principal *find_principal(const struct fbs_vec *v, const char *name)
{
    for (size_t i = 0; i < v->len; i++) {
        const struct aws_principal *p = v->items[i];

        if (!strcmp(p->name, name))
            return p;
    }
    return NULL;
}

/* The document of a managed policy: customer managed ones came with the authorization details,
 * AWS managed ones are fetched once (GetPolicy + GetPolicyVersion). NULL when unknown. */
static int managed_doc(struct aws *a, const char *arn, const char **out)
{
    struct aws_policy *p;
    struct fbs_buf params = FBS_BUF_INIT;
    struct aws_xml *doc = NULL;
    struct aws_error err;
    const char *vid;
    int rc;

    *out = NULL;
    for (size_t i = 0; i < a->authz.policies.len; i++) {
        p = a->authz.policies.items[i];
        if (!strcmp(p->arn, arn)) {
            *out = p->doc;
            return 0;
        }
    }
    for (size_t i = 0; i < a->managed.len; i++) {
        p = a->managed.items[i];
        if (!strcmp(p->arn, arn)) {
            *out = p->doc;
            return 0;
        }
    }
    p = fbs_calloc(1, sizeof(*p));
    if (!p || !(p->arn = fbs_strdup(arn)) || fbs_vec_push(&a->managed, p) < 0) {
        aws_policy_free(p);
        return oom();
    }
    rc = form_add(&params, "PolicyArn", arn);
    if (rc == 0)
        rc = query(a, "iam", "GetPolicy", params.ptr, &doc, &err);
    if (rc < 0)
        goto done;
    vid = aws_xml_text(doc, "GetPolicyResult/Policy/DefaultVersionId");
    if (!vid) {
        rc = fbs_error_set(FBS_EIO, "iam:GetPolicy: no DefaultVersionId in the response");
        goto done;
    }
    rc = form_add(&params, "VersionId", vid);
    aws_xml_free(doc);
    doc = NULL;
    if (rc == 0)
        rc = query(a, "iam", "GetPolicyVersion", params.ptr, &doc, &err);
    if (rc < 0)
        goto done;
    {
        const char *t = aws_xml_text(doc, "GetPolicyVersionResult/PolicyVersion/Document");

        if (t && *t) {
            p->doc = fbs_strdup(t);
            if (!p->doc) {
                rc = oom();
                goto done;
            }
            if (*p->doc != '{')
                aws_url_decode(p->doc, strlen(p->doc));
        }
    }
    *out = p->doc;
done:
    aws_xml_free(doc);
    fbs_buf_release(&params);
    return rc < 0 ? api_failed(a, rc, arn) : 0;
}

struct priv {
    json_t *evidence;      /* array of strings */
    json_t *policies;      /* array of strings: every policy that applies */
    bool unknown;          /* a document could not be read */
    struct fbs_vec docs;   /* char * (NULL: unknown), evaluated together by privilege_of */
    struct fbs_vec labels; /* char *, beside docs */
    json_t *notes;         /* array of strings: what a boundary or an SCP took away */
    json_t *boundary;      /* facts.permissions_boundary, or NULL */
    const json_t *scp;     /* facts.scp (borrowed from struct aws), or NULL */
};

static int append_str(json_t *arr, const char *s)
{
    return json_array_append_new(arr, json_string(s)) < 0 ? oom() : 0;
}

/* What AdministratorAccess says, known without fetching it. */
static const char admin_doc[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", "
    "\"Resource\": \"*\"}]}";

/* Queue a document for privilege_of (doc NULL: unknown). */
static int eval_doc(struct priv *pv, const char *doc, const char *label)
{
    char *d = doc ? fbs_strdup(doc) : NULL, *l = fbs_strdup(label);

    if ((doc && !d) || !l || fbs_vec_push(&pv->docs, d) < 0) {
        fbs_free(d);
        fbs_free(l);
        return oom();
    }
    if (fbs_vec_push(&pv->labels, l) < 0) {
        fbs_free(l);
        return oom();
    }
    return 0;
}

/* The policies of one principal (or group), `via` prefixing labels ("group 'ops' "). */
static int eval_policies(struct aws *a, struct priv *pv, const struct aws_principal *p,
                         const char *via)
{
    char label[320];
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < p->inline_policies.len; i++) {
        const struct aws_policy *pol = p->inline_policies.items[i];

        snprintf(label, sizeof(label), "%sinline policy '%s'", via, pol->name ? pol->name : "?");
        rc = append_str(pv->policies, label);
        if (rc == 0)
            rc = eval_doc(pv, pol->doc, label);
    }
    for (size_t i = 0; rc == 0 && i < p->attached.len; i++) {
        const struct aws_policy *pol = p->attached.items[i];
        const char *doc = NULL;

        snprintf(label, sizeof(label), "%smanaged policy '%s'", via,
                 pol->name  ? pol->name
                 : pol->arn ? pol->arn
                            : "?");
        rc = append_str(pv->policies, label);
        if (rc < 0 || !pol->arn)
            continue;
        if (aws_policy_is_admin_arn(pol->arn)) {
            /* Known by name: no need to fetch the document. */
            rc = eval_doc(pv, admin_doc, label);
            continue;
        }
        rc = managed_doc(a, pol->arn, &doc);
        if (rc == 0)
            rc = eval_doc(pv, doc, label);
    }
    return rc;
}

/* The last part of an ARN's resource ("arn:aws:iam::aws:policy/job/X" -> "X"). */
static const char *arn_name(const char *arn)
{
    const char *slash = strrchr(arn, '/');

    return slash ? slash + 1 : arn;
}

/*
 * Evaluate the queued documents of pv together, intersected with the permissions boundary
 * `boundary_arn` (NULL: none) and the SCP levels of the account: evidence, notes and facts.
 */
static int eval_limited(struct aws *a, struct priv *pv, const char *boundary_arn)
{
    struct aws_policy_limit lims[1 + SCP_MAX_LEVELS];
    struct fbs_vec ev = FBS_VEC_INIT, notes = FBS_VEC_INIT;
    char blabel[320];
    const char *bdoc = NULL, *bdl[1];
    size_t nl = 0;
    bool unreadable = false;
    int rc = 0;

    pv->notes = json_array();
    if (!pv->notes)
        return oom();
    if (boundary_arn) {
        snprintf(blabel, sizeof(blabel), "permissions boundary '%s'", arn_name(boundary_arn));
        if (aws_policy_is_admin_arn(boundary_arn))
            bdoc = admin_doc;
        else if ((rc = managed_doc(a, boundary_arn, &bdoc)) < 0)
            return rc;
        pv->boundary = json_pack("{s:s, s:s, s:b}", "arn", boundary_arn, "policy",
                                 arn_name(boundary_arn), "read", bdoc != NULL);
        if (!pv->boundary)
            return oom();
        if (!bdoc && append_str(pv->notes, "the permissions boundary could not be read: the "
                                           "privilege is that of the identity policies alone, "
                                           "which may be more than the boundary lets through") < 0)
            return oom();
        bdl[0] = blabel;
        lims[nl++] = (struct aws_policy_limit){blabel, &bdoc, bdl, 1};
    }
    for (size_t i = 0; i < a->nscp; i++)
        lims[nl++] = (struct aws_policy_limit){a->scp[i].label, (const char *const *)a->scp[i].docs,
                                               (const char *const *)a->scp[i].labels, a->scp[i].n};
    pv->scp = a->scp_fact;
    rc = aws_policy_eval_limited(&ev, &notes, (const char *const *)pv->docs.items,
                                 (const char *const *)pv->labels.items, pv->docs.len, lims, nl,
                                 &unreadable);
    if (unreadable)
        pv->unknown = true;
    for (size_t i = 0; rc == 0 && i < ev.len; i++)
        rc = append_str(pv->evidence, ev.items[i]);
    for (size_t i = 0; rc == 0 && i < notes.len; i++)
        rc = append_str(pv->notes, notes.items[i]);
    fbs_vec_release(&ev, fbs_free);
    fbs_vec_release(&notes, fbs_free);
    return rc;
}

static int privilege_of(struct aws *a, struct priv *pv, const struct aws_principal *p)
{
    char via[300];
    int rc;

    pv->unknown = !a->authz_ok;
    pv->evidence = json_array();
    pv->policies = json_array();
    if (!pv->evidence || !pv->policies)
        return oom();
    rc = eval_policies(a, pv, p, "");
    for (size_t i = 0; rc == 0 && i < p->groups.len; i++) {
        const char *g = p->groups.items[i];
        const struct aws_principal *grp = find_principal(&a->authz.groups, g);

        if (!grp) {
            pv->unknown = true;
            continue;
        }
        snprintf(via, sizeof(via), "group '%s' ", g);
        rc = eval_policies(a, pv, grp, via);
    }
    if (rc == 0)
        rc = eval_limited(a, pv, p->boundary_arn);
    return rc;
}

static void priv_release(struct priv *pv)
{
    json_decref(pv->evidence);
    json_decref(pv->policies);
    json_decref(pv->notes);
    json_decref(pv->boundary);
    pv->evidence = pv->policies = pv->notes = pv->boundary = NULL;
    fbs_vec_release(&pv->docs, fbs_free);
    fbs_vec_release(&pv->labels, fbs_free);
}

/* Apply a principal's privilege to a record. */
static int apply_priv(struct fbs_finding *f, const struct priv *pv)
{
    if (json_array_size(pv->evidence))
        f->privilege = FBS_PRIV_HIGH;
    else if (!pv->unknown && f->privilege != FBS_PRIV_HIGH)
        f->privilege = FBS_PRIV_NORMAL;
    if (json_object_set(f->facts, "privilege_evidence", pv->evidence) < 0 ||
        json_object_set(f->facts, "policies", pv->policies) < 0)
        return oom();
    /* Every policy was read and evaluated: its result decides the privilege, and names (an
     * "admin" in a user name, "FullAccess" in a policy name) are not evidence any more. */
    if (!pv->unknown && aws_fact_str(f, "privilege_from", "policy_evaluation") < 0)
        return oom();
    /* What limits the identity policies: the boundary, the SCPs, and what they took away. */
    if ((pv->boundary && json_object_set(f->facts, "permissions_boundary", pv->boundary) < 0) ||
        (pv->scp && json_object_set_new(f->facts, "scp", json_deep_copy(pv->scp)) < 0) ||
        (json_array_size(pv->notes) &&
         json_object_set(f->facts, "privilege_limits", pv->notes) < 0))
        return oom();
    return 0;
}

/* Names, tags --------------------------------------------------------------------------------- */

/* f->names: description, path (when not "/") and "key=value" tags, space separated; facts.tags. */
static int apply_names(struct fbs_finding *f, const char *description, const char *path,
                       const struct fbs_vec *tags)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *jt = json_object();
    int rc = 0;

    if (!jt)
        return oom();
    if (description && *description)
        rc = fbs_buf_puts(&b, description);
    if (rc == 0 && path && strcmp(path, "/") != 0)
        rc = fbs_buf_printf(&b, "%s%s", b.len ? " " : "", path);
    for (size_t i = 0; rc == 0 && i < tags->len; i++) {
        const struct aws_tag *t = tags->items[i];

        rc = fbs_buf_printf(&b, "%s%s=%s", b.len ? " " : "", t->key, t->value);
        if (rc == 0 && json_object_set_new(jt, t->key, json_string(t->value)) < 0)
            rc = FBS_ENOMEM;
    }
    if (rc == 0 && b.len)
        rc = fbs_finding_set_str(&f->names, b.ptr);
    if (rc == 0 && tags->len && json_object_set(f->facts, "tags", jt) < 0)
        rc = FBS_ENOMEM;
    json_decref(jt);
    fbs_buf_release(&b);
    return rc < 0 ? oom() : 0;
}

/* Whether the caller's filter says a role or secret looks like a fallback one. */
static int passes_filter(const struct aws *a, bool *out, const char *name, const char *path,
                         const char *description, const struct fbs_vec *tags)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc;

    *out = true;
    if (!a->opts->filter)
        return 0;
    rc = fbs_buf_printf(&b, "%s %s %s", name ? name : "", path ? path : "",
                        description ? description : "");
    for (size_t i = 0; rc == 0 && i < tags->len; i++) {
        const struct aws_tag *t = tags->items[i];

        rc = fbs_buf_printf(&b, " %s=%s", t->key, t->value);
    }
    if (rc < 0)
        return oom();
    *out = a->opts->filter(b.ptr, b.len, a->opts->filter_payload);
    fbs_buf_release(&b);
    return 0;
}

/* Users ------------------------------------------------------------------------------------ */

struct user_facts {
    long long mfa_devices; /* -1 unknown */
    int console;           /* 1, 0, -1 unknown */
    fbs_time_t console_created;
    bool has_console_created;
};

static int read_keys(struct aws *a, const struct aws_principal *u, struct fbs_vec *keys)
{
    char *marker = NULL;
    int rc = 0;

    do {
        struct fbs_buf params = FBS_BUF_INIT;
        struct aws_xml *doc = NULL;
        struct aws_error err;
        char *next = NULL;

        rc = form_add(&params, "UserName", u->name);
        if (rc == 0 && marker)
            rc = form_add(&params, "Marker", marker);
        if (rc == 0)
            rc = query(a, "iam", "ListAccessKeys", params.ptr, &doc, &err);
        if (rc == 0) {
            rc = aws_iam_keys_page(keys, &next, doc);
            if (rc == FBS_EPARSE)
                rc = fbs_error_prefix(FBS_EIO, "iam:ListAccessKeys");
        }
        aws_xml_free(doc);
        fbs_buf_release(&params);
        fbs_free(marker);
        marker = next;
    } while (rc == 0 && marker);
    fbs_free(marker);
    return rc < 0 ? api_failed(a, rc, u->arn ? u->arn : u->name) : 0;
}

static int read_key_last_used(struct aws *a, const struct aws_principal *u,
                              struct aws_access_key *k)
{
    struct fbs_buf params = FBS_BUF_INIT;
    struct aws_xml *doc = NULL;
    struct aws_error err;
    int rc;

    rc = form_add(&params, "AccessKeyId", k->id);
    if (rc == 0)
        rc = query(a, "iam", "GetAccessKeyLastUsed", params.ptr, &doc, &err);
    if (rc == 0) {
        rc = aws_iam_key_last_used(k, doc);
        if (rc == FBS_EPARSE)
            rc = fbs_error_prefix(FBS_EIO, "iam:GetAccessKeyLastUsed");
    }
    aws_xml_free(doc);
    fbs_buf_release(&params);
    return rc < 0 ? api_failed(a, rc, u->arn ? u->arn : u->name) : 0;
}

static int read_user_facts(struct aws *a, const struct aws_principal *u, struct user_facts *uf)
{
    struct fbs_buf params = FBS_BUF_INIT;
    const char *subject = u->arn ? u->arn : u->name;
    struct aws_xml *doc = NULL;
    struct aws_error err;
    char *marker = NULL;
    int rc;

    uf->mfa_devices = -1;
    uf->console = -1;
    uf->has_console_created = false;
    rc = form_add(&params, "UserName", u->name);
    if (rc < 0)
        goto done;
    rc = query(a, "iam", "GetLoginProfile", params.ptr, &doc, &err);
    if (rc == 0) {
        uf->console = 1;
        uf->has_console_created =
            aws_parse_date(&uf->console_created,
                           aws_xml_text(doc, "GetLoginProfileResult/LoginProfile/CreateDate")) == 0;
    } else if (rc == FBS_EIO && err_is(&err, "NoSuchEntity")) {
        uf->console = 0; /* no password: not an error */
        rc = 0;
    } else if ((rc = api_failed(a, rc, subject)) < 0) {
        goto done;
    }
    aws_xml_free(doc);
    doc = NULL;
    {
        size_t count = 0;

        do {
            struct fbs_buf p2 = FBS_BUF_INIT;
            char *next = NULL;

            rc = form_add(&p2, "UserName", u->name);
            if (rc == 0 && marker)
                rc = form_add(&p2, "Marker", marker);
            if (rc == 0)
                rc = query(a, "iam", "ListMFADevices", p2.ptr, &doc, &err);
            if (rc == 0) {
                rc = aws_iam_mfa_page(&count, &next, doc);
                if (rc == FBS_EPARSE)
                    rc = fbs_error_prefix(FBS_EIO, "iam:ListMFADevices");
            }
            aws_xml_free(doc);
            doc = NULL;
            fbs_buf_release(&p2);
            fbs_free(marker);
            marker = next;
        } while (rc == 0 && marker);
        if (rc == 0)
            uf->mfa_devices = (long long)count;
        else
            rc = api_failed(a, rc, subject);
    }
done:
    fbs_free(marker);
    aws_xml_free(doc);
    fbs_buf_release(&params);
    return rc;
}

/* Facts every record of a user carries. */
static int user_common(struct fbs_finding *f, const struct aws_principal *u,
                       const struct user_facts *uf, const struct priv *pv)
{
    json_t *groups = json_array();
    int rc = 0;

    if (!groups)
        return oom();
    for (size_t i = 0; i < u->groups.len; i++)
        if (json_array_append_new(groups, json_string(u->groups.items[i])) < 0)
            rc = FBS_ENOMEM;
    if (rc == 0 && (aws_fact_str(f, "user", u->name) < 0 ||
                    (u->has_created && aws_fact_date(f, "user_created", u->created) < 0) ||
                    json_object_set(f->facts, "groups", groups) < 0))
        rc = FBS_ENOMEM;
    if (rc == 0 && uf->mfa_devices >= 0 &&
        (json_object_set_new(f->facts, "mfa_devices", json_integer(uf->mfa_devices)) < 0 ||
         json_object_set_new(f->facts, "mfa_enabled", json_boolean(uf->mfa_devices > 0)) < 0))
        rc = FBS_ENOMEM;
    if (rc == 0 && uf->console >= 0 &&
        json_object_set_new(f->facts, "console_password", json_boolean(uf->console == 1)) < 0)
        rc = FBS_ENOMEM;
    json_decref(groups);
    if (rc < 0)
        return oom();
    if ((rc = apply_priv(f, pv)) < 0)
        return rc;
    return apply_names(f, u->description, u->path, &u->tags);
}

/* The report row's key that matches an API key: same creation (last-rotated) time. */
static const struct aws_report_key *report_key(const struct aws *a, const struct aws_principal *u,
                                               const struct aws_access_key *k)
{
    const struct aws_report_row *row = report_row(a, u->name);

    for (int i = 0; row && k->has_created && i < 2; i++)
        if (row->key[i].exists && row->key[i].has_last_rotated &&
            row->key[i].last_rotated == k->created)
            return &row->key[i];
    return NULL;
}

static int key_record(struct aws *a, const struct aws_principal *u, struct aws_access_key *k,
                      const struct user_facts *uf, const struct priv *pv)
{
    struct fbs_finding *f =
        aws_record_new(&aws_rule_access_key, u->arn ? u->arn : u->name, u->name, k->id);
    const char *used_from = NULL;
    int rc;

    if (!f)
        return oom();
    if (k->status)
        f->active = !strcmp(k->status, "Active") ? 1 : !strcmp(k->status, "Inactive") ? 0 : -1;
    rc = user_common(f, u, uf, pv);
    if (rc == 0 && k->has_created)
        rc = aws_set_issued(f, k->created, "aws_iam");
    if (rc == 0 && k->last_used_known) {
        used_from = "iam:GetAccessKeyLastUsed";
        if (k->has_last_used)
            aws_set_last_used(f, k->last_used);
        else if (json_object_set_new(f->facts, "never_used", json_true()) < 0)
            rc = FBS_ENOMEM; /* the API answered, with no LastUsedDate: never used */
        if (aws_fact_str(f, "last_used_service", k->last_used_service) < 0 ||
            aws_fact_str(f, "last_used_region", k->last_used_region) < 0)
            rc = FBS_ENOMEM;
    } else if (rc == 0) {
        /* GetAccessKeyLastUsed failed: the credential report may know. */
        const struct aws_report_key *rk = report_key(a, u, k);

        if (rk) {
            used_from = "credential_report";
            if (rk->has_last_used)
                aws_set_last_used(f, rk->last_used);
            else if (rk->never_used && json_object_set_new(f->facts, "never_used", json_true()) < 0)
                rc = FBS_ENOMEM;
            if (aws_fact_str(f, "last_used_service", rk->last_used_service) < 0 ||
                aws_fact_str(f, "last_used_region", rk->last_used_region) < 0)
                rc = FBS_ENOMEM;
        }
    }
    if (rc == 0 && (aws_fact_str(f, "status", k->status) < 0 ||
                    aws_fact_str(f, "last_used_from", used_from) < 0))
        rc = FBS_ENOMEM;
    if (rc == 0 && fbs_vec_push(a->records, f) < 0)
        rc = FBS_ENOMEM;
    if (rc < 0) {
        fbs_finding_free(f);
        return oom();
    }
    return 0;
}

static int console_record(struct aws *a, const struct aws_principal *u, const struct user_facts *uf,
                          const struct priv *pv)
{
    const struct aws_principal *listed = find_principal(&a->listed, u->name);
    struct fbs_finding *f =
        aws_record_new(&aws_rule_console, u->arn ? u->arn : u->name, u->name, "console_password");
    int rc;

    if (!f)
        return oom();
    f->interactive = true;
    f->active = 1;
    rc = user_common(f, u, uf, pv);
    if (rc == 0 && uf->has_console_created)
        rc = aws_set_issued(f, uf->console_created, "aws_iam");
    if (listed && listed->has_password_last_used)
        aws_set_last_used(f, listed->password_last_used);
    else if (u->has_password_last_used)
        aws_set_last_used(f, u->password_last_used);
    else if (rc == 0 && listed && json_object_set_new(f->facts, "never_used", json_true()) < 0)
        rc = FBS_ENOMEM; /* ListUsers omits PasswordLastUsed for a password never used */
    if (rc == 0 && fbs_vec_push(a->records, f) < 0)
        rc = FBS_ENOMEM;
    if (rc < 0) {
        fbs_finding_free(f);
        return oom();
    }
    return 0;
}

/*
 * The user's other long-term credentials: signing certificates, SSH public keys (CodeCommit),
 * service-specific credentials (CodeCommit, Keyspaces, Bedrock ...). One table row per list call.
 */
struct other_kind {
    const struct aws_rule *rule;
    const char *action, *list, *id, *date;
};

static const struct other_kind other_kinds[] = {
    {&aws_rule_signing_cert, "ListSigningCertificates",
     "ListSigningCertificatesResult/Certificates", "CertificateId", "UploadDate"},
    {&rule_ssh_key, "ListSSHPublicKeys", "ListSSHPublicKeysResult/SSHPublicKeys", "SSHPublicKeyId",
     "UploadDate"},
    {&rule_service_cred, "ListServiceSpecificCredentials",
     "ListServiceSpecificCredentialsResult/ServiceSpecificCredentials",
     "ServiceSpecificCredentialId", "CreateDate"},
};

static int other_record(struct aws *a, const struct aws_principal *u, const struct other_kind *k,
                        const struct aws_xml *m, const struct user_facts *uf, const struct priv *pv)
{
    const char *id = aws_xml_text(m, k->id), *status = aws_xml_text(m, "Status");
    struct fbs_finding *f;
    fbs_time_t t;
    int rc;

    if (!id || !*id)
        return 0;
    f = aws_record_new(k->rule, u->arn ? u->arn : u->name, u->name, id);
    if (!f)
        return oom();
    if (status)
        f->active = !strcmp(status, "Active") ? 1 : !strcmp(status, "Inactive") ? 0 : -1;
    rc = user_common(f, u, uf, pv);
    if (rc == 0 && aws_parse_date(&t, aws_xml_text(m, k->date)) == 0)
        rc = aws_set_issued(f, t, "aws_iam");
    if (rc == 0 && (aws_fact_str(f, "status", status) < 0 ||
                    aws_fact_str(f, "service_name", aws_xml_text(m, "ServiceName")) < 0 ||
                    aws_fact_str(f, "service_user_name", aws_xml_text(m, "ServiceUserName")) < 0))
        rc = FBS_ENOMEM;
    if (rc == 0 && fbs_vec_push(a->records, f) < 0)
        rc = FBS_ENOMEM;
    if (rc < 0) {
        fbs_finding_free(f);
        return oom();
    }
    return 0;
}

/* IsTruncated / Marker of a list result: a new string or NULL. */
static int result_marker(char **out, const struct aws_xml *result)
{
    const char *t = aws_xml_text(result, "IsTruncated"), *m = aws_xml_text(result, "Marker");

    *out = NULL;
    if (t && !strcmp(t, "true") && m && *m && !(*out = fbs_strdup(m)))
        return oom();
    return 0;
}

/*
 * The credential report's signing certificate columns for a user. Listed through
 * ListSigningCertificates (`listed`: the records from index `first` on), a report certificate is
 * the same credential as the listed one uploaded at its cert_N_last_rotated time: joined
 * (facts.cert_slot), never a second record; a report certificate that matches none was deleted
 * since the report (the list is current). When the list failed, each active report certificate
 * becomes a record with the user's facts.
 */
static int join_report_certs(struct aws *a, const struct aws_principal *u, bool listed,
                             size_t first, const struct user_facts *uf, const struct priv *pv)
{
    const struct aws_report_row *row = report_row(a, u->name);
    int rc = 0;

    for (int i = 0; row && rc == 0 && i < 2; i++) {
        const struct aws_report_cert *c = &row->cert[i];
        struct fbs_finding *f = NULL;
        bool joined = false;

        if (c->active != 1)
            continue;
        for (size_t j = first; c->has_last_rotated && !joined && j < a->records->len; j++) {
            struct fbs_finding *g = a->records->items[j];

            if (!strcmp(g->kind, "aws_signing_certificate") && g->has_issued &&
                g->issued == c->last_rotated && !json_object_get(g->facts, "cert_slot")) {
                if (json_object_set_new(g->facts, "cert_slot", json_integer(i + 1)) < 0)
                    return oom();
                joined = true;
            }
        }
        if (joined || listed)
            continue;
        rc = aws_report_cert_record(&f, row, i);
        if (rc == 0)
            rc = user_common(f, u, uf, pv);
        if (rc == 0 && aws_fact_str(f, "evidence_source", "credential_report") < 0)
            rc = oom();
        if (rc == 0 && fbs_vec_push(a->records, f) < 0)
            rc = oom();
        if (rc < 0)
            fbs_finding_free(f);
    }
    return rc;
}

static int collect_other_creds(struct aws *a, const struct aws_principal *u,
                               const struct user_facts *uf, const struct priv *pv)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < sizeof(other_kinds) / sizeof(other_kinds[0]); i++) {
        const struct other_kind *k = &other_kinds[i];
        size_t first = a->records->len;
        bool listed;
        char *marker = NULL;

        do {
            struct fbs_buf params = FBS_BUF_INIT;
            struct aws_xml *doc = NULL;
            struct aws_error err;
            char *next = NULL;
            const struct aws_xml *list, *m;
            char result[96];

            rc = form_add(&params, "UserName", u->name);
            if (rc == 0 && marker)
                rc = form_add(&params, "Marker", marker);
            if (rc == 0)
                rc = query(a, "iam", k->action, params.ptr, &doc, &err);
            list = rc == 0 ? aws_xml_path(doc, k->list) : NULL;
            for (m = aws_xml_child(list, "member"); rc == 0 && m; m = aws_xml_next(m))
                rc = other_record(a, u, k, m, uf, pv);
            snprintf(result, sizeof(result), "%sResult", k->action);
            if (rc == 0)
                rc = result_marker(&next, aws_xml_child(doc, result));
            aws_xml_free(doc);
            fbs_buf_release(&params);
            fbs_free(marker);
            marker = next;
        } while (rc == 0 && marker);
        fbs_free(marker);
        listed = rc == 0;
        if (rc < 0)
            rc = api_failed(a, rc, u->arn ? u->arn : u->name);
        if (rc == 0 && k->rule == &aws_rule_signing_cert)
            rc = join_report_certs(a, u, listed, first, uf, pv);
    }
    return rc;
}

/* Server certificates (account-wide), with their expiry. */
static int collect_server_certs(struct aws *a)
{
    char *marker = NULL;
    int rc = 0;

    do {
        struct fbs_buf params = FBS_BUF_INIT;
        struct aws_xml *doc = NULL;
        struct aws_error err;
        char *next = NULL;
        const struct aws_xml *m;

        if (marker && form_add(&params, "Marker", marker) < 0)
            rc = oom();
        if (rc == 0)
            rc = query(a, "iam", "ListServerCertificates", params.ptr, &doc, &err);
        for (m = rc == 0 ? aws_xml_child(aws_xml_path(doc, "ListServerCertificatesResult/"
                                                           "ServerCertificateMetadataList"),
                                         "member")
                         : NULL;
             rc == 0 && m; m = aws_xml_next(m)) {
            const char *name = aws_xml_text(m, "ServerCertificateName");
            const char *arn = aws_xml_text(m, "Arn");
            struct fbs_finding *f;
            fbs_time_t t;

            if (!name || !*name)
                continue;
            f = aws_record_new(&rule_server_cert, arn && *arn ? arn : name, name, name);
            if (!f) {
                rc = oom();
                break;
            }
            f->active = 1;
            f->secret_public = true; /* a certificate's name */
            if (aws_parse_date(&t, aws_xml_text(m, "UploadDate")) == 0)
                rc = aws_set_issued(f, t, "aws_iam");
            if (rc == 0 && aws_parse_date(&t, aws_xml_text(m, "Expiration")) == 0) {
                f->expires = t;
                f->has_expires = true;
            }
            if (rc == 0 &&
                (aws_fact_str(f, "certificate_id", aws_xml_text(m, "ServerCertificateId")) < 0 ||
                 aws_fact_str(f, "path", aws_xml_text(m, "Path")) < 0 ||
                 fbs_finding_set_str(&f->names, name) < 0))
                rc = FBS_ENOMEM;
            if (rc == 0 && fbs_vec_push(a->records, f) < 0)
                rc = FBS_ENOMEM;
            if (rc < 0) {
                fbs_finding_free(f);
                rc = oom();
            }
        }
        if (rc == 0)
            rc = result_marker(&next, aws_xml_child(doc, "ListServerCertificatesResult"));
        aws_xml_free(doc);
        fbs_buf_release(&params);
        fbs_free(marker);
        marker = next;
    } while (rc == 0 && marker);
    fbs_free(marker);
    return rc < 0 ? api_failed(a, rc, a->account ? a->account : "iam") : 0;
}

static int collect_user(struct aws *a, const struct aws_principal *u)
{
    struct fbs_vec keys = FBS_VEC_INIT;
    struct user_facts uf;
    struct priv pv = {NULL, NULL, false, FBS_VEC_INIT, FBS_VEC_INIT, NULL, NULL, NULL};
    int rc;

    rc = privilege_of(a, &pv, u);
    if (rc == 0)
        rc = read_keys(a, u, &keys);
    for (size_t i = 0; rc == 0 && i < keys.len; i++)
        rc = read_key_last_used(a, u, keys.items[i]);
    if (rc == 0)
        rc = read_user_facts(a, u, &uf);
    for (size_t i = 0; rc == 0 && i < keys.len; i++)
        rc = key_record(a, u, keys.items[i], &uf, &pv);
    if (rc == 0 && uf.console == 1)
        rc = console_record(a, u, &uf, &pv);
    if (rc == 0)
        rc = collect_other_creds(a, u, &uf, &pv);
    fbs_vec_release(&keys, aws_access_key_free);
    priv_release(&pv);
    return rc;
}

/* Roles -------------------------------------------------------------------------------------- */

static int principal_strings(json_t *out, const char *kind, const json_t *v)
{
    char s[512];
    size_t n;
    json_t *x;
    int rc = 0;

    if (json_is_string(v)) {
        snprintf(s, sizeof(s), "%s: %s", kind, json_string_value(v));
        return append_str(out, s);
    }
    json_array_foreach(v, n, x)
    {
        if (rc == 0 && json_is_string(x)) {
            snprintf(s, sizeof(s), "%s: %s", kind, json_string_value(x));
            rc = append_str(out, s);
        }
    }
    return rc;
}

static int statement_principals(json_t *out, const json_t *st)
{
    const json_t *p = json_object_get(st, "Principal");
    const char *k;
    json_t *v;
    int rc = 0;

    if (json_is_string(p)) /* "Principal": "*" */
        return append_str(out, json_string_value(p));
    json_object_foreach((json_t *)p, k, v)
    {
        if (rc == 0)
            rc = principal_strings(out, k, v);
    }
    return rc;
}

/* The principals a trust policy lets assume the role ("AWS: arn:...", "Federated: ..."). */
static int trust_principals(json_t *out, const char *doc)
{
    json_t *j = doc ? json_loads(doc, 0, NULL) : NULL;
    json_t *st = json_object_get(j, "Statement"), *e;
    size_t i;
    int rc = 0;

    if (json_is_object(st))
        rc = statement_principals(out, st);
    json_array_foreach(st, i, e)
    {
        if (rc == 0 && json_is_object(e))
            rc = statement_principals(out, e);
    }
    json_decref(j);
    return rc;
}

/*
 * Who can assume a role from outside the account: other accounts (an AWS principal of another
 * account id, or "*"), identity providers (Federated: SAML, OIDC). And what the trust statements
 * that let them in require: MFA (aws:MultiFactorAuthPresent true) or an ExternalId
 * (sts:ExternalId: protection against a confused deputy, not a second factor). facts.trust =
 * {outside, accounts, federated, public, mfa_required, external_id_required}; *outside says
 * whether anyone outside may assume it.
 */
struct trust {
    json_t *accounts, *federated;
    bool public, mfa_all, external_id_all, any;
};

static bool cond_has(const json_t *st, const char *key, const char *want)
{
    const json_t *cond = json_object_get(st, "Condition"), *ops, *v;
    const char *op;

    json_object_foreach((json_t *)cond, op, ops)
    {
        const char *k;

        json_object_foreach((json_t *)ops, k, v)
        {
            if (strcasecmp(k, key) != 0)
                continue;
            if (!want)
                return true;
            if (json_is_string(v) && !strcasecmp(json_string_value(v), want))
                return true;
            if (json_is_true(v) && !strcasecmp(want, "true"))
                return true;
            if (json_is_array(v) && json_array_size(v) == 1 &&
                json_is_string(json_array_get(v, 0)) &&
                !strcasecmp(json_string_value(json_array_get(v, 0)), want))
                return true;
        }
    }
    return false;
}

/* The account id of an AWS principal ("123456789012", "arn:aws:iam::123456789012:root"). */
static void principal_account(char out[16], const char *p)
{
    const char *acct = p;

    out[0] = '\0';
    if (!strncmp(p, "arn:", 4)) {
        int field = 0;

        for (acct = p; *acct && field < 4; acct++)
            if (*acct == ':')
                field++;
    }
    if (strspn(acct, "0123456789") == 12)
        snprintf(out, 16, "%.12s", acct);
}

static int trust_statement(struct trust *t, const char *own, const json_t *st)
{
    const char *effect = json_string_value(json_object_get(st, "Effect"));
    const json_t *p = json_object_get(st, "Principal"), *v, *e;
    bool outside = false;
    size_t i;

    if (!effect || strcmp(effect, "Allow") != 0)
        return 0;
    if (json_is_string(p) && !strcmp(json_string_value(p), "*"))
        p = json_pack("{s:s}", "AWS", "*");
    else
        json_incref((json_t *)p);
    v = json_object_get(p, "AWS");
    for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
        const char *s = json_string_value(json_is_array(v) ? json_array_get(v, i) : v);
        char acct[16];

        if (!s)
            continue;
        if (!strcmp(s, "*")) {
            t->public = outside = true;
            continue;
        }
        principal_account(acct, s);
        if (acct[0] && (!own || strcmp(acct, own) != 0)) {
            outside = true;
            if (json_array_append_new(t->accounts, json_string(acct)) < 0)
                goto oom;
        }
    }
    v = json_object_get(p, "Federated");
    for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
        e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e))
            continue;
        outside = true;
        if (json_array_append_new(t->federated, json_string(json_string_value(e))) < 0)
            goto oom;
    }
    json_decref((json_t *)p);
    if (!outside)
        return 0;
    /* Every statement that lets outsiders in must require the condition for it to hold. */
    if (!t->any) {
        t->mfa_all = t->external_id_all = true;
        t->any = true;
    }
    t->mfa_all = t->mfa_all && cond_has(st, "aws:MultiFactorAuthPresent", "true");
    t->external_id_all = t->external_id_all && cond_has(st, "sts:ExternalId", NULL);
    return 0;
oom:
    json_decref((json_t *)p);
    return oom();
}

static int trust_facts(struct fbs_finding *f, const char *own, const char *doc, bool *outside)
{
    struct trust t = {json_array(), json_array(), false, false, false, false};
    json_t *j = doc ? json_loads(doc, 0, NULL) : NULL;
    json_t *st = json_object_get(j, "Statement"), *e, *facts = NULL;
    size_t i;
    int rc = 0;

    *outside = false;
    if (!t.accounts || !t.federated) {
        rc = oom();
        goto done;
    }
    if (json_is_object(st))
        rc = trust_statement(&t, own, st);
    json_array_foreach(st, i, e)
    {
        if (rc == 0 && json_is_object(e))
            rc = trust_statement(&t, own, e);
    }
    if (rc < 0 || !t.any)
        goto done;
    *outside = true;
    facts = json_pack("{s:b, s:O, s:O, s:b, s:b, s:b}", "outside", 1, "accounts", t.accounts,
                      "federated", t.federated, "public", t.public, "mfa_required", t.mfa_all,
                      "external_id_required", t.external_id_all);
    if (!facts || json_object_set_new(f->facts, "trust", facts) < 0)
        rc = oom();
done:
    json_decref(t.accounts);
    json_decref(t.federated);
    json_decref(j);
    return rc;
}

static int collect_role(struct aws *a, const struct aws_principal *r)
{
    struct fbs_finding *f = NULL;
    struct priv pv = {NULL, NULL, false, FBS_VEC_INIT, FBS_VEC_INIT, NULL, NULL, NULL};
    json_t *trust = NULL;
    bool wanted, outside = false;
    int rc;

    rc = passes_filter(a, &wanted, r->name, r->path, r->description, &r->tags);
    if (rc < 0)
        return rc;
    rc = privilege_of(a, &pv, r);
    if (rc < 0)
        goto done;
    /* Whatever its name: a role with administrator rights that others may assume from outside
     * the account (OrganizationAccountAccessRole, a vendor's support role, a SAML admin role). */
    if (!wanted && json_array_size(pv.evidence) == 0)
        goto done;
    f = aws_record_new(&aws_rule_role, r->arn ? r->arn : r->name, r->name, r->id ? r->id : r->name);
    trust = json_array();
    if (!f || !trust) {
        rc = oom();
        goto done;
    }
    /* A role is assumed, not held: like an interactive account, what matters is whether it is
     * used as a routine path, not that it does not expire. */
    f->interactive = true;
    f->active = 1;
    if ((rc = apply_priv(f, &pv)) < 0 ||
        (rc = apply_names(f, r->description, r->path, &r->tags)) < 0 ||
        (rc = trust_principals(trust, r->trust_doc)) < 0 ||
        (rc = trust_facts(f, a->account, r->trust_doc, &outside)) < 0)
        goto done;
    if (!wanted && !outside)
        goto done; /* an admin role only this account's principals can assume */
    if (outside && json_array_size(pv.evidence) &&
        fbs_finding_add_indicator(f, "administrator role assumable from outside the account",
                                  "content", 0.6) < 0) {
        rc = oom();
        goto done;
    }
    if (r->has_created && (rc = aws_set_issued(f, r->created, "aws_iam")) < 0)
        goto done;
    if (r->has_last_used)
        aws_set_last_used(f, r->last_used);
    if (aws_fact_str(f, "role", r->name) < 0 ||
        aws_fact_str(f, "last_used_region", r->last_used_region) < 0 ||
        json_object_set(f->facts, "trusted_principals", trust) < 0) {
        rc = oom();
        goto done;
    }
    if (fbs_vec_push(a->records, f) < 0) {
        rc = oom();
        goto done;
    }
    f = NULL;
done:
    fbs_finding_free(f);
    json_decref(trust);
    priv_release(&pv);
    return rc;
}

/* Secrets Manager ------------------------------------------------------------------------------ */

static int secret_record(struct aws *a, const struct aws_secret *s)
{
    struct fbs_finding *f = aws_record_new(&aws_rule_secret, s->arn, s->name, s->name);
    int rc = 0;

    if (!f)
        return oom();
    f->active = s->has_deleted ? 0 : 1;
    f->secret_public = true; /* the identifier is the secret's name, not its value */
    /* The value's age counts from its last rotation: a rotation replaced it. */
    if (s->has_last_rotated && (!s->has_created || s->last_rotated > s->created))
        rc = aws_set_issued(f, s->last_rotated, "last_rotation");
    else if (s->has_created)
        rc = aws_set_issued(f, s->created, "aws_secretsmanager");
    if (rc == 0 && s->has_created && aws_fact_date(f, "created", s->created) < 0)
        rc = FBS_ENOMEM;
    if (s->has_last_accessed)
        aws_set_last_used(f, s->last_accessed);
    else if (rc == 0 && json_object_set_new(f->facts, "never_used", json_true()) < 0)
        rc = FBS_ENOMEM; /* the API omits LastAccessedDate for a secret never read */
    if (rc == 0)
        rc = apply_names(f, s->description, NULL, &s->tags);
    if (rc == 0 &&
        (json_object_set_new(f->facts, "rotation_enabled", json_boolean(s->rotation_enabled)) < 0 ||
         (s->rotation_days >= 0 &&
          json_object_set_new(f->facts, "rotation_days", json_integer(s->rotation_days)) < 0) ||
         (s->has_last_rotated && aws_fact_date(f, "last_rotated", s->last_rotated) < 0) ||
         (s->has_last_changed && aws_fact_date(f, "last_changed", s->last_changed) < 0) ||
         (s->has_last_accessed && aws_fact_date(f, "last_accessed", s->last_accessed) < 0) ||
         (s->has_next_rotation && aws_fact_date(f, "next_rotation", s->next_rotation) < 0) ||
         (s->has_deleted && aws_fact_date(f, "deleted", s->deleted) < 0) ||
         aws_fact_str(f, "kms_key", s->kms_key_id ? s->kms_key_id : "aws/secretsmanager") < 0 ||
         aws_fact_str(f, "owning_service", s->owning_service) < 0))
        rc = FBS_ENOMEM;
    if (rc == 0 && fbs_vec_push(a->records, f) < 0)
        rc = FBS_ENOMEM;
    if (rc < 0) {
        fbs_finding_free(f);
        return oom();
    }
    return 0;
}

static int json_body(struct fbs_buf *out, const char *next_token)
{
    json_t *j = json_pack("{s:i}", "MaxResults", 100);
    size_t n;
    int rc = 0;

    if (!j || (next_token && json_object_set_new(j, "NextToken", json_string(next_token)) < 0)) {
        json_decref(j);
        return oom();
    }
    n = json_dumpb(j, NULL, 0, JSON_COMPACT);
    if (!n || fbs_buf_grow(out, n) < 0)
        rc = oom();
    else if (json_dumpb(j, out->ptr + out->len, n, JSON_COMPACT) != n)
        rc = oom();
    else {
        out->len += n;
        out->ptr[out->len] = '\0';
    }
    json_decref(j);
    return rc;
}

static int collect_secrets_in(struct aws *a)
{
    const char *region = a->sm_region             ? a->sm_region
                         : a->opts->creds->region ? a->opts->creds->region
                                                  : "us-east-1";
    char subject[96];
    char *token = NULL;
    int rc = 0;

    snprintf(subject, sizeof(subject), "secretsmanager:%s", region);
    do {
        struct fbs_buf body = FBS_BUF_INIT;
        struct fbs_http_response resp;
        struct fbs_vec page = FBS_VEC_INIT;
        struct aws_error err;
        char *next = NULL;

        fbs_http_response_init(&resp);
        rc = json_body(&body, token);
        if (rc == 0)
            rc = call(a, "secretsmanager", "ListSecrets", body.ptr, body.len,
                      "secretsmanager.ListSecrets", &resp, &err);
        if (rc == 0) {
            rc = aws_secrets_page(&page, &next, resp.body.ptr, resp.body.len);
            if (rc == FBS_EPARSE)
                rc = fbs_error_prefix(FBS_EIO, "secretsmanager:ListSecrets");
        }
        for (size_t i = 0; rc == 0 && i < page.len; i++) {
            const struct aws_secret *s = page.items[i];
            bool wanted;

            rc = passes_filter(a, &wanted, s->name, NULL, s->description, &s->tags);
            if (rc == 0 && wanted)
                rc = secret_record(a, s);
        }
        fbs_vec_release(&page, aws_secret_free);
        fbs_http_response_release(&resp);
        fbs_buf_release(&body);
        fbs_free(token);
        token = next;
        if (rc == 0 && token && !*token) {
            fbs_free(token);
            token = NULL;
        }
    } while (rc == 0 && token);
    fbs_free(token);
    return rc < 0 ? api_failed(a, rc, subject) : 0;
}

/* The regions enabled for the account (ec2:DescribeRegions lists only those by default). */
static int enabled_regions(struct aws *a, struct fbs_vec *out)
{
    struct aws_xml *doc = NULL;
    struct aws_error err;
    const struct aws_xml *it;
    int rc;

    rc = query(a, "ec2", "DescribeRegions", NULL, &doc, &err);
    if (rc < 0)
        return api_failed(a, rc, a->account ? a->account : "ec2");
    for (it = aws_xml_child(aws_xml_child(doc, "regionInfo"), "item"); rc == 0 && it;
         it = aws_xml_next(it)) {
        const char *name = aws_xml_text(it, "regionName");
        char *dup;

        if (!name || !*name)
            continue;
        dup = fbs_strdup(name);
        if (!dup || fbs_vec_push(out, dup) < 0) {
            fbs_free(dup);
            rc = oom();
        }
    }
    aws_xml_free(doc);
    return rc;
}

/* --regions "a,b,c" into a list. */
static int listed_regions(const char *list, struct fbs_vec *out)
{
    const char *p = list;

    while (*p) {
        size_t n = strcspn(p, ", ");
        char *r;

        if (n) {
            r = fbs_strndup(p, n);
            if (!r || fbs_vec_push(out, r) < 0) {
                fbs_free(r);
                return oom();
            }
        }
        p += n;
        p += strspn(p, ", ");
    }
    return 0;
}

/* Secrets Manager is regional: every region asked for, or every enabled one. */
static int collect_secrets(struct aws *a)
{
    struct fbs_vec regions = FBS_VEC_INIT;
    int rc;

    rc = a->opts->regions ? listed_regions(a->opts->regions, &regions)
                          : enabled_regions(a, &regions);
    if (rc == 0 && regions.len == 0)
        rc = collect_secrets_in(a); /* the credentials' region */
    for (size_t i = 0; rc == 0 && i < regions.len; i++) {
        a->sm_region = regions.items[i];
        rc = collect_secrets_in(a);
    }
    a->sm_region = NULL;
    fbs_vec_release(&regions, fbs_free);
    return rc;
}

/* IAM Identity Center ----------------------------------------------------------------------- */

static const struct aws_rule rule_sso_assignment = {
    .id = "aws.sso.account_assignment",
    .name = "AWS IAM Identity Center account assignment",
    .kind = "aws_sso_assignment",
    .remediation =
        "Keep emergency access outside Identity Center (it depends on the identity "
        "source), or assign the emergency permission set only for the incident and "
        "remove the assignment afterwards; alert on every sign-in of the emergency user.",
    .fallback = false,
    .privilege = FBS_PRIV_UNKNOWN,
};

/* "arn:aws:sso:::permissionSet/ssoins-1/ps-2/account/123456789012/USER/ID" */
static char *sso_resource(const char *ps, const char *acct, const char *type, const char *id)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char *out;

    if (fbs_buf_printf(&b, "%s/account/%s/%s/%s", ps, acct, type, id) < 0) {
        fbs_buf_release(&b);
        return NULL;
    }
    out = fbs_buf_detach(&b);
    fbs_buf_release(&b);
    return out;
}

/* One JSON 1.1 call: `req` (taken) sent to svc with X-Amz-Target prefix.action; *out parsed;
 * the API's error in *errp. */
static int json_call_err(struct aws *a, const char *svc, const char *prefix, const char *action,
                         json_t *req, json_t **out, struct aws_error *errp)
{
    struct fbs_http_response resp;
    struct aws_error err;
    char target[128], *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    int rc;

    *out = NULL;
    json_decref(req);
    if (!body)
        return oom();
    snprintf(target, sizeof(target), "%s.%s", prefix, action);
    fbs_http_response_init(&resp);
    rc = call(a, svc, action, body, strlen(body), target, &resp, &err);
    free(body);
    if (rc == 0) {
        *out = json_loadb(resp.body.ptr, resp.body.len, 0, NULL);
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = fbs_error_set(FBS_EIO, "%s:%s: malformed response", svc, action);
        }
    }
    fbs_http_response_release(&resp);
    if (errp)
        *errp = err;
    return rc;
}

static int json_call(struct aws *a, const char *svc, const char *prefix, const char *action,
                     json_t *req, json_t **out)
{
    return json_call_err(a, svc, prefix, action, req, out, NULL);
}

/* Organizations: service control policies -------------------------------------------------- */

static int org_call(struct aws *a, const char *action, json_t *req, json_t **out,
                    struct aws_error *err)
{
    return json_call_err(a, "organizations", "AWSOrganizationsV20161128", action, req, out, err);
}

/* Every SCP attached to one target: a level (label names the target, e.g. "OU ou-x"). */
static int scp_level(struct aws *a, const char *target, const char *what)
{
    struct scp_level *lv = &a->scp[a->nscp];
    struct fbs_buf names = FBS_BUF_INIT;
    json_t *ids = json_array();
    char *token = NULL;
    struct aws_error err;
    size_t i;
    json_t *e;
    int rc = 0;

    if (!ids)
        return oom();
    do { /* ListPoliciesForTarget, every page */
        json_t *q = json_pack("{s:s, s:s}", "TargetId", target, "Filter", "SERVICE_CONTROL_POLICY"),
               *res = NULL;
        const char *next;

        if (!q || (token && json_object_set_new(q, "NextToken", json_string(token)) < 0)) {
            json_decref(q);
            rc = oom();
            break;
        }
        rc = org_call(a, "ListPoliciesForTarget", q, &res, &err);
        if (rc == 0 && json_array_extend(ids, json_object_get(res, "Policies")) < 0 &&
            json_is_array(json_object_get(res, "Policies")))
            rc = oom();
        next = json_string_value(json_object_get(res, "NextToken"));
        fbs_free(token);
        token = rc == 0 && next && *next ? fbs_strdup(next) : NULL;
        json_decref(res);
    } while (rc == 0 && token);
    fbs_free(token);
    json_array_foreach(ids, i, e)
    {
        const char *id = json_string_value(json_object_get(e, "Id"));
        const char *name = json_string_value(json_object_get(e, "Name"));
        json_t *res = NULL;
        char label[320];
        const char *content;

        if (rc < 0 || !id)
            continue;
        if (lv->n >= SCP_MAX_PER_LEVEL) {
            rc = fbs_error_set(FBS_EIO, "more than %d SCPs on %s", SCP_MAX_PER_LEVEL, what);
            break;
        }
        rc = org_call(a, "DescribePolicy", json_pack("{s:s}", "PolicyId", id), &res, &err);
        content = json_string_value(json_object_get(json_object_get(res, "Policy"), "Content"));
        snprintf(label, sizeof(label), "SCP '%s' (on %s)", name ? name : id, what);
        if (rc == 0 &&
            (!(lv->labels[lv->n] = fbs_strdup(label)) ||
             (content && !(lv->docs[lv->n] = fbs_strdup(content))) ||
             fbs_buf_printf(&names, "%s%s", names.len ? ", " : "", name ? name : id) < 0))
            rc = oom();
        if (rc == 0)
            lv->n++;
        json_decref(res);
    }
    json_decref(ids);
    if (rc == 0) {
        struct fbs_buf b = FBS_BUF_INIT;

        if (fbs_buf_printf(&b, "the SCPs on %s (%s)", what, names.len ? names.ptr : "none") < 0)
            rc = oom();
        else
            lv->label = fbs_buf_detach(&b);
        fbs_buf_release(&b);
        if (rc == 0 && !lv->label)
            rc = oom();
    }
    fbs_buf_release(&names);
    return rc;
}

static void scp_release(struct aws *a)
{
    for (size_t i = 0; i < SCP_MAX_LEVELS; i++) {
        fbs_free(a->scp[i].label);
        for (size_t k = 0; k < SCP_MAX_PER_LEVEL; k++) {
            fbs_free(a->scp[i].docs[k]);
            fbs_free(a->scp[i].labels[k]);
        }
    }
    memset(a->scp, 0, sizeof(a->scp));
    a->nscp = 0;
}

/*
 * The account's organization and the SCPs that apply to it: DescribeOrganization, then
 * ListParents from the account up to the root, ListPoliciesForTarget and DescribePolicy at each
 * level (calls a member account can make when it is a delegated administrator for policies). SCPs
 * do not apply to the management account (AWS Organizations User Guide), so none are read for
 * it. Not in an organization: nothing. Not allowed to read it, or any call failing: a non-error
 * diagnostic, and no SCP is evaluated (privilege from the IAM policies alone, as before).
 */
static int read_scp(struct aws *a)
{
    const char *subject = a->account ? a->account : "organizations";
    json_t *res = NULL, *levels = NULL, *chain = NULL, *org;
    struct aws_error err;
    const char *master, *org_id;
    char child[64], what[96];
    bool at_root = false;
    int rc;

    rc = org_call(a, "DescribeOrganization", json_object(), &res, &err);
    if (rc == FBS_ENOMEM)
        return rc;
    if (rc < 0 && err_is(&err, "AWSOrganizationsNotInUseException")) {
        rc = 0;
        goto done;
    }
    if (rc < 0) {
        fbs_diags_add(a->diags, false, "scp_unknown", subject,
                      "cannot read the organization (%s): service control policies are not "
                      "evaluated, privilege comes from the IAM policies alone",
                      fbs_error_message());
        rc = 0;
        goto done;
    }
    org = json_object_get(res, "Organization");
    master = json_string_value(json_object_get(org, "MasterAccountId"));
    org_id = json_string_value(json_object_get(org, "Id"));
    if (master && a->account && !strcmp(master, a->account)) {
        a->scp_fact = json_pack("{s:s?, s:b, s:b, s:s}", "organization", org_id,
                                "management_account", true, "applies", false, "note",
                                "SCPs do not apply to the organization's management account");
        fbs_diags_add(a->diags, false, "scp_management_account", subject,
                      "the account is the management account of organization %s: service "
                      "control policies do not apply to it",
                      org_id ? org_id : "?");
        rc = a->scp_fact ? 0 : oom();
        goto done;
    }
    /* The chain of targets from the account up to the root, then read top down. */
    chain = json_array();
    if (!chain || !a->account) {
        rc = chain ? 0 : oom();
        goto done;
    }
    snprintf(child, sizeof(child), "%s", a->account);
    if (json_array_append_new(chain, json_pack("{s:s, s:s}", "Id", child, "Type", "ACCOUNT")) < 0)
        rc = oom();
    while (rc == 0 && !at_root) {
        json_t *pr = NULL, *parent;
        const char *type;

        if (json_array_size(chain) >= SCP_MAX_LEVELS) {
            rc = fbs_error_set(FBS_EIO, "organizations:ListParents: no root within %d levels",
                               SCP_MAX_LEVELS);
            break;
        }
        rc = org_call(a, "ListParents", json_pack("{s:s}", "ChildId", child), &pr, &err);
        parent = json_array_get(json_object_get(pr, "Parents"), 0);
        type = json_string_value(json_object_get(parent, "Type"));
        if (rc == 0 && (!type || !json_string_value(json_object_get(parent, "Id"))))
            rc = fbs_error_set(FBS_EIO, "organizations:ListParents: no parent for %s", child);
        if (rc == 0) {
            at_root = !strcmp(type, "ROOT");
            snprintf(child, sizeof(child), "%s", json_string_value(json_object_get(parent, "Id")));
            if (json_array_insert(chain, 0, parent) < 0)
                rc = oom();
        }
        json_decref(pr);
    }
    levels = json_array();
    if (rc == 0 && !levels)
        rc = oom();
    for (size_t i = 0; rc == 0 && i < json_array_size(chain); i++) {
        const json_t *t = json_array_get(chain, i);
        const char *type = json_string_value(json_object_get(t, "Type"));
        const char *id = json_string_value(json_object_get(t, "Id"));

        snprintf(what, sizeof(what), "%s %s",
                 !strcmp(type, "ROOT")      ? "root"
                 : !strcmp(type, "ACCOUNT") ? "account"
                                            : "OU",
                 id);
        rc = scp_level(a, id, what);
        if (rc == 0) {
            json_t *names = json_array();

            for (size_t k = 0; names && k < a->scp[a->nscp].n; k++)
                json_array_append_new(names, json_string(a->scp[a->nscp].labels[k]));
            if (!names || json_array_append_new(levels, json_pack("{s:s, s:o}", "target", what,
                                                                  "policies", names)) < 0)
                rc = oom();
            a->nscp++;
        }
    }
    if (rc == 0) {
        a->scp_fact = json_pack("{s:s?, s:b, s:b, s:O}", "organization", org_id,
                                "management_account", false, "applies", true, "levels", levels);
        if (!a->scp_fact)
            rc = oom();
    }
    if (rc < 0 && rc != FBS_ENOMEM) {
        fbs_diags_add(a->diags, false, "scp_unknown", subject,
                      "cannot read the service control policies (%s): they are not evaluated, "
                      "privilege comes from the IAM policies alone",
                      fbs_error_message());
        scp_release(a);
        rc = 0;
    }
done:
    json_decref(res);
    json_decref(chain);
    json_decref(levels);
    return rc;
}

static int sso_call(struct aws *a, const char *action, json_t *req, json_t **out)
{
    return json_call(a, "sso", "SWBExternalService", action, req, out);
}

/* Every page of a list call: items of `key` appended to `acc` (an array). */
static int sso_list(struct aws *a, const char *action, json_t *req, const char *key, json_t *acc)
{
    char *token = NULL;
    int rc = 0;

    do {
        json_t *q = json_deep_copy(req), *res = NULL;
        const char *next;

        if (!q || (token && json_object_set_new(q, "NextToken", json_string(token)) < 0)) {
            json_decref(q);
            rc = oom();
            break;
        }
        rc = sso_call(a, action, q, &res);
        if (rc == 0 && json_array_extend(acc, json_object_get(res, key)) < 0 &&
            json_is_array(json_object_get(res, key)))
            rc = oom();
        next = json_string_value(json_object_get(res, "NextToken"));
        fbs_free(token);
        token = next && *next ? fbs_strdup(next) : NULL;
        json_decref(res);
    } while (rc == 0 && token);
    fbs_free(token);
    return rc;
}

/* The name of a user or group of the identity store; a new string or NULL. */
static char *principal_name(struct aws *a, const char *store, const char *type, const char *id,
                            char **description)
{
    bool user = !strcmp(type, "USER");
    json_t *req =
               json_pack("{s:s, s:s}", "IdentityStoreId", store, user ? "UserId" : "GroupId", id),
           *res = NULL;
    const char *name;
    char *out = NULL;

    *description = NULL;
    if (!req || json_call(a, "identitystore", "AWSIdentityStore",
                          user ? "DescribeUser" : "DescribeGroup", req, &res) < 0) {
        (void)api_failed(a, FBS_EIO, id);
        return NULL;
    }
    name = json_string_value(json_object_get(res, user ? "UserName" : "DisplayName"));
    if (name)
        out = fbs_strdup(name);
    name = json_string_value(json_object_get(res, user ? "DisplayName" : "Description"));
    if (name)
        *description = fbs_strdup(name);
    json_decref(res);
    return out;
}

struct sso_ps {
    const char *instance, *arn;
    const char *name, *description, *session;
    struct priv pv;
};

static int sso_record(struct aws *a, const struct sso_ps *ps, const char *store,
                      const json_t *assignment)
{
    const char *type = json_string_value(json_object_get(assignment, "PrincipalType"));
    const char *id = json_string_value(json_object_get(assignment, "PrincipalId"));
    const char *acct = json_string_value(json_object_get(assignment, "AccountId"));
    char *pname = NULL, *pdesc = NULL, *res = NULL;
    struct fbs_finding *f = NULL;
    struct fbs_buf names = FBS_BUF_INIT;
    bool wanted;
    int rc = 0;

    if (!type || !id || !acct)
        return 0;
    pname = principal_name(a, store, type, id, &pdesc);
    if (fbs_buf_printf(&names, "%s %s %s %s", pname ? pname : "", pdesc ? pdesc : "",
                       ps->name ? ps->name : "", ps->description ? ps->description : "") < 0) {
        rc = oom();
        goto done;
    }
    wanted = !a->opts->filter || a->opts->filter(names.ptr, names.len, a->opts->filter_payload);
    if (!wanted)
        goto done;
    res = sso_resource(ps->arn, acct, type, id);
    f = res ? aws_record_new(&rule_sso_assignment, res, pname ? pname : id, id) : NULL;
    if (!f) {
        rc = oom();
        goto done;
    }
    f->interactive = true;
    f->active = 1;
    f->secret_public = true; /* a principal id */
    if ((rc = apply_priv(f, &ps->pv)) < 0)
        goto done;
    if (fbs_finding_set_str(&f->names, names.ptr) < 0 ||
        aws_fact_str(f, "permission_set", ps->name) < 0 ||
        aws_fact_str(f, "permission_set_arn", ps->arn) < 0 ||
        aws_fact_str(f, "account", acct) < 0 || aws_fact_str(f, "principal_type", type) < 0 ||
        aws_fact_str(f, "principal_name", pname) < 0 ||
        aws_fact_str(f, "session_duration", ps->session) < 0 || fbs_vec_push(a->records, f) < 0) {
        rc = oom();
        goto done;
    }
    f = NULL;
done:
    fbs_finding_free(f);
    fbs_free(res);
    fbs_free(pname);
    fbs_free(pdesc);
    fbs_buf_release(&names);
    return rc;
}

static int sso_permission_set(struct aws *a, const char *instance, const char *store,
                              const char *arn)
{
    struct sso_ps ps = {
        instance, arn,  NULL,
        NULL,     NULL, {NULL, NULL, false, FBS_VEC_INIT, FBS_VEC_INIT, NULL, NULL, NULL}};
    json_t *desc = NULL, *managed = json_array(), *inl = NULL, *accounts = json_array(), *e;
    json_t *req = json_pack("{s:s, s:s}", "InstanceArn", instance, "PermissionSetArn", arn);
    char label[320];
    size_t i;
    int rc;

    ps.pv.evidence = json_array();
    ps.pv.policies = json_array();
    if (!req || !managed || !accounts || !ps.pv.evidence || !ps.pv.policies) {
        rc = oom();
        goto done;
    }
    rc = sso_call(a, "DescribePermissionSet", json_deep_copy(req), &desc);
    if (rc == 0)
        rc = sso_list(a, "ListManagedPoliciesInPermissionSet", req, "AttachedManagedPolicies",
                      managed);
    if (rc == 0)
        rc = sso_call(a, "GetInlinePolicyForPermissionSet", json_deep_copy(req), &inl);
    if (rc == 0)
        rc = sso_list(a, "ListAccountsForProvisionedPermissionSet", req, "AccountIds", accounts);
    if (rc < 0)
        goto done;
    ps.name = json_string_value(json_object_get(json_object_get(desc, "PermissionSet"), "Name"));
    ps.description =
        json_string_value(json_object_get(json_object_get(desc, "PermissionSet"), "Description"));
    ps.session = json_string_value(
        json_object_get(json_object_get(desc, "PermissionSet"), "SessionDuration"));
    json_array_foreach(managed, i, e)
    {
        const char *parn = json_string_value(json_object_get(e, "Arn"));
        const char *doc = NULL;

        if (!parn)
            continue;
        snprintf(label, sizeof(label), "permission set '%s' managed policy '%s'",
                 ps.name ? ps.name : "?",
                 json_string_value(json_object_get(e, "Name"))
                     ? json_string_value(json_object_get(e, "Name"))
                     : parn);
        if ((rc = append_str(ps.pv.policies, label)) < 0)
            goto done;
        if (aws_policy_is_admin_arn(parn))
            rc = eval_doc(&ps.pv, admin_doc, label);
        else if ((rc = managed_doc(a, parn, &doc)) == 0)
            rc = eval_doc(&ps.pv, doc, label);
        if (rc < 0)
            goto done;
    }
    if (json_string_value(json_object_get(inl, "InlinePolicy")) &&
        *json_string_value(json_object_get(inl, "InlinePolicy"))) {
        snprintf(label, sizeof(label), "permission set '%s' inline policy",
                 ps.name ? ps.name : "?");
        if ((rc = append_str(ps.pv.policies, label)) < 0 ||
            (rc = eval_doc(&ps.pv, json_string_value(json_object_get(inl, "InlinePolicy")),
                           label)) < 0)
            goto done;
    }
    /* The roles Identity Center provisions in the account are under its SCPs too. */
    ps.pv.unknown = false;
    if ((rc = eval_limited(a, &ps.pv, NULL)) < 0)
        goto done;
    json_array_foreach(accounts, i, e)
    {
        json_t *assigned = json_array(), *q, *x;
        size_t k;

        if (rc < 0 || !json_is_string(e))
            continue;
        q = json_pack("{s:s, s:s, s:O}", "InstanceArn", instance, "PermissionSetArn", arn,
                      "AccountId", e);
        if (!q || !assigned) {
            json_decref(q);
            json_decref(assigned);
            rc = oom();
            break;
        }
        rc = sso_list(a, "ListAccountAssignments", q, "AccountAssignments", assigned);
        json_decref(q);
        json_array_foreach(assigned, k, x)
        {
            if (rc == 0)
                rc = sso_record(a, &ps, store, x);
        }
        json_decref(assigned);
    }
done:
    json_decref(req);
    json_decref(desc);
    json_decref(managed);
    json_decref(inl);
    json_decref(accounts);
    priv_release(&ps.pv);
    return rc < 0 ? api_failed(a, rc, arn) : 0;
}

/* Permission sets and account assignments of IAM Identity Center (its home region). */
static int collect_sso(struct aws *a)
{
    json_t *instances = json_array(), *req = json_object(), *e;
    size_t i;
    int rc;

    if (!instances || !req) {
        json_decref(instances);
        json_decref(req);
        return oom();
    }
    rc = sso_list(a, "ListInstances", req, "Instances", instances);
    json_array_foreach(instances, i, e)
    {
        const char *inst = json_string_value(json_object_get(e, "InstanceArn"));
        const char *store = json_string_value(json_object_get(e, "IdentityStoreId"));
        json_t *sets = json_array(), *q, *ps;
        size_t k;

        if (rc < 0 || !inst || !store) {
            json_decref(sets);
            continue;
        }
        q = json_pack("{s:s}", "InstanceArn", inst);
        if (!q || !sets) {
            json_decref(q);
            json_decref(sets);
            rc = oom();
            break;
        }
        rc = sso_list(a, "ListPermissionSets", q, "PermissionSets", sets);
        json_decref(q);
        json_array_foreach(sets, k, ps)
        {
            if (rc == 0 && json_is_string(ps))
                rc = sso_permission_set(a, inst, store, json_string_value(ps));
        }
        json_decref(sets);
    }
    json_decref(instances);
    json_decref(req);
    return rc < 0 ? api_failed(a, rc, a->account ? a->account : "sso") : 0;
}

/* The collector ---------------------------------------------------------------------------- */

int fbs_aws_collect(struct fbs_vec *records, char **account_out, const struct fbs_aws_opts *opts,
                    struct fbs_diags *diags)
{
    struct fbs_http_opts hopts;
    struct aws a;
    const struct fbs_vec *users;
    int rc;

    if (account_out)
        *account_out = NULL;
    if (!opts->creds || !opts->creds->access_key_id || !opts->creds->secret_access_key)
        return fbs_error_set(FBS_EINVAL, "AWS collector: no credentials");
    memset(&a, 0, sizeof(a));
    a.opts = opts;
    a.diags = diags;
    a.records = records;
    aws_authz_init(&a.authz);
    fbs_vec_init(&a.listed);
    fbs_vec_init(&a.managed);
    fbs_vec_init(&a.report);
    memset(&hopts, 0, sizeof(hopts));
    hopts.ca_bundle = opts->ca_bundle;
    hopts.max_tries = opts->max_tries;
    hopts.backoff_ms = opts->backoff_ms;
    hopts.timeout_s = opts->timeout_s;
    rc = fbs_http_new(&a.http, &hopts);
    if (rc < 0)
        goto done;
    rc = who_am_i(&a);
    if (rc < 0)
        goto done;
    if ((rc = read_authz(&a)) < 0 || (rc = read_listed_users(&a)) < 0 ||
        (rc = read_report(&a)) < 0 || (rc = collect_root(&a)) < 0 || (rc = read_scp(&a)) < 0)
        goto done;
    /* Users from the authorization details (with policies); ListUsers when those failed. */
    users = a.authz_ok ? &a.authz.users : &a.listed;
    for (size_t i = 0; rc == 0 && i < users->len; i++)
        rc = collect_user(&a, users->items[i]);
    for (size_t i = 0; rc == 0 && i < a.authz.roles.len; i++)
        rc = collect_role(&a, a.authz.roles.items[i]);
    if (rc == 0)
        rc = collect_server_certs(&a);
    if (rc == 0)
        rc = collect_sso(&a);
    if (rc == 0)
        rc = collect_secrets(&a);
done:
    if (rc == 0 && account_out) {
        *account_out = a.account;
        a.account = NULL;
    }
    fbs_free(a.account);
    fbs_http_free(a.http);
    aws_authz_release(&a.authz);
    fbs_vec_release(&a.listed, aws_principal_free);
    fbs_vec_release(&a.managed, aws_policy_free);
    fbs_vec_release(&a.report, aws_report_row_free);
    scp_release(&a);
    json_decref(a.scp_fact);
    return rc;
}
