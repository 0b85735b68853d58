/*
 * cmd_sweep.c - 'fallback-scan sweep run|list|diff|report|triage': sweeps over many targets,
 * remembered in a datastore (docs/sweep.md).
 */
#include "cli.h"
#include "help.h"
#include "cloud_cli.h"
#include "../../detectors/policy.h"
#include "../../detectors/vocab.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../core/text.h"
#include "../core/time.h"
#include "../core/vec.h"
#include "../match/ruleset.h"
#include "../model/diag.h"
#include "../../reporters/reporter.h"
#include "../store/datastore.h"
#include "../sweep/sweep.h"

#include <errno.h>
#include <getopt.h>
#include <git2.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/banned.h"

#define DEFAULT_MAX_FILE_SIZE (25ull * 1024 * 1024)

static const struct fbs_help_opt sweep_common_opts[] = {
    {"--db PATH|URL",
     "the datastore (default: the configuration's 'datastore:', else\n"
     "$XDG_DATA_HOME/fallback-scan/sweeps.db, else\n"
     "~/.local/share/fallback-scan/sweeps.db); postgres://... or\n"
     "postgresql://... (a libpq URI), pg:CONNINFO or pg: alone (the PG*\n"
     "environment variables) select a shared PostgreSQL datastore (docs/fleet.md)",
     NULL},
    {"-q, --quiet", "no progress line", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt sweep_run_opts[] = {
    {"--config FILE", "the sweep configuration (YAML or JSON; docs/sweep.md)", NULL},
    {"-j, --jobs N", "targets scanned at once (default 2)", NULL},
    {"--threads N", "pipeline threads per target (default: cores / jobs)", NULL},
    {"--now TIME", "reference time (ISO 8601; default: the clock)", NULL},
    {"--full", "read every target in full (no carry-over)", NULL},
    {"--resume", "continue the latest interrupted sweep", NULL},
    {"--max-file-size N", "default size limit of files and blobs (25MiB)", NULL},
    {"--verify",
     "run, plan, worker: live verification as in 'scan --verify' (or 'verify: true'\n"
     "in the configuration); results are cached in the datastore for\n"
     "verify_cache_ttl (default 24h; docs/sweep.md)",
     NULL},
    {"--verify-internal", "with --verify, also endpoints from the file's context (Vault)", NULL},
    {"--verify-timeout S", "with --verify, seconds per request attempt (default 10)", NULL},
    {"--clone-timeout D", "a URL target's fetch fails after D (N, Ns, Nm, Nh; default 10m)", NULL},
    {"--clone-stall-timeout D", "... or after D without transfer progress (default 60s)", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt sweep_fleet_opts[] = {
    {"--sweep ID", "worker, status: this sweep (default: the latest unfinished)", NULL},
    {"--lease DURATION",
     "worker, run: a claimed target is held this long (Ns, Nm, Nh; default 1h);\n"
     "a heartbeat extends it every third of it; a dead worker's targets are\n"
     "claimed again once it ran out",
     NULL},
    {"--max-attempts N",
     "worker, run: claims of a target whose worker died before it is recorded\n"
     "failed (default 3)",
     NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt sweep_diff_opts[] = {
    {"--from SWEEP", "compare from this sweep (default: the one before --to)", NULL},
    {"--to SWEEP", "compare up to this sweep (default: the latest)", NULL},
    {"--expiring-within DAYS", "list acceptances that expire within DAYS", NULL},
    {"--fail-on-new", "exit 1 when a finding is new", NULL},
    {"--fail-on-new-standing", "exit 1 when new standing access appeared", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt sweep_report_opts[] = {
    {"--sweep SWEEP", "the state as of this sweep (default: the latest)", NULL},
    {"-f, --format FMT", "text (default), json, sarif or html (diff: text or json)",
     "text json sarif html"},
    {"-o, --output FILE", "write the report to FILE", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_opt sweep_triage_opts[] = {
    {"--state STATE", "accepted, false_positive or revoked", "accepted false_positive revoked"},
    {"--reason TEXT", "why (required)", NULL},
    {"--expires DATE", "when an acceptance ends (the finding reopens and is due)", NULL},
    {"--reviewer NAME", "who decided", NULL},
    {"--ticket REF", "a ticket or change reference", NULL},
    {NULL, NULL, NULL},
};

static const struct fbs_help_section sweep_common = {"every sweep command", sweep_common_opts};
static const struct fbs_help_section sweep_run = {"sweep run, sweep plan, sweep worker",
                                                  sweep_run_opts};
static const struct fbs_help_section sweep_fleet = {"sweep worker, sweep status (and run)",
                                                    sweep_fleet_opts};
static const struct fbs_help_section sweep_diff = {"sweep diff", sweep_diff_opts};
static const struct fbs_help_section sweep_report = {"sweep report, sweep diff", sweep_report_opts};
static const struct fbs_help_section sweep_triage = {"sweep triage", sweep_triage_opts};
static const struct fbs_help_section *const sweep_sections[] = {
    &sweep_common, &sweep_run, &sweep_fleet, &sweep_diff, &sweep_report, &sweep_triage, NULL,
};

static const struct fbs_help_example sweep_examples[] = {
    {"sweep the targets of a configuration, remembering every finding",
     "sweep run --config sweep.yml"},
    {"many machines on one PostgreSQL: plan once, then start workers anywhere",
     "sweep plan --config sweep.yml --db postgres://sweeper@db/sweeps\n"
     "sweep worker --config sweep.yml --db postgres://sweeper@db/sweeps -j 2"},
    {"what changed since the last sweep; fail when new standing access appeared",
     "sweep diff --fail-on-new-standing"},
    {"the state for an access review", "sweep report --format html -o review.html"},
    {"every repository of a GitHub organisation (org.yml: 'targets: [github:acme]'; the token\n"
     "in GITHUB_TOKEN)",
     "sweep run --config org.yml"},
    {"accept a finding until a date",
     "sweep triage 6ecfa04e7b06272d --state accepted --reason 'vendor cut-over' "
     "--expires 2027-01-31 --reviewer alice"},
    {NULL, NULL},
};

const struct fbs_help fbs_help_sweep = {
    .name = "sweep",
    .usage = "sweep run --config FILE [--full] [--resume] [options]\n"
             "sweep plan --config FILE --db URL [--now T]\n"
             "sweep worker --config FILE --db URL [--sweep ID] [-j N] [--lease D] [--full]\n"
             "sweep status [--sweep ID] [--format json]\n"
             "sweep list\n"
             "sweep diff [--from S] [--to S] [options]\n"
             "sweep report [--sweep S] [--format FMT] [-o FILE]\n"
             "sweep triage ID --state STATE --reason TEXT [options]",
    .about = "Sweep many targets (repositories, directories, URLs, inventories, AWS accounts)\n"
             "and remember every finding in a datastore: what is new, fixed, reopened, accepted\n"
             "or due (docs/sweep.md). Repositories whose refs did not move are not read again;\n"
             "those that grew are read only for their new commits. With a PostgreSQL\n"
             "datastore, 'plan' queues the targets and any number of 'worker' processes on\n"
             "any machines scan them (docs/fleet.md).\n\n"
             "A target may be a GitHub organisation or user (github:ORG) or a GitLab group with\n"
             "its subgroups (gitlab:GROUP), on the public service or a self-hosted API base:\n"
             "its repositories are listed through the REST API (token from GITHUB_TOKEN or\n"
             "GITLAB_TOKEN, never stored or printed; rate limits waited for, at most max_wait).",
    .sections = sweep_sections,
    .examples = sweep_examples,
    .exit_status = "0 done; 1 diff --fail-on-new[-standing] found some; 2 usage, configuration\n"
                   "or datastore error; 3 some target failed or could not be read in full, or\n"
                   "the sweep was interrupted",
    .words = "run plan worker status list diff report triage",
    .files = NULL,
};

enum {
    OPT_DB = 300,
    OPT_CONFIG,
    OPT_NOW,
    OPT_FULL,
    OPT_RESUME,
    OPT_FROM,
    OPT_TO,
    OPT_SWEEP,
    OPT_EXPIRING,
    OPT_FAIL_NEW,
    OPT_FAIL_NEW_STANDING,
    OPT_STATE,
    OPT_REASON,
    OPT_EXPIRES,
    OPT_REVIEWER,
    OPT_TICKET,
    OPT_THREADS,
    OPT_MAX_FILE_SIZE,
    OPT_LEASE,
    OPT_MAX_ATTEMPTS,
    OPT_VERIFY,
    OPT_VERIFY_INTERNAL,
    OPT_VERIFY_TIMEOUT,
    OPT_CLONE_TIMEOUT,
    OPT_CLONE_STALL,
};

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"jobs", required_argument, NULL, 'j'},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"now", required_argument, NULL, OPT_NOW},
    {"full", no_argument, NULL, OPT_FULL},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
    {"lease", required_argument, NULL, OPT_LEASE},
    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"verify-internal", no_argument, NULL, OPT_VERIFY_INTERNAL},
    {"verify-timeout", required_argument, NULL, OPT_VERIFY_TIMEOUT},
    {"clone-timeout", required_argument, NULL, OPT_CLONE_TIMEOUT},
    {"clone-stall-timeout", required_argument, NULL, OPT_CLONE_STALL},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"sweep", required_argument, NULL, OPT_SWEEP},
    {"expiring-within", required_argument, NULL, OPT_EXPIRING},
    {"fail-on-new", no_argument, NULL, OPT_FAIL_NEW},
    {"fail-on-new-standing", no_argument, NULL, OPT_FAIL_NEW_STANDING},
    {"state", required_argument, NULL, OPT_STATE},
    {"reason", required_argument, NULL, OPT_REASON},
    {"expires", required_argument, NULL, OPT_EXPIRES},
    {"reviewer", required_argument, NULL, OPT_REVIEWER},
    {"ticket", required_argument, NULL, OPT_TICKET},
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct sweep_args {
    const char *sub, *db, *config, *format, *output;
    const char *state, *reason, *reviewer, *ticket, *id;
    fbs_time_t now, expires;
    bool have_now, full, resume, quiet, fail_new, fail_new_standing;
    unsigned jobs, threads;
    int64_t from, to, sweep;
    int64_t expiring_days;
    uint64_t max_file_size;
    int64_t lease;
    unsigned max_attempts;
    bool verify, verify_internal;
    int64_t verify_timeout;
    int64_t clone_timeout, clone_stall;
};

static int parse_int_quiet(int64_t *out, const char *arg, int64_t min, int64_t max);

/* --lease: N (seconds), Ns, Nm or Nh. */
static int parse_duration(int64_t *out, const char *opt, const char *arg)
{
    char num[32];
    size_t n = strlen(arg);
    int64_t mult = 1;

    if (n > 1 && (arg[n - 1] == 's' || arg[n - 1] == 'm' || arg[n - 1] == 'h')) {
        mult = arg[n - 1] == 'h' ? 3600 : arg[n - 1] == 'm' ? 60 : 1;
        n--;
    }
    snprintf(num, sizeof(num), "%.*s", (int)(n < sizeof(num) - 1 ? n : sizeof(num) - 1), arg);
    if (parse_int_quiet(out, num, 1, 7 * 24 * 3600 / mult) < 0) {
        fbs_cli_error("sweep: %s: invalid duration '%s' (expected N, Ns, Nm or Nh, up to a week)",
                      opt, arg);
        return -1;
    }
    *out *= mult;
    return 0;
}

static int parse_int_quiet(int64_t *out, const char *arg, int64_t min, int64_t max)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(arg, &end, 10);
    if (errno || *end || end == arg || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_int(int64_t *out, const char *opt, const char *arg, int64_t min, int64_t max)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(arg, &end, 10);
    if (errno || *end || end == arg || v < min || v > max) {
        fbs_cli_error("sweep: %s: invalid value '%s' (expected %lld..%lld)", opt, arg,
                      (long long)min, (long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

/* --expires: a date, or "Nd" days after --now. */
static int parse_expires(struct sweep_args *a, const char *arg)
{
    size_t n = strlen(arg);
    int64_t days;

    if (n > 1 && arg[n - 1] == 'd' && strspn(arg, "0123456789") == n - 1) {
        char num[32];

        snprintf(num, sizeof(num), "%.*s", (int)(n - 1), arg);
        if (parse_int(&days, "--expires", num, 1, 36500) < 0)
            return -1;
        a->expires = -days; /* resolved against now once it is known */
        return 0;
    }
    if (fbs_time_parse(&a->expires, arg) < 0) {
        fbs_cli_fail("sweep: --expires");
        return -1;
    }
    return 0;
}

static int parse_args(struct sweep_args *a, int argc, char **argv)
{
    int64_t v;
    int c;

    memset(a, 0, sizeof(*a));
    a->format = "text";
    a->jobs = 2;
    a->max_file_size = DEFAULT_MAX_FILE_SIZE;
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
            fbs_help_print(stdout, &fbs_help_sweep);
            return 1;
        }
        fbs_cli_error("sweep: which one: run, plan, worker, status, list, diff, report or "
                      "triage? (see 'fallback-scan sweep --help')");
        return -1;
    }
    a->sub = argv[1];
    optind = 2;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":j:f:o:qh", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            a->db = optarg;
            break;
        case OPT_CONFIG:
            a->config = optarg;
            break;
        case 'j':
            if (parse_int(&v, "--jobs", optarg, 1, 64) < 0)
                return -1;
            a->jobs = (unsigned)v;
            break;
        case OPT_THREADS:
            if (parse_int(&v, "--threads", optarg, 1, 256) < 0)
                return -1;
            a->threads = (unsigned)v;
            break;
        case OPT_NOW:
            if (fbs_time_parse(&a->now, optarg) < 0) {
                fbs_cli_fail("sweep: --now");
                return -1;
            }
            a->have_now = true;
            break;
        case OPT_FULL:
            a->full = true;
            break;
        case OPT_RESUME:
            a->resume = true;
            break;
        case OPT_MAX_FILE_SIZE:
            if (fbs_parse_size(&a->max_file_size, optarg) < 0) {
                fbs_cli_fail("sweep: --max-file-size");
                return -1;
            }
            break;
        case OPT_LEASE:
            if (parse_duration(&a->lease, "--lease", optarg) < 0)
                return -1;
            break;
        case OPT_CLONE_TIMEOUT:
            if (parse_duration(&a->clone_timeout, "--clone-timeout", optarg) < 0)
                return -1;
            break;
        case OPT_CLONE_STALL:
            if (parse_duration(&a->clone_stall, "--clone-stall-timeout", optarg) < 0)
                return -1;
            break;
        case OPT_MAX_ATTEMPTS:
            if (parse_int(&v, "--max-attempts", optarg, 1, 100) < 0)
                return -1;
            a->max_attempts = (unsigned)v;
            break;
        case OPT_VERIFY:
            a->verify = true;
            break;
        case OPT_VERIFY_INTERNAL:
            a->verify_internal = true;
            break;
        case OPT_VERIFY_TIMEOUT:
            if (parse_int(&a->verify_timeout, "--verify-timeout", optarg, 1, 600) < 0)
                return -1;
            break;
        case OPT_FROM:
            if (parse_int(&a->from, "--from", optarg, 1, INT64_MAX) < 0)
                return -1;
            break;
        case OPT_TO:
            if (parse_int(&a->to, "--to", optarg, 1, INT64_MAX) < 0)
                return -1;
            break;
        case OPT_SWEEP:
            if (parse_int(&a->sweep, "--sweep", optarg, 1, INT64_MAX) < 0)
                return -1;
            break;
        case OPT_EXPIRING:
            if (parse_int(&a->expiring_days, "--expiring-within", optarg, 0, 36500) < 0)
                return -1;
            break;
        case OPT_FAIL_NEW:
            a->fail_new = true;
            break;
        case OPT_FAIL_NEW_STANDING:
            a->fail_new_standing = true;
            break;
        case OPT_STATE:
            a->state = optarg;
            break;
        case OPT_REASON:
            a->reason = optarg;
            break;
        case OPT_EXPIRES:
            if (parse_expires(a, optarg) < 0)
                return -1;
            break;
        case OPT_REVIEWER:
            a->reviewer = optarg;
            break;
        case OPT_TICKET:
            a->ticket = optarg;
            break;
        case 'f':
            a->format = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'h':
            fbs_help_print(stdout, &fbs_help_sweep);
            return 1;
        default:
            fbs_cli_bad_option("sweep", argv[optind - 1], c);
            return -1;
        }
    }
    if (!strcmp(a->sub, "triage")) {
        if (optind >= argc) {
            fbs_cli_error("sweep triage: which finding? (an id from 'sweep report' or 'sweep "
                          "diff')");
            return -1;
        }
        a->id = argv[optind++];
    }
    if (optind < argc) {
        fbs_cli_error("sweep %s: unexpected argument '%s'", a->sub, argv[optind]);
        return -1;
    }
    if (strcmp(a->format, "text") && strcmp(a->format, "json") &&
        (strcmp(a->sub, "report") || (strcmp(a->format, "sarif") && strcmp(a->format, "html")))) {
        fbs_cli_error("sweep %s: --format: unknown format '%s' (known: text, json%s)", a->sub,
                      a->format, strcmp(a->sub, "report") ? "" : ", sarif, html");
        return -1;
    }
    return 0;
}

/* The datastore: --db, the configuration's, $XDG_DATA_HOME/..., ~/.local/share/... */
static int db_path(struct fbs_buf *out, const struct sweep_args *a, const char *from_config)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

    if (a->db)
        return fbs_buf_puts(out, a->db);
    if (from_config)
        return fbs_buf_puts(out, from_config);
    if (xdg && *xdg)
        return fbs_buf_printf(out, "%s/fallback-scan/sweeps.db", xdg);
    if (home && *home)
        return fbs_buf_printf(out, "%s/.local/share/fallback-scan/sweeps.db", home);
    return fbs_error_set(FBS_EINVAL, "no datastore: set --db, XDG_DATA_HOME or HOME");
}

static int open_store(struct fbs_store **out, const struct sweep_args *a, const char *from_config,
                      bool create)
{
    struct fbs_buf p = FBS_BUF_INIT;
    int rc = db_path(&p, a, from_config);

    if (rc == 0)
        rc = fbs_store_open(out, p.ptr, create);
    fbs_buf_release(&p);
    if (rc < 0)
        fbs_cli_fail("sweep");
    return rc;
}

static void iso(char out[FBS_TIME_ISO_LEN], fbs_time_t t)
{
    if (t)
        fbs_time_format(out, t);
    else
        snprintf(out, FBS_TIME_ISO_LEN, "-");
}

/* run ---------------------------------------------------------------------------------------- */

static atomic_bool cancel_flag;

static void on_sigint(int sig)
{
    (void)sig;
    atomic_store(&cancel_flag, true);
    signal(SIGINT, SIG_DFL); /* a second ^C stops at once */
}

struct run_ui {
    bool progress, quiet;
    size_t failed;
};

static void run_progress(const struct fbs_sweep_progress *p, void *payload)
{
    struct run_ui *ui = payload;

    if (!ui->progress)
        return;
    fprintf(stderr, "\r\033[Ksweep: %zu/%zu targets, %zu failed, %zu findings  %.60s", p->done,
            p->total, p->failed, p->findings, p->current ? p->current : "");
}

static void run_outcome(const struct fbs_sweep_outcome *o, void *payload)
{
    struct run_ui *ui = payload;

    if (ui->progress && (o->failed || (o->error && !ui->quiet)))
        fputs("\r\033[K", stderr);
    if (o->failed) {
        ui->failed++;
        fbs_cli_error("sweep: target '%s' failed: %s", o->target, o->error);
    } else if (o->error && !ui->quiet) {
        fbs_cli_error("sweep: target '%s': %s", o->target, o->error);
    }
}

static int load_policy(struct fbs_policy *p, json_t **pj, struct fbs_vocab **vocab,
                       const char *file)
{
    if (fbs_policy_load_builtin(p) < 0 || (file && fbs_policy_apply_file(p, file) < 0) ||
        fbs_vocab_load_builtin(vocab) < 0)
        return -1;
    *pj = fbs_policy_to_json(p);
    return *pj ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

static int cmd_run(struct sweep_args *a)
{
    struct fbs_sweep_config cfg;
    struct fbs_store *store = NULL;
    struct fbs_ruleset *rules = NULL;
    struct fbs_policy policy;
    struct fbs_vocab *vocab = NULL;
    json_t *pj = NULL;
    struct fbs_sweep_opts so;
    struct fbs_sweep_summary sum;
    struct run_ui ui = {false, a->quiet, 0};
    struct fbs_buf cache = FBS_BUF_INIT;
    struct sigaction sa, old;
    bool have_cfg = false, git_on = false, sig_on = false;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    struct fbs_aws_env aws_env;
    struct fbs_verify_opts vopts;
    const char *hook;
    int status = FBS_EXIT_USAGE, rc;

    memset(&aws_env, 0, sizeof(aws_env));
    aws_env.access_key_id = getenv("AWS_ACCESS_KEY_ID");
    aws_env.secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
    aws_env.session_token = getenv("AWS_SESSION_TOKEN");
    aws_env.profile = getenv("AWS_PROFILE");
    aws_env.region = getenv("AWS_REGION");
    aws_env.default_region = getenv("AWS_DEFAULT_REGION");
    aws_env.shared_credentials_file = getenv("AWS_SHARED_CREDENTIALS_FILE");
    aws_env.config_file = getenv("AWS_CONFIG_FILE");
    aws_env.home = getenv("HOME");

    if (!a->config) {
        fbs_cli_error("sweep %s: --config FILE is required (see 'fallback-scan sweep --help')",
                      a->sub);
        return FBS_EXIT_USAGE;
    }
    if (strcmp(a->sub, "run") && a->resume) {
        fbs_cli_error("sweep %s: --resume is for 'sweep run' (workers always continue a sweep)",
                      a->sub);
        return FBS_EXIT_USAGE;
    }
    if (fbs_sweep_config_load(&cfg, a->config) < 0) {
        fbs_cli_fail(NULL);
        return FBS_EXIT_USAGE;
    }
    have_cfg = true;
    /* --verify (or verify: true in the configuration), as 'scan --verify' takes it. */
    memset(&vopts, 0, sizeof(vopts));
    vopts.internal = a->verify_internal || cfg.verify_internal;
    vopts.timeout_s = (long)a->verify_timeout;
    if (!(a->verify || cfg.verify) && (vopts.internal || vopts.timeout_s)) {
        fbs_cli_error("sweep %s: --verify-internal and --verify-timeout (verify_internal:) need "
                      "--verify (or 'verify: true' in the configuration)",
                      a->sub);
        goto done;
    }
    if (a->verify || cfg.verify) {
        /* Test-only: point verifiers at loopback servers; anything else is refused. */
        vopts.override = getenv("FALLBACK_SCAN_VERIFY_OVERRIDE");
        if (vopts.override && *vopts.override && fbs_verify_check_override(vopts.override) < 0) {
            fbs_cli_fail(NULL);
            goto done;
        }
    }
    if (fbs_cli_load_rules(&rules, !cfg.no_builtin_rules, cfg.rule_dirs, cfg.nrule_dirs) < 0 ||
        load_policy(&policy, &pj, &vocab, cfg.policy_file) < 0) {
        fbs_cli_fail(NULL);
        goto done;
    }
    if (cfg.cache_dir) {
        rc = fbs_buf_puts(&cache, cfg.cache_dir);
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

        rc = xdg && *xdg ? fbs_buf_printf(&cache, "%s/fallback-scan/clones", xdg)
                         : fbs_buf_printf(&cache, "%s/.cache/fallback-scan/clones",
                                          home && *home ? home : "/tmp");
    }
    if (rc < 0) {
        fbs_cli_error("out of memory");
        goto done;
    }
    if (open_store(&store, a, cfg.datastore, true) < 0)
        goto done;
    fbs_git_init();
    git_on = true;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    atomic_store(&cancel_flag, false);
    sig_on = sigaction(SIGINT, &sa, &old) == 0;
    ui.progress = !a->quiet && isatty(STDERR_FILENO);
    memset(&so, 0, sizeof(so));
    so.store = store;
    so.config = &cfg;
    so.config_path = a->config;
    so.rules = rules;
    so.vocab = vocab;
    so.policy = &policy;
    so.policy_json = pj;
    so.now = a->have_now ? a->now : fbs_time_now();
    so.jobs = a->jobs;
    so.threads =
        a->threads ? a->threads : (unsigned)(cores > (long)a->jobs ? cores / (long)a->jobs : 1);
    so.max_file_size = a->max_file_size;
    so.full = a->full;
    so.resume = a->resume;
    so.plan_only = !strcmp(a->sub, "plan");
    so.work = !strcmp(a->sub, "worker");
    so.sweep_id = a->sweep;
    so.lease = a->lease;
    so.max_attempts = a->max_attempts;
    so.cache_dir = cache.ptr;
    so.clone_timeout = (unsigned)a->clone_timeout;
    so.clone_stall = (unsigned)a->clone_stall;
    so.tool_version = FBS_VERSION;
    so.verify = a->verify || cfg.verify ? &vopts : NULL;
    so.verify_ttl = cfg.verify_cache_ttl;
    so.aws_env = &aws_env;
    so.aws_filter = fbs_cli_aws_filter;
    hook = getenv("FALLBACK_SCAN_AWS_BACKOFF_MS"); /* tests: retries without waiting */
    if (hook && *hook) {
        char *end;
        long ms = strtol(hook, &end, 10);

        if (!*end && ms > 0 && ms <= 10000)
            so.aws_backoff_ms = (unsigned)ms;
    }
    so.cancel = &cancel_flag;
    so.progress = run_progress;
    so.outcome = run_outcome;
    so.payload = &ui;
    rc = fbs_sweep_run(&sum, &so);
    if (ui.progress)
        fputs("\r\033[K", stderr);
    if (rc < 0) {
        fbs_cli_fail(so.plan_only ? "sweep plan" : so.work ? "sweep worker" : "sweep run");
        goto done;
    }
    if (so.plan_only) {
        if (!a->quiet)
            fprintf(stderr,
                    "sweep %lld planned: %zu targets pending; start workers with "
                    "'fallback-scan sweep worker --sweep %lld'\n",
                    (long long)sum.sweep_id, sum.targets, (long long)sum.sweep_id);
        printf("%lld\n", (long long)sum.sweep_id);
        status = FBS_EXIT_OK;
        goto done;
    }
    if (so.work && !atomic_load(&cancel_flag) && sum.running) {
        if (!a->quiet)
            fprintf(stderr,
                    "sweep %lld: this worker recorded %zu targets; nothing left to claim, "
                    "%zu still held by other workers\n",
                    (long long)sum.sweep_id, sum.mine, sum.running);
        status = FBS_EXIT_OK;
        goto done;
    }
    if (so.work && (atomic_load(&cancel_flag) || sum.interrupted)) {
        fbs_cli_error("sweep %lld: worker stopped: %zu of %zu targets recorded; its targets in "
                      "flight go back to the queue",
                      (long long)sum.sweep_id, sum.done + sum.failed, sum.targets);
        status = FBS_EXIT_INCOMPLETE;
        goto done;
    }
    if (atomic_load(&cancel_flag) || sum.interrupted) {
        fbs_cli_error("sweep %lld interrupted: %zu of %zu targets recorded; continue with "
                      "'fallback-scan sweep run --resume'",
                      (long long)sum.sweep_id, sum.done + sum.failed, sum.targets);
        status = FBS_EXIT_INCOMPLETE;
        goto done;
    }
    if (!a->quiet)
        fprintf(stderr, "sweep %lld: %zu targets, %zu failed, %zu incomplete, %zu findings\n",
                (long long)sum.sweep_id, sum.targets, sum.failed, sum.partial, sum.findings);
    status = sum.incomplete ? FBS_EXIT_INCOMPLETE : FBS_EXIT_OK;
done:
    if (sig_on)
        sigaction(SIGINT, &old, NULL);
    fbs_store_close(store);
    if (git_on)
        git_libgit2_shutdown();
    fbs_buf_release(&cache);
    json_decref(pj);
    fbs_vocab_free(vocab);
    fbs_ruleset_free(rules);
    if (have_cfg)
        fbs_sweep_config_release(&cfg);
    return status;
}

/* status ------------------------------------------------------------------------------------- */

struct status_acc {
    int64_t pending, running, done, failed, expired, findings;
    fbs_time_t clock;
    json_t *workers; /* owner -> targets held */
    json_t *failures;
};

static int status_row(const struct fbs_store_scan_row *r, void *payload)
{
    struct status_acc *s = payload;

    s->findings += r->nfindings;
    if (!strcmp(r->status, "pending")) {
        s->pending++;
    } else if (!strcmp(r->status, "running")) {
        const char *owner = r->lease_owner ? r->lease_owner : "?";
        json_t *n = json_object_get(s->workers, owner);

        s->running++;
        s->expired += r->lease_expires < s->clock;
        if (json_object_set_new(s->workers, owner,
                                json_integer(n ? json_integer_value(n) + 1 : 1)) < 0)
            return FBS_ENOMEM;
    } else if (!strcmp(r->status, "done")) {
        s->done++;
    } else {
        json_t *e = json_loads(r->errors ? r->errors : "[]", 0, NULL);
        const char *msg = json_string_value(
            json_object_get(json_array_get(e, json_array_size(e) - 1), "message"));

        s->failed++;
        if (json_array_append_new(s->failures, json_pack("{s:s, s:I, s:s}", "target", r->target,
                                                         "attempts", (json_int_t)r->attempts,
                                                         "error", msg ? msg : "?")) < 0) {
            json_decref(e);
            return FBS_ENOMEM;
        }
        json_decref(e);
    }
    return 0;
}

/* Progress of a sweep across its workers: queue counts, who holds what, failures. */
static int cmd_status(struct sweep_args *a)
{
    struct fbs_store *store = NULL;
    struct fbs_store_sweep sw;
    struct status_acc acc;
    int status = FBS_EXIT_USAGE, rc;

    memset(&acc, 0, sizeof(acc));
    acc.clock = fbs_time_now();
    acc.workers = json_object();
    acc.failures = json_array();
    if (!acc.workers || !acc.failures) {
        fbs_cli_error("out of memory");
        goto done;
    }
    if (open_store(&store, a, NULL, false) < 0)
        goto done;
    rc = store->ops->sweep_get(store, a->sweep ? a->sweep : 0, &sw);
    if (rc == 0) {
        fbs_cli_error("sweep status: %s", a->sweep ? "no such sweep" : "no sweep recorded");
        goto done;
    }
    if (rc > 0)
        rc = store->ops->scans(store, sw.id, status_row, &acc);
    if (rc < 0) {
        fbs_cli_fail("sweep status");
        goto done;
    }
    if (!strcmp(a->format, "json")) {
        char now[FBS_TIME_ISO_LEN];
        json_t *o;

        iso(now, sw.now);
        o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:O}", "sweep",
                      (json_int_t)sw.id, "status", sw.status, "now", now, "targets",
                      (json_int_t)sw.ntargets, "pending", (json_int_t)acc.pending, "running",
                      (json_int_t)acc.running, "expired_leases", (json_int_t)acc.expired, "done",
                      (json_int_t)acc.done, "failed", (json_int_t)acc.failed, "findings",
                      (json_int_t)acc.findings, "workers", acc.workers, "failures", acc.failures);
        if (!o || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) < 0) {
            json_decref(o);
            fbs_cli_error("out of memory");
            goto done;
        }
        putchar('\n');
        json_decref(o);
    } else {
        const char *owner;
        json_t *n;
        size_t i;

        printf("sweep %lld (%s): %lld targets: %lld done, %lld failed, %lld running, %lld "
               "pending; %lld findings\n",
               (long long)sw.id, sw.status, (long long)sw.ntargets, (long long)acc.done,
               (long long)acc.failed, (long long)acc.running, (long long)acc.pending,
               (long long)acc.findings);
        json_object_foreach(acc.workers, owner, n)
            printf("  worker %s: %lld running\n", owner, (long long)json_integer_value(n));
        if (acc.expired)
            printf("  %lld leases expired (their workers stopped): claimed again by the next "
                   "worker\n",
                   (long long)acc.expired);
        for (i = 0; i < json_array_size(acc.failures); i++) {
            json_t *f = json_array_get(acc.failures, i);

            printf("  failed: %s (%lld attempts): %s\n",
                   json_string_value(json_object_get(f, "target")),
                   (long long)json_integer_value(json_object_get(f, "attempts")),
                   json_string_value(json_object_get(f, "error")));
        }
    }
    status = FBS_EXIT_OK;
done:
    json_decref(acc.workers);
    json_decref(acc.failures);
    fbs_store_close(store);
    return status;
}

/* list --------------------------------------------------------------------------------------- */

static int list_row(const struct fbs_store_sweep *s, void *payload)
{
    json_t *arr = payload;
    char a[FBS_TIME_ISO_LEN], b[FBS_TIME_ISO_LEN];

    if (arr)
        return json_array_append_new(
                   arr, json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s?}", "id",
                                  (json_int_t)s->id, "now", (iso(a, s->now), a), "started",
                                  (iso(b, s->started), b), "status", s->status, "targets",
                                  (json_int_t)s->ntargets, "done", (json_int_t)s->ndone, "failed",
                                  (json_int_t)s->nfailed, "findings", (json_int_t)s->nfindings,
                                  "config", s->config)) < 0
                   ? FBS_ENOMEM
                   : 0;
    iso(a, s->now);
    printf("%5lld  %-20s  %-11s  %4lld/%-4lld targets  %3lld failed  %5lld findings\n",
           (long long)s->id, a, s->status, (long long)s->ndone, (long long)s->ntargets,
           (long long)s->nfailed, (long long)s->nfindings);
    return 0;
}

static int cmd_list(struct sweep_args *a)
{
    struct fbs_store *store = NULL;
    json_t *arr = !strcmp(a->format, "json") ? json_array() : NULL;
    int status = FBS_EXIT_USAGE;

    if (open_store(&store, a, NULL, false) < 0)
        goto done;
    if (!arr)
        printf("%5s  %-20s  %-11s  %s\n", "sweep", "now", "status", "coverage");
    if (store->ops->sweep_list(store, list_row, arr) < 0) {
        fbs_cli_fail("sweep list");
        goto done;
    }
    if (arr) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    status = FBS_EXIT_OK;
done:
    json_decref(arr);
    fbs_store_close(store);
    return status;
}

/* Findings as rows of text or JSON ----------------------------------------------------------- */

/* The finding's live verification (--verify), from its stored record: a new reference, or
 * NULL when it was not verified. */
static json_t *row_verification(const struct fbs_store_row *r)
{
    json_t *rec = r->record ? json_loads(r->record, 0, NULL) : NULL;
    json_t *v = json_object_get(rec, "verification"); /* as the JSON report writes it */

    if (json_is_object(v))
        json_incref(v);
    else
        v = NULL;
    json_decref(rec);
    return v;
}

static json_t *row_json(const struct fbs_store_row *r, bool with_record)
{
    json_t *ver;
    char fs[FBS_TIME_ISO_LEN], ls[FBS_TIME_ISO_LEN], ex[FBS_TIME_ISO_LEN];
    json_t *o;

    iso(fs, r->first_seen);
    iso(ls, r->last_seen);
    o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:s, s:s, s:I, s:I, s:o, s:o, s:b}", "id",
                  r->public_id, "target", r->target, "place", r->place, "rule", r->rule_id, "kind",
                  r->kind, "redacted", r->redacted, "is_fallback", r->is_fallback, "state",
                  r->state, "first_seen", fs, "first_seen_sweep", (json_int_t)r->first_seen_sweep,
                  "last_seen_sweep", (json_int_t)r->last_seen_sweep, "risk",
                  r->risk >= 0 ? json_pack("{s:i, s:s?}", "score", r->risk, "severity", r->severity)
                               : json_null(),
                  "standing_access", r->standing < 0 ? json_null() : json_boolean(r->standing),
                  "due", r->due);
    if (!o)
        return NULL;
    json_object_set_new(o, "last_seen", json_string(ls));
    if (r->decision) {
        iso(ex, r->expires);
        json_object_set_new(o, "decision",
                            json_pack("{s:s, s:s?, s:s?, s:s?, s:s?}", "state", r->decision,
                                      "reason", r->reason, "reviewer", r->reviewer, "ticket",
                                      r->ticket, "expires", r->expires ? ex : NULL));
    } else {
        json_object_set_new(o, "decision", json_null());
    }
    ver = row_verification(r);
    if (ver)
        json_object_set_new(o, "verification", ver);
    if (with_record && r->record)
        json_object_set_new(o, "finding", json_loads(r->record, 0, NULL));
    return o;
}

