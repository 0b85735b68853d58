/*
 * cloud_records.h - credential records from cloud inventories (GCP, Azure, Kubernetes, Vault):
 * the record builders that the offline exports (inventory.c) and the live collectors (live_*.c)
 * share, and the set that gathers records and joins them.
 *
 * A record is a struct fbs_finding without a blob (see finding.h, "cloud records"): source,
 * resource (a fully qualified URI), secret = the credential's identifier (a key id, a token
 * accessor, a secret's uid: never a real secret), key = the owning principal, names = the
 * vocabulary the fallback dimension reads (descriptions, display names, labels), dates, active,
 * privilege with evidence, and facts under a provider object (facts.gcp, facts.azure,
 * facts.kubernetes, facts.vault).
 *
 * Builders read the JSON shapes the providers' APIs return, which are also what their CLIs
 * export, so an export and a live listing give the same records:
 *
 *   GCP         serviceAccountKey objects (keys list), serviceAccount objects (accounts list),
 *               a project IAM policy (getIamPolicy)
 *   Azure       Microsoft Graph application and servicePrincipal objects with their
 *               passwordCredentials and keyCredentials, or a bare credential list
 *   Kubernetes  Secrets (service account and bootstrap tokens), Roles, ClusterRoles,
 *               RoleBindings, ClusterRoleBindings
 *   Vault       token lookup data (lookup, lookup-self, lookup-accessor)
 *
 * Some facts about a record come from another input: a service account's display name and roles
 * (GCP), the RBAC roles and bindings of a service account or bootstrap token (Kubernetes).
 * Builders file those in the set's join tables, and fbs_cloud_set_finish() applies them to every
 * record once all inputs are in, so the order of the inputs does not matter.
 *
 * Secrets in inputs: builders never copy a token (Vault `id`), a secret's `data`, a password
 * credential's `secretText` or the first characters of it (`hint`); fbs_cloud_json_wipe()
 * overwrites such values in a parsed tree before it is freed.
 *
 * Errors: builders return 0, FBS_ENOMEM (fatal), or FBS_EPARSE with a message when the whole
 * document is not of the expected shape. A malformed item inside a well-formed document is an
 * error diagnostic ("inventory_item", naming the input and the item) and the other items go on.
 */
#ifndef FBS_CLOUD_RECORDS_H
#define FBS_CLOUD_RECORDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/vec.h"
#include "../model/diag.h"
#include "../model/finding.h"

struct fbs_cloud_set {
    struct fbs_vec records;  /* struct fbs_finding *, owned */
    struct fbs_diags *diags; /* borrowed: per-item problems and skips */
    const char *k8s_cluster; /* cluster name in k8s:// resources; NULL: "cluster" */
    const char *vault_addr;  /* host[:port] (or URL) in vault:// resources; NULL: "vault" */
    fbs_time_t now;          /* the scan's reference time (--now); 0: time conditions kept */
    /* Join tables (objects), filled by the builders, applied by fbs_cloud_set_finish(). */
    json_t *gcp_accounts; /* email -> {"names": "...", "disabled": bool} */
    json_t *gcp_roles;    /* email -> ["roles/...", ...] */
    json_t *k8s_rbac;     /* RBAC roles and bindings (k8s_int.h) */
    /* GCP roles granted on a project's ancestors (inv_gcp.c), and the ancestors themselves. */
    json_t *gcp_grants;   /* email -> [{"role", "on": "folders/F", "conditional": bool}] */
    json_t *gcp_ancestry; /* project id -> ["folders/F", "organizations/O"] (nearest first) */
    /* Azure role assignments and definitions (azure_roles.c), joined by fbs_azure_join(). */
    json_t *azure_assignments; /* id -> {"principal", "principal_name", "role_id", "role_name",
                                  "scope", "source": "rbac"|"directory", "conditional"} */
    json_t *azure_role_defs;   /* lower-case definition GUID -> {"name", "level", "why"} */
    json_t *azure_sps;         /* appId -> service principal object id */
    unsigned azure_read;       /* FBS_AZURE_RBAC | FBS_AZURE_DIRECTORY: listings read */
    unsigned azure_failed;     /* the same bits: listings that failed or were partial */
    unsigned long skipped_system_keys; /* GCP SYSTEM_MANAGED keys not reported */
};

/* Empty set; `diags` may be NULL (problems are then dropped). 0 or FBS_ENOMEM. */
int fbs_cloud_set_init(struct fbs_cloud_set *s, struct fbs_diags *diags);
/* Free the records and the join tables. */
void fbs_cloud_set_release(struct fbs_cloud_set *s);
/*
 * Apply the join tables to every record (names, roles, disabled accounts, cluster-admin
 * bindings). Call once, after the last input. 0 or FBS_ENOMEM.
 */
