/*
 * store_sqlite.c - the embedded datastore: one SQLite file, WAL, STRICT tables, migrations
 * counted in PRAGMA user_version. See datastore.h for the model and docs/sweep.md for the schema.
 *
 * One connection per process; WAL lets readers (`sweep list/diff/report`) run beside the one
 * writer (`sweep run`), and busy_timeout makes a second writer wait rather than fail at once.
 */
#include "datastore.h"
#include "store_int.h"
#include "store_schema.h"
#include "../core/alloc.h"
#include "../core/buf.h"
#include "../core/error.h"

#include <errno.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/banned.h"

#define KEY_LEN         FBS_STORE_KEY_LEN
#define BUSY_TIMEOUT_MS 5000

struct sqlite_store {
    struct fbs_store base; /* first: the handle callers see */
    sqlite3 *db;
    char *path;
    unsigned char key[KEY_LEN];
    /* sweep_get() strings live here until the next call. */
    char *sw_version, *sw_hash, *sw_config, *sw_status;
};

static struct sqlite_store *S(struct fbs_store *st)
{
    return (struct sqlite_store *)st;
}

/* An error from SQLite, naming the datastore; corrupt and locked files get their own words. */
static int db_error(struct sqlite_store *s, const char *what)
{
    int ec = sqlite3_extended_errcode(s->db), pc = ec & 0xff;

    if (pc == SQLITE_BUSY || pc == SQLITE_LOCKED)
        return fbs_error_set(FBS_EIO,
                             "datastore '%s' is locked by another process (%s); try again when "
                             "it is done",
                             s->path, what);
    if (pc == SQLITE_CORRUPT || pc == SQLITE_NOTADB)
        return fbs_error_set(FBS_EPARSE, "datastore '%s' is corrupt or not a datastore (%s: %s)",
                             s->path, what, sqlite3_errmsg(s->db));
    if (pc == SQLITE_NOMEM)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    if (pc == SQLITE_CONSTRAINT)
        return fbs_error_set(FBS_EINVAL, "datastore '%s': %s: %s", s->path, what,
                             sqlite3_errmsg(s->db));
    return fbs_error_set(FBS_EIO, "datastore '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int exec(struct sqlite_store *s, const char *sql)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_error(s, "cannot run a statement");
    return 0;
}

static int prep(struct sqlite_store *s, sqlite3_stmt **out, const char *sql)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK) {
        *out = NULL;
        return db_error(s, "cannot prepare a statement");
    }
    return 0;
}

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

static void bind_time(sqlite3_stmt *q, int i, fbs_time_t t)
{
    if (t)
        sqlite3_bind_int64(q, i, t);
    else
        sqlite3_bind_null(q, i);
}

static const char *col_text(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* Step a statement that returns no row (or whose rows we do not read). */
static int step_done(struct sqlite_store *s, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_error(s, what);
    return 0;
}

static int rollback(struct sqlite_store *s, int rc)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Schema and key --------------------------------------------------------------------------- */

static int user_version(struct sqlite_store *s, int *out)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q, "PRAGMA user_version");

    if (rc == 0 && sqlite3_step(q) == SQLITE_ROW)
        *out = sqlite3_column_int(q, 0);
    else if (rc == 0)
        rc = db_error(s, "cannot read the schema version");
    sqlite3_finalize(q);
    return rc;
}

/* Whether the file holds tables that are not ours (user_version 0 but not empty). */
static int foreign_tables(struct sqlite_store *s, bool *out)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q, "SELECT count(*) FROM sqlite_master");

    if (rc == 0 && sqlite3_step(q) == SQLITE_ROW)
        *out = sqlite3_column_int(q, 0) > 0;
    else if (rc == 0)
        rc = db_error(s, "cannot read the schema");
    sqlite3_finalize(q);
    return rc;
}

static int migrate(struct sqlite_store *s)
{
    int version = 0, rc;
    bool other = false;
    char sql[64];

    rc = exec(s, "BEGIN IMMEDIATE");
    if (rc < 0)
        return rc;
    rc = user_version(s, &version);
    if (rc == 0 && version > FBS_STORE_SCHEMA_VERSION)
        rc = fbs_error_set(FBS_EUNSUPPORTED,
                           "datastore '%s' has schema version %d, newer than this fallback-scan "
                           "understands (schema version %d): use a newer fallback-scan",
                           s->path, version, FBS_STORE_SCHEMA_VERSION);
    if (rc == 0 && version == 0)
        rc = foreign_tables(s, &other);
    if (rc == 0 && other)
        rc = fbs_error_set(FBS_EPARSE,
                           "'%s' is an SQLite database but not a fallback-scan datastore "
                           "(it has tables and no schema version)",
                           s->path);
    while (rc == 0 && version < FBS_STORE_SCHEMA_VERSION) {
        rc = exec(s, fbs_store_migrations[version]);
        version++;
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
        if (rc == 0)
            rc = exec(s, sql);
    }
    if (rc < 0)
        return rollback(s, rc);
    return exec(s, "COMMIT");
}

/* The HMAC key: random, made once, kept in the datastore (meta.secret_key). */
static int load_key(struct sqlite_store *s)
{
    sqlite3_stmt *q = NULL;
    unsigned char key[KEY_LEN];
    int rc, step;

    rc = exec(s, "BEGIN IMMEDIATE");
    if (rc == 0)
        rc = prep(s, &q, "SELECT value FROM meta WHERE key = 'secret_key'");
    if (rc == 0) {
        step = sqlite3_step(q);
        if (step == SQLITE_ROW && sqlite3_column_bytes(q, 0) == KEY_LEN) {
            memcpy(s->key, sqlite3_column_blob(q, 0), KEY_LEN);
        } else if (step == SQLITE_DONE) {
            sqlite3_finalize(q);
            q = NULL;
            if (RAND_bytes(key, KEY_LEN) != 1)
                rc = fbs_error_set(FBS_EINTERNAL, "cannot make a random key");
            if (rc == 0)
                rc = prep(s, &q, "INSERT INTO meta(key, value) VALUES ('secret_key', ?)");
            if (rc == 0) {
                sqlite3_bind_blob(q, 1, key, KEY_LEN, SQLITE_TRANSIENT);
                rc = step_done(s, q, "cannot store the key");
            }
            if (rc == 0)
                memcpy(s->key, key, KEY_LEN);
            OPENSSL_cleanse(key, sizeof(key));
        } else {
            rc = step == SQLITE_ROW
                     ? fbs_error_set(FBS_EPARSE, "datastore '%s': its secret key is damaged",
                                     s->path)
                     : db_error(s, "cannot read the key");
        }
    }
    sqlite3_finalize(q);
    if (rc < 0)
        return rollback(s, rc);
    return exec(s, "COMMIT");
}

