/*
 * parse_mfa.c - MFA recovery/backup code lists and TOTP provisioning URIs (rules/mfa.yml).
 *
 * Recovery codes: the secret is the whole list as matched (one per line, in columns, a JSON or
 * YAML list, Google's numbered "1. 6753 1740" columns). The codes are counted, never copied:
 * facts.mfa_codes = N. A code is a run of letters, digits and inner hyphens ("51fce-8ccdd") of
 * at least four characters; "6753 1740" (two groups of four digits, one space) is one code; list
 * numbers ("6.", "10)") and bullets are skipped.
 *
 * TOTP seeds: when the seed sits in an otpauth:// URI (the content of an enrolment QR code), the
 * URI around it is read: otpauth://totp/Issuer:account?secret=...&issuer=...&digits=...&period=...
 * &algorithm=... -> facts.totp = {type, issuer, account, digits, period, algorithm}, percent-
 * decoded, with the Key URI Format defaults (6 digits, 30 s, SHA1) where a parameter is absent.
 * The secret parameter is skipped, never copied. A seed for an account that the account name or
 * the issuer calls root, admin, administrator, superuser or break-glass adds the fallback
 * indicator ("totp seed for root account", "content", 0.9) and privilege HIGH: whoever holds it
 * has the second factor of the most powerful login there is.
 *
 * Bounds: lists over MAX_LIST bytes, URIs over MAX_URI bytes, bad percent-escapes and absurd
 * digits/period values are FBS_EPARSE; facts are set only when the input parsed.
 */
#include "detector.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../scanner/core/banned.h"

#define MAX_LIST  (64 * 1024) /* bytes of a recovery code list */
#define MAX_CODES 10000
#define MAX_URI   4096 /* bytes of an otpauth:// URI */
#define MAX_FIELD 256  /* bytes of a decoded label part or parameter */
#define SCHEME    "otpauth://"

static const char *const mfa_kinds[] = {"mfa_recovery_codes", "totp_seed", NULL};

static bool code_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

static bool four_digits(const char *s, size_t n)
{
    return n == 4 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
           isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]);
}

