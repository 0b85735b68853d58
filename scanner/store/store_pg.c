/*
 * store_pg.c - the shared datastore: PostgreSQL through libpq, for sweeps run by many workers.
 *
 * The same logical schema as the SQLite backend (store_pg_schema.h), migrated with
 * transactional DDL under an advisory lock and counted in the table schema_version. Target scans
 * are claimed with SELECT ... FOR UPDATE SKIP LOCKED and a lease that the worker's heartbeat
 * extends; results are written with INSERT ... ON CONFLICT, in one transaction per target scan,
 * so a target retried after its worker died never duplicates a finding or an occurrence. A
 * transaction that loses a deadlock or a serialisation conflict with another worker is retried.
 *
 * Locations: postgres://... or postgresql://... (a libpq URI), or pg: followed by a libpq
 * keyword/value string, or pg: alone (the PG* environment variables). Messages name the
 * location without its password.
 */
#include "datastore.h"
#include "store_int.h"
#include "store_pg_schema.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/banned.h"

#define KEY_LEN       FBS_STORE_KEY_LEN
#define RETRIES       5
#define MIGRATION_KEY 4242017311 /* pg_advisory_xact_lock key of the migrations */

struct pg_store {
    struct fbs_store base; /* first: the handle callers see */
    PGconn *db;
    char *where; /* the location, without a password */
    unsigned char key[KEY_LEN];
    char *sw_version, *sw_hash, *sw_config, *sw_status;
};

static struct pg_store *P(struct fbs_store *st)
{
    return (struct pg_store *)st;
}

/* A retryable conflict between workers (the transaction is retried): 1. */
#define PG_RETRY 1

/* The error of a failed statement, naming the datastore; a lost connection, a missing
 * privilege and a conflict get their own words. */
static int db_error(struct pg_store *s, const PGresult *r, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg =
        r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r) : PQerrorMessage(s->db);
    char line[512];
    size_t n;

    snprintf(line, sizeof(line), "%s", msg ? msg : "");
    n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
        line[--n] = '\0';
    if (PQstatus(s->db) == CONNECTION_BAD)
        return fbs_error_set(FBS_EIO,
                             "datastore '%s': the connection to PostgreSQL was lost (%s): %s; "
                             "nothing of this transaction was recorded",
                             s->where, what, line);
    if (state && !strcmp(state, "42501"))
        return fbs_error_set(FBS_EIO,
                             "datastore '%s': %s: permission denied (the role cannot write: a "
                             "read-only role?): %s",
                             s->where, what, line);
    if (state && !strcmp(state, "25006"))
        return fbs_error_set(FBS_EIO, "datastore '%s': %s: the database is read-only: %s", s->where,
                             what, line);
    if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
        return PG_RETRY;
    if (state && state[0] == '2' && state[1] == '3')
        return fbs_error_set(FBS_EINVAL, "datastore '%s': %s: %s", s->where, what, line);
    return fbs_error_set(FBS_EIO, "datastore '%s': %s: %s", s->where, what, line);
}

/* Run a statement with text parameters (NULL: SQL NULL). *out gets the result when asked
 * (PQclear it), else it is cleared. 0, PG_RETRY, or a negative FBS_E*. */
