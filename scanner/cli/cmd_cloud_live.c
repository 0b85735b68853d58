/*
 * cmd_cloud_live.c - 'fallback-scan cloud gcp|azure|kubernetes|vault': list the credentials of a
 * GCP project, an Entra ID tenant, a Kubernetes cluster or a Vault server through their APIs and
 * report them like any other finding. (`cloud aws` is cmd_cloud.c's.)
 *
 * Credentials to call the APIs come from the environment or a file and go to the transport
 * only: they are never printed, logged or written to a report. A failed request is a diagnostic
 * (exit status 3); a missing credential is a usage error.
 */
#include "cli.h"
#include "cloud_cli.h"
#include "../cloud/cloud_live.h"
#include "../cloud/fetch.h"
#include "../core/alloc.h"
#include "../core/error.h"
#include "help.h"
#include "../core/text.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/banned.h"

enum {
    OPT_PROJECT = 256,
    OPT_TOKEN_FILE,
    OPT_ENDPOINT,
    OPT_CRM_ENDPOINT,
    OPT_CA_BUNDLE,
    OPT_TIMEOUT,
    OPT_RETRIES,
    OPT_KUBECONFIG,
    OPT_CONTEXT,
    OPT_CLUSTER,
    OPT_ARM_ENDPOINT,
    OPT_ARM_TOKEN_FILE,
};

static const struct option long_opts[] = {
    {"project", required_argument, NULL, OPT_PROJECT},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"endpoint", required_argument, NULL, OPT_ENDPOINT},
    {"api-url", required_argument, NULL, OPT_ENDPOINT},
    {"resource-manager-endpoint", required_argument, NULL, OPT_CRM_ENDPOINT},
    {"ca-bundle", required_argument, NULL, OPT_CA_BUNDLE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"kubeconfig", required_argument, NULL, OPT_KUBECONFIG},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"cluster", required_argument, NULL, OPT_CLUSTER},
    {"arm-endpoint", required_argument, NULL, OPT_ARM_ENDPOINT},
    {"management-endpoint", required_argument, NULL, OPT_ARM_ENDPOINT},
    {"arm-token-file", required_argument, NULL, OPT_ARM_TOKEN_FILE},
    {"help", no_argument, NULL, 'h'},
    FBS_CLI_OUTPUT_LONG_OPTS,
    {NULL, 0, NULL, 0},
};

enum provider { P_GCP, P_AZURE, P_KUBERNETES, P_VAULT };

struct live_args {
    struct fbs_cli_output out;
    enum provider provider;
    const char *name; /* as typed */
    const char *project, *token_file, *endpoint, *crm_endpoint, *ca_bundle;
    const char *kubeconfig, *context, *cluster;
    const char *arm_endpoint, *arm_token_file; /* azure: Resource Manager (role assignments) */
    long timeout;
    unsigned retries;
};

