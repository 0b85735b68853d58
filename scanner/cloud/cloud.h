/*
 * cloud.h - the cloud layer: collectors that read credential inventories from live cloud APIs
 * (or from an exported report) and turn them into records - findings without text, as
 * finding.h's "cloud records" describe: f->source = FBS_SOURCE_AWS, f->resource = the ARN,
 * f->secret = the credential's identifier (an access key id, never secret material), f->key = the
 * owning principal, f->names = tags and description, dates, activity and privilege facts.
 * Records go to fbs_pipeline_add_records(), which runs the detectors and the scorer on them.
 *
 * The layer sits beside sources/: it includes core and model headers only, never detectors.
 * Decisions that need the fallback vocabulary (which roles and secrets to collect) are delegated
 * to a filter callback the caller supplies. Nothing here reads the environment or prints: the CLI
 * gathers the environment into struct fbs_aws_env and reports diagnostics.
 *
 * Credentials used to call the APIs are held in struct fbs_aws_creds only (wiped when released),
 * handed to libcurl for signing, and never copied into records, diagnostics or messages.
 *
 * What the AWS collector reads, and the records it makes (one API call family each; a failing
 * call is an "api_error" diagnostic on its subject and the rest is still collected):
 *   sts:GetCallerIdentity               the account id (a failure here is fatal: nothing would
 * work) iam:GetAccountAuthorizationDetails  users, groups, roles, customer managed policies, tags
 *   iam:ListUsers                       PasswordLastUsed
 *   iam:GetPolicy/GetPolicyVersion      documents of attached AWS managed policies (once each)
 *   iam:ListAccessKeys, GetAccessKeyLastUsed   -> aws_access_key per key (bearer secret)
 *   iam:GetLoginProfile, ListMFADevices        -> aws_console_password per user with a password
 *                                                 (interactive)
 *   iam:GetAccountSummary, Generate/GetCredentialReport
 *                                       -> aws_root_access_key (critical); the report also fills
 *                                          in key dates a failed GetAccessKeyLastUsed left unknown
 *   roles whose name, path, description or tags pass the filter -> aws_role (interactive: a role
 *                                       is assumed, not a copyable secret; RoleLastUsed)
 *   secretsmanager:ListSecrets          secrets whose name, description or tags pass the filter
 *                                       -> aws_secret (rotation facts)
 * Privilege (users through their groups too, roles): AdministratorAccess, any Allow of "*" on
 * "*", an Allow with NotAction on "*", or IAM write actions (privilege escalation) make it HIGH
 * with facts.privilege_evidence naming the policy; otherwise NORMAL with facts.policies.
 */
#ifndef FBS_CLOUD_H
#define FBS_CLOUD_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/time.h"
#include "../core/vec.h"
#include "../model/diag.h"

/* The environment as the AWS CLI reads it; the CLI fills it from getenv (NULL: unset). */
struct fbs_aws_env {
    const char *access_key_id;           /* AWS_ACCESS_KEY_ID */
    const char *secret_access_key;       /* AWS_SECRET_ACCESS_KEY */
    const char *session_token;           /* AWS_SESSION_TOKEN */
    const char *profile;                 /* AWS_PROFILE */
    const char *region;                  /* AWS_REGION */
    const char *default_region;          /* AWS_DEFAULT_REGION */
    const char *shared_credentials_file; /* AWS_SHARED_CREDENTIALS_FILE */
    const char *config_file;             /* AWS_CONFIG_FILE */
    const char *home;                    /* HOME: ~/.aws/credentials and ~/.aws/config */
};

struct fbs_aws_creds {
    char *access_key_id;
    char *secret_access_key; /* wiped on release */
    char *session_token;     /* wiped on release; NULL for long-term keys */
    char *region;            /* NULL when none is configured */
    char *source;            /* where they came from, for messages: "environment", "profile 'x'" */
};

