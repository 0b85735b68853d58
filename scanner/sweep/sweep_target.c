/*
 * sweep_target.c - what a sweep knows of a target: its identity, its clone, its ref tips.
 *
 * Identity (docs/sweep.md): a repository with a remote URL is that URL without credentials, so
 * two checkouts of one repository are one target; else its real path. Root commits are kept too:
 * a repository moved to another path or URL keeps its root commits, and the datastore matches a
 * new identity to an old target by them when the old identity is no longer swept.
 */
#include "sweep_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"
#include "../model/target.h"
#include "../sources/git_fetch.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/banned.h"

bool fbs_sweep_is_url(const char *s)
{
    return fbs_target_is_url(s) != 0;
}

char *fbs_sweep_public_url(const char *url)
{
    struct fbs_buf b = FBS_BUF_INIT;
    const char *sep = strstr(url, "://"), *host, *end, *p, *path;
    size_t i, hostpos, len;
    int rc;

    if (sep) {
        host = sep + 3;
        end = host + strcspn(host, "/?#");
        for (p = host; p < end; p++)
            if (*p == '@')
                host = p + 1;
        rc = fbs_buf_put(&b, url, (size_t)(sep + 3 - url));
        hostpos = b.len;
        if (rc == 0)
            rc = fbs_buf_put(&b, host, (size_t)(end - host));
        path = end;
    } else if (fbs_sweep_is_url(url)) {
        host = strchr(url, '@') + 1;
        end = strchr(host, ':');
        rc = fbs_buf_puts(&b, "ssh://");
        hostpos = b.len;
        if (rc == 0)
            rc = fbs_buf_put(&b, host, (size_t)(end - host));
        if (rc == 0 && end[1] != '/')
            rc = fbs_buf_putc(&b, '/');
        path = end + 1;
    } else {
        return NULL;
    }
    if (rc == 0)
        rc = fbs_buf_put(&b, path, strcspn(path, "?#"));
    if (rc < 0) {
        fbs_buf_release(&b);
        return NULL;
    }
    /* Scheme and host are case-insensitive; the path is not. */
    for (i = 0; i < b.len && i < hostpos + (size_t)(end - host); i++)
        b.ptr[i] = (char)tolower((unsigned char)b.ptr[i]);
    len = b.len;
    while (len > hostpos && b.ptr[len - 1] == '/')
        len--;
    if (len > hostpos + 4 && !strncmp(b.ptr + len - 4, ".git", 4))
        len -= 4;
    fbs_buf_truncate(&b, len);
    return fbs_buf_detach(&b);
}

