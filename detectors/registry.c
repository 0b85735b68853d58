/* registry.c - the only list of detectors; order is run order. */
#include "detector.h"
#include "../scanner/core/error.h"

#include <string.h>

#include "../scanner/core/banned.h"

/* clang-format off */
const struct fbs_detector *const fbs_detectors[] = {
    /* context: while the blob is in memory */
    &fbs_detector_context,
    &fbs_detector_allow,
    /* parsers: bytes -> facts */
    &fbs_detector_pem,
    &fbs_detector_openssh,
    &fbs_detector_pkcs12,
    &fbs_detector_der_key,
    &fbs_detector_kubeconfig,
    &fbs_detector_gcp,
    &fbs_detector_tfstate,
    &fbs_detector_jwt,
    &fbs_detector_aws,
    &fbs_detector_vault,
    &fbs_detector_vault_address,
    &fbs_detector_twilio_context,
    &fbs_detector_azure_context,
    &fbs_detector_mfa,
    &fbs_detector_temporary, /* after jwt and vault: reads their facts */
    /* dimensions: facts -> scores (after the linkers) */
    &fbs_detector_fallback,
    &fbs_detector_privilege,
    &fbs_detector_custody,
    &fbs_detector_age,
    &fbs_detector_expiry,
    &fbs_detector_usage,
    /* the verdict */
    &fbs_detector_scorer,
    NULL,
};
/* clang-format on */

const struct fbs_linker *const fbs_linkers[] = {
    &fbs_linker_versions,
    &fbs_linker_keypair,
    NULL,
};

static int applies(const struct fbs_detector *d, const struct fbs_finding *f)
{
    size_t i;

    if (!d->kinds)
        return 1;
    for (i = 0; d->kinds[i]; i++)
        if (f->kind && !strcmp(d->kinds[i], f->kind))
            return 1;
    return 0;
}

int fbs_detectors_run_stages(struct fbs_finding *f, const struct fbs_detect_ctx *ctx,
                             enum fbs_stage first, enum fbs_stage last)
{
    size_t i;

    for (i = 0; fbs_detectors[i]; i++) {
        const struct fbs_detector *d = fbs_detectors[i];
        int rc;

        if (d->stage < first || d->stage > last || !applies(d, f))
            continue;
        rc = d->run(f, ctx);
        if (rc == FBS_ENOMEM)
            return rc;
        if (rc < 0 && ctx->diags)
            fbs_diags_add(ctx->diags, false, "detector_failed", f->path, "%s: %s", d->name,
                          fbs_error_message());
    }
    return 0;
}

int fbs_detectors_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    return fbs_detectors_run_stages(f, ctx, FBS_STAGE_CONTEXT, FBS_STAGE_SCORE);
}

int fbs_detectors_link(struct fbs_finding *const *findings, size_t n,
                       const struct fbs_detect_ctx *ctx)
{
    size_t i;

    for (i = 0; fbs_linkers[i]; i++) {
        int rc = fbs_linkers[i]->run(findings, n, ctx);

        if (rc == FBS_ENOMEM)
            return rc;
        if (rc < 0 && ctx->diags)
            fbs_diags_add(ctx->diags, false, "detector_failed", NULL, "%s: %s",
                          fbs_linkers[i]->name, fbs_error_message());
    }
    return 0;
}
