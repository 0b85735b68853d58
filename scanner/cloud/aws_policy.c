/*
 * aws_policy.c - is an IAM policy document high privilege?
 *
 * Not a policy evaluator: a reader of Allow statements for the three shapes that make a
 * principal an administrator or able to become one:
 *   - every action on every resource ("Action": "*", "Resource": "*"; AdministratorAccess);
 *   - NotAction on every resource (everything except a list: PowerUserAccess-like);
 *   - IAM write actions that grant privileges (create keys or passwords for others, attach or
 *     write policies, pass roles, change trust or boundaries) on IAM resources or "*": whoever
 *     holds them can make themselves an administrator.
 * Deny statements and conditions are ignored, so the answer errs towards "high": a reviewer
 * reads the evidence, which names the policy and what it allows.
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

/* The first sensitive IAM action a pattern covers, or NULL. */
static const char *iam_write_covered(const char *pat)
{
    for (size_t i = 0; iam_write_actions[i]; i++)
        if (action_match(pat, iam_write_actions[i]))
            return iam_write_actions[i];
    return NULL;
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

static int eval_statement(struct fbs_vec *ev, size_t *n, const json_t *st, const char *label)
{
    const json_t *effect = json_object_get(st, "Effect");
    const json_t *action = json_object_get(st, "Action");
    const json_t *notaction = json_object_get(st, "NotAction");
    const json_t *resource = json_object_get(st, "Resource");
    bool res_all, res_iam;
    size_t i;
    json_t *e;
    int rc = 0;

    if (!json_is_string(effect) || strcmp(json_string_value(effect), "Allow") != 0)
        return 0;
    /* NotResource: every resource but some, as broad as "*" for this purpose. */
    res_all = any_string(resource, is_star) || json_object_get(st, "NotResource") != NULL;
    res_iam = res_all || any_string(resource, covers_iam);
    if (action && any_string(action, all_actions)) {
        if (res_all)
            return add_evidence(ev, n, "%s allows every action ('*') on every resource ('*')",
                                label);
        if (res_iam)
            return add_evidence(ev, n, "%s allows every action ('*') on IAM resources", label);
        return 0;
    }
    if (notaction && res_all) {
        char list[160];

        if (any_string(notaction, all_actions))
            return 0;
        render_list(list, sizeof(list), notaction);
        return add_evidence(ev, n,
                            "%s allows every action except %s (NotAction) on every "
                            "resource",
                            label, list);
    }
    if (!res_iam || !action)
        return 0;
    if (json_is_string(action)) {
        const char *a = json_string_value(action);

        if (iam_write_covered(a))
            rc = add_evidence(ev, n, "%s allows IAM write action '%s'", label, a);
        return rc;
    }
    json_array_foreach(action, i, e)
    {
        const char *a = json_string_value(e);

        if (a && iam_write_covered(a)) {
            /* One piece of evidence per statement is enough for a reader. */
            return add_evidence(ev, n, "%s allows IAM write action '%s'", label, a);
        }
    }
    return 0;
}

int aws_policy_eval(struct fbs_vec *evidence, const char *doc, const char *label)
{
    json_t *j, *st, *e;
    size_t i, n = 0;
    int rc = 0;

    j = json_loads(doc, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return fbs_error_set(FBS_EPARSE, "%s: not a policy document", label);
    }
    st = json_object_get(j, "Statement");
    if (json_is_object(st)) {
        rc = eval_statement(evidence, &n, st, label);
    } else if (json_is_array(st)) {
        json_array_foreach(st, i, e)
        {
            if (json_is_object(e) && (rc = eval_statement(evidence, &n, e, label)) < 0)
                break;
        }
    } else {
        rc = fbs_error_set(FBS_EPARSE, "%s: policy document has no Statement", label);
    }
    json_decref(j);
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
