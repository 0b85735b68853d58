/*
 * help.c - print a command's help, and generate the man page and the shell completions from the
 * same data (help.h).
 */
#include "help.h"

#include <stdbool.h>
#include <string.h>

#include "../core/banned.h"

#define OPT_COLUMN 26 /* where an option's text starts in --help */

static const char default_exit_status[] =
    "0 clean, 1 findings, 2 usage/configuration error, 3 incomplete scan";

/* Print `s` up to `end`, each line after the first indented by `indent` spaces. */
static void put_indented(FILE *out, const char *s, int indent)
{
    for (; *s; s++) {
        fputc(*s, out);
        if (*s == '\n' && s[1])
            fprintf(out, "%*s", indent, "");
    }
}

static void print_opt(FILE *out, const struct fbs_help_opt *o)
{
    bool has_short = o->flags[0] == '-' && o->flags[1] != '-';
    int n = fprintf(out, "%s%s", has_short ? "  " : "      ", o->flags);

    if (n >= OPT_COLUMN)
        fprintf(out, "\n%*s", OPT_COLUMN, "");
    else
        fprintf(out, "%*s", OPT_COLUMN - n, "");
    put_indented(out, o->text, OPT_COLUMN);
    fputc('\n', out);
}

void fbs_help_print(FILE *out, const struct fbs_help *h)
{
    const struct fbs_help_section *const *s;
    const struct fbs_help_opt *o;
    const struct fbs_help_example *e;
    const char *line, *nl;
    bool first = true;

    for (line = h->usage; *line; line = *nl ? nl + 1 : nl) {
        nl = line + strcspn(line, "\n");
        fprintf(out, "%s fallback-scan %.*s\n", first ? "usage:" : "      ", (int)(nl - line),
                line);
        first = false;
    }
    if (h->about)
        fprintf(out, "\n%s\n", h->about);
    for (s = h->sections; s && *s; s++) {
        fprintf(out, "\n%s:\n", (*s)->title);
        for (o = (*s)->opts; o->flags; o++)
            print_opt(out, o);
    }
    if (h->examples && h->examples->what) {
        fputs("\nexamples:\n", out);
        for (e = h->examples; e->what; e++)
            fprintf(out, "  # %s\n  fallback-scan %s\n", e->what, e->command);
    }
    fprintf(out, "\nexit status: ");
    put_indented(out, h->exit_status ? h->exit_status : default_exit_status, 0);
    fputc('\n', out);
}

/* The man page -------------------------------------------------------------------------------- */

/* Text for troff: backslashes and hyphens escaped, no control character at a line's start. */
static void man_text(FILE *out, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if ((s[i] == '.' || s[i] == '\'') && (i == 0 || s[i - 1] == '\n'))
            fputs("\\&", out);
        if (s[i] == '\\')
            fputs("\\e", out);
        else if (s[i] == '-')
            fputs("\\-", out);
        else
            fputc(s[i], out);
    }
}

static void man_puts(FILE *out, const char *s)
{
    man_text(out, s, strlen(s));
}

/* "-f, --format FMT": the options in bold, the value's name in italics. */
static void man_flags(FILE *out, const char *flags)
{
    const char *p = flags;

    while (*p) {
        size_t n = strcspn(p, ", ");

        if (n) {
            fputs(*p == '-' ? "\\fB" : "\\fI", out);
            man_text(out, p, n);
            fputs("\\fR", out);
        }
        p += n;
        while (*p == ',' || *p == ' ')
            fputc(*p++, out);
    }
    fputc('\n', out);
}

/* Paragraphs: filled lines, and indented lines kept as they are. */
static void man_about(FILE *out, const char *about)
{
    const char *line = about, *nl;
    bool nofill = false;

    for (; *line; line = *nl ? nl + 1 : nl) {
        nl = line + strcspn(line, "\n");
        if (nl == line) {
            if (nofill)
                fputs(".fi\n", out);
            nofill = false;
            fputs(".PP\n", out);
            continue;
        }
        if (*line == ' ' && !nofill)
            fputs(".nf\n", out);
        else if (*line != ' ' && nofill)
            fputs(".fi\n", out);
        nofill = *line == ' ';
        man_text(out, line, (size_t)(nl - line));
        fputc('\n', out);
    }
    if (nofill)
        fputs(".fi\n", out);
}