/* mkdir -p of the directory holding `path`. */
static int make_parents(const char *path)
{
    char *dir = fbs_strdup(path), *p;
    int rc = 0;

    if (!dir)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    for (p = dir + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            rc = fbs_error_set(FBS_EIO, "cannot create '%s': %s", dir, strerror(errno));
        *p = '/';
    }
    fbs_free(dir);
    return rc;
}

static void sqlite_close(struct fbs_store *st)
{
    struct sqlite_store *s = S(st);

    if (!s)
        return;
    sqlite3_close_v2(s->db);
    OPENSSL_cleanse(s->key, sizeof(s->key));
    fbs_free(s->path);
    fbs_free(s->sw_version);
    fbs_free(s->sw_hash);
    fbs_free(s->sw_config);
    fbs_free(s->sw_status);
    fbs_free(s);
}

int fbs_store_sqlite_open(struct fbs_store **out, const char *path, bool create)
{
    struct sqlite_store *s = NULL;
    struct stat sb;
    int rc = 0, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

    *out = NULL;
    if (stat(path, &sb) < 0) {
        if (!create)
            return fbs_error_set(FBS_ENOTFOUND, "no datastore at '%s' (run 'sweep run' first)",
                                 path);
        rc = make_parents(path);
        if (rc < 0)
            return rc;
        flags |= SQLITE_OPEN_CREATE;
    } else if (!S_ISREG(sb.st_mode)) {
        return fbs_error_set(FBS_EIO, "datastore '%s' is not a regular file", path);
    }
    s = fbs_calloc(1, sizeof(*s));
    if (!s || !(s->path = fbs_strdup(path))) {
        fbs_free(s);
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    s->base.ops = &fbs_store_sqlite_ops;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        rc = fbs_error_set(FBS_EIO, "cannot open datastore '%s': %s", path,
                           s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto done;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    /* The first read tells a database from anything else. */
    rc = exec(s, "PRAGMA foreign_keys = ON");
    if (rc == 0) {
        int v = 0;

        rc = user_version(s, &v);
        if (rc == 0 && v > FBS_STORE_SCHEMA_VERSION)
            rc = fbs_error_set(FBS_EUNSUPPORTED,
                               "datastore '%s' has schema version %d, newer than this "
                               "fallback-scan understands (schema version %d): use a newer "
                               "fallback-scan",
                               path, v, FBS_STORE_SCHEMA_VERSION);
    }
    if (rc == 0)
        rc = exec(s, "PRAGMA journal_mode = WAL");
    if (rc == 0)
        rc = exec(s, "PRAGMA synchronous = NORMAL");
    if (rc == 0)
        rc = migrate(s);
    if (rc == 0)
        rc = load_key(s);
done:
    if (rc < 0) {
        sqlite_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return 0;
}

/* Operations ------------------------------------------------------------------------------- */

static int sqlite_secret_id(struct fbs_store *st, char out[65], const void *secret, size_t len)
{
    return fbs_store_secret_id(S(st)->key, out, secret, len);
}

static int sqlite_sweep_begin(struct fbs_store *st, const struct fbs_store_sweep *sw, int64_t *out)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q,
                  "INSERT INTO sweeps(started, now, tool_version, rules_hash, config, status) "
                  "VALUES (?, ?, ?, ?, ?, 'running')");

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, sw->started);
    sqlite3_bind_int64(q, 2, sw->now);
    bind_text(q, 3, sw->tool_version);
    bind_text(q, 4, sw->rules_hash);
    bind_text(q, 5, sw->config);
    rc = step_done(s, q, "cannot record the sweep");
    if (rc == 0)
        *out = sqlite3_last_insert_rowid(s->db);
    sqlite3_finalize(q);
    return rc;
}

#define SWEEP_COLS                                                                                 \
    "s.id, s.started, s.finished, s.now, s.tool_version, s.rules_hash, s.config, s.status, "       \
    "(SELECT count(*) FROM target_scans t WHERE t.sweep_id = s.id), "                              \
    "(SELECT count(*) FROM target_scans t WHERE t.sweep_id = s.id AND t.status = 'done'), "        \
    "(SELECT count(*) FROM target_scans t WHERE t.sweep_id = s.id AND t.status = 'failed'), "      \
    "(SELECT coalesce(sum(t.nfindings), 0) FROM target_scans t WHERE t.sweep_id = s.id) "

static void sweep_row(sqlite3_stmt *q, struct fbs_store_sweep *o)
{
    memset(o, 0, sizeof(*o));
    o->id = sqlite3_column_int64(q, 0);
    o->started = sqlite3_column_int64(q, 1);
    o->finished = sqlite3_column_int64(q, 2);
    o->now = sqlite3_column_int64(q, 3);
    o->tool_version = col_text(q, 4);
    o->rules_hash = col_text(q, 5);
    o->config = col_text(q, 6);
    o->status = col_text(q, 7);
    o->ntargets = sqlite3_column_int64(q, 8);
    o->ndone = sqlite3_column_int64(q, 9);
    o->nfailed = sqlite3_column_int64(q, 10);
    o->nfindings = sqlite3_column_int64(q, 11);
}

static int keep(char **slot, const char *v)
{
    fbs_free(*slot);
    *slot = NULL;
    if (v && !(*slot = fbs_strdup(v)))
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    return 0;
}

static int sqlite_sweep_get(struct fbs_store *st, int64_t id, struct fbs_store_sweep *out)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc, step;

    rc = prep(s, &q,
              id > 0    ? "SELECT " SWEEP_COLS "FROM sweeps s WHERE s.id = ?"
              : id == 0 ? "SELECT " SWEEP_COLS "FROM sweeps s ORDER BY s.id DESC LIMIT 1"
                        : "SELECT " SWEEP_COLS "FROM sweeps s WHERE s.status IN "
                          "('running', 'interrupted') ORDER BY s.id DESC LIMIT 1");
    if (rc < 0)
        return rc;
    if (id > 0)
        sqlite3_bind_int64(q, 1, id);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        sweep_row(q, out);
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
    } else if (step != SQLITE_DONE) {
        rc = db_error(s, "cannot read the sweeps");
    }
    sqlite3_finalize(q);
    return rc;
}

