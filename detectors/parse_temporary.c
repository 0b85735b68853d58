/*
 * parse_temporary.c - short-lived credentials: which lifetime class a finding belongs to, and
 * the expiry written next to it.
 *
 * A temporary credential cannot outlive its kind's maximum lifetime, so whether it is standing
 * access depends on when it expires, not on how long it has sat in a file. This detector names
 * the class (facts.lifetime_class, a key of the policy's max_lifetime map) and reads an expiry
 * that tools write beside the credential; dim_expiry bounds the rest by the class's maximum.
 *
 * AWS: an access key id, secret access key or session token belongs to STS session credentials
 * ("aws_sts_session") when its own credential set - the lines around it up to an INI section
 * header or another access key id - holds an ASIA/ABIA key id, or a session token and no AKIA
 * key id. Its expiry is the nearest of these keys in that set (names compared without case,
 * quotes, `export` or a leading "AWS_"):
 *   x_security_token_expires            saml2aws, aws-google-auth credentials files
 *   expiration, aws_expiration          sts assume-role / get-session-token / credential_process
 *                                       JSON ("Expiration"), gimme-aws-creds profiles
 *   credential_expiration, session_expiration    aws configure export-credentials --format env
 * with an ISO-8601 value (fbs_time_parse) or epoch seconds/milliseconds.
 * Vault: a batch token (facts.vault_token_type from parse_vault) -> "vault_batch_token".
 * Azure AD: a JWT whose issuer is login.microsoftonline.com or sts.windows.net ->
 * "azure_ad_access_token" (its exp is read by parse_jwt).
 * Other short-lived kinds (github_app_installation_token, gcp_oauth_access_token) are their own
 * class: the policy is looked up by the credential kind when no class is set.
 */
#include "detector.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_SET_LINES 40

static const char *const temporary_kinds[] = {"aws_access_key_id",
                                              "aws_access_key",
                                              "aws_secret_access_key",
                                              "aws_session_token",
                                              "vault_token",
                                              "jwt",
                                              NULL};

/* Expiry key names, normalised (lower case, no "aws_" prefix, '-' as '_'). */
static const char *const expiry_keys[] = {"x_security_token_expires", "expiration",
                                          "credential_expiration",    "session_expiration",
                                          "token_expiration",         NULL};
static const char *const token_keys[] = {"session_token", "sessiontoken", "security_token", NULL};

struct span {
    const char *s;
    size_t n;
};

static struct span line_at(const struct fbs_blob *b, size_t pos)
{
    size_t a = pos, e = pos;
    struct span l;

    while (a > 0 && b->data[a - 1] != '\n')
        a--;
    while (e < b->len && b->data[e] != '\n')
        e++;
    l.s = (const char *)b->data + a;
    l.n = e - a;
    return l;
}

/* An INI/TOML section header: "[name]" alone on its line. */
static bool section_header(struct span l)
{
    size_t i = 0, e = l.n;

    while (i < e && isspace((unsigned char)l.s[i]))
        i++;
    while (e > i && isspace((unsigned char)l.s[e - 1]))
        e--;
    return e - i >= 3 && l.s[i] == '[' && l.s[e - 1] == ']' && !memchr(l.s + i, '=', e - i) &&
           !memchr(l.s + i, '"', e - i) && !memchr(l.s + i, ',', e - i);
}

/* The AWS access key id on the line (AKIA/ASIA/ABIA + 16 base32), or NULL. */
static const char *key_id_on(struct span l)
{
    size_t i, k;

    for (i = 0; i + 20 <= l.n; i++) {
        if (memcmp(l.s + i, "AKIA", 4) && memcmp(l.s + i, "ASIA", 4) && memcmp(l.s + i, "ABIA", 4))
            continue;
        if (i > 0 && isalnum((unsigned char)l.s[i - 1]))
            continue;
        for (k = 4; k < 20; k++)
            if (!(isupper((unsigned char)l.s[i + k]) || (l.s[i + k] >= '2' && l.s[i + k] <= '7')))
                break;
        if (k == 20 && (i + 20 == l.n || !isalnum((unsigned char)l.s[i + 20])))
            return l.s + i;
    }
    return NULL;
}

/*
 * The next "key = value" / "key: value" / "\"Key\": value" assignment in l from *pos (several on
 * one line in compact JSON): its key normalised into out (lower case, '-' -> '_', without an
 * "aws_" prefix) and the value's start in *val. false when there is none.
 */
static bool next_key(struct span l, size_t *pos, char *out, size_t cap, const char **val)
{
    size_t i = *pos;

    while (i < l.n) {
        size_t ks, ke, o = 0;

        while (i < l.n && !(isalnum((unsigned char)l.s[i]) || l.s[i] == '_'))
            i++;
        ks = i;
        while (i < l.n && (isalnum((unsigned char)l.s[i]) || l.s[i] == '_' || l.s[i] == '-'))
            i++;
        ke = i;
        while (i < l.n && (l.s[i] == '"' || l.s[i] == '\'' || l.s[i] == ' ' || l.s[i] == '\t'))
            i++;
        if (ke == ks || i >= l.n || (l.s[i] != '=' && l.s[i] != ':'))
            continue;
        if (ke - ks > 4 && !strncasecmp(l.s + ks, "aws_", 4))
            ks += 4;
        for (; ks < ke && o + 1 < cap; ks++)
            out[o++] = l.s[ks] == '-' ? '_' : (char)tolower((unsigned char)l.s[ks]);
        out[o] = '\0';
        *val = l.s + i + 1;
        *pos = i + 1;
        return true;
    }
    *pos = l.n;
    return false;
}