static void row_text(FILE *out, const struct fbs_store_row *r)
{
    char fs[FBS_TIME_ISO_LEN];

    json_t *ver = row_verification(r);
    const char *vs = json_string_value(json_object_get(ver, "status"));
    const char *vat = json_string_value(json_object_get(ver, "at"));

    iso(fs, r->first_seen);
    fs[10] = '\0';
    fprintf(out, "  %s  %-8s %3d  %-14s %s%s%s:%s  %s  (since %s", r->public_id,
            r->severity ? r->severity : "-", r->risk, r->state, r->standing == 1 ? "STANDING " : "",
            r->is_fallback ? "fallback " : "", r->target, r->place,
            r->redacted && *r->redacted ? r->redacted : r->kind, fs);
    if (vs) /* --verify: the issuer's answer and when it was asked */
        fprintf(out, "; verified %s %.10s", vs, vat ? vat : "");
    fputs(")\n", out);
    json_decref(ver);
}

/* diff --------------------------------------------------------------------------------------- */

enum { D_NEW, D_FIXED, D_REOPENED, D_STANDING, D_DUE, D_EXPIRING, D__COUNT };

static const char *const diff_names[D__COUNT] = {
    "new", "fixed", "reopened", "still_open_standing", "acceptances_due", "acceptances_expiring",
};
static const char *const diff_titles[D__COUNT] = {
    "new",
    "fixed",
    "reopened",
    "still open standing access",
    "acceptances due (expired: the finding is open again)",
    "acceptances expiring soon",
};

