/*
 * aws_int.h - internals of the AWS collector shared by its files (and its unit tests):
 * a small XML tree over expat (aws_xml.c), IAM response parsing (aws_iam.c), policy document
 * evaluation (aws_policy.c), credential report rows (aws_credreport.c), Secrets Manager
 * responses (aws_secrets.c) and the record constructor (cloud_aws.c).
 *
 * Every parser here takes untrusted bytes from the network: lengths are bounded, depth is
 * bounded, a missing element is "unknown", never a crash. Structures own their strings.
 */
#ifndef FBS_AWS_INT_H
#define FBS_AWS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "../core/time.h"
#include "../core/vec.h"
#include "../model/diag.h"
#include "../model/finding.h"

/* XML ------------------------------------------------------------------------------------ */

#define AWS_XML_MAX_DEPTH 64
#define AWS_XML_MAX_NODES (4u << 20)

/* An element: its local name (namespace prefix dropped), its text, its children in order. */
struct aws_xml {
    char *name;
    struct fbs_buf text; /* character data directly inside the element */
    struct aws_xml *child, *last, *next;
};

/*
 * Parse a whole XML document. A DOCTYPE (and so any entity declaration) is refused.
 * 0, FBS_EPARSE (with the line and expat's message), FBS_ENOMEM.
 */
int aws_xml_parse(struct aws_xml **out, const char *data, size_t len);
void aws_xml_free(struct aws_xml *x);
/* The first child named `name`, or NULL (x may be NULL). */
const struct aws_xml *aws_xml_child(const struct aws_xml *x, const char *name);
/* Follow a "A/B/C" path of child names; NULL when a step is missing. */
const struct aws_xml *aws_xml_path(const struct aws_xml *x, const char *path);
/* The text at a path (trimmed of surrounding blanks), or NULL when missing. Borrowed. */
const char *aws_xml_text(const struct aws_xml *x, const char *path);
/* The next sibling with the same name as x, or NULL (iterating "member" lists). */
const struct aws_xml *aws_xml_next(const struct aws_xml *x);

/* An AWS error response (Query: ErrorResponse/Error; JSON: __type/message). */
struct aws_error {
    long status;   /* HTTP status, 0 for a transport failure */
    char code[96]; /* "AccessDenied", "Throttling" ... or "" */
    char message[512];
};

/* Fill err from a Query API error body (XML); false when it is not one. */
bool aws_error_from_xml(struct aws_error *err, const char *body, size_t len);
/* Fill err from a JSON API error body; false when it is not one. */
bool aws_error_from_json(struct aws_error *err, const char *body, size_t len);
/* Whether an error code means throttling (Throttling, ThrottlingException, RequestLimitExceeded,
 * TooManyRequestsException, SlowDown ...). */
bool aws_error_is_throttling(const char *code);

/* Dates: ISO-8601 text ("2024-01-02T03:04:05Z", with fractions or offsets) or epoch seconds
 * ("1700000000", "1700000000.25"); "N/A", "no_information", "not_supported", "" are unknown.
 * 0, or -1 when unknown or malformed. */
int aws_parse_date(fbs_time_t *out, const char *s);

/* Decode RFC 3986 percent-encoding in place ('+' stays '+'); returns the new length. */
size_t aws_url_decode(char *s, size_t len);

/* IAM (aws_iam.c) -------------------------------------------------------------------------- */

struct aws_tag {
    char *key, *value;
};

/* A policy reference: an inline policy (name + document) or an attached managed policy
 * (name + arn). */
struct aws_policy {
    char *name;
    char *arn; /* managed policies */
    char *doc; /* decoded JSON document, or NULL when not known */
};

/* A user, group or role, as GetAccountAuthorizationDetails / ListUsers describe it. */
struct aws_principal {
    char *name, *id, *arn, *path, *description;
    fbs_time_t created;
    bool has_created;
    struct fbs_vec inline_policies; /* struct aws_policy * */
    struct fbs_vec attached;        /* struct aws_policy * (name, arn) */
    struct fbs_vec groups;          /* char *: group names (users) */
    struct fbs_vec tags;            /* struct aws_tag * */
    /* Users (ListUsers) */
    fbs_time_t password_last_used;
    bool has_password_last_used;
    /* Roles */
    fbs_time_t last_used;
    bool has_last_used;
    char *last_used_region;
    char *trust_doc; /* decoded AssumeRolePolicyDocument */
    /* Users and roles: PermissionsBoundary/PermissionsBoundaryArn, or NULL */
    char *boundary_arn;
};

void aws_principal_free(void *p);
void aws_policy_free(void *p);

struct aws_authz {
    struct fbs_vec users, groups, roles; /* struct aws_principal * */
    struct fbs_vec policies;             /* struct aws_policy *: managed, default version doc */
};