/*
 * Resolve credentials and region like the AWS CLI, for static keys:
 *   - `profile` (--profile) given: that profile from the shared credentials file, then from the
 *     config file ("[profile NAME]", or "[default]"); the environment's keys are not used;
 *   - otherwise AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) when both set;
 *   - otherwise the profile AWS_PROFILE names, or "default", from the files.
 * Region: `region` (--region), AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in the
 * config file; it may stay NULL.
 * Returns 0 (release `out` with fbs_aws_creds_release), FBS_ENOTFOUND (no credentials, or the
 * profile does not exist), FBS_EUNSUPPORTED (the profile uses role_arn, credential_process or
 * SSO), FBS_EINVAL (half a key pair, an invalid region name), FBS_EIO (a file exists but cannot
 * be read), FBS_ENOMEM. Messages never contain key material.
 */
int fbs_aws_creds_resolve(struct fbs_aws_creds *out, const struct fbs_aws_env *env,
                          const char *profile, const char *region);
void fbs_aws_creds_init(struct fbs_aws_creds *c);
/* Wipe and free; the struct is left initialised. NULL is a no-op. */
void fbs_aws_creds_release(struct fbs_aws_creds *c);

/* Whether a name, description or tag text marks a resource as a fallback one. */
typedef bool (*fbs_cloud_filter_fn)(const char *text, size_t len, void *payload);

struct fbs_aws_opts {
    const struct fbs_aws_creds *creds; /* required */
    const char *endpoint_url;          /* every service at this URL (moto, a proxy); NULL: AWS */
    const char *ca_bundle;             /* PEM file of trusted CAs; NULL: the system store */
    unsigned max_tries;                /* attempts per call (throttling, 5xx); 0: 4 */
    unsigned backoff_ms;               /* first retry delay; 0: 250 ms (tests: 1) */
    long timeout_s;                    /* per attempt of a call; 0: 60 s */
    unsigned report_polls;             /* credential report: GetCredentialReport polls; 0: 10 */
    /* Secrets Manager regions, comma-separated ("eu-west-1,us-east-1"); NULL: every region
     * enabled for the account (ec2:DescribeRegions; when that call fails, a diagnostic and the
     * credentials' region only). */
    const char *regions;
    /* Roles and secrets are collected when their name, path, description or a tag passes the
     * filter; NULL collects all of them. */
    fbs_cloud_filter_fn filter;
    void *filter_payload;
};

/*
 * Collect the account's credential records into `records` (struct fbs_finding *, appended) and
 * its id into *account_out (heap string, fbs_free; NULL if unknown). Per-call failures
 * (AccessDenied on one user, a throttled call that stayed throttled, a malformed page) are
 * diagnostics with error=true and kind "api_error" or "api_response" on `diags`; collection goes
 * on. Returns 0, FBS_EIO / FBS_EINVAL when the first call already fails (the endpoint cannot be
 * reached, the credentials are rejected: nothing else would work), FBS_EINTERNAL (libcurl),
 * FBS_ENOMEM. On failure the records appended so far stay in `records`.
 */
int fbs_aws_collect(struct fbs_vec *records, char **account_out, const struct fbs_aws_opts *opts,
                    struct fbs_diags *diags);

/*
 * Parse an IAM credential report (the CSV GetCredentialReport returns, decoded from base64, or
 * `aws iam get-credential-report` output decoded) into records: per row, an aws_access_key record
 * for each access key that exists (access_key_N_active true, or a last-rotated date), an
 * aws_console_password record when password_enabled is true, and for the "<root_account>" row
 * aws_root_access_key records (critical: privilege high, indicator "root access key"). Columns
 * are found by their header names, so order and extra columns do not matter; the secret of a
 * record is its column stem ("access_key_1"), the resource the row's ARN.
 * A malformed row is a diagnostic (kind "credential_report", error=true) and is skipped.
 * Returns 0, FBS_EPARSE (no header with "user" and "arn" columns), FBS_ENOMEM (records appended
 * so far stay in records_out).
 */
int fbs_aws_credreport_parse(const char *csv, size_t len, struct fbs_vec *records_out,
                             struct fbs_diags *d);
/* The same, naming the report `origin` (its file) in diagnostics ("credential report" above). */
int fbs_aws_credreport_parse_from(const char *csv, size_t len, struct fbs_vec *records_out,
                                  struct fbs_diags *d, const char *origin);

#endif