int fbs_cloud_set_finish(struct fbs_cloud_set *s);

/* --- builders (one per input shape) ------------------------------------------------------- */

/*
 * GCP: serviceAccountKey objects: an array, or {"keys": [...]} (REST). `origin` names the input
 * in diagnostics and facts (a file name; NULL for a live listing). USER_MANAGED keys become
 * gcp_service_account_key records; SYSTEM_MANAGED keys are rotated by Google and their private
 * half never leaves Google: they are counted in skipped_system_keys, not reported.
 */
int fbs_gcp_add_keys(struct fbs_cloud_set *s, const json_t *doc, const char *origin);
/* GCP: serviceAccount objects (an array, or {"accounts": [...]}): names and disabled flags. */
int fbs_gcp_add_accounts(struct fbs_cloud_set *s, const json_t *doc, const char *origin);
/* GCP: an IAM policy ({"bindings": [{"role", "members"}]}): each service account's roles. A
 * conditional binding whose `request.time < timestamp(...)` has passed (s->now) grants
 * nothing and is skipped. */
int fbs_gcp_add_iam_policy(struct fbs_cloud_set *s, const json_t *doc, const char *origin);
/* Whether a role gives control over the project or its service accounts (roles/owner ...). */
bool fbs_gcp_role_is_high(const char *role);
/*
 * GCP: an IAM policy of a resource above the project (`on` = "folders/F" or "organizations/O"):
 * its bindings are filed in gcp_grants, with the same conditional-binding handling as
 * fbs_gcp_add_iam_policy(). `on` NULL: the project's own policy (same as that function).
 */
int fbs_gcp_add_iam_policy_on(struct fbs_cloud_set *s, const json_t *doc, const char *origin,
                              const char *on);
/* GCP: file a project's ancestors, nearest first ("folders/F", "organizations/O"). */
int fbs_gcp_add_ancestry(struct fbs_cloud_set *s, const char *project, const json_t *ancestors);
/*
 * GCP join (fbs_cloud_set_finish): the roles granted to the key's account on folders and
 * organisations (facts.gcp.inherited_roles, privilege evidence naming where each was granted)
 * and the project's ancestry (facts.gcp.ancestors). Sets *granted to the number of grants
 * found. 0 or FBS_ENOMEM.
 */
int fbs_gcp_join_inherited(struct fbs_cloud_set *s, struct fbs_finding *f, json_t *gcp,
                           const char *email, size_t *granted);

/*
 * Azure: Graph application or servicePrincipal objects: {"value": [...]}, an array, or one
 * object. Each passwordCredential becomes an azure_client_secret record, each keyCredential an
 * azure_certificate_credential record.
 */
int fbs_azure_add_objects(struct fbs_cloud_set *s, const json_t *doc, const char *origin);
/*
 * Azure: a bare credential list (`az ad app credential list [--cert]`): the owning object is
 * not in the export, so resources read ".../applications/unknown/...".
 */
int fbs_azure_add_credentials(struct fbs_cloud_set *s, const json_t *doc, const char *origin);

/*
 * Azure role assignments (azure_roles.c). Sources, for azure_read / azure_failed:
 */
#define FBS_AZURE_RBAC      1u /* Azure RBAC (ARM roleAssignments, az role assignment list) */
#define FBS_AZURE_DIRECTORY 2u /* Entra ID directory roles (Graph roleManagement/directory) */
/*
 * Azure RBAC role assignments: ARM `{"value": [{"id", "properties": {"principalId",
 * "roleDefinitionId", "scope", "condition"}}]}` or `az role assignment list` output (flat, with
 * principalName and roleDefinitionName). Marks FBS_AZURE_RBAC read.
 */
int fbs_azure_add_role_assignments(struct fbs_cloud_set *s, const json_t *doc, const char *origin);
/*
 * Azure RBAC role definitions: ARM `{"value": [{"name", "properties": {"roleName",
 * "permissions"}}]}` or `az role definition list` output (flat). Each is evaluated once.
 */
int fbs_azure_add_role_definitions(struct fbs_cloud_set *s, const json_t *doc, const char *origin);
/*
 * Entra ID directory role assignments (Graph roleManagement/directory/roleAssignments, ideally
 * with $expand=roleDefinition). Marks FBS_AZURE_DIRECTORY read.
 */
int fbs_azure_add_directory_roles(struct fbs_cloud_set *s, const json_t *doc, const char *origin);
/* Azure: remember a service principal's object id for its application (appId). */
int fbs_azure_note_sp(struct fbs_cloud_set *s, const char *app_id, const char *sp_id);
/*
 * Azure join (fbs_cloud_set_finish): the role assignments of the record's service principal (an
 * application's through its appId) decide its privilege. No assignment data: left unknown.
 */
