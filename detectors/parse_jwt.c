/*
 * parse_jwt.c - JSON Web Tokens (rules/jwt.yml) and Kubernetes service-account tokens
 * (rules/kubernetes.yml): the claims, never the signature.
 *
 * The header and payload (base64url, at most MAX_PART bytes each) are decoded and parsed with
 * jansson. What the claims give:
 *   iat -> f->issued (facts.issued_from "jwt"); exp -> f->expires (facts.expires_from "jwt");
 *   facts.jwt = {alg, typ, iss, sub, aud, iat, nbf, exp (ISO-8601 or null), scopes: [...]}, the
 *   scopes gathered from scope/scp (space-separated or lists), roles, role, groups, permissions,
 *   cognito:groups, realm_access.roles and resource_access.<client>.roles.
 *   Kubernetes service accounts: a legacy Secret token (iss "kubernetes/serviceaccount", claims
 *   kubernetes.io/serviceaccount/namespace and .../service-account.name) or a bound token
 *   ("kubernetes.io": {namespace, serviceaccount: {name}}) -> facts.kubernetes_service_account
 *   "ns/name" and facts.kubernetes_token_type "legacy"|"bound". A legacy token has no exp: that
 *   is its real expiry (none), not a gap.
 *   The service-account name and sub are appended to f->names, where the fallback and privilege
 *   vocabularies look ("breakglass-admin").
 *   A scope or role naming admin, administrator, owner, root, superuser, system:masters or a
 *   wildcard ("*", "repo:*") -> privilege HIGH with the claim as evidence.
 *
 * A kubernetes_token that is not a JWT (a static token) is left alone; one that is the base64 of
 * a JWT (a Secret's data field) is unwrapped first. Malformed tokens (bad base64url, payload not a
 * JSON object, absurd sizes) are FBS_EPARSE; facts are set only once the whole token parsed.
 */
#include "detector.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "../scanner/core/banned.h"

#define MAX_TOKEN    (32 * 1024) /* bytes of a compact JWT */
#define MAX_PART     (16 * 1024) /* decoded bytes of the header or the payload */
#define MAX_STR      256         /* bytes of a claim copied into facts */
#define MAX_SCOPES   64
#define MAX_NAMES    2048                  /* bytes of f->names after appending */
#define MAX_TIME     INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
#define LEGACY_K8S   "kubernetes/serviceaccount"
#define K8S_NS_CLAIM "kubernetes.io/serviceaccount/namespace"
#define K8S_SA_CLAIM "kubernetes.io/serviceaccount/service-account.name"

static const char *const jwt_kinds[] = {"jwt", "kubernetes_token", NULL};

/* Decode base64url (the standard alphabet is accepted too; padding optional). */
static int b64_decode(unsigned char **out, size_t *outlen, const char *s, size_t n,
                      const char *what)
{
    int rc = fbs_base64_decode(out, outlen, s, n, n);

    return rc == FBS_EPARSE ? fbs_error_prefix(rc, "jwt %s", what) : rc;
}

/* Decode one part and parse it as a JSON object. */
static int decode_part(json_t **out, const char *s, size_t n, const char *what)
{
    unsigned char *raw = NULL;
    json_error_t err;
    size_t len;
    int rc;

    *out = NULL;
    if (!n)
        return fbs_error_set(FBS_EPARSE, "jwt %s is empty", what);
    if (n > MAX_PART / 3 * 4)
        return fbs_error_set(FBS_EPARSE, "jwt %s is too long (%zu bytes)", what, n);
    rc = b64_decode(&raw, &len, s, n, what);
    if (rc < 0)
        return rc;
    *out = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, &err);
    fbs_free(raw);
    if (!*out)
        return fbs_error_set(FBS_EPARSE, "jwt %s is not JSON: %s", what, err.text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return fbs_error_set(FBS_EPARSE, "jwt %s is not a JSON object", what);
    }
    return 0;
}

/* A JSON string cut to MAX_STR bytes on a UTF-8 boundary (jansson strings are valid UTF-8). */
static json_t *bounded(const json_t *s)
{
    const char *v = json_string_value(s);
    size_t n = strlen(v);

    if (n > MAX_STR) {
        n = MAX_STR;
        while (n && ((unsigned char)v[n] & 0xC0) == 0x80)
            n--;
    }
    return json_stringn(v, n);
}