static int parse_number(long *out, const char *opt, const char *arg, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno || *end || end == arg || v < 0 || v > max) {
        fbs_cli_error("%s: invalid value '%s' (expected 0..%ld)", opt, arg, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* 0 parsed, 1 help printed, -1 error printed. */
static int parse_args(struct live_args *a, int argc, char **argv)
{
    long n;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":" FBS_CLI_OUTPUT_SHORT_OPTS "h", long_opts, NULL)) !=
           -1) {
        int shared = fbs_cli_output_option(&a->out, c, optarg);

        if (shared < 0)
            return -1;
        if (shared > 0)
            continue;
        switch (c) {
        case OPT_PROJECT:
            a->project = optarg;
            break;
        case OPT_TOKEN_FILE:
            a->token_file = optarg;
            break;
        case OPT_ENDPOINT:
            a->endpoint = optarg;
            break;
        case OPT_CRM_ENDPOINT:
            a->crm_endpoint = optarg;
            break;
        case OPT_CA_BUNDLE:
            a->ca_bundle = optarg;
            break;
        case OPT_TIMEOUT:
            if (parse_number(&n, "--timeout", optarg, 3600) < 0)
                return -1;
            a->timeout = n;
            break;
        case OPT_RETRIES:
            if (parse_number(&n, "--retries", optarg, 10) < 0)
                return -1;
            a->retries = (unsigned)n;
            break;
        case OPT_KUBECONFIG:
            a->kubeconfig = optarg;
            break;
        case OPT_CONTEXT:
            a->context = optarg;
            break;
        case OPT_CLUSTER:
            a->cluster = optarg;
            break;
        case OPT_ARM_ENDPOINT:
            a->arm_endpoint = optarg;
            break;
        case OPT_ARM_TOKEN_FILE:
            a->arm_token_file = optarg;
            break;
        case 'h':
            fbs_help_print(stdout, &fbs_help_cloud);
            return 1;
        default:
            fbs_cli_bad_option("cloud", argv[optind - 1], c);
            return -1;
        }
    }
    if (optind < argc) {
        fbs_cli_error("cloud %s: unexpected argument '%s'", a->name, argv[optind]);
        return -1;
    }
    if (a->provider == P_GCP && (!a->project || !*a->project)) {
        fbs_cli_error("cloud gcp: --project ID is required");
        return -1;
    }
    if (a->provider != P_GCP && (a->project || a->crm_endpoint)) {
        fbs_cli_error("cloud %s: --project and --resource-manager-endpoint are for gcp", a->name);
        return -1;
    }
    if (a->provider != P_AZURE && (a->arm_endpoint || a->arm_token_file)) {
        fbs_cli_error("cloud %s: --arm-endpoint and --arm-token-file are for azure", a->name);
        return -1;
    }
    if (a->provider != P_KUBERNETES && (a->kubeconfig || a->context || a->cluster)) {
        fbs_cli_error("cloud %s: --kubeconfig, --context and --cluster are for kubernetes",
                      a->name);
        return -1;
    }
    return 0;
}

/*
 * The token: `file` (--token-file), else the environment variable. NULL if neither (a message
 * printed, unless `how` is NULL and no file was given).
 */
static char *load_token_from(const struct live_args *a, const char *file, const char *env,
                             const char *how)
{
    const char *opt = file == a->token_file ? "--token-file" : "--arm-token-file";
    struct fbs_buf b = FBS_BUF_INIT;
    const char *v;
    char *tok = NULL;

    if (file) {
        if (fbs_cloud_read_file(&b, file, 1 << 20) < 0) {
            fbs_cli_error("%s '%s': %s", opt, file, fbs_error_message());
            goto done;
        }
        while (b.len && (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r' ||
                         b.ptr[b.len - 1] == ' ' || b.ptr[b.len - 1] == '\t'))
            b.len--;
        if (!b.len || memchr(b.ptr, '\n', b.len) || memchr(b.ptr, '\r', b.len)) {
            fbs_cli_error("%s '%s': expected one token on one line", opt, file);
            goto done;
        }
        tok = fbs_strndup(b.ptr, b.len);
        if (!tok)
            fbs_cli_error("out of memory");
        goto done;
    }
    v = env ? getenv(env) : NULL;
    if (v && *v && !strpbrk(v, "\r\n")) {
        tok = fbs_strdup(v);
        if (!tok)
            fbs_cli_error("out of memory");
        goto done;
    }
    if (env && how)
        fbs_cli_error("cloud %s: no API token: set %s (%s) or give --token-file", a->name, env,
                      how);
done:
    fbs_buf_release_wipe(&b);
    return tok;
}

static char *load_token(const struct live_args *a, const char *env, const char *how)
{
    return load_token_from(a, a->token_file, env, how);
}

static void free_token(char *t)
{
    if (t)
        fbs_wipe(t, strlen(t));
    fbs_free(t);
}

