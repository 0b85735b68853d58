/* test_store.c - store/store_sqlite.c: the sweep datastore, its schema and its rules of state. */
#include "support/test_support.h"

#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/store/datastore.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

#define DAY 86400

static char db[512];

static struct fbs_store *open_new(void)
{
    struct fbs_store *st = NULL;

    snprintf(db, sizeof(db), "%s/sub/dir/sweeps.db", fbs_test_tmpdir());
    if (fbs_store_open(&st, db, true) != 0)
        fail_msg("open: %s", fbs_error_message());
    return st;
}

static int64_t begin(struct fbs_store *st, fbs_time_t now)
{
    struct fbs_store_sweep s;
    int64_t id = 0;

    memset(&s, 0, sizeof(s));
    s.started = now;
    s.now = now;
    s.tool_version = "test";
    s.rules_hash = "h1";
    assert_int_equal(st->ops->sweep_begin(st, &s, &id), 0);
    return id;
}

static int64_t plan(struct fbs_store *st, int64_t sweep, const char *identity, const char *roots)
{
    struct fbs_store_target t = {"git", identity, identity, roots};
    int64_t scan = 0;

    assert_true(st->ops->target_plan(st, sweep, &t, "{\"kind\":\"git\"}", &scan) >= 0);
    return scan;
}

static struct fbs_store_found found(const char *sid, const char *place)
{
    struct fbs_store_found f;

    memset(&f, 0, sizeof(f));
    f.secret_id = sid;
    f.redacted = "AKIA…WXYZ";
    f.kind = "aws_access_key_id";
    f.rule_id = "aws.key";
    f.place = place;
    f.path = place;
    f.line = 1;
    f.commit = "c1";
    f.in_head = 1;
    f.risk = 80;
    f.severity = "high";
    f.standing = 1;
    f.record = "{}";
    f.score_input = "{}";
    return f;
}

/* Claim the next scan and commit `n` findings. */
static void scan_commit(struct fbs_store *st, int64_t sweep, const struct fbs_store_found *f,
                        size_t n, bool complete)
{
    struct fbs_store_claim cl;
    struct fbs_store_commit cm;

    assert_int_equal(st->ops->scan_claim(st, sweep, "me", 1000, 60, &cl), 1);
    memset(&cm, 0, sizeof(cm));
    cm.scan_id = cl.scan_id;
    cm.finished = 1000;
    cm.mode = "full";
    cm.complete = complete;
    cm.found = f;
    cm.nfound = n;
    assert_int_equal(st->ops->scan_commit(st, sweep, &cm), 0);
    fbs_store_claim_release(&cl);
}

struct collect {
    char state[8][32];
    char id[8][17];
    unsigned events[8];
    bool due[8];
    size_t n;
};

static int collect_row(const struct fbs_store_row *r, void *payload)
{
    struct collect *c = payload;

    if (c->n < 8) {
        snprintf(c->state[c->n], sizeof(c->state[0]), "%s", r->state);
        snprintf(c->id[c->n], sizeof(c->id[0]), "%s", r->public_id);
        c->events[c->n] = r->events;
        c->due[c->n] = r->due;
    }
    c->n++;
    return 0;
}

static struct collect query(struct fbs_store *st, int64_t sweep, int64_t from)
{
    struct fbs_store_query q = {sweep, from, 0, false};
    struct collect c;

    memset(&c, 0, sizeof(c));
    assert_int_equal(st->ops->findings(st, &q, collect_row, &c), 0);
    return c;
}

static void test_store__creates_schema_and_key(void **state)
{
    struct fbs_store *st = open_new(), *again = NULL;
    char a[65], b[65];
    sqlite3 *raw = NULL;
    sqlite3_stmt *q = NULL;

    (void)state;
    assert_int_equal(st->ops->secret_id(st, a, "s3cr3t", 6), 0);
    fbs_store_close(st);
    /* The key is kept: the same secret has the same id after reopening. */
    assert_int_equal(fbs_store_open(&again, db, false), 0);
    assert_int_equal(again->ops->secret_id(again, b, "s3cr3t", 6), 0);
    assert_string_equal(a, b);
    assert_int_equal(again->ops->secret_id(again, b, "other", 5), 0);
    assert_string_not_equal(a, b);
    fbs_store_close(again);
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), FBS_STORE_SCHEMA_VERSION);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(raw);
}