/* A NumericDate claim: 1 and *out when it is a plausible time, 0 when absent or not. */
static int claim_time(fbs_time_t *out, const json_t *payload, const char *claim)
{
    const json_t *v = json_object_get(payload, claim);
    double d;

    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);

        if (i < 0 || i > MAX_TIME)
            return 0;
        *out = (fbs_time_t)i;
        return 1;
    }
    if (!json_is_real(v))
        return 0;
    d = json_real_value(v);
    if (!isfinite(d) || d < 0 || d > (double)MAX_TIME)
        return 0;
    *out = (fbs_time_t)floor(d);
    return 1;
}

static json_t *time_json(const json_t *payload, const char *claim)
{
    char iso[FBS_TIME_ISO_LEN];
    fbs_time_t t;

    if (!claim_time(&t, payload, claim))
        return json_null();
    fbs_time_format(iso, t);
    return json_string(iso);
}

/* Why a scope or role value is privileged, or NULL. */
static const char *privileged_value(const char *v, size_t n)
{
    static const char *const words[] = {
        "admin", "admins",    "administrator", "administrators", "owner", "owners",
        "root",  "superuser", "superadmin",    "sysadmin",       NULL};
    size_t i = 0, k;

    if (n == 14 && !strncmp(v, "system:masters", 14))
        return "system:masters";
    if (n && v[n - 1] == '*' && (n == 1 || strchr(":/.", v[n - 2])))
        return "*";
    while (i < n) {
        size_t start;

        while (i < n && !isalnum((unsigned char)v[i]))
            i++;
        start = i;
        while (i < n && isalnum((unsigned char)v[i]))
            i++;
        for (k = 0; words[k] && i > start; k++)
            if (strlen(words[k]) == i - start && !strncasecmp(v + start, words[k], i - start))
                return words[k];
    }
    return NULL;
}

struct claims {
    json_t *scopes; /* array of strings */
    const char *priv_claim, *priv_value, *priv_word;
};

static int add_scope(struct claims *c, const char *claim, const char *v, size_t n)
{
    const char *word;
    json_t *it;
    size_t i;

    if (!n || n > MAX_STR || json_array_size(c->scopes) >= MAX_SCOPES)
        return 0;
    json_array_foreach(c->scopes, i, it)
    {
        if (json_string_length(it) == n && !memcmp(json_string_value(it), v, n))
            return 0;
    }
    if (json_array_append_new(c->scopes, json_stringn(v, n)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    word = privileged_value(v, n);
    if (word && !c->priv_claim) {
        c->priv_claim = claim;
        c->priv_value =
            json_string_value(json_array_get(c->scopes, json_array_size(c->scopes) - 1));
        c->priv_word = word;
    }
    return 0;
}

/* A claim holding scopes: a space-separated string or a list of strings. */
static int add_scopes(struct claims *c, const char *claim, const json_t *v)
{
    const json_t *it;
    size_t i;
    int rc;

    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v), a = 0;

        while (a < n) {
            size_t b;

            while (a < n && (s[a] == ' ' || s[a] == ','))
                a++;
            b = a;
            while (b < n && s[b] != ' ' && s[b] != ',')
                b++;
            if (b > a && (rc = add_scope(c, claim, s + a, b - a)) < 0)
                return rc;
            a = b;
        }
        return 0;
    }
    if (!json_is_array(v))
        return 0;
    json_array_foreach(v, i, it)
    {
        if (i >= MAX_SCOPES)
            break;
        if (json_is_string(it) &&
            (rc = add_scope(c, claim, json_string_value(it), json_string_length(it))) < 0)
            return rc;
    }
    return 0;
}

static int gather_scopes(struct claims *c, const json_t *payload)
{
    static const char *const claims[] = {"scope",  "scp",         "roles",          "role",
                                         "groups", "permissions", "cognito:groups", NULL};
    const json_t *ra = json_object_get(payload, "resource_access"), *client;
    const char *k;
    size_t i;
    int rc;

    for (i = 0; claims[i]; i++)
        if ((rc = add_scopes(c, claims[i], json_object_get(payload, claims[i]))) < 0)
            return rc;
    rc = add_scopes(c, "realm_access.roles",
                    json_object_get(json_object_get(payload, "realm_access"), "roles"));
    if (rc < 0)
        return rc;
    i = 0;
    json_object_foreach((json_t *)ra, k, client)
    {
        if (i++ >= MAX_SCOPES)
            break;
        if ((rc = add_scopes(c, "resource_access.roles", json_object_get(client, "roles"))) < 0)
            return rc;
    }
    return 0;
}

