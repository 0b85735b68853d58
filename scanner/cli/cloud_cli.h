/*
 * cloud_cli.h - the commands that report cloud credential records instead of scanning text:
 * `inventory FILE...` (offline exports) and `cloud gcp|azure|kubernetes|vault` (live APIs), and
 * the report step they share.
 */
#ifndef FBS_CLOUD_CLI_H
#define FBS_CLOUD_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "../cloud/cloud_records.h"
#include "../pipeline.h"
#include "output.h"

/* fallback-scan inventory [options] FILE... */
int fbs_cmd_inventory(int argc, char **argv);

/*
 * fallback-scan cloud PROVIDER [options], for provider gcp, azure, kubernetes (or k8s) and vault;
 * argv[0] is the provider. (`cloud aws` is cmd_cloud.c's.)
 */
int fbs_cmd_cloud_provider(const char *provider, int argc, char **argv);

/*
 * Until `cloud` has one dispatcher: argv[0] "cloud", argv[1] the provider. Providers other than
 * those above are a usage error.
 */
int fbs_cmd_cloud_live(int argc, char **argv);

/*
 * Finish a set (joins), run the detectors and scorer on its records, and write the report with
 * the shared output options. Records belong to o->target_info (ntargets described targets beside
 * `targets`) when the command set it. Error diagnostics are also printed on stderr (unless
 * --quiet, or when the text report itself goes to the terminal). Returns the exit status.
 */
int fbs_cli_report_records(struct fbs_cli_output *o, struct fbs_scan_result *r,
                           struct fbs_cloud_set *set, const char *const *targets, size_t ntargets);

/*
 * Describe a cloud account as a target (model/target.h): `name` as the report lists it,
 * `account` its identity ("aws:123456789012", "gcp:my-project" ...; NULL: the name). Release
 * `out` with fbs_target_release(), also on failure. 0 or FBS_ENOMEM.
 */
int fbs_cli_cloud_target(struct fbs_target *out, const char *name, const char *account);

/* The AWS collector's filter of roles and secrets (the fallback vocabulary; payload: the
 * struct fbs_vocab), shared by `cloud aws` and sweeps. */
bool fbs_cli_aws_filter(const char *text, size_t len, void *payload);

#endif
