/*
 * redact.h - the one place that decides what of a secret leaves the process.
 *
 * Redacted form of a secret: its first and last few characters around an ellipsis, more hidden
 * the shorter the secret is ("AKIA…WXYZ" for 20 characters, "p…d" for 10, "…" under 8), with
 * multi-line key material shown as its first line and a byte count. A snippet is the line the
 * secret is on with the secret replaced by its redacted form, any other occurrence of the secret
 * and any other long, random-looking token on the line masked too, and no partial token at a
 * cut edge.
 */
#ifndef FBS_REDACT_H
#define FBS_REDACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../scanner/core/buf.h"

/* Append the redacted form of the secret to out (valid UTF-8). 0 or FBS_ENOMEM. */
int fbs_redact_secret(struct fbs_buf *out, const char *secret, size_t len);

/*
 * The redacted form of a finding's secret, except when the finding says it is a public name
 * (f->secret_public: an AWS Secrets Manager secret's name, which the report prints in full
 * elsewhere anyway): then the name as it is (valid UTF-8). 0 or FBS_ENOMEM.
 */
struct fbs_finding;
int fbs_redact_finding_secret(struct fbs_buf *out, const struct fbs_finding *f);

/*
 * Append the snippet for `line` (the secret at [sstart, sstart+slen)) to out: trimmed, valid
 * UTF-8, at most ~200 bytes. With `show` the secret is kept as is. 0 or FBS_ENOMEM.
 */
int fbs_redact_snippet(struct fbs_buf *out, const char *line, size_t sstart, size_t slen,
                       bool show);

/*
 * A JSON string from `n` bytes that may not be UTF-8 (scanned content: paths, keys, commit
 * messages): invalid sequences are repaired, so every JSON report stays valid. NULL on ENOMEM.
 */
json_t *fbs_json_text(const char *s, size_t n);

/*
 * A repository URL for a report: without user, password, query and fragment (target.h:
 * fbs_target_public_url), as a JSON string; a local path as it is; null for NULL. NULL on ENOMEM.
 * Targets are described without credentials already; reporters do not rely on it.
 */
json_t *fbs_json_remote(const char *url);

/*
 * A target's name as given, for a report: the user and password of a URL in it left out (a clone
 * URL may carry a token). A JSON string, null for NULL; NULL on ENOMEM.
 */
json_t *fbs_json_target_name(const char *name);

/* A score or confidence, rounded to 3 decimals so that reports are stable and readable. */
json_t *fbs_json_score(double x);

/*
 * Where a fallback indicator was found (fbs_indicator.where: "key", "file_name" ...), in words
 * ("the key", "the file name"), for the human-readable reports; NULL for an unknown place.
 */
const char *fbs_report_where_words(const char *where);

/*
 * A finding's --verify result (its facts.verification object, docs/verify.md) in words, for the
 * human-readable reports, appended to out as plain UTF-8 text (the caller escapes it):
 *   "live at 2025-06-01T00:00:00Z by github as user octocat, id 583231; scopes: repo, admin:org;
 *    privilege high; HTTP 200"   then " (detail)" when the verifier left one.
 * Only the object's own fields are read (identity values that are strings or integers). Returns
 * 0 when there is none (nothing written), 1 when written, FBS_ENOMEM.
 */
int fbs_report_verification(struct fbs_buf *out, const json_t *v);

#endif
