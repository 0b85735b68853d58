/*
 * aws_iam.c - IAM Query API responses (XML trees from aws_xml.c) into structures.
 *
 * Each function reads one page of one action's response. Elements AWS documents as optional are
 * optional here too; an element of the wrong kind is simply absent. Policy documents come
 * percent-encoded (RFC 3986) from IAM; some emulators send them raw, so a document that already
 * starts with '{' is taken as is.
 */
#include "aws_int.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/banned.h"

static int oom(void)
{
    return fbs_error_set(FBS_ENOMEM, "out of memory");
}

void aws_policy_free(void *p)
{
    struct aws_policy *pol = p;

    if (!pol)
        return;
    fbs_free(pol->name);
    fbs_free(pol->arn);
    fbs_free(pol->doc);
    fbs_free(pol);
}

static void tag_free(void *p)
{
    struct aws_tag *t = p;

    if (!t)
        return;
    fbs_free(t->key);
    fbs_free(t->value);
    fbs_free(t);
}

void aws_principal_free(void *p)
{
    struct aws_principal *u = p;

    if (!u)
        return;
    fbs_free(u->name);
    fbs_free(u->id);
    fbs_free(u->arn);
    fbs_free(u->path);
    fbs_free(u->description);
    fbs_vec_release(&u->inline_policies, aws_policy_free);
    fbs_vec_release(&u->attached, aws_policy_free);
    fbs_vec_release(&u->groups, fbs_free);
    fbs_vec_release(&u->tags, tag_free);
    fbs_free(u->last_used_region);
    fbs_free(u->trust_doc);
    fbs_free(u->boundary_arn);
    fbs_free(u);
}

void aws_access_key_free(void *p)
{
    struct aws_access_key *k = p;

    if (!k)
        return;
    fbs_free(k->id);
    fbs_free(k->status);
    fbs_free(k->last_used_service);
    fbs_free(k->last_used_region);
    fbs_free(k);
}

void aws_authz_init(struct aws_authz *a)
{
    fbs_vec_init(&a->users);
    fbs_vec_init(&a->groups);
    fbs_vec_init(&a->roles);
    fbs_vec_init(&a->policies);
}

void aws_authz_release(struct aws_authz *a)
{
    fbs_vec_release(&a->users, aws_principal_free);
    fbs_vec_release(&a->groups, aws_principal_free);
    fbs_vec_release(&a->roles, aws_principal_free);
    fbs_vec_release(&a->policies, aws_policy_free);
}

/* A copy of the text at `path` under x into *out (NULL when absent or empty). */
static int dup_text(char **out, const struct aws_xml *x, const char *path)
{
    const char *t = aws_xml_text(x, path);

    *out = NULL;
    if (!t || !*t)
        return 0;
    *out = fbs_strdup(t);
    return *out ? 0 : oom();
}

static void get_date(fbs_time_t *out, bool *has, const struct aws_xml *x, const char *path)
{
    *has = aws_parse_date(out, aws_xml_text(x, path)) == 0;
}

/* A policy document as text: decoded from percent-encoding unless it is already JSON. */
static int dup_doc(char **out, const struct aws_xml *x, const char *path)
{
    const char *t = aws_xml_text(x, path);
    char *d;

    *out = NULL;
    if (!t || !*t)
        return 0;
    d = fbs_strdup(t);
    if (!d)
        return oom();
    if (*d != '{')
        aws_url_decode(d, strlen(d));
    *out = d;
    return 0;
}

/* The <Action>Result element of an <Action>Response document. */
static const struct aws_xml *result_of(const struct aws_xml *doc, const char *action)
{
    char name[96];
    size_t n = strlen(action);

    if (!doc || n + sizeof("Response") > sizeof(name))
        return NULL;
    memcpy(name, action, n);
    memcpy(name + n, "Response", sizeof("Response"));
    if (strcmp(doc->name, name) != 0)
        return NULL;
    memcpy(name + n, "Result", sizeof("Result"));
    return aws_xml_child(doc, name);
}