void aws_authz_init(struct aws_authz *a);
void aws_authz_release(struct aws_authz *a);

/*
 * Add one page of a GetAccountAuthorizationDetails response (the parsed document) to `a`.
 * *marker gets the next page's marker (heap; NULL when IsTruncated is false).
 * 0, FBS_EPARSE (not such a response), FBS_ENOMEM.
 */
int aws_iam_authz_page(struct aws_authz *a, char **marker, const struct aws_xml *doc);
/* ListUsers: append users (struct aws_principal *: name, id, arn, path, created, password last
 * used) to `users`; *marker as above. */
int aws_iam_users_page(struct fbs_vec *users, char **marker, const struct aws_xml *doc);

struct aws_access_key {
    char *id;
    char *status; /* "Active" / "Inactive" */
    fbs_time_t created;
    bool has_created;
    /* GetAccessKeyLastUsed */
    bool last_used_known; /* the call succeeded (the key may still never have been used) */
    fbs_time_t last_used;
    bool has_last_used;
    char *last_used_service, *last_used_region;
};

void aws_access_key_free(void *p);
/* ListAccessKeys: append struct aws_access_key * to keys; *marker as above. */
int aws_iam_keys_page(struct fbs_vec *keys, char **marker, const struct aws_xml *doc);
/* GetAccessKeyLastUsed into k (last_used_known set). 0, FBS_EPARSE, FBS_ENOMEM. */
int aws_iam_key_last_used(struct aws_access_key *k, const struct aws_xml *doc);
/* The member count of ListMFADevices; *marker as above. */
int aws_iam_mfa_page(size_t *count, char **marker, const struct aws_xml *doc);
/* GetAccountSummary: the value of one SummaryMap key, or -1 when absent. */
long long aws_iam_summary_value(const struct aws_xml *doc, const char *key);

/* Policies (aws_policy.c) ------------------------------------------------------------------ */

/*
 * Evaluate one policy document for high privilege and append evidence strings (heap char *) to
 * `evidence`, each naming `label` (e.g. "managed policy 'AdministratorAccess'"): an Allow of
 * "*" on "*", an Allow with NotAction on "*", IAM write actions (iam:*, iam:Create*, Put*,
 * Attach*, Update*, PassRole ... that let the holder grant itself more). Deny statements are not
 * subtracted (the result errs towards high). 0, FBS_EPARSE (not a policy document; nothing
 * appended), FBS_ENOMEM.
 */
int aws_policy_eval(struct fbs_vec *evidence, const char *doc, const char *label);
/*
 * All the policies of one principal together (docs[i] labelled labels[i]; a NULL doc is an
 * unknown one): a Deny in one removes what it covers from the others. *unreadable is set when a
 * document was NULL or not a policy (the others are still evaluated). 0 or FBS_ENOMEM.
 */
int aws_policy_eval_set(struct fbs_vec *evidence, const char *const *docs,
                        const char *const *labels, size_t ndocs, bool *unreadable);
/*
 * A limit on what identity policies grant: a permissions boundary (one document), or the SCPs
 * attached at one level of an organization (root, an OU, the account: every document attached
 * there, one of which must allow an action). `label` names the limit in notes ("permissions
 * boundary 'S3Only'", "the SCPs on OU ou-ab12-cdef5678 (AllowS3Only)"), labels[i] each document
 * ("SCP 'DenyIAM'"). Borrowed.
 */
struct aws_policy_limit {
    const char *label;
    const char *const *docs;
    const char *const *labels;
    size_t ndocs;
};

/*
 * aws_policy_eval_set under limits: the effective permissions are the identity policies'
 * intersected with every limit (see aws_policy.c). Evidence is appended for what is still
 * administrator or escalation after the limits; `notes` (may be NULL) gets one sentence (heap
 * char *) for each piece of evidence a limit took away, naming the limit and, for an SCP Deny,
 * the SCP. A limit document that cannot be read limits nothing. 0 or FBS_ENOMEM.
 */
int aws_policy_eval_limited(struct fbs_vec *evidence, struct fbs_vec *notes,
                            const char *const *docs, const char *const *labels, size_t ndocs,
                            const struct aws_policy_limit *limits, size_t nlimits,
                            bool *unreadable);
/* Whether an AWS managed policy ARN is, by name alone, a full-admin one (AdministratorAccess). */
bool aws_policy_is_admin_arn(const char *arn);

/* Credential report (aws_credreport.c) ----------------------------------------------------- */

struct aws_report_key {
    bool exists; /* active, or a last-rotated date */
    int active;  /* 1, 0, -1 unknown */
    fbs_time_t last_rotated, last_used;
    bool has_last_rotated, has_last_used;
    bool never_used; /* last used "N/A" on an existing key */
    char *last_used_region, *last_used_service;
};

