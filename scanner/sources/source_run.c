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

int fbs_source_run_workers(unsigned n, void *(*main)(void *), void *args, size_t stride,
                           struct fbs_source_fail *f)
{
    pthread_t *threads = NULL;
    unsigned i, started = 0;
    int rc;

    if (n > 1)
        threads = fbs_calloc(n, sizeof(*threads));
    for (i = 1; threads && i < n; i++) {
        if (pthread_create(&threads[i], NULL, main, (char *)args + i * stride) != 0)
            break;
        started++;
    }
    main(args);
    for (i = 1; i <= started; i++)
        pthread_join(threads[i], NULL);
    fbs_free(threads);
    rc = atomic_load(&f->rc);
    if (rc && f->msg[0] && strcmp(fbs_error_message(), f->msg) != 0)
        fbs_error_set(rc, "%s", f->msg);
    return rc;
}
