/*
 * cli.h - the command-line layer: the only code that prints, reads the environment or exits.
 *
 * Exit codes (stable, documented in README.md):
 *   0  no finding at or above --fail-on, and the scan was complete
 *   1  findings at or above --fail-on (whether or not the scan was complete)
 *   2  usage or configuration error (bad option, malformed rule/ignore file), or a fatal error
 *   3  no failing finding, but the scan was incomplete (something could not be read)
 */
#ifndef FBS_CLI_H
#define FBS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define FBS_EXIT_OK         0
#define FBS_EXIT_FINDINGS   1
#define FBS_EXIT_USAGE      2
#define FBS_EXIT_INCOMPLETE 3

#ifndef FBS_VERSION
#define FBS_VERSION "0.0.0"
#endif

struct fbs_help;

/* An entry of main.c's command table. */
struct fbs_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const struct fbs_help *help; /* help.h: `help NAME`, `NAME --help`, man page, completions */
};

int fbs_cmd_scan(int argc, char **argv);
int fbs_cmd_files(int argc, char **argv);
int fbs_cmd_git(int argc, char **argv);
int fbs_cmd_rules(int argc, char **argv);
int fbs_cmd_cloud(int argc, char **argv);
int fbs_cmd_hook(int argc, char **argv);
int fbs_cmd_sweep(int argc, char **argv);

/* "fallback-scan: <message>" on stderr. */
void fbs_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report an option getopt_long rejected (c is '?' or ':'), naming the command. */
void fbs_cli_bad_option(const char *cmd, const char *arg, int c);
/* Print the message of the last engine error with a context prefix; returns FBS_EXIT_USAGE. */
int fbs_cli_fail(const char *what);

/* Load the rule set for a command: built-in unless disabled, then each --rules dir; compiled. */
struct fbs_ruleset;
int fbs_cli_load_rules(struct fbs_ruleset **out, bool builtin, char **dirs, size_t ndirs);

#endif
