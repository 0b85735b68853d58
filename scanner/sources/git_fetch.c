/*
 * git_fetch.c - clones and fetches of remote repositories, bounded in time (git_fetch.h).
 *
 * The parent and the helper talk over two pipes. The request goes to the helper's stdin as
 * NUL-terminated fields (mode, url, dir, cred_user, cred_token_env, cred_api), so that no URL
 * with its credentials appears in a process listing. The helper writes "P\n" to stdout on
 * progress (at most every PROGRESS_MS), then "OK\n", or "E <message>\n".
 */
#include "git_fetch.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/banned.h"

extern char **environ;

#define PROGRESS_MS 200
#define REQUEST_MAX 65536

static const char *helper_exe;

void fbs_git_fetch_set_helper(const char *exe)
{
    helper_exe = exe;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *git_msg(void)
{
    const git_error *e = git_error_last();

    return e && e->message ? e->message : "unknown error";
}

/* The transfer itself (in the helper, or in-process) ----------------------------------------- */

struct xfer {
    const struct fbs_git_fetch *f;
    int progress_fd; /* -1: in-process, nobody listens */
    int64_t last_beat;
    size_t bytes;
    unsigned objects, indexed, deltas;
    unsigned cred_calls;
};

static void beat(struct xfer *x)
{
    int64_t t;

    if (x->progress_fd < 0)
        return;
    t = now_ms();
    if (t - x->last_beat < PROGRESS_MS)
        return;
    x->last_beat = t;
    if (write(x->progress_fd, "P\n", 2) < 0) {
        /* The parent is gone or stopped listening: it kills us, or already did. */
    }
}

static int on_transfer(const git_indexer_progress *s, void *payload)
{
    struct xfer *x = payload;

    if (s->received_bytes != x->bytes || s->received_objects != x->objects ||
        s->indexed_objects != x->indexed || s->indexed_deltas != x->deltas) {
        x->bytes = s->received_bytes;
        x->objects = s->received_objects;
        x->indexed = s->indexed_objects;
        x->deltas = s->indexed_deltas;
        beat(x);
    }
    return 0;
}

static int on_sideband(const char *str, int len, void *payload)
{
    (void)str;
    if (len > 0)
        beat(payload);
    return 0;
}

/* The host[:port] of a URL, lowercased, into out. */
static void url_hostport(char *out, size_t size, const char *url)
{
    const char *h = strstr(url, "://"), *at;
    size_t n, i;

    out[0] = '\0';
    if (!h)
        return;
    h += 3;
    n = strcspn(h, "/?#");
    at = memchr(h, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    if (n >= size)
        return;
    for (i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)h[i]);
    out[n] = '\0';
}

static bool cred_allowed(const struct fbs_git_fetch *f, const char *url)
{
    char host[256], api[256];

    url_hostport(host, sizeof(host), url);
    url_hostport(api, sizeof(api), f->cred_api);
    if (!host[0] || !api[0])
        return false;
    if (strncmp(url, "https://", 8) &&
        !(!strncmp(url, "http://", 7) &&
          (!strncmp(host, "127.", 4) || !strncmp(host, "localhost", 9) ||
           !strncmp(host, "[::1]", 5))))
        return false;
    return !strcmp(host, api) || (!strncmp(api, "api.", 4) && !strcmp(host, api + 4));
}

static int on_cred(git_credential **out, const char *url, const char *user_from_url,
                   unsigned int allowed, void *payload)
{
    struct xfer *x = payload;
    const struct fbs_git_fetch *f = x->f;
    const char *token;

    (void)user_from_url;
    beat(x);
    if (!f->cred_user || !f->cred_token_env || !f->cred_api ||
        !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) || !cred_allowed(f, url))
        return GIT_PASSTHROUGH;
    token = getenv(f->cred_token_env);
    if (!token || !*token) {
        git_error_set_str(GIT_ERROR_NET, "authentication required and the token variable is "
                                         "not set");
        return GIT_EUSER;
    }
    if (x->cred_calls++) {
        git_error_set_str(GIT_ERROR_NET, "the token was rejected by the git server");
        return GIT_EUSER;
    }
    return git_credential_userpass_plaintext_new(out, f->cred_user, token);
}

static void set_callbacks(git_remote_callbacks *cb, struct xfer *x)
{
    cb->transfer_progress = on_transfer;
    cb->sideband_progress = on_sideband;
    if (x->f->cred_user && x->f->cred_token_env && x->f->cred_api)
        cb->credentials = on_cred;
    cb->payload = x;
}

