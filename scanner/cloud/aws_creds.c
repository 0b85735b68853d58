/*
 * aws_creds.c - AWS credentials and region, resolved the way the AWS CLI does for static keys:
 * the environment, or a profile of ~/.aws/credentials and ~/.aws/config.
 *
 * The files are INI as botocore reads them: "[section]" headers, "key = value" (or "key: value")
 * lines, '#' and ';' comment lines, no inline comments, indented lines continuing a nested
 * setting (skipped). Their text holds secrets, so it is wiped after parsing.
 */
#include "cloud.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/banned.h"

#define MAX_FILE_SIZE ((size_t)1 << 20)

enum {
    K_ACCESS_KEY_ID,
    K_SECRET_ACCESS_KEY,
    K_SESSION_TOKEN,
    K_REGION,
    K_ROLE_ARN,
    K_CREDENTIAL_PROCESS,
    K_SSO_START_URL,
    K_SSO_SESSION,
    K_WEB_IDENTITY,
    K__COUNT
};

static const char *const key_names[K__COUNT] = {
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "region",
    "role_arn",
    "credential_process",
    "sso_start_url",
    "sso_session",
    "web_identity_token_file",
};

/* The values of one profile, gathered from one file. */
struct section {
    bool found;
    char *v[K__COUNT];
};

static void section_release(struct section *s)
{
    for (int i = 0; i < K__COUNT; i++) {
        if (s->v[i])
            fbs_wipe(s->v[i], strlen(s->v[i]));
        fbs_free(s->v[i]);
        s->v[i] = NULL;
    }
    s->found = false;
}

void fbs_aws_creds_init(struct fbs_aws_creds *c)
{
    memset(c, 0, sizeof(*c));
}

static void free_wiped(char *s)
{
    if (s)
        fbs_wipe(s, strlen(s));
    fbs_free(s);
}

void fbs_aws_creds_release(struct fbs_aws_creds *c)
{
    if (!c)
        return;
    free_wiped(c->access_key_id);
    free_wiped(c->secret_access_key);
    free_wiped(c->session_token);
    fbs_free(c->region);
    fbs_free(c->source);
    fbs_aws_creds_init(c);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

/* Whether the header text [s, e) (inside the brackets, trimmed) names `want`, comparing runs of
 * blanks as one space ("profile  x" is "profile x"). */
static bool header_is(const char *s, const char *e, const char *want)
{
    while (s < e && *want) {
        if (is_space(*s)) {
            if (*want != ' ')
                return false;
            while (s < e && is_space(*s))
                s++;
            want++;
            continue;
        }
        if (*s++ != *want++)
            return false;
    }
    return s == e && !*want;
}

/*
 * Collect the known keys of the section whose header is `name` (or `alt`, may be NULL) from INI
 * text. A later duplicate key wins, as in botocore.
 */
static int parse_section(struct section *out, const char *text, size_t len, const char *name,
                         const char *alt)
{
    const char *p = text, *end = text + len;
    bool in = false;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *ls = p, *le = nl ? nl : end;

        p = nl ? nl + 1 : end;
        if (ls < le && is_space(*ls))
            continue; /* a continuation line of a nested setting */
        trim(&ls, &le);
        if (ls == le || *ls == '#' || *ls == ';')
            continue;
        if (*ls == '[') {
            const char *hs = ls + 1, *he = le;

            if (he > hs && he[-1] == ']')
                he--;
            trim(&hs, &he);
            in = header_is(hs, he, name) || (alt && header_is(hs, he, alt));
            out->found |= in;
            continue;
        }
        if (!in)
            continue;
        {
            const char *eq = ls, *ks = ls, *ke, *vs, *ve = le;

            while (eq < le && *eq != '=' && *eq != ':')
                eq++;
            if (eq == le)
                continue; /* not a setting; botocore would refuse the file, we skip the line */
            ke = eq;
            vs = eq + 1;
            trim(&ks, &ke);
            trim(&vs, &ve);
            for (int i = 0; i < K__COUNT; i++) {
                if ((size_t)(ke - ks) == strlen(key_names[i]) &&
                    !strncmp(ks, key_names[i], (size_t)(ke - ks))) {
                    char *v = fbs_strndup(vs, (size_t)(ve - vs));

                    if (!v)
                        return fbs_error_set(FBS_ENOMEM, "out of memory");
                    free_wiped(out->v[i]);
                    out->v[i] = v;
                }
            }
        }
    }
    return 0;
}