/* "ns/name" and the token type of a Kubernetes service-account token, or 0. */
static int k8s_account(struct fbs_buf *out, const char **type, const json_t *payload)
{
    const json_t *iss = json_object_get(payload, "iss");
    const json_t *bound = json_object_get(payload, "kubernetes.io");
    const json_t *ns, *name, *sub = json_object_get(payload, "sub");

    if (json_is_string(iss) && !strcmp(json_string_value(iss), LEGACY_K8S)) {
        ns = json_object_get(payload, K8S_NS_CLAIM);
        name = json_object_get(payload, K8S_SA_CLAIM);
        *type = "legacy";
    } else if (json_is_object(bound)) {
        ns = json_object_get(bound, "namespace");
        name = json_object_get(json_object_get(bound, "serviceaccount"), "name");
        *type = "bound";
    } else if (json_is_string(sub) &&
               !strncmp(json_string_value(sub), "system:serviceaccount:", 22)) {
        /* Only the subject says so: system:serviceaccount:<ns>:<name>. */
        const char *s = json_string_value(sub) + 22, *colon = strchr(s, ':');

        *type = "unknown";
        if (!colon || colon == s || !colon[1] || strlen(s) > MAX_STR)
            return 0;
        fbs_buf_truncate(out, 0);
        if (fbs_buf_put(out, s, (size_t)(colon - s)) < 0 || fbs_buf_putc(out, '/') < 0 ||
            fbs_buf_puts(out, colon + 1) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        return 1;
    } else {
        return 0;
    }
    if (!json_is_string(ns) || !json_is_string(name) || json_string_length(ns) > MAX_STR ||
        json_string_length(name) > MAX_STR)
        return 0;
    fbs_buf_truncate(out, 0);
    if (fbs_buf_printf(out, "%s/%s", json_string_value(ns), json_string_value(name)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 1;
}

/* Append a word to f->names (space-separated) unless it is there or names would grow too long. */
static int append_name(struct fbs_finding *f, const char *s)
{
    struct fbs_buf b = FBS_BUF_INIT;
    size_t have = f->names ? strlen(f->names) : 0, n = strlen(s);
    int rc = 0;

    if (!n || n > MAX_STR || have + n + 1 > MAX_NAMES || (f->names && strstr(f->names, s)))
        return 0;
    if ((f->names && (fbs_buf_puts(&b, f->names) < 0 || fbs_buf_putc(&b, ' ') < 0)) ||
        fbs_buf_put(&b, s, n) < 0)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    else
        rc = fbs_finding_set_str(&f->names, b.ptr);
    fbs_buf_release(&b);
    return rc;
}

static int set(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static json_t *opt_string(const json_t *v)
{
    return json_is_string(v) ? bounded(v) : json_null();
}

static json_t *aud_json(const json_t *aud)
{
    json_t *arr;
    size_t i;

    if (!json_is_array(aud))
        return opt_string(aud);
    arr = json_array();
    for (i = 0; arr && i < json_array_size(aud) && i < 16; i++) {
        const json_t *it = json_array_get(aud, i);

        if (json_is_string(it) && json_array_append_new(arr, bounded(it)) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Everything from the decoded header and payload onto the finding. */
static int apply(struct fbs_finding *f, const json_t *header, const json_t *payload)
{
    struct claims c = {NULL, NULL, NULL, NULL};
    struct fbs_buf sa = FBS_BUF_INIT;
    const char *sa_type = NULL;
    const json_t *sub = json_object_get(payload, "sub");
    json_t *jwt = json_object();
    fbs_time_t t;
    int rc, k8s;

    c.scopes = json_array();
    if (!jwt || !c.scopes) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = gather_scopes(&c, payload)) < 0)
        goto done;
    if ((rc = set(jwt, "alg", opt_string(json_object_get(header, "alg")))) < 0 ||
        (rc = set(jwt, "typ", opt_string(json_object_get(header, "typ")))) < 0 ||
        (rc = set(jwt, "iss", opt_string(json_object_get(payload, "iss")))) < 0 ||
        (rc = set(jwt, "sub", opt_string(sub))) < 0 ||
        (rc = set(jwt, "aud", aud_json(json_object_get(payload, "aud")))) < 0 ||
        (rc = set(jwt, "iat", time_json(payload, "iat"))) < 0 ||
        (rc = set(jwt, "nbf", time_json(payload, "nbf"))) < 0 ||
        (rc = set(jwt, "exp", time_json(payload, "exp"))) < 0 ||
        (rc = set(jwt, "scopes", json_incref(c.scopes))) < 0)
        goto done;
    k8s = k8s_account(&sa, &sa_type, payload);
    if (k8s < 0) {
        rc = k8s;
        goto done;
    }

    /* Parsed: now change the finding. */
    if ((rc = set(f->facts, "jwt", json_incref(jwt))) < 0)
        goto done;
    if (claim_time(&t, payload, "iat")) {
        f->issued = t;
        f->has_issued = true;
        if ((rc = set(f->facts, "issued_from", json_string("jwt"))) < 0)
            goto done;
    }
    if (claim_time(&t, payload, "exp")) {
        f->expires = t;
        f->has_expires = true;
        if ((rc = set(f->facts, "expires_from", json_string("jwt"))) < 0)
            goto done;
    }
    if (k8s) {
        const char *slash = strchr(sa.ptr, '/');

        if ((rc = set(f->facts, "kubernetes_service_account", json_string(sa.ptr))) < 0 ||
            (rc = set(f->facts, "kubernetes_token_type", json_string(sa_type))) < 0 ||
            (rc = append_name(f, slash ? slash + 1 : sa.ptr)) < 0)
            goto done;
    }
    if (json_is_string(sub) && (rc = append_name(f, json_string_value(sub))) < 0)
        goto done;
    if (c.priv_claim && !strcasecmp(c.priv_value, c.priv_word))
        rc = fbs_privilege_raise(f, FBS_PRIV_HIGH, "jwt %s '%s'", c.priv_claim, c.priv_value);
    else if (c.priv_claim)
        rc = fbs_privilege_raise(f, FBS_PRIV_HIGH, "jwt %s '%.64s' (%s)", c.priv_claim,
                                 c.priv_value, strcmp(c.priv_word, "*") ? c.priv_word : "wildcard");
done:
    json_decref(jwt);
    json_decref(c.scopes);
    fbs_buf_release(&sa);
    return rc;
}

static int parse_compact(struct fbs_finding *f, const char *tok, size_t n)
{
    const char *dot1, *dot2;
    json_t *header = NULL, *payload = NULL;
    int rc;

    if (n > MAX_TOKEN)
        return fbs_error_set(FBS_EPARSE, "jwt is too long (%zu bytes)", n);
    dot1 = memchr(tok, '.', n);
    dot2 = dot1 ? memchr(dot1 + 1, '.', n - (size_t)(dot1 + 1 - tok)) : NULL;
    if (!dot1 || !dot2)
        return fbs_error_set(FBS_EPARSE, "jwt does not have three dot-separated parts");
    if (memchr(dot2 + 1, '.', n - (size_t)(dot2 + 1 - tok)))
        return fbs_error_set(FBS_EPARSE, "jwt has more than three parts (JWE is not parsed)");
    rc = decode_part(&header, tok, (size_t)(dot1 - tok), "header");
    if (!rc)
        rc = decode_part(&payload, dot1 + 1, (size_t)(dot2 - dot1 - 1), "payload");
    if (!rc)
        rc = apply(f, header, payload);
    json_decref(header);
    json_decref(payload);
    return rc;
}

static int jwt_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    unsigned char *inner = NULL;
    size_t n = 0;
    int rc;

    (void)ctx;
    if (!f->secret || !f->secret_len)
        return 0;
    if (f->secret_len >= 3 && !memcmp(f->secret, "eyJ", 3))
        return parse_compact(f, f->secret, f->secret_len);
    if (strcmp(f->kind ? f->kind : "", "kubernetes_token"))
        return fbs_error_set(FBS_EPARSE, "jwt does not start with a JSON header (eyJ)");
    /* A Secret's data field holds base64("eyJ..."), which starts with "ZXlK". */
    if (f->secret_len < 4 || memcmp(f->secret, "ZXlK", 4))
        return 0; /* a static token, not a JWT */
    if (f->secret_len > MAX_TOKEN / 3 * 4)
        return fbs_error_set(FBS_EPARSE, "base64 token is too long (%zu bytes)", f->secret_len);
    rc = b64_decode(&inner, &n, f->secret, f->secret_len, "secret data");
    if (!rc)
        rc = parse_compact(f, (const char *)inner, strnlen((const char *)inner, n));
    if (inner)
        fbs_wipe(inner, n);
    fbs_free(inner);
    return rc;
}

const struct fbs_detector fbs_detector_jwt = {
    .name = "jwt",
    .stage = FBS_STAGE_PARSE,
    .kinds = jwt_kinds,
    .run = jwt_run,
};
