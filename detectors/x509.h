/*
 * x509.h - crypto helpers the credential parsers share (parse_pem.c, parse_pkcs12.c,
 * parse_kubeconfig.c, parse_gcp.c, link_keypair.c): PEM blocks, keys and certificates to facts.
 *
 * Facts written (all public information, never key material):
 *   key:         key_type ("rsa", "ec", "ed25519", "ed448", "dsa", ...), key_bits, key_curve
 *                ("P-256", ...), key_format ("pkcs1", "sec1", "pkcs8", ...), encrypted (bool),
 *                encryption (cipher name), public_key_sha256 (hex SHA-256 of the DER
 *                SubjectPublicKeyInfo: what pairs a key with its certificate).
 *   certificate: a summary object {subject, issuer, subject_cn, subject_o, issuer_cn, issuer_o,
 *                serial, not_before, not_after, ca, key_usage[], extended_key_usage[],
 *                subject_alt_names[], self_signed, key_type, key_bits, public_key_sha256
 *                [, line]}, as facts.certificate (the credential's own or paired certificate)
 *                or an entry of facts.certificates (other certificates seen with it).
 *
 * Nothing here reads files or decrypts anything. Inputs are untrusted: every length is bounded,
 * malformed input is FBS_EPARSE with a message, and the OpenSSL error queue is cleared before
 * returning.
 */
#ifndef FBS_X509_H
#define FBS_X509_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#include "../scanner/core/text.h"
#include "../scanner/model/finding.h"

#define FBS_PEM_MAX_BODY ((size_t)1 << 20) /* bytes of PEM text between BEGIN and END */

/* One PEM block of a text. */
struct fbs_pem_block {
    char label[48];      /* "CERTIFICATE", "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", ... */
    size_t begin, end;   /* offsets of "-----BEGIN" and just past the END line */
    bool proc_encrypted; /* a "Proc-Type: 4,ENCRYPTED" header (legacy PEM encryption) */
    char dek_cipher[32]; /* the DEK-Info cipher ("AES-128-CBC"), "" when none */
    unsigned char *der;  /* the decoded body; owned, wiped by fbs_pem_block_release() */
    size_t der_len;
};

/*
 * Find the next PEM block starting at or after *pos in `text` and decode it. The text may be
 * quoted the way keys are pasted into code and configuration: JSON/YAML strings with \n escapes,
 * string literals joined with '+', leading indentation; only characters inside the quotes count
 * when the block sits in a quoted string. When `want` is not NULL, blocks with another label (or
 * a malformed BEGIN line) are skipped undecoded. Returns 1 with *out filled (release it) and *pos
 * past the block; 0 when no further block exists; FBS_EPARSE for a malformed block (*pos is moved
 * past its BEGIN line, so that a scan can go on); FBS_ENOMEM.
 */
int fbs_pem_next(struct fbs_pem_block *out, const char *text, size_t len, size_t *pos,
                 const char *want);
/* The label of the first "-----BEGIN <label>-----" line of `text` into out; false when none. */
bool fbs_pem_label(char out[48], const char *text, size_t len);

/* Wipe and free the decoded body. */
void fbs_pem_block_release(struct fbs_pem_block *b);

/* Base64: fbs_base64_decode() in scanner/core/text.h. */

/*
 * Key facts of a PEM private key: the first PEM block of `text` (quoted as fbs_pem_next
 * accepts) is read as PKCS#1/SEC1/DSA, PKCS#8, encrypted PKCS#8 or a legacy Proc-Type encrypted
 * key. Encrypted keys are never decrypted: they get encrypted=true, encryption and the key type
 * the label tells. Writes the key facts listed above into f->facts. Returns 0; FBS_EPARSE (no
 * block, a label that is not a private key, a body that does not decode); FBS_ENOMEM.
 */
int fbs_x509_pem_key_facts(struct fbs_finding *f, const char *text, size_t len);

/* The key facts of `pk` (key_type, key_bits, key_curve, public_key_sha256) into `facts`. */
int fbs_x509_key_facts(json_t *facts, EVP_PKEY *pk);

/* Hex SHA-256 of the DER SubjectPublicKeyInfo of `pk` into out (65 bytes). 0 or FBS_EPARSE. */
int fbs_x509_pubkey_sha256(char out[65], EVP_PKEY *pk);

/* Parse a DER certificate (at most `len` bytes) into *out (X509_free). 0 or FBS_EPARSE. */
int fbs_x509_from_der(X509 **out, const unsigned char *der, size_t len);

/* The summary object of `x` (see above) into *out (json_decref). 0, FBS_EPARSE, FBS_ENOMEM. */
int fbs_x509_summary(json_t **out, X509 *x);

/*
 * Make certificate summary `cert` the finding's certificate: facts.certificate (a copy); the
 * issue and expiry dates from not_before/not_after (unless the finding has its own), with
 * facts.issued_from/expires_from "certificate"; privilege raised to HIGH for a Kubernetes
 * system:masters subject (also facts.kubernetes.system_masters = true) or a CA that signs
 * certificates, with facts.privilege_evidence; and subject CN and O appended to f->names so that fallback vocabulary in them counts.
 * 0 or FBS_ENOMEM.
 */
int fbs_x509_apply_cert(struct fbs_finding *f, const json_t *cert);

/*
 * Record where the paired certificate was found: facts.paired_certificate = {path, line,
 * subject, matched_by}. `line` 0 means unknown. 0 or FBS_ENOMEM.
 */
int fbs_x509_set_paired(struct fbs_finding *f, const char *path, unsigned line, const json_t *cert,
                        const char *matched_by);

/* Append a certificate summary to facts.certificates (at most FBS_X509_MAX_LISTED). */
#define FBS_X509_MAX_LISTED 8
int fbs_x509_list_cert(struct fbs_finding *f, const json_t *cert);

/* Raise f->privilege to HIGH and append `evidence` to facts.privilege_evidence (once). */
int fbs_x509_raise_privilege(struct fbs_finding *f, const char *evidence);

/*
 * Append `s` (n bytes, cleaned like fbs_x509_jstr) to f->names, space-separated, unless it is
 * already there; names stop growing at 1 KiB. 0 or FBS_ENOMEM.
 */
int fbs_x509_append_names(struct fbs_finding *f, const char *s, size_t n);

/* A JSON string of up to `max` bytes of `s`: invalid UTF-8 repaired, control bytes as '?'. */
json_t *fbs_x509_jstr(const char *s, size_t n, size_t max);

#endif