static int sqlite_sweep_finish(struct fbs_store *st, int64_t id, const char *status, fbs_time_t at)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q, "UPDATE sweeps SET status = ?, finished = ? WHERE id = ?");

    if (rc < 0)
        return rc;
    bind_text(q, 1, status);
    bind_time(q, 2, at);
    sqlite3_bind_int64(q, 3, id);
    rc = step_done(s, q, "cannot finish the sweep");
    sqlite3_finalize(q);
    return rc;
}

static int sqlite_sweep_list(struct fbs_store *st, fbs_store_sweep_cb cb, void *payload)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    struct fbs_store_sweep row;
    int rc = prep(s, &q, "SELECT " SWEEP_COLS "FROM sweeps s ORDER BY s.id"), step;

    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        sweep_row(q, &row);
        rc = cb(&row, payload);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(s, "cannot read the sweeps");
    sqlite3_finalize(q);
    return rc;
}

/* Find a target by identity, else (a rename) by root commits among those not in this sweep. */
static int find_target(struct sqlite_store *s, int64_t sweep, const struct fbs_store_target *t,
                       int64_t *out, bool *renamed)
{
    sqlite3_stmt *q = NULL;
    int rc, step;

    *out = 0;
    *renamed = false;
    rc = prep(s, &q, "SELECT id FROM targets WHERE identity = ?");
    if (rc < 0)
        return rc;
    bind_text(q, 1, t->identity);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else if (step != SQLITE_DONE)
        rc = db_error(s, "cannot read the targets");
    sqlite3_finalize(q);
    if (rc < 0 || *out || !t->root_commits)
        return rc;
    /* Exactly one candidate, or it is a fork and not a rename. */
    rc = prep(s, &q,
              "SELECT id FROM targets WHERE root_commits = ? AND kind = ? AND id NOT IN "
              "(SELECT target_id FROM target_scans WHERE sweep_id = ?) LIMIT 2");
    if (rc < 0)
        return rc;
    bind_text(q, 1, t->root_commits);
    bind_text(q, 2, t->kind);
    sqlite3_bind_int64(q, 3, sweep);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);

        if (sqlite3_step(q) == SQLITE_DONE) {
            *out = id;
            *renamed = true;
        }
    } else if (step != SQLITE_DONE) {
        rc = db_error(s, "cannot read the targets");
    }
    sqlite3_finalize(q);
    return rc;
}

static int sqlite_target_known(struct fbs_store *st, const char *identity)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q, "SELECT 1 FROM targets WHERE identity = ?"), step;

    if (rc < 0)
        return rc;
    bind_text(q, 1, identity);
    step = sqlite3_step(q);
    rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : db_error(s, "cannot read the targets");
    sqlite3_finalize(q);
    return rc;
}

static int sqlite_target_plan(struct fbs_store *st, int64_t sweep, const struct fbs_store_target *t,
                              const char *spec, int64_t *out_scan)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int64_t tid = 0;
    bool renamed = false, dup = false;
    int rc;

    rc = exec(s, "BEGIN IMMEDIATE");
    if (rc < 0)
        return rc;
    rc = find_target(s, sweep, t, &tid, &renamed);
    if (rc == 0 && !tid) {
        rc = prep(s, &q,
                  "INSERT INTO targets(kind, identity, display, root_commits, first_sweep) "
                  "VALUES (?, ?, ?, ?, ?)");
        if (rc == 0) {
            bind_text(q, 1, t->kind);
            bind_text(q, 2, t->identity);
            bind_text(q, 3, t->display);
            bind_text(q, 4, t->root_commits);
            sqlite3_bind_int64(q, 5, sweep);
            rc = step_done(s, q, "cannot record a target");
            tid = sqlite3_last_insert_rowid(s->db);
        }
    } else if (rc == 0) {
        /* Keep the identity current; a rename keeps the old one among the aliases. */
        rc = prep(s, &q,
                  renamed ? "UPDATE targets SET aliases = json_insert(aliases, '$[#]', identity), "
                            "identity = ?, display = ?, root_commits = coalesce(?, root_commits) "
                            "WHERE id = ?"
                          : "UPDATE targets SET identity = ?, display = ?, "
                            "root_commits = coalesce(?, root_commits) WHERE id = ?");
        if (rc == 0) {
            bind_text(q, 1, t->identity);
            bind_text(q, 2, t->display);
            bind_text(q, 3, t->root_commits);
            sqlite3_bind_int64(q, 4, tid);
            rc = step_done(s, q, "cannot update a target");
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc == 0)
        rc = prep(s, &q,
                  "INSERT INTO target_scans(sweep_id, target_id, spec, status) "
                  "VALUES (?, ?, ?, 'pending') ON CONFLICT(sweep_id, target_id) DO NOTHING");
    if (rc == 0) {
        sqlite3_bind_int64(q, 1, sweep);
        sqlite3_bind_int64(q, 2, tid);
        bind_text(q, 3, spec);
        rc = step_done(s, q, "cannot plan a target scan");
        dup = rc == 0 && sqlite3_changes(s->db) == 0;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc == 0)
        rc = prep(s, &q, "SELECT id FROM target_scans WHERE sweep_id = ? AND target_id = ?");
    if (rc == 0) {
        sqlite3_bind_int64(q, 1, sweep);
        sqlite3_bind_int64(q, 2, tid);
        if (sqlite3_step(q) == SQLITE_ROW)
            *out_scan = sqlite3_column_int64(q, 0);
        else
            rc = db_error(s, "cannot read a target scan");
    }
    sqlite3_finalize(q);
    if (rc < 0)
        return rollback(s, rc);
    rc = exec(s, "COMMIT");
    return rc < 0 ? rc : dup ? 1 : 0;
}

void fbs_store_claim_release(struct fbs_store_claim *c)
{
    fbs_free(c->spec);
    fbs_free(c->display);
    memset(c, 0, sizeof(*c));
}

