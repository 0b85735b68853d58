/*
 * cmd_inventory.c - 'fallback-scan inventory FILE...': cloud credential inventories from the
 * exports auditors already have (gcloud, az, kubectl, vault CLI JSON; the AWS IAM credential
 * report), each file recognised from its content, analysed like the live collectors' records.
 */
#include "cli.h"
#include "cloud_cli.h"
#include "../cloud/inventory.h"
#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/text.h"

#include <errno.h>
#include <getopt.h>
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

static void usage(FILE *out)
{
    size_t i;

    fputs("usage: fallback-scan inventory [options] FILE...\n\n"
          "Analyse cloud credential inventories exported with the providers' CLIs, without\n"
          "network access. Each file's format is recognised from its content:\n",
          out);
    for (i = 0; fbs_inventory_formats[i]; i++)
        fprintf(out, "  - %s\n", fbs_inventory_formats[i]->describes);
    fputs("A file may hold several JSON documents (JSON Lines, or outputs concatenated).\n"
          "Files given together are joined: GCP keys get their account's roles and names from\n"
          "an IAM policy and an accounts list; Kubernetes tokens get cluster-admin privilege\n"
          "from the ClusterRoleBindings. A file that cannot be read is reported and the others\n"
          "are still analysed (exit status 3).\n\n",
          out);
    fputs(fbs_cli_output_usage, out);
    fputs("inventory:\n"
          "      --cluster NAME      cluster name in Kubernetes resources (default: cluster)\n"
          "      --vault-addr ADDR   Vault address in Vault resources (default: vault)\n"
          "      --max-file-size N   refuse larger files (default 256MiB)\n\n"
          "exit status: 0 clean, 1 findings, 2 usage/configuration error, 3 incomplete\n",
          out);
}

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

int fbs_cmd_inventory(int argc, char **argv)
{
    struct fbs_cli_output o;
    struct fbs_scan_result result;
    struct fbs_cloud_set set;
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
            usage(stdout);
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
    if (fbs_scan_result_init(&result, o.verbose) < 0) {
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
    status = fbs_cli_report_records(&o, &result, &set, (const char *const *)argv + optind,
                                    (size_t)(argc - optind));
done:
    if (have_set)
        fbs_cloud_set_release(&set);
    if (have_result)
        fbs_scan_result_release(&result);
    fbs_cli_output_release(&o);
    return status;
}
