/*
 * parse_der_key.c - private keys stored as raw DER files (rules/der_keys.yml: PKCS#8, PKCS#1
 * RSA or DSA, SEC1 EC). The rule matches the header at the start of the blob; here OpenSSL reads
 * the whole blob as a private key and the key facts (type, size, curve, public key hash) are
 * added, so a DER key pairs with its certificate like a PEM one. A blob that is not a key after
 * all keeps its finding (the header is key structure) and says why in facts.der_key_error.
 */
#include "detector.h"
#include "x509.h"
#include "../scanner/core/error.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define MAX_DER_KEY ((size_t)1 << 20) /* an 8192-bit RSA key is under 5 KiB */

static const char *const der_kinds[] = {"private_key_der", NULL};

static int der_key_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const struct fbs_blob *b = ctx->blob;
    const unsigned char *p;
    EVP_PKEY *pk;
    int rc;

    if (!b || !b->len || b->len > MAX_DER_KEY)
        return 0;
    p = (const unsigned char *)b->data;
    pk = d2i_AutoPrivateKey(NULL, &p, (long)b->len);
    ERR_clear_error();
    if (!pk) {
        json_t *why = json_string("the DER structure does not decode as a private key");

        if (!why || json_object_set_new(f->facts, "der_key_error", why) < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
        return 0;
    }
    rc = fbs_x509_key_facts(f->facts, pk);
    EVP_PKEY_free(pk);
    return rc;
}

const struct fbs_detector fbs_detector_der_key = {
    .name = "der_key",
    .stage = FBS_STAGE_PARSE,
    .kinds = der_kinds,
    .run = der_key_run,
};
