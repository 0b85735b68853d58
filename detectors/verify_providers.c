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
#include "../scanner/net/http.h"

#include <stdarg.h>
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

/* --- the registry --------------------------------------------------------------------------- */

static const char *const aws_partner[] = {"aws_access_key_id", NULL};

static const struct fbs_verify_provider p_aws = {"aws", "https://sts.amazonaws.com", verify_aws,
                                                 aws_partner, false};
static const struct fbs_verify_provider p_github = {"github", "https://api.github.com",
                                                    verify_github, NULL, false};
static const struct fbs_verify_provider p_gitlab = {"gitlab", "https://gitlab.com", verify_gitlab,
                                                    NULL, false};
static const struct fbs_verify_provider p_slack = {"slack", "https://slack.com", verify_slack, NULL,
                                                   false};
static const struct fbs_verify_provider p_stripe = {"stripe", "https://api.stripe.com",
                                                    verify_stripe, NULL, false};
static const struct fbs_verify_provider p_openai = {"openai", "https://api.openai.com",
                                                    verify_openai, NULL, false};
static const struct fbs_verify_provider p_anthropic = {"anthropic", "https://api.anthropic.com",
                                                       verify_anthropic, NULL, false};
static const struct fbs_verify_provider p_sendgrid = {"sendgrid", "https://api.sendgrid.com",
                                                      verify_sendgrid, NULL, false};
static const struct fbs_verify_provider p_datadog = {"datadog", "https://api.datadoghq.com",
                                                     verify_datadog, NULL, false};
static const struct fbs_verify_provider p_npm = {"npm", "https://registry.npmjs.org", verify_npm,
                                                 NULL, false};
static const struct fbs_verify_provider p_vault = {"vault", NULL, verify_vault, NULL, true};

const struct fbs_verify_provider *const fbs_verify_providers[] = {
    &p_aws,       &p_github,   &p_gitlab,  &p_slack, &p_stripe, &p_openai,
    &p_anthropic, &p_sendgrid, &p_datadog, &p_npm,   &p_vault,  NULL,
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
            for (u = p + nl; u < end && *u != '\n' && !(end - u >= 4 && !memcmp(u, "http", 4));
                 u++)
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
