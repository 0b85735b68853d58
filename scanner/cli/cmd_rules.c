/*
 * cmd_rules.c - 'fallback-scan rules list' and 'fallback-scan rules test [DIR]'.
 *
 * The self-test runs every example of every loaded rule through the real matcher (all rules in
 * one database, as in a scan, but keeping overlapping matches): an example must produce a match
 * of its rule, with the declared secret when one is given; a negative example must produce none.
 * Every example is also scaled up to SCALE_LEN bytes (repeated line after line; and as a near
 * miss: its secret repeated with what followed it dropped, then the example itself) and must not
 * make its rule hit a PCRE2 resource limit, which in a scan costs time and may lose matches.
 */
#include "cli.h"
#include "help.h"
#include "../../detectors/verify.h"
#include "../core/alloc.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../match/match.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "../core/banned.h"

struct probe {
    const struct fbs_rule *rule;
    const char *text;
    bool matched;
    bool secret_ok;
    const struct fbs_rule_example *ex;
    char got[96];
};

static int on_probe(const struct fbs_match *m, void *payload)
{
    struct probe *p = payload;
    size_t n = m->secret_end - m->secret_start;

    if (m->rule != p->rule)
        return 0;
    p->matched = true;
    if (!p->ex->secret ||
        (n == p->ex->secret_len && !memcmp(p->text + m->secret_start, p->ex->secret, n))) {
        p->secret_ok = true;
    } else if (!p->secret_ok) {
        size_t k = n < sizeof(p->got) - 1 ? n : sizeof(p->got) - 1;

        memcpy(p->got, p->text + m->secret_start, k);
        p->got[k] = '\0';
    }
    return 0;
}

/* Print a short, single-line rendering of an example for a failure message. */
static void show_example(const struct fbs_rule_example *e)
{
    size_t i, n = e->len < 100 ? e->len : 100;

    fputs("      ", stdout);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)e->text[i];

        if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    if (e->len > n)
        fputs("...", stdout);
    putchar('\n');
}

#define SCALE_LEN (100u * 1024)

/*
 * Scaled-up text from an example: variant 0 is the example repeated line after line to
 * SCALE_LEN; variant 1 the example up to the end of its secret (the whole example without a
 * declared secret) with the secret repeated to SCALE_LEN, what followed it dropped, then "\x01\n"
 * and the example itself (so that the rule's real match comes after a long near miss).
 */
static int scaled_example(struct fbs_buf *b, const struct fbs_rule_example *e, int variant)
{
    const char *sec = e->text;
    size_t slen = e->len;
    int rc = 0;

    fbs_buf_truncate(b, 0);
    if (variant == 0) {
        while (rc == 0 && b->len < SCALE_LEN)
            rc = fbs_buf_put(b, e->text, e->len) < 0 || fbs_buf_putc(b, '\n') < 0 ? FBS_ENOMEM : 0;
        return rc;
    }
    if (e->secret && e->secret_len) {
        const char *at = memmem(e->text, e->len, e->secret, e->secret_len);

        if (at) {
            sec = at;
            slen = e->secret_len;
        }
    }
    if (!slen)
        return 0;
    rc = fbs_buf_put(b, e->text, (size_t)(sec - e->text) + slen);
    while (rc == 0 && b->len < SCALE_LEN)
        rc = fbs_buf_put(b, sec, slen);
    if (rc == 0)
        rc = fbs_buf_put(b, "\x01\n", 2);
    if (rc == 0)
        rc = fbs_buf_put(b, e->text, e->len);
    return rc < 0 ? FBS_ENOMEM : 0;
}

/*
 * Run rule r's example e scaled up; print a failure and return 1 when r hits a PCRE2 limit,
 * 0 when not, FBS_ENOMEM or the matcher's error.
 */