/*
 * The clone's remote: branches mirrored as in `git clone --bare` (tags come with
 * GIT_REMOTE_DOWNLOAD_TAGS_ALL). url.*.insteadOf is not applied: libgit2 1.5 leaks a PCRE2 match
 * block per lookup (fixed upstream in libgit2#6382), and a scanner fetching a URL it was given
 * verbatim is what users expect.
 */
static int clone_remote(git_remote **out, git_repository *repo, const char *name, const char *url,
                        void *payload)
{
    git_remote_create_options ro;
    int e;

    (void)payload;
    e = git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    if (e < 0)
        return e;
    ro.repository = repo;
    ro.name = name;
    ro.fetchspec = "+refs/heads/*:refs/heads/*";
    ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
    return git_remote_create_with_opts(out, url, &ro);
}

static int do_clone(struct xfer *x)
{
    git_clone_options co;
    git_repository *repo = NULL;
    int rc = 0;

    if (git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION) < 0)
        return fbs_error_set(FBS_EINTERNAL, "libgit2: %s", git_msg());
    co.bare = 1;
    co.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
    co.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
    co.remote_cb = clone_remote;
    set_callbacks(&co.fetch_opts.callbacks, x);
    if (git_clone(&repo, x->f->url, x->f->dir, &co) < 0)
        rc = fbs_error_set(FBS_EIO, "%s", git_msg());
    git_repository_free(repo);
    return rc;
}

static int do_mirror(struct xfer *x)
{
    static char heads[] = "+refs/heads/*:refs/heads/*", tags[] = "+refs/tags/*:refs/tags/*";
    char *specs[] = {heads, tags};
    git_strarray refspecs = {specs, 2};
    git_fetch_options fo;
    git_remote_create_options ro;
    git_repository *repo = NULL;
    git_remote *remote = NULL;
    git_buf def = GIT_BUF_INIT_CONST(NULL, 0);
    int rc = 0;

    if (git_repository_open_bare(&repo, x->f->dir) < 0 &&
        git_repository_init(&repo, x->f->dir, 1) < 0) {
        rc = fbs_error_set(FBS_EIO, "cannot create the clone '%s': %s", x->f->dir, git_msg());
        goto done;
    }
    git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
    fo.prune = GIT_FETCH_PRUNE;
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    set_callbacks(&fo.callbacks, x);
    /* Anonymous (the URL, which may hold credentials, is not written to the clone's config);
     * without url.insteadOf rewriting: the URL given is the URL fetched (and libgit2's
     * rewriting leaks PCRE2 match data). */
    if (git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION) < 0) {
        rc = fbs_error_set(FBS_EINTERNAL, "libgit2: cannot set up a remote");
        goto done;
    }
    ro.repository = repo;
    ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    if (git_remote_create_with_opts(&remote, x->f->url, &ro) < 0 ||
        git_remote_fetch(remote, &refspecs, &fo, NULL) < 0) {
        rc = fbs_error_set(FBS_EIO, "%s", git_msg());
        goto done;
    }
    /* HEAD follows the remote's default branch, so in_head means what it means upstream. */
    x->cred_calls = 0;
    if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &fo.callbacks, NULL, NULL) == 0 &&
        git_remote_default_branch(&def, remote) == 0 && def.ptr)
        git_repository_set_head(repo, def.ptr);
    git_remote_disconnect(remote);
done:
    git_buf_dispose(&def);
    git_remote_free(remote);
    git_repository_free(repo);
    return rc;
}

static int transfer(const struct fbs_git_fetch *f, int progress_fd)
{
    struct xfer x;

    memset(&x, 0, sizeof(x));
    x.f = f;
    x.progress_fd = progress_fd;
    return f->mirror ? do_mirror(&x) : do_clone(&x);
}

