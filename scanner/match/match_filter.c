/*
 * match_filter.c - what is not a secret even though it looks like one: placeholders and
 * documentation examples, variable and secret-manager references, encrypted values; and the
 * checksum validators some token formats allow.
 */
#include "match.h"
#include "../core/text.h"

#include <ctype.h>
#include <string.h>

#include "../core/banned.h"

/* Substrings (case-insensitive) that mark a value as a placeholder. */
static const char *const placeholder_words[] = {
    "example",   "xxxx",       "changeme",   "change_me",    "change-me",    "replace_me",
    "replaceme", "replace-me", "your_",      "your-",        "yourkey",      "placeholder",
    "dummy",     "redacted",   "insert_",    "insert-",      "****",         "...",
    "123456789", "abcdefghij", "notasecret", "not_a_secret", "not-a-secret", "secretkey",
    "fill_me",   "fillme",     "fake",       "&lt;",         "&gt;",         "&quot;",
    "&#",        NULL};

/*
 * Values published in documentation and tutorials (a match containing one is the example, not
 * a credential): the jwt.io sample signature, Google Authenticator's sample seed, Azurite's
 * well-known storage key, AWS's documentation secret key.
 */
static const char *const public_examples[] = {
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "JBSWY3DPEHPK3PXP",
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCY", NULL};

/* Prefixes of password hashes (crypt, LDAP schemes): a hash is not the password. */
static const char *const hash_prefixes[] = {"$1$",    "$2a$",      "$2b$",    "$2y$",    "$5$",
                                            "$6$",    "$y$",       "$argon2", "$pbkdf2", "$scrypt$",
                                            "{SSHA}", "{SSHA512}", "{SHA}",   "{CRYPT}", NULL};

/* Prefixes of values encrypted by a tool that keeps the key elsewhere (Jenkins "{AQAA...}"). */
static const char *const encrypted_prefixes[] = {"{AQAA", NULL};

static bool has_prefix(const char *s, size_t len, const char *const *prefixes)
{
    size_t i;

    for (i = 0; prefixes[i]; i++)
        if (len >= strlen(prefixes[i]) && !strncasecmp(s, prefixes[i], strlen(prefixes[i])))
            return true;
    return false;
}

/* Exact values (case-insensitive) that are never real secrets; the last ones are the base64 of
 * "password", "changeme", "secret", "admin" and "test" (Kubernetes Secret templates). */
static const char *const placeholder_exact[] = {
    "password",     "secret",   "passwd",    "token",    "null",   "none",  "nil",
    "true",         "false",    "undefined", "test",     "string", "value", "empty",
    "default",      "required", "optional",  "todo",     "tbd",    "n/a",   "cGFzc3dvcmQ=",
    "Y2hhbmdlbWU=", "c2VjcmV0", "YWRtaW4=",  "dGVzdA==", NULL};

/* Values that are public by design: Mapbox public tokens, Stripe publishable keys. */
static const char *const public_prefixes[] = {"pk.eyJ1", "pk_live_", "pk_test_", NULL};

/*
 * Keys whose values are random but not secrets: anti-CSRF tokens, nonces, pagination cursors,
 * idempotency keys. Matched in the key that names the value (see named_by_public_key).
 */
static const char *const public_keys[] = {
    "csrf",      "xsrf",   "nonce",       "pagetoken",  "page_token", "page-token", "next_token",
    "nexttoken", "cursor", "idempotency", "token_type", "tokentype",  NULL};

/* Prefixes/substrings that mark a value as a reference to a secret kept elsewhere. */
static const char *const reference_marks[] = {"${",
                                              "{{",
                                              "$(",
                                              "%{",
                                              "#{",
                                              "<%=",
                                              "@microsoft.keyvault(",
                                              "vault:",
                                              "arn:aws",
                                              "arn:aws-",
                                              "op://",
                                              "secretsmanager:",
                                              "ssm:",
                                              "gcpsm://",
                                              "sm://",
                                              "azurekeyvault://",
                                              "awssm://",
                                              "akv://",
                                              "ref+",
                                              "secretref:",
                                              "valuefrom",
                                              NULL};

/* Prefixes/substrings of values that are ciphertext (the key is kept elsewhere). */
static const char *const ciphertext_marks[] = {"enc[", "$ansible_vault", NULL};

static bool has_word(const char *s, size_t len, const char *const *words)
{
    size_t i;

    for (i = 0; words[i]; i++)
        if (fbs_memcasemem(s, len, words[i], strlen(words[i])))
            return true;
    return false;
}

static bool is_exact(const char *s, size_t len, const char *const *words)
{
    size_t i;

    for (i = 0; words[i]; i++)
        if (strlen(words[i]) == len && !strncasecmp(s, words[i], len))
            return true;
    return false;
}

/* One byte makes up 60% or more of the value: "aaaaaaaa", "0000-0000". */
static bool mostly_one_char(const char *s, size_t len)
{
    size_t counts[256] = {0}, i, max = 0;

    if (len < 6)
        return false;
    for (i = 0; i < len; i++)
        if (++counts[(unsigned char)s[i]] > max)
            max = counts[(unsigned char)s[i]];
    return max * 10 >= len * 6;
}

/* Terraform/HCL expressions: var.x, local.x, module.x.y, data.x.y.z. */
static bool is_hcl_reference(const char *s, size_t len)
{
    static const char *const roots[] = {"var.",  "local.", "module.",    "data.", "each.",
                                        "self.", "path.",  "terraform.", NULL};
    size_t i, k;

    for (i = 0; roots[i]; i++) {
        k = strlen(roots[i]);
        if (len > k && !strncmp(s, roots[i], k) && (isalpha((unsigned char)s[k]) || s[k] == '_')) {
            for (; k < len; k++)
                if (!(isalnum((unsigned char)s[k]) || s[k] == '_' || s[k] == '.' || s[k] == '-' ||
                      s[k] == '[' || s[k] == ']'))
                    return false;
            return true;
        }
    }
    return false;
}

/*
 * $VAR or $var_name alone, or a path under one ($HOME/.secrets/pw, $VAULT_PATH/db): a shell/env
 * reference. %VAR% likewise on Windows.
 */
static bool is_shell_var(const char *s, size_t len)
{
    size_t i = 1;

    if (len >= 3 && s[0] == '%' && s[len - 1] == '%') {
        for (; i < len - 1; i++)
            if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
                return false;
        return true;
    }
    if (len < 2 || s[0] != '$')
        return false;
    if (s[1] == '{')
        return true;
    if (!(isalpha((unsigned char)s[1]) || s[1] == '_'))
        return false;
    for (; i < len; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return s[i] == '/';
    return true;
}

/*
 * A YAML alias (*default_password; the caller checks it is unquoted) or an HTML anchor
 * (#add-password, lower case with a '-' or '_'): names, not values.
 */
static bool is_alias_or_anchor(const char *s, size_t len)
{
    bool anchor = s[0] == '#', joined = false;
    size_t i;

    if (len < 2 || (s[0] != '*' && !anchor) || !isalpha((unsigned char)s[1]))
        return false;
    for (i = 1; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (anchor && isupper(c))
            return false;
        if (c == '_' || c == '-')
            joined = true;
        else if (!(isalnum(c) || c == '.'))
            return false;
    }
    return !anchor || joined;
}

/* {password}, {db.pass}: a format-string field (Python f-strings, str.format, C# interpolation). */
static bool is_format_field(const char *s, size_t len)
{
    size_t i;

    if (len < 3 || s[0] != '{' || s[len - 1] != '}' ||
        !(isalpha((unsigned char)s[1]) || s[1] == '_'))
        return false;
    for (i = 1; i < len - 1; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

/* Whether a and b are neighbours on a keyboard row or in the alphabet/digits (either way). */
static bool adjacent(unsigned char a, unsigned char b)
{
    static const char *const rows[] = {"qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", NULL};
    const char *p;
    size_t i;

    a = (unsigned char)tolower(a);
    b = (unsigned char)tolower(b);
    if (isalnum(a) && isalnum(b) && (a + 1 == b || b + 1 == a))
        return true;
    for (i = 0; rows[i]; i++)
        if ((p = strchr(rows[i], a)) && *p &&
            ((p[1] && (unsigned char)p[1] == b) || (p > rows[i] && (unsigned char)p[-1] == b)))
            return true;
    return false;
}

/*
 * A typed sequence: 90% or more of the value lies in runs of 3+ neighbouring characters
 * (abcdefg12345, qwertyuiop123, 0123456789abcdef). Random tokens of this length almost never do.
 */
static bool is_sequence(const char *s, size_t len)
{
    size_t i, run = 1, in_runs = 0;

    if (len < 8 || len > 64)
        return false;
    for (i = 1; i <= len; i++) {
        if (i < len && adjacent((unsigned char)s[i - 1], (unsigned char)s[i])) {
            run++;
            continue;
        }
        if (run >= 3)
            in_runs += run;
        run = 1;
    }
    return in_runs * 10 >= len * 9;
}

/*
 * The key that names the value (csrf_token = "...", "nextPageToken": "...", X-XSRF-TOKEN: ...)
 * is one of public_keys. Walks back over the separator (quotes, blanks, = : >) and the key.
 */
static bool named_by_public_key(const unsigned char *data, size_t start)
{
    size_t i = start, k, sep = 0;
    char key[65];

    while (i > 0 && sep < 8 && strchr("\"' \t:=>", data[i - 1]) && data[i - 1]) {
        i--;
        sep++;
    }
    for (k = 0; i > 0 && k < sizeof(key) - 1; k++, i--) {
        unsigned char c = data[i - 1];

        if (!(isalnum(c) || c == '_' || c == '-' || c == '.'))
            break;
        key[sizeof(key) - 2 - k] = (char)c;
    }
    return k > 0 && has_word(key + sizeof(key) - 1 - k, k, public_keys);
}

/* "<REPLACE_ME>", "<your token here>": an angle-bracketed name. */
static bool is_angle_placeholder(const char *s, size_t len)
{
    const char *lt = memchr(s, '<', len);

    return lt && memchr(lt, '>', len - (size_t)(lt - s)) != NULL;
}

/* The indentation of the line holding p. */
static size_t indent_at(const unsigned char *data, size_t p)
{
    size_t a = p, n = 0;

    while (a > 0 && data[a - 1] != '\n')
        a--;
    while (data[a + n] == ' ' || data[a + n] == '\t')
        n++;
    return n;
}

/*
 * A Bitnami sealed secret's values: under "encryptedData:" (YAML: every line down to the secret
 * indented deeper than that key) or inside "encryptedData": { ... } (JSON), within `back` bytes.
 */
static bool in_sealed_data(const unsigned char *data, size_t back, size_t start)
{
    static const char key[] = "encryptedData";
    const unsigned char *hit = NULL, *p = data + back, *q;
    size_t ind, i;

    while ((q = memmem(p, start - (size_t)(p - data), key, sizeof(key) - 1)) != NULL) {
        hit = q;
        p = q + 1;
    }
    if (!hit)
        return false;
    i = (size_t)(hit - data) + sizeof(key) - 1;
    while (i < start && (data[i] == '"' || data[i] == ' ' || data[i] == '\t'))
        i++;
    if (i >= start || data[i] != ':')
        return false;
    for (i++; i < start && (data[i] == ' ' || data[i] == '\t'); i++)
        ;
    if (i < start && data[i] == '{') /* JSON: still inside the object */
        return !memchr(data + i, '}', start - i);
    ind = indent_at(data, (size_t)(hit - data));
    for (; i < start; i++) {
        size_t k = 0;

        if (data[i] != '\n')
            continue;
        while (i + 1 + k < start && (data[i + 1 + k] == ' ' || data[i + 1 + k] == '\t'))
            k++;
        if (i + 1 + k < start && data[i + 1 + k] != '\n' && data[i + 1 + k] != '\r' && k <= ind)
            return false;
        if (i + 1 + k >= start && k <= ind) /* the secret's own line */
            return false;
    }
    return true;
}

enum fbs_filter_verdict fbs_filter_secret(const unsigned char *data, size_t len, size_t start,
                                          size_t end)
{
    const char *s = (const char *)data + start;
    size_t n = end - start, ls;
    const char *line;
    size_t back;

    /*
     * The value's own prefix: back from the secret to the nearest whitespace or quote, at most
     * 64 bytes ("ENC[AES256_GCM,data:", "${", "vault:"). Not the whole line: a mark earlier on a
     * minified JSON line says nothing about this value, and a whole-line search per match is
     * quadratic on long lines.
     */
    for (ls = start; ls > 0 && start - ls < 64; ls--) {
        unsigned char c = data[ls - 1];

        if (c == '\n' || c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '`')
            break;
    }
    line = (const char *)data + ls;
    if (has_word(line, start - ls, ciphertext_marks))
        return FBS_FILTER_CIPHERTEXT;
    if (has_word(line, start - ls, reference_marks))
        return FBS_FILTER_REFERENCE;
    /* Ansible Vault payloads are hex lines under a "$ANSIBLE_VAULT;1.1;AES256" header. */
    back = start > 4096 ? start - 4096 : 0;
    {
        /* The headers have a fixed spelling: exact (vectorised) search, not case-folding. */
        const char *hdr = memmem(data + back, start - back, "$ANSIBLE_VAULT;", 15);

        if (!hdr)
            hdr = memmem(data + back, start - back, "-----BEGIN PGP MESSAGE", 22);
        if (!hdr)
            hdr = memmem(data + back, start - back, "-----BEGIN AGE ENCRYPTED FILE", 29);
        /* ...but only while the secret is inside that block (no blank line in between). */
        if (hdr && !memmem(hdr, (size_t)(s - hdr), "\n\n", 2))
            return FBS_FILTER_CIPHERTEXT;
    }
    if (in_sealed_data(data, back, start))
        return FBS_FILTER_CIPHERTEXT;
    (void)len;
    if (n > 256)
        return FBS_FILTER_KEEP; /* key material: too long to be a typed placeholder */
    if (has_word(s, n, ciphertext_marks) || has_prefix(s, n, encrypted_prefixes))
        return FBS_FILTER_CIPHERTEXT;
    if (has_word(s, n, reference_marks) || is_shell_var(s, n) || is_hcl_reference(s, n) ||
        is_format_field(s, n) ||
        (is_alias_or_anchor(s, n) && (s[0] == '#' || !start || !strchr("\"'", data[start - 1]))))
        return FBS_FILTER_REFERENCE;
    if (has_word(s, n, placeholder_words) || is_exact(s, n, placeholder_exact) ||
        mostly_one_char(s, n) || is_angle_placeholder(s, n) || has_prefix(s, n, hash_prefixes) ||
        has_word(s, n, public_examples) || has_prefix(s, n, public_prefixes) || is_sequence(s, n) ||
        named_by_public_key(data, start))
        return FBS_FILTER_PLACEHOLDER;
    return FBS_FILTER_KEEP;
}

bool fbs_validate_github_crc32(const char *token, size_t len)
{
    /* Both base62 digit orders are in use by encoders; GitHub's is the first. */
    static const char *const alphabets[] = {
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"};
    const char *us = memchr(token, '_', len);
    const char *body;
    uint32_t crc;
    uint64_t got;
    size_t blen, i;

    if (!us)
        return false;
    body = us + 1;
    blen = len - (size_t)(body - token);
    if (blen != 36)
        return false;
    crc = fbs_crc32(body, 30);
    for (i = 0; i < 2; i++)
        if (fbs_base62_decode(&got, body + 30, 6, alphabets[i]) == 0 && got == crc)
            return true;
    return false;
}
