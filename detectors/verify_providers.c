/*
 * verify_providers.c - the registry of live verifiers (verify.h): for each issuer, its documented
 * identity endpoint, how the credential is presented and what the answer means. Each call is
 * read-only and has no side effect on the account.
 *
 *   aws        STS GetCallerIdentity (POST https://sts.amazonaws.com/, SigV4, us-east-1):
 *              Account, Arn, UserId. InvalidClientTokenId (no such key) and SignatureDoesNotMatch
 *              (the secret is not the key's) are revoked.
 *   github     GET https://api.github.com/user: login, id; scopes from X-OAuth-Scopes (classic
 *              tokens; fine-grained ones report none). 401 is revoked.
 *   gitlab     GET https://gitlab.com/api/v4/personal_access_tokens/self (PRIVATE-TOKEN): name,
 *              user_id, scopes, expires_at, last_used_at; "revoked": true or "active": false, or
 *              401, is revoked.
 *   slack      POST https://slack.com/api/auth.test (Bearer): team, user, ids; "ok": false with
 *              invalid_auth, token_revoked, token_expired, account_inactive is revoked.
 *   stripe     GET https://api.stripe.com/v1/account (Basic, key as user): id; 401 revoked; 403
 *              (a restricted key without that permission) is live.
 *   openai     GET https://api.openai.com/v1/models (Bearer); 401 revoked.
 *   anthropic  GET https://api.anthropic.com/v1/models (x-api-key, anthropic-version); 401 revoked.
 *   sendgrid   GET https://api.sendgrid.com/v3/scopes (Bearer): scopes; 401 revoked.
 *   datadog    GET https://api.datadoghq.com/api/v1/validate (DD-API-KEY): {"valid": true};
 *              403 revoked.
 *   npm        GET https://registry.npmjs.org/-/whoami (Bearer): username; 401 revoked.
 *   vault      GET <address from context>/v1/auth/token/lookup-self (X-Vault-Token), only with
 *              --verify-internal: display_name, entity_id, policies, expire_time; 403 revoked.
 */
#include "verify.h"
#include "../scanner/core/alloc.h"
#include "../scanner/core/buf.h"
#include "../scanner/core/error.h"
#include "../scanner/core/text.h"
#include "../scanner/net/http.h"
#include "x509.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../scanner/core/banned.h"

/* --- helpers -------------------------------------------------------------------------------- */

static void detail(struct fbs_verify_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void detail(struct fbs_verify_result *res, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
    va_end(ap);
}

/*
 * One request to base+path with extra header lines (which may carry the credential; wiped by
 * the caller). 0 with the response, or a transport failure already turned into status error.
 * *done says the result is final (transport error, redirect, throttling, 5xx).
 */
static int call(struct fbs_http *h, const struct fbs_verify_job *job, const char *method,
                const char *path, const char *const *headers, const char *body,
                struct fbs_http_request *extra, struct fbs_http_response *resp,
                struct fbs_verify_result *res, bool *done)
{
    struct fbs_buf url = FBS_BUF_INIT;
    struct fbs_http_request req;
    int rc;

    *done = false;
    if (extra)
        req = *extra;
    else
        memset(&req, 0, sizeof(req));
    if (fbs_buf_printf(&url, "%s%s", job->base, path) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    req.method = method;
    req.url = url.ptr;
    req.headers = headers;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    rc = fbs_http_send(h, &req, resp);
    fbs_buf_release(&url);
    if (rc == FBS_ENOMEM)
        return rc;
    if (rc < 0) {
        res->status = "error";
        detail(res, "%s", fbs_error_message());
        *done = true;
        return 0;
    }
    res->http_status = resp->status;
    if (resp->status >= 300 && resp->status < 400) {
        struct fbs_buf loc = FBS_BUF_INIT;
        char host[128] = "";

        if (fbs_http_response_header(resp, "location", &loc) && loc.ptr)
            fbs_http_url_host(host, sizeof(host), loc.ptr);
        fbs_buf_release(&loc);
        res->status = "unknown";
        if (*host)
            detail(res, "redirect to %s refused: redirects are never followed", host);
        else
            detail(res, "redirect refused: redirects are never followed");
        *done = true;
    } else if (resp->status == 429) {
        res->retry_after_s = resp->retry_after_s;
        res->status = "unknown";
        if (resp->retry_after_s >= 0)
            detail(res, "rate limited (HTTP 429, Retry-After %ld s) after retries",
                   resp->retry_after_s);
        else
            detail(res, "rate limited (HTTP 429) after retries");
        *done = true;
    } else if (resp->status >= 500) {
        res->status = "error";
        detail(res, "the issuer answered HTTP %ld after retries", resp->status);
        *done = true;
    }
    return 0;
}

static json_t *parse_json(const struct fbs_http_response *resp)
{
    if (!resp->body.len)
        return NULL;
    return json_loadb(resp->body.ptr, resp->body.len, JSON_DECODE_ANY, NULL);
}

/* Copy obj[key] (string or integer) into the identity as `as`. */
static void take(struct fbs_verify_result *res, const json_t *obj, const char *key, const char *as)
{
    json_t *v = json_object_get(obj, key);

    if (v && (json_is_string(v) || json_is_integer(v)))
        json_object_set_new(res->identity, as, json_deep_copy(v));
}

static void scopes_from_list(struct fbs_verify_result *res, const char *list, char sep)
{
    const char *p = list;

    if (!res->scopes)
        res->scopes = json_array();
    while (p && *p && res->scopes) {
        const char *e = strchr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);

        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n)
            json_array_append_new(res->scopes, json_stringn(p, n));
        p = e ? e + 1 : NULL;
    }
}

static void scopes_from_json(struct fbs_verify_result *res, const json_t *arr)
{
    size_t i;
    json_t *v;

    if (!json_is_array(arr))
        return;
    if (!res->scopes)
        res->scopes = json_array();
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && res->scopes)
            json_array_append_new(res->scopes, json_string(json_string_value(v)));
    }
}

/* high when any scope is one of `high` (exact) or starts with one of `high_prefix`. */
static const char *privilege_of(const json_t *scopes, const char *const *high,
                                const char *const *high_prefix)
{
    size_t i, k;
    json_t *v;

    if (!json_is_array(scopes))
        return NULL;
    json_array_foreach(scopes, i, v)
    {
        const char *s = json_string_value(v);

        for (k = 0; s && high && high[k]; k++)
            if (!strcmp(s, high[k]))
                return "high";
        for (k = 0; s && high_prefix && high_prefix[k]; k++)
            if (!strncmp(s, high_prefix[k], strlen(high_prefix[k])))
                return "high";
    }
    return "normal";
}

