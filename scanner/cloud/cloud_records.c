/*
 * cloud_records.c - the record set, the helpers every builder uses, and the joins applied once
 * all inputs are in (see cloud_records.h).
 */
#include "cloud_records.h"
#include "k8s_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/banned.h"

int fbs_cloud_set_init(struct fbs_cloud_set *s, struct fbs_diags *diags)
{
    memset(s, 0, sizeof(*s));
    fbs_vec_init(&s->records);
    s->diags = diags;
    s->gcp_accounts = json_object();
    s->gcp_roles = json_object();
    s->k8s_rbac = json_object();
    s->gcp_grants = json_object();
    s->gcp_ancestry = json_object();
    s->azure_assignments = json_object();
    s->azure_role_defs = json_object();
    s->azure_sps = json_object();
    if (!s->gcp_accounts || !s->gcp_roles || !s->k8s_rbac || !s->gcp_grants || !s->gcp_ancestry ||
        !s->azure_assignments || !s->azure_role_defs || !s->azure_sps) {
        fbs_cloud_set_release(s);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

void fbs_cloud_set_release(struct fbs_cloud_set *s)
{
    fbs_vec_release(&s->records, fbs_finding_free_v);
    json_decref(s->gcp_accounts);
    json_decref(s->gcp_roles);
    json_decref(s->k8s_rbac);
    s->gcp_accounts = s->gcp_roles = s->k8s_rbac = NULL;
    json_decref(s->gcp_grants);
    json_decref(s->gcp_ancestry);
    json_decref(s->azure_assignments);
    json_decref(s->azure_role_defs);
    json_decref(s->azure_sps);
    s->gcp_grants = s->gcp_ancestry = NULL;
    s->azure_assignments = s->azure_role_defs = s->azure_sps = NULL;
}

int fbs_cloud_set_push(struct fbs_cloud_set *s, struct fbs_finding *f)
{
    if (fbs_vec_push(&s->records, f) < 0) {
        fbs_finding_free(f);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

int fbs_cloud_record_new(struct fbs_finding **out, const struct fbs_cloud_record_spec *spec)
{
    struct fbs_finding *f = fbs_finding_new();

    *out = NULL;
    if (!f)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (fbs_finding_set_str(&f->rule_id, spec->rule_id) < 0 ||
        fbs_finding_set_str(&f->rule_name, spec->rule_name) < 0 ||
        fbs_finding_set_str(&f->kind, spec->kind) < 0 ||
        fbs_finding_set_str(&f->remediation, spec->remediation) < 0 ||
        fbs_finding_set_str(&f->resource, spec->resource) < 0 ||
        fbs_finding_set_str(&f->key, spec->principal) < 0 ||
        fbs_finding_set_secret(f, spec->identifier, strlen(spec->identifier)) < 0 ||
        (spec->origin &&
         json_object_set_new(f->facts, "inventory_file", json_string(spec->origin)) < 0)) {
        fbs_finding_free(f);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    f->source = spec->source;
    f->active = 1;
    f->interactive = false;
    f->privilege = FBS_PRIV_UNKNOWN;
    f->rule_privilege = FBS_PRIV_UNKNOWN;
    *out = f;
    return 0;
}

int fbs_cloud_record_date(struct fbs_finding *f, enum fbs_cloud_date which, fbs_time_t t,
                          const char *from)
{
    static const char *const from_keys[] = {"issued_from", "expires_from", "last_used_from"};

    switch (which) {
    case FBS_CLOUD_ISSUED:
        f->issued = t;
        f->has_issued = true;
        break;
    case FBS_CLOUD_EXPIRES:
        f->expires = t;
        f->has_expires = true;
        break;
    case FBS_CLOUD_LAST_USED:
        f->last_used = t;
        f->has_last_used = true;
        break;
    }
    if (json_object_set_new(f->facts, from_keys[which], json_string(from)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_cloud_record_no_expiry(struct fbs_finding *f, const char *from)
{
    f->has_expires = false;
    if (json_object_set_new(f->facts, "no_expiry", json_true()) < 0 ||
        json_object_set_new(f->facts, "expires_from", json_string(from)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_cloud_record_privilege(struct fbs_finding *f, enum fbs_privilege p, const char *evidence)
{
    json_t *ev;
    size_t i;

    if (p > f->privilege)
        f->privilege = p;
    if (!evidence)
        return 0;
    ev = json_object_get(f->facts, "privilege_evidence");
    if (!ev) {
        ev = json_array();
        if (!ev || json_object_set_new(f->facts, "privilege_evidence", ev) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    for (i = 0; i < json_array_size(ev); i++)
        if (!strcmp(json_string_value(json_array_get(ev, i)), evidence))
            return 0;
    if (json_array_append_new(ev, json_string(evidence)) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

int fbs_cloud_record_names(struct fbs_finding *f, const char *text)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char *joined;

    if (!text || !*text)
        return 0;
    if ((f->names && (fbs_buf_puts(&b, f->names) < 0 || fbs_buf_putc(&b, ' ') < 0)) ||
        fbs_buf_puts(&b, text) < 0) {
        fbs_buf_release(&b);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    joined = fbs_buf_detach(&b);
    if (!joined)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    fbs_free(f->names);
    f->names = joined;
    return 0;
}

json_t *fbs_cloud_record_facts(struct fbs_finding *f, const char *name)
{
    json_t *o = json_object_get(f->facts, name);

    if (json_is_object(o))
        return o;
    o = json_object();
    if (!o || json_object_set_new(f->facts, name, o) < 0)
        return NULL;
    return o;
}

char *fbs_cloud_format(const char *fmt, ...)
{
    struct fbs_buf b = FBS_BUF_INIT;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = fbs_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return NULL;
    return fbs_buf_detach(&b);
}

const char *fbs_cloud_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int fbs_cloud_date(fbs_time_t *out, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v) && !json_string_length(v))
        return 0;
    if (!json_is_string(v))
        return fbs_error_set(FBS_EPARSE, "'%s': not a date string", key);
    if (fbs_time_parse(out, json_string_value(v)) < 0)
        return fbs_error_set(FBS_EPARSE, "'%s': not an ISO-8601 date: '%.40s'", key,
                             json_string_value(v));
    return 1;
}

void fbs_cloud_json_wipe(json_t *v)
{
    const char *k;
    json_t *m;
    size_t i;

    if (json_is_string(v)) {
        /* jansson owns the bytes; overwriting them in place keeps the length valid. */
        fbs_wipe((char *)json_string_value(v), json_string_length(v));
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, m) fbs_cloud_json_wipe(m);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) fbs_cloud_json_wipe(m);
    }
}

void fbs_cloud_item_error(struct fbs_cloud_set *s, const char *origin, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (!s->diags)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fbs_diags_add(s->diags, true, "inventory_item", origin, "%s", msg);
}

int fbs_cloud_read_file(struct fbs_buf *out, const char *path, uint64_t max_size)
{
    struct stat st;
    /* Non-blocking: opening a FIFO nobody writes to would otherwise block forever. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    bool stream;
    int rc = 0;

    if (fd < 0)
        return fbs_error_set(FBS_EIO, "%s", strerror(errno));
    if (fstat(fd, &st) < 0) {
        rc = fbs_error_set(FBS_EIO, "%s", strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = fbs_error_set(FBS_EIO, "is a directory (give the export files)");
        goto done;
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) {
        rc = fbs_error_set(FBS_EIO, "not a regular file, pipe or character device");
        goto done;
    }
    /* A pipe, FIFO or device is read as long as data keeps coming (<(aws ...) works), but a
     * writer that never writes must not hang the run: each wait is bounded. */
    stream = !S_ISREG(st.st_mode);
    for (;;) {
        ssize_t n;

        if (stream) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int pr = poll(&pfd, 1, FBS_CLOUD_READ_IDLE_S * 1000);

            if (pr < 0 && errno == EINTR)
                continue;
            if (pr < 0) {
                rc = fbs_error_set(FBS_EIO, "%s", strerror(errno));
                goto done;
            }
            if (pr == 0) {
                rc = fbs_error_set(FBS_EIO,
                                   "no data for %d s (a FIFO or pipe nobody writes to?): not read",
                                   FBS_CLOUD_READ_IDLE_S);
                goto done;
            }
        }

        if (max_size && out->len >= max_size) {
            char probe;

            /* Exactly max_size bytes is fine; one more is too large. */
            if (read(fd, &probe, 1) > 0) {
                rc = fbs_error_set(FBS_EIO, "larger than %llu bytes (see --max-file-size)",
                                   (unsigned long long)max_size);
                goto done;
            }
            break;
        }
        if (fbs_buf_grow(out, 65536) < 0) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        n = read(fd, out->ptr + out->len,
                 max_size && max_size - out->len < 65536 ? (size_t)(max_size - out->len) : 65536);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue; /* EAGAIN: a stream polled readable raced; poll again */
        if (n < 0) {
            rc = fbs_error_set(FBS_EIO, "%s", strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
        out->ptr[out->len] = '\0';
    }
done:
    close(fd);
    return rc;
}

/* --- joins ---------------------------------------------------------------------------------- */

static int join_gcp(struct fbs_cloud_set *s, struct fbs_finding *f)
{
    json_t *gcp = json_object_get(f->facts, "gcp");
    const char *email = fbs_cloud_str(gcp, "service_account");
    const json_t *acct, *roles;
    char ev[512];
    size_t i, inherited = 0;
    int rc;

    if (!email)
        return 0;
    acct = json_object_get(s->gcp_accounts, email);
    if (acct) {
        rc = fbs_cloud_record_names(f, fbs_cloud_str(acct, "names"));
        if (rc < 0)
            return rc;
        if (json_is_true(json_object_get(acct, "disabled"))) {
            f->active = 0;
            if (json_object_set_new(gcp, "service_account_disabled", json_true()) < 0)
                return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
    }
    rc = fbs_gcp_join_inherited(s, f, gcp, email, &inherited);
    if (rc < 0)
        return rc;
    roles = json_object_get(s->gcp_roles, email);
    if (!json_array_size(roles) && !inherited)
        return 0;
    if (json_array_size(roles) && json_object_set(gcp, "roles", (json_t *)roles) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; i < json_array_size(roles); i++) {
        const char *role = json_string_value(json_array_get(roles, i));

        if (fbs_gcp_role_is_high(role)) {
            snprintf(ev, sizeof(ev), "service account %s has %s in the project IAM policy", email,
                     role);
            rc = fbs_cloud_record_privilege(f, FBS_PRIV_HIGH, ev);
            if (rc < 0)
                return rc;
        }
    }
    if (f->privilege == FBS_PRIV_UNKNOWN) {
        snprintf(ev, sizeof(ev), "service account %s has only non-administrative %s", email,
                 inherited ? "roles on the project and its ancestors" : "project roles");
        return fbs_cloud_record_privilege(f, FBS_PRIV_NORMAL, ev);
    }
    return 0;
}

int fbs_cloud_set_finish(struct fbs_cloud_set *s)
{
    size_t i;
    int rc = 0;

    for (i = 0; rc == 0 && i < s->records.len; i++) {
        struct fbs_finding *f = s->records.items[i];

        if (f->source == FBS_SOURCE_GCP)
            rc = join_gcp(s, f);
        else if (f->source == FBS_SOURCE_KUBERNETES)
            rc = fbs_k8s_join(s, f);
        else if (f->source == FBS_SOURCE_AZURE)
            rc = fbs_azure_join(s, f);
    }
    if (rc == 0 && s->skipped_system_keys && s->diags)
        fbs_diags_add(s->diags, false, "gcp_system_managed_keys", NULL,
                      "%lu Google-managed service account key(s) not reported: Google rotates "
                      "them and their private half never leaves Google",
                      s->skipped_system_keys);
    return rc;
}
