/*
 * inv_azure.c - Azure (Microsoft Entra ID) record builders: the passwordCredentials (client
 * secrets) and keyCredentials (certificates) of Microsoft Graph application and servicePrincipal
 * objects (`az ad app list`, `az ad sp list`, GET /v1.0/applications), and bare credential lists
 * (`az ad app credential list --id APP [--cert]`). Used by the inventory and the live collector.
 *
 * Identifier: the credential's keyId (a GUID). Never read: secretText (only ever returned when a
 * secret is created), hint (the secret's first three characters), key (certificate bytes).
 */
#include "cloud_records.h"
#include "inventory.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define AZURE_FROM "azure_graph"

static const char secret_remediation[] =
    "Remove the client secret (az ad app credential delete --id APP --key-id KEY_ID) and use a "
    "managed identity, workload identity federation or a certificate kept in a key vault; a "
    "break-glass secret should expire within days and its sign-ins should alert.";
static const char cert_remediation[] =
    "Remove the certificate credential when it is not in use (az ad app credential delete --id "
    "APP --key-id KEY_ID --cert); keep its private key in a key vault and give it a short "
    "validity.";

/* The owning object: an application or a service principal, or unknown (bare lists). */
struct owner {
    const char *collection; /* "applications" or "servicePrincipals" */
    const char *type;       /* "application" or "service_principal" */
    const char *id, *app_id, *name;
    const json_t *obj; /* NULL for a bare list */
};

/* Descriptions and tags of the owning object: the fallback vocabulary reads them. */
static int owner_names(struct fbs_finding *f, const struct owner *o)
{
    static const char *const fields[] = {"displayName", "appDisplayName", "description", "notes",
                                         NULL};
    const json_t *tags;
    size_t i;
    int rc = 0;

    if (!o->obj)
        return 0;
    for (i = 0; rc == 0 && fields[i]; i++)
        rc = fbs_cloud_record_names(f, fbs_cloud_str(o->obj, fields[i]));
    tags = json_object_get(o->obj, "tags");
    for (i = 0; rc == 0 && i < json_array_size(tags); i++)
        rc = fbs_cloud_record_names(f, json_string_value(json_array_get(tags, i)));
    return rc;
}

static int add_credential(struct fbs_cloud_set *s, const struct owner *o, const json_t *c,
                          bool cert, size_t idx, const char *origin)
{
    const char *key_id = fbs_cloud_str(c, "keyId"), *dn = fbs_cloud_str(c, "displayName");
    const char *what = cert ? "keyCredentials" : "passwordCredentials";
    char *resource;
    struct fbs_cloud_record_spec spec;
    struct fbs_finding *f = NULL;
    const json_t *enabled;
    fbs_time_t t;
    json_t *az;
    int rc;

    if (!json_is_object(c) || !key_id || !*key_id) {
        fbs_cloud_item_error(s, origin, "%s %zu of '%s': no 'keyId'", what, idx,
                             o->name     ? o->name
                             : o->app_id ? o->app_id
                                         : "?");
        return 0;
    }
    resource = fbs_cloud_format("https://graph.microsoft.com/v1.0/%s/%s/%s/%s", o->collection,
                                o->id ? o->id : "unknown", what, key_id);
    if (!resource)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    memset(&spec, 0, sizeof(spec));
    spec.source = FBS_SOURCE_AZURE;
    spec.kind = cert ? "azure_certificate_credential" : "azure_client_secret";
    spec.rule_id = cert ? "azure.ad.certificate_credential" : "azure.ad.client_secret";
    spec.rule_name = cert ? "Azure AD certificate credential" : "Azure AD client secret";
    spec.remediation = cert ? cert_remediation : secret_remediation;
    spec.resource = resource;
    spec.identifier = key_id;
    spec.principal = o->name ? o->name : o->app_id;
    spec.origin = origin;
    rc = fbs_cloud_record_new(&f, &spec);
    fbs_free(resource);
    if (rc < 0)
        return rc;
    az = fbs_cloud_record_facts(f, "azure");
    if (!az || json_object_set_new(az, "object_type", json_string(o->type)) < 0 ||
        (o->id && json_object_set_new(az, "object_id", json_string(o->id)) < 0) ||
        (o->app_id && json_object_set_new(az, "app_id", json_string(o->app_id)) < 0) ||
        json_object_set_new(az, "key_id", json_string(key_id)) < 0 ||
        (dn && json_object_set_new(az, "credential_name", json_string(dn)) < 0) ||
        (cert && fbs_cloud_str(c, "type") &&
         json_object_set_new(az, "type", json_string(fbs_cloud_str(c, "type"))) < 0) ||
        (cert && fbs_cloud_str(c, "usage") &&
         json_object_set_new(az, "usage", json_string(fbs_cloud_str(c, "usage"))) < 0)) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto fail;
    }
    rc = fbs_cloud_record_names(f, dn);
    if (rc == 0)
        rc = owner_names(f, o);
    if (rc < 0)
        goto fail;
    /* A disabled service principal cannot sign in with any of its credentials. */
    enabled = json_object_get(o->obj, "accountEnabled");
    if (json_is_false(enabled))
        f->active = 0;
    rc = fbs_cloud_date(&t, c, "startDateTime");
    if (rc > 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_ISSUED, t, AZURE_FROM);
    if (rc == FBS_EPARSE)
        goto item;
    if (rc < 0)
        goto fail;
    rc = fbs_cloud_date(&t, c, "endDateTime");
    if (rc > 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_EXPIRES, t, AZURE_FROM);
    if (rc == FBS_EPARSE)
        goto item;
    if (rc < 0)
        goto fail;
    return fbs_cloud_set_push(s, f);
