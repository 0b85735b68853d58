/*
 * main.c - fallback-scan's entry point: dispatch to a subcommand (cmd_*.c).
 */
#include "cli.h"
#include "cloud_cli.h"
#include "help.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../match/ruleset.h"
#include "rule_db.h"
#include "../sources/git_fetch.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/banned.h"

/* One entry per subcommand: its name, entry point, one-line summary and help (help.h). */
static const struct fbs_cmd commands[] = {
    {"scan", fbs_cmd_scan, "scan paths: a git work tree's history and files; other paths as files",
     &fbs_help_scan},
    {"files", fbs_cmd_files, "scan files and directories (never git history)", &fbs_help_files},
    {"git", fbs_cmd_git, "scan a repository's whole history (a path or a URL)", &fbs_help_git},
    {"cloud", fbs_cmd_cloud,
     "read credentials from a cloud's APIs: 'cloud aws|gcp|azure|kubernetes|vault'",
     &fbs_help_cloud},
    {"inventory", fbs_cmd_inventory, "analyse exported cloud credential inventories",
     &fbs_help_inventory},
    {"rules", fbs_cmd_rules, "list the rules, or run their self-tests ('rules test [DIR]')",
     &fbs_help_rules},
    {"hook", fbs_cmd_hook, "install a git pre-commit hook that scans staged changes",
     &fbs_help_hook},
    {"sweep", fbs_cmd_sweep, "sweep many targets and remember: 'sweep run|list|diff|report|triage'",
     &fbs_help_sweep},
    {NULL, NULL, NULL, NULL},
};

void fbs_cli_error(const char *fmt, ...)
{
    struct fbs_buf msg = FBS_BUF_INIT, safe = FBS_BUF_INIT;
    va_list ap;
    int rc;

    /* Messages quote names from scanned trees and committed files: escape control characters
     * so that they cannot drive the terminal or forge lines. */
    va_start(ap, fmt);
    rc = fbs_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc == 0)
        rc = fbs_text_escape(&safe, msg.ptr, msg.len, false);
    fprintf(stderr, "fallback-scan: %s\n", rc == 0 ? safe.ptr : "out of memory");
    fbs_buf_release(&msg);
    fbs_buf_release(&safe);
}

void fbs_cli_bad_option(const char *cmd, const char *arg, int c)
{
    char shortopt[3];

    /* getopt names a short option by optopt: inside a group ("-rf") or after a subcommand,
     * argv[optind - 1] is another word ('files' in 'files -rf'). A long option is the word. */
    if (optopt > 0 && optopt < 256 && isprint(optopt) && strncmp(arg, "--", 2)) {
        shortopt[0] = '-';
        shortopt[1] = (char)optopt;
        shortopt[2] = '\0';
        arg = shortopt;
    }
    if (c == ':')
        fbs_cli_error("%s: option '%s' needs a value (see 'fallback-scan %s --help')", cmd, arg,
                      cmd);
    else
        fbs_cli_error("%s: unknown option '%s' (see 'fallback-scan %s --help')", cmd, arg, cmd);
}

int fbs_cli_fail(const char *what)
{
    if (what)
        fbs_cli_error("%s: %s", what, fbs_error_message());
    else
        fbs_cli_error("%s", fbs_error_message());
    return FBS_EXIT_USAGE;
}

/*
 * Compiled rule databases are cached in $FALLBACK_SCAN_CACHE (the value "off" disables the
 * cache), else $XDG_CACHE_HOME/fallback-scan, else ~/.cache/fallback-scan.
 */