/* A signing certificate's columns (cert_N_active, cert_N_last_rotated). */
struct aws_report_cert {
    int active; /* 1, 0, -1 unknown */
    fbs_time_t last_rotated;
    bool has_last_rotated;
};

struct aws_report_row {
    char *user, *arn;
    bool root;
    fbs_time_t created;
    bool has_created;
    int password_enabled; /* 1, 0, -1 unknown/not_supported */
    fbs_time_t password_last_used, password_last_changed;
    bool has_password_last_used, has_password_last_changed;
    bool password_never_used; /* password_last_used "no_information" */
    int mfa_active;           /* 1, 0, -1 */
    struct aws_report_key key[2];
    struct aws_report_cert cert[2];
};

void aws_report_row_free(void *p);
/* Parse the CSV into rows (struct aws_report_row *). Same contract as
 * fbs_aws_credreport_parse_from; `origin` names the report in diagnostics. */
int aws_credreport_rows(struct fbs_vec *rows, const char *csv, size_t len, struct fbs_diags *d,
                        const char *origin);
/* Records for one row (see fbs_aws_credreport_parse); appended to out. 0 or FBS_ENOMEM. */
int aws_credreport_row_records(struct fbs_vec *out, const struct aws_report_row *row);
/*
 * The signing certificate record for cert index `i` (0/1) of a row (kind
 * aws_signing_certificate, identifier "signing_certificate_N", issued at cert_N_last_rotated),
 * not yet pushed anywhere: *out is the caller's. 0 or FBS_ENOMEM.
 */
int aws_report_cert_record(struct fbs_finding **out, const struct aws_report_row *row, int i);
/* The root access key record for key index `i` (0/1) of a root row, or, when row is NULL, the
 * one GetAccountSummary reveals (`account` names the resource). 0 or FBS_ENOMEM. */
int aws_root_key_record(struct fbs_vec *out, const struct aws_report_row *row, int i,
                        const char *account);
/*
 * The root user's sign-in (password) record: `row` is the report's root row or NULL, `mfa` the
 * account summary's AccountMFAEnabled (-1 unknown: the row's mfa_active is used). 0 or
 * FBS_ENOMEM.
 */
int aws_root_console_record(struct fbs_vec *out, const struct aws_report_row *row, int mfa,
                            const char *account);

/* Secrets Manager (aws_secrets.c) ---------------------------------------------------------- */

struct aws_secret {
    char *name, *arn, *description, *kms_key_id, *owning_service;
    fbs_time_t created, last_accessed, last_rotated, last_changed, deleted, next_rotation;
    bool has_created, has_last_accessed, has_last_rotated, has_last_changed, has_deleted,
        has_next_rotation;
    bool rotation_enabled;   /* omitted by the API when false */
    long long rotation_days; /* RotationRules.AutomaticallyAfterDays, -1 unknown */
    struct fbs_vec tags;     /* struct aws_tag * */
};

void aws_secret_free(void *p);
/* One ListSecrets page (JSON text): append struct aws_secret * to secrets; *next_token gets
 * NextToken (heap) or NULL. 0, FBS_EPARSE, FBS_ENOMEM. */
int aws_secrets_page(struct fbs_vec *secrets, char **next_token, const char *json, size_t len);

/* Records (cloud_aws.c) -------------------------------------------------------------------- */

struct aws_rule {
    const char *id, *name, *kind, *remediation;
    bool fallback;
    enum fbs_privilege privilege;
};

extern const struct aws_rule aws_rule_access_key, aws_rule_root_key, aws_rule_console,
    aws_rule_role, aws_rule_secret, aws_rule_root_console, aws_rule_signing_cert;

/*
 * A new record for `rule`: source aws, rule fields, resource, key (owning principal) and secret
 * (the credential's identifier) set, active unknown. NULL on ENOMEM.
 */
struct fbs_finding *aws_record_new(const struct aws_rule *rule, const char *resource,
                                   const char *key, const char *ident);
/* f->issued = t, and facts.issued_from = from. 0 or FBS_ENOMEM. */
int aws_set_issued(struct fbs_finding *f, fbs_time_t t, const char *from);
void aws_set_last_used(struct fbs_finding *f, fbs_time_t t);
/* Set a date fact as an ISO string. 0 or FBS_ENOMEM. */
int aws_fact_date(struct fbs_finding *f, const char *name, fbs_time_t t);
/* Set a string fact (NULL: nothing set). 0 or FBS_ENOMEM. */
int aws_fact_str(struct fbs_finding *f, const char *name, const char *v);

#endif
