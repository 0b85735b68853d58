/* target.c - a target's identity; see target.h. */
#include "target.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "../core/banned.h"

const char *fbs_target_kind_name(enum fbs_target_kind kind)
{
    static const char *const names[] = {"files", "git", "cloud", "inventory"};

    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "files";
}

void fbs_target_init(struct fbs_target *t)
{
    memset(t, 0, sizeof(*t));
}

void fbs_target_release(struct fbs_target *t)
{
    if (!t)
        return;
    fbs_free(t->name);
    fbs_free(t->root);
    fbs_free(t->remote);
    fbs_free(t->revision);
    fbs_free(t->branch);
    fbs_free(t->account);
    fbs_free(t->inventory);
    fbs_free(t->id);
    fbs_free(t->scope);
    fbs_target_init(t);
}

void fbs_targets_free(struct fbs_target *targets, size_t n)
{
    size_t i;

    for (i = 0; targets && i < n; i++)
        fbs_target_release(&targets[i]);
    fbs_free(targets);
}

int fbs_target_is_url(const char *s)
{
    const char *colon = strchr(s, ':'), *at = strchr(s, '@'), *slash = strchr(s, '/');

    /* scheme://...; or scp-like user@host:path (no '/' before the ':'). */
    return strstr(s, "://") != NULL || (colon && at && at < colon && (!slash || slash > colon));
}

