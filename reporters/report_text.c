/*
 * report_text.c - the human report: standing-access findings first, then the other fallback
 * credentials, then the rest, each as a short block (rule, target when the scan had several,
 * where, key, redacted snippet,
 * fallback evidence, risk and the reasons for the verdict), then the stats and what was skipped.
 * Colour only when the output is a terminal (decided by the caller).
 *
 * The text reporter keeps the findings it is given (borrowed pointers are copied into a list of
 * pre-rendered blocks) so that it can order standing and fallback ones first, each section by
 * risk (highest first, as the HTML report). The summary is written before the findings and again
 * after them; each finding has a remediation line; with --baseline the absent findings are
 * listed (id, rule, where).
 */
#include "redact.h"
#include "reporter.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"
#include "../scanner/core/vec.h"

#include <errno.h>
#include <string.h>

#include "../scanner/core/banned.h"

struct text_state {
    const struct fbs_report_opts *opts;
    const struct fbs_report_info *info;
    struct fbs_vec standing; /* struct block *: rendered blocks */
    struct fbs_vec fallback;
    struct fbs_vec other;
    size_t nstanding;
    size_t by_severity[6]; /* critical ... info, then none */
    bool any_verdict;
};

/* A finding as rendered, with what orders it: risk (highest first), then arrival. */
struct block {
    char *text;
    int risk; /* -1 unscored */
    size_t seq;
};

static void block_free(void *p)
{
    struct block *k = p;

    if (k)
        fbs_free(k->text);
    fbs_free(k);
}

