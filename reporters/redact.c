/* redact.c - redaction of secrets and snippets; see redact.h. */
#include "redact.h"
#include "../scanner/core/alloc.h"
#include "../scanner/model/finding.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"
#include "../scanner/model/target.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define SNIPPET_BEFORE 80
#define SNIPPET_AFTER  60
#define ELLIPSIS       "\xE2\x80\xA6"

static bool ascii_printable(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

static bool is_pem_header(const char *s, size_t n)
{
    return n >= 16 && n <= 80 && !strncmp(s, "-----BEGIN ", 11) &&
           !strncmp(s + n - 5, "-----", 5) && ascii_printable(s, n);
}

int fbs_redact_secret(struct fbs_buf *out, const char *s, size_t n)
{
    const char *nl = memchr(s, '\n', n);
    size_t keep;

    if (nl) {
        /* Key material: "-----BEGIN RSA PRIVATE KEY-----…(1675 bytes)" */
        size_t first = (size_t)(nl - s);

        if (first && s[first - 1] == '\r')
            first--;
        if (is_pem_header(s, first) && fbs_buf_put(out, s, first) < 0)
            return FBS_ENOMEM;
        return fbs_buf_printf(out, ELLIPSIS "(%zu bytes)", n);
    }
    /* A PEM header line alone is a label, not key material. */
    if (is_pem_header(s, n))
        return fbs_buf_put(out, s, n);
    if (!ascii_printable(s, n) || n > 512)
        return fbs_buf_printf(out, ELLIPSIS "(%zu bytes)", n);
    keep = n >= 20 ? 4 : n >= 12 ? 2 : n >= 8 ? 1 : 0;
    if (!keep)
        return fbs_buf_puts(out, ELLIPSIS);
    if (fbs_buf_put(out, s, keep) < 0 || fbs_buf_puts(out, ELLIPSIS) < 0 ||
        fbs_buf_put(out, s + n - keep, keep) < 0)
        return FBS_ENOMEM;
    return 0;
}

static bool token_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '/' || c == '=' || c == '_' || c == '-' ||
           c == '.' || c == '~';
}

/*
 * A token that could be another secret: long, high entropy, and mixing at least two of lower
 * case, upper case and digits (identifiers such as STRIPE_WEBHOOK_SECRET or
 * local_admin_password use one case only).
 */
static bool looks_random(const char *s, size_t n)
{
    bool lower = false, upper = false, digit = false;
    size_t i;

    for (i = 0; i < n; i++) {
        lower |= islower((unsigned char)s[i]) != 0;
        upper |= isupper((unsigned char)s[i]) != 0;
        digit |= isdigit((unsigned char)s[i]) != 0;
    }
    return lower + upper + digit >= 2 && fbs_entropy(s, n) >= 3.0;
}

/*
 * Append text with masked tokens: a token holding the secret again (a repeated password), and a
 * long random-looking token (another secret on the line). Other bytes are kept, made valid
 * UTF-8 a run at a time so that multi-byte characters survive.
 */
static int put_masked(struct fbs_buf *out, const char *s, size_t n, const char *secret, size_t slen)
{
    struct fbs_buf tmp = FBS_BUF_INIT;
    size_t i = 0;
    int rc = 0;

    while (i < n && !rc) {
        size_t j = i;

        if (!token_char(s[i])) {
            while (j < n && !token_char(s[j]))
                j++;
            rc = fbs_utf8_sanitize(out, s + i, j - i);
            i = j;
            continue;
        }
        while (j < n && token_char(s[j]))
            j++;
        if ((slen >= 4 && memmem(s + i, j - i, secret, slen)) ||
            (j - i >= 16 && looks_random(s + i, j - i))) {
            rc = fbs_redact_secret(&tmp, s + i, j - i);
            if (!rc)
                rc = fbs_buf_put(out, tmp.ptr, tmp.len);
            fbs_buf_truncate(&tmp, 0);
        } else {
            rc = fbs_utf8_sanitize(out, s + i, j - i);
        }
        i = j;
    }
    fbs_buf_release(&tmp);
    return rc;
}

int fbs_redact_snippet(struct fbs_buf *out, const char *line, size_t sstart, size_t slen, bool show)
{
    size_t n = strlen(line), a = 0, b, e;
    const char *secret;
    int rc;

    if (sstart > n)
        sstart = n;
    if (sstart + slen > n)
        slen = n - sstart;
    secret = line + sstart;
    e = sstart + slen;
    b = n;
    while (a < sstart && isspace((unsigned char)line[a]))
        a++;
    while (b > e && isspace((unsigned char)line[b - 1]))
        b--;
    if (sstart - a > SNIPPET_BEFORE) {
        a = sstart - SNIPPET_BEFORE;
        /* Never show part of a token cut by the edge: too short to look random, it would
         * escape masking. Start after it (and never inside a UTF-8 sequence). */
        while (a < sstart && (token_char(line[a]) || ((unsigned char)line[a] & 0xC0) == 0x80))
            a++;
        if (fbs_buf_puts(out, ELLIPSIS) < 0)
            return FBS_ENOMEM;
    }
    rc = show ? fbs_utf8_sanitize(out, line + a, sstart - a)
              : put_masked(out, line + a, sstart - a, secret, slen);
    if (rc < 0)
        return rc;
    rc = show ? fbs_utf8_sanitize(out, line + sstart, slen) : fbs_redact_secret(out, secret, slen);
    if (rc < 0)
        return rc;
    if (b - e > SNIPPET_AFTER) {
        size_t cut = e + SNIPPET_AFTER;

        /* End before a token cut by the edge, and not inside a UTF-8 sequence. */
        while (cut > e && (token_char(line[cut - 1]) && token_char(line[cut])))
            cut--;
        while (cut > e && ((unsigned char)line[cut] & 0xC0) == 0x80)
            cut--;
        rc = show ? fbs_utf8_sanitize(out, line + e, cut - e)
                  : put_masked(out, line + e, cut - e, secret, slen);
        return rc < 0 ? rc : fbs_buf_puts(out, ELLIPSIS);
    }
    return show ? fbs_utf8_sanitize(out, line + e, b - e)
                : put_masked(out, line + e, b - e, secret, slen);
}