static void man_command(FILE *out, const struct fbs_help_cmd *c)
{
    const struct fbs_help *h = c->help;
    const struct fbs_help_section *const *s;
    const struct fbs_help_opt *o;
    const struct fbs_help_example *e;
    const char *line, *nl;

    fprintf(out, ".SH \"FALLBACK\\-SCAN %s\"\n", c->name);
    man_puts(out, c->summary);
    fputs(".\n.PP\n.nf\n", out);
    for (line = h->usage; *line; line = *nl ? nl + 1 : nl) {
        nl = line + strcspn(line, "\n");
        fputs("\\fBfallback\\-scan\\fR ", out);
        man_text(out, line, (size_t)(nl - line));
        fputc('\n', out);
    }
    fputs(".fi\n", out);
    if (h->about) {
        fputs(".PP\n", out);
        man_about(out, h->about);
    }
    for (s = h->sections; s && *s; s++) {
        fputs(".SS \"", out);
        man_puts(out, (*s)->title);
        fputs("\"\n", out);
        for (o = (*s)->opts; o->flags; o++) {
            fputs(".TP\n", out);
            man_flags(out, o->flags);
            man_puts(out, o->text);
            fputc('\n', out);
        }
    }
    if (h->examples && h->examples->what) {
        fputs(".SS Examples\n", out);
        for (e = h->examples; e->what; e++) {
            fputs(".PP\n", out);
            man_puts(out, e->what);
            fputs(":\n.RS 4\n.nf\nfallback\\-scan ", out);
            man_puts(out, e->command);
            fputs("\n.fi\n.RE\n", out);
        }
    }
    if (h->exit_status) {
        fputs(".SS \"Exit status\"\n", out);
        man_puts(out, h->exit_status);
        fputc('\n', out);
    }
}

void fbs_help_man(FILE *out, const struct fbs_help_cmd *cmds, size_t n, const char *version)
{
    size_t i;

    fputs(".\\\" fallback-scan(1), generated by 'fallback-scan help --man' from the --help data.\n",
          out);
    fprintf(out, ".TH FALLBACK\\-SCAN 1 \"\" \"fallback\\-scan %s\" \"User Commands\"\n", version);
    fputs(".SH NAME\n"
          "fallback\\-scan \\- find fallback credentials and other secrets in files, git history "
          "and cloud accounts, and flag standing access\n"
          ".SH SYNOPSIS\n"
          ".B fallback\\-scan\n"
          ".I command\n"
          "[\\fIoptions\\fR] [\\fIarguments\\fR]\n"
          ".SH DESCRIPTION\n"
          "\\fBfallback\\-scan\\fR finds credentials in files, git history and cloud inventories, "
          "and marks the fallback ones: break\\-glass keys, backup certificates, recovery codes, "
          "Vault unseal and recovery keys, root and emergency tokens.\n"
          "Each finding is scored on age, expiry, privilege and custody, and the ones that have "
          "become standing access are flagged, with the reasons in sentences.\n"
          "Secrets are redacted in every report unless \\fB\\-\\-show\\-secrets\\fR is given.\n"
          ".SH COMMANDS\n",
          out);
    for (i = 0; i < n; i++) {
        fprintf(out, ".TP\n.B %s\n", cmds[i].name);
        man_puts(out, cmds[i].summary);
        fputc('\n', out);
    }
    for (i = 0; i < n; i++)
        if (cmds[i].help)
            man_command(out, &cmds[i]);
    fputs(".SH \"EXIT STATUS\"\n"
          ".TP\n.B 0\n"
          "no reported finding fails the scan (\\fB\\-\\-fail\\-on\\fR), and the scan was "
          "complete\n"
          ".TP\n.B 1\n"
          "at least one reported finding fails the scan (by default: any finding)\n"
          ".TP\n.B 2\n"
          "usage or configuration error: a bad option, a malformed rule, policy, ignore or "
          "baseline file, an unwritable output, rejected cloud credentials\n"
          ".TP\n.B 3\n"
          "no failing finding, but the scan was incomplete: something could not be read (listed "
          "in the report's diagnostics)\n"
          ".SH ENVIRONMENT\n"
          ".TP\n.B FALLBACK_SCAN_CACHE\n"
          "where compiled rule databases are cached (\\fBoff\\fR: no cache); default "
          "\\fI$XDG_CACHE_HOME/fallback\\-scan\\fR, else \\fI~/.cache/fallback\\-scan\\fR\n"
          ".TP\n.B FALLBACK_SCAN_EMBEDDED_DB\n"
          "\\fBoff\\fR: ignore the built\\-in rules' databases precompiled into the binary "
          "(compile them, or take them from the cache)\n"
          ".TP\n.B FALLBACK_SCAN_SALT\n"
          "extra salt for finding ids (as \\fB\\-\\-fingerprint\\-salt\\fR)\n"
          ".TP\n.B NO_COLOR\n"
          "no colour in the text report unless \\fB\\-\\-color\\fR is given\n"
          ".TP\n.B COLUMNS\n"
          "the width of the progress line when the terminal does not tell it\n"
          ".TP\n.B AWS_*, GOOGLE_OAUTH_ACCESS_TOKEN, AZURE_ACCESS_TOKEN, KUBECONFIG, VAULT_*\n"
          "credentials of the \\fBcloud\\fR providers (see \\fBfallback\\-scan cloud\\fR above)\n"
          ".SH FILES\n"
          ".TP\n.I .fallbackscanignore\n"
          "in each scanned target: ignore entries (fingerprint:, rule:, path:GLOB, each with a "
          "reason and an optional expiry)\n"
          ".SH \"SEE ALSO\"\n"
          "The documentation in /usr/share/doc/fallback\\-scan or the project's docs/ folder: "
          "architecture.md, scoring.md, policy.md, ci.md, cloud.md, cloud\\-aws.md, report.md, "
          "rules.md.\n",
          out);
}