void fbs_store_prior_release(struct fbs_store_prior *p)
{
    fbs_free(p->tips);
    fbs_free(p->rules_hash);
    memset(p, 0, sizeof(*p));
}

static int sqlite_scan_claim(struct fbs_store *st, int64_t sweep, const char *owner,
                             fbs_time_t clock, int64_t lease, struct fbs_store_claim *out)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc, step;

    memset(out, 0, sizeof(*out));
    rc = prep(s, &q,
              "UPDATE target_scans SET status = 'running', attempts = attempts + 1, "
              "lease_owner = ?1, lease_expires = ?2 + ?3, started = ?2 "
              "WHERE id = (SELECT id FROM target_scans WHERE sweep_id = ?4 AND "
              "(status = 'pending' OR (status = 'running' AND lease_expires < ?2 AND "
              "lease_owner IS NOT ?1)) "
              "ORDER BY id LIMIT 1) "
              "RETURNING id, target_id, attempts, spec, "
              "(SELECT display FROM targets WHERE targets.id = target_id)");
    if (rc < 0)
        return rc;
    bind_text(q, 1, owner);
    sqlite3_bind_int64(q, 2, clock);
    sqlite3_bind_int64(q, 3, lease);
    sqlite3_bind_int64(q, 4, sweep);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        out->scan_id = sqlite3_column_int64(q, 0);
        out->target_id = sqlite3_column_int64(q, 1);
        out->attempts = sqlite3_column_int64(q, 2);
        out->spec = fbs_strdup(col_text(q, 3) ? col_text(q, 3) : "{}");
        out->display = fbs_strdup(col_text(q, 4) ? col_text(q, 4) : "");
        rc = out->spec && out->display ? 1 : fbs_error_set(FBS_ENOMEM, "out of memory");
        if (sqlite3_step(q) != SQLITE_DONE && rc == 1)
            rc = db_error(s, "cannot claim a target scan");
    } else if (step != SQLITE_DONE) {
        rc = db_error(s, "cannot claim a target scan");
    }
    sqlite3_finalize(q);
    if (rc < 0)
        fbs_store_claim_release(out);
    return rc;
}

static int sqlite_scan_release_all(struct fbs_store *st, int64_t sweep)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q,
                  "UPDATE target_scans SET status = 'pending', lease_owner = NULL, "
                  "lease_expires = NULL WHERE sweep_id = ? AND status IN ('running', 'failed')");

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, sweep);
    rc = step_done(s, q, "cannot release the target scans");
    sqlite3_finalize(q);
    if (rc == 0)
        rc = sqlite_sweep_finish(st, sweep, "running", 0);
    return rc;
}

static int sqlite_scan_extend(struct fbs_store *st, int64_t sweep, const char *owner,
                              fbs_time_t clock, int64_t lease)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q,
                  "UPDATE target_scans SET lease_expires = ?3 + ?4 WHERE sweep_id = ?1 AND "
                  "status = 'running' AND lease_owner = ?2");

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, sweep);
    bind_text(q, 2, owner);
    sqlite3_bind_int64(q, 3, clock);
    sqlite3_bind_int64(q, 4, lease);
    rc = step_done(s, q, "cannot extend the leases");
    sqlite3_finalize(q);
    return rc;
}

static int sqlite_scan_expire(struct fbs_store *st, int64_t sweep, fbs_time_t clock,
                              int64_t max_attempts)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q,
                  "UPDATE target_scans SET status = 'failed', finished = ?2, errors = "
                  "json_array(json_object('kind', 'target_failed', 'message', "
                  "'its worker stopped (lease expired) ' || attempts || ' times; last worker ' "
                  "|| coalesce(lease_owner, '?'))), lease_owner = NULL, lease_expires = NULL "
                  "WHERE sweep_id = ?1 AND status = 'running' AND lease_expires < ?2 AND "
                  "attempts >= ?3");

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, sweep);
    sqlite3_bind_int64(q, 2, clock);
    sqlite3_bind_int64(q, 3, max_attempts);
    rc = step_done(s, q, "cannot expire the leases");
    sqlite3_finalize(q);
    return rc < 0 ? rc : sqlite3_changes(s->db);
}

static int sqlite_scan_prior(struct fbs_store *st, int64_t target, int64_t sweep,
                             struct fbs_store_prior *out)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc, step;

    memset(out, 0, sizeof(*out));
    rc = prep(s, &q,
              "SELECT id, sweep_id, tips, rules_hash FROM target_scans WHERE target_id = ? AND "
              "sweep_id < ? AND status = 'done' AND complete = 1 ORDER BY sweep_id DESC LIMIT 1");
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, target);
    sqlite3_bind_int64(q, 2, sweep);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        out->found = true;
        out->scan_id = sqlite3_column_int64(q, 0);
        out->sweep_id = sqlite3_column_int64(q, 1);
        if ((col_text(q, 2) && !(out->tips = fbs_strdup(col_text(q, 2)))) ||
            (col_text(q, 3) && !(out->rules_hash = fbs_strdup(col_text(q, 3)))))
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    } else if (step != SQLITE_DONE) {
        rc = db_error(s, "cannot read the target scans");
    }
    sqlite3_finalize(q);
    if (rc < 0)
        fbs_store_prior_release(out);
    return rc;
}

static int sqlite_scan_fail(struct fbs_store *st, int64_t scan, const char *errors, fbs_time_t at)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q,
                  "UPDATE target_scans SET status = 'failed', finished = ?, errors = ?, "
                  "lease_owner = NULL, lease_expires = NULL WHERE id = ?");

    if (rc < 0)
        return rc;
    bind_time(q, 1, at);
    bind_text(q, 2, errors ? errors : "[]");
    sqlite3_bind_int64(q, 3, scan);
    rc = step_done(s, q, "cannot record a failed target scan");
    sqlite3_finalize(q);
    return rc;
}

/* scan_commit ------------------------------------------------------------------------------ */

struct commit_ctx {
    struct sqlite_store *s;
    int64_t sweep, target, scan;
    fbs_time_t now;
    const char *identity;
};

static int one_int(struct sqlite_store *s, const char *sql, int64_t a, int64_t *out, bool *found)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q, sql), step;

    *found = false;
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, a);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        *found = true;
    } else if (step != SQLITE_DONE) {
        rc = db_error(s, "cannot read the datastore");
    }
    sqlite3_finalize(q);
    return rc;
}

