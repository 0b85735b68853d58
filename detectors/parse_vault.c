/*
 * parse_vault.c - HashiCorp Vault (rules/vault.yml): `vault operator init` output around unseal
 * keys, recovery keys and the initial root token, and the type of a token.
 *
 * Init output. For an unseal key, recovery key or root token finding, the text around the match
 * (WINDOW bytes each side, in the blob) is read for what `vault operator init` prints:
 *   text:  "Unseal Key 3: ...", "Unseal Key 1 (hex)   : ...", "Recovery Key 1: ...",
 *          "Vault initialized with 5 key shares and a key threshold of 3.",
 *          "Recovery key initialized with 5 key shares and a key threshold of 3.",
 *          "Initial Root Token: hvs...."
 *   JSON (-format=json): unseal_keys_b64 / unseal_keys_hex (the same shares twice),
 *          unseal_shares, unseal_threshold, recovery_keys_b64 / recovery_keys_hex,
 *          recovery_keys_shares, recovery_keys_threshold, root_token.
 * -> facts.vault_init = {unseal_keys, unseal_shares, threshold, recovery_keys, recovery_shares,
 *    recovery_threshold, root_token_present}: key counts are distinct key numbers (text) or list
 *    lengths (JSON), whichever is larger; unknown shares and thresholds are null. `threshold` is
 *    the unseal threshold. When an unseal (recovery) key finding sits with at least threshold
 *    shares, privilege is HIGH with the evidence "3 of 5 unseal key shares in one place
 *    (threshold 3): enough to unseal" ("... enough to generate a root token").
 *
 * Root tokens: the initial root token, a token whose key, comment or names call it root
 * (VAULT_ROOT_TOKEN=...), or a token record whose facts.policies include "root" -> privilege HIGH
 * and the fallback indicator ("root token", "content", 1.0).
 *
 * Token type from the prefix -> facts.vault_token_type: hvs. service, hvb. batch, hvr. recovery;
 * the pre-1.10 formats s., b., r. -> legacy_service, legacy_batch, legacy_recovery.
 *
 * Malformed init output (a key number or share count out of 1..255, a threshold above the share
 * count, a JSON key list cut off at the end of the file) is FBS_EPARSE; nothing is set then.
 */
#include "detector.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../scanner/core/banned.h"

#define WINDOW    (32 * 1024) /* bytes read on each side of the match */
#define MAX_SHARE 255         /* Vault's Shamir limit */
#define MIN_KEY   32          /* characters of a plausible key share (base64 44, hex 64+) */
#define MIN_TOKEN 20          /* characters of a plausible token */

static const char *const vault_kinds[] = {"vault_unseal_key", "vault_recovery_key",
                                          "vault_root_token", "vault_token", NULL};

struct init_info {
    unsigned char unseal_seen[32], recovery_seen[32]; /* key numbers 0..255 seen in text */
    unsigned unseal_list, recovery_list;              /* JSON list lengths */
    int unseal_shares, unseal_threshold, recovery_shares, recovery_threshold; /* -1 unknown */
    bool root_token, any;
};

struct text {
    const char *s;
    size_t n;
    bool at_end; /* the window reaches the end of the blob */
};

static unsigned popcount(const unsigned char *bits)
{
    unsigned n = 0, i, b;

    for (i = 0; i < 32; i++)
        for (b = 0; b < 8; b++)
            n += (bits[i] >> b) & 1u;
    return n;
}

static size_t skip_blanks(const struct text *t, size_t i)
{
    while (i < t->n && (t->s[i] == ' ' || t->s[i] == '\t'))
        i++;
    return i;
}

static size_t skip_space(const struct text *t, size_t i)
{
    while (i < t->n && isspace((unsigned char)t->s[i]))
        i++;
    return i;
}

