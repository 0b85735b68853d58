/*
 * cmd_hook.c - 'fallback-scan hook install': a git pre-commit hook that scans what is staged
 * ('fallback-scan git --staged') and refuses the commit when it adds a credential.
 *
 * The hook goes where git looks for it (core.hooksPath, or the repository's hooks directory,
 * found through libgit2). An existing hook that is not ours is kept unless --force is given.
 * By default the hook refuses a commit that adds any credential (--fail-on any): a severity
 * threshold lets lower-scored credentials (a plain AWS key pair is medium) into the history.
 */
#include "cli.h"
#include "help.h"
#include "../core/afile.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../../detectors/policy.h"

#include <errno.h>
#include <getopt.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/banned.h"

#define HOOK_MARK "# installed by 'fallback-scan hook install'"

static const struct fbs_help_opt hook_opts[] = {
    {"--force", "replace an existing pre-commit hook that is not fallback-scan's", NULL},
    {"--fail-on WHEN",
     "what refuses a commit: 'any' credential (default), or only those of a severity or above; "
     "anything below it is committed (docs/ci.md lists what each lets through)",
     "any info low medium high critical"},
    {NULL, NULL, NULL},
};

static const struct fbs_help_section hook_section = {"hook install", hook_opts};
static const struct fbs_help_section *const hook_sections[] = {&hook_section, NULL};

static const struct fbs_help_example hook_examples[] = {
    {"refuse commits that add a credential, in the repository at '.'", "hook install"},
    {NULL, NULL},
};

const struct fbs_help fbs_help_hook = {
    .name = "hook",
    .usage = "hook install [--force] [--fail-on WHEN] [REPO]",
    .about =
        "Install a git pre-commit hook in REPO (default: the repository at '.') that runs\n"
        "'fallback-scan git --staged' and refuses the commit when it adds a credential.\n"
        "An allow comment ('fallback-scan:allow <reason>') on the line or the line above lets\n"
        "a known value through; 'git commit --no-verify' skips the hook.",
    .sections = hook_sections,
    .examples = hook_examples,
    .exit_status = "0 installed, 2 usage error or the hook could not be written",
    .words = "install",
    .files = "dirs",
};

static void hook_usage(FILE *out)
{
    fbs_help_print(out, &fbs_help_hook);
}

/* The absolute path of this executable, so the hook does not depend on PATH. */
static int self_path(struct fbs_buf *out)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

    if (n <= 0)
        return fbs_buf_puts(out, "fallback-scan");
    buf[n] = '\0';
    return fbs_buf_puts(out, buf);
}

/* Single-quote a string for sh. */
static int sh_quote(struct fbs_buf *b, const char *s)
{
    int rc = fbs_buf_putc(b, '\'');

    for (; *s && rc == 0; s++)
        rc = *s == '\'' ? fbs_buf_puts(b, "'\\''") : fbs_buf_putc(b, *s);
    return rc ? rc : fbs_buf_putc(b, '\'');
}

static int hook_text(struct fbs_buf *b, const char *fail_on)
{
    struct fbs_buf exe = FBS_BUF_INIT;
    int rc = self_path(&exe);

    rc |= fbs_buf_puts(b, "#!/bin/sh\n" HOOK_MARK "\n"
                          "# Scans what this commit adds; refuses it when a credential is staged.\n"
                          "fbs=");
    rc |= sh_quote(b, exe.ptr ? exe.ptr : "fallback-scan");
    rc |= fbs_buf_puts(b, "\n[ -x \"$fbs\" ] || fbs=fallback-scan\n"
                          "\"$fbs\" git --staged --quiet --no-color --fail-on ");
    rc |= sh_quote(b, fail_on);
    rc |= fbs_buf_puts(
        b, " .\nstatus=$?\n"
           "case $status in\n"
           "0) exit 0 ;;\n"
           "1) echo 'fallback-scan: commit refused: the staged changes add the credentials above.' "
           ">&2\n"
           "   echo 'Remove them (and rotate them), or mark a known value with a "
           "\"fallback-scan:allow <reason>\" comment.' >&2 ;;\n"
           "*) echo \"fallback-scan: commit refused: the scan of the staged changes failed "
           "(status $status).\" >&2 ;;\n"
           "esac\n"
           "echo \"To commit anyway: git commit --no-verify\" >&2\n"
           "exit 1\n");
    fbs_buf_release(&exe);
    return rc ? FBS_ENOMEM : 0;
}

