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
        case OPT_EXCLUDE:
            if (push_arg(&a->excludes, &a->nexcludes, optarg) < 0)
                return -1;
            break;
        case OPT_MAX_FILE_SIZE:
            if (fbs_parse_size(&a->max_file_size, optarg) < 0) {
                fbs_cli_fail("--max-file-size");
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

/*
 * Describe every target for the report and the findings' identity (before the scan: HEAD as
 * scanned). 0 or FBS_ENOMEM.
 */
static int targets_info(struct fbs_target **out, const char *const *targets, size_t n,
                        const char *cmd)
{
    struct fbs_target *ti = fbs_calloc(n ? n : 1, sizeof(*ti));
    size_t i;
    int rc = 0;

    *out = NULL;
    if (!ti)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < n && rc == 0; i++)
        rc = fbs_target_describe(&ti[i], targets[i], !strcmp(cmd, "git"));
    if (rc < 0) {
        fbs_targets_free(ti, n);
        return rc;
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
    struct fbs_target *tinfo = NULL;
    struct fbs_pipeline_opts po;
    struct progress prog;
    bool have_result = false, progress_on = false, git_on = false;
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

        if (!fbs_target_is_url(targets[i]) && lstat(targets[i], &st) < 0 && errno == ENOENT) {
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
     * ~8 ms); a file scan needs it only to describe a target that is a work tree's top
     * (fbs_target_describe() initialises it then).
     */
    git_on = strcmp(cmd, "files") != 0;
    if (git_on)
        git_libgit2_init();
    if (targets_info(&tinfo, targets, ntargets, cmd) < 0 ||
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
    po.targets = tinfo;
    po.ntargets = ntargets;
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
    fbs_targets_free(tinfo, ntargets);
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