/* A header line "Name: <prefix><secret>" in b. */
static int auth_line(struct fbs_buf *b, const char *name, const char *prefix, const char *secret)
{
    if (fbs_buf_printf(b, "%s: %s%s", name, prefix, secret) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

/*
 * The common shape: GET (or POST) base+path with the credential in one header; 2xx is live
 * (then `interpret` reads the body), 401 (and `revoked_403`: 403) is revoked, anything else
 * unknown.
 */
struct simple {
    const char *method, *path, *header, *prefix;
    const char *extra_header; /* a fixed header line, or NULL */
    bool basic;               /* HTTP Basic with the secret as user */
    bool revoked_403;
    bool live_403; /* a 403 means a valid credential without that permission */
    void (*interpret)(const json_t *body, const struct fbs_http_response *resp,
                      struct fbs_verify_result *res);
};

static int simple_call(struct fbs_http *h, const struct fbs_verify_job *job, const struct simple *s,
                       struct fbs_verify_result *res)
{
    struct fbs_buf auth = FBS_BUF_INIT;
    struct fbs_http_response resp;
    struct fbs_http_request extra;
    const char *headers[4];
    size_t nh = 0;
    bool done;
    int rc = 0;

    fbs_http_response_init(&resp);
    memset(&extra, 0, sizeof(extra));
    headers[nh++] = "Accept: application/json";
    if (s->basic) {
        extra.basic = true;
        extra.user = job->secret;
        extra.password = "";
    } else {
        rc = auth_line(&auth, s->header, s->prefix ? s->prefix : "", job->secret);
        if (rc < 0)
            goto done;
        headers[nh++] = auth.ptr;
    }
    if (s->extra_header)
        headers[nh++] = s->extra_header;
    headers[nh] = NULL;
    rc = call(h, job, s->method, s->path, headers, !strcmp(s->method, "POST") ? "" : NULL, &extra,
              &resp, res, &done);
    if (rc < 0 || done)
        goto done;
    if (resp.status >= 200 && resp.status < 300) {
        json_t *body = parse_json(&resp);

        res->status = "live";
        if (s->interpret)
            s->interpret(body, &resp, res);
        json_decref(body);
    } else if (resp.status == 401 || (resp.status == 403 && s->revoked_403)) {
        res->status = "revoked";
        detail(res, "the issuer rejected the credential (HTTP %s)",
               resp.status == 401 ? "401" : "403");
    } else if (resp.status == 403 && s->live_403) {
        res->status = "live";
        detail(res, "valid, but not allowed to read its own identity (HTTP 403)");
    } else {
        res->status = "unknown";
        detail(res, "unexpected answer HTTP %ld", resp.status);
    }
done:
    fbs_buf_release_wipe(&auth);
    fbs_http_response_release(&resp);
    return rc;
}

#define SIMPLE_VERIFIER(fn, ...)                                                                   \
    static int fn(struct fbs_http *h, const struct fbs_verify_job *job,                            \
                  struct fbs_verify_result *res)                                                   \
    {                                                                                              \
        static const struct simple s = __VA_ARGS__;                                                \
        return simple_call(h, job, &s, res);                                                       \
    }

/* --- GitHub --------------------------------------------------------------------------------- */

static void github_interpret(const json_t *body, const struct fbs_http_response *resp,
                             struct fbs_verify_result *res)
{
    static const char *const high[] = {"admin:org",        "admin:enterprise", "delete_repo",
                                       "admin:repo_hook",  "admin:org_hook",   "site_admin",
                                       "workflow",         "write:packages",   "delete:packages",
                                       "admin:public_key", "admin:gpg_key",    NULL};
    struct fbs_buf sc = FBS_BUF_INIT;

    take(res, body, "login", "user");
    take(res, body, "id", "id");
    take(res, body, "type", "type");
    if (fbs_http_response_header(resp, "x-oauth-scopes", &sc)) {
        scopes_from_list(res, sc.ptr ? sc.ptr : "", ',');
        res->privilege = privilege_of(res->scopes, high, (const char *const[]){"repo", NULL});
        if (res->privilege && !strcmp(res->privilege, "normal") &&
            json_is_true(json_object_get(body, "site_admin")))
            res->privilege = "high";
    }
    fbs_buf_release(&sc);
}

SIMPLE_VERIFIER(verify_github,
                {"GET", "/user", "Authorization", "Bearer ", "X-GitHub-Api-Version: 2022-11-28",
                 false, false, false, github_interpret})

/* --- GitLab --------------------------------------------------------------------------------- */

static void gitlab_interpret(const json_t *body, const struct fbs_http_response *resp,
                             struct fbs_verify_result *res)
{
    static const char *const high[] = {
        "api", "sudo", "admin_mode", "write_repository", "write_registry", "manage_runner", NULL};

    (void)resp;
    take(res, body, "name", "token_name");
    take(res, body, "id", "token_id");
    take(res, body, "user_id", "user_id");
    take(res, body, "expires_at", "expires_at");
    take(res, body, "last_used_at", "last_used_at");
    scopes_from_json(res, json_object_get(body, "scopes"));
    res->privilege = privilege_of(res->scopes, high, NULL);
    if (json_is_true(json_object_get(body, "revoked")) ||
        json_is_false(json_object_get(body, "active"))) {
        res->status = "revoked";
        detail(res, "the issuer reports the token %s",
               json_is_true(json_object_get(body, "revoked")) ? "revoked" : "inactive");
    }
}

SIMPLE_VERIFIER(verify_gitlab, {"GET", "/api/v4/personal_access_tokens/self", "PRIVATE-TOKEN", "",
                                NULL, false, false, false, gitlab_interpret})

/* --- Slack ---------------------------------------------------------------------------------- */

static void slack_interpret(const json_t *body, const struct fbs_http_response *resp,
                            struct fbs_verify_result *res)
{
    static const char *const revoked[] = {"invalid_auth",     "token_revoked", "token_expired",
                                          "account_inactive", "not_authed",    NULL};
    static const char *const high[] = {"admin",       "channels:write", "chat:write",
                                       "files:write", "users:write",    NULL};
    struct fbs_buf sc = FBS_BUF_INIT;
    const char *err = json_string_value(json_object_get(body, "error"));
    size_t k;

    if (!json_is_true(json_object_get(body, "ok"))) {
        res->status = "unknown";
        for (k = 0; err && revoked[k]; k++)
            if (!strcmp(err, revoked[k]))
                res->status = "revoked";
        detail(res, "auth.test: %s", err ? err : "not ok");
        return;
    }
    take(res, body, "team", "team");
    take(res, body, "team_id", "team_id");
    take(res, body, "user", "user");
    take(res, body, "user_id", "user_id");
    take(res, body, "bot_id", "bot_id");
    if (fbs_http_response_header(resp, "x-oauth-scopes", &sc)) {
        scopes_from_list(res, sc.ptr ? sc.ptr : "", ',');
        res->privilege = privilege_of(res->scopes, high, (const char *const[]){"admin", NULL});
    }
    fbs_buf_release(&sc);
}

SIMPLE_VERIFIER(verify_slack, {"POST", "/api/auth.test", "Authorization", "Bearer ",
                               "Content-Type: application/x-www-form-urlencoded", false, false,
                               false, slack_interpret})

/* --- Stripe, OpenAI, Anthropic, SendGrid, Datadog, npm ------------------------------------- */

static void stripe_interpret(const json_t *body, const struct fbs_http_response *resp,
                             struct fbs_verify_result *res)
{
    (void)resp;
    take(res, body, "id", "account");
    take(res, body, "business_type", "business_type");
}

SIMPLE_VERIFIER(verify_stripe,
                {"GET", "/v1/account", NULL, NULL, NULL, true, false, true, stripe_interpret})

static void models_interpret(const json_t *body, const struct fbs_http_response *resp,
                             struct fbs_verify_result *res)
{
    json_t *data = json_object_get(body, "data");
    struct fbs_buf org = FBS_BUF_INIT;

    if (json_is_array(data))
        json_object_set_new(res->identity, "models",
                            json_integer((json_int_t)json_array_size(data)));
    if (fbs_http_response_header(resp, "openai-organization", &org) && org.ptr)
        json_object_set_new(res->identity, "organization", json_string(org.ptr));
    fbs_buf_release(&org);
}

SIMPLE_VERIFIER(verify_openai, {"GET", "/v1/models", "Authorization", "Bearer ", NULL, false, false,
                                false, models_interpret})
SIMPLE_VERIFIER(verify_anthropic,
                {"GET", "/v1/models", "x-api-key", "", "anthropic-version: 2023-06-01", false,
                 false, false, models_interpret})

static void sendgrid_interpret(const json_t *body, const struct fbs_http_response *resp,
                               struct fbs_verify_result *res)
{
    static const char *const high_prefix[] = {"api_keys.", "user.",     "teammates.",
                                              "subusers.", "mail.send", NULL};

    (void)resp;
    scopes_from_json(res, json_object_get(body, "scopes"));
    res->privilege = privilege_of(res->scopes, NULL, high_prefix);
}

SIMPLE_VERIFIER(verify_sendgrid, {"GET", "/v3/scopes", "Authorization", "Bearer ", NULL, false,
                                  false, false, sendgrid_interpret})

static void datadog_interpret(const json_t *body, const struct fbs_http_response *resp,
                              struct fbs_verify_result *res)
{
    (void)resp;
    if (!json_is_true(json_object_get(body, "valid"))) {
        res->status = "unknown";
        detail(res, "validate did not say valid");
    }
}

SIMPLE_VERIFIER(verify_datadog, {"GET", "/api/v1/validate", "DD-API-KEY", "", NULL, false, false,
                                 false, datadog_interpret})

static void npm_interpret(const json_t *body, const struct fbs_http_response *resp,
                          struct fbs_verify_result *res)
{
    (void)resp;
    take(res, body, "username", "user");
}

SIMPLE_VERIFIER(verify_npm, {"GET", "/-/whoami", "Authorization", "Bearer ", NULL, false, false,
                             false, npm_interpret})

/* --- Vault (internal) ----------------------------------------------------------------------- */

static void vault_interpret(const json_t *body, const struct fbs_http_response *resp,
                            struct fbs_verify_result *res)
{
    const json_t *data = json_object_get(body, "data");
    size_t i;
    json_t *v;

    (void)resp;
    take(res, data, "display_name", "user");
    take(res, data, "entity_id", "entity_id");
    take(res, data, "expire_time", "expire_time");
    scopes_from_json(res, json_object_get(data, "policies"));
    res->privilege = "normal";
    json_array_foreach(json_object_get(data, "policies"), i, v)
    {
        if (json_is_string(v) && !strcmp(json_string_value(v), "root"))
            res->privilege = "high";
    }
}

SIMPLE_VERIFIER(verify_vault, {"GET", "/v1/auth/token/lookup-self", "X-Vault-Token", "", NULL,
                               false, true, false, vault_interpret})

/* --- AWS ------------------------------------------------------------------------------------ */

/* The text of the first <tag>...</tag> in xml, into out (at most size-1 bytes). */
static bool xml_text(const char *xml, size_t len, const char *tag, char *out, size_t size)
{
    char open[64], close[64];
    const char *s, *e;

    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    s = memmem(xml, len, open, strlen(open));
    if (!s)
        return false;
    s += strlen(open);
    e = memmem(s, len - (size_t)(s - xml), close, strlen(close));
    if (!e)
        return false;
    snprintf(out, size, "%.*s", (int)(e - s), s);
    return true;
}

static int verify_aws(struct fbs_http *h, const struct fbs_verify_job *job,
                      struct fbs_verify_result *res)
{
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: text/xml", NULL};
    static const char body[] = "Action=GetCallerIdentity&Version=2011-06-15";
    struct fbs_http_response resp;
    struct fbs_http_request extra;
    char v[256];
    bool done;
    int rc;

    if (!job->partner) {
        res->status = "unknown";
        detail(res, "no access key id found with this secret in the same file");
        return 0;
    }
    if (!strncmp(job->partner, "ASIA", 4)) {
        res->status = "unknown";
        detail(res, "a temporary (ASIA) key: STS needs its session token, which is not paired");
        return 0;
    }
    memset(&extra, 0, sizeof(extra));
    extra.sigv4 = "aws:amz:us-east-1:sts";
    extra.user = job->partner;
    extra.password = job->secret;
    fbs_http_response_init(&resp);
    rc = call(h, job, "POST", "/", headers, body, &extra, &resp, res, &done);
    if (rc < 0 || done)
        goto done;
    if (resp.status == 200 && resp.body.ptr) {
        res->status = "live";
        if (xml_text(resp.body.ptr, resp.body.len, "Account", v, sizeof(v)))
            json_object_set_new(res->identity, "account", json_string(v));
        if (xml_text(resp.body.ptr, resp.body.len, "Arn", v, sizeof(v))) {
            json_object_set_new(res->identity, "arn", json_string(v));
            if (strstr(v, ":root"))
                res->privilege = "high";
        }
        if (xml_text(resp.body.ptr, resp.body.len, "UserId", v, sizeof(v)))
            json_object_set_new(res->identity, "user_id", json_string(v));
        json_object_set_new(res->identity, "access_key_id", json_string(job->partner));
    } else if ((resp.status == 403 || resp.status == 400) && resp.body.ptr &&
               xml_text(resp.body.ptr, resp.body.len, "Code", v, sizeof(v))) {
        if (!strcmp(v, "InvalidClientTokenId") || !strcmp(v, "SignatureDoesNotMatch") ||
            !strcmp(v, "ExpiredToken")) {
            res->status = "revoked";
            detail(res, "STS: %s", v);
        } else {
            res->status = "unknown";
            detail(res, "STS: %s", v);
        }
    } else {
        res->status = "unknown";
        detail(res, "unexpected answer HTTP %ld", resp.status);
    }
done:
    fbs_http_response_release(&resp);
    return rc;
}

/* --- Twilio --------------------------------------------------------------------------------- */

/* An auth token is 32 lower-case hex characters; an API key secret is 32 letters and digits and
 * goes with its SK key SID. */
static bool twilio_is_auth_token(const char *s, size_t n)
{
    size_t i;

    if (n != 32)
        return false;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool twilio_wants_partner(const char *secret, size_t len)
{
    return !twilio_is_auth_token(secret, len);
}

static bool twilio_sid(const char *s, const char *prefix)
{
    size_t i;

    if (!s || strlen(s) != 34 || strncmp(s, prefix, 2))
        return false;
    for (i = 2; i < 34; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

/*
 * Overwrite the string values of `"key": "..."` in a JSON body in place, before it is parsed: the
 * Account resource carries the account's auth token, which must not reach the JSON parser's
 * (unwiped) heap. The body buffer itself is wiped when released.
 */
static void blank_json_field(struct fbs_buf *body, const char *key)
{
    size_t kl = strlen(key), at = 0;
    char *d = body->ptr;

    while (d && at + kl + 2 <= body->len) {
        char *k = memmem(d + at, body->len - at, key, kl);
        size_t q;

        if (!k)
            break;
        q = (size_t)(k - d) + kl;
        at = q;
        if (k == d || k[-1] != '"' || q >= body->len || d[q] != '"')
            continue;
        for (q++; q < body->len && strchr(" \t\r\n", d[q]) && d[q]; q++)
            ;
        if (q >= body->len || d[q] != ':')
            continue;
        for (q++; q < body->len && strchr(" \t\r\n", d[q]) && d[q]; q++)
            ;
        if (q >= body->len || d[q] != '"')
            continue;
        /* Up to the closing quote; an escaped quote (\") is blanked with the rest. */
        for (q++; q < body->len && d[q] != '"'; q++) {
            if (d[q] == '\\' && q + 1 < body->len)
                d[q++] = 'x';
            d[q] = 'x';
        }
        at = q;
    }
}

static void twilio_account(struct fbs_verify_result *res, const json_t *acct)
{
    const char *status = json_string_value(json_object_get(acct, "status"));
    const char *sid = json_string_value(json_object_get(acct, "sid"));
    const char *owner = json_string_value(json_object_get(acct, "owner_account_sid"));

    take(res, acct, "sid", "account_sid");
    take(res, acct, "friendly_name", "friendly_name");
    take(res, acct, "status", "status");
    take(res, acct, "type", "type");
    if (sid && owner && strcmp(sid, owner))
        take(res, acct, "owner_account_sid", "owner_account_sid"); /* a subaccount */
    if (status && !strcmp(status, "closed")) {
        res->status = "revoked";
        detail(res, "the account is closed");
    } else if (status && !strcmp(status, "suspended")) {
        detail(res, "the account is suspended");
    }
}

static int verify_twilio(struct fbs_http *h, const struct fbs_verify_job *job,
                         struct fbs_verify_result *res)
{
    static const char *const headers[] = {"Accept: application/json", NULL};
    const char *ac = json_string_value(json_object_get(job->context, "twilio_account_sid"));
    const char *sk = job->partner;
    struct fbs_http_response resp;
    struct fbs_http_request extra;
    char path[80];
    bool done;
    int rc;

    if (ac && !twilio_sid(ac, "AC"))
        ac = NULL;
    if (sk && !twilio_sid(sk, "SK"))
        sk = NULL;
    if (!sk && !(ac && twilio_is_auth_token(job->secret, strlen(job->secret)))) {
        res->status = "unknown";
        detail(res, twilio_is_auth_token(job->secret, strlen(job->secret))
                        ? "no account SID (AC...) found with this auth token in the same file"
                        : "no API key SID (SK...) found with this secret in the same file");
        return 0;
    }
    memset(&extra, 0, sizeof(extra));
    extra.basic = true;
    extra.user = sk ? sk : ac;
    extra.password = job->secret;
    if (ac)
        snprintf(path, sizeof(path), "/2010-04-01/Accounts/%s.json", ac);
    else
        snprintf(path, sizeof(path), "/2010-04-01/Accounts.json");
    fbs_http_response_init(&resp);
    rc = call(h, job, "GET", path, headers, NULL, &extra, &resp, res, &done);
    if (rc < 0 || done)
        goto done;
    if (resp.status == 200) {
        json_t *body, *list;

        blank_json_field(&resp.body, "auth_token");
        body = parse_json(&resp);
        res->status = "live";
        if (sk)
            json_object_set_new(res->identity, "api_key_sid", json_string(sk));
        list = json_object_get(body, "accounts");
        if (json_is_array(list)) {
            json_object_set_new(res->identity, "accounts",
                                json_integer((json_int_t)json_array_size(list)));
            if (json_array_size(list))
                twilio_account(res, json_array_get(list, 0));
        } else {
            twilio_account(res, body);
        }
        json_decref(body);
    } else if (resp.status == 401) {
        res->status = "revoked";
        detail(res, "the issuer rejected the credential (HTTP 401)");
    } else {
        res->status = "unknown";
        detail(res, "unexpected answer HTTP %ld", resp.status);
    }
done:
    fbs_http_response_release(&resp);
    return rc;
}

/* --- shared by the signing verifiers (GCP, Azure) ------------------------------------------ */

/* Standard base64 of n bytes into out (replaced); url: the URL-safe alphabet without padding. */
static int b64(struct fbs_buf *out, const unsigned char *p, size_t n, bool url)
{
    size_t i, len;

    fbs_buf_truncate(out, 0);
    if (n > (size_t)1 << 20 || fbs_buf_grow(out, 4 * ((n + 2) / 3) + 1) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    len = (size_t)EVP_EncodeBlock((unsigned char *)out->ptr, p, (int)n);
    if (url) {
        while (len && out->ptr[len - 1] == '=')
            len--;
        for (i = 0; i < len; i++)
            out->ptr[i] = out->ptr[i] == '+' ? '-' : out->ptr[i] == '/' ? '_' : out->ptr[i];
    }
    out->ptr[len] = '\0';
    out->len = len;
    return 0;
}

/* --- GCP service-account keys --------------------------------------------------------------- */

#define GCP_TOKEN_URL "https://oauth2.googleapis.com/token"
#define GCP_SCOPE     "https://www.googleapis.com/auth/cloud-platform.read-only"

/* The key's token_uri is Google's own token endpoint (the current one, or the one key files
 * named before 2019); the call always goes to GCP_TOKEN_URL. */
static bool gcp_token_uri_ok(const char *u)
{
    return !u || !strcmp(u, GCP_TOKEN_URL) || !strcmp(u, "https://oauth2.googleapis.com/token/") ||
           !strcmp(u, "https://accounts.google.com/o/oauth2/token");
}

/* The RSA private key of a service-account key's PEM (JSON \n escapes allowed), or NULL. */
static EVP_PKEY *gcp_key(const char *pem)
{
    struct fbs_pem_block blk;
    const unsigned char *p;
    EVP_PKEY *pk = NULL;
    size_t pos = 0;

    if (fbs_pem_next(&blk, pem, strlen(pem), &pos, "PRIVATE KEY") != 1)
        return NULL;
    p = blk.der;
    if (blk.der_len < (size_t)1 << 20)
        pk = d2i_AutoPrivateKey(NULL, &p, (long)blk.der_len);
    fbs_pem_block_release(&blk);
    if (pk && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    ERR_clear_error();
    return pk;
}

/*
 * The signed JWT (RS256) asking GCP_TOKEN_URL for an access token as `email`, into out:
 * header {"alg","typ","kid"}, claims {iss, scope, aud, iat, exp = iat + 1 h}. iat is the real
 * clock (Google refuses assertions outside its own time window), not the scan's --now.
 */
static int gcp_assertion(struct fbs_buf *out, EVP_PKEY *pk, const char *email, const char *kid)
{
    json_t *hdr = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT"), *cl;
    struct fbs_buf enc = FBS_BUF_INIT;
    char *hs = NULL, *cs = NULL;
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);
    fbs_time_t now = fbs_time_now();
    EVP_MD_CTX *md = NULL;
    int rc = FBS_ENOMEM;

    cl = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", email, "scope", GCP_SCOPE, "aud",
                   GCP_TOKEN_URL, "iat", (json_int_t)now, "exp", (json_int_t)(now + 3600));
    if (!hdr || !cl || (kid && json_object_set_new(hdr, "kid", json_string(kid)) < 0))
        goto done;
    hs = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    cs = json_dumps(cl, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!hs || !cs || b64(&enc, (const unsigned char *)hs, strlen(hs), true) < 0 ||
        fbs_buf_puts(out, enc.ptr) < 0 || fbs_buf_putc(out, '.') < 0 ||
        b64(&enc, (const unsigned char *)cs, strlen(cs), true) < 0 ||
        fbs_buf_puts(out, enc.ptr) < 0)
        goto done;
    md = EVP_MD_CTX_new();
    if (!md)
        goto done;
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
        EVP_DigestSign(md, sig, &siglen, (const unsigned char *)out->ptr, out->len) != 1) {
        rc = fbs_error_set(FBS_EPARSE, "the key cannot sign (RS256)");
        goto done;
    }
    if (fbs_buf_putc(out, '.') < 0 || b64(&enc, sig, siglen, true) < 0 ||
        fbs_buf_puts(out, enc.ptr) < 0)
        goto done;
    rc = 0;
done:
    if (rc == FBS_ENOMEM)
        fbs_error_set(FBS_ENOMEM, "out of memory");
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    free(hs);
    free(cs);
    json_decref(hdr);
    json_decref(cl);
    fbs_buf_release(&enc);
    return rc;
}

/* The printable start of a short issuer text (an OAuth error_description), for details. */
static void short_text(char *out, size_t size, const char *s)
{
    size_t i;

    for (i = 0; s && s[i] && i + 1 < size && i < 80; i++)
        out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ? '?' : s[i];
    out[i] = '\0';
}

static int verify_gcp(struct fbs_http *h, const struct fbs_verify_job *job,
                      struct fbs_verify_result *res)
{
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: application/json", NULL};
    const char *email = json_string_value(json_object_get(job->context, "client_email"));
    const char *uri = json_string_value(json_object_get(job->context, "token_uri"));
    const char *kid = json_string_value(json_object_get(job->context, "private_key_id"));
    bool overridden = strcmp(job->base, job->provider->base) != 0;
    struct fbs_buf jwt = FBS_BUF_INIT, body = FBS_BUF_INIT;
    struct fbs_http_response resp;
    EVP_PKEY *pk = NULL;
    bool done;
    int rc = 0;

    fbs_http_response_init(&resp);
    if (!email || !strchr(email, '@')) {
        res->status = "unknown";
        detail(res, "no client_email in the service-account key file");
        goto done;
    }
    if (!overridden && !gcp_token_uri_ok(uri)) {
        res->status = "unknown";
        detail(res, "token_uri is not Google's token endpoint (%s): not verified", GCP_TOKEN_URL);
        goto done;
    }
    pk = gcp_key(job->secret);
    if (!pk) {
        res->status = "unknown";
        detail(res, "the private_key is not an RSA key that can be read");
        goto done;
    }
    rc = gcp_assertion(&jwt, pk, email, kid);
    if (rc == FBS_EPARSE) {
        rc = 0;
        res->status = "unknown";
        detail(res, "the private_key cannot sign (RS256)");
        goto done;
    }
    if (rc < 0 || (rc = fbs_buf_printf(&body,
                                       "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3A"
                                       "jwt-bearer&assertion=%s",
                                       jwt.ptr)) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = call(h, job, "POST", "/token", headers, body.ptr, NULL, &resp, res, &done);
    if (rc < 0 || done)
        goto done;
    json_object_set_new(res->identity, "client_email", json_string(email));
    if (json_is_string(json_object_get(job->context, "project_id")))
        json_object_set_new(res->identity, "project_id",
                            json_deep_copy(json_object_get(job->context, "project_id")));
    if (kid)
        json_object_set_new(res->identity, "private_key_id", json_string(kid));
    if (resp.status == 200) {
        /* The access token is never parsed, kept or shown: the body is wiped when released. */
        res->status = "live";
    } else if (resp.status == 400 || resp.status == 401) {
        json_t *err = parse_json(&resp);
        const char *code = json_string_value(json_object_get(err, "error"));
        const char *desc = json_string_value(json_object_get(err, "error_description"));
        char d[96];

        short_text(d, sizeof(d), desc);
        res->status = "unknown";
        if (code && !strcmp(code, "invalid_grant") && desc &&
            (strstr(desc, "Invalid JWT Signature") || strstr(desc, "account not found") ||
             strstr(desc, "disabled")))
            res->status = "revoked";
        detail(res, "token endpoint: %s%s%s%s", code ? code : "HTTP error", *d ? " (" : "", d,
               *d ? ")" : "");
        json_decref(err);
    } else {
        res->status = "unknown";
        detail(res, "unexpected answer HTTP %ld", resp.status);
    }
done:
    EVP_PKEY_free(pk);
    fbs_buf_release_wipe(&jwt);
    fbs_buf_release_wipe(&body);
    fbs_http_response_release(&resp);
    return rc;
}

/* --- Azure storage account keys ------------------------------------------------------------- */

#define AZURE_VERSION "2023-11-03"

/* A storage account name: 3 to 24 lower-case letters and digits. */
static bool azure_account_ok(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;

    if (n < 3 || n > 24)
        return false;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

static const char *azure_base_of(const json_t *context, char *out, size_t size)
{
    const char *acct = json_string_value(json_object_get(context, "azure_storage_account"));
    const char *suffix =
        json_string_value(json_object_get(context, "azure_storage_endpoint_suffix"));

    if (!acct)
        return "no storage account name found with this key in the same file";
    if (!azure_account_ok(acct))
        return "the storage account name in context is not a valid account name";
    if (suffix)
        return "the connection string names another cloud than Azure's public one "
               "(EndpointSuffix): not verified";
    snprintf(out, size, "https://%s.blob.core.windows.net", acct);
    return NULL;
}

/* "Sun, 06 Dec 2026 06:49:42 GMT" (RFC 1123, as x-ms-date wants it), locale-free. */
static void http_date(char *out, size_t size, fbs_time_t t)
{
    static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char iso[FBS_TIME_ISO_LEN];
    int64_t days = t >= 0 ? t / FBS_DAY : (t - FBS_DAY + 1) / FBS_DAY;
    int m;

    fbs_time_format(iso, t); /* YYYY-MM-DDTHH:MM:SSZ */
    m = (iso[5] - '0') * 10 + (iso[6] - '0');
    snprintf(out, size, "%s, %.2s %s %.4s %.8s GMT", wd[((days % 7) + 7) % 7], iso + 8,
             mon[m >= 1 && m <= 12 ? m - 1 : 0], iso, iso + 11);
}

static int verify_azure(struct fbs_http *h, const struct fbs_verify_job *job,
                        struct fbs_verify_result *res)
{
    const char *acct = json_string_value(json_object_get(job->context, "azure_storage_account"));
    struct fbs_buf sts = FBS_BUF_INIT, auth = FBS_BUF_INIT, sig = FBS_BUF_INIT;
    struct fbs_buf hdate = FBS_BUF_INIT, code = FBS_BUF_INIT;
    unsigned char *key = NULL, mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t keylen = 0;
    struct fbs_http_response resp;
    const char *headers[5];
    char date[40];
    bool done;
    int rc = 0;

    fbs_http_response_init(&resp);
    if (!azure_account_ok(acct)) {
        const char *why = azure_base_of(job->context, date, sizeof(date));

        res->status = "unknown";
        detail(res, "%s", why ? why : "no storage account name found with this key");
        goto done;
    }
    if (fbs_base64_decode(&key, &keylen, job->secret, strlen(job->secret), 128) < 0 ||
        keylen < 16) {
        res->status = "unknown";
        detail(res, "the account key is not base64");
        goto done;
    }
    http_date(date, sizeof(date), fbs_time_now());
    /* Shared Key, version 2009-09-19 and later: the verb, eleven standard headers (all empty
     * here: a GET without body), the x-ms-* headers sorted, then /account/path and the query
     * parameters sorted, one "name:value" a line. */
    if (fbs_buf_printf(&sts,
                       "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:%s\nx-ms-version:%s\n/%s/\ncomp:list\n"
                       "maxresults:1",
                       date, AZURE_VERSION, acct) < 0 ||
        !HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)sts.ptr, sts.len, mac,
              &maclen) ||
        b64(&sig, mac, maclen, false) < 0 ||
        fbs_buf_printf(&auth, "Authorization: SharedKey %s:%s", acct, sig.ptr) < 0 ||
        fbs_buf_printf(&hdate, "x-ms-date: %s", date) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    headers[0] = hdate.ptr;
    headers[1] = "x-ms-version: " AZURE_VERSION;
    headers[2] = auth.ptr;
    headers[3] = NULL;
    rc = call(h, job, "GET", "/?comp=list&maxresults=1", headers, NULL, NULL, &resp, res, &done);
    if (rc < 0 || done)
        goto done;
    json_object_set_new(res->identity, "account", json_string(acct));
    if (!fbs_http_response_header(&resp, "x-ms-error-code", &code) && resp.body.ptr) {
        char v[64];

        if (xml_text(resp.body.ptr, resp.body.len, "Code", v, sizeof(v)))
            fbs_buf_puts(&code, v);
    }
    if (resp.status == 200) {
        res->status = "live";
        res->privilege = "high"; /* an account key is full control of the account */
    } else if (resp.status == 403 && code.ptr && !strcmp(code.ptr, "AuthenticationFailed")) {
        res->status = "revoked";
        detail(res, "Blob service: AuthenticationFailed (HTTP 403)");
    } else {
        res->status = "unknown";
        detail(res, "unexpected answer HTTP %ld%s%.48s", resp.status, code.ptr ? ": " : "",
               code.ptr ? code.ptr : "");
    }
done:
    if (key) {
        fbs_wipe(key, keylen);
        fbs_free(key);
    }
    fbs_wipe(mac, sizeof(mac));
    fbs_buf_release_wipe(&sts);
    fbs_buf_release_wipe(&auth);
    fbs_buf_release(&sig);
    fbs_buf_release(&hdate);
    fbs_buf_release(&code);
    fbs_http_response_release(&resp);
    return rc;
}

/* --- the registry --------------------------------------------------------------------------- */

static const char *const aws_partner[] = {"aws_access_key_id", NULL};

static const struct fbs_verify_provider p_aws = {.name = "aws",
                                                 .base = "https://sts.amazonaws.com",
                                                 .verify = verify_aws,
                                                 .partner_kinds = aws_partner,
                                                 .internal = false};
static const struct fbs_verify_provider p_github = {.name = "github",
                                                    .base = "https://api.github.com",
                                                    .verify = verify_github,
                                                    .partner_kinds = NULL,
                                                    .internal = false};
static const struct fbs_verify_provider p_gitlab = {.name = "gitlab",
                                                    .base = "https://gitlab.com",
                                                    .verify = verify_gitlab,
                                                    .partner_kinds = NULL,
                                                    .internal = false};
static const struct fbs_verify_provider p_slack = {.name = "slack",
                                                   .base = "https://slack.com",
                                                   .verify = verify_slack,
                                                   .partner_kinds = NULL,
                                                   .internal = false};
static const struct fbs_verify_provider p_stripe = {.name = "stripe",
                                                    .base = "https://api.stripe.com",
                                                    .verify = verify_stripe,
                                                    .partner_kinds = NULL,
                                                    .internal = false};
static const struct fbs_verify_provider p_openai = {.name = "openai",
                                                    .base = "https://api.openai.com",
                                                    .verify = verify_openai,
                                                    .partner_kinds = NULL,
                                                    .internal = false};
static const struct fbs_verify_provider p_anthropic = {.name = "anthropic",
                                                       .base = "https://api.anthropic.com",
                                                       .verify = verify_anthropic,
                                                       .partner_kinds = NULL,
                                                       .internal = false};
static const struct fbs_verify_provider p_sendgrid = {.name = "sendgrid",
                                                      .base = "https://api.sendgrid.com",
                                                      .verify = verify_sendgrid,
                                                      .partner_kinds = NULL,
                                                      .internal = false};
static const struct fbs_verify_provider p_datadog = {.name = "datadog",
                                                     .base = "https://api.datadoghq.com",
                                                     .verify = verify_datadog,
                                                     .partner_kinds = NULL,
                                                     .internal = false};
static const struct fbs_verify_provider p_npm = {.name = "npm",
                                                 .base = "https://registry.npmjs.org",
                                                 .verify = verify_npm,
                                                 .partner_kinds = NULL,
                                                 .internal = false};
static const struct fbs_verify_provider p_vault = {
    .name = "vault", .base = NULL, .verify = verify_vault, .partner_kinds = NULL, .internal = true};
static const char *const twilio_partner[] = {"twilio_api_key_sid", NULL};
static const char *const twilio_context[] = {"twilio_account_sid", NULL};
static const struct fbs_verify_provider p_twilio = {
    .name = "twilio",
    .base = "https://api.twilio.com",
    .verify = verify_twilio,
    .partner_kinds = twilio_partner,
    .context_facts = twilio_context,
    .wants_partner = twilio_wants_partner,
};
static const char *const gcp_context[] = {"client_email", "token_uri", "private_key_id",
                                          "project_id", NULL};
static const struct fbs_verify_provider p_gcp = {
    .name = "gcp",
    .base = "https://oauth2.googleapis.com",
    .verify = verify_gcp,
    .context_facts = gcp_context,
    .signs_only = true,
};
static const char *const azure_context[] = {"azure_storage_account",
                                            "azure_storage_endpoint_suffix", NULL};
static const struct fbs_verify_provider p_azure = {
    .name = "azure",
    .base = "https://blob.core.windows.net", /* documentation only: base_of builds the host */
    .verify = verify_azure,
    .context_facts = azure_context,
    .signs_only = true,
    .base_of = azure_base_of,
};

const struct fbs_verify_provider *const fbs_verify_providers[] = {
    &p_aws,     &p_github, &p_gitlab, &p_slack,  &p_stripe, &p_openai, &p_anthropic, &p_sendgrid,
    &p_datadog, &p_npm,    &p_vault,  &p_twilio, &p_gcp,    &p_azure,  NULL,
};

/* --- context: the Vault address of a token's file ------------------------------------------ */

/*
 * A PARSE-stage detector: a Vault token's file that names the server (VAULT_ADDR=..., vault_addr:
 * ..., "vault_address": "...") gets facts.vault_address, the endpoint the vault verifier may use
 * with --verify-internal. Only the first http(s) URL after the name on the same line is taken.
 */
static int vault_address_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    static const char *const names[] = {"vault_addr", "vault_address", "vault_url", NULL};
    const char *d, *end;
    size_t k;

    if (!ctx->blob || !ctx->blob->data)
        return 0;
    d = (const char *)ctx->blob->data;
    end = d + ctx->blob->len;
    for (k = 0; names[k]; k++) {
        size_t nl = strlen(names[k]);
        const char *p;

        for (p = d; p + nl <= end; p++) {
            const char *u, *ue;

            if (strncasecmp(p, names[k], nl))
                continue;
            /* The blob is not NUL-terminated: every comparison is bounded by `end`. */
            for (u = p + nl; u < end && *u != '\n' && !(end - u >= 4 && !memcmp(u, "http", 4)); u++)
                ;
            if (u >= end || *u == '\n' ||
                !((end - u >= 8 && !memcmp(u, "https://", 8)) ||
                  (end - u >= 7 && !memcmp(u, "http://", 7))))
                continue;
            for (ue = u; ue < end && *ue && !memchr(" \t\r\n\"'`,;)}", *ue, 11); ue++)
                ;
            if (ue - u > 255 || memchr(u, '$', (size_t)(ue - u)) ||
                memchr(u, '{', (size_t)(ue - u)) || memchr(u, '<', (size_t)(ue - u)))
                continue; /* a template (${VAULT_HOST}, <host>), not an address */
            return json_object_set_new(f->facts, "vault_address",
                                       json_stringn(u, (size_t)(ue - u))) < 0
                       ? fbs_error_set(FBS_ENOMEM, "out of memory")
                       : 0;
        }
    }
    return 0;
}

static const char *const vault_token_kinds[] = {"vault_token", "vault_root_token", NULL};

const struct fbs_detector fbs_detector_vault_address = {
    .name = "vault_address",
    .stage = FBS_STAGE_PARSE,
    .kinds = vault_token_kinds,
    .run = vault_address_run,
};

/* --- context: a Twilio secret's account SID, an Azure key's storage account ---------------- */

static bool word_byte(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Distance from the secret: one after it counts double (as for the AWS key-pair partner). */
static size_t distance(size_t at, size_t secret_at)
{
    return at <= secret_at ? secret_at - at : 2 * (at - secret_at);
}

/*
 * A PARSE-stage detector: a Twilio auth token's or API key secret's file that holds an account
 * SID (AC + 32 hex, a word of its own) gets facts.twilio_account_sid, the nearest one to the
 * secret. The SID is an identifier, not a secret: it names the account in the verifier's path.
 */
static int twilio_context_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const char *d, *best = NULL;
    size_t n, i, best_d = 0;

    if (!ctx->blob || !ctx->blob->data || ctx->blob->binary)
        return 0;
    d = (const char *)ctx->blob->data;
    n = ctx->blob->len;
    for (i = 0; i + 34 <= n; i++) {
        size_t k;

        if (d[i] != 'A' || d[i + 1] != 'C' || (i && word_byte(d[i - 1])) ||
            (i + 34 < n && word_byte(d[i + 34])))
            continue;
        for (k = 2; k < 34 && strchr("0123456789abcdefABCDEF", d[i + k]) && d[i + k]; k++)
            ;
        if (k < 34)
            continue;
        if (!best || distance(i, f->secret_start) < best_d) {
            best = d + i;
            best_d = distance(i, f->secret_start);
        }
    }
    if (!best)
        return 0;
    return json_object_set_new(f->facts, "twilio_account_sid", json_stringn(best, 34)) < 0
               ? fbs_error_set(FBS_ENOMEM, "out of memory")
               : 0;
}

static const char *const twilio_secret_kinds[] = {"twilio_auth_token", "twilio_api_key_secret",
                                                  NULL};

const struct fbs_detector fbs_detector_twilio_context = {
    .name = "twilio_context",
    .stage = FBS_STAGE_PARSE,
    .kinds = twilio_secret_kinds,
    .run = twilio_context_run,
};

/* The value after `name` at d[at]: [ "']* [:=] [ "']* then 3..24 letters and digits ending at a
 * non-word byte; its length, or 0. */
static size_t assigned_name(const char *d, size_t n, size_t at, const char **val)
{
    size_t q = at, s;

    while (q < n && (d[q] == ' ' || d[q] == '"' || d[q] == '\''))
        q++;
    if (q >= n || (d[q] != ':' && d[q] != '='))
        return 0;
    for (q++; q < n && (d[q] == ' ' || d[q] == '\t' || d[q] == '"' || d[q] == '\''); q++)
        ;
    for (s = q; q < n && q - s <= 24 &&
                ((d[q] >= 'a' && d[q] <= 'z') || (d[q] >= 'A' && d[q] <= 'Z') ||
                 (d[q] >= '0' && d[q] <= '9'));
         q++)
        ;
    if (q - s < 3 || q - s > 24 || (q < n && (word_byte(d[q]) || d[q] == '-' || d[q] == '.')))
        return 0;
    *val = d + s;
    return q - s;
}

/*
 * A PARSE-stage detector: an Azure storage account key gets facts.azure_storage_account, the
 * account it belongs to: AccountName= of its own connection string (then EndpointSuffix= of that
 * string, when it names another cloud, becomes facts.azure_storage_endpoint_suffix), else the
 * nearest AccountName=, AZURE_STORAGE_ACCOUNT(_NAME)=, storage_account_name = or account_name:
 * in the file. Names are lower-cased (account names are).
 */
static int azure_context_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    static const char *const names[] = {"accountname",           "azure_storage_account_name",
                                        "azure_storage_account", "storage_account_name",
                                        "account_name",          NULL};
    const char *d, *best = NULL, *v;
    size_t n, i, k, best_len = 0, best_d = 0, len, ls, le;
    char acct[25];
    int rc = 0;

    if (!ctx->blob || !ctx->blob->data || ctx->blob->binary || f->secret_start > ctx->blob->len)
        return 0;
    d = (const char *)ctx->blob->data;
    n = ctx->blob->len;
    /* Its own connection string: the line holding the key, AccountName= before the key. */
    for (ls = f->secret_start; ls > 0 && d[ls - 1] != '\n'; ls--)
        ;
    for (le = f->secret_start; le < n && d[le] != '\n'; le++)
        ;
    for (i = ls; i + 12 < f->secret_start; i++)
        if (!strncasecmp(d + i, "AccountName=", 12) && (len = assigned_name(d, n, i + 11, &v))) {
            best = v;
            best_len = len;
        }
    if (best) {
        for (i = f->secret_start; i + 15 < le; i++) {
            const char *suffix = d + i + 15;
            size_t sl = 0;

            if (strncasecmp(d + i, "EndpointSuffix=", 15))
                continue;
            while (suffix + sl < d + le && !strchr(";\"' \t\r", suffix[sl]) && sl < 64)
                sl++;
            if (!(sl == 16 && !strncasecmp(suffix, "core.windows.net", 16)) &&
                json_object_set_new(f->facts, "azure_storage_endpoint_suffix",
                                    json_stringn(suffix, sl)) < 0)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
            break;
        }
    }
    /* Else the nearest assignment of an account name in the file. */
    for (i = 0; best_len == 0 && i < n; i++) {
        if (i && word_byte(d[i - 1]))
            continue;
        for (k = 0; names[k]; k++) {
            size_t nl = strlen(names[k]);

            if (i + nl < n && !strncasecmp(d + i, names[k], nl) &&
                (len = assigned_name(d, n, i + nl, &v)) &&
                (!best || distance(i, f->secret_start) + 1 < best_d)) {
                best = v;
                best_d = distance(i, f->secret_start) + 1; /* + 1: 0 means none yet */
                best_len = 0;
                len = len < sizeof(acct) ? len : sizeof(acct) - 1;
                memcpy(acct, v, len);
                acct[len] = '\0';
            }
        }
    }
    if (!best)
        return rc;
    if (best_len) {
        memcpy(acct, best, best_len);
        acct[best_len] = '\0';
    }
    for (k = 0; acct[k]; k++)
        acct[k] = (char)(acct[k] >= 'A' && acct[k] <= 'Z' ? acct[k] - 'A' + 'a' : acct[k]);
    return json_object_set_new(f->facts, "azure_storage_account", json_string(acct)) < 0
               ? fbs_error_set(FBS_ENOMEM, "out of memory")
               : 0;
}

static const char *const azure_key_kinds[] = {"azure_storage_account_key", NULL};

const struct fbs_detector fbs_detector_azure_context = {
    .name = "azure_storage_context",
    .stage = FBS_STAGE_PARSE,
    .kinds = azure_key_kinds,
    .run = azure_context_run,
};
