/*
 * live_vault.c - the Vault collector: every token accessor (LIST auth/token/accessors, which
 * needs sudo on that path), then a lookup of each (see cloud_live.h). Lookups by accessor never
 * return the token itself.
 */
#include "live_int.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <string.h>

#include "../core/banned.h"

static int lookup(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *addr,
                  const char *accessor)
{
    struct fbs_buf url = FBS_BUF_INIT;
    json_t *body = NULL, *doc = NULL;
    char text[1024];
    size_t n;
    int rc;

    body = json_pack("{s:s}", "accessor", accessor);
    n = body ? json_dumpb(body, text, sizeof(text) - 1, JSON_COMPACT) : 0;
    if (n >= sizeof(text) - 1) {
        fbs_error_set(FBS_EPARSE, "an accessor of %zu bytes: not looked up", strlen(accessor));
        fbs_live_failed(s, "vault");
        rc = 0;
        goto done;
    }
    text[n] = '\0';
    if (!n || fbs_buf_printf(&url, "%s/v1/auth/token/lookup-accessor", addr) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = fbs_fetch_json(&doc, fx, url.ptr, text, true);
    if (rc == 0)
        rc = fbs_vault_add_lookups(s, doc, NULL);
    if (rc < 0 && rc != FBS_ENOMEM) {
        fbs_live_failed(s, "vault");
        rc = 0;
    }
done:
    if (doc)
        fbs_cloud_json_wipe(doc);
    json_decref(doc);
    json_decref(body);
    fbs_buf_release(&url);
    return rc;
}

int fbs_live_vault(struct fbs_cloud_set *s, const struct fbs_cloud_fetch *fx, const char *addr_url)
{
    char *addr = fbs_url_trim(addr_url);
    struct fbs_buf url = FBS_BUF_INIT;
    const json_t *keys, *k;
    json_t *doc = NULL;
    size_t i;
    int rc;

    if (!addr || fbs_buf_printf(&url, "%s/v1/auth/token/accessors?list=true", addr) < 0) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    rc = fbs_fetch_json(&doc, fx, url.ptr, NULL, false);
    if (rc < 0) {
        if (rc != FBS_ENOMEM) {
            fbs_live_failed(s, "vault");
            rc = 0;
        }
        goto done;
    }
    keys = json_object_get(json_object_get(doc, "data"), "keys");
    if (!json_is_array(keys)) {
        fbs_error_set(FBS_EPARSE, "GET %s: no data.keys in the response", url.ptr);
        fbs_live_failed(s, "vault");
        goto done;
    }
    json_array_foreach(keys, i, k)
    {
        if (!json_is_string(k))
            continue;
        rc = lookup(s, fx, addr, json_string_value(k));
        if (rc < 0)
            break;
    }
done:
    json_decref(doc);
    fbs_buf_release(&url);
    fbs_free(addr);
    return rc;
}