/* The Markdown reference ------------------------------------------------------------------------
 */

/* Text for a table cell: '|' escaped, lines joined. */
static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s == '\n' ? ' ' : *s, out);
    }
}

static void md_about(FILE *out, const char *about)
{
    const char *line = about, *nl;
    bool block = false;

    for (; *line; line = *nl ? nl + 1 : nl) {
        nl = line + strcspn(line, "\n");
        if (*line == ' ' && !block)
            fputs("\n```\n", out);
        else if (*line != ' ' && block)
            fputs("```\n\n", out);
        block = *line == ' ';
        fprintf(out, "%.*s\n", (int)(nl - line), line);
    }
    if (block)
        fputs("```\n", out);
}

static void md_command(FILE *out, const struct fbs_help_cmd *c)
{
    const struct fbs_help *h = c->help;
    const struct fbs_help_section *const *s;
    const struct fbs_help_opt *o;
    const struct fbs_help_example *e;
    const char *line, *nl;

    fprintf(out, "\n## fallback-scan %s\n\n%s.\n\n```\n", c->name, c->summary);
    for (line = h->usage; *line; line = *nl ? nl + 1 : nl) {
        nl = line + strcspn(line, "\n");
        fprintf(out, "fallback-scan %.*s\n", (int)(nl - line), line);
    }
    fputs("```\n\n", out);
    if (h->about)
        md_about(out, h->about);
    for (s = h->sections; s && *s; s++) {
        fprintf(out, "\n### Options: %s\n\n| option | meaning |\n|---|---|\n", (*s)->title);
        for (o = (*s)->opts; o->flags; o++) {
            fputs("| `", out);
            md_cell(out, o->flags);
            fputs("` | ", out);
            md_cell(out, o->text);
            fputs(" |\n", out);
        }
    }
    if (h->examples && h->examples->what) {
        fputs("\n### Examples\n\n```sh\n", out);
        for (e = h->examples; e->what; e++)
            fprintf(out, "%s# %s\nfallback-scan %s\n", e == h->examples ? "" : "\n", e->what,
                    e->command);
        fputs("```\n", out);
    }
    fputs("\nExit status: ", out);
    md_cell(out, h->exit_status ? h->exit_status : default_exit_status);
    fputs(".\n", out);
}

void fbs_help_markdown(FILE *out, const struct fbs_help_cmd *cmds, size_t n)
{
    size_t i;

    fputs("# Command-line reference\n\n"
          "<!-- Generated by 'fallback-scan help --markdown' from the help data of\n"
          "     scanner/cli/cmd_*.c; the test cli_docs fails when it differs. Do not edit. -->\n\n"
          "Every command and option, as `fallback-scan help COMMAND` prints them (also in\n"
          "`man fallback-scan`). The report and exception options are shared by `scan`, `files`,\n"
          "`git`, `cloud` and `inventory`.\n\n"
          "| command | what it does |\n|---|---|\n",
          out);
    for (i = 0; i < n; i++) {
        fprintf(out, "| `%s` | ", cmds[i].name);
        md_cell(out, cmds[i].summary);
        fputs(" |\n", out);
    }
    for (i = 0; i < n; i++)
        if (cmds[i].help)
            md_command(out, &cmds[i]);
}

