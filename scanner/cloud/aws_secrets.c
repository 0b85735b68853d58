/*
 * aws_secrets.c - Secrets Manager ListSecrets responses (JSON 1.1) into structures.
 *
 * The API omits RotationEnabled when rotation is off and LastAccessedDate when the secret was
 * never read (emulators send null); dates are epoch seconds, integral or fractional, in the API
 * and ISO-8601 strings in CLI exports: both are accepted.
 */
#include "aws_int.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <math.h>
#include <string.h>

#include "../core/banned.h"

static void tag_free(void *p)
{
    struct aws_tag *t = p;

    if (!t)
        return;
    fbs_free(t->key);
    fbs_free(t->value);
    fbs_free(t);
}

void aws_secret_free(void *p)
{
    struct aws_secret *s = p;

    if (!s)
        return;
    fbs_free(s->name);
    fbs_free(s->arn);
    fbs_free(s->description);
    fbs_free(s->kms_key_id);
    fbs_free(s->owning_service);
    fbs_vec_release(&s->tags, tag_free);
    fbs_free(s);
}

static int dup_str(char **out, const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));

    *out = NULL;
    if (!v || !*v)
        return 0;
    *out = fbs_strdup(v);
    return *out ? 0 : fbs_error_set(FBS_ENOMEM, "out of memory");
}

static bool get_date(fbs_time_t *out, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);

        if (n < 0 || n > (json_int_t)253402300799)
            return false;
        *out = (fbs_time_t)n;
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);

        if (!isfinite(d) || d < 0 || d > 253402300799.0)
            return false;
        *out = (fbs_time_t)floor(d);
        return true;
    }
    return json_is_string(v) && aws_parse_date(out, json_string_value(v)) == 0;
}

static int parse_tags(struct fbs_vec *tags, const json_t *arr)
{
    size_t i;
    json_t *e;

    json_array_foreach(arr, i, e)
    {
        const char *k = json_string_value(json_object_get(e, "Key"));
        const char *v = json_string_value(json_object_get(e, "Value"));
        struct aws_tag *t;

        if (!k)
            continue;
        t = fbs_calloc(1, sizeof(*t));
        if (!t)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        t->key = fbs_strdup(k);
        t->value = fbs_strdup(v ? v : "");
        if (!t->key || !t->value || fbs_vec_push(tags, t) < 0) {
            tag_free(t);
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        }
    }
    return 0;
}

/* A rotation schedule "rate(N days)" or "rate(N hours)" as whole days (hours rounded up); -1
 * for a cron() schedule or anything else (the period then comes from the rotation dates). */
static long long schedule_days(const char *expr)
{
    long long n = 0;
    int digits = 0;

    if (!expr || strncmp(expr, "rate(", 5) != 0)
        return -1;
    for (expr += 5; *expr == ' '; expr++)
        ;
    for (; *expr >= '0' && *expr <= '9' && n < 100000; expr++, digits++)
        n = n * 10 + (*expr - '0');
    while (*expr == ' ')
        expr++;
    if (!digits || n <= 0)
        return -1;
    if (!strncmp(expr, "day", 3))
        return n;
    if (!strncmp(expr, "hour", 4))
        return (n + 23) / 24;
    return -1;
}

static int parse_secret(struct aws_secret **out, const json_t *e)
{
    struct aws_secret *s = fbs_calloc(1, sizeof(*s));
    const json_t *days;
    int rc;

    *out = NULL;
    if (!s)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if ((rc = dup_str(&s->name, e, "Name")) < 0 || (rc = dup_str(&s->arn, e, "ARN")) < 0 ||
        (rc = dup_str(&s->description, e, "Description")) < 0 ||
        (rc = dup_str(&s->kms_key_id, e, "KmsKeyId")) < 0 ||
        (rc = dup_str(&s->owning_service, e, "OwningService")) < 0 ||
        (rc = parse_tags(&s->tags, json_object_get(e, "Tags"))) < 0) {
        aws_secret_free(s);
        return rc;
    }
    s->has_created = get_date(&s->created, e, "CreatedDate");
    s->has_last_accessed = get_date(&s->last_accessed, e, "LastAccessedDate");
    s->has_last_rotated = get_date(&s->last_rotated, e, "LastRotatedDate");
    s->has_last_changed = get_date(&s->last_changed, e, "LastChangedDate");
    s->has_deleted = get_date(&s->deleted, e, "DeletedDate");
    s->has_next_rotation = get_date(&s->next_rotation, e, "NextRotationDate");
    s->rotation_enabled = json_is_true(json_object_get(e, "RotationEnabled"));
    days = json_object_get(json_object_get(e, "RotationRules"), "AutomaticallyAfterDays");
    s->rotation_days = json_is_integer(days) && json_integer_value(days) >= 0
                           ? (long long)json_integer_value(days)
                           : schedule_days(json_string_value(json_object_get(
                                 json_object_get(e, "RotationRules"), "ScheduleExpression")));
    if (!s->name || !s->arn) {
        aws_secret_free(s);
        return 0; /* nothing to name it by: skipped */
    }
    *out = s;
    return 0;
}

int aws_secrets_page(struct fbs_vec *secrets, char **next_token, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *j, *list, *e;
    size_t i;
    int rc = 0;

    *next_token = NULL;
    j = json_loadb(text, len, 0, &jerr);
    if (!j)
        return fbs_error_set(FBS_EPARSE, "malformed JSON at line %d: %s", jerr.line, jerr.text);
    list = json_object_get(j, "SecretList");
    if (!json_is_object(j) || (list && !json_is_array(list))) {
        rc = fbs_error_set(FBS_EPARSE, "not a ListSecrets response");
        goto done;
    }
    json_array_foreach(list, i, e)
    {
        struct aws_secret *s;

        if (!json_is_object(e))
            continue;
        rc = parse_secret(&s, e);
        if (rc < 0)
            goto done;
        if (s && fbs_vec_push(secrets, s) < 0) {
            aws_secret_free(s);
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            goto done;
        }
    }
    rc = dup_str(next_token, j, "NextToken");
done:
    json_decref(j);
    return rc;
}
