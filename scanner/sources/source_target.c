/*
 * source_target.c - describe a target for reports and finding identity (source.h:
 * fbs_target_describe): its root, repository, origin remote, HEAD commit and branch.
 */
#include "source.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <git2.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/banned.h"

/* The repository's origin remote, HEAD commit and branch; what libgit2 cannot tell stays NULL. */
static int describe_repository(struct fbs_target *out, git_repository *repo)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_config *cfg = NULL;
    git_buf urlbuf = GIT_BUF_INIT_CONST(NULL, 0);
    git_reference *head = NULL;
    git_oid oid;
    int rc = 0;

    out->kind = FBS_TARGET_GIT;
    /* The configured URL, read directly: git_remote_lookup() leaks libgit2-internal PCRE2
     * match data (it applies url.insteadOf rules), which LeakSanitizer rightly reports. */
    if (git_repository_config_snapshot(&cfg, repo) == 0 &&
        git_config_get_string_buf(&urlbuf, cfg, "remote.origin.url") == 0 && urlbuf.ptr)
        rc = fbs_target_public_url(&out->remote, urlbuf.ptr); /* NULL for a local path */
    if (rc == 0 && git_reference_name_to_id(&oid, repo, "HEAD") == 0 &&
        !(out->revision = fbs_strdup(git_oid_tostr(hex, sizeof(hex), &oid))))
        rc = FBS_ENOMEM;
    if (rc == 0 && git_repository_head(&head, repo) == 0 && git_reference_is_branch(head) &&
        !(out->branch = fbs_strdup(git_reference_shorthand(head))))
        rc = FBS_ENOMEM;
    git_reference_free(head);
    git_buf_dispose(&urlbuf);
    git_config_free(cfg);
    return rc;
}

/* Whether the directory `abs` holds `name`. */
static bool has_entry(const char *abs, const char *name)
{
    char p[PATH_MAX + 16];
    struct stat st;
    int n = snprintf(p, sizeof(p), "%s/%s", abs, name);

    return n > 0 && (size_t)n < sizeof(p) && stat(p, &st) == 0;
}

/* A work tree's top (".git", a file in linked work trees) or a bare repository. */
static bool may_be_repository(const char *abs)
{
    return has_entry(abs, ".git") || (has_entry(abs, "HEAD") && has_entry(abs, "objects"));
}

static int describe(struct fbs_target *out, const char *target, bool search)
{
    git_repository *repo = NULL;
    char abs[PATH_MAX], wt[PATH_MAX];
    const char *workdir;
    struct stat st;
    bool is_dir, git_on = false;
    int rc = 0;

    if (fbs_target_is_url(target)) {
        out->kind = FBS_TARGET_GIT;
        return fbs_target_public_url(&out->remote, target);
    }
    if (!realpath(target, abs))
        return 0;
    is_dir = stat(abs, &st) == 0 && S_ISDIR(st.st_mode);
    /* libgit2 only where a repository may be: its initialisation costs milliseconds. */
    if (search || (is_dir && may_be_repository(abs))) {
        git_on = fbs_git_init() >= 0;
        if (git_on && git_repository_open_ext(&repo, abs,
                                              search ? 0 : GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
            repo = NULL;
    }
    workdir = repo ? git_repository_workdir(repo) : NULL;
    if (workdir && realpath(workdir, wt) && (search || !strcmp(wt, abs))) {
        out->root = fbs_strdup(wt);
        rc = out->root ? describe_repository(out, repo) : FBS_ENOMEM;
    } else if (repo && (search || git_repository_is_bare(repo))) {
        /* A bare repository: no work tree; its directory stands for it. */
        if (realpath(git_repository_path(repo), wt) && !(out->root = fbs_strdup(wt)))
            rc = FBS_ENOMEM;
        if (rc == 0)
            rc = describe_repository(out, repo);
    } else {
        char *slash = strrchr(abs, '/');

        if (!is_dir && slash)
            slash[slash == abs ? 1 : 0] = '\0'; /* a file: its directory */
        out->root = fbs_strdup(abs);
        rc = out->root ? 0 : FBS_ENOMEM;
    }
    git_repository_free(repo);
    if (git_on)
        git_libgit2_shutdown();
    return rc;
}

int fbs_git_init(void)
{
    static const char *const extensions[] = {"partialclone"};
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int n;

    /*
     * GIT_OPT_SET_EXTENSIONS frees and rebuilds libgit2's global list, so it must run once,
     * when libgit2 comes up (its shutdown resets the list), and never while another thread
     * reads or sets it: a sweep's workers each start a scan while the first holds libgit2 up,
     * and setting the list again from each of them was a double free.
     */
    pthread_mutex_lock(&lock);
    n = git_libgit2_init();
    if (n == 1)
        git_libgit2_opts(GIT_OPT_SET_EXTENSIONS, extensions, (size_t)1);
    pthread_mutex_unlock(&lock);
    return n;
}

int fbs_target_describe(struct fbs_target *out, const char *target, bool search)
{
    int rc;

    fbs_target_init(out);
    out->name = fbs_strdup(target);
    if (!out->name)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    rc = describe(out, target, search);
    if (rc < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return fbs_target_finish(out);
}