/* A decimal number of 1..3 digits at i -> *out and the index after it; 0 when none. */
static size_t number_at(const struct text *t, size_t i, int *out, const char *what)
{
    size_t j = i;
    int v = 0;

    while (j < t->n && isdigit((unsigned char)t->s[j]) && j - i < 4)
        v = v * 10 + (t->s[j++] - '0');
    if (j == i)
        return 0;
    if (j - i > 3 || v < 1 || v > MAX_SHARE) {
        fbs_error_set(FBS_EPARSE, "vault init output: %s is out of range 1..%d", what, MAX_SHARE);
        return (size_t)-1;
    }
    *out = v;
    return j;
}

static size_t run_of(const struct text *t, size_t i, const char *chars)
{
    size_t j = i;

    while (j < t->n && (isalnum((unsigned char)t->s[j]) || strchr(chars, t->s[j])))
        j++;
    return j - i;
}

/* Where `needle` occurs (case-insensitively) at or after `from`, or t->n. */
static size_t find(const struct text *t, size_t from, const char *needle)
{
    const char *p;

    if (from >= t->n)
        return t->n;
    p = fbs_memcasemem(t->s + from, t->n - from, needle, strlen(needle));
    return p ? (size_t)(p - t->s) : t->n;
}

/* "Unseal Key N[ (hex|base64)]: VALUE" and "Recovery Key N: VALUE" lines. */
static int scan_key_lines(struct init_info *info, const struct text *t, const char *label,
                          unsigned char *seen)
{
    size_t at = 0, i;

    while ((at = find(t, at, label)) < t->n) {
        int num = 0;

        i = number_at(t, at + strlen(label), &num, "a key number");
        at += strlen(label);
        if (i == (size_t)-1)
            return FBS_EPARSE;
        if (!i)
            continue;
        if (i < t->n && t->s[i] == ' ' && t->n - i >= 6 && t->s[i + 1] == '(') {
            const char *close = memchr(t->s + i, ')', t->n - i < 12 ? t->n - i : 12);

            if (close)
                i = (size_t)(close - t->s) + 1;
        }
        i = skip_blanks(t, i);
        if (i >= t->n || t->s[i] != ':')
            continue;
        i = skip_blanks(t, i + 1);
        if (run_of(t, i, "+/=") >= MIN_KEY) {
            seen[num / 8] |= (unsigned char)(1u << (num % 8));
            info->any = true;
        }
    }
    return 0;
}

/* "... initialized with N key shares and a key threshold of M". */
static int scan_init_lines(struct init_info *info, const struct text *t)
{
    static const char mid[] = " key shares and a key threshold of ";
    size_t at = 0, i, ls;
    int shares = 0, threshold = 0;

    while ((at = find(t, at, "initialized with ")) < t->n) {
        bool recovery;

        ls = at;
        while (ls > 0 && t->s[ls - 1] != '\n' && at - ls < 200)
            ls--;
        recovery = fbs_memcasemem(t->s + ls, at - ls, "recovery", 8) != NULL;
        at += strlen("initialized with ");
        i = number_at(t, at, &shares, "the key share count");
        if (i == (size_t)-1)
            return FBS_EPARSE;
        if (!i || t->n - i < strlen(mid) || strncasecmp(t->s + i, mid, strlen(mid)))
            continue;
        i = number_at(t, i + strlen(mid), &threshold, "the key threshold");
        if (i == (size_t)-1)
            return FBS_EPARSE;
        if (!i)
            continue;
        if (threshold > shares)
            return fbs_error_set(FBS_EPARSE,
                                 "vault init output: threshold %d is above the %d key shares",
                                 threshold, shares);
        if (recovery && info->recovery_shares < 0) {
            info->recovery_shares = shares;
            info->recovery_threshold = threshold;
        } else if (!recovery && info->unseal_shares < 0) {
            info->unseal_shares = shares;
            info->unseal_threshold = threshold;
        }
        info->any = true;
    }
    return 0;
}

