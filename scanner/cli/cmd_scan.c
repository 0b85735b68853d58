/*
 * cmd_scan.c - 'fallback-scan scan' and 'fallback-scan files': options, the pipeline, the report,
 * the progress line and the exit code.
 */
#include "cli.h"
#include "../../detectors/vocab.h"
#include "../../reporters/reporter.h"
#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../core/time.h"
#include "../pipeline.h"
#include "output.h"

#include <errno.h>
#include <getopt.h>
#include <git2.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/banned.h"

#define DEFAULT_MAX_FILE_SIZE (25ull * 1024 * 1024)

struct scan_args {
    struct fbs_cli_output out;
    char **rule_dirs;
    size_t nrule_dirs;
    bool no_builtin;
    char **excludes;
    size_t nexcludes;
    uint64_t max_file_size;
    unsigned threads;
    bool follow_symlinks;
    /* git */
    const char *since_commit;
    const char *range;
    char **branches;
    size_t nbranches;
    bool staged;
    uint64_t max_blob_size;
    const char *keep_clone;
};

enum {
    OPT_RULES = 256,
    OPT_NO_BUILTIN,
    OPT_EXCLUDE,
    OPT_MAX_FILE_SIZE,
    OPT_FOLLOW,
    OPT_SINCE_COMMIT,
    OPT_RANGE,
    OPT_BRANCH,
    OPT_STAGED,
    OPT_MAX_BLOB_SIZE,
    OPT_KEEP_CLONE,
};

static const struct option long_opts[] = {
    {"rules", required_argument, NULL, OPT_RULES},
    {"no-builtin-rules", no_argument, NULL, OPT_NO_BUILTIN},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
    {"threads", required_argument, NULL, 'j'},
    {"follow-symlinks", no_argument, NULL, OPT_FOLLOW},
    {"since-commit", required_argument, NULL, OPT_SINCE_COMMIT},
    {"range", required_argument, NULL, OPT_RANGE},
    {"branch", required_argument, NULL, OPT_BRANCH},
    {"staged", no_argument, NULL, OPT_STAGED},
    {"max-blob-size", required_argument, NULL, OPT_MAX_BLOB_SIZE},
    {"keep-clone", required_argument, NULL, OPT_KEEP_CLONE},
    {"help", no_argument, NULL, 'h'},
    FBS_CLI_OUTPUT_LONG_OPTS,
    {NULL, 0, NULL, 0},
};

static const char *const cmd_about[][2] = {
    {"files", "PATH...\n\nScan files and directories (never git history) for credentials;\n"
              "fallback ones are marked."},
    {"scan", "PATH...\n\nScan paths for credentials: a git work tree's whole history plus its\n"
             "untracked and modified files; any other directory or file as files."},
    {"git", "[PATH|URL]...\n\nScan every blob reachable from all refs of a repository once (a URL\n"
            "is cloned bare into a temporary directory); default: the repository at '.'."},
};

static void scan_usage(FILE *out, const char *cmd)
{
    size_t i;

    for (i = 0; i < sizeof(cmd_about) / sizeof(cmd_about[0]); i++)
        if (!strcmp(cmd_about[i][0], cmd))
            fprintf(out, "usage: fallback-scan %s [options] %s\n\n", cmd, cmd_about[i][1]);
    fputs(fbs_cli_output_usage, out);
    fprintf(out,
            "scan:\n"
            "      --rules DIR         add the rules in DIR/*.yml (same id replaces a built-in)\n"
            "      --no-builtin-rules  do not load the built-in rule pack\n"
            "      --exclude GLOB      skip paths matching GLOB (repeatable)\n"

            "      --max-file-size N   skip larger files (default 25MiB)\n"
            "  -j, --threads N         worker threads (default: number of cores)\n"
            "      --follow-symlinks   follow symbolic links (loops are detected)\n"
            "git history (git, scan):\n"
            "      --since-commit REV  only blobs introduced after REV (CI: the base commit)\n"
            "      --range A..B        only blobs introduced by the commits in A..B\n"
            "      --branch REF        start from REF instead of all refs (repeatable)\n"
            "      --staged            only what the index adds against HEAD (pre-commit)\n"
            "      --max-blob-size N   skip larger blobs (default: --max-file-size)\n"
            "      --keep-clone DIR    clone URL targets into DIR and keep them\n\n"
            "exit status: 0 clean, 1 findings, 2 usage/configuration error, 3 incomplete scan\n");
}

