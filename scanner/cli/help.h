/*
 * help.h - every subcommand's help as data: the one source of `fallback-scan help CMD`,
 * `CMD --help`, the man page (`help --man`), docs/cli.md (`help --markdown`) and the shell
 * completions (`help --completion bash|zsh`), so that they cannot disagree.
 *
 * Each cmd_*.c owns a `const struct fbs_help` and points its entry of main.c's command table at
 * it; a new subcommand plugs in with that one entry. Texts are plain ASCII, already wrapped for an
 * 80-column terminal:
 *   - about: paragraphs separated by an empty line; a line that starts with a space is kept as
 *     it is (a list or a table), the others are re-filled in the man page;
 *   - an option's text: '\n' starts a continuation line.
 */
#ifndef FBS_CLI_HELP_H
#define FBS_CLI_HELP_H

#include <stdio.h>

struct fbs_help_opt {
    const char *flags;  /* "-f, --format FMT" or "--now TIME": the forms, then the value's name */
    const char *text;   /* what it does */
    const char *values; /* the values a shell may complete, space-separated; NULL: any */
};

struct fbs_help_section {
    const char *title;               /* "report", "git history (git, scan)" */
    const struct fbs_help_opt *opts; /* ends with an entry whose flags are NULL */
};

struct fbs_help_example {
    const char *what;    /* one line */
    const char *command; /* without the leading "fallback-scan " */
};

struct fbs_help {
    const char *name;  /* "scan" */
    const char *usage; /* synopsis lines without the program name, '\n'-separated */
    const char *about;
    const struct fbs_help_section *const *sections; /* NULL-terminated; may be NULL */
    const struct fbs_help_example *examples;        /* ends with {NULL, NULL}; may be NULL */
    const char *exit_status;                        /* NULL: the common wording */
    const char *words; /* what may follow the command (providers, actions), space-separated */
    const char *files; /* the completion of operands: "files", "dirs" or NULL (none) */
};

/* The report and exception options every reporting command shares (output.c). */
extern const struct fbs_help_section fbs_cli_output_help_report;
extern const struct fbs_help_section fbs_cli_output_help_exceptions;

/* Each command's help (its cmd_*.c). */
extern const struct fbs_help fbs_help_scan, fbs_help_files, fbs_help_git, fbs_help_cloud,
    fbs_help_inventory, fbs_help_rules, fbs_help_hook, fbs_help_sweep;

/* `CMD --help`: the synopsis, about, option sections, examples and exit status. */
void fbs_help_print(FILE *out, const struct fbs_help *h);

/* One command of the table, as the generators see it. */
struct fbs_help_cmd {
    const char *name;
    const char *summary;
    const struct fbs_help *help; /* NULL: a command without options (version) */
};

/* The whole man page, fallback-scan(1), in troff (man macros): a section per command. */
void fbs_help_man(FILE *out, const struct fbs_help_cmd *cmds, size_t n, const char *version);

/* The command-line reference in Markdown (docs/cli.md). */
void fbs_help_markdown(FILE *out, const struct fbs_help_cmd *cmds, size_t n);

/* A completion script for `shell` ("bash" or "zsh"): 0, or -1 for an unknown shell. */
int fbs_help_completion(FILE *out, const char *shell, const struct fbs_help_cmd *cmds, size_t n);

#endif
