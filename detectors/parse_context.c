/*
 * parse_context.c - the text around a match: the key the secret is assigned to, the path of keys
 * above it, a comment on the same or the previous line, and the line itself (for the snippet).
 *
 * No format is fully parsed: the shapes below cover YAML, JSON, TOML/INI, .env and shell,
 * HCL/Terraform, Java properties and XML well enough from the surrounding lines, and bad input
 * can only make the context empty, never wrong memory accesses.
 *
 *   key:      the identifier before the `=`/`:` that the value holding the secret follows
 *             (`password: x`, `"password": "x"`, `export PASSWORD=x`, `password = "x"`,
 *             `;Password=x` inside a connection string, `<password>x</password>`), or the key of
 *             the YAML block scalar (`tls.key: |`) the secret sits in.
 *   names:    values of name-like keys next to the secret's key in the same object
 *             ("name": "breakglass-admin" beside "secret": "..." in a Terraform state).
 *   sibling_keys: the keys of the other entries of that object (same indentation, no line of
 *             smaller indentation or section header in between), space-separated: dim_fallback
 *             tells the everyday key of a pair (API_KEY) from its standby twin (API_KEY_DR).
 *   key_path: the keys of the enclosing, less-indented lines (YAML/JSON/HCL blocks) or the
 *             nearest `[section]` (TOML/INI), outermost first, joined with '.', ending in key.
 */
#include "detector.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"

#include <ctype.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_LINE_TEXT      512
#define MAX_LOOKBACK_LINES 400
#define MAX_DEPTH          24

struct line {
    const char *s; /* start */
    size_t n;      /* length without the newline */
};

static struct line line_at(const unsigned char *data, size_t len, size_t pos)
{
    struct line l;
    size_t a = pos, b = pos;

    while (a > 0 && data[a - 1] != '\n')
        a--;
    while (b < len && data[b] != '\n')
        b++;
    l.s = (const char *)data + a;
    l.n = b - a;
    if (l.n && l.s[l.n - 1] == '\r')
        l.n--;
    return l;
}

/* The line before `l`, or {NULL, 0} at the start of the blob. */
static struct line line_before(const unsigned char *data, struct line l)
{
    struct line p = {NULL, 0};
    size_t nl;

    if (l.s == (const char *)data)
        return p;
    nl = (size_t)(l.s - (const char *)data) - 1; /* the '\n' that ends the previous line */
    return line_at(data, nl, nl);
}

static size_t indent_of(struct line l)
{
    size_t i = 0;

    while (i < l.n && (l.s[i] == ' ' || l.s[i] == '\t' || l.s[i] == '-'))
        i++;
    return i;
}

static bool blank(struct line l)
{
    size_t i;

    for (i = 0; i < l.n; i++)
        if (!isspace((unsigned char)l.s[i]))
            return false;
    return true;
}

static bool is_comment_line(struct line l)
{
    size_t i = 0;

    while (i < l.n && isspace((unsigned char)l.s[i]))
        i++;
    if (i >= l.n)
        return false;
    return l.s[i] == '#' || (l.s[i] == '/' && i + 1 < l.n && l.s[i + 1] == '/') ||
           (l.s[i] == ';') || (l.s[i] == '-' && i + 1 < l.n && l.s[i + 1] == '-') ||
           (l.s[i] == '<' && i + 3 < l.n && !memcmp(l.s + i, "<!--", 4)) ||
           (l.s[i] == '/' && i + 1 < l.n && l.s[i + 1] == '*') || l.s[i] == '*';
}

static bool key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '@' || c == '/' ||
           c == '$' || c == '[' || c == ']';
}

/*
 * The key before position `end` (exclusive) of `s`: skips spaces and a closing quote, then takes
 * identifier characters (or everything inside the quotes). Writes the key span; false if none.
 */
static bool key_before(const char *s, size_t end, size_t *ks, size_t *kn)
{
    size_t i = end;

    while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
        i--;
    if (i > 0 && (s[i - 1] == '"' || s[i - 1] == '\'')) {
        char q = s[i - 1];
        size_t e = --i;

        while (i > 0 && s[i - 1] != q)
            i--;
        if (i == 0 || e == i)
            return false;
        *ks = i;
        *kn = e - i;
        return true;
    }
    {
        size_t e = i;

        while (i > 0 && key_char(s[i - 1]))
            i--;
        /* Strip a trailing ']' of INI arrays and leading '$' of PHP/shell variables. */
        while (i < e && (s[i] == '$' || s[i] == '['))
            i++;
        if (e == i)
            return false;
        *ks = i;
        *kn = e - i;
        return true;
    }
}