/* Where the value of the JSON key `"name":` starts, from `from`; t->n when none. */
static size_t json_value(const struct text *t, size_t *from, const char *name)
{
    size_t at, i;

    while ((at = find(t, *from, name)) < t->n) {
        *from = at + strlen(name);
        i = skip_space(t, *from);
        if (i < t->n && t->s[i] == ':')
            return skip_space(t, i + 1);
    }
    *from = t->n;
    return t->n;
}

/* The number of strings in the JSON list of `name` (the largest if it occurs twice). */
static int json_list(unsigned *out, const struct text *t, const char *name)
{
    size_t from = 0, i;

    while ((i = json_value(t, &from, name)) < t->n) {
        unsigned count = 0;

        if (t->s[i] != '[')
            continue; /* null, or not the init output */
        i++;
        for (;;) {
            i = skip_space(t, i);
            if (i >= t->n) {
                if (!t->at_end)
                    break; /* the window ends inside the list: count what we saw */
                return fbs_error_set(FBS_EPARSE, "vault init output: %s list is cut off", name);
            }
            if (t->s[i] == ']')
                break;
            if (t->s[i] == ',') {
                i++;
                continue;
            }
            if (t->s[i] != '"')
                return fbs_error_set(FBS_EPARSE, "vault init output: %s holds a non-string", name);
            i++;
            while (i < t->n && t->s[i] != '"' && t->s[i] != '\n')
                i += t->s[i] == '\\' ? 2 : 1;
            if (i >= t->n || t->s[i] != '"') {
                if (!t->at_end && i >= t->n)
                    break;
                return fbs_error_set(FBS_EPARSE, "vault init output: unterminated string in %s",
                                     name);
            }
            i++;
            if (++count > MAX_SHARE)
                return fbs_error_set(FBS_EPARSE, "vault init output: %s holds over %d keys", name,
                                     MAX_SHARE);
        }
        if (count > *out)
            *out = count;
    }
    return 0;
}

/* `"name": N` -> *out (the first occurrence); 0 is accepted for "not configured". */
static int json_number(int *out, const struct text *t, const char *name)
{
    size_t from = 0, i = json_value(t, &from, name), j;
    int v = 0;

    if (i >= t->n || !isdigit((unsigned char)t->s[i]))
        return 0;
    for (j = i; j < t->n && isdigit((unsigned char)t->s[j]); j++) {
        if (j - i >= 3)
            return fbs_error_set(FBS_EPARSE, "vault init output: %s is out of range", name);
        v = v * 10 + (t->s[j] - '0');
    }
    if (v > MAX_SHARE)
        return fbs_error_set(FBS_EPARSE, "vault init output: %s is out of range", name);
    if (v > 0 && *out < 0)
        *out = v;
    return 0;
}

static int scan_json(struct init_info *info, const struct text *t)
{
    unsigned b64 = 0, hex = 0, rb64 = 0, rhex = 0;
    size_t from = 0, i;
    int rc;

    if ((rc = json_list(&b64, t, "\"unseal_keys_b64\"")) < 0 ||
        (rc = json_list(&hex, t, "\"unseal_keys_hex\"")) < 0 ||
        (rc = json_list(&rb64, t, "\"recovery_keys_b64\"")) < 0 ||
        (rc = json_list(&rhex, t, "\"recovery_keys_hex\"")) < 0 ||
        (rc = json_number(&info->unseal_shares, t, "\"unseal_shares\"")) < 0 ||
        (rc = json_number(&info->unseal_threshold, t, "\"unseal_threshold\"")) < 0 ||
        (rc = json_number(&info->recovery_shares, t, "\"recovery_keys_shares\"")) < 0 ||
        (rc = json_number(&info->recovery_threshold, t, "\"recovery_keys_threshold\"")) < 0)
        return rc;
    info->unseal_list = b64 > hex ? b64 : hex;
    info->recovery_list = rb64 > rhex ? rb64 : rhex;
    i = json_value(t, &from, "\"root_token\"");
    if (i < t->n && t->s[i] == '"' && run_of(t, i + 1, "._-") >= MIN_TOKEN)
        info->root_token = true;
    if (info->unseal_list || info->recovery_list || info->root_token)
        info->any = true;
    return 0;
}

