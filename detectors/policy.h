/*
 * policy.h - the standing-access policy: the time window an exception credential may live, the
 * rotation age, the fallback threshold, dimension weights and severity cut-offs.
 *
 * Built-in defaults come from rules/policy/default.yml (compiled into the binary); --policy FILE
 * overrides any subset of keys. Unknown keys and bad values are errors naming the file and line.
 */
#ifndef FBS_POLICY_H
#define FBS_POLICY_H

#include <jansson.h>
#include <stdint.h>

#include "../scanner/model/finding.h"

enum fbs_severity { FBS_SEV_INFO, FBS_SEV_LOW, FBS_SEV_MEDIUM, FBS_SEV_HIGH, FBS_SEV_CRITICAL };

/* "info" ... "critical"; parse returns -1 for anything else. */
const char *fbs_severity_name(enum fbs_severity s);
int fbs_severity_parse(const char *s);

/* The longest a credential of one lifetime class can live (policy key max_lifetime). */
#define FBS_POLICY_MAX_LIFETIMES 32
struct fbs_lifetime {
    char cls[64]; /* a facts.lifetime_class value or a credential kind */
    int64_t max;  /* seconds; 0: no bound (an override can remove a default this way) */
};

struct fbs_policy {
    int64_t fallback_window;  /* seconds an exception credential may live (7d) */
    int64_t rotation_max_age; /* seconds before any credential is due for rotation (90d) */
    int64_t expires_soon;     /* seconds: "expires soon" below this (30d) */
    int64_t unused_max_age;   /* seconds without use before a credential counts as unused (45d) */
    double fallback_threshold;
    double weights[FBS_DIM__COUNT];
    /* Minimum risk for each severity above info, indexed by enum fbs_severity (INFO unused). */
    int severity_min[FBS_SEV_CRITICAL + 1];
    int standing_min_risk;      /* risk floor for a standing-access finding */
    int standing_high_min_risk; /* ... when its privilege is high */
    int expired_max_risk;       /* risk cap for an expired credential */
    struct fbs_lifetime lifetimes[FBS_POLICY_MAX_LIFETIMES];
    size_t nlifetimes;
};

/* Load the built-in default policy. 0, FBS_EPARSE, FBS_ENOMEM. */
int fbs_policy_load_builtin(struct fbs_policy *p);

/*
 * Apply overrides from YAML text named `name` (a --policy file). Every key is optional; unknown
 * keys and bad values are FBS_EPARSE with "name:line: problem".
 */
int fbs_policy_apply_text(struct fbs_policy *p, const char *name, const char *text, size_t len);
int fbs_policy_apply_file(struct fbs_policy *p, const char *path);

/* The policy as written in reports (scan.policy): durations as "7d", numbers as numbers. */
json_t *fbs_policy_to_json(const struct fbs_policy *p);

/*
 * The maximum lifetime of a finding's lifetime class (facts.lifetime_class, else its kind), in
 * seconds; 0 when the policy knows none. *cls (may be NULL) receives the class looked up.
 */
int64_t fbs_policy_max_lifetime(const struct fbs_policy *p, const struct fbs_finding *f,
                                const char **cls);

/* Severity for a risk score under the policy's cut-offs. */
enum fbs_severity fbs_policy_severity(const struct fbs_policy *p, int risk);

#endif
