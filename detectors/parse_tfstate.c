/*
 * parse_tfstate.c - Terraform state (terraform.tfstate and its backups): the resource instance
 * that holds the secret says when the credential was made and what it belongs to.
 *
 * State is JSON: resources[] -> instances[] -> attributes{}. The instance whose attributes hold
 * the secret as a whole string value is the credential's resource: its create_date (or
 * creation_date / created_at / create_time) is the credential's own issue date; an
 * aws_iam_access_key's status says whether it is active; the resource type, module, name and
 * owning user go to the facts, and the names (user, resource name, module) to f->names so that
 * fallback and privilege vocabulary there counts ("module.breakglass", user "breakglass-admin").
 */
#include "detector.h"
#include "../scanner/core/error.h"

#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_STATE (64u << 20)

static bool holds_secret(json_t *attrs, const struct fbs_finding *f)
{
    const char *key;
    json_t *v;

    json_object_foreach(attrs, key, v)
    {
        if (json_is_string(v) && json_string_length(v) == f->secret_len &&
            !memcmp(json_string_value(v), f->secret, f->secret_len))
            return true;
    }
    return false;
}

static const char *created(json_t *attrs)
{
    static const char *const keys[] = {"create_date", "creation_date", "created_at",
                                       "create_time", "created",       NULL};
    size_t i;

    for (i = 0; keys[i]; i++)
        if (json_is_string(json_object_get(attrs, keys[i])))
            return json_string_value(json_object_get(attrs, keys[i]));
    return NULL;
}

static int append_name(struct fbs_finding *f, const char *s)
{
    size_t n = f->names ? strlen(f->names) : 0, m;
    char buf[512];

    if (!s || !*s)
        return 0;
    m = strlen(s);
    if (n + m + 2 > sizeof(buf))
        return 0;
    snprintf(buf, sizeof(buf), "%s%s%s", n ? f->names : "", n ? " " : "", s);
    return fbs_finding_set_str(&f->names, buf);
}

static int describe(struct fbs_finding *f, json_t *res, json_t *attrs)
{
    const char *type = json_string_value(json_object_get(res, "type"));
    const char *name = json_string_value(json_object_get(res, "name"));
    const char *module = json_string_value(json_object_get(res, "module"));
    const char *user = json_string_value(json_object_get(attrs, "user"));
    const char *status = json_string_value(json_object_get(attrs, "status"));
    const char *when = created(attrs);
    json_t *fact;
    fbs_time_t t;
    int rc = 0;

    fact = json_pack("{s:s?, s:s?, s:s?, s:s?}", "resource_type", type, "name", name, "module",
                     module, "user", user);
    if (!fact || json_object_set_new(f->facts, "terraform", fact) < 0)
        return FBS_ENOMEM;
    if (when && fbs_time_parse(&t, when) == 0 && !f->has_issued) {
        f->issued = t;
        f->has_issued = true;
        if (json_object_set_new(f->facts, "issued_from", json_string("terraform_state")) < 0)
            return FBS_ENOMEM;
    }
    if (status && type && !strcmp(type, "aws_iam_access_key"))
        f->active = !strcmp(status, "Active");
    rc = append_name(f, module);
    if (rc == 0)
        rc = append_name(f, name);
    if (rc == 0)
        rc = append_name(f, user);
    return rc;
}

static int tfstate_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const struct fbs_blob *b = ctx->blob;
    json_error_t err;
    json_t *doc, *res, *inst;
    size_t i, j;
    int rc = 0;

    if (!b || !f->secret || !f->rel_path || !strstr(f->rel_path, ".tfstate") ||
        b->len > MAX_STATE || b->binary)
        return 0;
    doc = json_loadb((const char *)b->data, b->len, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        return fbs_error_set(FBS_EPARSE, "terraform state: line %d: %s", err.line, err.text);
    json_array_foreach(json_object_get(doc, "resources"), i, res)
    {
        json_array_foreach(json_object_get(res, "instances"), j, inst)
        {
            json_t *attrs = json_object_get(inst, "attributes");

            if (json_is_object(attrs) && holds_secret(attrs, f)) {
                rc = describe(f, res, attrs);
                goto done;
            }
        }
    }
done:
    json_decref(doc);
    return rc;
}

const struct fbs_detector fbs_detector_tfstate = {
    .name = "tfstate",
    .stage = FBS_STAGE_PARSE,
    .kinds = NULL,
    .run = tfstate_run,
};
