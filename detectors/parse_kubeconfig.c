/*
 * parse_kubeconfig.c - kubeconfig users: the client key's type, its client certificate (subject,
 * groups, validity: O=system:masters is cluster-admin that RBAC cannot take away), the cluster it
 * talks to, and kubeadm's admin.conf / super-admin.conf.
 *
 * The finding is a client-key-data or token value; the kubeconfig around it is parsed (YAML or
 * JSON, scanner/model/conf.h) and the user holding that exact value is looked up. Facts:
 * kube_user, kube_context, cluster_server, the key facts (x509.h) and, for a client key, its
 * certificate (facts.certificate, facts.paired_certificate). super-admin.conf is kubeadm's
 * break-glass credential (system:masters, bypasses RBAC since Kubernetes 1.29): a fallback
 * indicator and high privilege; admin.conf is cluster-admin.
 */
#include "detector.h"
#include "x509.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/error.h"
#include "../scanner/model/conf.h"

#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_KUBECONFIG ((size_t)4 << 20)
#define MAX_DATA       ((size_t)256 << 10) /* decoded client-*-data */

static const char *const kube_kinds[] = {"kubeconfig_client_key", "kubernetes_token", NULL};

static int jset(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static const char *base_name(const struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const char *p = ctx->blob && ctx->blob->rel_path ? ctx->blob->rel_path
                    : f->rel_path                    ? f->rel_path
                                                     : f->path;
    const char *slash = p ? strrchr(p, '/') : NULL;

    return slash ? slash + 1 : p;
}

static int file_name_facts(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const char *base = base_name(f, ctx);
    int rc;

    if (!base)
        return 0;
    if (!strcmp(base, "super-admin.conf")) {
        rc = fbs_finding_add_indicator(f, "super-admin.conf", "content", 0.9);
        return rc ? rc
                  : fbs_x509_raise_privilege(
                        f, "kubeadm super-admin.conf (system:masters, bypasses RBAC)");
    }
    if (!strcmp(base, "admin.conf"))
        return fbs_x509_raise_privilege(f, "kubeadm admin.conf (cluster-admin)");
    return 0;
}

/* Decode a client-*-data value (base64 of PEM) into a new NUL-terminated buffer. */
static int decode_data(unsigned char **out, size_t *n, const char *s, size_t len)
{
    unsigned char *d = NULL, *t;
    int rc = fbs_base64_decode(&d, n, s, len, MAX_DATA);

    *out = NULL;
    if (rc < 0)
        return rc;
    t = fbs_realloc(d, *n + 1);
    if (!t) {
        fbs_wipe(d, *n);
        fbs_free(d);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    t[*n] = '\0';
    *out = t;
    return 0;
}

static void free_data(unsigned char *d, size_t n)
{
    if (d)
        fbs_wipe(d, n);
    fbs_free(d);
}

static int client_key_facts(struct fbs_finding *f)
{
    unsigned char *pem = NULL;
    size_t n = 0;
    int rc = decode_data(&pem, &n, f->secret, f->secret_len);

    if (rc == 0)
        rc = fbs_x509_pem_key_facts(f, (const char *)pem, n);
    free_data(pem, n);
    return rc < 0 ? fbs_error_prefix(rc, "client-key-data") : 0;
}

/* The user entry whose `field` is exactly the finding's secret, or NULL. */
static json_t *find_user(json_t *root, const struct fbs_finding *f, const char *field)
{
    json_t *u;
    size_t i;

    json_array_foreach(json_object_get(root, "users"), i, u)
    {
        json_t *v = json_object_get(json_object_get(u, "user"), field);

        if (json_is_string(v) && json_string_length(v) == f->secret_len &&
            !memcmp(json_string_value(v), f->secret, f->secret_len))
            return u;
    }
    return NULL;
}

/* The named entry of a kubeconfig list (clusters, contexts) whose `sub`.`key` is `want`. */
static json_t *find_entry(json_t *root, const char *list, const char *sub, const char *key,
                          const char *want)
{
    json_t *e;
    size_t i;

    json_array_foreach(json_object_get(root, list), i, e)
    {
        json_t *v = sub ? json_object_get(json_object_get(e, sub), key) : json_object_get(e, key);

        if (json_is_string(v) && want && !strcmp(json_string_value(v), want))
            return e;
    }
    return NULL;
}

static int cluster_facts(struct fbs_finding *f, json_t *root, const char *user)
{
    json_t *ctx = find_entry(root, "contexts", "context", "user", user);
    const char *cname =
        json_string_value(json_object_get(json_object_get(ctx, "context"), "cluster"));
    json_t *cluster = find_entry(root, "clusters", NULL, "name", cname), *server;
    int rc = 0;

    if (!cluster && json_array_size(json_object_get(root, "clusters")) == 1)
        cluster = json_array_get(json_object_get(root, "clusters"), 0);
    if (json_is_string(json_object_get(ctx, "name")))
        rc = jset(f->facts, "kube_context",
                  fbs_x509_jstr(json_string_value(json_object_get(ctx, "name")),
                                json_string_length(json_object_get(ctx, "name")), 256));
    server = json_object_get(json_object_get(cluster, "cluster"), "server");
    if (rc == 0 && json_is_string(server))
        rc = jset(f->facts, "cluster_server",
                  fbs_x509_jstr(json_string_value(server), json_string_length(server), 256));
    return rc;
}

/* The client certificate of the user, paired with the key when the public keys agree. */
static int client_cert_facts(struct fbs_finding *f, const struct fbs_conf *conf, json_t *user)
{
    json_t *v = json_object_get(user, "client-certificate-data"), *cert = NULL;
    const char *mine = json_string_value(json_object_get(f->facts, "public_key_sha256"));
    struct fbs_pem_block blk;
    unsigned char *pem = NULL;
    size_t n = 0, pos = 0;
    X509 *x = NULL;
    int rc;

    if (!json_is_string(v))
        return 0;
    rc = decode_data(&pem, &n, json_string_value(v), json_string_length(v));
    if (rc == 0)
        rc = fbs_pem_next(&blk, (const char *)pem, n, &pos, "CERTIFICATE");
    if (rc == 0)
        rc = fbs_error_set(FBS_EPARSE, "no CERTIFICATE block");
    if (rc == 1) {
        rc = fbs_x509_from_der(&x, blk.der, blk.der_len);
        fbs_pem_block_release(&blk);
    }
    free_data(pem, n);
    if (rc == 0)
        rc = fbs_x509_summary(&cert, x);
    X509_free(x);
    if (rc < 0)
        return fbs_error_prefix(rc, "client-certificate-data");
    {
        const char *theirs = json_string_value(json_object_get(cert, "public_key_sha256"));

        if (!mine || (theirs && !strcmp(mine, theirs))) {
            rc = fbs_x509_apply_cert(f, cert);
            if (rc == 0)
                rc = fbs_x509_set_paired(
                    f, f->path, (unsigned)fbs_conf_line(conf, user, "client-certificate-data"),
                    cert, "kubeconfig_user");
        } else {
            rc = fbs_x509_list_cert(f, cert);
        }
    }
    json_decref(cert);
    return rc;
}

static int user_facts(struct fbs_finding *f, const struct fbs_conf *conf, bool client_key)
{
    json_t *u = find_user(conf->root, f, client_key ? "client-key-data" : "token");
    json_t *name = json_object_get(u, "name");
    int rc = 0;

    if (!u)
        return 0;
    if (json_is_string(name)) {
        rc = jset(f->facts, "kube_user",
                  fbs_x509_jstr(json_string_value(name), json_string_length(name), 256));
        if (rc == 0)
            rc = fbs_x509_append_names(f, json_string_value(name), json_string_length(name));
    }
    if (rc == 0)
        rc = cluster_facts(f, conf->root, json_string_value(name));
    if (rc == 0 && client_key)
        rc = client_cert_facts(f, conf, json_object_get(u, "user"));
    return rc;
}

static int kubeconfig_facts(struct fbs_finding *f, const struct fbs_detect_ctx *ctx,
                            bool client_key)
{
    const struct fbs_blob *b = ctx->blob;
    struct fbs_conf *conf = NULL;
    int rc;

    if (b->binary || b->len > MAX_KUBECONFIG || !memmem(b->data, b->len, "users", 5))
        return 0;
    /* A document over the loader's limits (nesting, size) is refused and said so; the finding
     * stands without the kubeconfig's facts. */
    rc = fbs_conf_check_limits((const char *)b->data, b->len);
    if (rc == FBS_EPARSE) {
        if (ctx->diags)
            fbs_diags_notice(ctx->diags, "document_refused", f->path, "kubeconfig not parsed: %s",
                             fbs_error_message());
        return 0;
    }
    if (rc < 0)
        return rc;
    rc = fbs_conf_parse(&conf, "kubeconfig", (const char *)b->data, b->len);
    if (rc < 0)
        return rc == FBS_EPARSE ? fbs_error_prefix(rc, "kubeconfig") : rc;
    if (json_is_object(conf->root))
        rc = user_facts(f, conf, client_key);
    fbs_conf_free(conf);
    return rc;
}

/* Keep the last failure (its message is the current one); stop at once when out of memory. */
static int keep_error(int *first, int rc)
{
    if (rc < 0)
        *first = rc;
    return rc == FBS_ENOMEM;
}

static int kube_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    bool client_key = f->kind && !strcmp(f->kind, "kubeconfig_client_key");
    int first = 0;

    if (keep_error(&first, file_name_facts(f, ctx)) || !f->secret)
        return first;
    /* A key that does not decode still has a user and a cluster worth knowing. */
    if (client_key && keep_error(&first, client_key_facts(f)))
        return first;
    if (ctx->blob)
        keep_error(&first, kubeconfig_facts(f, ctx, client_key));
    return first;
}

const struct fbs_detector fbs_detector_kubeconfig = {
    .name = "kubeconfig",
    .stage = FBS_STAGE_PARSE,
    .kinds = kube_kinds,
    .run = kube_run,
};