struct diff_state {
    json_t *lists[D__COUNT];
    fbs_time_t now, horizon;
    size_t new_standing, nnew;
};

static int diff_row(const struct fbs_store_row *r, void *payload)
{
    struct diff_state *d = payload;
    bool open = !strcmp(r->state, "open") || !strcmp(r->state, "reopened");
    json_t *o;
    int k, rc = 0;

    for (k = 0; k < D__COUNT && rc == 0; k++) {
        bool in = false;

        switch (k) {
        case D_NEW:
            in = (r->events & FBS_EVENT_NEW) != 0;
            break;
        case D_FIXED:
            in = (r->events & FBS_EVENT_FIXED) && !strcmp(r->lifecycle, "fixed");
            break;
        case D_REOPENED:
            in = (r->events & FBS_EVENT_REOPENED) && !(r->events & FBS_EVENT_NEW) &&
                 strcmp(r->lifecycle, "fixed");
            break;
        case D_STANDING:
            in = open && r->standing == 1 && !(r->events & (FBS_EVENT_NEW | FBS_EVENT_REOPENED));
            break;
        case D_DUE:
            in = r->due;
            break;
        case D_EXPIRING:
            in = r->decision && !strcmp(r->state, "accepted") && r->expires &&
                 r->expires <= d->horizon;
            break;
        }
        if (!in)
            continue;
        o = row_json(r, false);
        if (!o || json_array_append_new(d->lists[k], o) < 0)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        if (k == D_NEW)
            d->nnew++;
        if ((k == D_NEW || k == D_REOPENED) && r->standing == 1 && open)
            d->new_standing++;
    }
    return rc;
}