static int block_cmp(const void *a, const void *b)
{
    const struct block *x = *(const struct block *const *)a, *y = *(const struct block *const *)b;

    if (x->risk != y->risk)
        return x->risk > y->risk ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *const text_severities[] = {"critical", "high", "medium", "low", "info"};

#define C(st, code) ((st)->opts->color ? (code) : "")
#define BOLD        "\033[1m"
#define RED         "\033[31m"
#define YELLOW      "\033[33m"
#define DIM         "\033[2m"
#define RESET       "\033[0m"

static int text_begin(void **state, const struct fbs_report_opts *opts,
                      const struct fbs_report_info *info)
{
    struct text_state *st = fbs_calloc(1, sizeof(*st));

    *state = st;
    if (!st)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    st->opts = opts;
    st->info = info;
    return 0;
}

/* Scanned strings (names, keys, messages) with control characters escaped: a file name with a
 * newline or ESC in it must not forge report lines or drive the terminal. */
static int put_safe(struct fbs_buf *b, const char *s)
{
    return s ? fbs_text_escape(b, s, strlen(s), false) : fbs_buf_puts(b, "-");
}

/* A path or resource name: quoted git-style when it needs escapes. */
static int put_path(struct fbs_buf *b, const char *s)
{
    return s ? fbs_text_escape(b, s, strlen(s), true) : fbs_buf_puts(b, "-");
}

/* Render into a scratch buffer with `fill`, then append it escaped (snippets, secrets). */
static int put_rendered(struct fbs_buf *b, struct fbs_buf *tmp)
{
    int rc = fbs_text_escape(b, tmp->ptr ? tmp->ptr : "", tmp->len, false);

    fbs_buf_release_wipe(tmp);
    return rc;
}

static int render(struct text_state *st, const struct fbs_finding *f, struct fbs_buf *b)
{
    struct fbs_buf tmp = FBS_BUF_INIT;
    size_t i;
    int rc = 0;

    rc |= fbs_buf_printf(b, "%s%s%s%s  ", C(st, BOLD), f->is_fallback ? C(st, RED) : "",
                         f->standing == 1 ? "STANDING"
                         : f->is_fallback ? "FALLBACK"
                                          : "secret  ",
                         C(st, RESET));
    rc |= put_safe(b, f->rule_name);
    rc |= fbs_buf_printf(b, " %s(%s)%s\n", C(st, DIM), f->rule_id, C(st, RESET));
    /* With several targets, which one: the same path may be in each. */
    if (st->info->ntargets > 1 && f->target_id) {
        rc |= fbs_buf_puts(b, "  target:   ");
        rc |= put_safe(b, f->target_id);
        rc |= fbs_buf_putc(b, '\n');
    }
    rc |= fbs_buf_puts(b, "  where:    ");
    rc |= put_path(b, f->path ? f->path : f->resource);
    if (f->line)
        rc |= fbs_buf_printf(b, ":%u:%u", f->line, f->column);
    else if (f->byte_offset >= 0)
        rc |= fbs_buf_printf(b, " @ byte %lld", (long long)f->byte_offset);
    if (f->custody)
        rc |= fbs_buf_printf(b, "  [%s]", f->custody);
    rc |= fbs_buf_putc(b, '\n');
    if (f->commit) {
        rc |= fbs_buf_printf(b, "  commit:   %.12s ", f->commit);
        rc |= f->author ? put_safe(b, f->author) : 0;
        rc |= fbs_buf_putc(b, '\n');
    }
    if (f->key_path || f->key) {
        rc |= fbs_buf_puts(b, "  key:      ");
        rc |= put_safe(b, f->key_path ? f->key_path : f->key);
        rc |= fbs_buf_putc(b, '\n');
    }
    rc |= fbs_buf_puts(b, "  secret:   ");
    if (st->opts->show_secrets && !memchr(f->secret, '\n', f->secret_len))
        rc |= fbs_utf8_sanitize(&tmp, f->secret, f->secret_len);
    else
        rc |= fbs_redact_finding_secret(&tmp, f);
    rc |= put_rendered(b, &tmp);
    rc |= fbs_buf_putc(b, '\n');
    if (f->line_text) {
        rc |= fbs_buf_printf(b, "  line:     %s", C(st, DIM));
        rc |= fbs_redact_snippet(&tmp, f->line_text, f->line_secret_start, f->line_secret_len,
                                 st->opts->show_secrets);
        rc |= put_rendered(b, &tmp);
        rc |= fbs_buf_printf(b, "%s\n", C(st, RESET));
    }
    if (f->nindicators) {
        rc |= fbs_buf_printf(b, "  fallback: %.2f", f->fallback_confidence);
        for (i = 0; i < f->nindicators; i++) {
            rc |= fbs_buf_puts(b, i ? ", " : " ");
            rc |= put_safe(b, f->indicators[i].term);
            rc |= fbs_buf_puts(b, " (");
            rc |= put_safe(b, f->indicators[i].where);
            rc |= fbs_buf_putc(b, ')');
        }
        rc |= fbs_buf_putc(b, '\n');
    }
    if (f->risk >= 0 && f->severity)
        rc |= fbs_buf_printf(b, "  risk:     %d %s%s\n", f->risk, f->severity,
                             f->standing == 1 ? ", STANDING ACCESS" : "");
    /* --verify: the issuer's answer, on its own line (the reasons say what it changed). */
    if (json_object_get(f->facts, "verification")) {
        int got = fbs_report_verification(&tmp, json_object_get(f->facts, "verification"));

        if (got < 0)
            rc |= got;
        if (got > 0) {
            rc |= fbs_buf_puts(b, "  verified: ");
            rc |= put_rendered(b, &tmp);
            rc |= fbs_buf_putc(b, '\n');
        }
    }
    for (i = 0; i < f->nreasons; i++) {
        rc |= fbs_buf_puts(b, "    - ");
        rc |= put_safe(b, f->reasons[i]);
        rc |= fbs_buf_putc(b, '\n');
    }
    /* What to do: the rule's remediation, else the advice for a fallback credential. */
    if (f->remediation || f->fallback_advice) {
        rc |= fbs_buf_puts(b, "  fix:      ");
        rc |= put_safe(b, f->remediation ? f->remediation : f->fallback_advice);
        rc |= fbs_buf_putc(b, '\n');
    }
    if (f->suppression) {
        rc |= fbs_buf_printf(b, "  suppressed: %s", fbs_suppression_name(f->suppression));
        if (f->suppression_source) {
            rc |= fbs_buf_puts(b, " (");
            rc |= put_safe(b, f->suppression_source);
            rc |= fbs_buf_putc(b, ')');
        }
        rc |= fbs_buf_puts(b, ": ");
        rc |= put_safe(b, f->suppression_reason);
        rc |= fbs_buf_putc(b, '\n');
    }
    if (f->baseline)
        rc |= fbs_buf_printf(b, "  baseline: %s\n",
                             f->baseline == FBS_BASELINE_NEW ? "new" : "unchanged");
    rc |= fbs_buf_printf(b, "  id:       %s\n\n", f->id);
    return rc ? FBS_ENOMEM : 0;
}

static int text_add(void *state, const struct fbs_finding *f)
{
    struct text_state *st = state;
    struct fbs_buf b = FBS_BUF_INIT;
    struct block *k = NULL;
    size_t i;
    char *s;
    int rc;

    rc = render(st, f, &b);
    if (rc < 0) {
        fbs_buf_release(&b);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (f->standing >= 0) {
        st->any_verdict = true;
        st->nstanding += f->standing == 1;
    }
    for (i = 0; i < 5; i++)
        if (f->severity && !strcmp(f->severity, text_severities[i]))
            break;
    st->by_severity[i]++;
    k = fbs_calloc(1, sizeof(*k));
    s = fbs_buf_detach(&b);
    if (!k || !s)
        goto nomem;
    k->text = s;
    k->risk = f->severity ? f->risk : -1;
    k->seq = st->standing.len + st->fallback.len + st->other.len;
    if (fbs_vec_push(f->standing == 1 ? &st->standing
                     : f->is_fallback ? &st->fallback
                                      : &st->other,
                     k) < 0) {
        block_free(k);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
nomem:
    fbs_free(s);
    fbs_free(k);
    return fbs_error_set(FBS_ENOMEM, "out of memory");
}

static void write_list(struct text_state *st, const char *title, struct fbs_vec *v)
{
    FILE *out = st->opts->out;
    size_t i;

    if (!v->len)
        return;
    fprintf(out, "%s== %s (%zu) ==%s\n\n", C(st, BOLD), title, v->len, C(st, RESET));
    fbs_vec_sort(v, block_cmp);
    for (i = 0; i < v->len; i++)
        fputs(((const struct block *)v->items[i])->text, out);
}

/* "N findings: N fallback, N standing access, N other" and the counts per severity. */
static void write_counts(struct text_state *st)
{
    FILE *out = st->opts->out;
    size_t n = st->standing.len + st->fallback.len + st->other.len, i;

    fprintf(out, "%s%zu finding%s%s: %zu fallback", C(st, BOLD), n, n == 1 ? "" : "s", C(st, RESET),
            st->standing.len + st->fallback.len);
    if (st->any_verdict)
        fprintf(out, ", %zu standing access", st->nstanding);
    fprintf(out, ", %zu other\n", st->other.len);
    if (!n || st->by_severity[5] == n)
        return;
    fputs("by severity:", out);
    for (i = 0; i < 5; i++)
        fprintf(out, "%s %s %zu", i ? "," : "", text_severities[i], st->by_severity[i]);
    if (st->by_severity[5])
        fprintf(out, ", none %zu", st->by_severity[5]);
    fputc('\n', out);
}

/* The baseline findings not found again: id, rule, where (what the baseline kept). */
static int write_absent(struct text_state *st)
{
    FILE *out = st->opts->out;
    const json_t *a;
    size_t i;
    int rc = 0;

    json_array_foreach(st->info->absent, i, a)
    {
        const json_t *d = json_object_get(a, "finding");
        const char *where = json_string_value(json_object_get(d, "path"));
        json_int_t line = json_integer_value(json_object_get(d, "line"));
        struct fbs_buf b = FBS_BUF_INIT;

        if (!where)
            where = json_string_value(json_object_get(d, "resource"));
        rc |= fbs_buf_puts(&b, "  absent:   ");
        rc |= put_safe(&b, json_string_value(json_object_get(a, "id")));
        rc |= fbs_buf_putc(&b, ' ');
        rc |= put_safe(&b, json_string_value(json_object_get(d, "rule_id")));
        rc |= fbs_buf_putc(&b, ' ');
        rc |= put_safe(&b, where);
        if (where && line > 0)
            rc |= fbs_buf_printf(&b, ":%lld", (long long)line);
        rc |= fbs_buf_putc(&b, '\n');
        if (rc == 0)
            fwrite(b.ptr, 1, b.len, out);
        fbs_buf_release(&b);
    }
    return rc ? FBS_ENOMEM : 0;
}

static int text_end(void *state)
{
    struct text_state *st = state;
    const struct fbs_report_info *info;
    const struct fbs_stats *s;
    FILE *out;
    size_t i, skipped = 0;
    int rc = 0, k;

    if (!st)
        return 0;
    info = st->info;
    s = info->stats;
    out = st->opts->out;
    /* The summary first, so that it is read before the findings; and again at the end. */
    if (st->standing.len + st->fallback.len + st->other.len) {
        write_counts(st);
        fputc('\n', out);
    }
    write_list(st, "Standing access: fallback credentials that became standing", &st->standing);
    write_list(st, "Other fallback credentials", &st->fallback);
    write_list(st, "Other secrets", &st->other);
    write_counts(st);
    for (k = 0; k < FBS_SKIP__COUNT; k++)
        skipped += atomic_load(&s->skipped[k]);
    if (atomic_load(&s->records) && !atomic_load(&s->blobs)) {
        /* A cloud collection or inventory: records, not bytes, were read. */
        unsigned long long nrec = (unsigned long long)atomic_load(&s->records);

        fprintf(out, "collected %llu credential record%s from ", nrec, nrec == 1 ? "" : "s");
        for (k = 0; k < (int)info->ntargets; k++)
            fprintf(out, "%s%s", k ? ", " : "", info->targets[k]);
        if (!info->ntargets)
            fputs("the cloud", out);
        fprintf(out, "; skipped %zu", skipped);
    } else {
        fprintf(out, "scanned %llu file%s, %llu bytes with %zu rules; skipped %zu",
                (unsigned long long)atomic_load(&s->blobs), atomic_load(&s->blobs) == 1 ? "" : "s",
                (unsigned long long)atomic_load(&s->bytes), info->nrules, skipped);
    }
    if (skipped) {
        const char *sep = " (";

        for (k = 0; k < FBS_SKIP__COUNT; k++) {
            unsigned long long n = atomic_load(&s->skipped[k]);

            if (n) {
                fprintf(out, "%s%s %llu", sep, fbs_skip_name((enum fbs_skip)k), n);
                sep = ", ";
            }
        }
        fputc(')', out);
    }
    fputc('\n', out);
    {
        const char *sep = "scanned as: ";

        for (k = 0; k < FBS_VIEW__COUNT; k++) {
            unsigned long long n = atomic_load(&s->views[k]);

            if (n) {
                fprintf(out, "%s%s %llu", sep, fbs_view_name((enum fbs_view)k), n);
                sep = ", ";
            }
        }
        if (*sep == ',')
            fputs(" (binary_strings: text rules saw only the printable runs)\n", out);
    }
    if (atomic_load(&s->suppressed_inline) || atomic_load(&s->suppressed_ignore_file))
        fprintf(out, "suppressed: %llu by allow comments, %llu by ignore entries%s\n",
                (unsigned long long)atomic_load(&s->suppressed_inline),
                (unsigned long long)atomic_load(&s->suppressed_ignore_file),
                info->show_suppressed ? "" : " (--show-suppressed lists them)");
    if (info->absent && info->partial)
        fprintf(out, "baseline: %llu new, %llu unchanged; absent not assessed (partial scan: %s)\n",
                (unsigned long long)atomic_load(&s->baseline_new),
                (unsigned long long)atomic_load(&s->baseline_unchanged), info->partial);
    else if (info->absent)
        fprintf(out, "baseline: %llu new, %llu unchanged, %zu absent\n",
                (unsigned long long)atomic_load(&s->baseline_new),
                (unsigned long long)atomic_load(&s->baseline_unchanged),
                json_array_size(info->absent));
    if (info->absent && !info->partial && write_absent(st) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    if (atomic_load(&s->suppressed_placeholder) || atomic_load(&s->suppressed_reference) ||
        atomic_load(&s->suppressed_ciphertext))
        fprintf(out, "not reported: %llu placeholder%s, %llu reference%s, %llu encrypted value%s\n",
                (unsigned long long)atomic_load(&s->suppressed_placeholder),
                atomic_load(&s->suppressed_placeholder) == 1 ? "" : "s",
                (unsigned long long)atomic_load(&s->suppressed_reference),
                atomic_load(&s->suppressed_reference) == 1 ? "" : "s",
                (unsigned long long)atomic_load(&s->suppressed_ciphertext),
                atomic_load(&s->suppressed_ciphertext) == 1 ? "" : "s");
    if (info->diags && info->diags->items.len) {
        fprintf(out, "%sdiagnostics:%s\n", C(st, YELLOW), C(st, RESET));
        for (i = 0; i < info->diags->items.len; i++) {
            const struct fbs_diag *d = info->diags->items.items[i];
            struct fbs_buf line = FBS_BUF_INIT;

            /* Paths and messages carry names from the scanned tree: escaped like findings. */
            if (fbs_buf_printf(&line, "  %s ", d->kind) < 0 || put_path(&line, d->path) < 0 ||
                fbs_buf_puts(&line, ": ") < 0 || put_safe(&line, d->message) < 0) {
                fbs_buf_release(&line);
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
                break;
            }
            fprintf(out, "%s\n", line.ptr);
            fbs_buf_release(&line);
        }
    }
    if (atomic_load(&s->errors))
        fprintf(out, "%sscan incomplete: %llu item%s could not be read%s\n", C(st, YELLOW),
                (unsigned long long)atomic_load(&s->errors),
                atomic_load(&s->errors) == 1 ? "" : "s", C(st, RESET));
    if (ferror(out))
        rc = fbs_error_set(FBS_EIO, "cannot write the report: %s", strerror(errno));
    fbs_vec_release(&st->standing, block_free);
    fbs_vec_release(&st->fallback, block_free);
    fbs_vec_release(&st->other, block_free);
    fbs_free(st);
    return rc;
}

const struct fbs_reporter fbs_reporter_text = {
    .name = "text",
    .begin = text_begin,
    .add = text_add,
    .end = text_end,
};