static int push_arg(char ***v, size_t *n, char *s)
{
    char **nv = fbs_realloc(*v, (*n + 1) * sizeof(char *));

    if (!nv)
        return FBS_ENOMEM;
    nv[(*n)++] = s;
    *v = nv;
    return 0;
}

static int parse_args(struct scan_args *a, int argc, char **argv, const char *cmd)
{
    int c;
    long n;
    char *end;

    memset(a, 0, sizeof(*a));
    fbs_cli_output_init(&a->out);
    a->max_file_size = DEFAULT_MAX_FILE_SIZE;
    optind = 1;
    opterr = 0; /* we word the message ourselves */
    while ((c = getopt_long(argc, argv, ":" FBS_CLI_OUTPUT_SHORT_OPTS "j:h", long_opts, NULL)) !=
           -1) {
        int shared = fbs_cli_output_option(&a->out, c, optarg);

        if (shared < 0)
            return -1;
        if (shared > 0)
            continue;
        switch (c) {
        case OPT_RULES:
            if (push_arg(&a->rule_dirs, &a->nrule_dirs, optarg) < 0)
                return -1;
            break;
        case OPT_NO_BUILTIN:
            a->no_builtin = true;
            break;
        case OPT_EXCLUDE: {
            const char *why;

            if (!fbs_glob_check(optarg, &why)) {
                fbs_cli_error("--exclude: bad glob '%s': %s", optarg, why);
                return -1;
            }
            if (push_arg(&a->excludes, &a->nexcludes, optarg) < 0)
                return -1;
            break;
        }
        case OPT_MAX_FILE_SIZE:
            if (fbs_parse_size(&a->max_file_size, optarg) < 0) {
                fbs_cli_fail("--max-file-size");
                return -1;
            }
            /* 0 would skip every file and report a clean scan. */
            if (!a->max_file_size) {
                fbs_cli_error("--max-file-size: must be at least 1 byte");
                return -1;
            }
            break;
        case 'j':
            errno = 0;
            n = strtol(optarg, &end, 10);
            if (errno || *end || n < 1 || n > 256) {
                fbs_cli_error("--threads: invalid value '%s' (expected 1..256)", optarg);
                return -1;
            }
            a->threads = (unsigned)n;
            break;
        case OPT_FOLLOW:
            a->follow_symlinks = true;
            break;
        case OPT_SINCE_COMMIT:
            a->since_commit = optarg;
            break;
        case OPT_RANGE:
            a->range = optarg;
            break;
        case OPT_BRANCH:
            if (push_arg(&a->branches, &a->nbranches, optarg) < 0)
                return -1;
            break;
        case OPT_STAGED:
            a->staged = true;
            break;
        case OPT_MAX_BLOB_SIZE:
            if (fbs_parse_size(&a->max_blob_size, optarg) < 0) {
                fbs_cli_fail("--max-blob-size");
                return -1;
            }
            /* 0 is how "not given" is stored (then --max-file-size applies): refuse it. */
            if (!a->max_blob_size) {
                fbs_cli_error("--max-blob-size: must be at least 1 byte");
                return -1;
            }
            break;
        case OPT_KEEP_CLONE:
            a->keep_clone = optarg;
            break;
        case 'h':
            scan_usage(stdout, cmd);
            return 1;
        default:
            fbs_cli_bad_option(cmd, argv[optind - 1], c);
            return -1;
        }
    }
    if (optind >= argc && strcmp(cmd, "git")) {
        fbs_cli_error("%s: no PATH given (try 'fallback-scan %s .')", cmd, cmd);
        return -1;
    }
    if (!strcmp(cmd, "files") && (a->since_commit || a->range || a->nbranches || a->staged ||
                                  a->keep_clone || a->max_blob_size)) {
        fbs_cli_error("files: git options (--since-commit, --range, --branch, --staged, "
                      "--keep-clone, --max-blob-size) need 'git' or 'scan'");
        return -1;
    }
    if (a->range && a->since_commit) {
        fbs_cli_error("%s: --range and --since-commit cannot be combined", cmd);
        return -1;
    }
    if (!a->threads) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);

        a->threads = cores > 0 ? (unsigned)(cores > 64 ? 64 : cores) : 1;
    }
    return 0;
}

