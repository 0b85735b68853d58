/* sources.c - the source registry; see source.h. */
#include "source.h"

#include <string.h>

#include "../core/banned.h"

static const struct fbs_source *const sources[] = {&fbs_source_file, &fbs_source_git, NULL};

const struct fbs_source *fbs_source_find(const char *name)
{
    size_t i;

    for (i = 0; sources[i]; i++)
        if (!strcmp(sources[i]->name, name))
            return sources[i];
    return NULL;
}
