/*
 * fuzz_detectors.c - the credential parsers (detectors/parse_*.c: PEM, DER keys, X.509,
 * PKCS#12, OpenSSH, PuTTY, JWT, kubeconfig, GCP, Vault, MFA, AWS, Terraform state): the first
 * byte picks a parse-stage detector and one of its kinds, the rest is both the secret and the
 * blob around it, as a rule match hands them over.
 */
#include "fuzz.h"
#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <string.h>

#include "scanner/core/banned.h"

static const struct fbs_detector *parsers[64];
static size_t nparsers;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct fbs_detector *d;
    struct fbs_detect_ctx ctx;
    struct fbs_finding *f;
    struct fbs_blob blob;
    size_t nk = 0;

    if (!nparsers)
        for (size_t i = 0; fbs_detectors[i] && nparsers < 64; i++)
            if (fbs_detectors[i]->stage == FBS_STAGE_PARSE && fbs_detectors[i]->kinds)
                parsers[nparsers++] = fbs_detectors[i];
    if (size < 1 || !nparsers)
        return 0;
    d = parsers[data[0] % nparsers];
    while (d->kinds[nk])
        nk++;
    f = fbs_finding_new();
    if (!f)
        return 0;
    if (fbs_finding_set_str(&f->kind, d->kinds[(data[0] / nparsers) % nk]) < 0 ||
        fbs_finding_set_secret(f, (const char *)data + 1, size - 1) < 0 ||
        fbs_finding_set_str(&f->path, "fuzz/input") < 0 ||
        fbs_finding_set_str(&f->rel_path, "input") < 0)
        goto done;
    f->match_start = f->secret_start = 0;
    f->match_end = f->secret_end = size - 1;
    memset(&blob, 0, sizeof(blob));
    blob.data = data + 1;
    blob.len = size - 1;
    blob.path = f->path;
    blob.rel_path = f->rel_path;
    blob.target = "fuzz";
    blob.binary = memchr(data + 1, '\0', size - 1) != NULL;
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = &blob;
    d->run(f, &ctx);
    fbs_error_clear();
done:
    fbs_finding_free(f);
    return 0;
}