static void test_store__keyed_ids_differ_between_datastores(void **state)
{
    struct fbs_store *a = open_new(), *b = NULL;
    char ia[65], ib[65], other[520];

    (void)state;
    snprintf(other, sizeof(other), "%s2", db);
    assert_int_equal(fbs_store_open(&b, other, true), 0);
    assert_int_equal(a->ops->secret_id(a, ia, "AKIAIOSFODNN7EXAMPLE", 20), 0);
    assert_int_equal(b->ops->secret_id(b, ib, "AKIAIOSFODNN7EXAMPLE", 20), 0);
    /* Never a bare hash: another datastore (another key) gives another id. */
    assert_string_not_equal(ia, ib);
    fbs_store_close(a);
    fbs_store_close(b);
}

static void test_store__refuses_newer_schema(void **state)
{
    struct fbs_store *st = open_new();
    sqlite3 *raw = NULL;

    (void)state;
    fbs_store_close(st);
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    st = (struct fbs_store *)1;
    assert_int_equal(fbs_store_open(&st, db, false), FBS_EUNSUPPORTED);
    assert_null(st);
    assert_non_null(strstr(fbs_error_message(), "schema version 99"));
    assert_non_null(strstr(fbs_error_message(), "schema version 2"));
}

static void test_store__corrupt_and_foreign_files(void **state)
{
    struct fbs_store *st = NULL;
    const char *dir = fbs_test_tmpdir();
    char path[512];
    sqlite3 *raw = NULL;
    int rc;

    (void)state;
    fbs_test_write(dir, "junk.db",
                   "this is not a database, not at all, really not.........\n"
                   "more junk to fill a page header......................\n",
                   110);
    snprintf(path, sizeof(path), "%s/junk.db", dir);
    rc = fbs_store_open(&st, path, false);
    assert_int_equal(rc, FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "corrupt or not a datastore"));
    snprintf(path, sizeof(path), "%s/other.db", dir);
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(fbs_store_open(&st, path, false), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "not a fallback-scan datastore"));
    snprintf(path, sizeof(path), "%s/missing.db", dir);
    assert_int_equal(fbs_store_open(&st, path, false), FBS_ENOTFOUND);
}

static void test_store__rules_of_state(void **state)
{
    struct fbs_store *st = open_new();
    struct fbs_store_found f[2];
    struct collect c;
    int64_t s1, s2, s3, s4;

    (void)state;
    f[0] = found("secret-a", ".env");
    f[1] = found("secret-b", "ci.yml");
    s1 = begin(st, 100 * DAY);
    plan(st, s1, "git:repo", NULL);
    scan_commit(st, s1, f, 2, true);
    c = query(st, s1, -1);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.state[0], "open");
    assert_true(c.events[0] & FBS_EVENT_NEW);

    /* An incomplete scan that does not see secret-b does not mark it fixed. */
    s2 = begin(st, 101 * DAY);
    plan(st, s2, "git:repo", NULL);
    scan_commit(st, s2, f, 1, false);
    c = query(st, s2, s1);
    assert_string_equal(c.state[0], "open");
    assert_string_equal(c.state[1], "open");

    /* A complete one does. */
    s3 = begin(st, 102 * DAY);
    plan(st, s3, "git:repo", NULL);
    scan_commit(st, s3, f, 1, true);
    c = query(st, s3, s2);
    assert_int_equal(c.n, 2);
    assert_true(!strcmp(c.state[0], "fixed") || !strcmp(c.state[1], "fixed"));
    assert_true((c.events[0] | c.events[1]) & FBS_EVENT_FIXED);

    /* Seen again: reopened. */
    s4 = begin(st, 103 * DAY);
    plan(st, s4, "git:repo", NULL);
    scan_commit(st, s4, f, 2, true);
    c = query(st, s4, s3);
    assert_string_equal(c.state[0], "open");
    assert_string_equal(c.state[1], "reopened");
    assert_true(c.events[1] & FBS_EVENT_REOPENED);
    /* As of sweep 3, it was fixed: history is kept. */
    c = query(st, s3, s2);
    assert_true(!strcmp(c.state[0], "fixed") || !strcmp(c.state[1], "fixed"));
    fbs_store_close(st);
}