/* Progress --------------------------------------------------------------------------------- */

struct progress {
    const struct fbs_stats *stats;
    atomic_bool stop;
    pthread_t thread;
    struct timespec t0;
};

static void *progress_main(void *arg)
{
    struct progress *p = arg;
    struct timespec ts = {0, 200 * 1000 * 1000};

    while (!atomic_load(&p->stop)) {
        struct timespec now;
        double secs, mb;

        nanosleep(&ts, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
        secs = (double)(now.tv_sec - p->t0.tv_sec) + (double)(now.tv_nsec - p->t0.tv_nsec) / 1e9;
        mb = (double)atomic_load(&p->stats->bytes) / 1e6;
        if (atomic_load(&p->stats->commits))
            fprintf(stderr, "\r\033[Kscanning: %llu commits, ",
                    (unsigned long long)atomic_load(&p->stats->commits));
        else
            fputs("\r\033[Kscanning: ", stderr);
        fprintf(stderr, "%llu/%llu blobs, %.1f MB, %.1f MB/s, %llu findings",
                (unsigned long long)atomic_load(&p->stats->blobs),
                (unsigned long long)atomic_load(&p->stats->files), mb, secs > 0 ? mb / secs : 0,
                (unsigned long long)atomic_load(&p->stats->findings));
    }
    fputs("\r\033[K", stderr);
    return NULL;
}

/* A URL or scp-like address (user@host:path): not a path to check for existence. */
static bool is_url(const char *s)
{
    const char *colon = strchr(s, ':'), *at = strchr(s, '@'), *slash = strchr(s, '/');

    /* scheme://...; or scp-like user@host:path (no '/' before the ':'). */
    return strstr(s, "://") != NULL || (colon && at && at < colon && (!slash || slash > colon));
}

/* What the report says about each target ---------------------------------------------------- */

/*
 * A remote URL fit for a report: "scheme://host/path" without the user, password, query and
 * fragment (a token in a clone URL must not reach the report); an scp-like "user@host:path"
 * becomes "ssh://host/path". NULL for anything else, or on ENOMEM.
 */
static char *public_url(const char *url)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const char *sep = strstr(url, "://"), *host, *end, *p;
    int rc;

    if (sep) {
        host = sep + 3;
        end = host + strcspn(host, "/?#");
        for (p = host; p < end; p++)
            if (*p == '@')
                host = p + 1;
        rc = fbs_buf_put(&b, url, (size_t)(sep + 3 - url));
        if (rc == 0)
            rc = fbs_buf_put(&b, host, strcspn(host, "?#"));
    } else if (is_url(url)) {
        host = strchr(url, '@') + 1;
        end = strchr(host, ':');
        rc = fbs_buf_printf(&b, "ssh://%.*s/%s", (int)(end - host), host,
                            end[1] == '/' ? end + 2 : end + 1);
    } else {
        return NULL;
    }
    if (rc < 0) {
        fbs_buf_release(&b);
        return NULL;
    }
    return fbs_buf_detach(&b);
}

