/*
 * cmd_cloud.c - 'fallback-scan cloud aws': collect credential records from a live account's
 * APIs (scanner/cloud), run them through the detectors and scorer (fbs_pipeline_add_records) and
 * report them with the shared output options (output.h).
 *
 * The environment is read here, not in the cloud layer: AWS_* variables into struct fbs_aws_env,
 * and FALLBACK_SCAN_AWS_BACKOFF_MS, an undocumented test hook that shortens retry delays.
 */
#include "cli.h"
#include "cloud_cli.h"
#include "../../detectors/vocab.h"
#include "../cloud/cloud.h"
#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/time.h"
#include "../pipeline.h"
#include "help.h"
#include "output.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/banned.h"

/* A role or secret is collected when its names hold a fallback term at least this strong. */
#define FILTER_MIN_WEIGHT 0.5

struct cloud_args {
    struct fbs_cli_output out;
    const char *provider;
    const char *profile;
    const char *region;
    const char *regions;
    const char *endpoint_url;
    const char *ca_bundle;
    long timeout; /* seconds per attempt of a call; 0: the default */
};

enum {
    OPT_PROFILE = 256,
    OPT_REGION,
    OPT_ENDPOINT_URL,
    OPT_CA_BUNDLE,
    OPT_REGIONS,
    OPT_TIMEOUT,
};

