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
 * What limits the identity policies (aws_policy_eval_limited): a permissions boundary, and the
 * service control policies of each level of the organization (root, each OU, the account). The
 * effective permissions are the intersection: a shape above is evidence only when every limit
 * lets it through too. A limit lets an action through when one of its Allow statements names it
 * (Action, or a NotAction that does not) on every resource (on IAM resources for IAM actions)
 * and none of its unconditional Deny statements removes it; at one SCP level, the SCPs attached
 * there count together (one of them must allow). "Every action on every resource" stays that
 * only under limits that allow every action and deny none; under limits that each allow every
 * action but some, it is "every action but what they exclude" (still administrator); under a
 * narrower limit only the IAM write actions it lets through are evidence. What a limit took away
 * is said in `notes`, naming the limit (and the SCP whose Deny removed it).
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

/*
 * Append a formatted string to `v` (a vector of owned strings); with `unique`, not when an equal
 * string is there already. 1 appended, 0 not, FBS_ENOMEM.
 */
static int push_vformat(struct fbs_vec *v, bool unique, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int push_vformat(struct fbs_vec *v, bool unique, const char *fmt, va_list ap)
{
    struct fbs_buf b = FBS_BUF_INIT;
    char *s;

    s = fbs_buf_vprintf(&b, fmt, ap) == 0 ? fbs_buf_detach(&b) : NULL;
    fbs_buf_release(&b);
    for (size_t i = 0; s && unique && i < v->len; i++)
        if (!strcmp(v->items[i], s)) {
            fbs_free(s);
            return 0;
        }
    if (!s || fbs_vec_push(v, s) < 0) {
        fbs_free(s);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 1;
}

static int add_evidence(struct fbs_vec *ev, size_t *n, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (*n >= MAX_EVIDENCE_PER_DOC)
        return 0;
    va_start(ap, fmt);
    rc = push_vformat(ev, false, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return rc;
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

static const json_t *statements(const json_t *j)
{
    return json_object_get(j, "Statement");
}

/* The statements of a parsed document, object or array, one by one. */
static size_t st_count(const json_t *doc)
{
    const json_t *st = statements(doc);

    return json_is_object(st) ? 1 : json_is_array(st) ? json_array_size(st) : 0;
}

static const json_t *st_get(const json_t *doc, size_t i)
{
    const json_t *st = statements(doc);
    const json_t *e = json_is_object(st) ? st : json_array_get(st, i);

    return json_is_object(e) ? e : NULL;
}

/* Whether a string-or-array of action patterns covers `a`. */
static bool patterns_cover(const json_t *v, const char *a)
{
    size_t j;
    json_t *e;

    if (json_is_string(v))
        return action_match(json_string_value(v), a);
    json_array_foreach(v, j, e)
    {
        if (json_is_string(e) && action_match(json_string_value(e), a))
            return true;
    }
    return false;
}

/* One limit, parsed: a permissions boundary or one SCP level. */
struct lim {
    const char *label;
    const char *const *labels;
    json_t **parsed;
    size_t n;
    struct denies d;
    bool all;   /* allows every action on every resource and denies nothing */
    bool broad; /* allows every action but some on every resource */
};

static bool res_every(const json_t *st)
{
    return any_string(json_object_get(st, "Resource"), is_star) ||
           json_object_get(st, "NotResource") != NULL;
}

static bool is_allow(const json_t *st)
{
    const json_t *effect = json_object_get(st, "Effect");

    return json_is_string(effect) && !strcmp(json_string_value(effect), "Allow");
}

static void lim_prepare(struct lim *l)
{
    bool star = false, notaction = false;

    memset(&l->d, 0, sizeof(l->d));
    for (size_t k = 0; k < l->n; k++)
        for (size_t i = 0; i < st_count(l->parsed[k]); i++) {
            const json_t *st = st_get(l->parsed[k], i);
            const json_t *action, *na;

            if (!st)
                continue;
            collect_deny(&l->d, st);
            if (!is_allow(st) || !res_every(st))
                continue;
            action = json_object_get(st, "Action");
            na = json_object_get(st, "NotAction");
            if (action && any_string(action, all_actions))
                star = true;
            else if (na && !any_string(na, all_actions))
                notaction = true;
        }
    l->all = star && !l->d.all && l->d.n == 0;
    l->broad = !l->d.all && (star || notaction);
}

/* Whether the limit lets `a` through (on IAM resources when `iam`, else on every resource). */
static bool lim_allows(const struct lim *l, const char *a, bool iam)
{
    if (denied(&l->d, a))
        return false;
    for (size_t k = 0; k < l->n; k++)
        for (size_t i = 0; i < st_count(l->parsed[k]); i++) {
            const json_t *st = st_get(l->parsed[k], i);
            const json_t *action, *na;

            if (!st || !is_allow(st))
                continue;
            if (!res_every(st) && !(iam && any_string(json_object_get(st, "Resource"), covers_iam)))
                continue;
            action = json_object_get(st, "Action");
            na = json_object_get(st, "NotAction");
            if ((action && patterns_cover(action, a)) || (na && !action && !patterns_cover(na, a)))
                return true;
        }
    return false;
}

/* Why the limit stops `a`: "SCP 'X' denies it" or "<limit> does not allow it". */
static void lim_why(char *out, size_t size, const struct lim *l, const char *a)
{
    for (size_t k = 0; k < l->n; k++) {
        struct denies one;

        memset(&one, 0, sizeof(one));
        for (size_t i = 0; i < st_count(l->parsed[k]); i++)
            if (st_get(l->parsed[k], i))
                collect_deny(&one, st_get(l->parsed[k], i));
        if (denied(&one, a)) {
            snprintf(out, size, "%s denies it", l->labels[k]);
            return;
        }
    }
    snprintf(out, size, "%s %s not allow it", l->label, l->n > 1 ? "do" : "does");
}

struct ectx {
    const struct denies *d;
    const struct lim *lims;
    size_t nlims;
    struct fbs_vec *notes;
};

/* The first limit that stops `a`, or NULL. */
static const struct lim *lims_block(const struct ectx *c, const char *a, bool iam)
{
    for (size_t i = 0; i < c->nlims; i++)
        if (!lim_allows(&c->lims[i], a, iam))
            return &c->lims[i];
    return NULL;
}

static bool lims_all(const struct ectx *c, bool broad)
{
    for (size_t i = 0; i < c->nlims; i++)
        if (!(broad ? c->lims[i].broad : c->lims[i].all))
            return false;
    return true;
}

/* "permissions boundary 'B', the SCPs on OU ou-1 (P)" */
static void lims_names(char *out, size_t size, const struct ectx *c)
{
    size_t n = 0;

    /* Only the limits that take something away (not those allowing all and denying nothing). */
    out[0] = '\0';
    for (size_t i = 0; i < c->nlims && n < size; i++) {
        int w;

        if (c->lims[i].all)
            continue;
        w = snprintf(out + n, size - n, "%s%s", n ? ", " : "", c->lims[i].label);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

static int add_note(const struct ectx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int add_note(const struct ectx *c, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (!c->notes || c->notes->len >= 8)
        return 0;
    va_start(ap, fmt);
    rc = push_vformat(c->notes, true, fmt, ap);
    va_end(ap);
    return rc < 0 ? rc : 0;
}

/*
 * The first sensitive IAM action the statement allows, that no Deny removes and every limit
 * lets through, or NULL. *stopped gets the first one only a limit stopped (or NULL).
 */
static const char *iam_write_allowed(const json_t *action, bool self_only, const struct ectx *c,
                                     const char **stopped)
{
    const struct denies *d = c->d;

    if (stopped)
        *stopped = NULL;
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
        if (!allowed || denied(d, a))
            continue;
        if (!lims_block(c, a, true))
            return a;
        if (stopped && !*stopped)
            *stopped = a;
    }
    return NULL;
}

/* Evidence for an "every action" statement (`except`: its NotAction list, or NULL) under limits
 * that are not all "allow everything". */
static int eval_all_limited(struct fbs_vec *ev, size_t *n, const struct ectx *c, const char *what,
                            const char *label, const json_t *except, const char *cond)
{
    char names[400], why[400] = "a limit";
    const char *a = NULL;

    lims_names(names, sizeof(names), c);
    if (lims_all(c, true))
        return add_evidence(ev, n,
                            "%s allows %s on every resource%s, within %s: every action but the "
                            "ones they exclude",
                            label, what, cond, names);
    for (size_t i = 0; iam_write_actions[i] && !a; i++) {
        const char *x = iam_write_actions[i];

        if ((except && patterns_cover(except, x)) || denied(c->d, x) || lims_block(c, x, true))
            continue;
        a = x;
    }
    if (a)
        return add_evidence(ev, n,
                            "%s allows %s on every resource%s, and %s still let through IAM "
                            "write action '%s'",
                            label, what, cond, names, a);
    for (size_t i = 0; i < c->nlims; i++)
        if (!c->lims[i].broad) {
            snprintf(why, sizeof(why), "%s", c->lims[i].label);
            break;
        }
    return add_note(c,
                    "%s allows %s on every resource, but %s allows no administrator or IAM write "
                    "action: what it grants is limited to that",
                    label, what, why);
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
                          const struct ectx *c)
{
    const struct denies *d = c->d;
    const json_t *action = json_object_get(st, "Action");
    const json_t *notaction = json_object_get(st, "NotAction");
    const json_t *resource = json_object_get(st, "Resource");
    char cond[200], why[400];
    const char *a, *stopped;
    bool res_all, res_iam, res_other;

    if (!is_allow(st))
        return 0;
    render_condition(cond, sizeof(cond), st);
    /* NotResource: every resource but some, as broad as "*" for this purpose. */
    res_all = res_every(st);
    res_iam = res_all || any_string(resource, covers_iam);
    res_other = res_all || any_string(resource, covers_iam_beyond_self);
    if (action && any_string(action, all_actions)) {
        if (d->all)
            return 0;
        if (res_all && !lims_all(c, false))
            return eval_all_limited(ev, n, c,
                                    d->n ? "every action ('*') but the ones its Deny "
                                           "statements name"
                                         : "every action ('*')",
                                    label, NULL, cond);
        if (res_all && d->n == 0)
            return add_evidence(ev, n, "%s allows every action ('*') on every resource ('*')%s",
                                label, cond);
        if (res_all)
            return add_evidence(ev, n,
                                "%s allows every action ('*') on every resource ('*') but the "
                                "ones its Deny statements name%s",
                                label, cond);
        if (res_iam && (a = iam_write_allowed(action, !res_other, c, &stopped)))
            return add_evidence(ev, n, "%s allows every action ('*') on IAM resources%s", label,
                                cond);
        if (res_iam && stopped) {
            lim_why(why, sizeof(why), lims_block(c, stopped, true), stopped);
            return add_note(c,
                            "%s allows every action on IAM resources, but for IAM write action "
                            "'%s' %s",
                            label, stopped, why);
        }
        return 0;
    }
    if (notaction && res_all) {
        char list[160], what[200];

        if (any_string(notaction, all_actions) || d->all)
            return 0;
        render_list(list, sizeof(list), notaction);
        if (!lims_all(c, false)) {
            snprintf(what, sizeof(what), "every action except %s (NotAction)", list);
            return eval_all_limited(ev, n, c, what, label, notaction, cond);
        }
        return add_evidence(ev, n,
                            "%s allows every action except %s (NotAction) on every "
                            "resource%s",
                            label, list, cond);
    }
    if (!res_iam || !action)
        return 0;
    a = iam_write_allowed(action, !res_other, c, &stopped);
    if (a)
        return add_evidence(ev, n, "%s allows IAM write action '%s'%s", label,
                            pattern_for(action, a), cond);
    if (stopped) {
        lim_why(why, sizeof(why), lims_block(c, stopped, true), stopped);
        return add_note(c, "%s allows IAM write action '%s', but %s", label,
                        pattern_for(action, stopped), why);
    }
    return 0;
}

/* Parse documents; *unreadable when one is NULL or not a policy. NULL on ENOMEM. */
static json_t **parse_docs(const char *const *docs, size_t ndocs, bool *unreadable)
{
    json_t **parsed = fbs_calloc(ndocs ? ndocs : 1, sizeof(*parsed));

    if (!parsed)
        return NULL;
    for (size_t k = 0; k < ndocs; k++) {
        const json_t *st;

        parsed[k] = docs[k] ? json_loads(docs[k], JSON_REJECT_DUPLICATES, NULL) : NULL;
        st = statements(parsed[k]);
        if (!json_is_object(parsed[k]) || !(json_is_object(st) || json_is_array(st)))
            *unreadable = true;
    }
    return parsed;
}

static void free_docs(json_t **parsed, size_t n)
{
    for (size_t k = 0; parsed && k < n; k++)
        json_decref(parsed[k]);
    fbs_free(parsed);
}

int aws_policy_eval_limited(struct fbs_vec *evidence, struct fbs_vec *notes,
                            const char *const *docs, const char *const *labels, size_t ndocs,
                            const struct aws_policy_limit *limits, size_t nlimits, bool *unreadable)
{
    struct denies d;
    struct lim *lims = NULL;
    struct ectx c;
    json_t **parsed;
    size_t k, i, nl = 0;
    int rc = 0;

    *unreadable = false;
    memset(&d, 0, sizeof(d));
    parsed = parse_docs(docs, ndocs, unreadable);
    if (!parsed)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (nlimits && !(lims = fbs_calloc(nlimits, sizeof(*lims)))) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < nlimits; i++) {
        bool bad = false;
        json_t **lp = parse_docs(limits[i].docs, limits[i].ndocs, &bad);

        if (!lp) {
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
        if (bad) { /* an unknown document may allow anything: this limit limits nothing */
            free_docs(lp, limits[i].ndocs);
            continue;
        }
        lims[nl].label = limits[i].label;
        lims[nl].labels = limits[i].labels;
        lims[nl].n = limits[i].ndocs;
        lims[nl].parsed = lp;
        lim_prepare(&lims[nl++]);
    }
    /* A Deny in any policy of the principal removes what it covers from all of them. */
    for (k = 0; k < ndocs; k++)
        for (i = 0; i < st_count(parsed[k]); i++)
            if (st_get(parsed[k], i))
                collect_deny(&d, st_get(parsed[k], i));
    c.d = &d;
    c.lims = lims;
    c.nlims = nl;
    c.notes = notes;
    for (k = 0; rc == 0 && k < ndocs; k++) {
        size_t n = 0;

        for (i = 0; rc == 0 && i < st_count(parsed[k]); i++)
            if (st_get(parsed[k], i))
                rc = eval_statement(evidence, &n, st_get(parsed[k], i), labels[k], &c);
    }
done:
    for (k = 0; lims && k < nl; k++)
        free_docs(lims[k].parsed, lims[k].n);
    fbs_free(lims);
    free_docs(parsed, ndocs);
    return rc;
}

int aws_policy_eval_set(struct fbs_vec *evidence, const char *const *docs,
                        const char *const *labels, size_t ndocs, bool *unreadable)
{
    return aws_policy_eval_limited(evidence, NULL, docs, labels, ndocs, NULL, 0, unreadable);
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
