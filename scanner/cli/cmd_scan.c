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
#include "../sources/git_fetch.h"
#include "help.h"
#include "output.h"
#include "progress.h"

#include <errno.h>
#include <getopt.h>
#include <git2.h>
#include <limits.h>
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
    unsigned clone_timeout, clone_stall;
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
    OPT_CLONE_TIMEOUT,
    OPT_CLONE_STALL,
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
    {"clone-timeout", required_argument, NULL, OPT_CLONE_TIMEOUT},
    {"clone-stall-timeout", required_argument, NULL, OPT_CLONE_STALL},
    {"help", no_argument, NULL, 'h'},
    FBS_CLI_OUTPUT_LONG_OPTS,
    {NULL, 0, NULL, 0},
};

/* Help (help.h) ------------------------------------------------------------------------------ */

static const struct fbs_help_opt scan_opts[] = {
    {"--rules DIR", "add the rules in DIR/*.yml (same id replaces a built-in;\nrepeatable)", NULL},
    {"--no-builtin-rules", "do not load the built-in rule pack", NULL},
    {"--exclude GLOB", "skip paths matching GLOB (repeatable)", NULL},
    {"--max-file-size N", "skip larger files (default 25MiB)", NULL},
    {"-j, --threads N", "worker threads (default: number of cores)", NULL},
    {"--follow-symlinks", "follow symbolic links (loops are detected)", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt git_opts[] = {
    {"--since-commit REV", "only what 'git log REV..HEAD' introduces (CI: the base commit)", NULL},
    {"--range A..B", "only blobs introduced by the commits in A..B", NULL},
    {"--branch REF", "start from REF instead of all refs (repeatable)", NULL},
    {"--staged", "only what the index adds against HEAD (pre-commit)", NULL},
    {"--max-blob-size N", "skip larger blobs (default: --max-file-size)", NULL},
    {"--keep-clone DIR", "clone URL targets into DIR and keep them", NULL},
    {"--clone-timeout D", "a URL target's clone fails after D (N, Ns, Nm, Nh; default 10m)", NULL},
    {"--clone-stall-timeout D", "... or after D without transfer progress (default 60s)", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_section scan_section = {"scan", scan_opts};
static const struct fbs_help_section git_section = {"git history (git, scan)", git_opts};

static const struct fbs_help_section *const sections_git[] = {&fbs_cli_output_help_report,
                                                              &fbs_cli_output_help_exceptions,
                                                              &scan_section, &git_section, NULL};
static const struct fbs_help_section *const sections_files[] = {
    &fbs_cli_output_help_report, &fbs_cli_output_help_exceptions, &scan_section, NULL};

static const struct fbs_help_example scan_examples[] = {
    {"a work tree: its whole history, plus its untracked and modified files", "scan ."},
    {"a JSON report of two repositories, failing only on high and critical findings",
     "scan ~/src/infra ~/src/app -f json -o report.json --fail-on high"},
    {"fallback credentials only, as SARIF for code scanning",
     "scan . --only-fallback -f sarif -o fallback.sarif"},
    {NULL, NULL},
};

static const struct fbs_help_example files_examples[] = {
    {"a directory, without its git history", "files /etc/ssl /srv/config"},
    {"skip vendored code and large files",
     "files . --exclude 'vendor/**' --exclude '*.min.js' --max-file-size 5MiB"},
    {NULL, NULL},
};

static const struct fbs_help_example git_examples[] = {
    {"every commit of every ref of the repository at '.'", "git"},
    {"CI on a pull request: only what its commits introduced", "git . --since-commit \"$BASE\""},
    {"pre-commit: only what the index adds", "git --staged"},
    {"a remote repository, cloned bare into a temporary directory",
     "git https://github.com/example/infra.git -f json -o infra.json"},
    {NULL, NULL},
};

const struct fbs_help fbs_help_scan = {
    .name = "scan",
    .usage = "scan [options] PATH...",
    .about = "Scan paths for credentials: a git work tree's whole history plus its\n"
             "untracked and modified files; any other directory or file as files.\n"
             "Fallback credentials are marked and listed first.",
    .sections = sections_git,
    .examples = scan_examples,
    .files = "files",
};

const struct fbs_help fbs_help_files = {
    .name = "files",
    .usage = "files [options] PATH...",
    .about = "Scan files and directories (never git history) for credentials;\n"
             "fallback ones are marked.",
    .sections = sections_files,
    .examples = files_examples,
    .files = "files",
};

const struct fbs_help fbs_help_git = {
    .name = "git",
    .usage = "git [options] [PATH|URL]...",
    .about = "Scan every blob reachable from all refs of a repository once (a URL\n"
             "is cloned bare into a temporary directory); default: the repository at '.'.\n"
             "A finding is dated by the commit that introduced it.",
    .sections = sections_git,
    .examples = git_examples,
    .files = "dirs",
};

static void scan_usage(FILE *out, const char *cmd)
{
    fbs_help_print(out, !strcmp(cmd, "files") ? &fbs_help_files
                        : !strcmp(cmd, "git") ? &fbs_help_git
                                              : &fbs_help_scan);
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

/* --clone-timeout, --clone-stall-timeout: N (seconds), Ns, Nm or Nh, up to a week. */
static int parse_seconds(unsigned *out, const char *opt, const char *arg)
{
    size_t n = strlen(arg);
    unsigned long mult = 1, v;
    char *end;

    if (n > 1 && (arg[n - 1] == 's' || arg[n - 1] == 'm' || arg[n - 1] == 'h'))
        mult = arg[n - 1] == 'h' ? 3600 : arg[n - 1] == 'm' ? 60 : 1;
    errno = 0;
    v = arg[0] >= '0' && arg[0] <= '9' ? strtoul(arg, &end, 10) : 0;
    if (errno || !v || end != arg + n - (mult > 1 || arg[n - 1] == 's') ||
        v > FBS_CLONE_TIMEOUT_MAX / mult) {
        fbs_cli_error("%s: invalid duration '%s' (expected N, Ns, Nm or Nh, up to a week)", opt,
                      arg);
        return -1;
    }
    *out = (unsigned)(v * mult);
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
        case OPT_CLONE_TIMEOUT:
        case OPT_CLONE_STALL:
            if (parse_seconds(c == OPT_CLONE_TIMEOUT ? &a->clone_timeout : &a->clone_stall,
                              c == OPT_CLONE_TIMEOUT ? "--clone-timeout" : "--clone-stall-timeout",
                              optarg) < 0)
                return -1;
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
    if (!strcmp(cmd, "files") &&
        (a->since_commit || a->range || a->nbranches || a->staged || a->keep_clone ||
         a->max_blob_size || a->clone_timeout || a->clone_stall)) {
        fbs_cli_error("files: git options (--since-commit, --range, --branch, --staged, "
                      "--keep-clone, --clone-timeout, --clone-stall-timeout, --max-blob-size) "
                      "need 'git' or 'scan'");
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
    struct fbs_progress *progress = NULL;
    char label[64];
    bool have_result = false, git_on = false;
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
        fbs_git_init();
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
    po.source_opts.clone_timeout = a.clone_timeout;
    po.source_opts.clone_stall = a.clone_stall;
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
        if (ntargets > 1)
            snprintf(label, sizeof(label), "%zu targets", ntargets);
        fbs_progress_start(&progress, &result.stats, ntargets > 1 ? label : targets[0]);
    }
    rc = fbs_pipeline_run(&result, &po);
    fbs_progress_stop(progress);
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
