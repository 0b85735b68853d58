/*
 * fuzz_inventory.c - the cloud inventory readers (scanner/cloud/inv_*.c and inventory.c: GCP,
 * Azure, Kubernetes and Vault exports, the AWS credential-report CSV) and, for inputs starting
 * with '<', the AWS XML reader and the IAM page parsers of the AWS collector.
 */
#include "fuzz.h"
#include "scanner/cloud/aws_int.h"
#include "scanner/cloud/cloud_records.h"
#include "scanner/net/dl.h"
#include "scanner/cloud/inventory.h"
#include "scanner/core/alloc.h"
#include "scanner/core/error.h"
#include "scanner/core/vec.h"

#include "scanner/core/banned.h"

static void fuzz_xml(const char *data, size_t size)
{
    struct aws_xml *doc = NULL;
    struct fbs_vec users = FBS_VEC_INIT, keys = FBS_VEC_INIT;
    struct aws_authz authz;
    char *m1 = NULL, *m2 = NULL, *m3 = NULL;

    if (fbs_expat_load() < 0 || aws_xml_parse(&doc, data, size) < 0)
        return;
    aws_xml_text(doc, "ListUsersResult/Marker");
    aws_iam_users_page(&users, &m1, doc);
    aws_iam_keys_page(&keys, &m2, doc);
    aws_authz_init(&authz);
    aws_iam_authz_page(&authz, &m3, doc);
    aws_authz_release(&authz);
    fbs_vec_release(&users, aws_principal_free);
    fbs_vec_release(&keys, aws_access_key_free);
    fbs_free(m1);
    fbs_free(m2);
    fbs_free(m3);
    aws_xml_free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fbs_stats stats;
    struct fbs_diags diags;
    struct fbs_cloud_set set;

    if (size && data[0] == '<') {
        fuzz_xml((const char *)data, size);
        fbs_error_clear();
        return 0;
    }
    fbs_stats_init(&stats);
    if (fbs_diags_init(&diags, &stats, true) < 0)
        return 0;
    if (fbs_cloud_set_init(&set, &diags) == 0) {
        if (fbs_inventory_add_buffer(&set, "fuzz.json", (const char *)data, size) == 0)
            fbs_cloud_set_finish(&set);
        fbs_cloud_set_release(&set);
    }
    fbs_diags_release(&diags);
    fbs_error_clear();
    return 0;
}