/*
 * Find the key on the line `l` for a value starting at offset `vpos` of the line. Returns true
 * with the span when found.
 */
static bool key_on_line(struct line l, size_t vpos, size_t *ks, size_t *kn)
{
    const char *s = l.s;
    size_t i = vpos;

    /* XML element: <password>secret */
    if (i > 0 && s[i - 1] == '>') {
        size_t j = i - 1, e;

        while (j > 0 && s[j - 1] != '<')
            j--;
        if (j > 0) {
            e = j;
            while (e < i - 1 && key_char(s[e]))
                e++;
            if (e > j) {
                *ks = j;
                *kn = e - j;
                return true;
            }
        }
    }
    /* XML attributes: <add key="Name" value="secret" />, <add name="Db" connectionString="..."> */
    if (i >= 2 && (s[i - 1] == '"' || s[i - 1] == '\'') && s[i - 2] == '=') {
        static const char *const attrs[] = {" key=\"", " name=\"", " key='", " name='", NULL};
        size_t a;

        for (a = 0; attrs[a]; a++) {
            const char *at = memmem(s, i, attrs[a], strlen(attrs[a]));

            if (at) {
                size_t st = (size_t)(at - s) + strlen(attrs[a]), e = st;

                while (e < i && s[e] != attrs[a][strlen(attrs[a]) - 1])
                    e++;
                if (e > st && e < i) {
                    *ks = st;
                    *kn = e - st;
                    return true;
                }
            }
        }
    }
    /* Walk back over the value token to the separator before it. */
    while (i > 0 && !(s[i - 1] == '"' || s[i - 1] == '\'' || s[i - 1] == ' ' || s[i - 1] == '\t' ||
                      s[i - 1] == '=' || s[i - 1] == ',' || s[i - 1] == '{' || s[i - 1] == '(' ||
                      s[i - 1] == ';' || s[i - 1] == '?' || s[i - 1] == '&'))
        i--;
    /* Inside a token: "...;Password=secret", "?token=secret" -> the key before that '='. */
    if (i > 0 && s[i - 1] == '=' && i >= 2 && key_char(s[i - 2])) {
        if (key_before(s, i - 1, ks, kn))
            return true;
    }
    while (i > 0 && (s[i - 1] == '"' || s[i - 1] == '\'' || s[i - 1] == ' ' || s[i - 1] == '\t'))
        i--;
    if (i > 0 && s[i - 1] == '>' && i >= 2 && s[i - 2] == '=') /* Ruby/Perl "=>" */
        i -= 2;
    else if (i > 0 && (s[i - 1] == '=' || s[i - 1] == ':')) {
        i--;
        if (i > 0 && s[i - 1] == ':') /* Go ":=" */
            i--;
    } else {
        return false;
    }
    if (!key_before(s, i, ks, kn))
        return false;
    /* "Unseal Key 1: ...", "Recovery Key 2: ...": a bare number is the end of a label; take the
     * words before it on the line too. */
    {
        size_t k, st = *ks;
        bool digits = true;

        for (k = *ks; k < *ks + *kn; k++)
            digits = digits && isdigit((unsigned char)s[k]);
        if (digits) {
            while (st > 0 && (isalnum((unsigned char)s[st - 1]) || s[st - 1] == ' ' ||
                              s[st - 1] == '_' || s[st - 1] == '-'))
                st--;
            while (st < *ks && s[st] == ' ')
                st++;
            *kn += *ks - st;
            *ks = st;
        }
    }
    return true;
}

/*
 * A line that opens a block: "key:" (YAML, nothing or a block indicator after the colon),
 * "\"key\": {" / "\"key\": [" (JSON), "key = {" / "key {" / "block \"a\" \"b\" {" (HCL).
 * Writes the block's name into out (HCL labels joined with '.'); false otherwise.
 */