static int not_a(const struct aws_xml *doc, const char *action)
{
    return fbs_error_set(FBS_EPARSE, "not a %s response (root element '%.60s')", action,
                         doc ? doc->name : "");
}

/* IsTruncated / Marker of a result. */
static int get_marker(char **marker, const struct aws_xml *result)
{
    const char *t = aws_xml_text(result, "IsTruncated");

    *marker = NULL;
    if (!t || strcmp(t, "true") != 0)
        return 0;
    if (dup_text(marker, result, "Marker") < 0)
        return FBS_ENOMEM;
    if (!*marker)
        return fbs_error_set(FBS_EPARSE, "IsTruncated is true but there is no Marker");
    return 0;
}

static int push(struct fbs_vec *v, void *item, void (*free_item)(void *))
{
    if (fbs_vec_push(v, item) < 0) {
        free_item(item);
        return oom();
    }
    return 0;
}

static int parse_tags(struct fbs_vec *tags, const struct aws_xml *list)
{
    const struct aws_xml *m;

    for (m = aws_xml_child(list, "member"); m; m = aws_xml_next(m)) {
        struct aws_tag *t;
        const char *k = aws_xml_text(m, "Key");

        if (!k)
            continue;
        t = fbs_calloc(1, sizeof(*t));
        if (!t)
            return oom();
        t->key = fbs_strdup(k);
        t->value = fbs_strdup(aws_xml_text(m, "Value") ? aws_xml_text(m, "Value") : "");
        if (!t->key || !t->value) {
            tag_free(t);
            return oom();
        }
        if (push(tags, t, tag_free) < 0)
            return FBS_ENOMEM;
    }
    return 0;
}

/* Inline policies (PolicyName + PolicyDocument) or attached ones (PolicyName + PolicyArn). */
static int parse_policies(struct fbs_vec *out, const struct aws_xml *list, bool inline_docs)
{
    const struct aws_xml *m;

    for (m = aws_xml_child(list, "member"); m; m = aws_xml_next(m)) {
        struct aws_policy *p = fbs_calloc(1, sizeof(*p));

        if (!p)
            return oom();
        if (dup_text(&p->name, m, "PolicyName") < 0 ||
            (inline_docs ? dup_doc(&p->doc, m, "PolicyDocument")
                         : dup_text(&p->arn, m, "PolicyArn")) < 0) {
            aws_policy_free(p);
            return FBS_ENOMEM;
        }
        if (!p->name && !p->arn) {
            aws_policy_free(p);
            continue;
        }
        if (push(out, p, aws_policy_free) < 0)
            return FBS_ENOMEM;
    }
    return 0;
}

