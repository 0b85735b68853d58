/*
 * target.h - what was scanned: one target's identity, the noun that tells findings from
 * different repositories, accounts and inventories apart.
 *
 * A target is what one argument of a command names: a git repository (a work tree, a bare
 * repository or a URL), a directory or file scanned as plain files, a cloud account read through
 * its API, or an inventory file. The command describes each target before the scan (the CLI and
 * sources fill the fields), fbs_target_finish() derives its id and fingerprint scope, and the
 * pipeline gives every finding of the target its id (finding.h: target_id) and folds its scope
 * into the finding's fingerprint, so that the same secret at the same path in two repositories
 * has two ids.
 *
 * Identity (fbs_target_id), the same string for the same target on every run:
 *   git        "git:" + the normalised origin URL ("git:github.com/org/repo", see
 *              fbs_target_url_normalise); a repository without a URL remote: "path:" + its root
 *   files      "path:" + the absolute directory scanned (a file target: its directory)
 *   cloud      the account as the collector names it, provider first: "aws:123456789012",
 *              "gcp:my-project", "azure:<tenant or Graph endpoint>", "kubernetes:<cluster>",
 *              "vault:<normalised address>"
 *   inventory  "inventory:" + the file's absolute path
 *
 * Fingerprint scope (fbs_target_scope): the identity when it holds on any machine (a remote URL,
 * a cloud account), else the target as it was given, lexically normalised ("./repo/" ->
 * "repo"): an absolute path of a checkout or CI workspace must not change every finding id when
 * the checkout moves, nor make ids differ from one machine to another.
 *
 * Ownership: a struct fbs_target owns every string it points to; fbs_target_release() frees them.
 * No field ever holds a credential: remote URLs are stored without user, password, query and
 * fragment (fbs_target_public_url).
 */
#ifndef FBS_TARGET_H
#define FBS_TARGET_H

#include <stddef.h>

#include "../core/buf.h"

enum fbs_target_kind {
    FBS_TARGET_FILES = 0, /* a directory or file scanned as plain files */
    FBS_TARGET_GIT,       /* a git repository (work tree, bare, or URL) */
    FBS_TARGET_CLOUD,     /* a cloud account read through its API */
    FBS_TARGET_INVENTORY, /* an offline inventory export */
};

struct fbs_target {
    enum fbs_target_kind kind;
    char *name;      /* the target as given: the argument, "aws:<account>" ...; never NULL */
    char *root;      /* absolute directory findings' rel_paths hang from (a repository's work tree,
                      * the directory scanned, a file's directory), or NULL */
    char *remote;    /* git: the origin remote (or the URL cloned) without credentials, or NULL */
    char *revision;  /* git: the commit HEAD pointed at when scanned, 40 hex, or NULL */
    char *branch;    /* git: HEAD's branch ("main"), or NULL (detached, unknown) */
    char *account;   /* cloud: "aws:123456789012", "gcp:project" ..., or NULL */
    char *inventory; /* inventory: the file's absolute path, or NULL */
    char *id;        /* fbs_target_id(), set by fbs_target_finish() */
    char *scope;     /* fbs_target_scope(), set by fbs_target_finish() */
};

/* "files", "git", "cloud", "inventory" as written in reports. */
const char *fbs_target_kind_name(enum fbs_target_kind kind);

/* Zero the struct (kind files, every field NULL). */
void fbs_target_init(struct fbs_target *t);
/* Free every field and zero the struct. NULL is a no-op. */
void fbs_target_release(struct fbs_target *t);
/* Release `n` targets and free the array. NULL is a no-op. */
void fbs_targets_free(struct fbs_target *targets, size_t n);

/*
 * The normalised form of a repository URL, for identity: scheme, user and password, query,
 * fragment, a default port (22 ssh, 80 http, 443 https, 9418 git), a ".git" suffix and trailing
 * slashes dropped, the host lower-cased, repeated slashes collapsed, so that
 *   https://user:token@GitHub.com/org/repo.git/   git@github.com:org/repo
 *   ssh://git@github.com:22/org/repo              git://github.com/org/repo
 * all give "github.com/org/repo". A non-default port stays ("host:2222/org/repo"); the path keeps
 * its case. A local repository (file:///srv/git/a.git, /srv/git/a.git) gives its absolute path
 * ("/srv/git/a"). Appends to `out`. 0; FBS_EPARSE for anything else (a relative path, an empty
 * host or path); FBS_ENOMEM.
 */
int fbs_target_url_normalise(struct fbs_buf *out, const char *url);

/*
 * A URL fit for a report: "scheme://host[:port]/path" without the user, password, query and
 * fragment (a token in a clone URL must not reach a report); an scp-like "user@host:path" becomes
 * "ssh://host/path". *out is NULL when `url` is not a URL (a local path). 0 or FBS_ENOMEM.
 */
int fbs_target_public_url(char **out, const char *url);

/*
 * Copy `text` (a target as given, a diagnostic's subject or message) to `out` with the user and
 * password of every "scheme://user:password@host" URL in it left out, so that a token in a clone
 * URL never reaches a report. Everything else is kept as it is. 0 or FBS_ENOMEM. Returns a new
 * string in *dup with fbs_target_strip_credentials_dup() (NULL in, NULL out).
 */
int fbs_target_strip_credentials(struct fbs_buf *out, const char *text);
int fbs_target_strip_credentials_dup(char **dup, const char *text);

/* Whether `s` is a URL or an scp-like address (user@host:path) rather than a local path. */
int fbs_target_is_url(const char *s);

/*
 * The stable identity of a described target (see the top of this file); *out is the caller's,
 * freed with fbs_free(). 0, FBS_ENOMEM, or FBS_EINVAL when the target names nothing (no name).
 */
int fbs_target_id(char **out, const struct fbs_target *t);

/* The fingerprint scope of a described target (see the top of this file). As fbs_target_id(). */
int fbs_target_scope(char **out, const struct fbs_target *t);

/* Set t->id and t->scope from the other fields (replacing any). 0, FBS_ENOMEM or FBS_EINVAL. */
int fbs_target_finish(struct fbs_target *t);

/*
 * The target among `targets` that `name` (a blob's or finding's target as given) names, or NULL.
 * With n == 1 and name NULL, the only target (a cloud command's records name none).
 */
const struct fbs_target *fbs_target_lookup(const struct fbs_target *targets, size_t n,
                                           const char *name);

#endif
