/*
 * detector.h - the plug-in interface of the analysis stage.
 *
 * A detector looks at one finding (and, for text findings, the blob it came from) and adds facts
 * and, where it owns one, a dimension score, through the fbs_finding_* setters. Detectors run in
 * the order of the registry (detectors/registry.c): context extraction first, then credential
 * parsers, then dimensions, then the scorer. A detector failing on one finding is a diagnostic on
 * that finding; the others still run.
 *
 * Detectors include model headers only: never the matcher or a source.
 */
#ifndef FBS_DETECTOR_H
#define FBS_DETECTOR_H

#include "../scanner/core/time.h"
#include "../scanner/model/blob.h"
#include "../scanner/model/diag.h"
#include "../scanner/model/finding.h"
#include "vocab.h"

enum fbs_stage {
    FBS_STAGE_CONTEXT,   /* key names, key paths, comments around the match */
    FBS_STAGE_PARSE,     /* bytes -> facts (certificates, JWTs, ...) */
    FBS_STAGE_DIMENSION, /* facts -> dimension scores */
    FBS_STAGE_SCORE,     /* dimension scores -> risk and verdict */
};

struct fbs_detect_ctx {
    const struct fbs_blob *blob; /* NULL for records without text (cloud inventories) */
    const struct fbs_vocab *vocab;
    fbs_time_t now;
    double fallback_threshold;
    struct fbs_diags *diags;
};

struct fbs_detector {
    const char *name;
    enum fbs_stage stage;
    const char *const *kinds; /* credential kinds it looks at; NULL = every finding */
    /* 0, or a negative FBS_E* (recorded as a diagnostic; FBS_ENOMEM is fatal). */
    int (*run)(struct fbs_finding *f, const struct fbs_detect_ctx *ctx);
};

/* The registry, in run order, NULL-terminated. */
extern const struct fbs_detector *const fbs_detectors[];

extern const struct fbs_detector fbs_detector_context;
extern const struct fbs_detector fbs_detector_fallback;
extern const struct fbs_detector fbs_detector_custody;

/*
 * Run every applicable detector on `f`. Returns 0, or FBS_ENOMEM (fatal). Other failures are
 * recorded in ctx->diags with the finding's path and the detector's name.
 */
int fbs_detectors_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx);

#endif