static void print_list_text(const char *title, const json_t *list)
{
    size_t i;

    printf("%s: %zu\n", title, json_array_size(list));
    for (i = 0; i < json_array_size(list); i++) {
        const json_t *o = json_array_get(list, i), *risk = json_object_get(o, "risk"),
                     *dec = json_object_get(o, "decision");
        char fs[11];

        snprintf(fs, sizeof(fs), "%s", json_string_value(json_object_get(o, "first_seen")));
        printf("  %s  %-8s %3d  %s%s%s:%s  %s  (since %s",
               json_string_value(json_object_get(o, "id")),
               json_is_object(risk) ? json_string_value(json_object_get(risk, "severity")) : "-",
               json_is_object(risk) ? (int)json_integer_value(json_object_get(risk, "score")) : -1,
               json_is_true(json_object_get(o, "standing_access")) ? "STANDING " : "",
               json_is_true(json_object_get(o, "is_fallback")) ? "fallback " : "",
               json_string_value(json_object_get(o, "target")),
               json_string_value(json_object_get(o, "place")),
               json_string_value(json_object_get(o, "redacted")) &&
                       *json_string_value(json_object_get(o, "redacted"))
                   ? json_string_value(json_object_get(o, "redacted"))
                   : json_string_value(json_object_get(o, "kind")),
               fs);
        if (json_is_object(dec) && json_string_value(json_object_get(dec, "expires")))
            printf(", %s until %.10s", json_string_value(json_object_get(dec, "state")),
                   json_string_value(json_object_get(dec, "expires")));
        printf(")\n");
    }
}