static int probe_scaled(struct fbs_matcher *m, const struct fbs_rule *r,
                        const struct fbs_rule_example *e, struct fbs_buf *b)
{
    static const char *const how[] = {"repeated", "as a near miss"};
    struct probe p;
    struct fbs_match_opts mo;
    int variant, rc;

    for (variant = 0; variant < 2; variant++) {
        const struct fbs_regex_error *err;
        size_t n, i;
        char msg[128];

        rc = scaled_example(b, e, variant);
        if (rc < 0)
            return rc;
        memset(&p, 0, sizeof(p));
        p.rule = r;
        p.text = b->ptr;
        p.ex = e;
        mo.binary = fbs_is_binary(b->ptr, b->len);
        mo.all_matches = true;
        mo.path = e->path;
        rc = fbs_matcher_confirm_only(m, (const unsigned char *)b->ptr, b->len, &mo);
        if (rc < 0)
            return rc;
        err = fbs_matcher_regex_errors(m, &n);
        for (i = 0; i < n; i++) {
            if (err[i].rule != r)
                continue;
            printf("FAIL %s (%s:%d): example at line %d, scaled to %u KB (%s), hit PCRE2's %s; "
                   "the pattern backtracks too much (nested or overlapping quantifiers?)\n",
                   r->id, r->file, r->line, e->line, SCALE_LEN / 1024, how[variant],
                   fbs_regex_error_name(err[i].code, msg, sizeof(msg)));
            show_example(e);
            return 1;
        }
    }
    return 0;
}

static int run_tests(const struct fbs_ruleset *rs, bool verbose)
{
    struct fbs_buf scaled = FBS_BUF_INIT;
    struct fbs_matcher *m = NULL;
    size_t i, j, failed_rules = 0, passed = 0, failed = 0;

    if (fbs_matcher_new(&m, rs) < 0)
        return fbs_cli_fail(NULL);
    for (i = 0; i < rs->n; i++) {
        const struct fbs_rule *r = rs->rules[i];
        bool rule_failed = false;

        /* `verify:` must name a registered verifier (detectors/verify.h): a scan with --verify
         * would only say "no verifier of that name" for each finding. */
        if (r->verify && !fbs_verify_known(r->verify)) {
            const char *const *names = fbs_verify_names();
            size_t k;

            failed++;
            rule_failed = true;
            printf("FAIL %s (%s:%d): verify: unknown verifier '%s' (known:", r->id, r->file,
                   r->verify_line ? r->verify_line : r->line, r->verify);
            for (k = 0; names[k]; k++)
                printf("%s %s", k ? "," : "", names[k]);
            printf(")\n");
        }

        for (j = 0; j < r->nexamples + r->nnegatives; j++) {
            bool negative = j >= r->nexamples;
            const struct fbs_rule_example *e =
                negative ? &r->negatives[j - r->nexamples] : &r->examples[j];
            struct probe p;
            struct fbs_match_opts mo;
            bool ok;

            memset(&p, 0, sizeof(p));
            p.rule = r;
            p.text = e->text;
            p.ex = e;
            mo.binary = fbs_is_binary(e->text, e->len);
            mo.all_matches = true;
            mo.path = e->path;
            if (fbs_matcher_scan(m, (const unsigned char *)e->text, e->len, &mo, on_probe, &p) <
                0) {
                fbs_matcher_free(m);
                fbs_buf_release(&scaled);
                return fbs_cli_fail("rules test");
            }
            ok = negative ? !p.matched : p.matched && p.secret_ok;
            if (ok) {
                int slow = probe_scaled(m, r, e, &scaled);

                if (slow < 0) {
                    fbs_matcher_free(m);
                    fbs_buf_release(&scaled);
                    return fbs_cli_fail("rules test");
                }
                if (slow) {
                    failed++;
                    rule_failed = true;
                    continue;
                }
                passed++;
                continue;
            }
            failed++;
            rule_failed = true;
            if (negative)
                printf("FAIL %s (%s:%d): negative example at line %d matched\n", r->id, r->file,
                       r->line, e->line);
            else if (!p.matched)
                printf("FAIL %s (%s:%d): example at line %d did not match\n", r->id, r->file,
                       r->line, e->line);
            else
                printf("FAIL %s (%s:%d): example at line %d yielded '%s', not the declared "
                       "secret\n",
                       r->id, r->file, r->line, e->line, p.got);
            show_example(e);
        }
        failed_rules += rule_failed;
        if (verbose && !rule_failed)
            printf("ok   %s (%zu examples, %zu negative)\n", r->id, r->nexamples, r->nnegatives);
    }
    fbs_matcher_free(m);
    fbs_buf_release(&scaled);
    printf("rules: %zu, failing: %zu\n", rs->n, failed_rules);
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? FBS_EXIT_FINDINGS : FBS_EXIT_OK;
}