/* The fields users, groups and roles share; `kind` is "User", "Group" or "Role". */
static int parse_principal(struct aws_principal **out, const struct aws_xml *m, const char *kind)
{
    struct aws_principal *p = fbs_calloc(1, sizeof(*p));
    char name_el[32], id_el[32], list_el[48];
    int rc;

    *out = NULL;
    if (!p)
        return oom();
    snprintf(name_el, sizeof(name_el), "%sName", kind);
    snprintf(id_el, sizeof(id_el), "%sId", kind);
    snprintf(list_el, sizeof(list_el), "%sPolicyList", kind);
    if ((rc = dup_text(&p->name, m, name_el)) < 0 || (rc = dup_text(&p->id, m, id_el)) < 0 ||
        (rc = dup_text(&p->arn, m, "Arn")) < 0 || (rc = dup_text(&p->path, m, "Path")) < 0 ||
        (rc = dup_text(&p->description, m, "Description")) < 0 ||
        (rc = parse_policies(&p->inline_policies, aws_xml_child(m, list_el), true)) < 0 ||
        (rc = parse_policies(&p->attached, aws_xml_child(m, "AttachedManagedPolicies"), false)) <
            0 ||
        (rc = parse_tags(&p->tags, aws_xml_child(m, "Tags"))) < 0)
        goto fail;
    get_date(&p->created, &p->has_created, m, "CreateDate");
    get_date(&p->password_last_used, &p->has_password_last_used, m, "PasswordLastUsed");
    for (const struct aws_xml *g = aws_xml_path(m, "GroupList/member"); g; g = aws_xml_next(g)) {
        char *name;

        if (!*g->text.ptr)
            continue;
        name = fbs_strdup(g->text.ptr);
        if (!name || fbs_vec_push(&p->groups, name) < 0) {
            fbs_free(name);
            rc = oom();
            goto fail;
        }
    }
    get_date(&p->last_used, &p->has_last_used, m, "RoleLastUsed/LastUsedDate");
    if ((rc = dup_text(&p->last_used_region, m, "RoleLastUsed/Region")) < 0 ||
        (rc = dup_doc(&p->trust_doc, m, "AssumeRolePolicyDocument")) < 0 ||
        (rc = dup_text(&p->boundary_arn, m, "PermissionsBoundary/PermissionsBoundaryArn")) < 0)
        goto fail;
    if (!p->name) {
        aws_principal_free(p);
        return 0; /* nothing to name it by: skipped */
    }
    *out = p;
    return 0;
fail:
    aws_principal_free(p);
    return rc;
}

static int parse_principals(struct fbs_vec *out, const struct aws_xml *list, const char *kind)
{
    const struct aws_xml *m;

    for (m = aws_xml_child(list, "member"); m; m = aws_xml_next(m)) {
        struct aws_principal *p;
        int rc = parse_principal(&p, m, kind);

        if (rc < 0)
            return rc;
        if (p && push(out, p, aws_principal_free) < 0)
            return FBS_ENOMEM;
    }
    return 0;
}

/* A managed policy with its default version's document. */
static int parse_managed(struct fbs_vec *out, const struct aws_xml *list)
{
    const struct aws_xml *m, *v;

    for (m = aws_xml_child(list, "member"); m; m = aws_xml_next(m)) {
        struct aws_policy *p = fbs_calloc(1, sizeof(*p));
        const char *def = aws_xml_text(m, "DefaultVersionId");

        if (!p)
            return oom();
        if (dup_text(&p->name, m, "PolicyName") < 0 || dup_text(&p->arn, m, "Arn") < 0) {
            aws_policy_free(p);
            return FBS_ENOMEM;
        }
        for (v = aws_xml_path(m, "PolicyVersionList/member"); v && !p->doc; v = aws_xml_next(v)) {
            const char *isdef = aws_xml_text(v, "IsDefaultVersion");
            const char *vid = aws_xml_text(v, "VersionId");

            if ((isdef && !strcmp(isdef, "true")) || (def && vid && !strcmp(def, vid))) {
                if (dup_doc(&p->doc, v, "Document") < 0) {
                    aws_policy_free(p);
                    return FBS_ENOMEM;
                }
            }
        }
        if (!p->arn) {
            aws_policy_free(p);
            continue;
        }
        if (push(out, p, aws_policy_free) < 0)
            return FBS_ENOMEM;
    }
    return 0;
}

int aws_iam_authz_page(struct aws_authz *a, char **marker, const struct aws_xml *doc)
{
    const struct aws_xml *r = result_of(doc, "GetAccountAuthorizationDetails");
    int rc;

    *marker = NULL;
    if (!r)
        return not_a(doc, "GetAccountAuthorizationDetails");
    if ((rc = parse_principals(&a->users, aws_xml_child(r, "UserDetailList"), "User")) < 0 ||
        (rc = parse_principals(&a->groups, aws_xml_child(r, "GroupDetailList"), "Group")) < 0 ||
        (rc = parse_principals(&a->roles, aws_xml_child(r, "RoleDetailList"), "Role")) < 0 ||
        (rc = parse_managed(&a->policies, aws_xml_child(r, "Policies"))) < 0)
        return rc;
    return get_marker(marker, r);
}

