/*
 * cmd_inventory.c - 'fallback-scan inventory FILE...': cloud credential inventories from the
 * exports auditors already have (gcloud, az, kubectl, vault CLI JSON; the AWS IAM credential
 * report), each file recognised from its content, analysed like the live collectors' records.
 */
#include "cli.h"
#include "cloud_cli.h"
#include "help.h"
#include "../cloud/inventory.h"
#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/text.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/banned.h"

#define DEFAULT_MAX_FILE_SIZE (256ull * 1024 * 1024)

enum { OPT_CLUSTER = 256, OPT_VAULT_ADDR, OPT_MAX_FILE_SIZE };

static const struct option long_opts[] = {
    {"cluster", required_argument, NULL, OPT_CLUSTER},
    {"vault-addr", required_argument, NULL, OPT_VAULT_ADDR},
    {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
    {"help", no_argument, NULL, 'h'},
    FBS_CLI_OUTPUT_LONG_OPTS,
    {NULL, 0, NULL, 0},
};

static const struct fbs_help_opt inventory_opts[] = {
    {"--cluster NAME", "cluster name in Kubernetes resources (default: cluster)", NULL},
    {"--vault-addr ADDR", "Vault address in Vault resources (default: vault)", NULL},
    {"--max-file-size N", "refuse larger files (default 256MiB)", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_section inventory_section = {"inventory", inventory_opts};

static const struct fbs_help_section *const inventory_sections[] = {
    &fbs_cli_output_help_report, &fbs_cli_output_help_exceptions, &inventory_section, NULL};

static const struct fbs_help_example inventory_examples[] = {
    {"a GCP project's keys, joined with its IAM policy and accounts",
     "inventory keys.json policy.json accounts.json"},
    {"a cluster's token Secrets and cluster-admin bindings",
     "inventory --cluster prod secrets.json crb.json -f json"},
    {NULL, NULL},
};

/* The formats are those of fbs_inventory_formats (test: golden case inventory_help). */
const struct fbs_help fbs_help_inventory = {
    .name = "inventory",
    .usage = "inventory [options] FILE...",
    .about = "Analyse cloud credential inventories exported with the providers' CLIs, without\n"
             "network access. Each file's format is recognised from its content:\n"
             "  - aws iam get-credential-report (the decoded CSV)\n"
             "  - gcloud iam service-accounts keys list --format=json (or the keys.list API)\n"
             "  - gcloud iam service-accounts list --format=json (or the serviceAccounts.list "
             "API)\n"
             "  - gcloud projects get-iam-policy PROJECT --format=json\n"
             "  - gcloud projects get-ancestors-iam-policy PROJECT --format=json (the policies\n"
             "    of the project's folders and organisation; or get-ancestors)\n"
             "  - az ad app list / az ad sp list (or GET /v1.0/applications, "
             "/servicePrincipals)\n"
             "  - az ad app credential list --id APP [--cert]\n"
             "  - az role assignment list --all -o json, az role definition list -o json (or\n"
             "    ARM roleAssignments, roleDefinitions)\n"
             "  - Graph directory role assignments (az rest --url GRAPH/v1.0/roleManagement/\n"
             "    directory/roleAssignments?$expand=roleDefinition)\n"
             "  - kubectl get secrets -A -o json (service account and bootstrap tokens)\n"
             "  - kubectl get roles,rolebindings -A -o json / kubectl get\n"
             "    clusterroles,clusterrolebindings -o json\n"
             "  - vault token lookup [-accessor A] -format=json (one or many)\n"
             "A file may hold several JSON documents (JSON Lines, or outputs concatenated).\n"
             "Files given together are joined: GCP keys get their account's roles and names from\n"
             "IAM policies and an accounts list; Azure client secrets and certificates get\n"
             "their service principal's roles; Kubernetes tokens get their privilege from the\n"
             "rules of the roles bound to them. A file that cannot be read is reported and the\n"
             "others are still analysed (exit status 3).",
    .sections = inventory_sections,
    .examples = inventory_examples,
    .files = "files",
};

static int report_stderr(const struct fbs_cli_output *o)
{
    return !o->quiet && (o->output || strcmp(o->format, "text") || !isatty(STDOUT_FILENO));
}

int fbs_cli_report_records(struct fbs_cli_output *o, struct fbs_scan_result *r,
                           struct fbs_cloud_set *set, const char *const *targets, size_t ntargets)
{
    struct fbs_pipeline_opts po;
    size_t i;

    if (fbs_cloud_set_finish(set) < 0)
        return fbs_cli_fail(NULL);
    memset(&po, 0, sizeof(po));
    po.vocab = o->vocab;
    po.policy = &o->policy;
    po.now = o->now;
    po.fingerprint_salt = o->salt;
    po.targets = o->target_info;
    po.ntargets = o->target_info ? ntargets : 0;
    if (fbs_pipeline_add_records(r, &po, &set->records) < 0)
        return fbs_cli_fail(NULL);
    fbs_diags_sort(&r->diags);
    if (report_stderr(o)) {
        for (i = 0; i < r->diags.items.len; i++) {
            const struct fbs_diag *d = r->diags.items.items[i];

            if (d->error)
                fbs_cli_error("%s%s%s", d->path ? d->path : "", d->path ? ": " : "", d->message);
        }
    }
    return fbs_cli_output_finish(o, r, targets, ntargets, 0);
}

int fbs_cli_cloud_target(struct fbs_target *out, const char *name, const char *account)
{
    fbs_target_init(out);
    out->kind = FBS_TARGET_CLOUD;
    if (!(out->name = fbs_strdup(name)) || (account && !(out->account = fbs_strdup(account))))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return fbs_target_finish(out);
}

/* Each inventory file as a target: known by its absolute path. 0 or FBS_ENOMEM. */
static int inventory_targets(struct fbs_target **out, char **paths, size_t n)
{
    struct fbs_target *t = fbs_calloc(n ? n : 1, sizeof(*t));
    size_t i;
    int rc = 0;

    *out = t;
    if (!t)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < n && rc == 0; i++) {
        char abs[PATH_MAX];

        t[i].kind = FBS_TARGET_INVENTORY;
        t[i].name = fbs_strdup(paths[i]);
        t[i].inventory = fbs_strdup(realpath(paths[i], abs) ? abs : paths[i]);
        rc = t[i].name && t[i].inventory ? fbs_target_finish(&t[i])
                                         : fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return rc;
}

int fbs_cmd_inventory(int argc, char **argv)
{
    struct fbs_cli_output o;
    struct fbs_scan_result result;
    struct fbs_cloud_set set;
    struct fbs_target *tinfo = NULL;
    bool have_result = false, have_set = false;
    const char *cluster = NULL, *vault_addr = NULL;
    uint64_t max_size = DEFAULT_MAX_FILE_SIZE;
    int c, i, status = FBS_EXIT_USAGE;

    fbs_cli_output_init(&o);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":" FBS_CLI_OUTPUT_SHORT_OPTS "h", long_opts, NULL)) !=
           -1) {
        int shared = fbs_cli_output_option(&o, c, optarg);

        if (shared < 0)
            goto done;
        if (shared > 0)
            continue;
        switch (c) {
        case OPT_CLUSTER:
            cluster = optarg;
            break;
        case OPT_VAULT_ADDR:
            vault_addr = optarg;
            break;
        case OPT_MAX_FILE_SIZE:
            if (fbs_parse_size(&max_size, optarg) < 0) {
                fbs_cli_fail("--max-file-size");
                goto done;
            }
            break;
        case 'h':
            fbs_help_print(stdout, &fbs_help_inventory);
            status = FBS_EXIT_OK;
            goto done;
        default:
            fbs_cli_bad_option("inventory", argv[optind - 1], c);
            goto done;
        }
    }
    if (optind >= argc) {
        fbs_cli_error("inventory: no FILE given (see 'fallback-scan inventory --help')");
        goto done;
    }
    /* A file that does not exist is a typo, not a partial inventory. */
    for (i = optind; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) < 0 && errno == ENOENT) {
            fbs_cli_error("cannot read '%s': no such file", argv[i]);
            goto done;
        }
    }
    if (fbs_cli_output_ready(&o) < 0)
        goto done;
    if (inventory_targets(&tinfo, argv + optind, (size_t)(argc - optind)) < 0 ||
        fbs_scan_result_init(&result, o.verbose) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    have_result = true;
    if (fbs_cloud_set_init(&set, &result.diags) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    have_set = true;
    set.k8s_cluster = cluster;
    set.vault_addr = vault_addr;
    set.now = o.now;
    if (fbs_inventory_scan(&set, (const char *const *)argv + optind, (size_t)(argc - optind),
                           max_size) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    o.target_info = tinfo;
    status = fbs_cli_report_records(&o, &result, &set, (const char *const *)argv + optind,
                                    (size_t)(argc - optind));
done:
    fbs_targets_free(tinfo, optind < argc ? (size_t)(argc - optind) : 0);
    if (have_set)
        fbs_cloud_set_release(&set);
    if (have_result)
        fbs_scan_result_release(&result);
    fbs_cli_output_release(&o);
    return status;
}