/* Read a whole (small) file; *out stays NULL when it does not exist. */
static int read_small_file(char **out, size_t *len, const char *path)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd, rc = 0;

    *out = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return fbs_error_set(FBS_EIO, "cannot read '%s': %s", path, strerror(errno));
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = fbs_error_set(FBS_EIO, "cannot read '%s': not a regular file", path);
        goto done;
    }
    if ((uint64_t)st.st_size > MAX_FILE_SIZE) {
        rc = fbs_error_set(FBS_EIO, "cannot read '%s': larger than %zu bytes", path, MAX_FILE_SIZE);
        goto done;
    }
    buf = fbs_malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fbs_error_set(FBS_EIO, "cannot read '%s': %s", path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    buf = NULL;
done:
    if (buf) {
        fbs_wipe(buf, got);
        fbs_free(buf);
    }
    close(fd);
    return rc;
}

/* One profile's section from one file (credentials: "[name]"; config: "[profile name]"). */
static int load_section(struct section *out, const char *path, const char *profile, bool config)
{
    char *text = NULL, *hdr = NULL;
    size_t len = 0;
    int rc;

    rc = read_small_file(&text, &len, path);
    if (rc < 0 || !text)
        return rc;
    if (config) {
        struct fbs_buf b = FBS_BUF_INIT;

        rc = fbs_buf_printf(&b, "profile %s", profile);
        hdr = rc == 0 ? fbs_buf_detach(&b) : NULL;
        fbs_buf_release(&b);
        if (!hdr) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        rc = parse_section(out, text, len, hdr, !strcmp(profile, "default") ? "default" : NULL);
    } else {
        rc = parse_section(out, text, len, profile, NULL);
    }
done:
    fbs_wipe(text, len);
    fbs_free(text);
    fbs_free(hdr);
    return rc;
}

static int file_path(struct fbs_buf *out, const char *explicit_path, const char *home,
                     const char *name)
{
    if (explicit_path && *explicit_path)
        return fbs_buf_puts(out, explicit_path);
    if (home && *home)
        return fbs_buf_printf(out, "%s/.aws/%s", home, name);
    return 0;
}

/* Region names go into host names: lowercase letters, digits and dashes only. */
static bool region_ok(const char *r)
{
    if (!*r || strlen(r) > 32)
        return false;
    for (; *r; r++)
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '-'))
            return false;
    return true;
}