int aws_iam_users_page(struct fbs_vec *users, char **marker, const struct aws_xml *doc)
{
    const struct aws_xml *r = result_of(doc, "ListUsers");
    int rc;

    *marker = NULL;
    if (!r)
        return not_a(doc, "ListUsers");
    rc = parse_principals(users, aws_xml_child(r, "Users"), "User");
    return rc < 0 ? rc : get_marker(marker, r);
}

int aws_iam_keys_page(struct fbs_vec *keys, char **marker, const struct aws_xml *doc)
{
    const struct aws_xml *r = result_of(doc, "ListAccessKeys"), *m;

    *marker = NULL;
    if (!r)
        return not_a(doc, "ListAccessKeys");
    for (m = aws_xml_path(r, "AccessKeyMetadata/member"); m; m = aws_xml_next(m)) {
        struct aws_access_key *k = fbs_calloc(1, sizeof(*k));

        if (!k)
            return oom();
        if (dup_text(&k->id, m, "AccessKeyId") < 0 || dup_text(&k->status, m, "Status") < 0) {
            aws_access_key_free(k);
            return FBS_ENOMEM;
        }
        get_date(&k->created, &k->has_created, m, "CreateDate");
        if (!k->id) {
            aws_access_key_free(k);
            continue;
        }
        if (push(keys, k, aws_access_key_free) < 0)
            return FBS_ENOMEM;
    }
    return get_marker(marker, r);
}

/* A value of a last-used field, where "N/A" means none. */
static int dup_known(char **out, const struct aws_xml *x, const char *path)
{
    const char *t = aws_xml_text(x, path);

    *out = NULL;
    if (!t || !*t || !strcmp(t, "N/A"))
        return 0;
    *out = fbs_strdup(t);
    return *out ? 0 : oom();
}

int aws_iam_key_last_used(struct aws_access_key *k, const struct aws_xml *doc)
{
    const struct aws_xml *r = result_of(doc, "GetAccessKeyLastUsed");
    const struct aws_xml *u = aws_xml_child(r, "AccessKeyLastUsed");

    if (!r)
        return not_a(doc, "GetAccessKeyLastUsed");
    fbs_free(k->last_used_service);
    fbs_free(k->last_used_region);
    k->last_used_service = k->last_used_region = NULL;
    get_date(&k->last_used, &k->has_last_used, u, "LastUsedDate");
    if (dup_known(&k->last_used_service, u, "ServiceName") < 0 ||
        dup_known(&k->last_used_region, u, "Region") < 0)
        return FBS_ENOMEM;
    k->last_used_known = true;
    return 0;
}

int aws_iam_mfa_page(size_t *count, char **marker, const struct aws_xml *doc)
{
    const struct aws_xml *r = result_of(doc, "ListMFADevices"), *m;

    *marker = NULL;
    if (!r)
        return not_a(doc, "ListMFADevices");
    for (m = aws_xml_path(r, "MFADevices/member"); m; m = aws_xml_next(m))
        (*count)++;
    return get_marker(marker, r);
}

long long aws_iam_summary_value(const struct aws_xml *doc, const char *key)
{
    const struct aws_xml *r = result_of(doc, "GetAccountSummary"), *e;

    for (e = aws_xml_path(r, "SummaryMap/entry"); e; e = aws_xml_next(e)) {
        const char *k = aws_xml_text(e, "key"), *v = aws_xml_text(e, "value");
        char *end;
        long long n;

        if (!k || !v || strcmp(k, key) != 0)
            continue;
        n = strtoll(v, &end, 10);
        return end != v && !*end && n >= 0 ? n : -1;
    }
    return -1;
}