/* Completions -----------------------------------------------------------------------------------
 */

/* One option of a section, split: its forms and the name of its value (NULL: no value). */
struct opt_forms {
    char forms[4][48];
    size_t n;
    char value[24];
};

static void parse_flags(struct opt_forms *f, const char *flags)
{
    const char *p = flags;

    memset(f, 0, sizeof(*f));
    while (*p) {
        size_t n = strcspn(p, ", ");

        if (n && *p == '-' && f->n < 4 && n < sizeof(f->forms[0]))
            memcpy(f->forms[f->n++], p, n);
        else if (n && *p != '-' && !f->value[0] && n < sizeof(f->value))
            memcpy(f->value, p, n);
        p += n;
        p += strspn(p, ", ");
    }
}

/* What a value completes to: "files", "dirs" or NULL. */
static const char *value_kind(const struct opt_forms *f)
{
    if (!strcmp(f->value, "DIR"))
        return "dirs";
    if (!strcmp(f->value, "FILE") || !strcmp(f->value, "PATH"))
        return "files";
    return NULL;
}

static void bash_command(FILE *out, const struct fbs_help_cmd *c)
{
    const struct fbs_help *h = c->help;
    const struct fbs_help_section *const *s;
    const struct fbs_help_opt *o;
    struct opt_forms f;
    size_t i;

    fprintf(out, "    %s)\n        opts=\"", c->name);
    for (s = h->sections; s && *s; s++)
        for (o = (*s)->opts; o->flags; o++) {
            parse_flags(&f, o->flags);
            for (i = 0; i < f.n; i++)
                fprintf(out, "%s ", f.forms[i]);
        }
    fputs("--help\"\n", out);
    if (h->words)
        fprintf(out, "        words=\"%s\"\n", h->words);
    if (h->files)
        fprintf(out, "        files=%s\n", h->files);
    fputs("        case \"$prev\" in\n", out);
    for (s = h->sections; s && *s; s++)
        for (o = (*s)->opts; o->flags; o++) {
            parse_flags(&f, o->flags);
            if (!f.value[0])
                continue;
            fputs("        ", out);
            for (i = 0; i < f.n; i++)
                fprintf(out, "%s%s", i ? "|" : "", f.forms[i]);
            if (o->values)
                fprintf(out, ") COMPREPLY=($(compgen -W \"%s\" -- \"$cur\"))", o->values);
            else if (value_kind(&f))
                fprintf(out, ") COMPREPLY=($(compgen -%c -- \"$cur\"))",
                        !strcmp(value_kind(&f), "dirs") ? 'd' : 'f');
            else
                fputs(") COMPREPLY=()", out);
            fputs("; return 0 ;;\n", out);
        }
    fputs("        esac\n        ;;\n", out);
}