static bool in_list(const char *k, const char *const *list)
{
    size_t i;

    for (i = 0; list[i]; i++)
        if (!strcmp(k, list[i]))
            return true;
    return false;
}

/* An expiry value: ISO-8601 (quoted or not) or epoch seconds / milliseconds. 0 or -1. */
static int parse_expiry(const char *v, const char *end, fbs_time_t *out)
{
    char buf[64];
    size_t n = 0;

    while (v < end && (isspace((unsigned char)*v) || *v == '"' || *v == '\''))
        v++;
    while (v + n < end && n + 1 < sizeof(buf) && v[n] != '"' && v[n] != '\'' && v[n] != ',' &&
           v[n] != '\r')
        n++;
    while (n && isspace((unsigned char)v[n - 1]))
        n--;
    memcpy(buf, v, n);
    buf[n] = '\0';
    if (n >= 9 && n <= 13 && strspn(buf, "0123456789") == n) {
        long long e = strtoll(buf, NULL, 10);

        *out = (fbs_time_t)(n == 13 ? e / 1000 : e);
        return 0;
    }
    return n >= 10 && fbs_time_parse(out, buf) == 0 ? 0 : -1;
}

struct cred_set {
    const char *key_id; /* the set's access key id, or NULL */
    bool token;         /* a session token key */
    bool has_expiry;
    fbs_time_t expiry;
    char expiry_key[40];
    size_t expiry_dist;
};

/* Look at one line of the set; false when it ends the set (another key id, a section header). */
static bool visit(struct cred_set *cs, struct span l, size_t dist)
{
    const char *id = key_id_on(l), *val;
    char key[40];
    size_t pos = 0;

    if (id) {
        if (cs->key_id && memcmp(cs->key_id, id, 20))
            return false;
        cs->key_id = id;
    }
    while (next_key(l, &pos, key, sizeof(key), &val)) {
        fbs_time_t t;

        if (in_list(key, token_keys))
            cs->token = true;
        if (in_list(key, expiry_keys) && (!cs->has_expiry || dist < cs->expiry_dist) &&
            parse_expiry(val, l.s + l.n, &t) == 0) {
            cs->has_expiry = true;
            cs->expiry = t;
            cs->expiry_dist = dist;
            snprintf(cs->expiry_key, sizeof(cs->expiry_key), "%s", key);
        }
    }
    return true;
}

/* The credential set around the finding: its own line, then outwards both ways. */
static void gather(struct cred_set *cs, const struct fbs_blob *b, size_t pos)
{
    struct span own = line_at(b, pos), l;
    size_t k;
    bool up = true, down = true;
    const char *above = own.s, *below = own.s + own.n;

    memset(cs, 0, sizeof(*cs));
    visit(cs, own, 0);
    for (k = 1; k <= MAX_SET_LINES && (up || down); k++) {
        if (up) {
            if (above == (const char *)b->data) {
                up = false;
            } else {
                l = line_at(b, (size_t)(above - (const char *)b->data) - 1);
                above = l.s;
                up = !section_header(l) && visit(cs, l, k);
            }
        }
        if (down) {
            if (below >= (const char *)b->data + b->len) {
                down = false;
            } else {
                l = line_at(b, (size_t)(below - (const char *)b->data) + 1);
                below = l.s + l.n;
                down = !section_header(l) && visit(cs, l, k);
            }
        }
    }
}

static int set(struct fbs_finding *f, const char *k, json_t *v)
{
    if (!v || json_object_set_new(f->facts, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int aws_session(struct fbs_finding *f, const struct fbs_blob *b)
{
    struct cred_set cs;
    bool temporary;
    int rc;

    if (!b || b->binary || f->secret_start >= b->len)
        return 0;
    gather(&cs, b, f->secret_start);
    if (cs.key_id)
        temporary = memcmp(cs.key_id, "AKIA", 4) != 0;
    else
        temporary = cs.token || !strcmp(f->kind, "aws_session_token");
    if (!temporary)
        return 0;
    if ((rc = set(f, "lifetime_class", json_string("aws_sts_session"))) < 0)
        return rc;
    if (cs.has_expiry && !f->has_expires) {
        f->expires = cs.expiry;
        f->has_expires = true;
        if ((rc = set(f, "expires_from", json_string(cs.expiry_key))) < 0)
            return rc;
    }
    return 0;
}

static bool azure_ad_issuer(const char *iss)
{
    return iss && (strstr(iss, "://login.microsoftonline.com/") ||
                   strstr(iss, "://sts.windows.net/") || strstr(iss, "://login.windows.net/"));
}

static int temporary_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const char *type;

    if (!f->kind)
        return 0;
    if (!strncmp(f->kind, "aws_", 4))
        return aws_session(f, ctx->blob);
    if (!strcmp(f->kind, "vault_token")) {
        type = json_string_value(json_object_get(f->facts, "vault_token_type"));
        if (type && (!strcmp(type, "batch") || !strcmp(type, "legacy_batch")))
            return set(f, "lifetime_class", json_string("vault_batch_token"));
        return 0;
    }
    if (!strcmp(f->kind, "jwt") && azure_ad_issuer(json_string_value(
                                       json_object_get(json_object_get(f->facts, "jwt"), "iss"))))
        return set(f, "lifetime_class", json_string("azure_ad_access_token"));
    return 0;
}

const struct fbs_detector fbs_detector_temporary = {
    .name = "temporary",
    .stage = FBS_STAGE_PARSE,
    .kinds = temporary_kinds,
    .run = temporary_run,
};
