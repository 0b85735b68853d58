/*
 * inv_vault.c - HashiCorp Vault record builder: token lookups (`vault token lookup
 * -format=json`, `vault token lookup -accessor A -format=json`, or the lookup-accessor API), one
 * document or many. Used by the inventory and the live collector.
 *
 * Identifier: the token's accessor (it can look a token up or revoke it, not use it). The token
 * itself (`id`, present in a self lookup) is wiped in the parsed document and never read. A root
 * token (policy "root") has every privilege and, created by `vault operator init` or
 * `generate-root`, is the textbook fallback credential; ttl 0 with no expire_time means it
 * never expires. Tokens carry no last-used time.
 *
 * Privilege reads the token's `policies` and its entity's `identity_policies` together: root in
 * either is high; only "default" in both is normal. A periodic token (`period`) can be renewed
 * for ever: it has no expiry unless `explicit_max_ttl` caps it (then issue_time + that). Facts
 * keep period, renewable and last_renewal_time.
 */
#include "cloud_records.h"
#include "inventory.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

#define VAULT_FROM "vault"

static const char token_remediation[] =
    "Revoke the token (vault token revoke -accessor ACCESSOR), or give tokens a ttl and an "
    "explicit_max_ttl; fallback access should come from a short-lived token issued on demand.";
static const char root_remediation[] =
    "Revoke the root token (vault token revoke -accessor ACCESSOR) as soon as the task that "
    "needed it is done; when root access is needed again, generate a new one with the "
    "unseal/recovery key holders (vault operator generate-root).";

/* "https://vault.example.com:8200/" -> "vault.example.com:8200" */
static void addr_host(char *out, size_t size, const char *addr)
{
    const char *p = addr && *addr ? addr : "vault";
    size_t n;

    if (!strncmp(p, "https://", 8))
        p += 8;
    else if (!strncmp(p, "http://", 7))
        p += 7;
    n = strcspn(p, "/?#");
    if (n == 0) {
        p = "vault";
        n = 5;
    }
    snprintf(out, size, "%.*s", (int)n, p);
}

static bool has_policy(const json_t *policies, const char *name)
{
    size_t i;

    for (i = 0; i < json_array_size(policies); i++) {
        const char *p = json_string_value(json_array_get(policies, i));

        if (p && !strcmp(p, name))
            return true;
    }
    return false;
}

static int copy_fact(json_t *dst, const char *as, const json_t *src, const char *key)
{
    json_t *v = json_object_get(src, key);

    if (!v || json_is_null(v) || (json_is_string(v) && !json_string_length(v)))
        return 0;
    return json_object_set_new(dst, as, json_deep_copy(v)) < 0 ? FBS_ENOMEM : 0;
}