static int add_event(struct commit_ctx *c, int64_t finding, const char *event, const char *detail)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(c->s, &q,
                  "INSERT INTO events(finding_id, sweep_id, event, detail) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT DO NOTHING");

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, finding);
    sqlite3_bind_int64(q, 2, c->sweep);
    bind_text(q, 3, event);
    bind_text(q, 4, detail);
    rc = step_done(c->s, q, "cannot record an event");
    sqlite3_finalize(q);
    return rc;
}

static int secret_row(struct commit_ctx *c, const struct fbs_store_found *f, int64_t *out)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(c->s, &q,
                  "INSERT INTO secrets(hmac, kind, redacted, first_seen) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT(hmac) DO UPDATE SET hmac = excluded.hmac RETURNING id");

    if (rc < 0)
        return rc;
    bind_text(q, 1, f->secret_id);
    bind_text(q, 2, f->kind);
    bind_text(q, 3, f->redacted ? f->redacted : "");
    sqlite3_bind_int64(q, 4, c->now);
    if (sqlite3_step(q) == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        rc = db_error(c->s, "cannot record a secret");
    sqlite3_finalize(q);
    return rc;
}

/* The public id of a finding: keyed, so it reveals nothing of the secret. */
static int public_id(struct commit_ctx *c, const struct fbs_store_found *f, char out[17])
{
    return fbs_store_finding_id(c->s->key, out, c->identity, f->secret_id, f->rule_id, f->place);
}

/* The latest decision on a finding: accepted with an expiry at or before now -> due. */
static int check_due(struct commit_ctx *c, int64_t finding, bool *due)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(c->s, &q,
                  "SELECT d.state, d.expires, d.sweep_id FROM decisions d WHERE d.finding_id = ? "
                  "ORDER BY d.id DESC LIMIT 1");

    *due = false;
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, finding);
    if (sqlite3_step(q) == SQLITE_ROW && !strcmp(col_text(q, 0), "accepted") &&
        sqlite3_column_type(q, 1) != SQLITE_NULL && sqlite3_column_int64(q, 1) <= c->now) {
        int64_t since = sqlite3_column_int64(q, 2), n = 0;
        bool found = false;
        sqlite3_stmt *e = NULL;

        /* Once per decision: not if a due event already followed it. */
        rc = prep(c->s, &e,
                  "SELECT count(*) FROM events WHERE finding_id = ? AND event = 'due' AND "
                  "sweep_id > ?");
        if (rc == 0) {
            sqlite3_bind_int64(e, 1, finding);
            sqlite3_bind_int64(e, 2, since);
            if (sqlite3_step(e) == SQLITE_ROW) {
                n = sqlite3_column_int64(e, 0);
                found = true;
            }
        }
        sqlite3_finalize(e);
        *due = rc == 0 && found && n == 0;
    }
    sqlite3_finalize(q);
    return rc;
}

static int record_found(struct commit_ctx *c, const struct fbs_store_found *f)
{
    struct sqlite_store *s = c->s;
    sqlite3_stmt *q = NULL;
    int64_t secret = 0, finding = 0, last_seen = 0;
    const char *state = NULL;
    char pid[17], *prev = NULL;
    bool due = false;
    int rc;

    rc = secret_row(c, f, &secret);
    if (rc == 0)
        rc = public_id(c, f, pid);
    if (rc == 0)
        rc = prep(s, &q,
                  "SELECT id, state, last_seen_sweep FROM findings WHERE target_id = ? AND "
                  "secret_id = ? AND rule_id = ? AND place = ?");
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, c->target);
    sqlite3_bind_int64(q, 2, secret);
    bind_text(q, 3, f->rule_id ? f->rule_id : "");
    bind_text(q, 4, f->place ? f->place : "");
    if (sqlite3_step(q) == SQLITE_ROW) {
        finding = sqlite3_column_int64(q, 0);
        state = col_text(q, 1);
        last_seen = sqlite3_column_int64(q, 2);
        prev = fbs_strdup(state ? state : "open");
        if (!prev)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc < 0)
        return rc;
    if (!finding) {
        rc = prep(s, &q,
                  "INSERT INTO findings(public_id, target_id, secret_id, rule_id, place, "
                  "first_seen_sweep, last_seen_sweep, first_seen, last_seen, state, risk, "
                  "severity, standing, is_fallback, record, score_input) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?7, 'open', ?8, ?9, ?10, ?11, ?12, "
                  "?13)");
        if (rc == 0) {
            sqlite3_bind_text(q, 1, pid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(q, 2, c->target);
            sqlite3_bind_int64(q, 3, secret);
            bind_text(q, 4, f->rule_id ? f->rule_id : "");
            bind_text(q, 5, f->place ? f->place : "");
            sqlite3_bind_int64(q, 6, c->sweep);
            sqlite3_bind_int64(q, 7, c->now);
            if (f->risk >= 0)
                sqlite3_bind_int(q, 8, f->risk);
            bind_text(q, 9, f->severity);
            if (f->standing >= 0)
                sqlite3_bind_int(q, 10, f->standing);
            sqlite3_bind_int(q, 11, f->is_fallback);
            bind_text(q, 12, f->record ? f->record : "{}");
            bind_text(q, 13, f->score_input ? f->score_input : "{}");
            rc = step_done(s, q, "cannot record a finding");
            finding = sqlite3_last_insert_rowid(s->db);
        }
        if (rc == 0)
            rc = add_event(c, finding, "new", NULL);
    } else if (last_seen <= c->sweep) {
        bool reopen = !strcmp(prev, "fixed");

        if (rc == 0)
            rc = check_due(c, finding, &due);
        rc = rc < 0 ? rc
                    : prep(s, &q,
                           "UPDATE findings SET last_seen_sweep = ?1, last_seen = ?2, state = ?3, "
                           "risk = ?4, severity = ?5, standing = ?6, is_fallback = ?7, "
                           "record = ?8, score_input = ?9 WHERE id = ?10");
        if (rc == 0) {
            sqlite3_bind_int64(q, 1, c->sweep);
            sqlite3_bind_int64(q, 2, c->now);
            sqlite3_bind_text(q, 3, reopen || due ? "reopened" : prev, -1, SQLITE_TRANSIENT);
            if (f->risk >= 0)
                sqlite3_bind_int(q, 4, f->risk);
            bind_text(q, 5, f->severity);
            if (f->standing >= 0)
                sqlite3_bind_int(q, 6, f->standing);
            sqlite3_bind_int(q, 7, f->is_fallback);
            bind_text(q, 8, f->record ? f->record : "{}");
            bind_text(q, 9, f->score_input ? f->score_input : "{}");
            sqlite3_bind_int64(q, 10, finding);
            rc = step_done(s, q, "cannot update a finding");
        }
        if (rc == 0 && reopen)
            rc = add_event(c, finding, "reopened", "seen again after it was fixed");
        if (rc == 0 && due)
            rc = add_event(c, finding, "due", "the acceptance expired");
        if (rc == 0 && due && !reopen)
            rc = add_event(c, finding, "reopened", "the acceptance expired");
    }
    fbs_free(prev);
    sqlite3_finalize(q);
    q = NULL;
    if (rc == 0)
        rc = prep(s, &q,
                  "INSERT INTO occurrences(finding_id, sweep_id, scan_id, path, line, commit_id, "
                  "author, in_head, carried) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON CONFLICT DO NOTHING");
    if (rc == 0) {
        sqlite3_bind_int64(q, 1, finding);
        sqlite3_bind_int64(q, 2, c->sweep);
        sqlite3_bind_int64(q, 3, c->scan);
        bind_text(q, 4, f->path ? f->path : "");
        sqlite3_bind_int(q, 5, (int)f->line);
        bind_text(q, 6, f->commit ? f->commit : "");
        bind_text(q, 7, f->author);
        if (f->in_head >= 0)
            sqlite3_bind_int(q, 8, f->in_head);
        sqlite3_bind_int(q, 9, f->carried);
        rc = step_done(s, q, "cannot record an occurrence");
    }
    sqlite3_finalize(q);
    return rc;
}