/* Whether the file at path is a hook we installed. */
static bool is_ours(const char *path)
{
    char head[256];
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        return false;
    n = fread(head, 1, sizeof(head) - 1, f);
    fclose(f);
    head[n] = '\0';
    return strstr(head, HOOK_MARK) != NULL;
}

static int install(const char *repo_path, bool force, const char *fail_on)
{
    git_repository *repo = NULL;
    git_buf hooks = GIT_BUF_INIT_CONST(NULL, 0);
    struct fbs_buf path = FBS_BUF_INIT, text = FBS_BUF_INIT;
    struct stat st;
    struct fbs_afile af;
    int status = FBS_EXIT_USAGE;

    git_libgit2_init();
    if (git_repository_open_ext(&repo, repo_path, 0, NULL) < 0 ||
        git_repository_item_path(&hooks, repo, GIT_REPOSITORY_ITEM_HOOKS) < 0) {
        const git_error *e = git_error_last();

        fbs_cli_error("hook install: '%s' is not a git repository: %s", repo_path,
                      e ? e->message : "unknown error");
        goto done;
    }
    if (fbs_buf_printf(&path, "%s%spre-commit", hooks.ptr,
                       hooks.size && hooks.ptr[hooks.size - 1] == '/' ? "" : "/") < 0 ||
        hook_text(&text, fail_on) < 0) {
        fbs_cli_error("out of memory");
        goto done;
    }
    if (stat(path.ptr, &st) == 0 && !force && !is_ours(path.ptr)) {
        fbs_cli_error("hook install: %s exists and is not fallback-scan's; keep it and call "
                      "fallback-scan from it, or replace it with --force",
                      path.ptr);
        goto done;
    }
    mkdir(hooks.ptr, 0755); /* core.hooksPath may name a directory that does not exist yet */
    /* Atomically: a failed write must not leave a half hook that git would run. */
    if (fbs_afile_open(&af, path.ptr) < 0) {
        fbs_cli_fail("hook install");
        goto done;
    }
    if (fputs(text.ptr, af.f) < 0) {
        fbs_afile_abort(&af);
        fbs_cli_error("hook install: cannot write %s: %s", path.ptr, strerror(errno));
        goto done;
    }
    if (fbs_afile_commit(&af) < 0) {
        fbs_cli_fail("hook install");
        goto done;
    }
    if (chmod(path.ptr, 0755) < 0) {
        fbs_cli_error("hook install: cannot write %s: %s", path.ptr, strerror(errno));
        goto done;
    }
    printf("installed %s\n", path.ptr);
    status = FBS_EXIT_OK;
done:
    fbs_buf_release(&path);
    fbs_buf_release(&text);
    git_buf_dispose(&hooks);
    git_repository_free(repo);
    git_libgit2_shutdown();
    return status;
}

int fbs_cmd_hook(int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'F'},
        {"fail-on", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *fail_on = "any";
    bool force = false;
    int c;

    if (argc < 2 || strcmp(argv[1], "install")) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            hook_usage(stdout);
            return FBS_EXIT_OK;
        }
        fbs_cli_error("hook: expected 'hook install' (see 'fallback-scan hook --help')");
        return FBS_EXIT_USAGE;
    }
    argc--;
    argv++;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            force = true;
            break;
        case 'w':
            fail_on = optarg;
            break;
        case 'h':
            hook_usage(stdout);
            return FBS_EXIT_OK;
        default:
            fbs_cli_bad_option("hook install", argv[optind - 1], c);
            return FBS_EXIT_USAGE;
        }
    }
    if (strcmp(fail_on, "any") && fbs_severity_parse(fail_on) < 0) {
        fbs_cli_error("hook install: --fail-on '%s': expected 'any' or a severity (info, low, "
                      "medium, high, critical)%s",
                      fail_on,
                      strcmp(fail_on, "none") ? "" : "; a hook that refuses nothing is no hook");
        return FBS_EXIT_USAGE;
    }
    if (argc - optind > 1) {
        fbs_cli_error("hook install: one repository at most");
        return FBS_EXIT_USAGE;
    }
    return install(optind < argc ? argv[optind] : ".", force, fail_on);
}