/* The helper process ------------------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fbs_git_fetch_child_main(void)
{
    static char req[REQUEST_MAX];
    const char *field[6];
    struct fbs_git_fetch f;
    struct fbs_buf msg = FBS_BUF_INIT;
    size_t n = 0, i, nf = 0;
    int rc;

    /* Die with the thread that started us (a parent killed without a chance to kill us). A
     * parent that dies before the whole request is sent leaves it short: nothing is done. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;) {
        ssize_t r = read(0, req + n, sizeof(req) - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == sizeof(req))
            break;
    }
    for (i = 0; i < n && nf < 6; i++) {
        field[nf++] = req + i;
        i += strnlen(req + i, n - i);
    }
    if (nf != 6 || req[n - 1] != '\0') {
        (void)write_all(1, "E malformed request\n", 20);
        return 1;
    }
    memset(&f, 0, sizeof(f));
    f.mirror = field[0][0] == 'm';
    f.url = field[1];
    f.dir = field[2];
    f.cred_user = *field[3] ? field[3] : NULL;
    f.cred_token_env = *field[4] ? field[4] : NULL;
    f.cred_api = *field[5] ? field[5] : NULL;
    if (git_libgit2_init() < 0) {
        (void)write_all(1, "E cannot initialise libgit2\n", 28);
        return 1;
    }
    rc = transfer(&f, 1);
    if (rc == 0) {
        rc = write_all(1, "OK\n", 3);
    } else {
        const char *m = fbs_error_message();

        rc = fbs_buf_puts(&msg, "E ");
        for (; rc == 0 && *m; m++)
            rc = fbs_buf_putc(&msg, (unsigned char)*m < 0x20 ? ' ' : *m);
        if (rc == 0)
            rc = fbs_buf_putc(&msg, '\n');
        if (rc == 0)
            (void)write_all(1, msg.ptr, msg.len);
        rc = -1;
    }
    fbs_buf_release(&msg);
    git_libgit2_shutdown();
    return rc == 0 ? 0 : 1;
}

/* The parent --------------------------------------------------------------------------------- */

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* A killed fetch into an existing repository: the lock files and temporary packs it left. */
static int rm_leftover(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *base = path + ftw->base;
    size_t len = strlen(base);

    (void)st;
    if (flag == FTW_F && ((len > 5 && !strcmp(base + len - 5, ".lock")) ||
                          (!strncmp(base, "tmp_", 4) && strstr(path, "/objects/"))))
        unlink(path);
    return 0;
}

/* Remove what a failed transfer into `dir` left behind. */
static void clean_up(const struct fbs_git_fetch *f, bool existed, bool killed)
{
    if (!f->mirror || !existed) {
        /* A clone: nothing of it is usable. The directory itself goes too if we made it. */
        nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        if (existed)
            mkdir(f->dir, 0700);
    } else if (killed) {
        nftw(f->dir, rm_leftover, 16, FTW_PHYS);
    }
}

static int put_field(struct fbs_buf *b, const char *s)
{
    return fbs_buf_put(b, s ? s : "", (s ? strlen(s) : 0) + 1);
}

