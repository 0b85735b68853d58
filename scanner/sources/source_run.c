/* source_run.c - reader workers and failure hand-back for the sources; see source_int.h. */
#include "source_int.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../core/banned.h"

void fbs_source_fail_init(struct fbs_source_fail *f)
{
    atomic_init(&f->rc, 0);
    f->msg[0] = '\0';
}

void fbs_source_fail_record(struct fbs_source_fail *f, int rc)
{
    int expected = 0;

    if (rc && atomic_compare_exchange_strong(&f->rc, &expected, rc))
        snprintf(f->msg, sizeof(f->msg), "%s", fbs_error_message());
}

int fbs_source_failed(struct fbs_source_fail *f)
{
    return atomic_load(&f->rc) != 0;
}

int fbs_source_crew_start(struct fbs_source_crew *c, unsigned first, unsigned n,
                          void *(*main)(void *), void *args, size_t stride)
{
    unsigned i;

    memset(c, 0, sizeof(*c));
    if (first >= n)
        return 0;
    c->threads = fbs_calloc(n - first, sizeof(*c->threads));
    for (i = first; c->threads && i < n; i++) {
        if (pthread_create(&c->threads[c->started], NULL, main, (char *)args + i * stride) != 0)
            break;
        c->started++;
    }
    return (int)c->started;
}

int fbs_source_crew_join(struct fbs_source_crew *c, struct fbs_source_fail *f)
{
    unsigned i;
    int rc;

    for (i = 0; i < c->started; i++)
        pthread_join(c->threads[i], NULL);
    fbs_free(c->threads);
    memset(c, 0, sizeof(*c));
    rc = atomic_load(&f->rc);
    if (rc && f->msg[0] && strcmp(fbs_error_message(), f->msg) != 0)
        fbs_error_set(rc, "%s", f->msg);
    return rc;
}

int fbs_source_run_workers(unsigned n, void *(*main)(void *), void *args, size_t stride,
                           struct fbs_source_fail *f)
{
    struct fbs_source_crew crew;

    fbs_source_crew_start(&crew, 1, n, main, args, stride);
    main(args);
    return fbs_source_crew_join(&crew, f);
}