static int scan_root_line(struct init_info *info, const struct text *t)
{
    size_t at = 0, i;

    while ((at = find(t, at, "Initial Root Token")) < t->n) {
        at += strlen("Initial Root Token");
        i = skip_blanks(t, at);
        if (i < t->n && t->s[i] == ':' && run_of(t, skip_blanks(t, i + 1), "._-") >= MIN_TOKEN) {
            info->root_token = true;
            info->any = true;
        }
    }
    return 0;
}

static int check(const char *what, int shares, int threshold)
{
    if (shares > 0 && threshold > shares)
        return fbs_error_set(FBS_EPARSE, "vault init output: %s threshold %d is above %d shares",
                             what, threshold, shares);
    return 0;
}

static json_t *opt_int(int v)
{
    return v > 0 ? json_integer(v) : json_null();
}

static int set(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/* Read the init output around the match and record it. */
static int init_output(struct fbs_finding *f, const struct fbs_blob *b)
{
    struct init_info info;
    struct text t;
    size_t lo, hi;
    unsigned unseal, recovery;
    json_t *o;
    int rc;

    memset(&info, 0, sizeof(info));
    info.unseal_shares = info.unseal_threshold = -1;
    info.recovery_shares = info.recovery_threshold = -1;
    if (f->match_start > b->len || f->match_end > b->len)
        return fbs_error_set(FBS_EPARSE, "vault: match offsets lie outside the blob");
    lo = f->match_start > WINDOW ? f->match_start - WINDOW : 0;
    hi = b->len - f->match_end > WINDOW ? f->match_end + WINDOW : b->len;
    t.s = (const char *)b->data + lo;
    t.n = hi - lo;
    t.at_end = hi == b->len;
    if ((rc = scan_key_lines(&info, &t, "Unseal Key ", info.unseal_seen)) < 0 ||
        (rc = scan_key_lines(&info, &t, "Recovery Key ", info.recovery_seen)) < 0 ||
        (rc = scan_init_lines(&info, &t)) < 0 || (rc = scan_json(&info, &t)) < 0 ||
        (rc = scan_root_line(&info, &t)) < 0 ||
        (rc = check("unseal", info.unseal_shares, info.unseal_threshold)) < 0 ||
        (rc = check("recovery", info.recovery_shares, info.recovery_threshold)) < 0)
        return rc;
    if (!info.any)
        return 0;
    unseal = popcount(info.unseal_seen);
    if (info.unseal_list > unseal)
        unseal = info.unseal_list;
    recovery = popcount(info.recovery_seen);
    if (info.recovery_list > recovery)
        recovery = info.recovery_list;

    o = json_object();
    if (!o || (rc = set(o, "unseal_keys", json_integer(unseal))) < 0 ||
        (rc = set(o, "unseal_shares", opt_int(info.unseal_shares))) < 0 ||
        (rc = set(o, "threshold", opt_int(info.unseal_threshold))) < 0 ||
        (rc = set(o, "recovery_keys", json_integer(recovery))) < 0 ||
        (rc = set(o, "recovery_shares", opt_int(info.recovery_shares))) < 0 ||
        (rc = set(o, "recovery_threshold", opt_int(info.recovery_threshold))) < 0 ||
        (rc = set(o, "root_token_present", json_boolean(info.root_token))) < 0) {
        json_decref(o);
        return o ? rc : fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    if ((rc = set(f->facts, "vault_init", o)) < 0)
        return rc;

    if (!strcmp(f->kind, "vault_unseal_key") && info.unseal_threshold > 0 &&
        unseal >= (unsigned)info.unseal_threshold) {
        if (info.unseal_shares > 0)
            return fbs_privilege_raise(f, FBS_PRIV_HIGH,
                                       "%u of %d unseal key shares in one place (threshold %d): "
                                       "enough to unseal",
                                       unseal, info.unseal_shares, info.unseal_threshold);
        return fbs_privilege_raise(f, FBS_PRIV_HIGH,
                                   "%u unseal key shares in one place (threshold %d): enough to "
                                   "unseal",
                                   unseal, info.unseal_threshold);
    }
    if (!strcmp(f->kind, "vault_recovery_key") && info.recovery_threshold > 0 &&
        recovery >= (unsigned)info.recovery_threshold) {
        if (info.recovery_shares > 0)
            return fbs_privilege_raise(f, FBS_PRIV_HIGH,
                                       "%u of %d recovery key shares in one place (threshold "
                                       "%d): enough to generate a root token",
                                       recovery, info.recovery_shares, info.recovery_threshold);
        return fbs_privilege_raise(f, FBS_PRIV_HIGH,
                                   "%u recovery key shares in one place (threshold %d): enough "
                                   "to generate a root token",
                                   recovery, info.recovery_threshold);
    }
    return 0;
}

/* Whether `s` holds the word "root" as an identifier token (VAULT_ROOT_TOKEN, rootToken). */
static bool says_root(const char *s)
{
    size_t i = 0, n = s ? strlen(s) : 0;

    if (n > 4096)
        n = 4096;
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
        if (i - start == 4 && !strncasecmp(s + start, "root", 4))
            return true;
    }
    return false;
}

static bool policies_root(const json_t *policies)
{
    const json_t *it;
    size_t i;

    json_array_foreach(policies, i, it)
    {
        if (json_is_string(it) && !strcmp(json_string_value(it), "root"))
            return true;
    }
    return false;
}

static const char *token_type(const char *s, size_t n)
{
    static const struct {
        const char *prefix, *type;
    } types[] = {{"hvs.", "service"},      {"hvb.", "batch"},      {"hvr.", "recovery"},
                 {"s.", "legacy_service"}, {"b.", "legacy_batch"}, {"r.", "legacy_recovery"}};
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (n > strlen(types[i].prefix) && !strncmp(s, types[i].prefix, strlen(types[i].prefix)))
            return types[i].type;
    return NULL;
}

static int root_token(struct fbs_finding *f)
{
    const char *why = NULL;
    int rc;

    if (!strcmp(f->kind, "vault_root_token"))
        why = "root token (vault operator init)";
    else if (says_root(f->key))
        why = "token described as root (key name)";
    else if (says_root(f->comment))
        why = "token described as root (comment)";
    else if (says_root(f->names))
        why = "token described as root (name)";
    else if (policies_root(json_object_get(f->facts, "policies")))
        why = "token policies include root";
    if (!why)
        return 0;
    if ((rc = fbs_finding_add_indicator(f, "root token", "content", 1.0)) < 0)
        return rc;
    return fbs_privilege_raise(f, FBS_PRIV_HIGH, "%s", why);
}

static int vault_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const char *type;
    int rc;

    if (!f->kind)
        return 0;
    if (strcmp(f->kind, "vault_token") && ctx->blob && (rc = init_output(f, ctx->blob)) < 0)
        return rc;
    if (strcmp(f->kind, "vault_token") && strcmp(f->kind, "vault_root_token"))
        return 0;
    if ((rc = root_token(f)) < 0)
        return rc;
    type = f->secret ? token_type(f->secret, f->secret_len) : NULL;
    if (type && json_object_set_new(f->facts, "vault_token_type", json_string(type)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

const struct fbs_detector fbs_detector_vault = {
    .name = "vault",
    .stage = FBS_STAGE_PARSE,
    .kinds = vault_kinds,
    .run = vault_run,
};