static int set_copy(char **field, const char *v)
{
    *field = fbs_strdup(v);
    return *field ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

int fbs_aws_creds_resolve(struct fbs_aws_creds *out, const struct fbs_aws_env *env,
                          const char *profile, const char *region)
{
    struct fbs_buf cred_path = FBS_BUF_INIT, conf_path = FBS_BUF_INIT, src = FBS_BUF_INIT;
    struct section cred = {0}, conf = {0};
    const char *prof = nonempty(profile);
    const char *akid = NULL, *secret = NULL, *token = NULL, *reg = NULL;
    bool use_env;
    int rc;

    fbs_aws_creds_init(out);
    use_env = !prof && nonempty(env->access_key_id) && nonempty(env->secret_access_key);
    if (!prof)
        prof = nonempty(env->profile) ? env->profile : "default";
    rc = file_path(&cred_path, env->shared_credentials_file, env->home, "credentials");
    if (rc == 0)
        rc = file_path(&conf_path, env->config_file, env->home, "config");
    if (rc < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    /* The config file gives the region even when the keys come from the environment. */
    if (conf_path.len && (rc = load_section(&conf, conf_path.ptr, prof, true)) < 0)
        goto done;
    if (use_env) {
        akid = env->access_key_id;
        secret = env->secret_access_key;
        token = nonempty(env->session_token);
        rc = fbs_buf_puts(&src, "environment (AWS_ACCESS_KEY_ID)");
    } else {
        if (cred_path.len && (rc = load_section(&cred, cred_path.ptr, prof, false)) < 0)
            goto done;
        if (cred.v[K_ACCESS_KEY_ID] || cred.v[K_SECRET_ACCESS_KEY]) {
            akid = cred.v[K_ACCESS_KEY_ID];
            secret = cred.v[K_SECRET_ACCESS_KEY];
            token = nonempty(cred.v[K_SESSION_TOKEN]);
            rc = fbs_buf_printf(&src, "profile '%s' in '%s'", prof, cred_path.ptr);
        } else if (conf.v[K_ACCESS_KEY_ID] || conf.v[K_SECRET_ACCESS_KEY]) {
            akid = conf.v[K_ACCESS_KEY_ID];
            secret = conf.v[K_SECRET_ACCESS_KEY];
            token = nonempty(conf.v[K_SESSION_TOKEN]);
            rc = fbs_buf_printf(&src, "profile '%s' in '%s'", prof, conf_path.ptr);
        } else {
            int k;

            for (k = K_ROLE_ARN; k < K__COUNT; k++)
                if (cred.v[k] || conf.v[k])
                    break;
            if (k < K__COUNT) {
                rc = fbs_error_set(
                    FBS_EUNSUPPORTED,
                    "profile '%s' gets its credentials through %s, which fallback-scan does "
                    "not do; export static or temporary keys (AWS_ACCESS_KEY_ID, "
                    "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), e.g. with 'aws configure "
                    "export-credentials --format env'",
                    prof, key_names[k]);
            } else if (cred.found || conf.found) {
                rc = fbs_error_set(FBS_ENOTFOUND, "profile '%s' has no aws_access_key_id", prof);
            } else if (nonempty(profile) || nonempty(env->profile)) {
                rc = fbs_error_set(FBS_ENOTFOUND, "profile '%s' not found in '%s' or '%s'", prof,
                                   cred_path.len ? cred_path.ptr : "~/.aws/credentials",
                                   conf_path.len ? conf_path.ptr : "~/.aws/config");
            } else {
                rc = fbs_error_set(FBS_ENOTFOUND, "no AWS credentials: set AWS_ACCESS_KEY_ID and "
                                                  "AWS_SECRET_ACCESS_KEY, or give --profile");
            }
            goto done;
        }
    }
    if (rc < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (!nonempty(akid) || !nonempty(secret)) {
        rc = fbs_error_set(FBS_EINVAL, "%s: %s is missing", src.ptr,
                           nonempty(akid) ? "the secret access key" : "the access key id");
        goto done;
    }
    reg = nonempty(region);
    if (!reg)
        reg = nonempty(env->region);
    if (!reg)
        reg = nonempty(env->default_region);
    if (!reg)
        reg = nonempty(conf.v[K_REGION]);
    if (reg && !region_ok(reg)) {
        rc = fbs_error_set(FBS_EINVAL, "invalid AWS region '%.40s'", reg);
        goto done;
    }
    if ((rc = set_copy(&out->access_key_id, akid)) < 0 ||
        (rc = set_copy(&out->secret_access_key, secret)) < 0 ||
        (token && (rc = set_copy(&out->session_token, token)) < 0) ||
        (reg && (rc = set_copy(&out->region, reg)) < 0))
        goto done;
    out->source = fbs_buf_detach(&src);
    if (!out->source)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
done:
    if (rc < 0)
        fbs_aws_creds_release(out);
    section_release(&cred);
    section_release(&conf);
    fbs_buf_release(&cred_path);
    fbs_buf_release(&conf_path);
    fbs_buf_release(&src);
    return rc;
}