static const struct option long_opts[] = {
    FBS_CLI_OUTPUT_LONG_OPTS,
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"region", required_argument, NULL, OPT_REGION},
    {"regions", required_argument, NULL, OPT_REGIONS},
    {"endpoint-url", required_argument, NULL, OPT_ENDPOINT_URL},
    {"ca-bundle", required_argument, NULL, OPT_CA_BUNDLE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Help for every provider (help.h); cmd_cloud_live.c prints it too. */
static const struct fbs_help_opt aws_opts[] = {
    {"--profile NAME",
     "a profile of ~/.aws/credentials or ~/.aws/config\n(default: AWS_ACCESS_KEY_ID/"
     "AWS_SECRET_ACCESS_KEY, then\nAWS_PROFILE, then 'default')",
     NULL},
    {"--region REGION",
     "region for regional calls (default: AWS_REGION,\nAWS_DEFAULT_REGION, the profile's "
     "region, us-east-1)",
     NULL},
    {"--regions R1,R2",
     "Secrets Manager regions (default: every region enabled\nfor the account, from "
     "ec2:DescribeRegions)",
     NULL},
    {"--endpoint-url URL", "send every API call to URL (an emulator or a proxy)", NULL},
    {"--ca-bundle FILE", "trust the certificate authorities in FILE (PEM)", NULL},
    {"--timeout SECONDS",
     "per attempt of an API call, 1..3600 (default 60); a call\nis tried at most 4 times "
     "(throttling, 5xx, timeouts)",
     NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt live_opts[] = {
    {"--token-file FILE",
     "read the API token from FILE (instead of the environment\nor the kubeconfig)", NULL},
    {"--endpoint URL, --api-url URL",
     "API base URL (tests, sovereign clouds, proxies; plain http\nonly to loopback addresses)",
     NULL},
    {"--ca-bundle FILE", "verify servers with these CA certificates (PEM)", NULL},
    {"--timeout SECONDS", "per request (default 60)", NULL},
    {"--retries N", "retries of throttled or failed requests (default 3)", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt gcp_opts[] = {
    {"--project ID", "the project whose service account keys are listed (required)", NULL},
    {"--resource-manager-endpoint URL", "Cloud Resource Manager base URL (the IAM policy)", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt azure_opts[] = {
    {"--arm-token-file FILE",
     "a Resource Manager token for the role assignments (else\nAZURE_MANAGEMENT_TOKEN: az account "
     "get-access-token)",
     NULL},
    {"--arm-endpoint URL", "Azure Resource Manager base URL (role assignments)", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt k8s_opts[] = {
    {"--kubeconfig FILE", "the kubeconfig (default: KUBECONFIG, then ~/.kube/config)", NULL},
    {"--context NAME", "a context of the kubeconfig (default: its current context)", NULL},
    {"--cluster NAME", "the cluster's name in reports (default: the kubeconfig's\nname for it)",
     NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_section aws_section = {"aws", aws_opts};
static const struct fbs_help_section live_section = {"gcp, azure, kubernetes, vault", live_opts};
static const struct fbs_help_section gcp_section = {"gcp", gcp_opts};
static const struct fbs_help_section k8s_section = {"kubernetes", k8s_opts};
static const struct fbs_help_section azure_section = {"azure", azure_opts};

static const struct fbs_help_section *const cloud_sections[] = {&aws_section,
                                                                &live_section,
                                                                &gcp_section,
                                                                &azure_section,
                                                                &k8s_section,
                                                                &fbs_cli_output_help_report,
                                                                &fbs_cli_output_help_exceptions,
                                                                NULL};

static const struct fbs_help_example cloud_examples[] = {
    {"an AWS account, with the credentials of a profile", "cloud aws --profile audit"},
    {"a GCP project, with gcloud's token", "cloud gcp --project my-project -f json -o gcp.json"},
    {"an Entra ID tenant", "cloud azure --token-file ~/.azure-graph-token"},
    {"the cluster of a kubeconfig context", "cloud kubernetes --context prod"},
    {"a Vault server (VAULT_ADDR, VAULT_TOKEN)", "cloud vault --fail-on high"},
    {NULL, NULL},
};

const struct fbs_help fbs_help_cloud = {
    .name = "cloud",
    .usage = "cloud aws [options]\n"
             "cloud gcp --project ID [options]\n"
             "cloud azure [options]\n"
             "cloud kubernetes [options]   (or k8s)\n"
             "cloud vault [options]",
    .about =
        "Read a cloud account's credentials through its APIs, read-only, and report\n"
        "them like any other finding (age, last use, expiry, privilege, custody):\n"
        "  aws         IAM users' access keys, console passwords (with MFA), signing\n"
        "              certificates, SSH keys and service-specific credentials, server\n"
        "              certificates, the root user's keys and sign-in, administrator roles\n"
        "              others may assume, IAM Identity Center assignments, and the roles and\n"
        "              Secrets Manager secrets (every enabled region) whose names or tags say\n"
        "              break-glass/emergency/recovery/backup; needs iam:Get*, iam:List*,\n"
        "              iam:GenerateCredentialReport, secretsmanager:ListSecrets,\n"
        "              ec2:DescribeRegions and, for Identity Center, sso:List*,\n"
        "              sso:Describe*, sso:GetInlinePolicy* and identitystore:Describe*;\n"
        "              docs/cloud-aws.md\n"
        "  gcp         user-managed service account keys of a project (--project), with the\n"
        "              accounts' roles from the IAM policies of the project, its folders and\n"
        "              its organisation; token from --token-file or\n"
        "              GOOGLE_OAUTH_ACCESS_TOKEN (gcloud auth print-access-token)\n"
        "  azure       client secrets and certificates of every application and service\n"
        "              principal (Microsoft Graph); token from --token-file or\n"
        "              AZURE_ACCESS_TOKEN (az account get-access-token --resource-type ms-graph);\n"
        "              their directory roles, and their Azure RBAC roles with a Resource Manager\n"
        "              token (AZURE_MANAGEMENT_TOKEN or --arm-token-file)\n"
        "  kubernetes  legacy service account and bootstrap token Secrets, privilege from the\n"
        "              rules of the Roles and ClusterRoles bound to them;\n"
        "              server and credentials from the kubeconfig (--kubeconfig, KUBECONFIG,\n"
        "              ~/.kube/config; --context)\n"
        "  vault       every token (by accessor); VAULT_ADDR, VAULT_TOKEN (needs sudo on\n"
        "              auth/token/accessors), VAULT_CACERT\n"
        "\n"
        "API credentials are never printed or written to a report.",
    .sections = cloud_sections,
    .examples = cloud_examples,
    .exit_status = "0 clean, 1 findings, 2 usage/configuration error or the account could\n"
                   "not be read at all (missing or rejected credentials), 3 incomplete (some\n"
                   "API calls failed: see the diagnostics)",
    .words = "aws gcp azure kubernetes vault",
};

static void cloud_usage(FILE *out)
{
    fbs_help_print(out, &fbs_help_cloud);
}

/* http(s)://host[:port][/path], without credentials in it (they would end up in messages). */
static bool endpoint_ok(const char *url)
{
    const char *host, *end;

    if (!strncmp(url, "https://", 8))
        host = url + 8;
    else if (!strncmp(url, "http://", 7))
        host = url + 7;
    else
        return false;
    end = host + strcspn(host, "/?#");
    return end > host && !memchr(host, '@', (size_t)(end - host));
}

static int parse_args(struct cloud_args *a, int argc, char **argv)
{
    int c;

    memset(a, 0, sizeof(*a));
    fbs_cli_output_init(&a->out);
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
        case OPT_PROFILE:
            a->profile = optarg;
            break;
        case OPT_REGION:
            a->region = optarg;
            break;
        case OPT_REGIONS:
            if (!optarg[strspn(optarg, ", ")]) {
                fbs_cli_error("--regions: expected a comma-separated list of regions");
                return -1;
            }
            a->regions = optarg;
            break;
        case OPT_ENDPOINT_URL:
            if (!endpoint_ok(optarg)) {
                fbs_cli_error("--endpoint-url: expected http(s)://host[:port][/path] without "
                              "user information, got '%.200s'",
                              optarg);
                return -1;
            }
            a->endpoint_url = optarg;
            break;
        case OPT_CA_BUNDLE:
            if (access(optarg, R_OK) != 0) {
                fbs_cli_error("--ca-bundle: cannot read '%s': %s", optarg, strerror(errno));
                return -1;
            }
            a->ca_bundle = optarg;
            break;
        case OPT_TIMEOUT: {
            char *end;
            long n;

            errno = 0;
            n = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || n < 1 || n > 3600) {
                fbs_cli_error("--timeout: invalid value '%s' (expected 1..3600 seconds)", optarg);
                return -1;
            }
            a->timeout = n;
            break;
        }
        case 'h':
            cloud_usage(stdout);
            return 1;
        default:
            fbs_cli_bad_option("cloud", argv[optind - 1], c);
            return -1;
        }
    }
    if (optind >= argc) {
        fbs_cli_error("cloud: no provider given (try 'fallback-scan cloud aws')");
        return -1;
    }
    a->provider = argv[optind];
    if (strcmp(a->provider, "aws") != 0) {
        fbs_cli_error("cloud: unknown provider '%s': not supported (supported: aws, gcp, azure, "
                      "kubernetes, vault; the provider comes right after 'cloud')",
                      a->provider);
        return -1;
    }
    if (optind + 1 < argc) {
        fbs_cli_error("cloud: unexpected argument '%s'", argv[optind + 1]);
        return -1;
    }
    return 0;
}

struct filter_hit {
    bool hit;
};

static int on_term(const struct fbs_vocab_term *t, void *payload)
{
    struct filter_hit *h = payload;

    if (t->weight >= FILTER_MIN_WEIGHT)
        h->hit = true;
    return 0;
}

/* The collector's filter for roles and secrets: the fallback vocabulary. */
bool fbs_cli_aws_filter(const char *text, size_t len, void *payload)
{
    struct filter_hit h = {false};

    fbs_vocab_scan(payload, text, len, on_term, &h);
    return h.hit;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int run_aws(struct cloud_args *a)
{
    struct fbs_aws_env env;
    struct fbs_aws_creds creds;
    struct fbs_aws_opts ao;
    struct fbs_scan_result result;
    struct fbs_pipeline_opts po;
    struct fbs_vec records = FBS_VEC_INIT;
    struct fbs_target tinfo;
    struct timespec t0;
    char *account = NULL, target[64];
    const char *target_p = target, *hook;
    bool have_result = false;
    int rc, status = FBS_EXIT_USAGE;

    memset(&env, 0, sizeof(env));
    env.access_key_id = getenv("AWS_ACCESS_KEY_ID");
    env.secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
    env.session_token = getenv("AWS_SESSION_TOKEN");
    env.profile = getenv("AWS_PROFILE");
    env.region = getenv("AWS_REGION");
    env.default_region = getenv("AWS_DEFAULT_REGION");
    env.shared_credentials_file = getenv("AWS_SHARED_CREDENTIALS_FILE");
    env.config_file = getenv("AWS_CONFIG_FILE");
    env.home = getenv("HOME");
    fbs_aws_creds_init(&creds);
    fbs_target_init(&tinfo);
    if (fbs_aws_creds_resolve(&creds, &env, a->profile, a->region) < 0) {
        fbs_cli_fail("aws");
        goto done;
    }
    if (fbs_scan_result_init(&result, a->out.verbose) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    have_result = true;
    memset(&ao, 0, sizeof(ao));
    ao.creds = &creds;
    ao.endpoint_url = a->endpoint_url;
    ao.ca_bundle = a->ca_bundle;
    ao.regions = a->regions;
    ao.timeout_s = a->timeout;
    ao.filter = fbs_cli_aws_filter;
    ao.filter_payload = a->out.vocab;
    hook = getenv("FALLBACK_SCAN_AWS_BACKOFF_MS");
    if (hook && *hook) {
        char *end;
        long ms = strtol(hook, &end, 10);

        if (!*end && ms > 0 && ms <= 10000)
            ao.backoff_ms = (unsigned)ms;
    }
    if (!a->out.quiet && isatty(STDERR_FILENO))
        fprintf(stderr, "reading the AWS account (credentials from %s)...\n", creds.source);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = fbs_aws_collect(&records, &account, &ao, &result.diags);
    result.stats.seconds = seconds_since(&t0);
    if (rc < 0) {
        fbs_cli_fail("aws");
        goto done;
    }
    snprintf(target, sizeof(target), "aws:%s", account ? account : "unknown");
    if (fbs_cli_cloud_target(&tinfo, target, account ? target : NULL) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    memset(&po, 0, sizeof(po));
    po.vocab = a->out.vocab;
    po.policy = &a->out.policy;
    po.now = a->out.now;
    po.fingerprint_salt = a->out.salt;
    po.targets = &tinfo;
    po.ntargets = 1;
    if (fbs_pipeline_add_records(&result, &po, &records) < 0) {
        fbs_cli_fail("aws");
        goto done;
    }
    fbs_diags_sort(&result.diags);
    a->out.target_info = &tinfo;
    status = fbs_cli_output_finish(&a->out, &result, &target_p, 1, 0);
done:
    fbs_vec_release(&records, fbs_finding_free_v);
    if (have_result)
        fbs_scan_result_release(&result);
    a->out.target_info = NULL;
    fbs_target_release(&tinfo);
    fbs_free(account);
    fbs_aws_creds_release(&creds);
    return status;
}

int fbs_cmd_cloud(int argc, char **argv)
{
    static const char *const live[] = {"gcp", "azure", "kubernetes", "k8s", "vault", NULL};
    struct cloud_args a;
    int rc, status = FBS_EXIT_USAGE, i;

    /* `cloud PROVIDER ...`: the other providers have their own collectors (cmd_cloud_live.c). */
    for (i = 0; argc > 1 && live[i]; i++)
        if (!strcmp(argv[1], live[i]))
            return fbs_cmd_cloud_live(argc, argv);

    rc = parse_args(&a, argc, argv);
    if (rc != 0) {
        status = rc > 0 ? FBS_EXIT_OK : FBS_EXIT_USAGE;
        goto done;
    }
    if (fbs_cli_output_ready(&a.out) < 0)
        goto done;
    status = run_aws(&a);
done:
    fbs_cli_output_release(&a.out);
    return status;
}