/* The kubeconfig to read: --kubeconfig, the first file of $KUBECONFIG, ~/.kube/config. */
static int kubeconfig_path(char *out, size_t size, const struct live_args *a)
{
    const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");

    if (a->kubeconfig) {
        snprintf(out, size, "%s", a->kubeconfig);
        return 0;
    }
    if (env && *env) {
        const char *p = env;

        while (*p) {
            size_t n = strcspn(p, ":");
            struct stat st;

            snprintf(out, size, "%.*s", (int)n, p);
            if (n && stat(out, &st) == 0)
                return 0;
            p += n + (p[n] == ':');
        }
    }
    if (home && *home) {
        snprintf(out, size, "%s/.kube/config", home);
        return 0;
    }
    fbs_cli_error("cloud kubernetes: no kubeconfig (give --kubeconfig FILE)");
    return -1;
}

/*
 * The Entra ID tenant an access token was issued in (its "tid" claim), or NULL: the token is a
 * JWT whose payload is read here for that claim alone (nothing of it is kept or printed).
 */
static char *token_tenant(const char *token)
{
    const char *p = token ? strchr(token, '.') : NULL, *q = p ? strchr(p + 1, '.') : NULL;
    unsigned char *payload = NULL;
    size_t n = 0;
    json_t *claims;
    const char *tid;
    char *out = NULL;

    if (!q || fbs_base64_decode(&payload, &n, p + 1, (size_t)(q - p - 1), 64 * 1024) < 0)
        return NULL;
    claims = json_loadb((const char *)payload, n, 0, NULL);
    tid = json_string_value(json_object_get(claims, "tid"));
    if (tid && *tid && strlen(tid) < 128 && !strpbrk(tid, "/\\ \t\r\n"))
        out = fbs_strdup(tid);
    json_decref(claims);
    fbs_wipe(payload, n);
    fbs_free(payload);
    return out;
}

/* The account a live collection read, as its identity (model/target.h). NULL on ENOMEM. */
static char *live_account(const struct live_args *a, const char *token, const char *base,
                          const char *cluster)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char *url = NULL, *tenant = NULL;
    int rc = 0;

    switch (a->provider) {
    case P_GCP:
        rc = fbs_buf_printf(&b, "gcp:%s", a->project);
        break;
    case P_AZURE:
        tenant = token_tenant(token);
        rc = tenant ? fbs_buf_printf(&b, "azure:%s", tenant)
                    : fbs_buf_printf(&b, "azure:%s", base ? base : FBS_AZURE_GRAPH_URL);
        break;
    case P_KUBERNETES:
        rc = fbs_buf_printf(&b, "kubernetes:%s", cluster ? cluster : "cluster");
        break;
    case P_VAULT:
    default:
        /* The address without credentials, its host in lower case, no trailing slash. */
        rc = fbs_target_public_url(&url, base);
        if (rc == 0) {
            const char *u = url ? url : base, *host = strstr(u, "://");
            size_t i, n = strlen(u);

            while (n > 1 && u[n - 1] == '/')
                n--;
            rc = fbs_buf_puts(&b, "vault:");
            for (i = 0; rc == 0 && i < n; i++) {
                bool in_host =
                    host && u + i >= host + 3 && !memchr(host + 3, '/', (size_t)(u + i - host - 3));

                rc = fbs_buf_putc(&b, in_host ? (char)tolower((unsigned char)u[i]) : u[i]);
            }
        }
        break;
    }
    fbs_free(url);
    fbs_free(tenant);
    if (rc < 0) {
        fbs_buf_release(&b);
        return NULL;
    }
    return fbs_buf_detach(&b);
}

