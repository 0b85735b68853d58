/*
 * store_int.h - what the datastore backends (store_sqlite.c, store_pg.c) share: the keyed ids, and
 * how a finding's effective state is derived from its lifecycle and latest decision.
 *
 * A datastore holds a random key of FBS_STORE_KEY_LEN bytes; every id derived from a secret is an
 * HMAC-SHA256 under that key, domain-separated by a label, so a datastore never holds a bare hash
 * of a secret and both backends derive the same ids from the same key.
 */
#ifndef FBS_STORE_INT_H
#define FBS_STORE_INT_H

#include "../core/time.h"

#include <stddef.h>

#define FBS_STORE_KEY_LEN 32

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void fbs_store_hex(char *out, const unsigned char *b, size_t n);

/* A secret's id: 64 hex digits into out. 0, FBS_ENOMEM or FBS_EINTERNAL. */
int fbs_store_secret_id(const unsigned char *key, char out[65], const void *secret, size_t len);

/*
 * A finding's public id (16 hex digits into out) from its target identity, secret id, rule and
 * place (NULL rule or place: empty). 0, FBS_ENOMEM or FBS_EINTERNAL.
 */
int fbs_store_finding_id(const unsigned char *key, char out[17], const char *identity,
                         const char *secret_id, const char *rule_id, const char *place);

struct fbs_store_row;

/*
 * Set row->state (and row->due) from row->lifecycle, row->decision and row->expires at `now`: a
 * fixed finding stays fixed; an acceptance that expired at or before `now` is reopened and due;
 * otherwise the latest decision, if any, is the state.
 */
void fbs_store_row_state(struct fbs_store_row *row, fbs_time_t now);

#endif