int fbs_azure_join(struct fbs_cloud_set *s, struct fbs_finding *f);

/*
 * Kubernetes: a List (or SecretList, RoleList, ClusterRoleBindingList ...) or a single object.
 * Secrets of type kubernetes.io/service-account-token become kubernetes_service_account_token
 * records, kube-system Secrets of type bootstrap.kubernetes.io/token kubernetes_bootstrap_token
 * records (identifier: the token id, never the secret); Roles, ClusterRoles, RoleBindings and
 * ClusterRoleBindings fill the join table, whose rules decide the records' privilege. Other kinds
 * are skipped.
 * The secrets' data are wiped in `doc` (hence not const).
 */
int fbs_k8s_add_objects(struct fbs_cloud_set *s, json_t *doc, const char *origin);

/*
 * Vault: token lookup output: {"data": {...}} or the data object itself, or an array of them.
 * The token (`id`) is wiped in `doc`. Batch tokens have no accessor and are skipped.
 */
int fbs_vault_add_lookups(struct fbs_cloud_set *s, json_t *doc, const char *origin);

/* --- helpers shared by the builders ------------------------------------------------------- */

struct fbs_cloud_record_spec {
    enum fbs_source_kind source;
    const char *kind, *rule_id, *rule_name, *remediation;
    const char *resource;   /* fully qualified URI */
    const char *identifier; /* becomes f->secret: an identifier, never a secret */
    const char *principal;  /* becomes f->key; may be NULL */
    const char *origin;     /* input file, written as facts.inventory_file; may be NULL */
};

/* A new record with the spec's fields copied; active = 1, interactive = false. */
int fbs_cloud_record_new(struct fbs_finding **out, const struct fbs_cloud_record_spec *spec);
/* Hand a record to the set (taken: freed on failure). 0 or FBS_ENOMEM. */
int fbs_cloud_set_push(struct fbs_cloud_set *s, struct fbs_finding *f);

enum fbs_cloud_date { FBS_CLOUD_ISSUED, FBS_CLOUD_EXPIRES, FBS_CLOUD_LAST_USED };
/* Set a date and its source word (facts.issued_from / expires_from / last_used_from). */
int fbs_cloud_record_date(struct fbs_finding *f, enum fbs_cloud_date which, fbs_time_t t,
                          const char *from);
/* Record that the credential never expires (facts.no_expiry = true; no expires date). */
int fbs_cloud_record_no_expiry(struct fbs_finding *f, const char *from);
/* Raise the privilege to `p` (never lowers it) and append evidence to facts.privilege_evidence. */
int fbs_cloud_record_privilege(struct fbs_finding *f, enum fbs_privilege p, const char *evidence);
/* Append text to f->names, space-separated (NULL or "" is a no-op). */
int fbs_cloud_record_names(struct fbs_finding *f, const char *text);
/* The provider object in facts (facts.<name>), created on first use; NULL on ENOMEM. */
json_t *fbs_cloud_record_facts(struct fbs_finding *f, const char *name);

/* A new heap string (fbs_free), printf-style; NULL on ENOMEM. */
char *fbs_cloud_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A string member of an object, or NULL (also when `obj` is not an object). */
const char *fbs_cloud_str(const json_t *obj, const char *key);
/*
 * Parse an ISO-8601 member into *out. Returns 1 when set, 0 when absent or null, FBS_EPARSE
 * with "'key': ..." when present but not a date.
 */
int fbs_cloud_date(fbs_time_t *out, const json_t *obj, const char *key);
/* Overwrite every string inside `v` (recursively) with zeros, in place. NULL is a no-op. */
void fbs_cloud_json_wipe(json_t *v);
/* How long fbs_cloud_read_file() waits for the next bytes of a pipe, FIFO or device. */
#define FBS_CLOUD_READ_IDLE_S 10

/*
 * Read a whole file into `out` (appended; at most max_size bytes, 0: no limit). A pipe, FIFO or
 * character device is read until end of file, but waiting more than FBS_CLOUD_READ_IDLE_S for
 * its next bytes is an error (opening never blocks). 0, or FBS_EIO with a message (no such file,
 * a directory or socket, larger than the limit, no data in time), FBS_ENOMEM. Callers wipe the
 * buffer when the file may hold secrets (fbs_buf_release_wipe).
 */
int fbs_cloud_read_file(struct fbs_buf *out, const char *path, uint64_t max_size);
/* An error diagnostic about one item of an input (kind "inventory_item"). */
void fbs_cloud_item_error(struct fbs_cloud_set *s, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
