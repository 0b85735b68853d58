/*
 * inventory.h - offline cloud inventories: `fallback-scan inventory FILE...` reads the exports
 * auditors already have (gcloud, az, kubectl, vault CLI output; the AWS IAM credential report)
 * and turns them into the same records as the live collectors.
 *
 * A file's format is recognised from its content, never its name: each entry of
 * fbs_inventory_formats[] says whether it reads a document, in table order. JSON files may hold
 * one document or several in a row (JSON Lines, or concatenated CLI outputs); each document is
 * recognised on its own. Text formats (the AWS credential report CSV) are matched on their bytes.
 *
 * Adding a format is one entry: a `match` function that only looks (cheap, no allocation), and an
 * `add` function that builds records with the builders of cloud_records.h.
 */
#ifndef FBS_INVENTORY_H
#define FBS_INVENTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud_records.h"

struct fbs_inventory_format {
    const char *name;      /* snake_case, e.g. "gcp_service_account_keys" */
    const char *describes; /* the export it reads, for messages and --help */
    /* JSON formats: whether `doc` is one of ours; build its records (doc may be modified). */
    bool (*match_json)(const json_t *doc);
    int (*add_json)(struct fbs_cloud_set *s, json_t *doc, const char *origin);
    /* Text formats: whether the bytes are ours; build their records. */
    bool (*match_text)(const char *data, size_t len);
    int (*add_text)(struct fbs_cloud_set *s, const char *data, size_t len, const char *origin);
};

/* Every format, in match order, NULL-terminated (inventory.c). */
extern const struct fbs_inventory_format *const fbs_inventory_formats[];

extern const struct fbs_inventory_format fbs_inventory_gcp_keys;
extern const struct fbs_inventory_format fbs_inventory_gcp_accounts;
extern const struct fbs_inventory_format fbs_inventory_gcp_iam_policy;
extern const struct fbs_inventory_format fbs_inventory_gcp_ancestors;
extern const struct fbs_inventory_format fbs_inventory_azure_role_assignments;
extern const struct fbs_inventory_format fbs_inventory_azure_role_definitions;
extern const struct fbs_inventory_format fbs_inventory_azure_directory_roles;
extern const struct fbs_inventory_format fbs_inventory_azure_objects;
extern const struct fbs_inventory_format fbs_inventory_azure_credentials;
extern const struct fbs_inventory_format fbs_inventory_k8s;
extern const struct fbs_inventory_format fbs_inventory_vault;

/*
 * Recognise and read one input held in memory. `origin` names it (a file name), and every record
 * built from it names it as its target (finding.h: target). Returns 0 when
 * the input was read (some of its items may have become error diagnostics); FBS_EUNSUPPORTED
 * when no format recognises it; FBS_EPARSE when it is malformed (message with line and column
 * where known; records built from documents before the fault are kept); FBS_ENOMEM.
 * The caller prefixes messages with the origin. `data` is not modified; wipe it afterwards.
 */
int fbs_inventory_add_buffer(struct fbs_cloud_set *s, const char *origin, const char *data,
                             size_t len);

/*
 * Read a file (at most max_size bytes; 0: no limit) and fbs_inventory_add_buffer() it. The
 * bytes read are wiped before they are freed (exports may hold tokens). Returns as above, or
 * FBS_EIO when the file cannot be read or is too large.
 */
int fbs_inventory_add_file(struct fbs_cloud_set *s, const char *path, uint64_t max_size);

/*
 * Read every file; a file that fails becomes an error diagnostic naming it (kind
 * inventory_unreadable, inventory_malformed or inventory_unknown_format; the others go on).
 * Returns 0 or FBS_ENOMEM. The caller then applies the joins (fbs_cloud_set_finish).
 */
int fbs_inventory_scan(struct fbs_cloud_set *s, const char *const *paths, size_t n,
                       uint64_t max_size);

/* The first item of `doc` when it is an array, else of doc[wrapper] when that is an array;
 * `doc` itself when it is an object and allow_single; NULL otherwise (or when empty). */
const json_t *fbs_inventory_first(const json_t *doc, const char *wrapper, bool allow_single);
/* Whether `doc` is an empty array, or an object whose `wrapper` member is an empty array. */
bool fbs_inventory_empty(const json_t *doc, const char *wrapper);

#endif