static int mark_fixed(struct commit_ctx *c)
{
    sqlite3_stmt *q = NULL;
    int rc = prep(c->s, &q,
                  "INSERT INTO events(finding_id, sweep_id, event, detail) SELECT id, ?1, 'fixed', "
                  "'not found by a complete scan' FROM findings WHERE target_id = ?2 AND state <> "
                  "'fixed' AND last_seen_sweep < ?1 ON CONFLICT DO NOTHING");

    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, c->sweep);
    sqlite3_bind_int64(q, 2, c->target);
    rc = step_done(c->s, q, "cannot record fixed findings");
    sqlite3_finalize(q);
    q = NULL;
    if (rc == 0)
        rc = prep(c->s, &q,
                  "UPDATE findings SET state = 'fixed', fixed_sweep = ?1 WHERE target_id = ?2 "
                  "AND state <> 'fixed' AND last_seen_sweep < ?1");
    if (rc == 0) {
        sqlite3_bind_int64(q, 1, c->sweep);
        sqlite3_bind_int64(q, 2, c->target);
        rc = step_done(c->s, q, "cannot record fixed findings");
    }
    sqlite3_finalize(q);
    return rc;
}

static int sqlite_scan_commit(struct fbs_store *st, int64_t sweep,
                              const struct fbs_store_commit *cm)
{
    struct sqlite_store *s = S(st);
    struct commit_ctx c = {s, sweep, 0, cm->scan_id, 0, NULL};
    sqlite3_stmt *q = NULL;
    char *identity = NULL;
    bool found = false;
    size_t i;
    int rc;

    rc = exec(s, "BEGIN IMMEDIATE");
    if (rc < 0)
        return rc;
    rc = one_int(s, "SELECT now FROM sweeps WHERE id = ?", sweep, &c.now, &found);
    if (rc == 0 && !found)
        rc = fbs_error_set(FBS_ENOTFOUND, "datastore '%s': no sweep %lld", s->path,
                           (long long)sweep);
    if (rc == 0)
        rc = prep(s, &q,
                  "SELECT ts.target_id, ts.status, t.identity FROM target_scans ts JOIN targets t "
                  "ON t.id = ts.target_id WHERE ts.id = ? AND ts.sweep_id = ?");
    if (rc == 0) {
        sqlite3_bind_int64(q, 1, cm->scan_id);
        sqlite3_bind_int64(q, 2, sweep);
        if (sqlite3_step(q) != SQLITE_ROW) {
            rc = fbs_error_set(FBS_ENOTFOUND, "datastore '%s': no target scan %lld", s->path,
                               (long long)cm->scan_id);
        } else if (!strcmp(col_text(q, 1), "done")) {
            rc = 1; /* already recorded: nothing to do (idempotent) */
        } else {
            c.target = sqlite3_column_int64(q, 0);
            identity = fbs_strdup(col_text(q, 2));
            if (!identity)
                rc = fbs_error_set(FBS_ENOMEM, "out of memory");
            c.identity = identity;
        }
    }
    sqlite3_finalize(q);
    q = NULL;
    for (i = 0; rc == 0 && i < cm->nfound; i++)
        rc = record_found(&c, &cm->found[i]);
    if (rc == 0 && cm->complete)
        rc = mark_fixed(&c);
    if (rc == 0)
        rc = prep(s, &q,
                  "UPDATE target_scans SET status = 'done', finished = ?, mode = ?, tips = ?, "
                  "rules_hash = (SELECT rules_hash FROM sweeps WHERE id = ?), complete = ?, "
                  "errors = ?, nfindings = ?, blobs = ?, bytes = ?, lease_owner = NULL, "
                  "lease_expires = NULL WHERE id = ?");
    if (rc == 0) {
        bind_time(q, 1, cm->finished);
        bind_text(q, 2, cm->mode);
        bind_text(q, 3, cm->tips);
        sqlite3_bind_int64(q, 4, sweep);
        sqlite3_bind_int(q, 5, cm->complete);
        bind_text(q, 6, cm->errors ? cm->errors : "[]");
        sqlite3_bind_int64(q, 7, (int64_t)cm->nfound);
        sqlite3_bind_int64(q, 8, (int64_t)cm->blobs);
        sqlite3_bind_int64(q, 9, (int64_t)cm->bytes);
        sqlite3_bind_int64(q, 10, cm->scan_id);
        rc = step_done(s, q, "cannot record the target scan");
    }
    sqlite3_finalize(q);
    q = NULL;
    if (rc == 0)
        rc = prep(s, &q, "UPDATE targets SET last_sweep = ? WHERE id = ?");
    if (rc == 0) {
        sqlite3_bind_int64(q, 1, sweep);
        sqlite3_bind_int64(q, 2, c.target);
        rc = step_done(s, q, "cannot update the target");
    }
    sqlite3_finalize(q);
    fbs_free(identity);
    if (rc != 0)
        return rollback(s, rc < 0 ? rc : 0);
    return exec(s, "COMMIT");
}

