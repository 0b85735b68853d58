/*
 * parse_aws.c - AWS access key ids (rules/aws.yml; cloud records of IAM access keys).
 *
 * The four-letter prefix says what the key is (documented by AWS):
 *   AKIA  a long-term key of an IAM user or the root user -> facts.aws_key_type "long_lived"
 *   ASIA  a temporary STS key                              -> "temporary"
 *   ABIA  an STS service bearer token                      -> "temporary"
 *   ACCA  a context-specific credential                    -> "context_specific"
 * Temporary keys expire within 36 hours of issue (the longest STS session), but the exact time is
 * not in the key: facts.expires_hint says so and f->expires stays unknown.
 *
 * The account: the 16 characters after the prefix are base32 (RFC 4648 alphabet A-Z2-7, 80
 * bits). In keys of the current generation the first of those bits is 1 and the next 40 bits are
 * the account number: take the first 6 decoded bytes as a 48-bit big-endian integer, mask with
 * 0x7fffffffff80 and shift right by 7 -> facts.aws_account_id, 12 digits zero-padded
 * (ASIAY34FZKBOKMUTVV7A -> 609629065308; public research by Aidan Steele and Tal Be'ery, the
 * generation bit by WithSecure Labs). Old-generation keys (that bit 0: AKIAI..., AKIAJ...) do
 * not carry the account, and none is reported for them (nor for a 40-bit value over 12 digits).
 *
 * The secret access key found next to an AKIA id is a separate finding; nothing here reads it.
 * A value of the wrong length or alphabet is FBS_EPARSE.
 */
#include "detector.h"
#include "../scanner/core/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../scanner/core/banned.h"

#define KEY_ID_LEN 20

static const char *const aws_kinds[] = {"aws_access_key_id", "aws_access_key",
                                        "aws_root_access_key", NULL};

static int b32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

/*
 * The account number of a current-generation key id (20 characters, validated by the caller);
 * 0 and *out, or 1 when the key is of the old generation or the number is not a 12-digit one.
 */
static int account_of(uint64_t *out, const char *id)
{
    uint64_t bits = 0;
    size_t i;

    /* 48 bits = the first 6 bytes: 9 characters give 45 bits, 3 more from the tenth. */
    for (i = 4; i < 13; i++)
        bits = (bits << 5) | (uint64_t)b32_value(id[i]);
    bits = (bits << 3) | ((uint64_t)b32_value(id[13]) >> 2);
    if (!(bits >> 47))
        return 1;
    *out = (bits & UINT64_C(0x7fffffffff80)) >> 7;
    /* 40 bits reach 13 digits; account numbers have 12. */
    return *out > UINT64_C(999999999999);
}

static int set(struct fbs_finding *f, const char *k, json_t *v)
{
    if (!v || json_object_set_new(f->facts, k, v) < 0)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int aws_run(struct fbs_finding *f, const struct fbs_detect_ctx *ctx)
{
    const char *id = f->secret, *type;
    char account[24];
    uint64_t acct;
    size_t i;
    int rc;

    (void)ctx;
    if (!id || f->secret_len != KEY_ID_LEN)
        return fbs_error_set(FBS_EPARSE, "aws access key id is %zu characters, not %d",
                             f->secret_len, KEY_ID_LEN);
    for (i = 4; i < KEY_ID_LEN; i++)
        if (b32_value(id[i]) < 0)
            return fbs_error_set(FBS_EPARSE, "aws access key id: character %zu is outside A-Z2-7",
                                 i + 1);
    if (!memcmp(id, "AKIA", 4))
        type = "long_lived";
    else if (!memcmp(id, "ASIA", 4) || !memcmp(id, "ABIA", 4))
        type = "temporary";
    else if (!memcmp(id, "ACCA", 4))
        type = "context_specific";
    else
        return fbs_error_set(FBS_EPARSE, "aws access key id: unknown prefix '%.4s'", id);
    if ((rc = set(f, "aws_key_type", json_string(type))) < 0)
        return rc;
    if (!strcmp(type, "temporary") &&
        (rc = set(f, "expires_hint",
                  json_string("within 36 hours of issue (temporary STS credentials)"))) < 0)
        return rc;
    /* A cloud record may already know the account from the API: keep that. */
    if (!account_of(&acct, id) && !json_object_get(f->facts, "aws_account_id")) {
        snprintf(account, sizeof(account), "%012" PRIu64, acct);
        if ((rc = set(f, "aws_account_id", json_string(account))) < 0)
            return rc;
    }
    return 0;
}

const struct fbs_detector fbs_detector_aws = {
    .name = "aws",
    .stage = FBS_STAGE_PARSE,
    .kinds = aws_kinds,
    .run = aws_run,
};