void fbs_sweep_ident_release(struct fbs_sweep_ident *id)
{
    fbs_free(id->kind);
    fbs_free(id->identity);
    fbs_free(id->display);
    fbs_free(id->root_commits);
    fbs_free(id->location);
    memset(id, 0, sizeof(*id));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int fbs_sweep_root_commits(char **out, git_repository *repo)
{
    git_revwalk *walk = NULL;
    struct fbs_buf b = FBS_BUF_INIT;
    char **roots = NULL, hex[GIT_OID_HEXSZ + 1];
    size_t n = 0, cap = 0, i;
    git_oid oid;
    int rc = 0;

    *out = NULL;
    if (git_revwalk_new(&walk, repo) < 0)
        return 0;
    git_revwalk_sorting(walk, GIT_SORT_NONE);
    if (git_revwalk_push_head(walk) < 0 && git_revwalk_push_glob(walk, "refs/*") < 0)
        goto done;
    while (rc == 0 && git_revwalk_next(&oid, walk) == 0) {
        git_commit *c = NULL;

        if (git_commit_lookup(&c, repo, &oid) < 0)
            continue;
        if (git_commit_parentcount(c) == 0) {
            char *s = fbs_strdup(git_oid_tostr(hex, sizeof(hex), &oid));

            if (!s || fbs_array_grow((void **)&roots, &cap, n + 1, sizeof(char *)) < 0) {
                fbs_free(s);
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            } else {
                roots[n++] = s;
            }
        }
        git_commit_free(c);
    }
    if (rc == 0 && n) {
        qsort(roots, n, sizeof(char *), cmp_str);
        for (i = 0; i < n && rc == 0; i++)
            rc = fbs_buf_printf(&b, "%s%s", i ? "," : "", roots[i]);
        if (rc == 0)
            *out = fbs_buf_detach(&b);
    }
done:
    for (i = 0; i < n; i++)
        fbs_free(roots[i]);
    fbs_free(roots);
    fbs_buf_release(&b);
    git_revwalk_free(walk);
    return rc;
}

static int set(char **field, const char *v)
{
    *field = fbs_strdup(v);
    return *field ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

static int set_printf(char **field, const char *prefix, const char *v)
{
    struct fbs_buf b = FBS_BUF_INIT;

    if (fbs_buf_printf(&b, "%s%s", prefix, v) < 0)
        return FBS_ENOMEM;
    *field = fbs_buf_detach(&b);
    return 0;
}

int fbs_sweep_identify(struct fbs_sweep_ident *out, const char *kind, const char *location)
{
    git_repository *repo = NULL;
    git_config *cfg = NULL;
    git_buf url = GIT_BUF_INIT_CONST(NULL, 0);
    char real[PATH_MAX], *pub = NULL;
    const char *dir;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!strcmp(kind, "url")) {
        pub = fbs_sweep_public_url(location);
        if (!pub)
            return fbs_error_set(FBS_EINVAL, "'%s' is not a URL", location);
        out->is_url = true;
        rc = set(&out->kind, "git");
        if (rc == 0)
            rc = set_printf(&out->identity, "git:", pub);
        if (rc == 0)
            rc = set(&out->display, pub);
        if (rc == 0)
            rc = set(&out->location, location);
        goto done;
    }
    if (!realpath(location, real)) {
        rc = fbs_error_set(FBS_ENOTFOUND, "cannot read '%s': %s", location, strerror(errno));
        goto done;
    }
    if (!strcmp(kind, "inventory")) {
        rc = set(&out->kind, "inventory");
        if (rc == 0)
            rc = set_printf(&out->identity, "inventory:", real);
        if (rc == 0)
            rc = set(&out->display, real);
        if (rc == 0)
            rc = set(&out->location, real);
        goto done;
    }
    if (git_repository_open_ext(&repo, real, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
        repo = NULL;
        rc = set(&out->kind, "path");
        if (rc == 0)
            rc = set_printf(&out->identity, "path:", real);
        if (rc == 0)
            rc = set(&out->display, real);
        if (rc == 0)
            rc = set(&out->location, real);
        goto done;
    }
    dir = git_repository_workdir(repo) ? git_repository_workdir(repo) : git_repository_path(repo);
    if (realpath(dir, real) == NULL)
        snprintf(real, sizeof(real), "%s", dir);
    if (git_repository_config_snapshot(&cfg, repo) == 0 &&
        git_config_get_string_buf(&url, cfg, "remote.origin.url") == 0 && url.ptr &&
        fbs_sweep_is_url(url.ptr))
        pub = fbs_sweep_public_url(url.ptr);
    rc = set(&out->kind, "git");
    if (rc == 0)
        rc = pub ? set_printf(&out->identity, "git:", pub)
                 : set_printf(&out->identity, "path:", real);
    if (rc == 0)
        rc = set(&out->display, pub ? pub : real);
    if (rc == 0)
        rc = set(&out->location, real);
done:
    fbs_free(pub);
    git_buf_dispose(&url);
    git_config_free(cfg);
    git_repository_free(repo);
    if (rc < 0)
        fbs_sweep_ident_release(out);
    return rc;
}

int fbs_sweep_ident_roots(struct fbs_sweep_ident *id)
{
    git_repository *repo = NULL;
    int rc = 0;

    if (git_repository_open_ext(&repo, id->location, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) == 0)
        rc = fbs_sweep_root_commits(&id->root_commits, repo);
    git_repository_free(repo);
    return rc;
}

static int mkdirs(const char *path)
{
    char *dir = fbs_strdup(path), *p;
    int rc = 0;

    if (!dir)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (p = dir + 1;; p++) {
        if (*p && *p != '/')
            continue;
        {
            char c = *p;

            *p = '\0';
            if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                rc = fbs_error_set(FBS_EIO, "cannot create '%s': %s", dir, strerror(errno));
            *p = c;
        }
        if (!*p || rc < 0)
            break;
    }
    fbs_free(dir);
    return rc;
}

int fbs_sweep_fetch(char **out, const char *cache_dir, const char *url)
{
    return fbs_sweep_fetch_auth(out, cache_dir, url, NULL, 0, 0);
}

int fbs_sweep_fetch_auth(char **out, const char *cache_dir, const char *url,
                         const struct fbs_sweep_cred *cred, unsigned timeout, unsigned stall)
{
    struct fbs_git_fetch f;
    struct fbs_buf path = FBS_BUF_INIT;
    unsigned char md[32];
    unsigned int mdlen = 0;
    char hex[17], *pub = fbs_sweep_public_url(url);
    int rc = 0, i;

    *out = NULL;
    if (!pub)
        return fbs_error_set(FBS_EINVAL, "'%s' is not a URL", url);
    /* The cache entry is named by the public URL: credentials never reach the disk. */
    if (!EVP_Digest(pub, strlen(pub), md, &mdlen, EVP_sha256(), NULL)) {
        fbs_free(pub);
        return fbs_error_set(FBS_EINTERNAL, "SHA-256 failed");
    }
    for (i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    rc = mkdirs(cache_dir);
    if (rc == 0)
        rc = fbs_buf_printf(&path, "%s/%s.git", cache_dir, hex);
    if (rc < 0)
        goto done;
    memset(&f, 0, sizeof(f));
    f.url = url;
    f.dir = path.ptr;
    f.mirror = true;
    if (cred) {
        f.cred_user = cred->user;
        f.cred_token_env = cred->token_env;
        f.cred_api = cred->api;
    }
    f.timeout = timeout;
    f.stall = stall;
    rc = fbs_git_fetch_run(&f);
    if (rc < 0) {
        if (rc != FBS_ENOMEM)
            rc = fbs_error_prefix(rc, "cannot fetch '%s'", pub);
        goto done;
    }
    *out = fbs_buf_detach(&path);
done:
    fbs_buf_release(&path);
    fbs_free(pub);
    return rc;
}

static int add_tip(json_t *tips, const char *name, const git_oid *oid)
{
    char hex[GIT_OID_HEXSZ + 1];

    return json_object_set_new(tips, name, json_string(git_oid_tostr(hex, sizeof(hex), oid))) < 0
               ? fbs_error_set(FBS_ENOMEM, "out of memory")
               : 0;
}

int fbs_sweep_tips(json_t **out, git_repository *repo)
{
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL;
    json_t *tips = json_object();
    git_oid head;
    int rc = 0;

    *out = NULL;
    if (!tips)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (git_reference_name_to_id(&head, repo, "HEAD") == 0)
        rc = add_tip(tips, "HEAD", &head);
    if (rc == 0 && git_reference_iterator_new(&it, repo) == 0) {
        while (rc == 0 && git_reference_next(&ref, it) == 0) {
            git_object *obj = NULL;

            if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0)
                rc = add_tip(tips, git_reference_name(ref), git_object_id(obj));
            git_object_free(obj);
            git_reference_free(ref);
        }
        git_reference_iterator_free(it);
    }
    if (rc < 0) {
        json_decref(tips);
        return rc;
    }
    *out = tips;
    return 0;
}

int fbs_sweep_history_grew(git_repository *repo, const json_t *old, const json_t *now)
{
    const char *name;
    json_t *v;

    json_object_foreach((json_t *)old, name, v)
    {
        const char *k2;
        json_t *w;
        git_oid o, t;
        bool reached = false;

        if (git_oid_fromstr(&o, json_string_value(v) ? json_string_value(v) : "") < 0)
            return 0;
        json_object_foreach((json_t *)now, k2, w)
        {
            if (git_oid_fromstr(&t, json_string_value(w) ? json_string_value(w) : "") < 0)
                continue;
            if (git_oid_equal(&o, &t) || git_graph_descendant_of(repo, &t, &o) == 1) {
                reached = true;
                break;
            }
        }
        if (!reached)
            return 0;
    }
    return 1;
}

static int blob_at(git_oid *out, git_repository *repo, const git_oid *commit, const char *path)
{
    git_commit *c = NULL;
    git_tree *tree = NULL;
    git_tree_entry *e = NULL;
    int rc = -1;

    if (git_commit_lookup(&c, repo, commit) == 0 && git_commit_tree(&tree, c) == 0 &&
        git_tree_entry_bypath(&e, tree, path) == 0) {
        *out = *git_tree_entry_id(e);
        rc = 0;
    }
    git_tree_entry_free(e);
    git_tree_free(tree);
    git_commit_free(c);
    return rc;
}

int fbs_sweep_same_at_head(git_repository *repo, const char *commit, const char *path)
{
    git_oid c, head, a, b;

    if (!commit || !path || git_oid_fromstr(&c, commit) < 0 ||
        git_reference_name_to_id(&head, repo, "HEAD") < 0)
        return -1;
    if (blob_at(&a, repo, &c, path) < 0)
        return -1;
    if (blob_at(&b, repo, &head, path) < 0)
        return 0;
    return git_oid_equal(&a, &b) ? 1 : 0;
}
