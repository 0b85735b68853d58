/*
 * git_fetch.h - clones and fetches of remote repositories, bounded in time.
 *
 * libgit2 1.5 has no network timeout (GIT_OPT_SET_SERVER_TIMEOUT came in 1.7): a server that
 * accepts the connection and then says nothing, or stops in the middle of a pack, blocks a
 * clone in recv() forever, and a blocked recv() calls no callback that could abort it. So the
 * transfer runs in a child process, the program itself started again with the single argument
 * FBS_GIT_FETCH_CHILD (fbs_git_fetch_child_main()), which reports its progress through a pipe;
 * the parent kills it when it runs longer than `timeout` seconds in all, or `stall` seconds
 * without any progress (bytes or objects received, indexed, or a progress message of the
 * server), whatever the transport (http, https, ssh, git, file). What a killed transfer left
 * is removed: the repository it created, or in an existing one the lock and temporary pack
 * files a later fetch would trip over.
 *
 * Without a helper program (fbs_git_fetch_set_helper(), for example in unit tests or an
 * embedding program), the transfer runs in the calling thread, unbounded.
 */
#ifndef FBS_GIT_FETCH_H
#define FBS_GIT_FETCH_H

#include <stdbool.h>

#define FBS_GIT_FETCH_CHILD       "__git-fetch" /* argv[1] of the helper process */
#define FBS_CLONE_TIMEOUT_DEFAULT 600u          /* seconds for a whole transfer */
#define FBS_CLONE_STALL_DEFAULT   60u           /* seconds without progress */
#define FBS_CLONE_TIMEOUT_MAX     604800u       /* a week: the largest value the options take */

struct fbs_git_fetch {
    const char *url; /* what is fetched, verbatim (credentials in it are used, never shown) */
    const char *dir; /* the repository: created (clone), or opened or created (mirror) */
    /*
     * false: `git clone --bare --no-checkout` into `dir` (which must not exist or be empty):
     *        branches as refs/heads/..., every tag, the URL as the remote "origin".
     * true: a mirror kept up to date: open `dir` (or create it bare), fetch refs/heads/... and
     *       refs/tags/... with pruning from an anonymous remote (the URL is not written to disk),
     *       and point HEAD at the remote's default branch.
     */
    bool mirror;
    /*
     * Optional credentials: when the server asks, the token in the environment variable
     * `cred_token_env` is sent as the password of `cred_user`, once, and only to an https URL
     * (or http on loopback) whose host is `cred_api`'s host or, for api.HOST, HOST.
     */
    const char *cred_user, *cred_token_env, *cred_api;
    unsigned timeout; /* seconds; 0: FBS_CLONE_TIMEOUT_DEFAULT */
    unsigned stall;   /* seconds; 0: FBS_CLONE_STALL_DEFAULT */
};

/*
 * Run transfers in `exe` (not copied: it must outlive every transfer), a program whose main()
 * hands argv[1] == FBS_GIT_FETCH_CHILD to fbs_git_fetch_child_main(); NULL: in-process.
 * Process-wide; call it before any transfer starts.
 */
void fbs_git_fetch_set_helper(const char *exe);

/*
 * Do the transfer `f` describes. Returns 0, or FBS_EIO with a message (libgit2's, or that it
 * timed out and after how long, naming the option that sets the bound; never the URL: the
 * caller names the target) for a transfer that failed; FBS_EINVAL for a URL or directory that
 * cannot be handed over (control characters), FBS_ENOMEM. libgit2 must be initialised.
 * Thread-safe: several transfers may run at once.
 */
int fbs_git_fetch_run(const struct fbs_git_fetch *f);

/*
 * The helper process's main: reads the request from stdin, runs it, writes progress and the
 * outcome to stdout. Returns the process's exit status (0 done, 1 failed).
 */
int fbs_git_fetch_child_main(void);

#endif
