/*
 * rules_precompile.c - fbs-rules-precompile: compile the built-in rule pack's Vectorscan databases
 * at build time, for embedding in the executable (scanner/match/hs_bundle.h).
 *
 * usage: fbs-rules-precompile WORKDIR OUT
 * Compiles the built-in pack exactly as `fallback-scan` loads it with no --rules, through the
 * compile cache in WORKDIR (emptied of cache entries first), then writes WORKDIR's entries as one
 * bundle to OUT. Exit status 0, or 1 with a message.
 */
#include "scanner/core/error.h"
#include "scanner/match/hs_bundle.h"
#include "scanner/match/ruleset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scanner/core/banned.h"

/* Remove the cache entries (hs-*) left in `dir` by an earlier run. */
static int empty_cache_dir(const char *dir)
{
    DIR *d;
    struct dirent *de;
    char path[4096];

    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return fbs_error_set(FBS_EIO, "cannot create '%s': %s", dir, strerror(errno));
    d = opendir(dir);
    if (!d)
        return fbs_error_set(FBS_EIO, "cannot open '%s': %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "hs-", 3))
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
            unlink(path) < 0) {
            closedir(d);
            return fbs_error_set(FBS_EIO, "cannot remove '%s/%s'", dir, de->d_name);
        }
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    struct fbs_ruleset *rs = NULL;
    unsigned ndb;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: fbs-rules-precompile WORKDIR OUT\n");
        return 2;
    }
    rc = empty_cache_dir(argv[1]);
    if (rc == 0)
        rc = fbs_ruleset_new(&rs);
    if (rc == 0)
        rc = fbs_ruleset_set_cache_dir(rs, argv[1]);
    if (rc == 0)
        rc = fbs_ruleset_add_builtin(rs);
    if (rc == 0)
        rc = fbs_ruleset_compile(rs);
    if (rc == 0 && rs->loaded.db[FBS_ORIGIN_COMPILED] == 0)
        rc = fbs_error_set(FBS_EINTERNAL, "no database was compiled");
    if (rc == 0)
        rc = fbs_hs_bundle_write(argv[1], argv[2]);
    if (rc < 0) {
        fprintf(stderr, "fbs-rules-precompile: %s\n", fbs_error_message());
        fbs_ruleset_free(rs);
        return 1;
    }
    ndb = rs->loaded.db[FBS_ORIGIN_COMPILED];
    printf("fbs-rules-precompile: %zu rules, %u databases in %s\n", rs->n, ndb, argv[2]);
    fbs_ruleset_free(rs);
    return 0;
}