static int run(struct pg_store *s, PGresult **out, const char *what, const char *sql, int n,
               const char *const *params)
{
    PGresult *r = PQexecParams(s->db, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = 0;

    if (out)
        *out = NULL;
    if (!r && PQstatus(s->db) != CONNECTION_BAD)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = db_error(s, r, what);
    if (rc == 0 && out) {
        *out = r;
        return 0;
    }
    PQclear(r);
    return rc;
}

/* A statement (or several: the migrations) without parameters, through the simple protocol. */
static int exec(struct pg_store *s, const char *sql, const char *what)
{
    PGresult *r = PQexec(s->db, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = 0;

    if (!r && PQstatus(s->db) != CONNECTION_BAD)
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = db_error(s, r, what);
    PQclear(r);
    return rc;
}

static void rollback(struct pg_store *s)
{
    if (PQstatus(s->db) == CONNECTION_OK && PQtransactionStatus(s->db) != PQTRANS_IDLE)
        PQclear(PQexec(s->db, "ROLLBACK"));
}

/* Run `body` in a transaction, retried when it loses a conflict with another worker. */
static int in_tx(struct pg_store *s, int (*body)(struct pg_store *s, void *arg), void *arg)
{
    int rc = PG_RETRY, tries;

    for (tries = 0; rc == PG_RETRY && tries < RETRIES; tries++) {
        rc = exec(s, "BEGIN", "cannot begin a transaction");
        if (rc == 0)
            rc = body(s, arg);
        if (rc == 0)
            rc = exec(s, "COMMIT", "cannot commit");
        if (rc != 0)
            rollback(s);
    }
    if (rc == PG_RETRY)
        rc = fbs_error_set(FBS_EIO,
                           "datastore '%s': a transaction kept conflicting with other workers "
                           "(%d tries)",
                           s->where, RETRIES);
    return rc;
}

#define I64(buf, v) (snprintf((buf), sizeof(buf), "%" PRId64, (int64_t)(v)), (const char *)(buf))

static const char *time_or_null(char *buf, size_t len, fbs_time_t t)
{
    if (!t)
        return NULL;
    snprintf(buf, len, "%" PRId64, (int64_t)t);
    return buf;
}

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int64_t ival(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static int unhex(unsigned char *out, size_t n, const char *s)
{
    size_t i;

    if (strlen(s) != 2 * n)
        return -1;
    for (i = 0; i < 2 * n; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

        if (v < 0)
            return -1;
        out[i / 2] = (unsigned char)(i % 2 ? (out[i / 2] << 4) | v : v);
    }
    return 0;
}

/* Mask the value of every password=... (keyword/value strings and URI query parameters). */
static char *mask_passwords(char *loc)
{
    char *p = loc;

    while (loc && (p = strstr(p, "password=")) != NULL) {
        char *v = p + 9, *end = v + strcspn(v, " &");

        if (end > v) {
            memmove(v + 3, end, strlen(end) + 1);
            memcpy(v, "***", 3);
        }
        p = v;
    }
    return loc;
}

/* The location for messages: without the password of a URI's user info or of a password=. */
static char *public_location(const char *loc)
{
    const char *scheme = strstr(loc, "://"), *at, *colon, *slash;
    struct fbs_buf b = FBS_BUF_INIT;

    if (!scheme)
        return mask_passwords(fbs_strdup(!strcmp(loc, "pg:") ? "pg: (the PG* environment)" : loc));
    slash = strchr(scheme + 3, '/');
    at = strchr(scheme + 3, '@');
    if (!at || (slash && at > slash))
        return mask_passwords(fbs_strdup(loc));
    colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
    if (!colon)
        return mask_passwords(fbs_strdup(loc));
    if (fbs_buf_put(&b, loc, (size_t)(colon - loc)) < 0 || fbs_buf_puts(&b, at) < 0) {
        fbs_buf_release(&b);
        return NULL;
    }
    return mask_passwords(b.ptr); /* owned */
}

/* Schema and key --------------------------------------------------------------------------- */

struct migrate_arg {
    int version;
};

static int migrate_body(struct pg_store *s, void *arg)
{
    struct migrate_arg *m = arg;
    PGresult *r = NULL;
    char v[24];
    int rc;

    /* One migrator at a time: workers starting together wait here. */
    rc = exec(s,
              "SELECT pg_advisory_xact_lock("
              "4242017311"
              ")",
              "cannot lock the schema");
    if (rc == 0)
        rc = exec(s,
                  "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
                  "at TIMESTAMPTZ NOT NULL DEFAULT now())",
                  "cannot create the schema version table");
    if (rc == 0)
        rc = run(s, &r, "cannot read the schema version",
                 "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL);
    if (rc != 0)
        return rc;
    m->version = (int)ival(r, 0, 0);
    PQclear(r);
    if (m->version > FBS_STORE_SCHEMA_VERSION)
        return fbs_error_set(FBS_EUNSUPPORTED,
                             "datastore '%s' has schema version %d, newer than this "
                             "fallback-scan understands (schema version %d): use a newer "
                             "fallback-scan",
                             s->where, m->version, FBS_STORE_SCHEMA_VERSION);
    while (rc == 0 && m->version < FBS_STORE_SCHEMA_VERSION) {
        const char *p[1];

        rc = exec(s, fbs_store_pg_migrations[m->version], "cannot migrate the schema");
        m->version++;
        p[0] = I64(v, m->version);
        if (rc == 0)
            rc = run(s, NULL, "cannot record the schema version",
                     "INSERT INTO schema_version(version) VALUES ($1::int)", 1, p);
    }
    return rc;
}

/* Whether the schema is current, read without writing anything (a read-only role). */
static int schema_current(struct pg_store *s, bool *current)
{
    PGresult *r = NULL;
    int rc, v;

    *current = false;
    rc = run(s, &r, "cannot read the schema", "SELECT to_regclass('schema_version') IS NOT NULL", 0,
             NULL);
    if (rc != 0)
        return rc < 0 ? rc : fbs_error_set(FBS_EIO, "datastore '%s': cannot read", s->where);
    if (strcmp(PQgetvalue(r, 0, 0), "t")) {
        PQclear(r);
        return 0;
    }
    PQclear(r);
    rc = run(s, &r, "cannot read the schema version",
             "SELECT coalesce(max(version), 0) FROM schema_version", 0, NULL);
    if (rc != 0)
        return rc < 0 ? rc : fbs_error_set(FBS_EIO, "datastore '%s': cannot read", s->where);
    v = (int)ival(r, 0, 0);
    PQclear(r);
    if (v > FBS_STORE_SCHEMA_VERSION)
        return fbs_error_set(FBS_EUNSUPPORTED,
                             "datastore '%s' has schema version %d, newer than this "
                             "fallback-scan understands (schema version %d): use a newer "
                             "fallback-scan",
                             s->where, v, FBS_STORE_SCHEMA_VERSION);
    *current = v == FBS_STORE_SCHEMA_VERSION;
    return 0;
}

static int key_body(struct pg_store *s, void *arg)
{
    unsigned char key[KEY_LEN];
    char khex[2 * KEY_LEN + 1];
    const char *p[1] = {khex};
    PGresult *r = NULL;
    int rc;

    (void)arg;
    rc = run(s, &r, "cannot read the key",
             "SELECT encode(value, 'hex') FROM meta WHERE key = "
             "'secret_key'",
             0, NULL);
    if (rc != 0)
        return rc;
    if (PQntuples(r) == 1) {
        rc = unhex(s->key, KEY_LEN, PQgetvalue(r, 0, 0)) < 0
                 ? fbs_error_set(FBS_EPARSE, "datastore '%s': its secret key is damaged", s->where)
                 : 0;
        PQclear(r);
        return rc;
    }
    PQclear(r);
    if (RAND_bytes(key, KEY_LEN) != 1)
        return fbs_error_set(FBS_EINTERNAL, "cannot make a random key");
    fbs_store_hex(khex, key, KEY_LEN);
    OPENSSL_cleanse(key, sizeof(key));
    /* Another worker may have made it first: then theirs is read back. */
    rc = run(s, NULL, "cannot store the key",
             "INSERT INTO meta(key, value) VALUES ('secret_key', decode($1, 'hex')) "
             "ON CONFLICT (key) DO NOTHING",
             1, p);
    OPENSSL_cleanse(khex, sizeof(khex));
    if (rc == 0)
        rc = run(s, &r, "cannot read the key",
                 "SELECT encode(value, 'hex') FROM meta WHERE key = 'secret_key'", 0, NULL);
    if (rc == 0) {
        if (PQntuples(r) != 1 || unhex(s->key, KEY_LEN, PQgetvalue(r, 0, 0)) < 0)
            rc = fbs_error_set(FBS_EPARSE, "datastore '%s': its secret key is damaged", s->where);
        PQclear(r);
    }
    return rc;
}

static void pg_close(struct fbs_store *st)
{
    struct pg_store *s = P(st);

    if (!s)
        return;
    if (s->db)
        PQfinish(s->db);
    OPENSSL_cleanse(s->key, sizeof(s->key));
    fbs_free(s->where);
    fbs_free(s->sw_version);
    fbs_free(s->sw_hash);
    fbs_free(s->sw_config);
    fbs_free(s->sw_status);
    fbs_free(s);
}

static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs of CREATE ... IF NOT EXISTS are not for the user */
}

int fbs_store_pg_open(struct fbs_store **out, const char *location, bool create)
{
    struct pg_store *s = NULL;
    struct migrate_arg m = {0};
    const char *conninfo = location;
    bool current = false;
    int rc = 0;

    *out = NULL;
    if (!strncmp(location, "pg:", 3))
        conninfo = location + 3;
    s = fbs_calloc(1, sizeof(*s));
    if (!s || !(s->where = public_location(location))) {
        fbs_free(s);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    s->base.ops = &fbs_store_pg_ops;
    s->db = PQconnectdb(conninfo);
    if (!s->db) {
        rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        goto done;
    }
    if (PQstatus(s->db) != CONNECTION_OK) {
        char line[512];
        size_t n;

        snprintf(line, sizeof(line), "%s", PQerrorMessage(s->db));
        for (n = strlen(line); n && (line[n - 1] == '\n' || line[n - 1] == ' ');)
            line[--n] = '\0';
        rc = fbs_error_set(FBS_EIO, "cannot connect to datastore '%s': %s", s->where, line);
        goto done;
    }
    PQsetNoticeProcessor(s->db, quiet_notice, NULL);
    rc = exec(s, "SET client_min_messages = warning", "cannot set up the session");
    /* A current schema is only read (a read-only role can report); else migrate. */
    if (rc == 0)
        rc = schema_current(s, &current);
    if (rc == 0 && !current && !create)
        rc = fbs_error_set(FBS_ENOTFOUND,
                           "datastore '%s' holds no sweep history (run 'sweep run' or 'sweep "
                           "plan' first)",
                           s->where);
    if (rc == 0 && !current)
        rc = in_tx(s, migrate_body, &m);
    if (rc == 0)
        rc = in_tx(s, key_body, NULL);
done:
    if (rc != 0) {
        pg_close(&s->base);
        return rc < 0 ? rc : fbs_error_set(FBS_EIO, "datastore '%s': cannot open", location);
    }
    *out = &s->base;
    return 0;
}

/* Operations ------------------------------------------------------------------------------- */

static int pg_secret_id(struct fbs_store *st, char out[65], const void *secret, size_t len)
{
    return fbs_store_secret_id(P(st)->key, out, secret, len);
}

/* A single statement outside an explicit transaction, retried on conflicts. */
static int run1(struct pg_store *s, PGresult **out, const char *what, const char *sql, int n,
                const char *const *params)
{
    int rc = PG_RETRY, tries;

    for (tries = 0; rc == PG_RETRY && tries < RETRIES; tries++)
        rc = run(s, out, what, sql, n, params);
    if (rc == PG_RETRY)
        rc = fbs_error_set(FBS_EIO, "datastore '%s': %s: kept conflicting with other workers",
                           s->where, what);
    return rc;
}

static int pg_sweep_begin(struct fbs_store *st, const struct fbs_store_sweep *sw, int64_t *out)
{
    struct pg_store *s = P(st);
    char b1[24], b2[24];
    const char *p[5] = {I64(b1, sw->started), I64(b2, sw->now), sw->tool_version, sw->rules_hash,
                        sw->config};
    PGresult *r = NULL;
    int rc = run1(s, &r, "cannot record the sweep",
                  "INSERT INTO sweeps(started, now, tool_version, rules_hash, config, status) "
                  "VALUES ($1::bigint, $2::bigint, $3, $4, $5, 'running') RETURNING id",
                  5, p);

    if (rc == 0)
        *out = ival(r, 0, 0);
    PQclear(r);
    return rc;
}

#define SWEEP_COLS                                                                                 \
    "s.id, s.started, s.finished, s.now, s.tool_version, s.rules_hash, s.config, s.status, "       \
    "(SELECT count(*) FROM target_scans t WHERE t.sweep_id = s.id), "                              \
    "(SELECT count(*) FROM target_scans t WHERE t.sweep_id = s.id AND t.status = 'done'), "        \
    "(SELECT count(*) FROM target_scans t WHERE t.sweep_id = s.id AND t.status = 'failed'), "      \
    "(SELECT coalesce(sum(t.nfindings), 0) FROM target_scans t WHERE t.sweep_id = s.id) "

static void sweep_row(const PGresult *r, int i, struct fbs_store_sweep *o)
{
    memset(o, 0, sizeof(*o));
    o->id = ival(r, i, 0);
    o->started = ival(r, i, 1);
    o->finished = ival(r, i, 2);
    o->now = ival(r, i, 3);
    o->tool_version = val(r, i, 4);
    o->rules_hash = val(r, i, 5);
    o->config = val(r, i, 6);
    o->status = val(r, i, 7);
    o->ntargets = ival(r, i, 8);
    o->ndone = ival(r, i, 9);
    o->nfailed = ival(r, i, 10);
    o->nfindings = ival(r, i, 11);
}

static int keep(char **slot, const char *v)
{
    fbs_free(*slot);
    *slot = NULL;
    if (v && !(*slot = fbs_strdup(v)))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int pg_sweep_get(struct fbs_store *st, int64_t id, struct fbs_store_sweep *out)
{
    struct pg_store *s = P(st);
    char b1[24];
    const char *p[1] = {I64(b1, id)};
    PGresult *r = NULL;
    int rc;

    rc = run1(s, &r, "cannot read the sweeps",
              id > 0    ? "SELECT " SWEEP_COLS "FROM sweeps s WHERE s.id = $1::bigint"
              : id == 0 ? "SELECT " SWEEP_COLS "FROM sweeps s ORDER BY s.id DESC LIMIT 1"
                        : "SELECT " SWEEP_COLS "FROM sweeps s WHERE s.status IN "
                          "('running', 'interrupted') ORDER BY s.id DESC LIMIT 1",
              id > 0 ? 1 : 0, id > 0 ? p : NULL);
    if (rc != 0)
        return rc;
    if (PQntuples(r) == 1) {
        sweep_row(r, 0, out);
        rc = keep(&s->sw_version, out->tool_version);
        if (rc == 0)
            rc = keep(&s->sw_hash, out->rules_hash);
        if (rc == 0)
            rc = keep(&s->sw_config, out->config);
        if (rc == 0)
            rc = keep(&s->sw_status, out->status);
        out->tool_version = s->sw_version;
        out->rules_hash = s->sw_hash;
        out->config = s->sw_config;
        out->status = s->sw_status;
        if (rc == 0)
            rc = 1;
    }
    PQclear(r);
    return rc;
}

static int pg_sweep_finish(struct fbs_store *st, int64_t id, const char *status, fbs_time_t at)
{
    char b1[24], b2[24];
    const char *p[3] = {status, time_or_null(b1, sizeof(b1), at), I64(b2, id)};

    return run1(P(st), NULL, "cannot finish the sweep",
                "UPDATE sweeps SET status = $1, finished = $2::bigint WHERE id = $3::bigint", 3, p);
}

static int pg_sweep_list(struct fbs_store *st, fbs_store_sweep_cb cb, void *payload)
{
    struct fbs_store_sweep row;
    PGresult *r = NULL;
    int rc, i;

    rc = run1(P(st), &r, "cannot read the sweeps",
              "SELECT " SWEEP_COLS "FROM sweeps s ORDER BY s.id", 0, NULL);
    for (i = 0; rc == 0 && i < PQntuples(r); i++) {
        sweep_row(r, i, &row);
        rc = cb(&row, payload);
    }
    PQclear(r);
    return rc;
}

static int pg_target_known(struct fbs_store *st, const char *identity)
{
    const char *p[1] = {identity};
    PGresult *r = NULL;
    int rc = run1(P(st), &r, "cannot read the targets", "SELECT 1 FROM targets WHERE identity = $1",
                  1, p);

    if (rc == 0)
        rc = PQntuples(r) > 0;
    PQclear(r);
    return rc;
}

struct plan_arg {
    int64_t sweep;
    const struct fbs_store_target *t;
    const char *spec;
    int64_t scan;
    bool dup;
};

static int plan_body(struct pg_store *s, void *arg)
{
    struct plan_arg *a = arg;
    const struct fbs_store_target *t = a->t;
    char bs[24], bt[24];
    PGresult *r = NULL;
    int64_t tid = 0;
    bool renamed = false;
    int rc;

    /* Planners of the same sweep (and renames) serialise on the targets table. */
    rc = exec(s, "LOCK TABLE targets IN SHARE ROW EXCLUSIVE MODE", "cannot lock the targets");
    if (rc == 0) {
        const char *p[1] = {t->identity};

        rc = run(s, &r, "cannot read the targets", "SELECT id FROM targets WHERE identity = $1", 1,
                 p);
    }
    if (rc != 0)
        return rc;
    if (PQntuples(r) == 1)
        tid = ival(r, 0, 0);
    PQclear(r);
    r = NULL;
    if (!tid && t->root_commits) {
        /* Exactly one candidate, or it is a fork and not a rename. */
        const char *p[3] = {t->root_commits, t->kind, I64(bs, a->sweep)};

        rc = run(s, &r, "cannot read the targets",
                 "SELECT id FROM targets WHERE root_commits = $1 AND kind = $2 AND id NOT IN "
                 "(SELECT target_id FROM target_scans WHERE sweep_id = $3::bigint) LIMIT 2",
                 3, p);
        if (rc != 0)
            return rc;
        if (PQntuples(r) == 1) {
            tid = ival(r, 0, 0);
            renamed = true;
        }
        PQclear(r);
        r = NULL;
    }
    if (!tid) {
        const char *p[5] = {t->kind, t->identity, t->display, t->root_commits, I64(bs, a->sweep)};

        rc = run(s, &r, "cannot record a target",
                 "INSERT INTO targets(kind, identity, display, root_commits, first_sweep) "
                 "VALUES ($1, $2, $3, $4, $5::bigint) RETURNING id",
                 5, p);
        if (rc == 0)
            tid = ival(r, 0, 0);
        PQclear(r);
        r = NULL;
    } else {
        /* Keep the identity current; a rename keeps the old one among the aliases. */
        const char *p[4] = {t->identity, t->display, t->root_commits, I64(bt, tid)};

        rc = run(s, NULL, "cannot update a target",
                 renamed ? "UPDATE targets SET aliases = (aliases::jsonb || "
                           "jsonb_build_array(identity))::text, identity = $1, display = $2, "
                           "root_commits = coalesce($3, root_commits) WHERE id = $4::bigint"
                         : "UPDATE targets SET identity = $1, display = $2, "
                           "root_commits = coalesce($3, root_commits) WHERE id = $4::bigint",
                 4, p);
    }
    if (rc == 0) {
        const char *p[3] = {I64(bs, a->sweep), I64(bt, tid), a->spec};

        rc = run(s, &r, "cannot plan a target scan",
                 "INSERT INTO target_scans(sweep_id, target_id, spec, status) "
                 "VALUES ($1::bigint, $2::bigint, $3, 'pending') "
                 "ON CONFLICT (sweep_id, target_id) DO NOTHING RETURNING id",
                 3, p);
        if (rc == 0) {
            a->dup = PQntuples(r) == 0;
            a->scan = a->dup ? 0 : ival(r, 0, 0);
        }
        PQclear(r);
        r = NULL;
        if (rc == 0 && a->dup) {
            rc = run(s, &r, "cannot read a target scan",
                     "SELECT id FROM target_scans WHERE sweep_id = $1::bigint AND "
                     "target_id = $2::bigint",
                     2, p);
            if (rc == 0)
                a->scan = ival(r, 0, 0);
            PQclear(r);
        }
    }
    return rc;
}

static int pg_target_plan(struct fbs_store *st, int64_t sweep, const struct fbs_store_target *t,
                          const char *spec, int64_t *out_scan)
{
    struct plan_arg a = {sweep, t, spec, 0, false};
    int rc = in_tx(P(st), plan_body, &a);

    if (rc < 0)
        return rc;
    *out_scan = a.scan;
    return a.dup ? 1 : 0;
}

struct claim_arg {
    int64_t sweep, lease;
    const char *owner;
    fbs_time_t clock;
    struct fbs_store_claim *out;
    bool got;
};

static int claim_body(struct pg_store *s, void *arg)
{
    struct claim_arg *a = arg;
    char b1[24], b2[24], b3[24], b4[24];
    const char *p[3] = {I64(b1, a->sweep), I64(b2, a->clock), a->owner};
    PGresult *r = NULL;
    int64_t id;
    int rc;

    a->got = false;
    /* Skip the rows other workers are claiming right now: no two get the same scan. */
    rc = run(s, &r, "cannot claim a target scan",
             "SELECT id FROM target_scans WHERE sweep_id = $1::bigint AND (status = 'pending' OR "
             "(status = 'running' AND lease_expires < $2::bigint AND lease_owner IS DISTINCT "
             "FROM $3)) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
             3, p);
    if (rc != 0)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    id = ival(r, 0, 0);
    PQclear(r);
    {
        const char *q[4] = {a->owner, I64(b2, a->clock), I64(b3, a->lease), I64(b4, id)};

        rc = run(s, &r, "cannot claim a target scan",
                 "UPDATE target_scans ts SET status = 'running', attempts = attempts + 1, "
                 "lease_owner = $1, lease_expires = $2::bigint + $3::bigint, "
                 "started = $2::bigint WHERE ts.id = $4::bigint "
                 "RETURNING ts.id, ts.target_id, ts.attempts, ts.spec, "
                 "(SELECT display FROM targets WHERE targets.id = ts.target_id)",
                 4, q);
    }
    if (rc != 0)
        return rc;
    fbs_store_claim_release(a->out);
    a->out->scan_id = ival(r, 0, 0);
    a->out->target_id = ival(r, 0, 1);
    a->out->attempts = ival(r, 0, 2);
    a->out->spec = fbs_strdup(val(r, 0, 3) ? val(r, 0, 3) : "{}");
    a->out->display = fbs_strdup(val(r, 0, 4) ? val(r, 0, 4) : "");
    PQclear(r);
    if (!a->out->spec || !a->out->display)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    a->got = true;
    return 0;
}

static int pg_scan_claim(struct fbs_store *st, int64_t sweep, const char *owner, fbs_time_t clock,
                         int64_t lease, struct fbs_store_claim *out)
{
    struct claim_arg a = {sweep, lease, owner, clock, out, false};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = in_tx(P(st), claim_body, &a);
    if (rc < 0 || !a.got) {
        fbs_store_claim_release(out);
        return rc < 0 ? rc : 0;
    }
    return 1;
}

static int pg_scan_extend(struct fbs_store *st, int64_t sweep, const char *owner, fbs_time_t clock,
                          int64_t lease)
{
    char b1[24], b2[24], b3[24];
    const char *p[4] = {I64(b1, sweep), owner, I64(b2, clock), I64(b3, lease)};

    return run1(P(st), NULL, "cannot extend the leases",
                "UPDATE target_scans SET lease_expires = $3::bigint + $4::bigint "
                "WHERE sweep_id = $1::bigint AND status = 'running' AND lease_owner = $2",
                4, p);
}

static int pg_scan_expire(struct fbs_store *st, int64_t sweep, fbs_time_t clock,
                          int64_t max_attempts)
{
    char b1[24], b2[24], b3[24];
    const char *p[3] = {I64(b1, sweep), I64(b2, clock), I64(b3, max_attempts)};
    PGresult *r = NULL;
    int rc = run1(P(st), &r, "cannot expire the leases",
                  "UPDATE target_scans SET status = 'failed', finished = $2::bigint, errors = "
                  "json_build_array(json_build_object('kind', 'target_failed', 'message', "
                  "'its worker stopped (lease expired) ' || attempts || ' times; last worker ' "
                  "|| coalesce(lease_owner, '?')))::text, lease_owner = NULL, lease_expires = "
                  "NULL WHERE sweep_id = $1::bigint AND status = 'running' AND lease_expires < "
                  "$2::bigint AND attempts >= $3::bigint RETURNING id",
                  3, p);

    if (rc == 0)
        rc = PQntuples(r);
    PQclear(r);
    return rc;
}

static int pg_scan_release_all(struct fbs_store *st, int64_t sweep)
{
    char b1[24];
    const char *p[1] = {I64(b1, sweep)};
    int rc = run1(P(st), NULL, "cannot release the target scans",
                  "UPDATE target_scans SET status = 'pending', lease_owner = NULL, "
                  "lease_expires = NULL WHERE sweep_id = $1::bigint AND status IN "
                  "('running', 'failed')",
                  1, p);

    if (rc == 0)
        rc = pg_sweep_finish(st, sweep, "running", 0);
    return rc;
}

static int pg_scan_prior(struct fbs_store *st, int64_t target, int64_t sweep,
                         struct fbs_store_prior *out)
{
    char b1[24], b2[24];
    const char *p[2] = {I64(b1, target), I64(b2, sweep)};
    PGresult *r = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc =
        run1(P(st), &r, "cannot read the target scans",
             "SELECT id, sweep_id, tips, rules_hash FROM target_scans WHERE target_id = $1::bigint "
             "AND sweep_id < $2::bigint AND status = 'done' AND complete = 1 "
             "ORDER BY sweep_id DESC LIMIT 1",
             2, p);
    if (rc == 0 && PQntuples(r) == 1) {
        out->found = true;
        out->scan_id = ival(r, 0, 0);
        out->sweep_id = ival(r, 0, 1);
        if ((val(r, 0, 2) && !(out->tips = fbs_strdup(val(r, 0, 2)))) ||
            (val(r, 0, 3) && !(out->rules_hash = fbs_strdup(val(r, 0, 3)))))
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    PQclear(r);
    if (rc < 0)
        fbs_store_prior_release(out);
    return rc;
}

static int pg_scan_fail(struct fbs_store *st, int64_t scan, const char *errors, fbs_time_t at)
{
    char b1[24], b2[24];
    const char *p[3] = {time_or_null(b1, sizeof(b1), at), errors ? errors : "[]", I64(b2, scan)};

    return run1(P(st), NULL, "cannot record a failed target scan",
                "UPDATE target_scans SET status = 'failed', finished = $1::bigint, errors = $2, "
                "lease_owner = NULL, lease_expires = NULL WHERE id = $3::bigint AND status <> "
                "'done'",
                3, p);
}

/* scan_commit ------------------------------------------------------------------------------ */

struct commit_ctx {
    struct pg_store *s;
    int64_t sweep, target, scan;
    fbs_time_t now;
    char *identity;
    const struct fbs_store_commit *cm;
    bool already;
};

static int add_event(struct commit_ctx *c, int64_t finding, const char *event, const char *detail)
{
    char b1[24], b2[24];
    const char *p[4] = {I64(b1, finding), I64(b2, c->sweep), event, detail};

    return run(c->s, NULL, "cannot record an event",
               "INSERT INTO events(finding_id, sweep_id, event, detail) VALUES ($1::bigint, "
               "$2::bigint, $3, $4) ON CONFLICT DO NOTHING",
               4, p);
}

static int public_id(struct commit_ctx *c, const struct fbs_store_found *f, char out[17])
{
    return fbs_store_finding_id(c->s->key, out, c->identity, f->secret_id, f->rule_id, f->place);
}

/* The latest decision on a finding: accepted with an expiry at or before now -> due (once per
 * decision: not if a due event already followed it). */
static int check_due(struct commit_ctx *c, int64_t finding, bool *due)
{
    char b1[24], b2[24];
    const char *p[2] = {I64(b1, finding), I64(b2, c->now)};
    PGresult *r = NULL;
    int rc = run(c->s, &r, "cannot read the decisions",
                 "SELECT (SELECT count(*) FROM events WHERE finding_id = d.finding_id AND event = "
                 "'due' AND sweep_id > coalesce(d.sweep_id, 0)) FROM decisions d WHERE "
                 "d.finding_id = $1::bigint AND d.id = (SELECT max(id) FROM decisions WHERE "
                 "finding_id = $1::bigint) AND d.state = 'accepted' AND d.expires IS NOT NULL AND "
                 "d.expires <= $2::bigint",
                 2, p);

    *due = false;
    if (rc == 0)
        *due = PQntuples(r) == 1 && ival(r, 0, 0) == 0;
    PQclear(r);
    return rc;
}

static int record_found(struct commit_ctx *c, const struct fbs_store_found *f)
{
    struct pg_store *s = c->s;
    char bt[24], bs[24], bw[24], bn[24], br[24], bd[24], bf[24], bl[24], bh[24], bc[24], bq[24];
    char pid[17], prev[16] = "";
    PGresult *r = NULL;
    int64_t secret = 0, finding = 0, last_seen = 0;
    bool due = false, fresh = false;
    int rc;

    {
        const char *p[4] = {f->secret_id, f->kind, f->redacted ? f->redacted : "", I64(bn, c->now)};

        rc = run(s, &r, "cannot record a secret",
                 "INSERT INTO secrets(hmac, kind, redacted, first_seen) VALUES ($1, $2, $3, "
                 "$4::bigint) ON CONFLICT (hmac) DO UPDATE SET hmac = excluded.hmac RETURNING id",
                 4, p);
        if (rc != 0)
            return rc;
        secret = ival(r, 0, 0);
        PQclear(r);
    }
    rc = public_id(c, f, pid);
    if (rc < 0)
        return rc;
    {
        /* New, or (a retried or repeated target) the existing row, never a second one. */
        const char *p[12] = {pid,
                             I64(bt, c->target),
                             I64(bs, secret),
                             f->rule_id ? f->rule_id : "",
                             f->place ? f->place : "",
                             I64(bw, c->sweep),
                             I64(bn, c->now),
                             f->risk >= 0 ? I64(br, f->risk) : NULL,
                             f->severity,
                             f->standing >= 0 ? I64(bd, f->standing) : NULL,
                             f->is_fallback ? "1" : "0",
                             f->record ? f->record : "{}"};
        const char *pp[13];

        memcpy(pp, p, sizeof(p));
        pp[12] = f->score_input ? f->score_input : "{}";
        rc = run(s, &r, "cannot record a finding",
                 "INSERT INTO findings(public_id, target_id, secret_id, rule_id, place, "
                 "first_seen_sweep, last_seen_sweep, first_seen, last_seen, state, risk, severity, "
                 "standing, is_fallback, record, score_input) VALUES ($1, $2::bigint, $3::bigint, "
                 "$4, $5, $6::bigint, $6::bigint, $7::bigint, $7::bigint, 'open', $8::int, $9, "
                 "$10::int, $11::int, $12, $13) ON CONFLICT (target_id, secret_id, rule_id, place) "
                 "DO UPDATE SET public_id = findings.public_id "
                 "RETURNING id, state, last_seen_sweep, (xmax = 0)",
                 13, pp);
        if (rc != 0)
            return rc;
        finding = ival(r, 0, 0);
        snprintf(prev, sizeof(prev), "%s", val(r, 0, 1) ? val(r, 0, 1) : "open");
        last_seen = ival(r, 0, 2);
        fresh = !strcmp(PQgetvalue(r, 0, 3), "t");
        PQclear(r);
        r = NULL;
    }
    if (fresh) {
        rc = add_event(c, finding, "new", NULL);
    } else if (last_seen <= c->sweep) {
        bool reopen = !strcmp(prev, "fixed");
        const char *p[10];

        rc = check_due(c, finding, &due);
        p[0] = I64(bw, c->sweep);
        p[1] = I64(bn, c->now);
        p[2] = reopen || due ? "reopened" : prev;
        p[3] = f->risk >= 0 ? I64(br, f->risk) : NULL;
        p[4] = f->severity;
        p[5] = f->standing >= 0 ? I64(bd, f->standing) : NULL;
        p[6] = f->is_fallback ? "1" : "0";
        p[7] = f->record ? f->record : "{}";
        p[8] = f->score_input ? f->score_input : "{}";
        p[9] = I64(bf, finding);
        if (rc == 0)
            rc = run(s, NULL, "cannot update a finding",
                     "UPDATE findings SET last_seen_sweep = $1::bigint, last_seen = $2::bigint, "
                     "state = $3, risk = $4::int, severity = $5, standing = $6::int, is_fallback "
                     "= $7::int, record = $8, score_input = $9 WHERE id = $10::bigint",
                     10, p);
        if (rc == 0 && reopen)
            rc = add_event(c, finding, "reopened", "seen again after it was fixed");
        if (rc == 0 && due)
            rc = add_event(c, finding, "due", "the acceptance expired");
        if (rc == 0 && due && !reopen)
            rc = add_event(c, finding, "reopened", "the acceptance expired");
    }
    if (rc == 0) {
        const char *p[9] = {I64(bf, finding),
                            I64(bw, c->sweep),
                            I64(bq, c->scan),
                            f->path ? f->path : "",
                            I64(bl, f->line),
                            f->commit ? f->commit : "",
                            f->author,
                            f->in_head >= 0 ? I64(bh, f->in_head) : NULL,
                            f->carried ? "1" : "0"};

        (void)bc;
        rc = run(s, NULL, "cannot record an occurrence",
                 "INSERT INTO occurrences(finding_id, sweep_id, scan_id, path, line, commit_id, "
                 "author, in_head, carried) VALUES ($1::bigint, $2::bigint, $3::bigint, $4, "
                 "$5::int, $6, $7, $8::int, $9::int) ON CONFLICT DO NOTHING",
                 9, p);
    }
    return rc;
}

static int mark_fixed(struct commit_ctx *c)
{
    char b1[24], b2[24];
    const char *p[2] = {I64(b1, c->sweep), I64(b2, c->target)};
    int rc = run(c->s, NULL, "cannot record fixed findings",
                 "INSERT INTO events(finding_id, sweep_id, event, detail) SELECT id, $1::bigint, "
                 "'fixed', 'not found by a complete scan' FROM findings WHERE target_id = "
                 "$2::bigint AND state <> 'fixed' AND last_seen_sweep < $1::bigint "
                 "ON CONFLICT DO NOTHING",
                 2, p);

    if (rc == 0)
        rc = run(c->s, NULL, "cannot record fixed findings",
                 "UPDATE findings SET state = 'fixed', fixed_sweep = $1::bigint WHERE target_id = "
                 "$2::bigint AND state <> 'fixed' AND last_seen_sweep < $1::bigint",
                 2, p);
    return rc;
}

static int commit_body(struct pg_store *s, void *arg)
{
    struct commit_ctx *c = arg;
    const struct fbs_store_commit *cm = c->cm;
    char b1[24], b2[24], b3[24], b4[24], b5[24], b6[24];
    PGresult *r = NULL;
    size_t i;
    int rc;

    c->already = false;
    fbs_free(c->identity);
    c->identity = NULL;
    {
        const char *p[2] = {I64(b1, cm->scan_id), I64(b2, c->sweep)};

        /* The scan's row is locked: a second worker committing the same target waits, then
         * sees it done and records nothing. */
        rc = run(s, &r, "cannot read a target scan",
                 "SELECT ts.target_id, ts.status, t.identity, sw.now FROM target_scans ts JOIN "
                 "targets t ON t.id = ts.target_id JOIN sweeps sw ON sw.id = ts.sweep_id WHERE "
                 "ts.id = $1::bigint AND ts.sweep_id = $2::bigint FOR UPDATE OF ts",
                 2, p);
    }
    if (rc != 0)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return fbs_error_set(FBS_ENOTFOUND, "datastore '%s': no target scan %lld in sweep %lld",
                             s->where, (long long)cm->scan_id, (long long)c->sweep);
    }
    if (!strcmp(PQgetvalue(r, 0, 1), "done")) {
        PQclear(r);
        c->already = true; /* recorded by another worker: nothing to do (idempotent) */
        return 0;
    }
    c->target = ival(r, 0, 0);
    c->now = ival(r, 0, 3);
    c->identity = fbs_strdup(PQgetvalue(r, 0, 2));
    PQclear(r);
    if (!c->identity)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (i = 0; rc == 0 && i < cm->nfound; i++)
        rc = record_found(c, &cm->found[i]);
    if (rc == 0 && cm->complete)
        rc = mark_fixed(c);
    if (rc == 0) {
        const char *p[10] = {time_or_null(b1, sizeof(b1), cm->finished),
                             cm->mode,
                             cm->tips,
                             I64(b2, c->sweep),
                             cm->complete ? "1" : "0",
                             cm->errors ? cm->errors : "[]",
                             I64(b3, cm->nfound),
                             I64(b4, cm->blobs),
                             I64(b5, cm->bytes),
                             I64(b6, cm->scan_id)};

        rc = run(s, NULL, "cannot record the target scan",
                 "UPDATE target_scans SET status = 'done', finished = $1::bigint, mode = $2, "
                 "tips = $3, rules_hash = (SELECT rules_hash FROM sweeps WHERE id = $4::bigint), "
                 "complete = $5::int, errors = $6, nfindings = $7::bigint, blobs = $8::bigint, "
                 "bytes = $9::bigint, lease_owner = NULL, lease_expires = NULL "
                 "WHERE id = $10::bigint",
                 10, p);
    }
    if (rc == 0) {
        const char *p[2] = {I64(b1, c->sweep), I64(b2, c->target)};

        rc = run(s, NULL, "cannot update the target",
                 "UPDATE targets SET last_sweep = $1::bigint WHERE id = $2::bigint", 2, p);
    }
    return rc;
}

static int pg_scan_commit(struct fbs_store *st, int64_t sweep, const struct fbs_store_commit *cm)
{
    struct commit_ctx c = {P(st), sweep, 0, cm->scan_id, 0, NULL, cm, false};
    int rc = in_tx(P(st), commit_body, &c);

    fbs_free(c.identity);
    return rc;
}

/* Reading ---------------------------------------------------------------------------------- */

static int pg_scans(struct fbs_store *st, int64_t sweep, fbs_store_scan_cb cb, void *payload)
{
    struct fbs_store_scan_row row;
    char b1[24];
    const char *p[1] = {I64(b1, sweep)};
    PGresult *r = NULL;
    int rc, i;

    rc = run1(P(st), &r, "cannot read the target scans",
              "SELECT ts.target_id, t.display, t.kind, ts.status, ts.mode, ts.tips, ts.errors, "
              "ts.attempts, coalesce(ts.nfindings, 0), coalesce(ts.started, 0), "
              "coalesce(ts.finished, 0), coalesce(ts.complete, 0), ts.lease_owner, "
              "coalesce(ts.lease_expires, 0) FROM target_scans ts "
              "JOIN targets t ON t.id = ts.target_id WHERE ts.sweep_id = $1::bigint "
              "ORDER BY t.display COLLATE \"C\"",
              1, p);
    for (i = 0; rc == 0 && i < PQntuples(r); i++) {
        row.target_id = ival(r, i, 0);
        row.target = val(r, i, 1);
        row.kind = val(r, i, 2);
        row.status = val(r, i, 3);
        row.mode = val(r, i, 4);
        row.tips = val(r, i, 5);
        row.errors = val(r, i, 6);
        row.attempts = ival(r, i, 7);
        row.nfindings = ival(r, i, 8);
        row.started = ival(r, i, 9);
        row.finished = ival(r, i, 10);
        row.complete = ival(r, i, 11) != 0;
        row.lease_owner = val(r, i, 12);
        row.lease_expires = ival(r, i, 13);
        rc = cb(&row, payload);
    }
    PQclear(r);
    return rc;
}

/* As store_sqlite.c: the lifecycle as of a sweep is the last of its new/fixed/reopened events up
 * to that sweep; the latest decision is overlaid in C. Text sorts bytewise (COLLATE "C") as in
 * SQLite, whatever the database's locale. */
static const char findings_sql[] =
    "SELECT f.public_id, f.target_id, t.display, sc.hmac, sc.redacted, f.rule_id, f.place, "
    "sc.kind, "
    "(SELECT CASE e.event WHEN 'fixed' THEN 'fixed' WHEN 'reopened' THEN 'reopened' ELSE 'open' "
    " END FROM events e WHERE e.finding_id = f.id AND e.sweep_id <= $1::bigint AND e.event IN "
    " ('new', 'fixed', 'reopened') ORDER BY e.sweep_id DESC, e.id DESC LIMIT 1), "
    "f.first_seen_sweep, f.last_seen_sweep, f.first_seen, f.last_seen, coalesce(f.risk, -1), "
    "f.severity, coalesce(f.standing, -1), f.is_fallback, f.record, f.score_input, "
    "d.state, d.reason, d.reviewer, d.ticket, coalesce(d.at, 0), coalesce(d.expires, 0), "
    "(SELECT coalesce(sum(CASE e.event WHEN 'new' THEN 1 WHEN 'fixed' THEN 2 WHEN 'reopened' "
    " THEN 4 WHEN 'due' THEN 8 END), 0) FROM (SELECT DISTINCT event FROM events WHERE "
    " finding_id = f.id AND sweep_id > $2::bigint AND sweep_id <= $1::bigint) e), "
    "o.path, o.commit_id, o.author, coalesce(o.line, 0), coalesce(o.in_head, -1), "
    "(SELECT now FROM sweeps WHERE id = $1::bigint) "
    "FROM findings f JOIN targets t ON t.id = f.target_id JOIN secrets sc ON sc.id = f.secret_id "
    "LEFT JOIN decisions d ON d.id = (SELECT max(id) FROM decisions WHERE finding_id = f.id) "
    "LEFT JOIN occurrences o ON o.id = (SELECT min(id) FROM occurrences WHERE "
    " finding_id = f.id AND sweep_id = $1::bigint) "
    "WHERE f.first_seen_sweep <= $1::bigint AND ($3::bigint = 0 OR f.target_id = $3::bigint) AND "
    "($4::int = 0 OR o.id IS NOT NULL) "
    "ORDER BY f.is_fallback DESC, coalesce(f.standing, 0) DESC, coalesce(f.risk, -1) DESC, "
    "t.display COLLATE \"C\", f.place COLLATE \"C\", f.public_id COLLATE \"C\"";

static int pg_findings(struct fbs_store *st, const struct fbs_store_query *qq, fbs_store_row_cb cb,
                       void *payload)
{
    struct fbs_store_row row;
    char b1[24], b2[24], b3[24];
    const char *p[4] = {I64(b1, qq->sweep), I64(b2, qq->from ? qq->from : qq->sweep),
                        I64(b3, qq->target_id), qq->seen_in_sweep ? "1" : "0"};
    PGresult *r = NULL;
    int rc, i;

    rc = run1(P(st), &r, "cannot read the findings", findings_sql, 4, p);
    for (i = 0; rc == 0 && i < PQntuples(r); i++) {
        fbs_time_t now = ival(r, i, 31);

        memset(&row, 0, sizeof(row));
        row.public_id = val(r, i, 0);
        row.target_id = ival(r, i, 1);
        row.target = val(r, i, 2);
        row.secret_id = val(r, i, 3);
        row.redacted = val(r, i, 4);
        row.rule_id = val(r, i, 5);
        row.place = val(r, i, 6);
        row.kind = val(r, i, 7);
        row.lifecycle = val(r, i, 8) ? val(r, i, 8) : "open";
        row.first_seen_sweep = ival(r, i, 9);
        row.last_seen_sweep = ival(r, i, 10);
        row.first_seen = ival(r, i, 11);
        row.last_seen = ival(r, i, 12);
        row.risk = (int)ival(r, i, 13);
        row.severity = val(r, i, 14);
        row.standing = (int)ival(r, i, 15);
        row.is_fallback = ival(r, i, 16) != 0;
        row.record = val(r, i, 17);
        row.score_input = val(r, i, 18);
        row.decision = val(r, i, 19);
        row.reason = val(r, i, 20);
        row.reviewer = val(r, i, 21);
        row.ticket = val(r, i, 22);
        row.decided = ival(r, i, 23);
        row.expires = ival(r, i, 24);
        row.events = (unsigned)ival(r, i, 25);
        row.occ_path = val(r, i, 26);
        row.occ_commit = val(r, i, 27);
        row.occ_author = val(r, i, 28);
        row.occ_line = (unsigned)ival(r, i, 29);
        row.occ_in_head = (int)ival(r, i, 30);
        fbs_store_row_state(&row, now);
        rc = cb(&row, payload);
    }
    PQclear(r);
    return rc;
}

static int pg_decide(struct fbs_store *st, const struct fbs_store_decision *d)
{
    char b1[24], b2[24];
    const char *p[7] = {d->state,  d->reason,      d->reviewer,
                        d->ticket, I64(b1, d->at), time_or_null(b2, sizeof(b2), d->expires),
                        d->finding};
    PGresult *r = NULL;
    int rc;

    if (!d->reason || !*d->reason)
        return fbs_error_set(FBS_EINVAL, "a decision needs a reason");
    rc = run1(P(st), &r, "cannot record the decision",
              "INSERT INTO decisions(finding_id, sweep_id, state, reason, reviewer, ticket, at, "
              "expires) SELECT id, (SELECT max(id) FROM sweeps), $1, $2, $3, $4, $5::bigint, "
              "$6::bigint FROM findings WHERE public_id = $7 RETURNING id",
              7, p);
    if (rc == 0 && PQntuples(r) == 0)
        rc = fbs_error_set(FBS_ENOTFOUND, "no finding '%s' in datastore '%s'", d->finding,
                           P(st)->where);
    PQclear(r);
    return rc;
}

/* The verification cache ------------------------------------------------------------------ */

static int pg_verification_get(struct fbs_store *st, const char *verifier, const char *secret_id,
                               const char *context, char **fact, fbs_time_t *at)
{
    const char *p[3] = {verifier, secret_id, context ? context : ""};
    PGresult *r = NULL;
    int rc;

    *fact = NULL;
    *at = 0;
    rc = run1(P(st), &r, "cannot read the verification cache",
              "SELECT fact, at FROM verifications WHERE verifier = $1 AND secret_hmac = $2 AND "
              "context = $3",
              3, p);
    if (rc == 0 && PQntuples(r) == 1) {
        *at = ival(r, 0, 1);
        *fact = fbs_strdup(val(r, 0, 0) ? val(r, 0, 0) : "{}");
        rc = *fact ? 1 : fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    PQclear(r);
    return rc;
}

static int pg_verification_put(struct fbs_store *st, const struct fbs_store_verification *v)
{
    char b1[24];
    const char *p[6] = {v->verifier, v->secret_id,   v->context ? v->context : "",
                        v->status,   I64(b1, v->at), v->fact};

    /* Workers of a fleet share the cache: the newest result wins, whoever wrote it. */
    return run1(P(st), NULL, "cannot record a verification",
                "INSERT INTO verifications(verifier, secret_hmac, context, status, at, fact) "
                "VALUES ($1, $2, $3, $4, $5::bigint, $6) ON CONFLICT (verifier, secret_hmac, "
                "context) DO UPDATE SET status = excluded.status, at = excluded.at, fact = "
                "excluded.fact WHERE excluded.at >= verifications.at",
                6, p);
}

const struct fbs_store_ops fbs_store_pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .secret_id = pg_secret_id,
    .sweep_begin = pg_sweep_begin,
    .sweep_get = pg_sweep_get,
    .sweep_finish = pg_sweep_finish,
    .sweep_list = pg_sweep_list,
    .target_known = pg_target_known,
    .target_plan = pg_target_plan,
    .scan_claim = pg_scan_claim,
    .scan_extend = pg_scan_extend,
    .scan_expire = pg_scan_expire,
    .scan_release_all = pg_scan_release_all,
    .scan_prior = pg_scan_prior,
    .scan_commit = pg_scan_commit,
    .scan_fail = pg_scan_fail,
    .scans = pg_scans,
    .findings = pg_findings,
    .decide = pg_decide,
    .verification_get = pg_verification_get,
    .verification_put = pg_verification_put,
};
