/*
 * aws_policy.c - is an IAM policy document high privilege?
 *
 * Not a full policy evaluator: a reader of the statements for the three shapes that make a
 * principal an administrator or able to become one:
 *   - every action on every resource ("Action": "*", "Resource": "*"; AdministratorAccess);
 *   - NotAction on every resource (everything except a list: PowerUserAccess-like);
 *   - IAM write actions that grant privileges (create keys or passwords for others, attach or
 *     write policies, pass roles, change trust or boundaries) on IAM resources or "*": whoever
 *     holds them can make themselves an administrator.
 * What the document takes away is evaluated too:
 *   - Deny statements without a Condition, on every resource, remove what they cover, in every
 *     policy of the principal (aws_policy_eval_set): "Allow *" with "Deny *" grants nothing, and
 *     an IAM write action is evidence only when no such Deny covers it. A Deny under a
 *     Condition may not apply, so it removes nothing.
 *   - resource scope: creating or changing access keys and passwords on "${aws:username}" only
 *     is managing one's own credentials, not reaching anyone else's; attaching a policy to
 *     oneself is still escalation. Non-IAM resources (an S3 bucket) never make IAM evidence.
 *   - an Allow under a Condition is still evidence, and the evidence says which condition keys
 *     it depends on: a reviewer decides whether they hold.
 */
#include "aws_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define MAX_EVIDENCE_PER_DOC 4

/* IAM actions that let the holder escalate its own privileges (lowercase). */
static const char *const iam_write_actions[] = {
    "iam:createaccesskey",
    "iam:updateaccesskey",
    "iam:createloginprofile",
    "iam:updateloginprofile",
    "iam:createuser",
    "iam:createrole",
    "iam:attachuserpolicy",
    "iam:attachgrouppolicy",
    "iam:attachrolepolicy",
    "iam:putuserpolicy",
    "iam:putgrouppolicy",
    "iam:putrolepolicy",
    "iam:createpolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:addusertogroup",
    "iam:updateassumerolepolicy",
    "iam:passrole",
    "iam:putuserpermissionsboundary",
    "iam:putrolepermissionsboundary",
    "iam:deleteuserpermissionsboundary",
    "iam:deleterolepermissionsboundary",
    NULL,
};

/* Actions that, on the caller's own user only, manage the caller's own credentials. */
static const char *const self_credential_actions[] = {
    "iam:createaccesskey",
    "iam:updateaccesskey",
    "iam:createloginprofile",
    "iam:updateloginprofile",
    NULL,
};

static bool is_self_credential_action(const char *a)
{
    for (size_t i = 0; self_credential_actions[i]; i++)
        if (!strcmp(a, self_credential_actions[i]))
            return true;
    return false;
}

