/* registry.c - the only list of reporters. */
#include "reporter.h"

#include <string.h>

#include "../scanner/core/banned.h"

/* clang-format off */
static const struct fbs_reporter *const reporters[] = {
    &fbs_reporter_text,
    &fbs_reporter_json,
    &fbs_reporter_jsonl,
    &fbs_reporter_sarif,
    &fbs_reporter_gitlab,
    &fbs_reporter_html,
    NULL,
};
/* clang-format on */

const struct fbs_reporter *fbs_reporter_find(const char *name)
{
    size_t i;

    for (i = 0; reporters[i]; i++)
        if (!strcmp(reporters[i]->name, name))
            return reporters[i];
    return NULL;
}

const char *fbs_reporter_names(void)
{
    return "text, json, jsonl, sarif, gitlab, html";
}