item:
    fbs_cloud_item_error(s, origin, "%s %s: %s", what, key_id, fbs_error_message());
    fbs_finding_free(f);
    return 0;
fail:
    fbs_finding_free(f);
    return rc;
}

static int add_list(struct fbs_cloud_set *s, const struct owner *o, const json_t *list, bool cert,
                    const char *origin)
{
    size_t i;
    int rc;

    if (!list || json_is_null(list))
        return 0;
    if (!json_is_array(list)) {
        fbs_cloud_item_error(s, origin, "'%s': %s is not an array", o->name ? o->name : "?",
                             cert ? "keyCredentials" : "passwordCredentials");
        return 0;
    }
    for (i = 0; i < json_array_size(list); i++) {
        rc = add_credential(s, o, json_array_get(list, i), cert, i, origin);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool is_service_principal(const json_t *obj)
{
    const char *type = fbs_cloud_str(obj, "@odata.type");

    return json_object_get(obj, "servicePrincipalType") ||
           json_object_get(obj, "servicePrincipalNames") ||
           (type && strstr(type, "servicePrincipal"));
}

static int add_object(struct fbs_cloud_set *s, const json_t *obj, size_t idx, const char *origin)
{
    struct owner o;
    int rc;

    if (!json_is_object(obj)) {
        fbs_cloud_item_error(s, origin, "object %zu: not an object", idx);
        return 0;
    }
    memset(&o, 0, sizeof(o));
    o.obj = obj;
    o.id = fbs_cloud_str(obj, "id");
    o.app_id = fbs_cloud_str(obj, "appId");
    o.name = fbs_cloud_str(obj, "displayName");
    if (is_service_principal(obj)) {
        o.collection = "servicePrincipals";
        o.type = "service_principal";
        /* Role assignments name the service principal; an application's credentials are its. */
        rc = fbs_azure_note_sp(s, o.app_id, o.id);
        if (rc < 0)
            return rc;
    } else {
        o.collection = "applications";
        o.type = "application";
    }
    if (!o.id && !o.app_id) {
        fbs_cloud_item_error(s, origin, "object %zu: no 'id' or 'appId'", idx);
        return 0;
    }
    rc = add_list(s, &o, json_object_get(obj, "passwordCredentials"), false, origin);
    if (rc == 0)
        rc = add_list(s, &o, json_object_get(obj, "keyCredentials"), true, origin);
    return rc;
}

int fbs_azure_add_objects(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    const json_t *items = doc;
    size_t i;
    int rc;

    if (json_is_object(doc) && json_is_array(json_object_get(doc, "value")))
        items = json_object_get(doc, "value");
    else if (json_is_object(doc))
        return add_object(s, doc, 0, origin);
    if (!json_is_array(items))
        return fbs_error_set(FBS_EPARSE, "expected Microsoft Graph application or "
                                         "servicePrincipal objects");
    for (i = 0; i < json_array_size(items); i++) {
        rc = add_object(s, json_array_get(items, i), i, origin);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int fbs_azure_add_credentials(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    const json_t *items = json_is_object(doc) ? json_object_get(doc, "value") : doc;
    const json_t *first = json_array_get(items, 0);
    struct owner o;
    bool cert;

    if (!json_is_array(items))
        return fbs_error_set(FBS_EPARSE, "expected an array of credentials");
    memset(&o, 0, sizeof(o));
    o.collection = "applications";
    o.type = "application";
    /* keyCredentials carry a type and a usage; passwordCredentials neither. */
    cert = json_object_get(first, "usage") || json_object_get(first, "type");
    return add_list(s, &o, items, cert, origin);
}

/* --- inventory formats ---------------------------------------------------------------------- */

static bool match_objects(const json_t *doc)
{
    const json_t *first = fbs_inventory_first(doc, "value", true);

    return first && (json_object_get(first, "id") || json_object_get(first, "appId")) &&
           (json_object_get(first, "passwordCredentials") ||
            json_object_get(first, "keyCredentials"));
}

/* A saved page of a longer Graph listing: its records are read, but the inventory is partial. */
static void next_link_note(struct fbs_cloud_set *s, const json_t *doc, const char *origin)
{
    if (fbs_cloud_str(doc, "@odata.nextLink"))
        fbs_cloud_item_error(s, origin,
                             "the export is one page of a longer listing ('@odata.nextLink' is "
                             "set): the other pages were not read");
}

static int add_objects_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    next_link_note(s, doc, origin);
    return fbs_azure_add_objects(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_azure_objects = {
    .name = "azure_applications",
    .describes = "az ad app list / az ad sp list (or GET /v1.0/applications, /servicePrincipals)",
    .match_json = match_objects,
    .add_json = add_objects_json,
};

static bool match_credentials(const json_t *doc)
{
    const json_t *first = fbs_inventory_first(doc, "value", false);

    return first && fbs_cloud_str(first, "keyId") && !json_object_get(first, "appId") &&
           (json_object_get(first, "endDateTime") || json_object_get(first, "startDateTime"));
}

static int add_credentials_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    next_link_note(s, doc, origin);
    return fbs_azure_add_credentials(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_azure_credentials = {
    .name = "azure_credentials",
    .describes = "az ad app credential list --id APP [--cert]",
    .match_json = match_credentials,
    .add_json = add_credentials_json,
};