/* Reading ---------------------------------------------------------------------------------- */

static int sqlite_scans(struct fbs_store *st, int64_t sweep, fbs_store_scan_cb cb, void *payload)
{
    struct sqlite_store *s = S(st);
    struct fbs_store_scan_row r;
    sqlite3_stmt *q = NULL;
    int rc, step = SQLITE_DONE;

    rc = prep(s, &q,
              "SELECT ts.target_id, t.display, t.kind, ts.status, ts.mode, ts.tips, ts.errors, "
              "ts.attempts, coalesce(ts.nfindings, 0), coalesce(ts.started, 0), "
              "coalesce(ts.finished, 0), coalesce(ts.complete, 0), ts.lease_owner, "
              "coalesce(ts.lease_expires, 0) FROM target_scans ts "
              "JOIN targets t ON t.id = ts.target_id WHERE ts.sweep_id = ? ORDER BY t.display");
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, sweep);
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        r.target_id = sqlite3_column_int64(q, 0);
        r.target = col_text(q, 1);
        r.kind = col_text(q, 2);
        r.status = col_text(q, 3);
        r.mode = col_text(q, 4);
        r.tips = col_text(q, 5);
        r.errors = col_text(q, 6);
        r.attempts = sqlite3_column_int64(q, 7);
        r.nfindings = sqlite3_column_int64(q, 8);
        r.started = sqlite3_column_int64(q, 9);
        r.finished = sqlite3_column_int64(q, 10);
        r.complete = sqlite3_column_int(q, 11) != 0;
        r.lease_owner = col_text(q, 12);
        r.lease_expires = sqlite3_column_int64(q, 13);
        rc = cb(&r, payload);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(s, "cannot read the target scans");
    sqlite3_finalize(q);
    return rc;
}

/*
 * The lifecycle as of a sweep is the last of its new/fixed/reopened events up to that sweep;
 * the latest decision is overlaid in C (effective state).
 */
static const char findings_sql[] =
    "SELECT f.public_id, f.target_id, t.display, sc.hmac, sc.redacted, f.rule_id, f.place, "
    "sc.kind, "
    "(SELECT CASE e.event WHEN 'fixed' THEN 'fixed' WHEN 'reopened' THEN 'reopened' ELSE 'open' "
    " END FROM events e WHERE e.finding_id = f.id AND e.sweep_id <= ?1 AND e.event IN "
    " ('new', 'fixed', 'reopened') ORDER BY e.sweep_id DESC, e.id DESC LIMIT 1), "
    "f.first_seen_sweep, f.last_seen_sweep, f.first_seen, f.last_seen, coalesce(f.risk, -1), "
    "f.severity, coalesce(f.standing, -1), f.is_fallback, f.record, f.score_input, "
    "d.state, d.reason, d.reviewer, d.ticket, coalesce(d.at, 0), coalesce(d.expires, 0), "
    "(SELECT coalesce(sum(CASE e.event WHEN 'new' THEN 1 WHEN 'fixed' THEN 2 WHEN 'reopened' "
    " THEN 4 WHEN 'due' THEN 8 END), 0) FROM (SELECT DISTINCT event FROM events WHERE "
    " finding_id = f.id AND sweep_id > ?2 AND sweep_id <= ?1) e), "
    "o.path, o.commit_id, o.author, coalesce(o.line, 0), coalesce(o.in_head, -1), "
    "(SELECT now FROM sweeps WHERE id = ?1) "
    "FROM findings f JOIN targets t ON t.id = f.target_id JOIN secrets sc ON sc.id = f.secret_id "
    "LEFT JOIN decisions d ON d.id = (SELECT max(id) FROM decisions WHERE finding_id = f.id) "
    "LEFT JOIN occurrences o ON o.rowid = (SELECT min(rowid) FROM occurrences WHERE "
    " finding_id = f.id AND sweep_id = ?1) "
    "WHERE f.first_seen_sweep <= ?1 AND (?3 = 0 OR f.target_id = ?3) AND "
    "(?4 = 0 OR o.rowid IS NOT NULL) "
    "ORDER BY f.is_fallback DESC, coalesce(f.standing, 0) DESC, coalesce(f.risk, -1) DESC, "
    "t.display, f.place, f.public_id";

static int sqlite_findings(struct fbs_store *st, const struct fbs_store_query *qq,
                           fbs_store_row_cb cb, void *payload)
{
    struct sqlite_store *s = S(st);
    struct fbs_store_row r;
    sqlite3_stmt *q = NULL;
    int rc, step = SQLITE_DONE;

    rc = prep(s, &q, findings_sql);
    if (rc < 0)
        return rc;
    sqlite3_bind_int64(q, 1, qq->sweep);
    sqlite3_bind_int64(q, 2, qq->from ? qq->from : qq->sweep);
    sqlite3_bind_int64(q, 3, qq->target_id);
    sqlite3_bind_int(q, 4, qq->seen_in_sweep);
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        fbs_time_t now = sqlite3_column_int64(q, 31);

        memset(&r, 0, sizeof(r));
        r.public_id = col_text(q, 0);
        r.target_id = sqlite3_column_int64(q, 1);
        r.target = col_text(q, 2);
        r.secret_id = col_text(q, 3);
        r.redacted = col_text(q, 4);
        r.rule_id = col_text(q, 5);
        r.place = col_text(q, 6);
        r.kind = col_text(q, 7);
        r.lifecycle = col_text(q, 8) ? col_text(q, 8) : "open";
        r.first_seen_sweep = sqlite3_column_int64(q, 9);
        r.last_seen_sweep = sqlite3_column_int64(q, 10);
        r.first_seen = sqlite3_column_int64(q, 11);
        r.last_seen = sqlite3_column_int64(q, 12);
        r.risk = sqlite3_column_int(q, 13);
        r.severity = col_text(q, 14);
        r.standing = sqlite3_column_int(q, 15);
        r.is_fallback = sqlite3_column_int(q, 16) != 0;
        r.record = col_text(q, 17);
        r.score_input = col_text(q, 18);
        r.decision = col_text(q, 19);
        r.reason = col_text(q, 20);
        r.reviewer = col_text(q, 21);
        r.ticket = col_text(q, 22);
        r.decided = sqlite3_column_int64(q, 23);
        r.expires = sqlite3_column_int64(q, 24);
        r.events = (unsigned)sqlite3_column_int(q, 25);
        r.occ_path = col_text(q, 26);
        r.occ_commit = col_text(q, 27);
        r.occ_author = col_text(q, 28);
        r.occ_line = (unsigned)sqlite3_column_int(q, 29);
        r.occ_in_head = sqlite3_column_int(q, 30);
        fbs_store_row_state(&r, now);
        rc = cb(&r, payload);
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_error(s, "cannot read the findings");
    sqlite3_finalize(q);
    return rc;
}

