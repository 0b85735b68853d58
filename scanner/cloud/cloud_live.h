/*
 * cloud_live.h - live collectors for GCP, Azure, Kubernetes and Vault: list the credentials
 * through each provider's API (fetch.h) and build records with the same builders as the offline
 * inventory (cloud_records.h), since the API responses are the shapes the CLIs export.
 *
 * Each collector adds records and join tables to a set; the caller then runs
 * fbs_cloud_set_finish(). A failed request is an error diagnostic (kind "cloud_request", subject
 * the provider) and the collection goes on with what it can still reach; a listing whose first
 * page fails yields nothing more. Returns 0, or FBS_ENOMEM (fatal).
 *
 * Base URLs are without a trailing slash and default to the public endpoints; tests point them
 * at a local server.
 */
#ifndef FBS_CLOUD_LIVE_H
#define FBS_CLOUD_LIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud_records.h"
#include "fetch.h"

#define FBS_GCP_IAM_URL     "https://iam.googleapis.com"
#define FBS_GCP_CRM_URL     "https://cloudresourcemanager.googleapis.com"
#define FBS_AZURE_GRAPH_URL "https://graph.microsoft.com"
#define FBS_AZURE_ARM_URL   "https://management.azure.com"

/*
 * GCP: GET {iam}/v1/projects/P/serviceAccounts (pageToken paging), per account
 * GET .../serviceAccounts/EMAIL/keys?keyTypes=USER_MANAGED, and
 * POST {crm}/v1/projects/P:getIamPolicy for the accounts' roles.
 */
int fbs_live_gcp(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *project,
                 const char *iam_url, const char *crm_url);

/*
 * Azure: GET {graph}/v1.0/applications and /v1.0/servicePrincipals (@odata.nextLink paging),
 * and the directory roles (GET /v1.0/roleManagement/directory/roleAssignments?$expand=
 * roleDefinition; not being allowed to is a notice).
 */
int fbs_live_azure(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx,
                   const char *graph_url);

/*
 * Azure RBAC, with a token for Azure Resource Manager (another audience than Graph's): GET
 * {arm}/subscriptions, then per subscription .../providers/Microsoft.Authorization/
 * roleDefinitions and roleAssignments (nextLink paging). A listing the token may not read is a
 * notice, and principals without an administrative role keep an unknown privilege.
 */
int fbs_live_azure_rbac(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx,
                        const char *arm_url);

/*
 * Kubernetes: GET {server}/api/v1/secrets?fieldSelector=type=kubernetes.io/service-account-token,
 * /api/v1/namespaces/kube-system/secrets?fieldSelector=type=bootstrap.kubernetes.io/token, and
 * the rbac.authorization.k8s.io/v1 lists clusterrolebindings, rolebindings, clusterroles and roles
 * (`continue` paging). A failed listing is a diagnostic; the others are still read.
 */
int fbs_live_kubernetes(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx,
                        const char *server);

/* Vault: LIST {addr}/v1/auth/token/accessors, then POST .../lookup-accessor for each. */
int fbs_live_vault(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *addr);

/* --- kubeconfig ---------------------------------------------------------------------------- */

/* What a kubeconfig context says about reaching its cluster. Secrets are wiped on release. */
struct fbs_kubeconfig {
    char *context;         /* the context used */
    char *user;            /* the context's user (NULL: none) */
    char *cluster_name;    /* the cluster's name in the kubeconfig (used in k8s:// resources) */
    char *server;          /* https://host:port */
    unsigned char *ca_pem; /* certificate-authority-data, decoded */
    size_t ca_pem_len;
    char *ca_file; /* certificate-authority, resolved against the kubeconfig's folder */
    char *token;   /* user token (or the contents of tokenFile) */
    unsigned char *cert_pem, *key_pem; /* client-certificate-data / client-key-data, decoded */
    size_t cert_pem_len, key_pem_len;
    char *cert_file, *key_file;    /* client-certificate / client-key files, resolved */
    bool insecure_skip_tls_verify; /* the kubeconfig asks for it; fallback-scan never does */
};

/*
 * Load `path` (YAML) and resolve `context` (NULL: current-context). Returns 0; FBS_EIO (cannot
 * read the file or a token file); FBS_EPARSE / FBS_ENOTFOUND (named context, cluster or user
 * missing); FBS_EUNSUPPORTED (an exec or auth-provider plugin, a password, with advice);
 * FBS_ENOMEM. Messages never quote a credential.
 */
int fbs_kubeconfig_load(struct fbs_kubeconfig *out, const char *path, const char *context);

/*
 * When the kubeconfig's client certificate (data or file) is in the system:masters group, add a
 * kubernetes_client_certificate record for it (the caller scans with cluster-admin that RBAC
 * cannot revoke: docs/cloud.md). Uses s->k8s_cluster. 0 (also when there is no certificate, or
 * it cannot be read: the connection reports that) or FBS_ENOMEM.
 */
int fbs_kubeconfig_add_masters(struct fbs_cloud_set *s, const struct fbs_kubeconfig *k);
void fbs_kubeconfig_release(struct fbs_kubeconfig *k);

#endif