static bool block_opener(struct line l, struct fbs_buf *out)
{
    size_t i = indent_of(l), n = l.n, ks, kn;
    const char *s = l.s;

    while (n > i && isspace((unsigned char)s[n - 1]))
        n--;
    if (n <= i)
        return false;
    /* Trailing comment on YAML lines. */
    {
        const char *hash = memchr(s + i, '#', n - i);

        if (hash && hash > s + i && isspace((unsigned char)hash[-1])) {
            n = (size_t)(hash - s);
            while (n > i && isspace((unsigned char)s[n - 1]))
                n--;
        }
    }
    if (s[n - 1] == '{' || s[n - 1] == '[') {
        size_t e = n - 1, j;

        while (e > i && isspace((unsigned char)s[e - 1]))
            e--;
        if (e > i && (s[e - 1] == ':' || s[e - 1] == '=')) {
            if (!key_before(s, e - 1, &ks, &kn))
                return false;
            return fbs_buf_put(out, s + ks, kn) == 0;
        }
        /* HCL block: words and quoted labels. */
        for (j = i; j < e; j++) {
            if (s[j] == '"' || s[j] == ' ')
                continue;
            if (!key_char(s[j]))
                return false;
        }
        for (j = i; j < e;) {
            size_t st;

            while (j < e && (s[j] == ' ' || s[j] == '"'))
                j++;
            st = j;
            while (j < e && s[j] != ' ' && s[j] != '"')
                j++;
            if (j > st) {
                if (out->len && fbs_buf_putc(out, '.') < 0)
                    return false;
                if (fbs_buf_put(out, s + st, j - st) < 0)
                    return false;
            }
        }
        return out->len > 0;
    }
    /* YAML "key:" or "key: |" / "key: >-" */
    {
        size_t e = n;

        if (s[e - 1] == '|' || s[e - 1] == '>' || s[e - 1] == '-' || s[e - 1] == '+') {
            while (e > i && (s[e - 1] == '|' || s[e - 1] == '>' || s[e - 1] == '-' ||
                             s[e - 1] == '+' || isdigit((unsigned char)s[e - 1])))
                e--;
            while (e > i && isspace((unsigned char)s[e - 1]))
                e--;
        }
        if (e > i && s[e - 1] == ':' && key_before(s, e - 1, &ks, &kn) && ks >= i)
            return fbs_buf_put(out, s + ks, kn) == 0;
    }
    return false;
}

/* "[section]" or "[[array.of.tables]]" alone on a line (names, dots, quotes, spaces inside). */
static bool section_line(struct line l, size_t *ss, size_t *sn)
{
    size_t i = 0, e, k, n = l.n;

    while (i < n && isspace((unsigned char)l.s[i]))
        i++;
    while (n > i && isspace((unsigned char)l.s[n - 1]))
        n--;
    if (i >= n || l.s[i] != '[' || l.s[n - 1] != ']')
        return false;
    while (i < n && l.s[i] == '[')
        i++;
    e = i;
    while (e < n && l.s[e] != ']')
        e++;
    if (e == i || e >= n)
        return false;
    for (k = e; k < n; k++)
        if (l.s[k] != ']')
            return false;
    for (k = i; k < e; k++)
        if (!(isalnum((unsigned char)l.s[k]) || strchr("_-.\" ", l.s[k])))
            return false;
    if (l.s[i] == ' ' || l.s[e - 1] == ' ')
        return false;
    *ss = i;
    *sn = e - i;
    return true;
}

static int set_comment(struct fbs_finding *f, const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n > 200)
        n = 200;
    return n ? fbs_finding_set_strn(&f->comment, s, n) : 0;
}

/* A comment on the secret's line after the value, or on the line(s) just above. */
static int find_comment(struct fbs_finding *f, const unsigned char *data, struct line l,
                        size_t vend)
{
    size_t i;
    struct line p;
    int k;

    for (i = vend; i < l.n; i++) {
        if (l.s[i] == '#' && (i == 0 || isspace((unsigned char)l.s[i - 1])))
            return set_comment(f, l.s + i + 1, l.n - i - 1);
        if (l.s[i] == '/' && i + 1 < l.n && l.s[i + 1] == '/' &&
            (i == 0 || isspace((unsigned char)l.s[i - 1])))
            return set_comment(f, l.s + i + 2, l.n - i - 2);
    }
    p = l;
    for (k = 0; k < 3; k++) {
        p = line_before(data, p);
        if (!p.s || blank(p) || !is_comment_line(p) || (p.n >= 2 && p.s[0] == '#' && p.s[1] == '!'))
            break;
        {
            size_t j = 0;

            while (j < p.n && (isspace((unsigned char)p.s[j]) || strchr("#/;-!<*", p.s[j])))
                j++;
            if (j < p.n)
                return set_comment(f, p.s + j, p.n - j);
        }
    }
    return 0;
}