static void test_store__one_secret_two_targets(void **state)
{
    struct fbs_store *st = open_new();
    struct fbs_store_found f = found("same", ".env");
    struct collect c;
    int64_t s1;

    (void)state;
    s1 = begin(st, 100 * DAY);
    plan(st, s1, "git:a", NULL);
    plan(st, s1, "git:b", NULL);
    scan_commit(st, s1, &f, 1, true);
    scan_commit(st, s1, &f, 1, true);
    c = query(st, s1, -1);
    assert_int_equal(c.n, 2);
    assert_string_not_equal(c.id[0], c.id[1]); /* two findings, ids differ per target */
    fbs_store_close(st);
}

static void test_store__rename_by_root_commits(void **state)
{
    struct fbs_store *st = open_new();
    struct fbs_store_found f = found("s", ".env");
    struct collect c;
    int64_t s1, s2;

    (void)state;
    s1 = begin(st, 100 * DAY);
    plan(st, s1, "path:/src/old", "r1");
    scan_commit(st, s1, &f, 1, true);
    s2 = begin(st, 101 * DAY);
    plan(st, s2, "path:/src/new", "r1");
    scan_commit(st, s2, &f, 1, true);
    c = query(st, s2, s1);
    assert_int_equal(c.n, 1); /* the same target: the same finding, not new */
    assert_false(c.events[0] & FBS_EVENT_NEW);
    fbs_store_close(st);
}

static void test_store__acceptance_expires(void **state)
{
    struct fbs_store *st = open_new();
    struct fbs_store_found f = found("s", ".env");
    struct fbs_store_decision d;
    struct collect c;
    int64_t s1, s2, s3;

    (void)state;
    s1 = begin(st, 100 * DAY);
    plan(st, s1, "git:repo", NULL);
    scan_commit(st, s1, &f, 1, true);
    c = query(st, s1, -1);
    memset(&d, 0, sizeof(d));
    d.finding = c.id[0];
    d.state = "accepted";
    d.reason = "";
    d.at = 100 * DAY;
    d.expires = 110 * DAY;
    assert_int_equal(st->ops->decide(st, &d), FBS_EINVAL); /* a reason is required */
    d.reason = "vendor needs it until the migration";
    assert_int_equal(st->ops->decide(st, &d), 0);
    d.finding = "0000000000000000";
    assert_int_equal(st->ops->decide(st, &d), FBS_ENOTFOUND);

    s2 = begin(st, 105 * DAY);
    plan(st, s2, "git:repo", NULL);
    scan_commit(st, s2, &f, 1, true);
    c = query(st, s2, s1);
    assert_string_equal(c.state[0], "accepted");
    assert_false(c.due[0]);

    s3 = begin(st, 111 * DAY);
    plan(st, s3, "git:repo", NULL);
    scan_commit(st, s3, &f, 1, true);
    c = query(st, s3, s2);
    assert_string_equal(c.state[0], "reopened");
    assert_true(c.due[0]);
    assert_true(c.events[0] & FBS_EVENT_DUE);
    fbs_store_close(st);
}