/* Write the request without dying of SIGPIPE if the helper is already gone. */
static int send_request(int fd, const struct fbs_buf *req)
{
    sigset_t pipe_set, old;
    int rc;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    rc = write_all(fd, req->ptr, req->len);
    if (rc < 0 && errno == EPIPE) {
        struct timespec zero = {0, 0};

        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

int fbs_git_fetch_run(const struct fbs_git_fetch *f)
{
    unsigned timeout = f->timeout ? f->timeout : FBS_CLONE_TIMEOUT_DEFAULT;
    unsigned stall = f->stall ? f->stall : FBS_CLONE_STALL_DEFAULT;
    int req[2] = {-1, -1}, st[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, deflt;
    struct fbs_buf request = FBS_BUF_INIT, out = FBS_BUF_INIT;
    char *argv[3];
    struct stat sb;
    bool existed, fa_init = false, attr_init = false, killed = false, ok = false;
    pid_t pid = -1;
    int64_t start, last;
    int rc = 0, status = 0, e;
    const char *why = NULL;

    if (has_control(f->url) || has_control(f->dir))
        return fbs_error_set(FBS_EINVAL, "control characters in the URL or directory");
    if (!helper_exe)
        return transfer(f, -1);
    existed = stat(f->dir, &sb) == 0;
    if (put_field(&request, f->mirror ? "mirror" : "clone") < 0 ||
        put_field(&request, f->url) < 0 || put_field(&request, f->dir) < 0 ||
        put_field(&request, f->cred_user) < 0 || put_field(&request, f->cred_token_env) < 0 ||
        put_field(&request, f->cred_api) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (request.len > REQUEST_MAX) {
        rc = fbs_error_set(FBS_EINVAL, "the URL is too long");
        goto done;
    }
    /* O_CLOEXEC: a helper started by another thread at the same time must not inherit them. */
    if (pipe2(req, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
        rc = fbs_error_set(FBS_EIO, "cannot create a pipe: %s", strerror(errno));
        goto done;
    }
    e = posix_spawn_file_actions_init(&fa);
    fa_init = e == 0;
    if (e == 0)
        e = posix_spawn_file_actions_adddup2(&fa, req[0], 0);
    if (e == 0)
        e = posix_spawn_file_actions_adddup2(&fa, st[1], 1);
    /* The helper starts with no signal blocked and SIGPIPE at its default, whatever the
     * calling thread had. */
    if (e == 0) {
        e = posix_spawnattr_init(&attr);
        attr_init = e == 0;
    }
    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGPIPE);
    if (e == 0)
        e = posix_spawnattr_setsigmask(&attr, &none);
    if (e == 0)
        e = posix_spawnattr_setsigdefault(&attr, &deflt);
    if (e == 0)
        e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    argv[0] = (char *)helper_exe;
    argv[1] = (char *)FBS_GIT_FETCH_CHILD;
    argv[2] = NULL;
    if (e == 0)
        e = posix_spawn(&pid, helper_exe, &fa, &attr, argv, environ);
    if (e != 0) {
        pid = -1;
        rc = fbs_error_set(FBS_EIO, "cannot start the transfer process '%s': %s", helper_exe,
                           strerror(e));
        goto done;
    }
    close(req[0]);
    close(st[1]);
    req[0] = st[1] = -1;
    send_request(req[1], &request); /* a helper that died early says so by its exit */
    close(req[1]);
    req[1] = -1;
    start = last = now_ms();
    for (;;) {
        int64_t t = now_ms(), end_total = start + (int64_t)timeout * 1000,
                end_stall = last + (int64_t)stall * 1000;
        int64_t wait = (end_total < end_stall ? end_total : end_stall) - t;
        struct pollfd pfd = {st[0], POLLIN, 0};
        char chunk[512];
        ssize_t r;
        int pr;

        if (wait <= 0) {
            why = t >= end_total ? "total" : "stall";
            break;
        }
        pr = poll(&pfd, 1, wait > INT32_MAX ? INT32_MAX : (int)wait);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue; /* the clock decides above */
        r = read(st[0], chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* the helper closed its end: it is done */
        if (fbs_buf_put(&out, chunk, (size_t)r) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            why = "memory";
            break;
        }
        {
            /* Progress lines (written whole: 2 bytes, atomic on a pipe) are consumed here;
             * what stays is the outcome line. */
            size_t k = 0;

            while (k + 1 < out.len && out.ptr[k] == 'P' && out.ptr[k + 1] == '\n')
                k += 2;
            if (k) {
                memmove(out.ptr, out.ptr + k, out.len - k);
                fbs_buf_truncate(&out, out.len - k);
                last = now_ms();
            }
        }
        if (out.len > REQUEST_MAX) {
            why = "garbage";
            break;
        }
    }
    if (why) {
        kill(pid, SIGKILL);
        killed = true;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (why && !strcmp(why, "memory"))
        goto done;
    if (why && !strcmp(why, "garbage")) {
        rc = fbs_error_set(FBS_EIO, "the transfer process misbehaved");
        goto done;
    }
    if (why) {
        rc = !strcmp(why, "total")
                 ? fbs_error_set(FBS_EIO, "timed out after %u s (--clone-timeout)", timeout)
                 : fbs_error_set(FBS_EIO,
                                 "timed out: no transfer progress for %u s "
                                 "(--clone-stall-timeout)",
                                 stall);
        goto done;
    }
    {
        /* The outcome: the last line, "OK" or "E <message>". */
        const char *line = out.ptr ? out.ptr : "";

        if (!strncmp(line, "OK\n", 3) && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            ok = true;
        } else if (!strncmp(line, "E ", 2)) {
            rc = fbs_error_set(FBS_EIO, "%.*s", (int)strcspn(line + 2, "\n"), line + 2);
        } else if (WIFSIGNALED(status)) {
            killed = true;
            rc = fbs_error_set(FBS_EIO, "the transfer process died (signal %d)", WTERMSIG(status));
        } else {
            rc = fbs_error_set(FBS_EIO, "the transfer process failed (exit status %d)",
                               WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        }
    }
done:
    if (!ok && pid > 0)
        clean_up(f, existed, killed);
    if (fa_init)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_init)
        posix_spawnattr_destroy(&attr);
    for (e = 0; e < 2; e++) {
        if (req[e] >= 0)
            close(req[e]);
        if (st[e] >= 0)
            close(st[e]);
    }
    fbs_buf_release(&request);
    fbs_buf_release(&out);
    return rc;
}