static void bash_completion(FILE *out, const struct fbs_help_cmd *cmds, size_t n)
{
    size_t i;

    fputs("# bash completion for fallback-scan, generated by 'fallback-scan help --completion "
          "bash'\n"
          "_fallback_scan()\n"
          "{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local opts=\"\" words=\"\" files=\"\"\n"
          "    COMPREPLY=()\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=($(compgen -W \"",
          out);
    for (i = 0; i < n; i++)
        fprintf(out, "%s ", cmds[i].name);
    fputs("help --help --version\" -- \"$cur\"))\n"
          "        return 0\n"
          "    fi\n"
          "    case \"${COMP_WORDS[1]}\" in\n",
          out);
    for (i = 0; i < n; i++)
        if (cmds[i].help)
            bash_command(out, &cmds[i]);
    fputs("    help)\n        words=\"", out);
    for (i = 0; i < n; i++)
        fprintf(out, "%s ", cmds[i].name);
    fputs("\"\n        ;;\n"
          "    *) return 0 ;;\n"
          "    esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "    elif [ -n \"$words\" ] && [ \"$COMP_CWORD\" -eq 2 ]; then\n"
          "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
          "    elif [ \"$files\" = dirs ]; then\n"
          "        COMPREPLY=($(compgen -d -- \"$cur\"))\n"
          "    elif [ -n \"$files\" ]; then\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -o filenames -F _fallback_scan fallback-scan\n",
          out);
}

/* A description for zsh: its first line, without the characters _arguments gives a meaning. */
static void zsh_desc(FILE *out, const char *s)
{
    for (; *s && *s != '\n'; s++) {
        if (*s == '[' || *s == '(')
            fputc('(', out);
        else if (*s == ']' || *s == ')')
            fputc(')', out);
        else if (*s == '\'')
            fputs("'\\''", out);
        else if (*s == ':' || *s == '\\' || *s == '`' || *s == '$')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

/* Whether an option before `at` in h's sections has the form `form` (listed once for zsh). */
static bool listed_before(const struct fbs_help *h, const struct fbs_help_opt *at, const char *form)
{
    const struct fbs_help_section *const *s;
    const struct fbs_help_opt *o;
    struct opt_forms f;
    size_t i;

    for (s = h->sections; s && *s; s++)
        for (o = (*s)->opts; o->flags; o++) {
            if (o == at)
                return false;
            parse_flags(&f, o->flags);
            for (i = 0; i < f.n; i++)
                if (!strcmp(f.forms[i], form))
                    return true;
        }
    return false;
}

static void zsh_command(FILE *out, const struct fbs_help_cmd *c)
{
    const struct fbs_help *h = c->help;
    const struct fbs_help_section *const *s;
    const struct fbs_help_opt *o;
    struct opt_forms f;
    size_t i;

    fprintf(out, "    %s)\n        _arguments -s \\\n", c->name);
    for (s = h->sections; s && *s; s++)
        for (o = (*s)->opts; o->flags; o++) {
            bool many = strstr(o->text, "repeatable") != NULL;

            parse_flags(&f, o->flags);
            for (i = 0; i < f.n; i++) {
                bool is_long = f.forms[i][1] == '-';

                if (listed_before(h, o, f.forms[i]))
                    continue;

                fprintf(out, "            '%s%s%s[", many ? "*" : "", f.forms[i],
                        !f.value[0] ? ""
                        : is_long   ? "="
                                    : "+");
                zsh_desc(out, o->text);
                fputc(']', out);
                if (f.value[0]) {
                    fprintf(out, ":%s:", f.value);
                    if (o->values)
                        fprintf(out, "(%s)", o->values);
                    else if (value_kind(&f))
                        fputs(!strcmp(value_kind(&f), "dirs") ? "_files -/" : "_files", out);
                    else
                        fputc(' ', out);
                }
                fputs("' \\\n", out);
            }
        }
    if (h->words)
        fprintf(out, "            '1:argument:(%s)' \\\n", h->words);
    if (h->files)
        fprintf(out, "            '*:%s:%s' \\\n", h->files,
                !strcmp(h->files, "dirs") ? "_files -/" : "_files");
    fputs("            '--help[show this command'\\''s help]'\n        ;;\n", out);
}

static void zsh_completion(FILE *out, const struct fbs_help_cmd *cmds, size_t n)
{
    size_t i;

    fputs("#compdef fallback-scan\n"
          "# zsh completion for fallback-scan, generated by 'fallback-scan help --completion zsh'\n"
          "_fallback_scan() {\n"
          "    local -a cmds\n"
          "    cmds=(\n",
          out);
    for (i = 0; i < n; i++) {
        fprintf(out, "        '%s:", cmds[i].name);
        zsh_desc(out, cmds[i].summary);
        fputs("'\n", out);
    }
    fputs("        'help:show a command'\\''s help'\n"
          "    )\n"
          "    if (( CURRENT == 2 )); then\n"
          "        _describe -t commands 'fallback-scan command' cmds\n"
          "        return\n"
          "    fi\n"
          "    local cmd=$words[2]\n"
          "    shift words\n"
          "    (( CURRENT-- ))\n"
          "    case $cmd in\n",
          out);
    for (i = 0; i < n; i++)
        if (cmds[i].help)
            zsh_command(out, &cmds[i]);
    fputs("    help)\n        _describe -t commands 'fallback-scan command' cmds\n        ;;\n"
          "    esac\n"
          "}\n"
          "if [ \"$funcstack[1]\" = \"_fallback_scan\" ]; then\n"
          "    _fallback_scan \"$@\"\n"
          "else\n"
          "    compdef _fallback_scan fallback-scan\n"
          "fi\n",
          out);
}

int fbs_help_completion(FILE *out, const char *shell, const struct fbs_help_cmd *cmds, size_t n)
{
    if (!strcmp(shell, "bash"))
        bash_completion(out, cmds, n);
    else if (!strcmp(shell, "zsh"))
        zsh_completion(out, cmds, n);
    else
        return -1;
    return 0;
}
