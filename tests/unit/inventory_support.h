/*
 * inventory_support.h - helpers for the inventory and cloud collector tests: load fixture files
 * from tests/inventory/ into a record set, find records, count diagnostics, and check that no
 * secret from an input reached a record.
 */
#ifndef FBS_TEST_INVENTORY_SUPPORT_H
#define FBS_TEST_INVENTORY_SUPPORT_H

#include "support/test_support.h"

#include "scanner/cloud/cloud_records.h"
#include "scanner/cloud/inventory.h"
#include "scanner/core/error.h"
#include "scanner/model/diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE(name) FBS_SOURCE_DIR "/tests/inventory/" name

struct inv_run {
    struct fbs_stats stats;
    struct fbs_diags diags;
    struct fbs_cloud_set set;
};

static inline void inv_begin(struct inv_run *r)
{
    fbs_stats_init(&r->stats);
    assert_int_equal(fbs_diags_init(&r->diags, &r->stats, true), 0);
    assert_int_equal(fbs_cloud_set_init(&r->set, &r->diags), 0);
}

/* Read the fixtures (NULL-terminated) as one inventory run, joins applied. */
static inline void inv_load(struct inv_run *r, const char *const *files)
{
    size_t n = 0;

    inv_begin(r);
    while (files[n])
        n++;
    assert_int_equal(fbs_inventory_scan(&r->set, files, n, 0), 0);
    assert_int_equal(fbs_cloud_set_finish(&r->set), 0);
}

static inline void inv_end(struct inv_run *r)
{
    fbs_cloud_set_release(&r->set);
    fbs_diags_release(&r->diags);
}

static inline struct fbs_finding *inv_find(const struct inv_run *r, const char *resource)
{
    size_t i;

    for (i = 0; i < r->set.records.len; i++) {
        struct fbs_finding *f = r->set.records.items[i];

        if (f->resource && !strcmp(f->resource, resource))
            return f;
    }
    fail_msg("no record with resource '%s' (%zu records)", resource, r->set.records.len);
    return NULL;
}

/* Diagnostics of `kind` (NULL: any), optionally only errors. */
static inline size_t inv_diags(const struct inv_run *r, const char *kind, bool errors_only)
{
    size_t i, n = 0;

    for (i = 0; i < r->diags.items.len; i++) {
        const struct fbs_diag *d = r->diags.items.items[i];

        if ((!kind || !strcmp(d->kind, kind)) && (!errors_only || d->error))
            n++;
    }
    return n;
}

/* The message of the first diagnostic of `kind`, or fail. */
static inline const char *inv_diag_message(const struct inv_run *r, const char *kind)
{
    size_t i;

    for (i = 0; i < r->diags.items.len; i++) {
        const struct fbs_diag *d = r->diags.items.items[i];

        if (!strcmp(d->kind, kind))
            return d->message;
    }
    fail_msg("no diagnostic of kind '%s'", kind);
    return NULL;
}

static inline void inv_no_text(const char *what, const char *s, const char *needle)
{
    if (s && strstr(s, needle))
        fail_msg("'%s' found in %s", needle, what);
}

/* No record holds `needle` anywhere: strings, secret, names, facts. */
static inline void inv_assert_absent(const struct inv_run *r, const char *needle)
{
    size_t i;

    for (i = 0; i < r->set.records.len; i++) {
        const struct fbs_finding *f = r->set.records.items[i];
        char *facts = json_dumps(f->facts, JSON_COMPACT);

        assert_non_null(facts);
        inv_no_text("facts", facts, needle);
        free(facts);
        inv_no_text("secret", f->secret, needle);
        inv_no_text("key", f->key, needle);
        inv_no_text("names", f->names, needle);
        inv_no_text("resource", f->resource, needle);
        inv_no_text("remediation", f->remediation, needle);
    }
}

/* A string fact inside facts.<provider>. */
static inline const char *inv_fact(const struct fbs_finding *f, const char *provider,
                                   const char *key)
{
    return json_string_value(json_object_get(json_object_get(f->facts, provider), key));
}

static inline bool inv_evidence_has(const struct fbs_finding *f, const char *part)
{
    const json_t *ev = json_object_get(f->facts, "privilege_evidence");
    size_t i;

    for (i = 0; i < json_array_size(ev); i++)
        if (strstr(json_string_value(json_array_get(ev, i)), part))
            return true;
    return false;
}

static inline fbs_time_t inv_time(const char *iso)
{
    fbs_time_t t;

    assert_int_equal(fbs_time_parse(&t, iso), 0);
    return t;
}

#endif