int fbs_target_public_url(char **out, const char *url)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const char *sep = strstr(url, "://"), *host, *end, *p;
    int rc;

    *out = NULL;
    if (sep) {
        host = sep + 3;
        end = host + strcspn(host, "/?#");
        for (p = host; p < end; p++)
            if (*p == '@')
                host = p + 1;
        rc = fbs_buf_put(&b, url, (size_t)(sep + 3 - url));
        if (rc == 0)
            rc = fbs_buf_put(&b, host, strcspn(host, "?#"));
    } else if (fbs_target_is_url(url)) {
        host = strchr(url, '@') + 1;
        end = strchr(host, ':');
        rc = fbs_buf_printf(&b, "ssh://%.*s/%s", (int)(end - host), host,
                            end[1] == '/' ? end + 2 : end + 1);
    } else {
        return 0;
    }
    if (rc < 0) {
        fbs_buf_release(&b);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    *out = fbs_buf_detach(&b);
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

int fbs_target_strip_credentials(struct fbs_buf *out, const char *text)
{
    const char *p = text, *sep;

    while ((sep = strstr(p, "://")) != NULL) {
        const char *auth = sep + 3, *at = NULL, *q;

        /* The userinfo ends at the last '@' before the path (a password may hold '@'). */
        for (q = auth; *q && !strchr("/?# \t\r\n'\"<>`", *q); q++)
            if (*q == '@')
                at = q;
        if (fbs_buf_put(out, p, (size_t)(auth - p)) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        p = at ? at + 1 : auth;
    }
    return fbs_buf_puts(out, p) < 0 ? fbs_error_set(FBS_ENOMEM, "out of memory") : 0;
}

int fbs_target_strip_credentials_dup(char **dup, const char *text)
{
    struct fbs_buf b = FBS_BUF_INIT;

    *dup = NULL;
    if (!text)
        return 0;
    if (fbs_target_strip_credentials(&b, text) < 0) {
        fbs_buf_release(&b);
        return FBS_ENOMEM;
    }
    *dup = fbs_buf_detach(&b);
    return *dup ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

/*
 * Append the path part of a repository URL: repeated slashes collapsed, leading and trailing
 * slashes and a ".git" suffix (or a trailing "/.git": a work tree's git directory) dropped.
 * FBS_EPARSE when nothing is left.
 */
static int put_repo_path(struct fbs_buf *out, const char *p, size_t n, bool keep_leading_slash)
{
    size_t start = out->len, i;
    bool slash = false;

    for (i = 0; i < n; i++) {
        if (p[i] == '/') {
            slash = true;
            continue;
        }
        if (slash && (out->len > start || keep_leading_slash) && fbs_buf_putc(out, '/') < 0)
            return FBS_ENOMEM;
        slash = false;
        if (fbs_buf_putc(out, p[i]) < 0)
            return FBS_ENOMEM;
    }
    for (;;) {
        size_t len = out->len - start;

        if (len >= 5 && !memcmp(out->ptr + out->len - 5, "/.git", 5))
            fbs_buf_truncate(out, out->len - 5);
        else if (len > 4 && !memcmp(out->ptr + out->len - 4, ".git", 4))
            fbs_buf_truncate(out, out->len - 4);
        else
            break;
        while (out->len > start + 1 && out->ptr[out->len - 1] == '/')
            fbs_buf_truncate(out, out->len - 1);
    }
    if (out->len == start || (keep_leading_slash && out->len == start + 1))
        return FBS_EPARSE;
    return 0;
}

static const char *default_port(const char *scheme, size_t n)
{
    static const char *const ports[][2] = {{"ssh", "22"},  {"git+ssh", "22"}, {"ssh+git", "22"},
                                           {"http", "80"}, {"https", "443"},  {"git", "9418"}};
    size_t i;

    for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
        if (strlen(ports[i][0]) == n && !strncasecmp(ports[i][0], scheme, n))
            return ports[i][1];
    return NULL;
}

/* Append host[:port] lower-cased, without a user and a default port. */
static int put_host(struct fbs_buf *out, const char *auth, size_t n, const char *dport)
{
    const char *at = NULL, *host, *port = NULL, *end = auth + n, *p;
    size_t start = out->len;

    for (p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    host = at ? at + 1 : auth;
    if (host < end && *host == '[') { /* [IPv6]:port */
        const char *rb = memchr(host, ']', (size_t)(end - host));

        if (!rb)
            return FBS_EPARSE;
        port = rb + 1 < end && rb[1] == ':' ? rb + 2 : NULL;
        p = rb + 1;
    } else {
        p = memchr(host, ':', (size_t)(end - host));
        port = p ? p + 1 : NULL;
        if (!p)
            p = end;
    }
    for (; host < p; host++)
        if (fbs_buf_putc(out, (char)tolower((unsigned char)*host)) < 0)
            return FBS_ENOMEM;
    if (out->len == start)
        return FBS_EPARSE;
    if (port && port < end &&
        !(dport && strlen(dport) == (size_t)(end - port) &&
          !memcmp(dport, port, (size_t)(end - port))))
        if (fbs_buf_putc(out, ':') < 0 || fbs_buf_put(out, port, (size_t)(end - port)) < 0)
            return FBS_ENOMEM;
    return 0;
}

/* fbs_target_url_normalise() without the message: 0, FBS_EPARSE or FBS_ENOMEM. */
static int normalise(struct fbs_buf *out, const char *url)
{
    const char *sep = strstr(url, "://"), *colon = strchr(url, ':'), *slash = strchr(url, '/');
    size_t start = out->len;
    int rc;

    if (!strncmp(url, "file://", 7)) {
        const char *p = url + 7;

        if (!strncmp(p, "localhost/", 10))
            p += 9;
        rc = *p == '/' ? put_repo_path(out, p, strcspn(p, "?#"), true) : FBS_EPARSE;
    } else if (url[0] == '/') {
        rc = put_repo_path(out, url, strlen(url), true);
    } else if (sep) {
        const char *auth = sep + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *path = auth + alen;

        rc = put_host(out, auth, alen, default_port(url, (size_t)(sep - url)));
        if (rc == 0)
            rc = fbs_buf_putc(out, '/');
        if (rc == 0)
            rc = put_repo_path(out, path, strcspn(path, "?#"), false);
    } else if (colon && colon - url > 1 && (!slash || slash > colon)) {
        /* scp-like [user@]host:path; a one-letter "host" is a Windows drive. */
        rc = put_host(out, url, (size_t)(colon - url), NULL);
        if (rc == 0)
            rc = fbs_buf_putc(out, '/');
        if (rc == 0)
            rc = put_repo_path(out, colon + 1, strcspn(colon + 1, "?#"), false);
    } else {
        rc = FBS_EPARSE;
    }
    if (rc < 0)
        fbs_buf_truncate(out, start);
    return rc;
}

int fbs_target_url_normalise(struct fbs_buf *out, const char *url)
{
    int rc = normalise(out, url);

    if (rc == FBS_ENOMEM)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (rc < 0)
        return fbs_error_set(FBS_EPARSE, "not a repository URL: '%s'", url);
    return 0;
}

/* "./a//b/./c/" -> "a/b/c"; "" and "./" -> "."; "/" stays. */
static int put_lexical_path(struct fbs_buf *out, const char *p)
{
    size_t start = out->len;
    bool abs = p[0] == '/';

    if (abs && fbs_buf_putc(out, '/') < 0)
        return FBS_ENOMEM;
    while (*p) {
        size_t n;

        while (*p == '/')
            p++;
        n = strcspn(p, "/");
        if (n == 0)
            break;
        if (!(n == 1 && p[0] == '.')) {
            if (out->len > start + (abs ? 1 : 0) && fbs_buf_putc(out, '/') < 0)
                return FBS_ENOMEM;
            if (fbs_buf_put(out, p, n) < 0)
                return FBS_ENOMEM;
        }
        p += n;
    }
    if (out->len == start && fbs_buf_putc(out, '.') < 0)
        return FBS_ENOMEM;
    return 0;
}

/* The normalised remote of a git target ("github.com/org/repo"), appended; FBS_EPARSE if none. */
static int put_git_remote(struct fbs_buf *b, const struct fbs_target *t)
{
    int rc = FBS_EPARSE;

    if (t->kind != FBS_TARGET_GIT)
        return FBS_EPARSE;
    if (t->remote)
        rc = normalise(b, t->remote);
    /* A URL target named by its URL alone (its clone is temporary). */
    if (rc == FBS_EPARSE && !t->root && t->name && fbs_target_is_url(t->name))
        rc = normalise(b, t->name);
    return rc;
}

static int finish_buf(char **out, struct fbs_buf *b, int rc)
{
    *out = NULL;
    if (rc < 0) {
        fbs_buf_release(b);
        return rc == FBS_ENOMEM ? fbs_error_set(FBS_ENOMEM, "out of memory") : rc;
    }
    *out = fbs_buf_detach(b);
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

int fbs_target_id(char **out, const struct fbs_target *t)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc;

    *out = NULL;
    if (!t->name)
        return fbs_error_set(FBS_EINVAL, "a target without a name");
    switch (t->kind) {
    case FBS_TARGET_GIT:
        rc = fbs_buf_puts(&b, "git:");
        if (rc == 0 && (rc = put_git_remote(&b, t)) == FBS_EPARSE) {
            fbs_buf_truncate(&b, 0);
            rc = fbs_buf_printf(&b, "path:%s", t->root ? t->root : t->name);
        }
        break;
    case FBS_TARGET_CLOUD:
        rc = fbs_buf_puts(&b, t->account ? t->account : t->name);
        break;
    case FBS_TARGET_INVENTORY:
        rc = fbs_buf_printf(&b, "inventory:%s", t->inventory ? t->inventory : t->name);
        break;
    case FBS_TARGET_FILES:
    default:
        rc = fbs_buf_printf(&b, "path:%s", t->root ? t->root : t->name);
        break;
    }
    return finish_buf(out, &b, rc);
}

int fbs_target_scope(char **out, const struct fbs_target *t)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc;

    *out = NULL;
    if (!t->name)
        return fbs_error_set(FBS_EINVAL, "a target without a name");
    if (t->kind == FBS_TARGET_CLOUD)
        return fbs_target_id(out, t);
    if (t->kind == FBS_TARGET_GIT) {
        rc = fbs_buf_puts(&b, "git:");
        if (rc == 0)
            rc = put_git_remote(&b, t);
        if (rc != FBS_EPARSE)
            return finish_buf(out, &b, rc);
        fbs_buf_truncate(&b, 0);
    }
    /* Known by a local path only: the path as given, not the machine's absolute one. */
    rc = fbs_buf_puts(&b, "given:");
    if (rc == 0)
        rc = put_lexical_path(&b, t->name);
    return finish_buf(out, &b, rc);
}

int fbs_target_finish(struct fbs_target *t)
{
    char *id = NULL, *scope = NULL;
    int rc = fbs_target_id(&id, t);

    if (rc == 0)
        rc = fbs_target_scope(&scope, t);
    if (rc < 0) {
        fbs_free(id);
        return rc;
    }
    fbs_free(t->id);
    fbs_free(t->scope);
    t->id = id;
    t->scope = scope;
    return 0;
}

const struct fbs_target *fbs_target_lookup(const struct fbs_target *targets, size_t n,
                                           const char *name)
{
    size_t i;

    if (!targets)
        return NULL;
    if (!name)
        return n == 1 ? &targets[0] : NULL;
    for (i = 0; i < n; i++)
        if (targets[i].name && !strcmp(targets[i].name, name))
            return &targets[i];
    return NULL;
}