/* The sweep before `to` (0 if none). */
struct prev_state {
    int64_t to, prev;
};

static int prev_row(const struct fbs_store_sweep *s, void *payload)
{
    struct prev_state *p = payload;

    if (s->id < p->to && s->id > p->prev)
        p->prev = s->id;
    return 0;
}

static int cmd_diff(struct sweep_args *a)
{
    struct fbs_store *store = NULL;
    struct fbs_store_sweep to;
    struct fbs_store_query q;
    struct diff_state d;
    char now[FBS_TIME_ISO_LEN];
    int status = FBS_EXIT_USAGE, k, rc;

    memset(&d, 0, sizeof(d));
    for (k = 0; k < D__COUNT; k++)
        if (!(d.lists[k] = json_array())) {
            fbs_cli_error("out of memory");
            goto done;
        }
    if (open_store(&store, a, NULL, false) < 0)
        goto done;
    rc = store->ops->sweep_get(store, a->to, &to);
    if (rc <= 0) {
        if (rc == 0 && a->to)
            fbs_error_set(FBS_ENOTFOUND, "no sweep %lld", (long long)a->to);
        else if (rc == 0)
            fbs_error_set(FBS_ENOTFOUND, "no sweep yet");
        fbs_cli_fail("sweep diff");
        goto done;
    }
    memset(&q, 0, sizeof(q));
    q.sweep = to.id;
    q.from = a->from;
    if (!q.from) {
        struct prev_state p = {to.id, 0};

        if (store->ops->sweep_list(store, prev_row, &p) < 0) {
            fbs_cli_fail("sweep diff");
            goto done;
        }
        q.from = p.prev;
    }
    if (q.from >= q.sweep) {
        fbs_cli_error("sweep diff: --from %lld is not before --to %lld", (long long)q.from,
                      (long long)q.sweep);
        goto done;
    }
    d.now = to.now;
    d.horizon = to.now + (a->expiring_days ? a->expiring_days : 30) * FBS_DAY;
    /* Sweep 0 does not exist: from 0, everything seen so far is new. */
    if (!q.from)
        q.from = -1;
    if (store->ops->findings(store, &q, diff_row, &d) < 0) {
        fbs_cli_fail("sweep diff");
        goto done;
    }
    if (q.from < 0)
        q.from = 0;
    fbs_time_format(now, to.now);
    if (!strcmp(a->format, "json")) {
        json_t *doc = json_pack("{s:s, s:I, s:I, s:s, s:I}", "schema",
                                "fallback-scan/sweep-diff/v1", "from", (json_int_t)q.from, "to",
                                (json_int_t)q.sweep, "now", now, "expiring_within_days",
                                (json_int_t)(a->expiring_days ? a->expiring_days : 30));

        for (k = 0; doc && k < D__COUNT; k++)
            json_object_set(doc, diff_names[k], d.lists[k]);
        if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2)) < 0) {
            json_decref(doc);
            fbs_cli_error("out of memory");
            goto done;
        }
        fputc('\n', stdout);
        json_decref(doc);
    } else {
        printf("sweep %lld -> %lld (now %s)\n", (long long)q.from, (long long)q.sweep, now);
        for (k = 0; k < D__COUNT; k++)
            print_list_text(diff_titles[k], d.lists[k]);
    }
    status = FBS_EXIT_OK;
    if ((a->fail_new_standing && d.new_standing) || (a->fail_new && d.nnew))
        status = FBS_EXIT_FINDINGS;
