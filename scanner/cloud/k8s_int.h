/*
 * k8s_int.h - what the Kubernetes record builders share (private to scanner/cloud/inv_k8s*.c):
 * the RBAC join table and the evaluation of the roles bound to a record's identity.
 *
 * The set's k8s_rbac table holds, once all inputs are read:
 *   "roles":    "ClusterRole:NAME" / "Role:NS:NAME" -> {"rules", "aggregationRule", "labels"}
 *               (copies of the objects' members; a copy is kept so that the inputs can be wiped)
 *   "bindings": [{"kind", "name", "namespace", "roleRef", "subjects"}]
 *   "read":     {"Role": true, "ClusterRole": true, "RoleBinding": true,
 *                "ClusterRoleBinding": true} - the kinds some input listed (even empty)
 *
 * A record is joined by fbs_k8s_join(): the identity it authenticates as (a service account
 * token: the user system:serviceaccount:NS:NAME in the groups system:serviceaccounts,
 * system:serviceaccounts:NS and system:authenticated; otherwise facts.kubernetes.user in
 * facts.kubernetes.groups: a bootstrap token is system:bootstrap:ID in system:bootstrappers, its
 * auth-extra-groups and system:authenticated; a client certificate its CN in its O values)
 * is matched against every binding's subjects, and each bound role's rules are evaluated.
 */
#ifndef FBS_K8S_INT_H
#define FBS_K8S_INT_H

#include "cloud_records.h"

/*
 * File a Role, ClusterRole, RoleBinding or ClusterRoleBinding (`kind`) in the join table; `listed`:
 * it came from a listing (a List), which then counts as a listing of that kind read (a single
 * exported object says nothing about the others). A binding without a roleRef is an item
 * diagnostic. 0 or FBS_ENOMEM.
 */
int fbs_k8s_rbac_add(struct fbs_cloud_set *s, const json_t *item, const char *kind, bool listed,
                     size_t idx, const char *origin);
/* Note that an input listed objects of `kind` (a List's item kind), even none. */
int fbs_k8s_rbac_seen(struct fbs_cloud_set *s, const char *kind);

/*
 * Privilege of a Kubernetes record from the RBAC join table (see above): high when a bound role
 * has a rule that reaches Secrets, other identities, workloads or nodes, or grants everything;
 * normal when every binding of the identity was read (RoleBindings and ClusterRoleBindings) and
 * none does; unknown otherwise. Evidence names the binding, the role, the subject and the scope
 * (cluster-wide or the namespace); facts.kubernetes.rbac lists what was evaluated. 0 or
 * FBS_ENOMEM.
 */
int fbs_k8s_join(struct fbs_cloud_set *s, struct fbs_finding *f);

/*
 * A kubernetes_client_certificate record from the first certificate of `pem` (len bytes): user
 * = subject CN, groups = its O values; O=system:masters is high privilege (facts.kubernetes.
 * system_masters). `kube_user` names the kubeconfig user (the resource), `cluster` the cluster
 * (NULL: "cluster"). With masters_only, other certificates are skipped. 0, FBS_EPARSE (not a
 * PEM certificate, with a message naming kube_user), FBS_ENOMEM.
 */
int fbs_k8s_add_client_cert(struct fbs_cloud_set *s, const unsigned char *pem, size_t len,
                            const char *kube_user, const char *cluster, const char *origin,
                            bool masters_only);

#endif