/* Documents (Markdown, text, wiki pages): the sentence before a value says what it is. */
static bool is_prose(const char *rel)
{
    static const char *const ext[] = {".md",  ".markdown", ".txt", ".rst",  ".adoc",
                                      ".org", ".html",     ".htm", ".wiki", NULL};
    size_t n = rel ? strlen(rel) : 0, i;

    for (i = 0; ext[i]; i++)
        if (n > strlen(ext[i]) && !strcasecmp(rel + n - strlen(ext[i]), ext[i]))
            return true;
    return false;
}

/* In prose, the nearest non-blank line above (skipping code fences), as the comment. */
static int prose_before(struct fbs_finding *f, const unsigned char *data, struct line l)
{
    struct line p = l;
    int k;

    for (k = 0; k < 4; k++) {
        p = line_before(data, p);
        if (!p.s)
            return 0;
        if (blank(p) || (p.n >= 3 && !memcmp(p.s + indent_of(p), "```", 3)))
            continue;
        {
            size_t j = indent_of(p);

            while (j < p.n && strchr("#-*>|", p.s[j]))
                j++;
            return set_comment(f, p.s + j, p.n - j);
        }
    }
    return 0;
}

/*
 * The comment block at the top of the file (after a shebang), when the secret is below it: what
 * the whole file is for ("# Break-glass credentials for ..."). Scanned as the file's
 * description.
 */
static int file_header(struct fbs_finding *f, const unsigned char *data, size_t len,
                       struct line secret_line)
{
    struct fbs_buf out = FBS_BUF_INIT;
    struct line p;
    size_t pos = 0;
    int k, rc = 0;

    for (k = 0; k < 6 && pos < len; k++) {
        p = line_at(data, len, pos);
        if (p.s >= secret_line.s)
            break;
        pos = (size_t)(p.s - (const char *)data) + p.n + 1;
        if (k == 0 && p.n >= 2 && p.s[0] == '#' && p.s[1] == '!')
            continue;
        if (!is_comment_line(p) && !(p.n > 4 && !memcmp(p.s, "<?xml", 5)))
            break;
        if (is_comment_line(p)) {
            size_t j = indent_of(p);

            while (j < p.n && strchr("#/;-!<*", p.s[j]))
                j++;
            if (j < p.n && ((out.len && fbs_buf_putc(&out, ' ') < 0) ||
                            fbs_buf_put(&out, p.s + j, p.n - j > 160 ? 160 : p.n - j) < 0)) {
                rc = FBS_ENOMEM;
                break;
            }
        }
    }
    if (rc == 0 && out.len)
        rc = fbs_finding_set_strn(&f->file_header, out.ptr, out.len > 400 ? 400 : out.len);
    fbs_buf_release(&out);
    return rc;
}

/* Keys whose values name or describe the object a secret belongs to. */
static const char *const name_keys[] = {"name",        "user",         "username",    "user_name",
                                        "description", "display_name", "displayname", "title",
                                        "purpose",     "comment",      "role",        "usage",
                                        "account",     "owner",        "id",          "email",
                                        "alias",       "label",        "pguser",      NULL};

/* If the line is "key: value" / "\"key\": \"value\"," / "key = value" with a name-like key,
 * append the value to out. */