/* The repository's origin remote, HEAD commit and branch; what libgit2 cannot tell stays NULL. */
static int describe_repository(struct fbs_report_target *out, git_repository *repo)
{
    char hex[GIT_OID_HEXSZ + 1];
    git_config *cfg = NULL;
    git_buf urlbuf = GIT_BUF_INIT_CONST(NULL, 0);
    git_reference *head = NULL;
    git_oid oid;
    int rc = 0;

    /* The configured URL, read directly: git_remote_lookup() leaks libgit2-internal PCRE2
     * match data (it applies url.insteadOf rules), which LeakSanitizer rightly reports. */
    if (git_repository_config_snapshot(&cfg, repo) == 0 &&
        git_config_get_string_buf(&urlbuf, cfg, "remote.origin.url") == 0 && urlbuf.ptr) {
        const char *url = urlbuf.ptr;

        /* NULL for a remote that is a local path; else only on ENOMEM. */
        out->repository_uri = public_url(url);
        if (!out->repository_uri && (strstr(url, "://") || is_url(url)))
            rc = FBS_ENOMEM;
    }
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

/*
 * The directory a target's findings are relative to, its repository and commit, as the sources
 * see them: 'git' finds the repository above a path, 'scan' takes a path that is a work tree's
 * root as a repository and anything else as files, 'files' has paths relative to the target (a
 * repository's only when the target is its work tree). A URL is known by its URL alone (its clone
 * is temporary). 0 or FBS_ENOMEM.
 */
static int describe_target(struct fbs_report_target *out, const char *target, const char *cmd)
{
    git_repository *repo = NULL;
    char abs[PATH_MAX], wt[PATH_MAX];
    const char *workdir;
    struct stat st;
    bool search = !strcmp(cmd, "git");
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (is_url(target)) {
        out->repository_uri = public_url(target);
        return out->repository_uri || !strstr(target, "://") ? 0 : FBS_ENOMEM;
    }
    if (!realpath(target, abs))
        return 0;
    if (git_repository_open_ext(&repo, abs, search ? 0 : GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
        repo = NULL;
    workdir = repo ? git_repository_workdir(repo) : NULL;
    if (workdir && realpath(workdir, wt) && (search || !strcmp(wt, abs))) {
        out->root = fbs_strdup(wt);
        rc = out->root ? describe_repository(out, repo) : FBS_ENOMEM;
    } else if (repo && search) {
        rc = describe_repository(out, repo); /* a bare repository: no work tree */
    } else {
        char *slash = strrchr(abs, '/');

        if (stat(abs, &st) == 0 && !S_ISDIR(st.st_mode) && slash)
            slash[slash == abs ? 1 : 0] = '\0'; /* a file: its directory */
        out->root = fbs_strdup(abs);
        rc = out->root ? 0 : FBS_ENOMEM;
    }
    git_repository_free(repo);
    return rc;
}

static void targets_info_free(struct fbs_report_target *ti, size_t n)
{
    size_t i;

    for (i = 0; ti && i < n; i++) {
        fbs_free((char *)ti[i].root);
        fbs_free((char *)ti[i].repository_uri);
        fbs_free((char *)ti[i].revision);
        fbs_free((char *)ti[i].branch);
    }
    fbs_free(ti);
}

/*
 * Describe every target for the report (before the scan: HEAD as scanned). 0 or FBS_ENOMEM.
 * libgit2 must be initialised.
 */
static int targets_info(struct fbs_report_target **out, const char *const *targets, size_t n,
                        const char *cmd)
{
    struct fbs_report_target *ti = fbs_calloc(n ? n : 1, sizeof(*ti));
    size_t i;
    int rc = 0;

    *out = NULL;
    if (!ti)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < n && rc == 0; i++)
        rc = describe_target(&ti[i], targets[i], cmd);
    if (rc < 0) {
        targets_info_free(ti, n);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    *out = ti;
    return 0;
}

static int run_scan(int argc, char **argv, const char *cmd)
{
    static const char *const dot[] = {".", NULL};
    const char *const *targets;
    size_t ntargets = 0;
    struct scan_args a;
    struct fbs_ruleset *rules = NULL;
    struct fbs_scan_result result;
    struct fbs_report_target *tinfo = NULL;
    struct fbs_pipeline_opts po;
    struct progress prog;
    bool have_result = false, progress_on = false, git_on = false, sarif;
    int rc, status = FBS_EXIT_USAGE, i;

    rc = parse_args(&a, argc, argv, cmd);
    if (rc != 0) {
        status = rc > 0 ? FBS_EXIT_OK : FBS_EXIT_USAGE;
        goto done;
    }
    targets = optind < argc ? (const char *const *)argv + optind : dot;
    ntargets = optind < argc ? (size_t)(argc - optind) : 1;
    /* A target that does not exist is a typo, not a partial scan. */
    for (i = 0; i < (int)ntargets; i++) {
        struct stat st;

        if (!is_url(targets[i]) && lstat(targets[i], &st) < 0 && errno == ENOENT) {
            fbs_cli_error("cannot scan '%s': no such file or directory", targets[i]);
            goto done;
        }
    }
    if (fbs_cli_output_ready(&a.out) < 0)
        goto done;
    if (fbs_cli_load_rules(&rules, !a.no_builtin, a.rule_dirs, a.nrule_dirs) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    /*
     * libgit2 once for the whole command (its initialisation parses the system's CA bundle:
     * ~8 ms); a file scan needs it only to describe repositories in SARIF, the only report
     * that carries that.
     */
    sarif = !strcmp(a.out.format, "sarif");
    git_on = strcmp(cmd, "files") || sarif;
    if (git_on)
        git_libgit2_init();
    if ((sarif && targets_info(&tinfo, targets, ntargets, cmd) < 0) ||
        fbs_scan_result_init(&result, a.out.verbose) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    a.out.target_info = tinfo;
    have_result = true;
    memset(&po, 0, sizeof(po));
    po.source = fbs_source_find(strcmp(cmd, "files") ? "git" : "file");
    po.source_opts.targets = targets;
    po.source_opts.ntargets = ntargets;
    po.source_opts.worktree_files = !strcmp(cmd, "scan");
    po.source_opts.since_commit = a.since_commit;
    po.source_opts.range = a.range;
    po.source_opts.branches = (const char *const *)a.branches;
    po.source_opts.nbranches = a.nbranches;
    po.source_opts.staged = a.staged;
    po.source_opts.max_blob_size = a.max_blob_size;
    po.source_opts.keep_clone = a.keep_clone;
    po.source_opts.threads = a.threads;
    po.source_opts.max_file_size = a.max_file_size;
    po.source_opts.follow_symlinks = a.follow_symlinks;
    po.source_opts.excludes = (const char *const *)a.excludes;
    po.source_opts.nexcludes = a.nexcludes;
    po.rules = rules;
    fbs_cli_output_pipeline(&a.out, &po);

    if (!a.out.quiet && isatty(STDERR_FILENO)) {
        prog.stats = &result.stats;
        atomic_init(&prog.stop, false);
        clock_gettime(CLOCK_MONOTONIC, &prog.t0);
        progress_on = pthread_create(&prog.thread, NULL, progress_main, &prog) == 0;
    }
    rc = fbs_pipeline_run(&result, &po);
    if (progress_on) {
        atomic_store(&prog.stop, true);
        pthread_join(prog.thread, NULL);
    }
    if (rc < 0) {
        fbs_cli_fail("scan failed");
        goto done;
    }
    status = fbs_cli_output_finish(&a.out, &result, targets, ntargets, rules->n);
done:
    if (have_result)
        fbs_scan_result_release(&result);
    fbs_cli_output_release(&a.out);
    targets_info_free(tinfo, ntargets);
    if (git_on)
        git_libgit2_shutdown();
    fbs_ruleset_free(rules);
    fbs_free(a.rule_dirs);
    fbs_free(a.excludes);
    fbs_free(a.branches);
    return status;
}

int fbs_cmd_scan(int argc, char **argv)
{
    return run_scan(argc, argv, "scan");
}

int fbs_cmd_files(int argc, char **argv)
{
    return run_scan(argc, argv, "files");
}

int fbs_cmd_git(int argc, char **argv)
{
    return run_scan(argc, argv, "git");
}
