/*
 * store_ids.c - the keyed ids both datastore backends derive (store_int.h).
 */
#include "store_int.h"
#include "datastore.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "../core/banned.h"

void fbs_store_hex(char *out, const unsigned char *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The first nbytes of HMAC-SHA256(key, data), in hex. */
static int hmac_hex(const unsigned char *key, char *out, size_t nbytes, const void *data,
                    size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!HMAC(EVP_sha256(), key, FBS_STORE_KEY_LEN, data, len, md, &mdlen) || mdlen < nbytes)
        return fbs_error_set(FBS_EINTERNAL, "HMAC-SHA256 failed");
    fbs_store_hex(out, md, nbytes);
    OPENSSL_cleanse(md, sizeof(md));
    return 0;
}

int fbs_store_secret_id(const unsigned char *key, char out[65], const void *secret, size_t len)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc;

    /* Domain-separated from the finding ids made with the same key. */
    rc = fbs_buf_put(&b, "fallback-scan secret\0", 21);
    if (rc == 0)
        rc = fbs_buf_put(&b, secret, len);
    if (rc == 0)
        rc = hmac_hex(key, out, 32, b.ptr, b.len);
    fbs_buf_release_wipe(&b);
    return rc;
}

int fbs_store_finding_id(const unsigned char *key, char out[17], const char *identity,
                         const char *secret_id, const char *rule_id, const char *place)
{
    struct fbs_buf b = FBS_BUF_INIT;
    int rc = fbs_buf_printf(&b, "fallback-scan finding%c%s%c%s%c%s%c%s", 0, identity, 0, secret_id,
                            0, rule_id ? rule_id : "", 0, place ? place : "");

    if (rc == 0)
        rc = hmac_hex(key, out, 8, b.ptr, b.len);
    fbs_buf_release(&b);
    return rc;
}

void fbs_store_row_state(struct fbs_store_row *row, fbs_time_t now)
{
    row->state = row->lifecycle;
    if (!strcmp(row->lifecycle, "fixed") || !row->decision)
        return;
    if (strcmp(row->decision, "accepted")) {
        row->state = row->decision;
    } else if (row->expires && row->expires <= now) {
        row->state = "reopened";
        row->due = true;
    } else {
        row->state = "accepted";
    }
}
