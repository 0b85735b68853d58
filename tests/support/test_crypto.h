/*
 * test_crypto.h - keys, certificates, PKCS#12 files and OpenSSH keys made in the tests with
 * OpenSSL, with controlled subjects and dates, plus a finding runner for the parser tests.
 *
 * Every function fails the test (cmocka) instead of returning an error. Strings and buffers come
 * from fbs_malloc (free them with fbs_free; the leak checker sees them); OpenSSL objects are
 * freed with their OpenSSL free functions.
 */
#ifndef FBS_TEST_CRYPTO_H
#define FBS_TEST_CRYPTO_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "detectors/detector.h"

/* A new key: "rsa" (bits), "ec" (P-256, or P-384 when bits is 384), "ed25519", "dsa" (bits). */
EVP_PKEY *fbs_test_key(const char *type, int bits);

struct fbs_test_cert {
    const char *cn;
    const char *o, *o2; /* organization(s), may be NULL */
    fbs_time_t not_before, not_after;
    bool ca;              /* basicConstraints CA:TRUE with keyCertSign */
    bool client_auth;     /* extendedKeyUsage clientAuth */
    const char *san_dns;  /* a DNS subjectAltName, may be NULL */
    EVP_PKEY *issuer_key; /* NULL: self-signed */
    X509 *issuer;
};

/* A certificate for `key` as described (serial 1, SHA-256 signatures). */
X509 *fbs_test_cert_new(EVP_PKEY *key, const struct fbs_test_cert *c);

enum fbs_test_pem {
    FBS_TEST_PEM_PKCS8,           /* -----BEGIN PRIVATE KEY----- */
    FBS_TEST_PEM_TRADITIONAL,     /* RSA/EC/DSA PRIVATE KEY */
    FBS_TEST_PEM_PKCS8_ENCRYPTED, /* ENCRYPTED PRIVATE KEY (AES-256-CBC) */
    FBS_TEST_PEM_LEGACY_ENCRYPTED /* traditional with Proc-Type: 4,ENCRYPTED (AES-128-CBC) */
};

char *fbs_test_pem_key(EVP_PKEY *key, enum fbs_test_pem how);
char *fbs_test_pem_cert(X509 *x);

/*
 * A PKCS#12 file holding key and cert (either may be NULL) protected by `pass` (NULL: the
 * NULL password). `legacy`: RC2-40 for certificates and 3DES for the key, as OpenSSL 1.x wrote.
 * `mac_iter`: the MAC iteration count (0: 2048; -1: no MAC).
 */
unsigned char *fbs_test_p12(size_t *len, EVP_PKEY *key, X509 *cert, const char *pass, bool legacy,
                            int mac_iter);

/* An OpenSSH private key (openssh-key-v1 PEM) for an RSA, EC P-256 or Ed25519 key. Encrypted
 * keys name aes256-ctr/bcrypt and carry random bytes as their private section. */
char *fbs_test_openssh_key(EVP_PKEY *key, const char *comment, bool encrypted);

/* Standard base64 of the bytes, no line breaks. */
char *fbs_test_base64(const void *data, size_t len);

/* Concatenate NULL-terminated strings into a new string. */
char *fbs_test_cat(const char *first, ...);

/* A UTC time from "YYYY-MM-DDTHH:MM:SSZ". */
fbs_time_t fbs_test_time(const char *iso);

/* A finding made by hand (fbs_finding_free): kind, secret (len bytes), path and rel_path. */
struct fbs_finding *fbs_test_finding(const char *kind, const char *secret, size_t len,
                                     const char *path);

/*
 * Run detector `d` on `f` with a blob of `text` (text_len bytes; NULL: no blob) at f->path. When
 * f->match_end is 0 the match is set to span the secret (found in the text, else 0..len).
 * Returns the detector's return code.
 */
int fbs_test_run(const struct fbs_detector *d, struct fbs_finding *f, const char *text,
                 size_t text_len);

/* fbs_test_finding() then fbs_test_run(); *rc gets the return code. */
struct fbs_finding *fbs_test_run_detector(const struct fbs_detector *d, const char *kind,
                                          const char *secret, size_t len, const char *text,
                                          size_t text_len, const char *path, int *rc);

#endif