/* The number of codes in a recovery code list; 0 and *out, or FBS_EPARSE. */
static int count_codes(long *out, const char *s, size_t n)
{
    size_t i = 0;
    long count = 0;

    if (n > MAX_LIST)
        return fbs_error_set(FBS_EPARSE, "recovery code list is too long (%zu bytes)", n);
    while (i < n) {
        size_t a, b;

        while (i < n && !code_char(s[i]))
            i++;
        a = i;
        while (i < n && code_char(s[i]))
            i++;
        b = i;
        while (a < b && s[a] == '-')
            a++;
        while (b > a && s[b - 1] == '-')
            b--;
        if (b == a)
            continue;
        /* A list number: "6." or "10)". */
        if (b - a <= 2 && b == i && i < n && (s[i] == '.' || s[i] == ')') &&
            isdigit((unsigned char)s[a]) && isdigit((unsigned char)s[b - 1]))
            continue;
        /* Google's "6753 1740": two groups of four digits joined by one space. */
        if (four_digits(s + a, b - a) && b == i && i + 5 <= n && s[i] == ' ' &&
            four_digits(s + i + 1, 4) && (i + 5 == n || !code_char(s[i + 5])))
            i += 5;
        else if (b - a < 4)
            continue;
        if (++count > MAX_CODES)
            return fbs_error_set(FBS_EPARSE, "recovery code list holds over %d codes", MAX_CODES);
    }
    if (!count)
        return fbs_error_set(FBS_EPARSE, "no codes in the recovery code list");
    *out = count;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decode s[0..n) into out as valid UTF-8 ('+' is a space in the query only). */
static int url_decode(struct fbs_buf *out, const char *s, size_t n, bool query, const char *what)
{
    struct fbs_buf raw = FBS_BUF_INIT;
    size_t i;
    int rc = 0;

    fbs_buf_truncate(out, 0);
    for (i = 0; i < n && !rc; i++) {
        char c = s[i];

        if (c == '%') {
            int h = i + 2 < n ? hexval(s[i + 1]) : -1, l = i + 2 < n ? hexval(s[i + 2]) : -1;

            if (h < 0 || l < 0) {
                rc = fbs_error_set(FBS_EPARSE, "otpauth uri: bad percent-escape in the %s", what);
                break;
            }
            c = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && query) {
            c = ' ';
        }
        if (fbs_buf_putc(&raw, c) < 0)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if (!rc && raw.len > MAX_FIELD)
        rc = fbs_error_set(FBS_EPARSE, "otpauth uri: the %s is too long", what);
    if (!rc && fbs_utf8_sanitize(out, raw.ptr, strnlen(raw.ptr, raw.len)) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    fbs_buf_release(&raw);
    return rc;
}

/* Whether the text names a root/admin/break-glass account, as identifier tokens. */
static bool privileged_account(const char *s)
{
    static const char *const words[] = {
        "root", "admin", "administrator", "superuser", "superadmin", "breakglass", NULL};
    size_t i = 0, n = strlen(s), k, prev_a = 0, prev_n = 0;

    while (i < n) {
        size_t start;

        while (i < n && !isalnum((unsigned char)s[i]))
            i++;
        start = i;
        while (i < n && isalnum((unsigned char)s[i])) {
            if (i > start && isupper((unsigned char)s[i]) && islower((unsigned char)s[i - 1]))
                break;
            i++;
        }
        if (i == start)
            break;
        for (k = 0; words[k]; k++)
            if (strlen(words[k]) == i - start && !strncasecmp(s + start, words[k], i - start))
                return true;
        if (prev_n == 5 && i - start == 5 && !strncasecmp(s + prev_a, "break", 5) &&
            !strncasecmp(s + start, "glass", 5))
            return true;
        prev_a = start;
        prev_n = i - start;
    }
    return false;
}

struct totp {
    struct fbs_buf type, issuer, account, algorithm;
    bool has_issuer;
    long digits, period;
};

static int parse_int(long *out, const char *s, size_t n, long max, const char *what)
{
    long v = 0;
    size_t i;

    if (!n || n > 6)
        return fbs_error_set(FBS_EPARSE, "otpauth uri: %s is not a number of 1..%ld", what, max);
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return fbs_error_set(FBS_EPARSE, "otpauth uri: %s is not a number", what);
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > max)
        return fbs_error_set(FBS_EPARSE, "otpauth uri: %s %ld is out of range 1..%ld", what, v,
                             max);
    *out = v;
    return 0;
}

static int parse_param(struct totp *t, const char *p, size_t n)
{
    const char *eq = memchr(p, '=', n);
    size_t kn = eq ? (size_t)(eq - p) : n, vn = eq ? n - kn - 1 : 0;
    const char *v = eq ? eq + 1 : p + n;
    size_t i;
    int rc;

    if (kn == 6 && !strncasecmp(p, "issuer", 6)) {
        t->has_issuer = true;
        return url_decode(&t->issuer, v, vn, true, "issuer");
    }
    if (kn == 6 && !strncasecmp(p, "digits", 6))
        return parse_int(&t->digits, v, vn, 10, "digits");
    if (kn == 6 && !strncasecmp(p, "period", 6))
        return parse_int(&t->period, v, vn, 86400, "period");
    if (kn == 9 && !strncasecmp(p, "algorithm", 9)) {
        if (!vn || vn > 16)
            return fbs_error_set(FBS_EPARSE, "otpauth uri: bad algorithm");
        fbs_buf_truncate(&t->algorithm, 0);
        for (i = 0; i < vn; i++) {
            if (!isalnum((unsigned char)v[i]) && v[i] != '-')
                return fbs_error_set(FBS_EPARSE, "otpauth uri: bad algorithm");
            if ((rc = fbs_buf_putc(&t->algorithm, (char)toupper((unsigned char)v[i]))) < 0)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
    }
    return 0; /* secret, counter, image ... : not recorded */
}

/* Parse the URI u[0..n) (starting with otpauth://) into *t. */
static int parse_uri(struct totp *t, const char *u, size_t n)
{
    const char *p = u + strlen(SCHEME), *end = u + n, *slash, *q, *colon;
    struct fbs_buf label = FBS_BUF_INIT;
    size_t i;
    int rc;

    slash = memchr(p, '/', (size_t)(end - p));
    if (!slash || (slash - p != 4) || (strncasecmp(p, "totp", 4) && strncasecmp(p, "hotp", 4)))
        return fbs_error_set(FBS_EPARSE, "otpauth uri: the type is not totp or hotp");
    if (fbs_buf_put(&t->type, p, 4) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < t->type.len; i++)
        t->type.ptr[i] = (char)tolower((unsigned char)t->type.ptr[i]);
    p = slash + 1;
    q = memchr(p, '?', (size_t)(end - p));
    if (!q)
        q = end;
    rc = url_decode(&label, p, (size_t)(q - p), false, "label");
    if (rc < 0)
        goto done;
    colon = strchr(label.ptr, ':');
    if (colon) {
        const char *acct = colon + 1;

        while (*acct == ' ')
            acct++;
        if (fbs_buf_put(&t->issuer, label.ptr, (size_t)(colon - label.ptr)) < 0 ||
            fbs_buf_puts(&t->account, acct) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        t->has_issuer = true;
    } else if (fbs_buf_puts(&t->account, label.ptr) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    p = q < end ? q + 1 : end;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));

        if (!amp)
            amp = end;
        if ((rc = parse_param(t, p, (size_t)(amp - p))) < 0)
            goto done;
        p = amp < end ? amp + 1 : end;
    }
done:
    fbs_buf_release(&label);
    return rc;
}

/* The otpauth:// URI around the secret in the blob: 1 and its bounds, or 0 when none. */
static int find_uri(const char **out, size_t *outlen, const struct fbs_finding *f,
                    const struct fbs_blob *b)
{
    const char *data = (const char *)b->data, *start = NULL;
    size_t lo, i, e;

    if (f->secret_start >= b->len || f->secret_end > b->len || f->secret_end < f->secret_start)
        return 0;
    lo = f->secret_start > MAX_URI ? f->secret_start - MAX_URI : 0;
    for (i = f->secret_start; i > lo; i--) {
        char c = data[i - 1];

        if (c == '\n' || c == '"' || c == '\'' || c == '<' || c == '>' || c == ' ')
            break;
        if (i - 1 + strlen(SCHEME) <= b->len &&
            !strncasecmp(data + i - 1, SCHEME, strlen(SCHEME))) {
            start = data + i - 1;
            break;
        }
    }
    if (!start)
        return 0;
    for (e = f->secret_end; e < b->len && (size_t)(data + e - start) < MAX_URI; e++) {
        char c = data[e];

        if (isspace((unsigned char)c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '#')
            break;
    }
    if ((size_t)(data + e - start) >= MAX_URI)
        return fbs_error_set(FBS_EPARSE, "otpauth uri is longer than %d bytes", MAX_URI);
    *out = start;
    *outlen = (size_t)(data + e - start);
    return 1;
}

static int set(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int totp_run(struct fbs_finding *f, const struct fbs_blob *b)
{
    struct totp t = {FBS_BUF_INIT, FBS_BUF_INIT, FBS_BUF_INIT, FBS_BUF_INIT, false, 6, 30};
    const char *uri = NULL;
    json_t *o = NULL;
    size_t n = 0;
    int rc;

    if (!b)
        return 0;
    rc = find_uri(&uri, &n, f, b);
    if (rc <= 0)
        return rc;
    if ((rc = parse_uri(&t, uri, n)) < 0)
        goto done;
    o = json_object();
    if (!o || (rc = set(o, "type", json_string(t.type.ptr))) < 0 ||
        (rc = set(o, "issuer", t.has_issuer ? json_string(t.issuer.ptr) : json_null())) < 0 ||
        (rc = set(o, "account", json_string(t.account.ptr))) < 0 ||
        (rc = set(o, "digits", json_integer(t.digits))) < 0 ||
        (rc = set(o, "period", json_integer(t.period))) < 0 ||
        (rc = set(o, "algorithm", json_string(t.algorithm.len ? t.algorithm.ptr : "SHA1"))) < 0) {
        if (!o)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = set(f->facts, "totp", o);
    o = NULL;
    if (rc < 0)
        goto done;
    if (privileged_account(t.account.ptr) || privileged_account(t.issuer.ptr)) {
        if ((rc = fbs_finding_add_indicator(f, "totp seed for root account", "content", 0.9)) < 0)
            goto done;
        rc = fbs_privilege_raise(f, FBS_PRIV_HIGH, "totp seed for a root/admin account ('%.64s')",
                                 t.account.len ? t.account.ptr : t.issuer.ptr);
    }
done:
    json_decref(o);
    fbs_buf_release(&t.type);
    fbs_buf_release(&t.issuer);
    fbs_buf_release(&t.account);
    fbs_buf_release(&t.algorithm);
    return rc;
}

static int mfa_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    long count = 0;
    int rc;

    if (!f->kind || !f->secret)
        return 0;
    if (!strcmp(f->kind, "totp_seed"))
        return totp_run(f, ctx->blob);
    rc = count_codes(&count, f->secret, f->secret_len);
    if (rc < 0)
        return rc;
    if (json_object_set_new(f->facts, "mfa_codes", json_integer(count)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

const struct fbs_detector fbs_detector_mfa = {
    .name = "mfa",
    .stage = FBS_STAGE_PARSE,
    .kinds = mfa_kinds,
    .run = mfa_run,
};