static int name_value(struct line l, struct fbs_buf *out)
{
    size_t i = indent_of(l), ks, ke, vs, ve, k;
    const char *s = l.s;
    bool xml = i < l.n && s[i] == '<';

    if (xml) /* <description>Emergency deploys</description> */
        i++;
    if (!xml && l.n - i > 7 && !strncmp(s + i, "export ", 7)) /* shell: export PGUSER=x */
        i += 7;
    while (i < l.n && (s[i] == '"' || s[i] == '\''))
        i++;
    ks = i;
    while (i < l.n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'))
        i++;
    ke = i;
    while (i < l.n && (s[i] == '"' || s[i] == '\'' || s[i] == ' ' || s[i] == '\t'))
        i++;
    if (ke == ks || i >= l.n || (s[i] != ':' && s[i] != '=' && !(xml && s[i] == '>')))
        return 0;
    i++;
    while (i < l.n && (s[i] == ' ' || s[i] == '\t' || s[i] == '"' || s[i] == '\''))
        i++;
    vs = i;
    ve = l.n;
    if (xml) { /* up to the closing tag */
        const char *close = memchr(s + vs, '<', l.n - vs);

        if (!close)
            return 0;
        ve = (size_t)(close - s);
    }
    while (ve > vs && (s[ve - 1] == ',' || s[ve - 1] == '"' || s[ve - 1] == '\'' ||
                       isspace((unsigned char)s[ve - 1])))
        ve--;
    if (ve <= vs || ve - vs > 200)
        return 0;
    for (k = 0; name_keys[k]; k++) {
        if (strlen(name_keys[k]) == ke - ks && !strncasecmp(s + ks, name_keys[k], ke - ks)) {
            if (out->len && fbs_buf_putc(out, ' ') < 0)
                return FBS_ENOMEM;
            return fbs_buf_put(out, s + vs, ve - vs);
        }
    }
    return 0;
}

#define MAX_SIBLING_KEYS 1024 /* bytes of sibling_keys */

/* The key of a "key: value" / "key = value" / "export KEY=value" line, appended to out. */
static int sibling_key(struct line l, struct fbs_buf *out)
{
    size_t i = indent_of(l), ks;
    const char *s = l.s;

    if (l.n - i > 7 && !strncmp(s + i, "export ", 7))
        i += 7;
    while (i < l.n && (s[i] == '"' || s[i] == '\''))
        i++;
    ks = i;
    while (i < l.n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.'))
        i++;
    if (i == ks || i - ks > 80 || out->len + (i - ks) + 1 > MAX_SIBLING_KEYS)
        return 0;
    {
        size_t e = i;

        while (i < l.n && (s[i] == '"' || s[i] == '\'' || s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= l.n || (s[i] != ':' && s[i] != '='))
            return 0;
        if ((out->len && fbs_buf_putc(out, ' ') < 0) || fbs_buf_put(out, s + ks, e - ks) < 0)
            return FBS_ENOMEM;
    }
    return 0;
}

/*
 * Name-like siblings of the secret's key in the same object (same indentation, no line of
 * smaller indentation in between): "name": "breakglass-admin" next to "secret": "...". The
 * siblings' keys go to f->sibling_keys.
 */
static int sibling_names(struct fbs_finding *f, const unsigned char *data, size_t len,
                         struct line l)
{
    struct fbs_buf out = FBS_BUF_INIT, keys = FBS_BUF_INIT;
    size_t ind = indent_of(l);
    struct line p = l;
    int k, rc = 0;

    for (k = 0; k < 40 && rc == 0; k++) {
        size_t ss, sn;

        p = line_before(data, p);
        if (!p.s || (!blank(p) && indent_of(p) < ind) || section_line(p, &ss, &sn))
            break;
        if (indent_of(p) == ind && (rc = name_value(p, &out)) == 0)
            rc = sibling_key(p, &keys);
    }
    p = l;
    for (k = 0; k < 40 && rc == 0; k++) {
        size_t next = (size_t)(p.s - (const char *)data) + p.n;

        while (next < len && data[next] != '\n')
            next++;
        if (next + 1 >= len)
            break;
        p = line_at(data, len, next + 1);
        if ((!blank(p) && indent_of(p) < ind) || section_line(p, &next, &next))
            break;
        if (indent_of(p) == ind && (rc = name_value(p, &out)) == 0)
            rc = sibling_key(p, &keys);
    }
    if (rc == 0 && out.len)
        rc = fbs_finding_set_strn(&f->names, out.ptr, out.len);
    if (rc == 0 && keys.len)
        rc = fbs_finding_set_strn(&f->sibling_keys, keys.ptr, keys.len);
    fbs_buf_release(&out);
    fbs_buf_release(&keys);
    return rc;
}

static int context_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const struct fbs_blob *b = ctx->blob;
    struct fbs_buf path = FBS_BUF_INIT, name = FBS_BUF_INIT;
    const char *parts[MAX_DEPTH];
    size_t plen[MAX_DEPTH];
    struct fbs_buf store[MAX_DEPTH];
    size_t nparts = 0, ks = 0, kn = 0, vpos, indent, i;
    struct line l, p;
    bool have_key = false;
    int rc = 0, k;

    if (!b || b->binary || f->secret_start >= b->len)
        return 0;
    for (i = 0; i < MAX_DEPTH; i++)
        fbs_buf_init(&store[i]);
    l = line_at(b->data, b->len, f->secret_start);
    vpos = (size_t)((const char *)b->data + f->secret_start - l.s);
    if (vpos > l.n)
        vpos = l.n;

    /* The line text, cut to MAX_LINE_TEXT bytes around the secret. */
    {
        size_t from = 0, to = l.n, slen;

        if (l.n > MAX_LINE_TEXT) {
            from = vpos > MAX_LINE_TEXT / 4 ? vpos - MAX_LINE_TEXT / 4 : 0;
            to = from + MAX_LINE_TEXT < l.n ? from + MAX_LINE_TEXT : l.n;
        }
        slen = f->secret_end - f->secret_start;
        if (vpos + slen > to)
            slen = to > vpos ? to - vpos : 0;
        rc = fbs_finding_set_strn(&f->line_text, l.s + from, to - from);
        if (rc < 0)
            goto done;
        f->line_secret_start = vpos - from;
        f->line_secret_len = slen;
    }

    /* The key on the secret's own line, else the YAML block scalar it sits in. */
    indent = indent_of(l);
    if (key_on_line(l, vpos, &ks, &kn)) {
        rc = fbs_finding_set_strn(&f->key, l.s + ks, kn);
        have_key = true;
    }
    if (rc < 0)
        goto done;
    p = l;
    if (!have_key && vpos <= indent + 1) {
        for (k = 0; k < MAX_LOOKBACK_LINES; k++) {
            p = line_before(b->data, p);
            if (!p.s)
                break;
            if (blank(p) || indent_of(p) >= indent)
                continue;
            fbs_buf_truncate(&name, 0);
            if (block_opener(p, &name)) {
                rc = fbs_finding_set_strn(&f->key, name.ptr, name.len);
                if (rc < 0)
                    goto done;
                have_key = true;
                indent = indent_of(p);
            }
            break;
        }
        if (!have_key)
            p = l;
    }

    /* Enclosing blocks, walking up to lines of smaller indentation. */
    for (k = 0; k < MAX_LOOKBACK_LINES && nparts < MAX_DEPTH && indent > 0; k++) {
        p = line_before(b->data, p);
        if (!p.s)
            break;
        if (blank(p) || is_comment_line(p) || indent_of(p) >= indent)
            continue;
        if (block_opener(p, &store[nparts])) {
            parts[nparts] = store[nparts].ptr;
            plen[nparts] = store[nparts].len;
            nparts++;
        }
        indent = indent_of(p);
    }
    /* TOML/INI section above the top-level key. */
    if (nparts < MAX_DEPTH) {
        struct line q = p.s ? p : l;

        for (k = 0; k < MAX_LOOKBACK_LINES; k++) {
            size_t ss, sn;

            if (section_line(q, &ss, &sn)) {
                parts[nparts] = q.s + ss;
                plen[nparts] = sn;
                nparts++;
                break;
            }
            q = line_before(b->data, q);
            if (!q.s)
                break;
        }
    }
    if (have_key || nparts) {
        while (nparts > 0) {
            nparts--;
            if ((path.len && fbs_buf_putc(&path, '.') < 0) ||
                fbs_buf_put(&path, parts[nparts], plen[nparts]) < 0) {
                rc = FBS_ENOMEM;
                goto done;
            }
        }
        if (have_key &&
            ((path.len && fbs_buf_putc(&path, '.') < 0) || fbs_buf_puts(&path, f->key) < 0)) {
            rc = FBS_ENOMEM;
            goto done;
        }
        rc = fbs_finding_set_strn(&f->key_path, path.ptr, path.len);
        if (rc < 0)
            goto done;
    }
    if (have_key && (rc = sibling_names(f, b->data, b->len, l)) < 0)
        goto done;
    rc = find_comment(f, b->data, l,
                      vpos + (f->secret_end - f->secret_start) < l.n
                          ? vpos + (f->secret_end - f->secret_start)
                          : l.n);
    if (rc == 0 && !f->comment && is_prose(f->rel_path))
        rc = prose_before(f, b->data, l);
    if (rc == 0)
        rc = file_header(f, b->data, b->len, l);
done:
    for (i = 0; i < MAX_DEPTH; i++)
        fbs_buf_release(&store[i]);
    fbs_buf_release(&path);
    fbs_buf_release(&name);
    return rc;
}

const struct fbs_detector fbs_detector_context = {
    .name = "context",
    .stage = FBS_STAGE_CONTEXT,
    .kinds = NULL,
    .run = context_run,
};
