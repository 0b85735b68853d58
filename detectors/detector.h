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
#include "policy.h"
#include "vocab.h"

enum fbs_stage {
    FBS_STAGE_CONTEXT,   /* key names, key paths, comments around the match */
    FBS_STAGE_PARSE,     /* bytes -> facts (certificates, JWTs, ...) */
    FBS_STAGE_DIMENSION, /* facts -> dimension scores */
    FBS_STAGE_SCORE,     /* dimension scores -> risk and verdict */
};

/*
 * How a scan runs the stages: CONTEXT and PARSE run on each finding while its blob is in memory
 * (worker threads); then the linkers see all findings at once (a certificate and its private key
 * in the same file or directory are paired); then DIMENSION and SCORE run on each finding.
 * Detectors in the later stages must not need blob bytes (ctx->blob is NULL there); what they
 * need is on the finding (rel_path, key, comment, facts ...).
 */

struct fbs_detect_ctx {
    const struct fbs_blob *blob; /* NULL for records without text (cloud inventories) */
    const struct fbs_vocab *vocab;
    fbs_time_t now;
    double fallback_threshold;       /* = policy->fallback_threshold when a policy is set */
    const struct fbs_policy *policy; /* never NULL in a scan; tests may set their own */
    struct fbs_diags *diags;
};

struct fbs_detector {
    const char *name;
    enum fbs_stage stage;
    const char *const *kinds; /* credential kinds it looks at; NULL = every finding */
    /* 0, or a negative FBS_E* (recorded as a diagnostic; FBS_ENOMEM is fatal). */
    int (*run)(struct fbs_finding *f, const struct fbs_detect_ctx *ctx);
};

/* A pass over all findings of a scan (after PARSE, before DIMENSION). */
struct fbs_linker {
    const char *name;
    /* 0, or a negative FBS_E* (a diagnostic; FBS_ENOMEM is fatal). */
    int (*run)(struct fbs_finding *const *findings, size_t n, const struct fbs_detect_ctx *ctx);
};

/* The registries, in run order, NULL-terminated. */
extern const struct fbs_detector *const fbs_detectors[];
extern const struct fbs_linker *const fbs_linkers[];

extern const struct fbs_linker fbs_linker_versions;

extern const struct fbs_detector fbs_detector_context;
extern const struct fbs_detector fbs_detector_jwt;
extern const struct fbs_detector fbs_detector_aws;
extern const struct fbs_detector fbs_detector_vault;
extern const struct fbs_detector fbs_detector_vault_address;  /* verify_providers.c */
extern const struct fbs_detector fbs_detector_twilio_context; /* verify_providers.c */
extern const struct fbs_detector fbs_detector_azure_context;  /* verify_providers.c */
extern const struct fbs_detector fbs_detector_mfa;
extern const struct fbs_detector fbs_detector_temporary;
extern const struct fbs_detector fbs_detector_pem;
extern const struct fbs_detector fbs_detector_openssh;
extern const struct fbs_detector fbs_detector_pkcs12;
extern const struct fbs_detector fbs_detector_der_key;
extern const struct fbs_detector fbs_detector_kubeconfig;
extern const struct fbs_detector fbs_detector_gcp;
extern const struct fbs_detector fbs_detector_fallback;
extern const struct fbs_detector fbs_detector_privilege;
extern const struct fbs_detector fbs_detector_custody;
extern const struct fbs_detector fbs_detector_allow;
extern const struct fbs_detector fbs_detector_tfstate;
extern const struct fbs_detector fbs_detector_age;
extern const struct fbs_detector fbs_detector_expiry;
extern const struct fbs_detector fbs_detector_usage;
extern const struct fbs_detector fbs_detector_scorer;

/*
 * Privilege evidence (detectors/dim_privilege.c), for parsers and dimensions alike.
 * fbs_privilege_add_evidence() appends a short phrase (printf-style; invalid UTF-8 repaired) to
 * the facts array `privilege_evidence` unless the same phrase is there. fbs_privilege_raise()
 * raises f->privilege to `p` (never lowers it: unknown < normal < high) and adds the evidence
 * (fmt may be NULL). Both return 0 or FBS_ENOMEM.
 */
int fbs_privilege_add_evidence(struct fbs_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int fbs_privilege_raise(struct fbs_finding *f, enum fbs_privilege p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
extern const struct fbs_linker fbs_linker_keypair;

/*
 * Automatic rotation (detectors/dim_expiry.c): from the facts rotation_enabled, rotation_days,
 * next_rotation (else last_rotated + rotation_days, else created + rotation_days). NONE when
 * rotation is off or its period unknown; CURRENT when the next rotation is after `now` (the
 * rotation bounds the value's validity); MISSED when it is due and has not happened. *next and
 * *days (the period) are set for CURRENT and MISSED.
 */
enum fbs_rotation { FBS_ROTATION_NONE, FBS_ROTATION_CURRENT, FBS_ROTATION_MISSED };
enum fbs_rotation fbs_rotation_bound(const struct fbs_finding *f, fbs_time_t now, fbs_time_t *next,
                                     int64_t *days);

/*
 * Run every applicable detector of stages first..last (inclusive) on `f`. Returns 0, or
 * FBS_ENOMEM (fatal). Other failures are recorded in ctx->diags with the finding's path and the
 * detector's name.
 */
int fbs_detectors_run_stages(struct fbs_finding *f, const struct fbs_detect_ctx *ctx,
                             enum fbs_stage first, enum fbs_stage last);
/* All stages (a single finding, no linking): tests and records. */
int fbs_detectors_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx);
/* Run the linkers over all findings. 0 or FBS_ENOMEM; other failures are diagnostics. */
int fbs_detectors_link(struct fbs_finding *const *findings, size_t n,
                       const struct fbs_detect_ctx *ctx);

#endif
