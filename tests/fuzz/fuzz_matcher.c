/*
 * fuzz_matcher.c - the matcher (Vectorscan prefilter, PCRE2 confirmation, placeholder and
 * reference filters) with the built-in rules over arbitrary bytes, as text and as a binary blob,
 * then the credential parsers on every match, as a scan runs them.
 */
#include "fuzz.h"
#include "detectors/detector.h"
#include "scanner/core/error.h"
#include "scanner/match/match.h"
#include "scanner/match/ruleset.h"

#include <stdlib.h>
#include <string.h>

#include "scanner/core/banned.h"

static struct fbs_matcher *matcher;
static struct fbs_ruleset *rs;

/* Compile the built-in rules once, before the first input: it takes seconds (more under ASan on
 * a busy machine), which libFuzzer's per-input -timeout must not count (it did: a "timeout" on
 * the empty input). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (fbs_ruleset_new(&rs) < 0 || fbs_ruleset_add_builtin(rs) < 0 ||
        fbs_ruleset_compile(rs) < 0 || fbs_matcher_new(&matcher, rs) < 0)
        abort(); /* the built-in rules must load */
    return 0;
}

static int on_match(const struct fbs_match *m, void *payload)
{
    (void)m;
    (*(size_t *)payload)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fbs_match_opts opts = {.binary = false, .all_matches = false, .path = "src/app.env"};
    size_t n = 0;

    fbs_matcher_scan(matcher, data, size, &opts, on_match, &n);
    opts.binary = true;
    opts.path = "keys/app.der";
    fbs_matcher_scan(matcher, data, size, &opts, on_match, &n);
    fbs_error_clear();
    return 0;
}