static int meta_names(struct fbs_finding *f, const json_t *meta)
{
    const char *k;
    const json_t *v;
    int rc;

    json_object_foreach((json_t *)meta, k, v)
    {
        rc = fbs_cloud_record_names(f, k);
        if (rc == 0)
            rc = fbs_cloud_record_names(f, json_string_value(v));
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* creation_time: epoch seconds (API and CLI); issue_time: the same as ISO-8601. */
static int issued_at(struct fbs_finding *f, const json_t *d)
{
    const json_t *ct = json_object_get(d, "creation_time");
    fbs_time_t t;
    int rc;

    if (json_is_integer(ct) && json_integer_value(ct) > 0)
        return fbs_cloud_record_date(f, FBS_CLOUD_ISSUED, (fbs_time_t)json_integer_value(ct),
                                     VAULT_FROM);
    rc = fbs_cloud_date(&t, d, "issue_time");
    if (rc > 0)
        rc = fbs_cloud_record_date(f, FBS_CLOUD_ISSUED, t, VAULT_FROM);
    return rc;
}

/* A duration field: an integer of seconds, or a Go duration string Vault also accepts ("768h",
 * "30m", "45s", combinations); -1 when absent or unreadable. */
static long long seconds_of(const json_t *d, const char *key)
{
    const json_t *v = json_object_get(d, key);
    const char *s;
    long long total = 0;

    if (json_is_integer(v))
        return json_integer_value(v);
    s = json_string_value(v);
    if (!s || !*s)
        return -1;
    while (*s) {
        long long n = 0;
        int digits = 0;

        while (*s >= '0' && *s <= '9' && n < 100000000000LL) {
            n = n * 10 + (*s++ - '0');
            digits++;
        }
        if (!digits)
            return -1;
        if (*s == 'h')
            n *= 3600;
        else if (*s == 'm')
            n *= 60;
        else if (*s != 's' && *s != '\0')
            return -1;
        total += n;
        if (*s)
            s++;
    }
    return total;
}

static int expires_at(struct fbs_finding *f, const json_t *d)
{
    const json_t *ttl = json_object_get(d, "ttl");
    long long period = seconds_of(d, "period"), max = seconds_of(d, "explicit_max_ttl");
    fbs_time_t t;
    int rc;

    /* A periodic token's expire_time is only the end of its current period: renewed within each
     * period, it lives for ever unless an explicit_max_ttl caps it. */
    if (period > 0) {
        if (max > 0 && f->has_issued)
            return fbs_cloud_record_date(f, FBS_CLOUD_EXPIRES, f->issued + max, VAULT_FROM);
        return fbs_cloud_record_no_expiry(f, "vault_periodic_token");
    }
    rc = fbs_cloud_date(&t, d, "expire_time");
    if (rc > 0)
        return fbs_cloud_record_date(f, FBS_CLOUD_EXPIRES, t, VAULT_FROM);
    if (rc == 0 && json_is_integer(ttl) && json_integer_value(ttl) == 0)
        return fbs_cloud_record_no_expiry(f, VAULT_FROM);
    return rc;
}

/* facts.policies: the token's policies and its identity policies, for the privilege vocabulary
 * (names are not grants: a tie-breaker only). */
static int all_policies(struct fbs_finding *f, const json_t *policies, const json_t *identity)
{
    json_t *all = json_array();
    const json_t *lists[2] = {policies, identity};
    size_t i, k;

    if (!all)
        return FBS_ENOMEM;
    for (k = 0; k < 2; k++)
        for (i = 0; i < json_array_size(lists[k]); i++) {
            const json_t *p = json_array_get(lists[k], i);

            if (json_is_string(p) && json_array_append(all, (json_t *)p) < 0) {
                json_decref(all);
                return FBS_ENOMEM;
            }
        }
    return json_object_set_new(f->facts, "policies", all) < 0 ? FBS_ENOMEM : 0;
}

static int add_lookup(struct fbs_cloud_set *s, json_t *d, size_t idx, const char *origin)
{
    const char *accessor = fbs_cloud_str(d, "accessor"), *dn = fbs_cloud_str(d, "display_name");
    const json_t *policies = json_object_get(d, "policies");
    const json_t *identity = json_object_get(d, "identity_policies");
    char host[256], *resource;
    struct fbs_cloud_record_spec spec;
    struct fbs_finding *f = NULL;
    bool root;
    json_t *v;
    int rc;

    fbs_cloud_json_wipe(json_object_get(d, "id"));
    if (!accessor || !*accessor) {
        const char *type = fbs_cloud_str(d, "type");

        if (type && !strcmp(type, "batch"))
            return 0; /* batch tokens have no accessor and are not listed by Vault either */
        fbs_cloud_item_error(s, origin, "token %zu: no 'accessor'", idx);
        return 0;
    }
    /* A token holds its own policies and its entity's (identity_policies) alike. */
    root = has_policy(policies, "root") || has_policy(identity, "root");
    addr_host(host, sizeof(host), s->vault_addr);
    resource = fbs_cloud_format("vault://%s/auth/token/accessors/%s", host, accessor);
    if (!resource)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    memset(&spec, 0, sizeof(spec));
    spec.source = FBS_SOURCE_VAULT;
    spec.kind = "vault_token";
    spec.rule_id = "vault.token";
    spec.rule_name = root ? "Vault root token" : "Vault token";
    spec.remediation = root ? root_remediation : token_remediation;
    spec.resource = resource;
    spec.identifier = accessor;
    spec.principal = dn;
    spec.origin = origin;
    rc = fbs_cloud_record_new(&f, &spec);
    fbs_free(resource);
    if (rc < 0)
        return rc;
    v = fbs_cloud_record_facts(f, "vault");
    if (!v || json_object_set_new(v, "address", json_string(host)) < 0 ||
        copy_fact(v, "display_name", d, "display_name") < 0 ||
        copy_fact(v, "policies", d, "policies") < 0 ||
        copy_fact(v, "identity_policies", d, "identity_policies") < 0 ||
        copy_fact(v, "type", d, "type") < 0 || copy_fact(v, "path", d, "path") < 0 ||
        copy_fact(v, "entity_id", d, "entity_id") < 0 || copy_fact(v, "orphan", d, "orphan") < 0 ||
        copy_fact(v, "renewable", d, "renewable") < 0 || copy_fact(v, "ttl", d, "ttl") < 0 ||
        copy_fact(v, "creation_ttl", d, "creation_ttl") < 0 ||
        copy_fact(v, "explicit_max_ttl", d, "explicit_max_ttl") < 0 ||
        copy_fact(v, "num_uses", d, "num_uses") < 0 || copy_fact(v, "period", d, "period") < 0 ||
        copy_fact(v, "last_renewal_time", d, "last_renewal_time") < 0 ||
        all_policies(f, policies, identity) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto fail;
    }
    rc = fbs_cloud_record_names(f, dn);
    if (rc == 0)
        rc = fbs_cloud_record_names(f, fbs_cloud_str(d, "path"));
    if (rc == 0)
        rc = meta_names(f, json_object_get(d, "meta"));
    if (rc == 0 && root) {
        rc = fbs_cloud_record_privilege(f, FBS_PRIV_HIGH,
                                        "Vault token with the root policy (every capability)");
        if (rc == 0)
            rc = fbs_finding_add_indicator(f, "root token", "content", 1.0);
    } else if (rc == 0 && json_array_size(policies) == 1 && has_policy(policies, "default") &&
               (json_array_size(identity) == 0 ||
                (json_array_size(identity) == 1 && has_policy(identity, "default")))) {
        rc = fbs_cloud_record_privilege(f, FBS_PRIV_NORMAL,
                                        "Vault token with only the default policy");
    }
    if (rc < 0)
        goto fail;
    rc = issued_at(f, d);
    if (rc == 0)
        rc = expires_at(f, d);
    if (rc == FBS_EPARSE)
        goto item;
    if (rc < 0)
        goto fail;
    return fbs_cloud_set_push(s, f);
item:
    fbs_cloud_item_error(s, origin, "token %s: %s", dn ? dn : accessor, fbs_error_message());
    fbs_finding_free(f);
    return 0;
fail:
    fbs_finding_free(f);
    return rc;
}

/* The lookup data of one document: {"data": {...}} or the data object itself. */
static json_t *lookup_data(json_t *doc)
{
    json_t *d = json_object_get(doc, "data");

    return json_is_object(d) ? d : doc;
}

int fbs_vault_add_lookups(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    json_t *item;
    size_t i;
    int rc;

    if (json_is_object(doc))
        return add_lookup(s, lookup_data(doc), 0, origin);
    if (!json_is_array(doc))
        return fbs_error_set(FBS_EPARSE, "expected Vault token lookup output");
    /* Wipe every token first, so that a failure half-way leaves none behind. */
    json_array_foreach(doc, i, item) fbs_cloud_json_wipe(json_object_get(lookup_data(item), "id"));
    json_array_foreach(doc, i, item)
    {
        if (!json_is_object(item)) {
            fbs_cloud_item_error(s, origin, "token %zu: not an object", i);
            continue;
        }
        rc = add_lookup(s, lookup_data(item), i, origin);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* --- inventory format ----------------------------------------------------------------------- */

static bool is_lookup(const json_t *obj)
{
    const json_t *d = json_object_get(obj, "data");

    if (json_is_object(d))
        obj = d;
    return json_is_object(obj) && json_object_get(obj, "accessor") &&
           json_is_array(json_object_get(obj, "policies")) &&
           (json_object_get(obj, "creation_time") || json_object_get(obj, "issue_time") ||
            json_object_get(obj, "ttl"));
}

static bool match_vault(const json_t *doc)
{
    return is_lookup(json_is_array(doc) ? json_array_get(doc, 0) : doc);
}

static int add_vault_json(struct fbs_cloud_set *s, json_t *doc, const char *origin)
{
    return fbs_vault_add_lookups(s, doc, origin);
}

const struct fbs_inventory_format fbs_inventory_vault = {
    .name = "vault_token_lookups",
    .describes = "vault token lookup [-accessor A] -format=json (one or many)",
    .match_json = match_vault,
    .add_json = add_vault_json,
};