static int run(struct live_args *a)
{
    struct fbs_fetch_curl_opts fo;
    struct fbs_cloud_fetch *fx = NULL, *fx_arm = NULL;
    struct fbs_kubeconfig kc;
    struct fbs_scan_result result;
    struct fbs_cloud_set set;
    struct fbs_target tinfo;
    bool have_result = false, have_set = false, have_kc = false;
    char *token = NULL, *arm_token = NULL, *account = NULL, target[1024], kcpath[4096];
    const char *targets[1] = {target};
    const char *base = a->endpoint;
    int rc, status = FBS_EXIT_USAGE;

    memset(&fo, 0, sizeof(fo));
    memset(&kc, 0, sizeof(kc));
    fbs_target_init(&tinfo);
    fo.ca_file = a->ca_bundle;
    fo.timeout = a->timeout;
    fo.max_retries = a->retries;
    switch (a->provider) {
    case P_GCP:
        token = load_token(a, "GOOGLE_OAUTH_ACCESS_TOKEN", "gcloud auth print-access-token");
        snprintf(target, sizeof(target), "gcp:projects/%s", a->project);
        break;
    case P_AZURE:
        token = load_token(a, "AZURE_ACCESS_TOKEN",
                           "az account get-access-token --resource-type ms-graph");
        /* Role assignments live in Resource Manager, whose tokens have another audience. */
        arm_token = load_token_from(a, a->arm_token_file, "AZURE_MANAGEMENT_TOKEN", NULL);
        if (a->arm_token_file && !arm_token)
            goto done;
        snprintf(target, sizeof(target), "azure:%s", base ? base : FBS_AZURE_GRAPH_URL);
        break;
    case P_VAULT:
        if (!base)
            base = getenv("VAULT_ADDR");
        if (!base || !*base) {
            fbs_cli_error("cloud vault: no Vault address: set VAULT_ADDR or give --endpoint URL");
            goto done;
        }
        if (!fo.ca_file && getenv("VAULT_CACERT") && *getenv("VAULT_CACERT"))
            fo.ca_file = getenv("VAULT_CACERT");
        token = load_token(a, "VAULT_TOKEN", "a token allowed to list auth/token/accessors");
        fo.token_header = "X-Vault-Token";
        snprintf(target, sizeof(target), "vault:%s", base);
        break;
    case P_KUBERNETES:
        if (kubeconfig_path(kcpath, sizeof(kcpath), a) < 0)
            goto done;
        if (fbs_kubeconfig_load(&kc, kcpath, a->context) < 0) {
            fbs_cli_fail(NULL);
            goto done;
        }
        have_kc = true;
        if (kc.insecure_skip_tls_verify && !kc.ca_pem && !kc.ca_file && !a->ca_bundle) {
            fbs_cli_error("cloud kubernetes: cluster '%s' sets insecure-skip-tls-verify; "
                          "fallback-scan always verifies TLS: give the cluster's CA with "
                          "--ca-bundle FILE",
                          kc.cluster_name);
            goto done;
        }
        if (a->token_file) {
            token = load_token(a, NULL, NULL);
            if (!token)
                goto done;
        }
        fo.token = token ? token : kc.token;
        if (!a->ca_bundle) {
            fo.ca_file = kc.ca_file;
            fo.ca_pem = kc.ca_pem;
            fo.ca_pem_len = kc.ca_pem_len;
        }
        fo.cert_file = kc.cert_file;
        fo.key_file = kc.key_file;
        fo.cert_pem = kc.cert_pem;
        fo.cert_pem_len = kc.cert_pem_len;
        fo.key_pem = kc.key_pem;
        fo.key_pem_len = kc.key_pem_len;
        if (!base)
            base = kc.server;
        snprintf(target, sizeof(target), "kubernetes:%s", kc.context);
        break;
    }
    if (a->provider != P_KUBERNETES) {
        if (!token)
            goto done;
        fo.token = token;
    }
    if (fbs_cli_output_ready(&a->out) < 0)
        goto done;
    if (fbs_fetch_curl_new(&fx, &fo) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    if (arm_token) {
        struct fbs_fetch_curl_opts ao = fo;

        ao.token = arm_token;
        if (fbs_fetch_curl_new(&fx_arm, &ao) < 0) {
            fbs_cli_fail(NULL);
            goto done;
        }
    }
    if (fbs_scan_result_init(&result, a->out.verbose) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    have_result = true;
    if (fbs_cloud_set_init(&set, &result.diags) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    have_set = true;
    set.now = a->out.now;
    switch (a->provider) {
    case P_GCP:
        rc = fbs_live_gcp(&set, fx, a->project, a->endpoint, a->crm_endpoint);
        break;
    case P_AZURE:
        rc = fbs_live_azure(&set, fx, a->endpoint);
        if (rc == 0 && fx_arm)
            rc = fbs_live_azure_rbac(&set, fx_arm, a->arm_endpoint);
        else if (rc == 0)
            set.azure_failed |= FBS_AZURE_RBAC;
        if (rc == 0 && !fx_arm)
            fbs_diags_notice(&result.diags, "azure_roles_not_read", NULL,
                             "Azure RBAC role assignments not read (no Resource Manager token: "
                             "set AZURE_MANAGEMENT_TOKEN from 'az account get-access-token' or "
                             "give --arm-token-file)");
        break;
    case P_KUBERNETES:
        set.k8s_cluster = a->cluster ? a->cluster : kc.cluster_name;
        rc = fbs_live_kubernetes(&set, fx, base);
        if (rc == 0)
            rc = fbs_kubeconfig_add_masters(&set, &kc);
        break;
    case P_VAULT:
    default:
        set.vault_addr = base;
        rc = fbs_live_vault(&set, fx, base);
        break;
    }
    if (rc < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    account = live_account(a, fo.token, base, set.k8s_cluster);
    if (!account || fbs_cli_cloud_target(&tinfo, target, account) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    a->out.target_info = &tinfo;
    status = fbs_cli_report_records(&a->out, &result, &set, targets, 1);
    a->out.target_info = NULL;
done:
    fbs_target_release(&tinfo);
    fbs_free(account);
    if (have_set)
        fbs_cloud_set_release(&set);
    if (have_result)
        fbs_scan_result_release(&result);
    fbs_fetch_curl_free(fx);
    fbs_fetch_curl_free(fx_arm);
    free_token(token);
    free_token(arm_token);
    if (have_kc)
        fbs_kubeconfig_release(&kc);
    return status;
}

int fbs_cmd_cloud_provider(const char *provider, int argc, char **argv)
{
    static const struct {
        const char *name;
        enum provider p;
    } names[] = {{"gcp", P_GCP},
                 {"azure", P_AZURE},
                 {"kubernetes", P_KUBERNETES},
                 {"k8s", P_KUBERNETES},
                 {"vault", P_VAULT}};
    struct live_args a;
    size_t i;
    int rc;

    memset(&a, 0, sizeof(a));
    a.retries = 3;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(provider, names[i].name))
            break;
    if (i == sizeof(names) / sizeof(names[0])) {
        fbs_cli_error("cloud: unknown provider '%s' (known: gcp, azure, kubernetes, vault)",
                      provider);
        return FBS_EXIT_USAGE;
    }
    a.provider = names[i].p;
    a.name = provider;
    fbs_cli_output_init(&a.out);
    rc = parse_args(&a, argc, argv);
    if (rc == 0)
        rc = run(&a);
    else
        rc = rc > 0 ? FBS_EXIT_OK : FBS_EXIT_USAGE;
    fbs_cli_output_release(&a.out);
    return rc;
}

int fbs_cmd_cloud_live(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fbs_help_print(argc < 2 ? stderr : stdout, &fbs_help_cloud);
        return argc < 2 ? FBS_EXIT_USAGE : FBS_EXIT_OK;
    }
    return fbs_cmd_cloud_provider(argv[1], argc - 1, argv + 1);
}