/* Case-insensitive match of an IAM action pattern ('*' any run, '?' one character). */
static bool action_match(const char *pat, const char *s)
{
    const char *star = NULL, *resume = NULL;

    while (*s) {
        if (*pat == '*') {
            star = pat++;
            resume = s;
        } else if (*pat == '?' || (*pat && tolower((unsigned char)*pat) == *s)) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return !*pat;
}

static bool all_actions(const char *a)
{
    return !strcmp(a, "*") || !strcmp(a, "*:*");
}

/* Whether a resource pattern can name IAM users, roles, groups or policies. */
static bool covers_iam(const char *r)
{
    const char *p = r;
    int field = 0;

    if (!strcmp(r, "*"))
        return true;
    if (strncmp(r, "arn:", 4) != 0)
        return false;
    /* arn:PARTITION:SERVICE:...: the service field is the third. */
    while (*p && field < 2)
        if (*p++ == ':')
            field++;
    return !strncmp(p, "iam:", 4) || *p == '*';
}

/* Call `fn` on each string of a string-or-array value; stops on true. */
static bool any_string(const json_t *v, bool (*fn)(const char *s))
{
    size_t i;
    json_t *e;

    if (json_is_string(v))
        return fn(json_string_value(v));
    json_array_foreach(v, i, e)
    {
        if (json_is_string(e) && fn(json_string_value(e)))
            return true;
    }
    return false;
}

static bool is_star(const char *s)
{
    return !strcmp(s, "*");
}

static int add_evidence(struct fbs_vec *ev, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int add_evidence(struct fbs_vec *ev, size_t *n, const char *fmt, ...)
{
    struct fbs_buf b = FBS_BUF_INIT;
    va_list ap;
    char *s;
    int rc;

    if (*n >= MAX_EVIDENCE_PER_DOC)
        return 0;
    va_start(ap, fmt);
    rc = fbs_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    s = rc == 0 ? fbs_buf_detach(&b) : NULL;
    fbs_buf_release(&b);
    if (!s || fbs_vec_push(ev, s) < 0) {
        fbs_free(s);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    (*n)++;
    return 0;
}

/* A short, printable rendering of a string-or-array value for evidence text. */
static void render_list(char *out, size_t size, const json_t *v)
{
    size_t i, n = 0;
    json_t *e;

    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, size, "'%s'", json_string_value(v));
        return;
    }
    json_array_foreach(v, i, e)
    {
        int w;

        if (!json_is_string(e))
            continue;
        w = snprintf(out + n, size - n, "%s'%s'", n ? ", " : "", json_string_value(e));
        if (w < 0 || (size_t)w >= size - n) {
            if (size > 4)
                memcpy(out + size - 4, "...", 4);
            return;
        }
        n += (size_t)w;
    }
}

/* The unconditional Deny statements on every resource: their Action patterns. */
struct denies {
    const json_t *actions[32];
    size_t n;
    bool all; /* a Deny of every action on every resource */
};

static bool denied(const struct denies *d, const char *action)
{
    size_t i, j;
    json_t *e;

    if (d->all)
        return true;
    for (i = 0; i < d->n; i++) {
        const json_t *v = d->actions[i];

        if (json_is_string(v) && action_match(json_string_value(v), action))
            return true;
        json_array_foreach(v, j, e)
        {
            if (json_is_string(e) && action_match(json_string_value(e), action))
                return true;
        }
    }
    return false;
}

static void collect_deny(struct denies *d, const json_t *st)
{
    const json_t *effect = json_object_get(st, "Effect");
    const json_t *action = json_object_get(st, "Action");

    if (!json_is_string(effect) || strcmp(json_string_value(effect), "Deny") != 0 ||
        json_object_get(st, "Condition") || !any_string(json_object_get(st, "Resource"), is_star))
        return;
    if (action && any_string(action, all_actions))
        d->all = true;
    else if (action && d->n < sizeof(d->actions) / sizeof(d->actions[0]))
        d->actions[d->n++] = action;
}

/* Whether a resource pattern names IAM resources other than the caller's own user. */
static bool covers_iam_beyond_self(const char *r)
{
    return covers_iam(r) && !strstr(r, "${aws:username}");
}

/* ", under condition keys 'aws:MultiFactorAuthPresent'" or "" */
static void render_condition(char *out, size_t size, const json_t *st)
{
    const json_t *cond = json_object_get(st, "Condition"), *ops;
    const char *op, *key;
    json_t *v;
    size_t n = 0;

    out[0] = '\0';
    if (!json_is_object(cond))
        return;
    n = (size_t)snprintf(out, size, " (only under a condition on");
    json_object_foreach((json_t *)cond, op, ops)
    {
        json_object_foreach((json_t *)ops, key, v)
        {
            int w;

            if (n >= size)
                break;
            w = snprintf(out + n, size - n, " '%s'", key);
            if (w < 0)
                break;
            n += (size_t)w;
        }
    }
    if (n < size)
        snprintf(out + n, size - n, ")");
    if (n >= size - 1 && size > 4)
        memcpy(out + size - 5, "...)", 5);
}

/* The first sensitive IAM action the statement allows, that no Deny removes, or NULL. */
static const char *iam_write_allowed(const json_t *action, bool self_only, const struct denies *d)
{
    for (size_t i = 0; iam_write_actions[i]; i++) {
        const char *a = iam_write_actions[i];
        size_t j;
        json_t *e;
        bool allowed = false;

        if (self_only && is_self_credential_action(a))
            continue;
        if (json_is_string(action))
            allowed = action_match(json_string_value(action), a);
        json_array_foreach(action, j, e)
        {
            if (!allowed && json_is_string(e))
                allowed = action_match(json_string_value(e), a);
        }
        if (allowed && !denied(d, a))
            return a;
    }
    return NULL;
}

/* The pattern in `action` that covers `a` (for evidence text). */
static const char *pattern_for(const json_t *action, const char *a)
{
    size_t j;
    json_t *e;

    if (json_is_string(action))
        return json_string_value(action);
    json_array_foreach(action, j, e)
    {
        if (json_is_string(e) && action_match(json_string_value(e), a))
            return json_string_value(e);
    }
    return a;
}

static int eval_statement(struct fbs_vec *ev, size_t *n, const json_t *st, const char *label,
                          const struct denies *d)
{
    const json_t *effect = json_object_get(st, "Effect");
    const json_t *action = json_object_get(st, "Action");
    const json_t *notaction = json_object_get(st, "NotAction");
    const json_t *resource = json_object_get(st, "Resource");
    char cond[200];
    const char *a;
    bool res_all, res_iam, res_other;

    if (!json_is_string(effect) || strcmp(json_string_value(effect), "Allow") != 0)
        return 0;
    render_condition(cond, sizeof(cond), st);
    /* NotResource: every resource but some, as broad as "*" for this purpose. */
    res_all = any_string(resource, is_star) || json_object_get(st, "NotResource") != NULL;
    res_iam = res_all || any_string(resource, covers_iam);
    res_other = res_all || any_string(resource, covers_iam_beyond_self);
    if (action && any_string(action, all_actions)) {
        if (d->all)
            return 0;
        if (res_all && d->n == 0)
            return add_evidence(ev, n, "%s allows every action ('*') on every resource ('*')%s",
                                label, cond);
        if (res_all)
            return add_evidence(ev, n,
                                "%s allows every action ('*') on every resource ('*') but the "
                                "ones its Deny statements name%s",
                                label, cond);
        if (res_iam && (a = iam_write_allowed(json_object_get(st, "Action"), !res_other, d)))
            return add_evidence(ev, n, "%s allows every action ('*') on IAM resources%s", label,
                                cond);
        return 0;
    }
    if (notaction && res_all) {
        char list[160];

        if (any_string(notaction, all_actions) || d->all)
            return 0;
        render_list(list, sizeof(list), notaction);
        return add_evidence(ev, n,
                            "%s allows every action except %s (NotAction) on every "
                            "resource%s",
                            label, list, cond);
    }
    if (!res_iam || !action)
        return 0;
    a = iam_write_allowed(action, !res_other, d);
    if (a)
        return add_evidence(ev, n, "%s allows IAM write action '%s'%s", label,
                            pattern_for(action, a), cond);
    return 0;
}

static const json_t *statements(const json_t *j)
{
    return json_object_get(j, "Statement");
}

int aws_policy_eval_set(struct fbs_vec *evidence, const char *const *docs,
                        const char *const *labels, size_t ndocs, bool *unreadable)
{
    struct denies d;
    json_t **parsed;
    const json_t *st, *e;
    size_t i, k;
    int rc = 0;

    *unreadable = false;
    memset(&d, 0, sizeof(d));
    parsed = ndocs ? fbs_calloc(ndocs, sizeof(*parsed)) : NULL;
    if (ndocs && !parsed)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    /* A Deny in any policy of the principal removes what it covers from all of them. */
    for (k = 0; k < ndocs; k++) {
        parsed[k] = docs[k] ? json_loads(docs[k], JSON_REJECT_DUPLICATES, NULL) : NULL;
        st = statements(parsed[k]);
        if (!json_is_object(parsed[k]) || !(json_is_object(st) || json_is_array(st))) {
            *unreadable = true;
            continue;
        }
        if (json_is_object(st))
            collect_deny(&d, st);
        json_array_foreach(st, i, e)
        {
            if (json_is_object(e))
                collect_deny(&d, e);
        }
    }
    for (k = 0; rc == 0 && k < ndocs; k++) {
        size_t n = 0;

        st = statements(parsed[k]);
        if (json_is_object(st))
            rc = eval_statement(evidence, &n, st, labels[k], &d);
        json_array_foreach(st, i, e)
        {
            if (rc == 0 && json_is_object(e))
                rc = eval_statement(evidence, &n, e, labels[k], &d);
        }
    }
    for (k = 0; k < ndocs; k++)
        json_decref(parsed[k]);
    fbs_free(parsed);
    return rc;
}

int aws_policy_eval(struct fbs_vec *evidence, const char *doc, const char *label)
{
    bool bad;
    int rc = aws_policy_eval_set(evidence, &doc, &label, 1, &bad);

    if (rc == 0 && bad)
        rc = fbs_error_set(FBS_EPARSE, "%s: not a policy document with a Statement", label);
    return rc;
}

bool aws_policy_is_admin_arn(const char *arn)
{
    const char *slash;

    if (!arn || strncmp(arn, "arn:", 4) != 0 || !strstr(arn, ":iam::aws:policy/"))
        return false;
    slash = strrchr(arn, '/');
    return slash && !strcmp(slash + 1, "AdministratorAccess");
}
