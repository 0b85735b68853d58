/*
 * inv_k8s_cert.c - Kubernetes client certificates as records (kubernetes_client_certificate):
 * the users of a kubeconfig exported with `kubectl config view --raw -o json`, and the
 * certificate `cloud kubernetes` itself connects with when it is in system:masters.
 *
 * A client certificate authenticates as the user of its subject CN in the groups of its O
 * values (and system:authenticated). O=system:masters is cluster-admin that the API server
 * grants before RBAC is consulted, and Kubernetes cannot revoke a certificate: it ends only
 * when it expires (notAfter) or the cluster CA is replaced. Other certificates get their
 * privilege from the RBAC bindings of their user and groups (inv_k8s_rbac.c).
 *
 * Identifier: the certificate's serial number (public). The private key is never read; a
 * kubeconfig's users (keys, tokens) are wiped in the parsed document.
 */
#include "k8s_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "../core/banned.h"

#define MASTERS "system:masters"

static const char masters_remediation[] =
    "A system:masters certificate bypasses RBAC and cannot be revoked: rotate the cluster CA "
    "(and every certificate it signed) to end it, or let it expire. Keep break-glass "
    "certificates offline with a short validity (kubeadm kubeconfig user --validity-period), "
    "and give everyday identities RBAC bindings instead of system:masters.";
static const char cert_remediation[] =
    "A client certificate cannot be revoked before it expires: keep its validity short, bind "
    "its user and groups to no more than they need, and remove its RBAC bindings to cut its "
    "access.";

static int asn1_time(fbs_time_t *out, const ASN1_TIME *t)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return -1;
    *out = fbs_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) *
               FBS_DAY +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 0;
}

/* Every value of `nid` in `name` appended to `out` (strings). 0 or -1 (ENOMEM). */
static int name_values(json_t *out, const X509_NAME *name, int nid)
{
    int i;

    for (i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, nid, i)) {
        const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
        unsigned char *u = NULL;
        int n = ASN1_STRING_to_UTF8(&u, s);
        json_t *v;

        if (n < 0)
            continue;
        v = json_stringn((const char *)u, (size_t)n);
        OPENSSL_free(u);
        if (v && json_array_append_new(out, v) < 0)
            return -1;
    }
    return 0;
}

static char *serial_hex(const X509 *x)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL, *out = NULL;
    size_t i;

    if (hex) {
        for (i = 0; hex[i]; i++)
            if (hex[i] >= 'A' && hex[i] <= 'F')
                hex[i] = (char)(hex[i] - 'A' + 'a');
        out = fbs_strdup(hex);
        OPENSSL_free(hex);
    }
    BN_free(bn);
    return out;
}

static bool has_string(const json_t *a, const char *want)
{
    const json_t *v;
    size_t i;

    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), want))
            return true;
    }
    return false;
}

int fbs_k8s_add_client_cert(struct fbs_cloud_set *s, const unsigned char *pem, size_t len,
                            const char *kube_user, const char *cluster, const char *origin,
                            bool masters_only)
{
    BIO *bio = NULL;
    X509 *x = NULL;
    json_t *cn = json_array(), *groups = json_array(), *k;
    struct fbs_cloud_record_spec spec;
    struct fbs_finding *f = NULL;
    char *serial = NULL, *resource = NULL;
    const char *user;
    bool masters;
    fbs_time_t t;
    size_t i;
    int rc = 0;

    if (!cn || !groups) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    bio = len <= INT32_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
    x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    if (!x) {
        rc = fbs_error_set(FBS_EPARSE,
                           "the client certificate of user '%s' is not a PEM "
                           "certificate",
                           kube_user ? kube_user : "?");
        goto done;
    }
    if (name_values(cn, X509_get_subject_name(x), NID_commonName) < 0 ||
        name_values(groups, X509_get_subject_name(x), NID_organizationName) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    masters = has_string(groups, MASTERS);
    if (masters_only && !masters)
        goto done;
    user = json_string_value(json_array_get(cn, 0));
    serial = serial_hex(x);
    resource = fbs_cloud_format("k8s://%s/kubeconfig/users/%s", cluster ? cluster : "cluster",
                                kube_user ? kube_user : (user ? user : "?"));
    if (!serial || !resource ||
        json_array_append_new(groups, json_string("system:authenticated"))) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    memset(&spec, 0, sizeof(spec));
    spec.source = FBS_SOURCE_KUBERNETES;
    spec.kind = "kubernetes_client_certificate";
    spec.rule_id = "kubernetes.client_certificate";
    spec.rule_name = "Kubernetes client certificate";
    spec.remediation = masters ? masters_remediation : cert_remediation;
    spec.resource = resource;
    spec.identifier = serial;
    spec.principal = user;
    spec.origin = origin;
    rc = fbs_cloud_record_new(&f, &spec);
    if (rc < 0)
        goto done;
    k = fbs_cloud_record_facts(f, "kubernetes");
    if (!k || json_object_set_new(k, "cluster", json_string(cluster ? cluster : "cluster")) < 0 ||
        (user && json_object_set_new(k, "user", json_string(user)) < 0) ||
        json_object_set(k, "groups", groups) < 0 ||
        (kube_user && json_object_set_new(k, "kubeconfig_user", json_string(kube_user)) < 0) ||
        json_object_set_new(k, "certificate_serial", json_string(serial)) < 0 ||
        json_object_set_new(k, "system_masters", json_boolean(masters)) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = fbs_cloud_record_names(f, kube_user);
    for (i = 0; rc == 0 && i < json_array_size(cn); i++)
        rc = fbs_cloud_record_names(f, json_string_value(json_array_get(cn, i)));
    if (rc == 0 && asn1_time(&t, X509_get0_notBefore(x)) == 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_ISSUED, t, "certificate");
    if (rc == 0 && asn1_time(&t, X509_get0_notAfter(x)) == 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_EXPIRES, t, "certificate");
    if (rc == 0 && masters) {
        rc = fbs_cloud_record_privilege(f, FBS_PRIV_HIGH,
                                        "Kubernetes cluster-admin (O=system:masters)");
        if (rc == 0 &&
            json_object_set_new(f->facts, "privilege_from", json_string("system_masters")) < 0)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        rc = fbs_cloud_set_push(s, f);
        f = NULL;
    }
done:
    fbs_finding_free(f);
    fbs_free(serial);
    fbs_free(resource);
    json_decref(cn);
    json_decref(groups);
    X509_free(x);
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}