json_t *fbs_json_text(const char *s, size_t n)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *v;

    if (fbs_utf8_valid(s, n))
        return json_stringn(s, n);
    if (fbs_utf8_sanitize(&b, s, n) < 0)
        return NULL;
    v = json_stringn(b.ptr, b.len);
    fbs_buf_release(&b);
    return v;
}

json_t *fbs_json_remote(const char *url)
{
    char *pub = NULL;
    json_t *v;

    if (!url)
        return json_null();
    if (fbs_target_public_url(&pub, url) < 0)
        return NULL;
    v = pub ? fbs_json_text(pub, strlen(pub)) : fbs_json_text(url, strlen(url));
    fbs_free(pub);
    return v;
}

json_t *fbs_json_target_name(const char *name)
{
    struct fbs_buf b = FBS_BUF_INIT;
    json_t *v = NULL;

    if (!name)
        return json_null();
    if (fbs_target_strip_credentials(&b, name) == 0)
        v = fbs_json_text(b.ptr ? b.ptr : "", b.len);
    fbs_buf_release(&b);
    return v;
}

json_t *fbs_json_score(double x)
{
    return json_real(round(x * 1000.0) / 1000.0);
}

const char *fbs_report_where_words(const char *where)
{
    static const char *const map[][2] = {
        {"key", "the key"},
        {"key_path", "an enclosing key"},
        {"file_name", "the file name"},
        {"directory", "a directory name"},
        {"comment", "a comment"},
        {"name", "a name beside it"},
        {"rule", "the rule"},
        {"commit_message", "the commit message"},
        {"tag", "a tag"},
        {"description", "the description"},
        {"content", "the credential itself"},
    };
    size_t i;

    for (i = 0; where && i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(where, map[i][0]))
            return map[i][1];
    return NULL;
}

int fbs_redact_finding_secret(struct fbs_buf *out, const struct fbs_finding *f)
{
    if (!f->secret)
        return 0;
    if (f->secret_public)
        return fbs_utf8_sanitize(out, f->secret, f->secret_len) < 0 ? FBS_ENOMEM : 0;
    return fbs_redact_secret(out, f->secret, f->secret_len);
}

/* "user_id" -> "user id": identity keys as words. */
static int put_words(struct fbs_buf *b, const char *k)
{
    int rc = 0;

    for (; *k && rc == 0; k++)
        rc = fbs_buf_putc(b, *k == '_' ? ' ' : *k);
    return rc;
}

int fbs_report_verification(struct fbs_buf *out, const json_t *v)
{
    const char *status = json_string_value(json_object_get(v, "status"));
    const char *at = json_string_value(json_object_get(v, "at"));
    const char *by = json_string_value(json_object_get(v, "verifier"));
    const char *priv = json_string_value(json_object_get(v, "privilege"));
    const char *det = json_string_value(json_object_get(v, "detail"));
    json_t *id = json_object_get(v, "identity"), *sc = json_object_get(v, "scopes"), *x;
    const char *k;
    size_t i, n = 0;
    int rc = 0;

    if (!json_is_object(v) || !status)
        return 0;
    rc |= fbs_buf_puts(out, status);
    if (at)
        rc |= fbs_buf_printf(out, " at %s", at);
    if (by)
        rc |= fbs_buf_printf(out, " by %s", by);
    json_object_foreach(id, k, x)
    {
        if (!json_is_string(x) && !json_is_integer(x))
            continue;
        rc |= fbs_buf_puts(out, n++ ? ", " : " as ");
        rc |= put_words(out, k);
        rc |= fbs_buf_putc(out, ' ');
        if (json_is_string(x))
            rc |= fbs_buf_puts(out, json_string_value(x));
        else
            rc |= fbs_buf_printf(out, "%lld", (long long)json_integer_value(x));
    }
    if (json_is_array(sc)) {
        rc |= fbs_buf_puts(out, json_array_size(sc) ? "; scopes: " : "; no scopes reported");
        json_array_foreach(sc, i, x)
        {
            rc |= fbs_buf_puts(out, i ? ", " : "");
            rc |= fbs_buf_puts(out, json_is_string(x) ? json_string_value(x) : "?");
        }
    }
    if (priv)
        rc |= fbs_buf_printf(out, "; privilege %s", priv);
    if (json_is_integer(json_object_get(v, "http_status")))
        rc |= fbs_buf_printf(out, "; HTTP %lld",
                             (long long)json_integer_value(json_object_get(v, "http_status")));
    if (det)
        rc |= fbs_buf_printf(out, " (%s)", det);
    return rc ? fbs_error_set(FBS_ENOMEM, "out of memory") : 1;
}