static void test_store__decisions_append_only(void **state)
{
    struct fbs_store *st = open_new();
    sqlite3 *raw = NULL;
    struct fbs_store_found f = found("s", ".env");
    struct fbs_store_decision d;
    struct collect c;
    int64_t s1;

    (void)state;
    s1 = begin(st, 100 * DAY);
    plan(st, s1, "git:repo", NULL);
    scan_commit(st, s1, &f, 1, true);
    c = query(st, s1, -1);
    memset(&d, 0, sizeof(d));
    d.finding = c.id[0];
    d.state = "false_positive";
    d.reason = "test fixture";
    d.at = 100 * DAY;
    assert_int_equal(st->ops->decide(st, &d), 0);
    fbs_store_close(st);
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(raw, "UPDATE decisions SET reason = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(raw, "DELETE FROM decisions", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
}

static void test_store__claims_and_resume(void **state)
{
    struct fbs_store *st = open_new();
    struct fbs_store_claim a, b, c;
    struct fbs_store_sweep sw;
    int64_t s1;

    (void)state;
    s1 = begin(st, 100 * DAY);
    plan(st, s1, "git:a", NULL);
    plan(st, s1, "git:b", NULL);
    assert_int_equal(plan(st, s1, "git:a", NULL) > 0, 1);
    assert_int_equal(st->ops->scan_claim(st, s1, "w1", 1000, 60, &a), 1);
    assert_int_equal(st->ops->scan_claim(st, s1, "w2", 1000, 60, &b), 1);
    assert_int_not_equal(a.scan_id, b.scan_id);
    assert_int_equal(st->ops->scan_claim(st, s1, "w3", 1000, 60, &c), 0);
    /* A lease that ran out is claimed again, with one more attempt. */
    assert_int_equal(st->ops->scan_claim(st, s1, "w3", 2000, 60, &c), 1);
    assert_int_equal(c.attempts, 2);
    fbs_store_claim_release(&a);
    fbs_store_claim_release(&b);
    fbs_store_claim_release(&c);
    assert_int_equal(st->ops->sweep_get(st, -1, &sw), 1);
    assert_int_equal(sw.id, s1);
    assert_int_equal(st->ops->scan_release_all(st, s1), 0);
    assert_int_equal(st->ops->scan_claim(st, s1, "w4", 1000, 60, &a), 1);
    fbs_store_claim_release(&a);
    fbs_store_close(st);
}

/* Leases: a heartbeat extends them; a dead worker's scan is failed after max attempts. */
static void test_store__lease_heartbeat_and_bounded_attempts(void **state)
{
    struct fbs_store *st = open_new();
    struct fbs_store_claim a, b;
    struct fbs_store_sweep sw;
    int64_t s1;

    (void)state;
    s1 = begin(st, 100 * DAY);
    plan(st, s1, "git:a", NULL);
    assert_int_equal(st->ops->scan_claim(st, s1, "w1", 1000, 60, &a), 1);
    /* The heartbeat at 1050 carries the lease to 1110: at 1100 it is still held. */
    assert_int_equal(st->ops->scan_extend(st, s1, "w1", 1050, 60), 0);
    assert_int_equal(st->ops->scan_claim(st, s1, "w2", 1100, 60, &b), 0);
    assert_int_equal(st->ops->scan_expire(st, s1, 1100, 1), 0);
    /* w1 dies: after its lease, one attempt allowed -> failed with the lease error. */
    assert_int_equal(st->ops->scan_expire(st, s1, 1200, 2), 0);
    assert_int_equal(st->ops->scan_expire(st, s1, 1200, 1), 1);
    assert_int_equal(st->ops->scan_claim(st, s1, "w2", 1200, 60, &b), 0);
    assert_int_equal(st->ops->sweep_get(st, s1, &sw), 1);
    assert_int_equal(sw.nfailed, 1);
    fbs_store_claim_release(&a);
    fbs_store_close(st);
}

/* The verification cache: one result per (verifier, secret id, context), the newest kept. */
static void test_store__verification_cache(void **state)
{
    struct fbs_store *st = open_new();
    struct fbs_store_verification v;
    char sid[65], *fact = NULL;
    fbs_time_t at = 0;

    (void)state;
    assert_int_equal(st->ops->secret_id(st, sid, "ghp_token", 9), 0);
    assert_int_equal(st->ops->verification_get(st, "github", sid, "", &fact, &at), 0);
    assert_null(fact);
    memset(&v, 0, sizeof(v));
    v.verifier = "github";
    v.secret_id = sid;
    v.context = "";
    v.status = "live";
    v.at = 1000;
    v.fact = "{\"status\":\"live\",\"verifier\":\"github\"}";
    assert_int_equal(st->ops->verification_put(st, &v), 0);
    assert_int_equal(st->ops->verification_get(st, "github", sid, "", &fact, &at), 1);
    assert_string_equal(fact, v.fact);
    assert_int_equal(at, 1000);
    fbs_free(fact);
    /* Another verifier or another context is another entry. */
    assert_int_equal(st->ops->verification_get(st, "gitlab", sid, "", &fact, &at), 0);
    assert_int_equal(st->ops->verification_get(st, "github", sid, "ctx", &fact, &at), 0);
    /* A newer result replaces it; an older one (a slower worker) does not. */
    v.status = "revoked";
    v.at = 2000;
    v.fact = "{\"status\":\"revoked\"}";
    assert_int_equal(st->ops->verification_put(st, &v), 0);
    v.status = "live";
    v.at = 1500;
    v.fact = "{\"status\":\"live\"}";
    assert_int_equal(st->ops->verification_put(st, &v), 0);
    assert_int_equal(st->ops->verification_get(st, "github", sid, "", &fact, &at), 1);
    assert_string_equal(fact, "{\"status\":\"revoked\"}");
    assert_int_equal(at, 2000);
    fbs_free(fact);
    /* Only the four statuses. */
    v.status = "maybe";
    v.at = 3000;
    assert_true(st->ops->verification_put(st, &v) < 0);
    fbs_store_close(st);
}

/* A datastore of schema version 1 (before the verification cache) is upgraded in place. */
static void test_store__migrates_from_version_1(void **state)
{
    struct fbs_store *st = open_new();
    struct fbs_store_verification v;
    struct fbs_store_sweep sw;
    sqlite3 *raw = NULL;
    sqlite3_stmt *q = NULL;
    int64_t s1;

    (void)state;
    s1 = begin(st, 5 * DAY);
    fbs_store_close(st);
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(raw, "DROP TABLE verifications; PRAGMA user_version = 1", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(fbs_store_open(&st, db, false), 0);
    assert_int_equal(st->ops->sweep_get(st, s1, &sw), 1);
    assert_int_equal(sw.now, 5 * DAY);
    memset(&v, 0, sizeof(v));
    v.verifier = "slack";
    v.secret_id = "00";
    v.context = "";
    v.status = "revoked";
    v.at = 1;
    v.fact = "{}";
    assert_int_equal(st->ops->verification_put(st, &v), 0);
    fbs_store_close(st);
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 2);
    sqlite3_finalize(q);
    sqlite3_close(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store__creates_schema_and_key),
        cmocka_unit_test(test_store__keyed_ids_differ_between_datastores),
        cmocka_unit_test(test_store__refuses_newer_schema),
        cmocka_unit_test(test_store__corrupt_and_foreign_files),
        cmocka_unit_test(test_store__rules_of_state),
        cmocka_unit_test(test_store__one_secret_two_targets),
        cmocka_unit_test(test_store__rename_by_root_commits),
        cmocka_unit_test(test_store__acceptance_expires),
        cmocka_unit_test(test_store__decisions_append_only),
        cmocka_unit_test(test_store__claims_and_resume),
        cmocka_unit_test(test_store__lease_heartbeat_and_bounded_attempts),
        cmocka_unit_test(test_store__verification_cache),
        cmocka_unit_test(test_store__migrates_from_version_1),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