static int set_cache_dir(struct fbs_ruleset *rs)
{
    const char *env = getenv("FALLBACK_SCAN_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char path[4096];

    if (env && *env)
        return strcmp(env, "off") ? fbs_ruleset_set_cache_dir(rs, env) : 0;
    if (xdg && *xdg)
        snprintf(path, sizeof(path), "%s/fallback-scan", xdg);
    else if (home && *home) {
        snprintf(path, sizeof(path), "%s/.cache", home);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/.cache/fallback-scan", home);
    } else
        return 0;
    return fbs_ruleset_set_cache_dir(rs, path);
}

/*
 * The built-in pack's databases precompiled at build time (rule_db.h) are looked up before the
 * cache; FALLBACK_SCAN_EMBEDDED_DB=off ignores them (to compare, or to rule them out).
 */
static void set_embedded_db(struct fbs_ruleset *rs)
{
    const char *env = getenv("FALLBACK_SCAN_EMBEDDED_DB");
    size_t len = 0;
    const void *db = fbs_cli_rule_db(&len);

    if (!(env && !strcmp(env, "off")))
        fbs_ruleset_set_embedded(rs, db, len);
}

int fbs_cli_load_rules(struct fbs_ruleset **out, bool builtin, char **dirs, size_t ndirs)
{
    struct fbs_ruleset *rs = NULL;
    size_t i;
    int rc;

    *out = NULL;
    rc = fbs_ruleset_new(&rs);
    if (rc == 0)
        rc = set_cache_dir(rs);
    if (rc == 0)
        set_embedded_db(rs);
    if (rc == 0 && builtin)
        rc = fbs_ruleset_add_builtin(rs);
    for (i = 0; rc == 0 && i < ndirs; i++)
        rc = fbs_ruleset_add_dir(rs, dirs[i]);
    if (rc == 0 && rs->n == 0)
        rc = fbs_error_set(FBS_EINVAL, "no rules: --no-builtin-rules needs --rules DIR");
    if (rc == 0)
        rc = fbs_ruleset_compile(rs);
    if (rc < 0) {
        fbs_ruleset_free(rs);
        return rc;
    }
    *out = rs;
    return 0;
}

static void usage(FILE *out)
{
    size_t i;

    fprintf(out, "usage: fallback-scan <command> [options] [args]\n\n"
                 "fallback-scan finds credentials in files, and flags the fallback ones\n"
                 "(break-glass keys, recovery codes, unseal keys, emergency tokens).\n\n"
                 "commands:\n");
    for (i = 0; commands[i].name; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "  %-10s print the version\n"
            "  %-10s show a command's options and examples\n\n"
            "'fallback-scan help <command>' or 'fallback-scan <command> --help' describes a\n"
            "command's options; 'man fallback-scan' describes them all.\n"
            "exit status: 0 clean, 1 findings, 2 usage or configuration error,\n"
            "3 scan incomplete.\n",
            "version", "help");
}

/* The command table as the man page and completion generators see it (version included). */
static size_t help_cmds(struct fbs_help_cmd *out, size_t max)
{
    size_t i, n = 0;

    for (i = 0; commands[i].name && n < max; i++)
        out[n++] = (struct fbs_help_cmd){commands[i].name, commands[i].summary, commands[i].help};
    if (n < max)
        out[n++] = (struct fbs_help_cmd){"version", "print the version", NULL};
    return n;
}

/*
 * help                     the command list
 * help COMMAND             that command's help (as 'COMMAND --help')
 * help --man               the man page, fallback-scan(1), in troff
 * help --markdown          the command-line reference, docs/cli.md
 * help --completion SHELL  a bash or zsh completion script
 */
static int cmd_help(int argc, char **argv)
{
    struct fbs_help_cmd cmds[32];
    size_t i, n;
    char *sub[] = {NULL, "--help", NULL};

    if (argc < 2) {
        usage(stdout);
        return FBS_EXIT_OK;
    }
    n = help_cmds(cmds, sizeof(cmds) / sizeof(cmds[0]));
    if (!strcmp(argv[1], "--man") && argc == 2) {
        fbs_help_man(stdout, cmds, n, FBS_VERSION);
        return fflush(stdout) == 0 ? FBS_EXIT_OK : FBS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--markdown") && argc == 2) {
        fbs_help_markdown(stdout, cmds, n);
        return fflush(stdout) == 0 ? FBS_EXIT_OK : FBS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--completion") && argc == 3) {
        if (fbs_help_completion(stdout, argv[2], cmds, n) < 0) {
            fbs_cli_error("help: unknown shell '%s' (known: bash, zsh)", argv[2]);
            return FBS_EXIT_USAGE;
        }
        return fflush(stdout) == 0 ? FBS_EXIT_OK : FBS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "version")) {
        puts("usage: fallback-scan version\n\nPrint the version.");
        return FBS_EXIT_OK;
    }
    if (!strcmp(argv[1], "help")) {
        puts("usage: fallback-scan help [COMMAND]\n"
             "       fallback-scan help --man | --markdown | --completion bash|zsh\n\n"
             "Show a command's options and examples (as 'COMMAND --help'), or write the\n"
             "man page (troff), the command-line reference (Markdown) or a shell completion\n"
             "script, all made from the same help data.");
        return FBS_EXIT_OK;
    }
    for (i = 0; commands[i].name; i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        if (commands[i].help) {
            fbs_help_print(stdout, commands[i].help);
            return FBS_EXIT_OK;
        }
        sub[0] = argv[1]; /* a command without help data prints its own */
        return commands[i].run(2, sub);
    }
    fbs_cli_error("help: unknown command '%s' (see 'fallback-scan help')", argv[1]);
    return FBS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    size_t i;

    /* Clones and fetches run in a copy of this program that can be killed (git_fetch.h). */
    if (argc == 2 && !strcmp(argv[1], FBS_GIT_FETCH_CHILD))
        return fbs_git_fetch_child_main();
    fbs_git_fetch_set_helper("/proc/self/exe");
    if (argc < 2) {
        usage(stderr);
        return FBS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
        return cmd_help(1, argv + 1);
    if (!strcmp(argv[1], "help"))
        return cmd_help(argc - 1, argv + 1);
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("fallback-scan %s\n", FBS_VERSION);
        return FBS_EXIT_OK;
    }
    for (i = 0; commands[i].name; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fbs_cli_error("unknown command '%s' (see 'fallback-scan --help')", argv[1]);
    return FBS_EXIT_USAGE;
}