static int list_rules(const struct fbs_ruleset *rs, bool as_json)
{
    size_t i;

    if (as_json) {
        json_t *arr = json_array();

        for (i = 0; i < rs->n; i++) {
            const struct fbs_rule *r = rs->rules[i];

            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b, s:s, s:b, s:s, s:i}", "id",
                                                 r->id, "name", r->name, "kind", r->kind,
                                                 "fallback", r->fallback, "privilege",
                                                 fbs_privilege_name(r->privilege), "binary",
                                                 r->binary, "file", r->file, "line", r->line));
        }
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(arr);
        return FBS_EXIT_OK;
    }
    for (i = 0; i < rs->n; i++) {
        const struct fbs_rule *r = rs->rules[i];

        printf("%-40s %-28s %s%s\n", r->id, r->kind, r->fallback ? "[fallback] " : "", r->name);
    }
    printf("%zu rules\n", rs->n);
    return FBS_EXIT_OK;
}

static const struct fbs_help_opt rules_opts[] = {
    {"--rules DIR", "also load the rules in DIR/*.yml (repeatable)", NULL},
    {"--no-builtin-rules", "do not load the built-in rule pack", NULL},
    {"-f, --format FMT", "list: text (default) or json", "text json"},
    {"-v, --verbose",
     "test: also list every passing rule; both: say on stderr where the compiled rule databases "
     "came from (embedded, cache, compiled)",
     NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_section rules_section = {"rules", rules_opts};
static const struct fbs_help_section *const rules_sections[] = {&rules_section, NULL};

static const struct fbs_help_example rules_examples[] = {
    {"the built-in rules, fallback kinds marked", "rules list"},
    {"check your own rules' examples (docs/rules.md)", "rules test ./my-rules --no-builtin-rules"},
    {NULL, NULL},
};

const struct fbs_help fbs_help_rules = {
    .name = "rules",
    .usage = "rules list [--rules DIR] [--no-builtin-rules] [--format text|json] [-v]\n"
             "rules test [DIR] [--rules DIR] [--no-builtin-rules] [-v]",
    .about = "'rules list' prints every loaded rule: id, kind, whether it finds fallback\n"
             "credentials, and name. 'rules test' runs every example (must match and yield\n"
             "the declared secret) and negative example (must not match) of every rule.",
    .sections = rules_sections,
    .examples = rules_examples,
    .exit_status = "0 every example passed, 1 an example failed, 2 a rule file is malformed",
    .words = "list test",
    .files = "dirs",
};

int fbs_cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},  {"no-builtin-rules", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct fbs_ruleset *rs = NULL;
    char *dirs[64];
    size_t ndirs = 0;
    bool builtin = true, verbose = false, as_json = false;
    const char *action;
    int c, status;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (ndirs == 64) {
                fbs_cli_error("too many --rules directories");
                return FBS_EXIT_USAGE;
            }
            dirs[ndirs++] = optarg;
            break;
        case 'n':
            builtin = false;
            break;
        case 'f':
            if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
                fbs_cli_error("--format: expected text or json");
                return FBS_EXIT_USAGE;
            }
            as_json = !strcmp(optarg, "json");
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            fbs_help_print(stdout, &fbs_help_rules);
            return FBS_EXIT_OK;
        default:
            fbs_cli_bad_option("rules", argv[optind - 1], c);
            return FBS_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fbs_cli_error("rules: expected 'list' or 'test'");
        return FBS_EXIT_USAGE;
    }
    action = argv[optind++];
    if (strcmp(action, "list") && strcmp(action, "test")) {
        fbs_cli_error("rules: unknown action '%s' (expected 'list' or 'test')", action);
        return FBS_EXIT_USAGE;
    }
    while (optind < argc) {
        if (ndirs == 64) {
            fbs_cli_error("too many rule directories");
            return FBS_EXIT_USAGE;
        }
        dirs[ndirs++] = argv[optind++];
    }
    if (fbs_cli_load_rules(&rs, builtin, dirs, ndirs) < 0)
        return fbs_cli_fail(NULL);
    if (verbose) /* where the compiled rule databases came from (docs/rules.md) */
        fprintf(stderr,
                "databases: %u embedded, %u from the cache, %u compiled; prefilter decisions: %s\n",
                rs->loaded.db[FBS_ORIGIN_EMBEDDED], rs->loaded.db[FBS_ORIGIN_DISK],
                rs->loaded.db[FBS_ORIGIN_COMPILED],
                rs->loaded.prefilters == FBS_ORIGIN_EMBEDDED ? "embedded"
                : rs->loaded.prefilters == FBS_ORIGIN_DISK   ? "from the cache"
                                                             : "computed");
    status = !strcmp(action, "list") ? list_rules(rs, as_json) : run_tests(rs, verbose);
    fbs_ruleset_free(rs);
    return status;
}
