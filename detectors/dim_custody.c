/*
 * dim_custody.c - the custody dimension: where the credential is kept, as a class
 * (DESIGN.md's custody classes) and a score of how exposed that place is.
 *
 * A cloud record is kept by its provider. An encrypted value (an encrypted private key, a
 * parser's facts.encrypted) is good custody whatever the path. A git finding staged for commit
 * (--staged) is about to enter the history. Git findings no longer in HEAD live in history only.
 * Otherwise the first matching path pattern of rules/vocab/custody_paths.yml decides; a git finding
 * in HEAD whose path matches none is `git_head`, a plain file the default class.
 */
#include "detector.h"
#include "../scanner/core/text.h"

#include <string.h>

#include "../scanner/core/banned.h"

static bool encrypted_value(const struct fbs_finding *f)
{
    if (json_is_true(json_object_get(f->facts, "encrypted")))
        return true;
    if (f->kind && strstr(f->kind, "encrypted"))
        return true;
    return f->secret && f->secret_len > 64 &&
           (fbs_memcasemem(f->secret, f->secret_len > 512 ? 512 : f->secret_len, "ENCRYPTED", 9) ||
            fbs_memcasemem(f->secret, f->secret_len > 512 ? 512 : f->secret_len,
                           "Proc-Type: 4,ENCRYPTED", 22));
}

static int custody_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const struct fbs_vocab *v = ctx->vocab;
    const char *rel = f->rel_path ? f->rel_path : f->path;
    const char *cls = v->default_custody ? v->default_custody : "app_config";
    double score = v->default_custody_score;
    size_t i;
    int rc;

    if (f->source >= FBS_SOURCE_AWS) {
        cls = "cloud_provider";
        score = fbs_vocab_custody_score(v, cls);
    } else if (encrypted_value(f)) {
        cls = "encrypted";
        score = fbs_vocab_custody_score(v, cls);
    } else if (f->source == FBS_SOURCE_GIT && f->staged) {
        cls = "staged";
        score = fbs_vocab_custody_score(v, cls);
    } else if (f->source == FBS_SOURCE_GIT && f->in_head == 0) {
        cls = "git_history_only";
        score = fbs_vocab_custody_score(v, cls);
    } else {
        if (f->source == FBS_SOURCE_GIT && f->in_head == 1) {
            cls = "git_head";
            score = fbs_vocab_custody_score(v, cls);
        }
        for (i = 0; rel && i < v->ncustody; i++) {
            if (fbs_glob_match(v->custody[i].glob, rel, false)) {
                cls = v->custody[i].cls;
                score = v->custody[i].score;
                break;
            }
        }
    }
    rc = fbs_finding_set_str(&f->custody, cls);
    if (rc < 0)
        return rc;
    fbs_finding_set_score(f, FBS_DIM_CUSTODY, score);
    return 0;
}

const struct fbs_detector fbs_detector_custody = {
    .name = "custody",
    .stage = FBS_STAGE_DIMENSION,
    .kinds = NULL,
    .run = custody_run,
};