done:
    for (k = 0; k < D__COUNT; k++)
        json_decref(d.lists[k]);
    fbs_store_close(store);
    return status;
}

/* report --format sarif|html: the reporters, on findings rebuilt from their records -------- */

struct rebuild {
    struct fbs_vec findings; /* struct fbs_finding * */
    struct fbs_vec targets;  /* char *, distinct displays */
};

static int rebuild_target(const struct fbs_store_scan_row *r, void *payload)
{
    struct rebuild *rb = payload;
    char *t = fbs_strdup(r->target);

    if (!t || fbs_vec_push(&rb->targets, t) < 0) {
        fbs_free(t);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

static int rebuild_row(const struct fbs_store_row *r, void *payload)
{
    struct rebuild *rb = payload;
    struct fbs_finding *f;
    json_t *rec;
    char fs[FBS_TIME_ISO_LEN], ex[FBS_TIME_ISO_LEN];
    int rc;

    if (!strcmp(r->state, "fixed"))
        return 0; /* the state as of the sweep: what is still there */
    rec = json_loads(r->record, 0, NULL);
    f = rec ? fbs_sweep_finding_from_record(rec, r->target, r->place) : NULL;
    json_decref(rec);
    if (!f)
        return fbs_error_set(FBS_ENOMEM, "cannot read the stored finding %s", r->public_id);
    snprintf(f->id, sizeof(f->id), "%s", r->public_id);
    iso(fs, r->first_seen);
    iso(ex, r->expires);
    rc = fbs_finding_add_reason(f, "sweep: %s%s, first seen %.10s (sweep %lld)", r->state,
                                r->due ? " (acceptance expired: due)" : "", fs,
                                (long long)r->first_seen_sweep);
    if (rc == 0 && r->decision)
        rc = fbs_finding_add_reason(f, "decision: %s by %s: %s%s%.10s%s%s", r->decision,
                                    r->reviewer ? r->reviewer : "unknown", r->reason,
                                    r->expires ? ", until " : "", r->expires ? ex : "",
                                    r->ticket ? ", ticket " : "", r->ticket ? r->ticket : "");
    if (rc == 0)
        rc = fbs_vec_push(&rb->findings, f);
    if (rc < 0) {
        fbs_finding_free(f);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

static int report_with_reporter(struct fbs_store *store, const struct fbs_store_sweep *sw,
                                const char *format, FILE *out)
{
    const struct fbs_reporter *rep = fbs_reporter_find(format);
    struct fbs_store_query q;
    struct fbs_report_opts ropts = {out, false, false};
    struct fbs_report_info info;
    struct fbs_stats stats;
    struct fbs_diags diags;
    struct rebuild rb;
    void *state = NULL;
    size_t i;
    int rc;

    fbs_vec_init(&rb.findings);
    fbs_vec_init(&rb.targets);
    fbs_stats_init(&stats);
    rc = fbs_diags_init(&diags, &stats, false);
    if (rc < 0)
        return rc;
    rc = store->ops->scans(store, sw->id, rebuild_target, &rb);
    memset(&q, 0, sizeof(q));
    q.sweep = sw->id;
    if (rc == 0)
        rc = store->ops->findings(store, &q, rebuild_row, &rb);
    if (rc == 0) {
        memset(&info, 0, sizeof(info));
        info.tool_version = FBS_VERSION;
        info.now = sw->now;
        info.targets = (const char *const *)rb.targets.items;
        info.ntargets = rb.targets.len;
        info.stats = &stats;
        info.diags = &diags;
        atomic_store(&stats.findings, rb.findings.len);
        rc = rep->begin(&state, &ropts, &info);
        for (i = 0; rc == 0 && i < rb.findings.len; i++)
            rc = rep->add(state, rb.findings.items[i]);
        if (state) {
            int rc2 = rep->end(state);

            if (rc == 0)
                rc = rc2;
        }
    }
    fbs_vec_release(&rb.findings, fbs_finding_free_v);
    fbs_vec_release(&rb.targets, fbs_free);
    fbs_diags_release(&diags);
    return rc;
}

/* report ------------------------------------------------------------------------------------- */

struct report_state {
    json_t *targets, *findings;
    FILE *out;
    bool text;
    int64_t open, standing, fallback;
};

static int report_scan(const struct fbs_store_scan_row *r, void *payload)
{
    struct report_state *st = payload;
    char a[FBS_TIME_ISO_LEN], b[FBS_TIME_ISO_LEN];
    json_t *o;

    iso(a, r->started);
    iso(b, r->finished);
    o = json_pack("{s:s, s:s, s:s, s:s?, s:b, s:I, s:I, s:s, s:s, s:o, s:o}", "target", r->target,
                  "kind", r->kind, "status", r->status, "mode", r->mode, "complete", r->complete,
                  "attempts", (json_int_t)r->attempts, "findings", (json_int_t)r->nfindings,
                  "started", a, "finished", b, "tips",
                  r->tips ? json_loads(r->tips, 0, NULL) : json_null(), "errors",
                  r->errors ? json_loads(r->errors, 0, NULL) : json_array());
    if (!o || json_array_append_new(st->targets, o) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (st->text)
        fprintf(st->out, "  %-8s %-11s %-9s %4lld findings  %s\n", r->status,
                r->mode ? r->mode : "-", r->complete ? "complete" : "partial",
                (long long)r->nfindings, r->target);
    return 0;
}

static int report_row(const struct fbs_store_row *r, void *payload)
{
    struct report_state *st = payload;
    bool open = !strcmp(r->state, "open") || !strcmp(r->state, "reopened");
    json_t *o;

    st->open += open;
    st->standing += open && r->standing == 1;
    st->fallback += open && r->is_fallback;
    if (st->text) {
        row_text(st->out, r);
        return 0;
    }
    o = row_json(r, true);
    if (!o || json_array_append_new(st->findings, o) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int cmd_report(struct sweep_args *a)
{
    struct fbs_store *store = NULL;
    struct fbs_store_sweep sw;
    struct fbs_store_query q;
    struct report_state st;
    char now[FBS_TIME_ISO_LEN];
    FILE *out = stdout;
    int status = FBS_EXIT_USAGE, rc;

    memset(&st, 0, sizeof(st));
    st.targets = json_array();
    st.findings = json_array();
    st.text = !strcmp(a->format, "text");
    if (open_store(&store, a, NULL, false) < 0)
        goto done;
    rc = store->ops->sweep_get(store, a->sweep, &sw);
    if (rc <= 0) {
        if (rc == 0 && a->sweep)
            fbs_error_set(FBS_ENOTFOUND, "no sweep %lld", (long long)a->sweep);
        else if (rc == 0)
            fbs_error_set(FBS_ENOTFOUND, "no sweep yet");
        fbs_cli_fail("sweep report");
        goto done;
    }
    if (a->output && !(out = fopen(a->output, "w"))) {
        fbs_cli_error("sweep report: cannot write '%s': %s", a->output, strerror(errno));
        out = stdout;
        goto done;
    }
    st.out = out;
    if (!strcmp(a->format, "sarif") || !strcmp(a->format, "html")) {
        if (report_with_reporter(store, &sw, a->format, out) < 0) {
            fbs_cli_fail("sweep report");
            goto done;
        }
        status = FBS_EXIT_OK;
        goto done;
    }
    fbs_time_format(now, sw.now);
    if (st.text)
        fprintf(out, "sweep %lld (now %s, %s): coverage\n", (long long)sw.id, now, sw.status);
    if (store->ops->scans(store, sw.id, report_scan, &st) < 0) {
        fbs_cli_fail("sweep report");
        goto done;
    }
    if (st.text)
        fprintf(out, "findings (fallback and standing access first):\n");
    memset(&q, 0, sizeof(q));
    q.sweep = sw.id;
    if (store->ops->findings(store, &q, report_row, &st) < 0) {
        fbs_cli_fail("sweep report");
        goto done;
    }
    if (st.text) {
        fprintf(out, "%lld open (%lld fallback, %lld standing access)\n", (long long)st.open,
                (long long)st.fallback, (long long)st.standing);
    } else {
        json_t *doc = json_pack(
            "{s:s, s:{s:s, s:s}, s:{s:I, s:s, s:s, s:s?, s:s?}, s:O, s:O, s:{s:I, s:I, s:I}}",
            "schema", "fallback-scan/sweep-report/v1", "tool", "name", "fallback-scan", "version",
            FBS_VERSION, "sweep", "id", (json_int_t)sw.id, "now", now, "status", sw.status,
            "rules_hash", sw.rules_hash, "config", sw.config, "targets", st.targets, "findings",
            st.findings, "summary", "open", (json_int_t)st.open, "fallback",
            (json_int_t)st.fallback, "standing_access", (json_int_t)st.standing);

        if (!doc || json_dumpf(doc, out, JSON_INDENT(2)) < 0 || fputc('\n', out) == EOF) {
            json_decref(doc);
            fbs_cli_error("sweep report: cannot write the report");
            goto done;
        }
        json_decref(doc);
    }
    status = FBS_EXIT_OK;
done:
    if (out != stdout && fclose(out) != 0 && status == FBS_EXIT_OK) {
        fbs_cli_error("sweep report: cannot write '%s': %s", a->output, strerror(errno));
        status = FBS_EXIT_USAGE;
    }
    json_decref(st.targets);
    json_decref(st.findings);
    fbs_store_close(store);
    return status;
}

/* triage ------------------------------------------------------------------------------------- */

static int cmd_triage(struct sweep_args *a)
{
    struct fbs_store *store = NULL;
    struct fbs_store_decision d;
    char ex[FBS_TIME_ISO_LEN];
    int status = FBS_EXIT_USAGE;

    if (!a->state || (strcmp(a->state, "accepted") && strcmp(a->state, "false_positive") &&
                      strcmp(a->state, "revoked"))) {
        fbs_cli_error("sweep triage: --state accepted|false_positive|revoked is required");
        return FBS_EXIT_USAGE;
    }
    if (!a->reason || !*a->reason) {
        fbs_cli_error("sweep triage: --reason is required (why, for the auditors)");
        return FBS_EXIT_USAGE;
    }
    memset(&d, 0, sizeof(d));
    d.finding = a->id;
    d.state = a->state;
    d.reason = a->reason;
    d.reviewer = a->reviewer ? a->reviewer : getenv("USER");
    d.ticket = a->ticket;
    d.at = a->have_now ? a->now : fbs_time_now();
    d.expires = a->expires < 0 ? d.at - a->expires * FBS_DAY : a->expires;
    if (d.expires && d.expires <= d.at) {
        fbs_cli_error("sweep triage: --expires is not after now");
        return FBS_EXIT_USAGE;
    }
    if (open_store(&store, a, NULL, false) < 0)
        goto done;
    if (store->ops->decide(store, &d) < 0) {
        fbs_cli_fail("sweep triage");
        goto done;
    }
    iso(ex, d.expires);
    if (!a->quiet)
        fprintf(stderr, "%s: %s%s%s\n", a->id, a->state, d.expires ? " until " : "",
                d.expires ? ex : "");
    status = FBS_EXIT_OK;
done:
    fbs_store_close(store);
    return status;
}

int fbs_cmd_sweep(int argc, char **argv)
{
    struct sweep_args a;
    int rc = parse_args(&a, argc, argv);

    if (rc != 0)
        return rc > 0 ? FBS_EXIT_OK : FBS_EXIT_USAGE;
    if (!strcmp(a.sub, "run") || !strcmp(a.sub, "plan") || !strcmp(a.sub, "worker"))
        return cmd_run(&a);
    if (!strcmp(a.sub, "status"))
        return cmd_status(&a);
    if (!strcmp(a.sub, "list"))
        return cmd_list(&a);
    if (!strcmp(a.sub, "diff"))
        return cmd_diff(&a);
    if (!strcmp(a.sub, "report"))
        return cmd_report(&a);
    if (!strcmp(a.sub, "triage"))
        return cmd_triage(&a);
    fbs_cli_error("sweep: unknown subcommand '%s' (run, plan, worker, status, list, diff, report, "
                  "triage)",
                  a.sub);
    return FBS_EXIT_USAGE;
}