static int sqlite_decide(struct fbs_store *st, const struct fbs_store_decision *d)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc;

    if (!d->reason || !*d->reason)
        return fbs_error_set(FBS_EINVAL, "a decision needs a reason");
    rc = exec(s, "BEGIN IMMEDIATE");
    if (rc == 0)
        rc = prep(s, &q,
                  "INSERT INTO decisions(finding_id, sweep_id, state, reason, reviewer, ticket, "
                  "at, expires) SELECT id, (SELECT max(id) FROM sweeps), ?, ?, ?, ?, ?, ? FROM "
                  "findings WHERE public_id = ?");
    if (rc == 0) {
        bind_text(q, 1, d->state);
        bind_text(q, 2, d->reason);
        bind_text(q, 3, d->reviewer);
        bind_text(q, 4, d->ticket);
        sqlite3_bind_int64(q, 5, d->at);
        bind_time(q, 6, d->expires);
        bind_text(q, 7, d->finding);
        rc = step_done(s, q, "cannot record the decision");
        if (rc == 0 && sqlite3_changes(s->db) == 0)
            rc = fbs_error_set(FBS_ENOTFOUND, "no finding '%s' in datastore '%s'", d->finding,
                               s->path);
    }
    sqlite3_finalize(q);
    if (rc < 0)
        return rollback(s, rc);
    return exec(s, "COMMIT");
}

/* The verification cache ------------------------------------------------------------------ */

static int sqlite_verification_get(struct fbs_store *st, const char *verifier,
                                   const char *secret_id, const char *context, char **fact,
                                   fbs_time_t *at)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc, step;

    *fact = NULL;
    *at = 0;
    rc = prep(s, &q,
              "SELECT fact, at FROM verifications WHERE verifier = ? AND secret_hmac = ? AND "
              "context = ?");
    if (rc < 0)
        return rc;
    bind_text(q, 1, verifier);
    bind_text(q, 2, secret_id);
    bind_text(q, 3, context ? context : "");
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        *at = sqlite3_column_int64(q, 1);
        *fact = fbs_strdup(col_text(q, 0) ? col_text(q, 0) : "{}");
        rc = *fact ? 1 : fbs_error_set(FBS_ENOMEM, "out of memory");
    } else if (step != SQLITE_DONE) {
        rc = db_error(s, "cannot read the verification cache");
    }
    sqlite3_finalize(q);
    return rc;
}

static int sqlite_verification_put(struct fbs_store *st, const struct fbs_store_verification *v)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = NULL;
    int rc = prep(s, &q,
                  "INSERT INTO verifications(verifier, secret_hmac, context, status, at, fact) "
                  "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (verifier, secret_hmac, context) DO "
                  "UPDATE SET status = excluded.status, at = excluded.at, fact = excluded.fact "
                  "WHERE excluded.at >= verifications.at");

    if (rc < 0)
        return rc;
    bind_text(q, 1, v->verifier);
    bind_text(q, 2, v->secret_id);
    bind_text(q, 3, v->context ? v->context : "");
    bind_text(q, 4, v->status);
    sqlite3_bind_int64(q, 5, v->at);
    bind_text(q, 6, v->fact);
    rc = step_done(s, q, "cannot record a verification");
    sqlite3_finalize(q);
    return rc;
}

const struct fbs_store_ops fbs_store_sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .secret_id = sqlite_secret_id,
    .sweep_begin = sqlite_sweep_begin,
    .sweep_get = sqlite_sweep_get,
    .sweep_finish = sqlite_sweep_finish,
    .sweep_list = sqlite_sweep_list,
    .target_known = sqlite_target_known,
    .target_plan = sqlite_target_plan,
    .scan_claim = sqlite_scan_claim,
    .scan_extend = sqlite_scan_extend,
    .scan_expire = sqlite_scan_expire,
    .scan_release_all = sqlite_scan_release_all,
    .scan_prior = sqlite_scan_prior,
    .scan_commit = sqlite_scan_commit,
    .scan_fail = sqlite_scan_fail,
    .scans = sqlite_scans,
    .findings = sqlite_findings,
    .decide = sqlite_decide,
    .verification_get = sqlite_verification_get,
    .verification_put = sqlite_verification_put,
};

bool fbs_store_is_pg(const char *location)
{
    return !strncmp(location, "postgres://", 11) || !strncmp(location, "postgresql://", 13) ||
           !strncmp(location, "pg:", 3);
}

int fbs_store_open(struct fbs_store **out, const char *location, bool create)
{
    *out = NULL;
    if (fbs_store_is_pg(location)) {
#ifdef FBS_HAVE_LIBPQ
        return fbs_store_pg_open(out, location, create);
#else
        return fbs_error_set(FBS_EUNSUPPORTED,
                             "a PostgreSQL datastore was asked for, but this fallback-scan was "
                             "built without libpq (install libpq-dev and rebuild)");
#endif
    }
    return fbs_store_sqlite_open(out, location, create);
}

void fbs_store_close(struct fbs_store *st)
{
    if (st)
        st->ops->close(st);
}
