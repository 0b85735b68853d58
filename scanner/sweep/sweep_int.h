/*
 * sweep_int.h - internals shared by the sweep files (targets, records, the run).
 */
#ifndef FBS_SWEEP_INT_H
#define FBS_SWEEP_INT_H

#include <git2.h>
#include <jansson.h>

#include "sweep.h"

/* A target's identity as the datastore keys it (datastore.h, struct fbs_store_target). */
struct fbs_sweep_ident {
    char *kind;         /* git | path | inventory */
    char *identity;     /* "git:<public url>", "path:<real path>", "inventory:<real path>" */
    char *display;      /* public URL or real path */
    char *root_commits; /* git: sorted root commit ids joined by ',' */
    char *location;     /* what to open: the real path, or the URL */
    bool is_url;
};
void fbs_sweep_ident_release(struct fbs_sweep_ident *id);

/*
 * Identify a configured target (kind path | url | inventory): resolve the path, open the
 * repository (a URL is identified by its public URL). Root commits are not read here (a walk of
 * the history): fbs_sweep_ident_roots() when they are needed. FBS_ENOTFOUND with a message when
 * a path does not exist.
 */
int fbs_sweep_identify(struct fbs_sweep_ident *out, const char *kind, const char *location);

/* Fill id->root_commits from the repository at id->location (not for URLs). 0 or FBS_ENOMEM. */
int fbs_sweep_ident_roots(struct fbs_sweep_ident *id);

/* Root commits reachable from HEAD (or every ref), sorted, joined by ','; *out NULL if none. */
int fbs_sweep_root_commits(char **out, git_repository *repo);

/*
 * Bring a URL's repository into the clone cache (`cache_dir`/<hash>.git, bare, every ref, pruned
 * on each fetch; the credentials in the URL are used, never written to disk). *out: its path.
 */
int fbs_sweep_fetch(char **out, const char *cache_dir, const char *url);

/*
 * Credentials for a fetch from a discovered repository (discover.h): the token is read from
 * `token_env` when git asks for credentials and handed to libgit2 as user/password, once (a
 * rejected token fails the fetch); only for an https URL (or http on loopback) whose host is
 * the API's host or, for api.HOST, HOST. Nothing of it is written to disk or into a message.
 */
struct fbs_sweep_cred {
    const char *token_env; /* GITHUB_TOKEN, GITLAB_TOKEN, ... */
    const char *user;      /* x-access-token (GitHub), oauth2 (GitLab) */
    const char *api;       /* the API base the repository was listed from */
};
/* fbs_sweep_fetch() with credentials (cred may be NULL) and time bounds in seconds (0: the
 * defaults; git_fetch.h): a fetch that times out fails, what it left is removed. */
int fbs_sweep_fetch_auth(char **out, const char *cache_dir, const char *url,
                         const struct fbs_sweep_cred *cred, unsigned timeout, unsigned stall);

/* Every ref's commit (tags peeled) and HEAD as a JSON object {name: oid}. */
int fbs_sweep_tips(json_t **out, git_repository *repo);

/*
 * Whether every commit of `old` tips is still in the repository and reachable from `now` tips
 * (the history only grew). 1 yes, 0 no.
 */
int fbs_sweep_history_grew(git_repository *repo, const json_t *old, const json_t *now);

/* Whether path `path` holds at HEAD the same blob as at `commit`: 1, 0, -1 unknown. */
int fbs_sweep_same_at_head(git_repository *repo, const char *commit, const char *path);

#endif
