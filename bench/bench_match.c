/*
 * bench_match.c - the in-memory matcher benchmark: load the rule set, read the given files into
 * memory, and scan them repeatedly on one thread (no I/O, no detectors).
 *
 * usage: fbs-bench-match [--rules DIR] [--no-builtin-rules] [--min-seconds S] FILE... | @LIST
 * prints: bytes=<N> seconds=<S> mbps=<X> hits=<H> findings=<F>
 *   bytes and seconds cover all passes; mbps is 10^6 bytes per second; hits are Vectorscan
 *   callbacks and findings are matches after confirmation and filters, both for one pass.
 */
#include "scanner/core/alloc.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/core/text.h"
#include "scanner/core/vec.h"
#include "scanner/match/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scanner/core/banned.h"

struct input {
    char *path;
    char *data;
    size_t len;
    bool binary;
};

static int count_cb(const struct fbs_match *m, void *payload)
{
    (void)m;
    (*(unsigned long long *)payload)++;
    return 0;
}

static int read_file(const char *path, struct fbs_vec *inputs)
{
    struct fbs_buf b = FBS_BUF_INIT;
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    struct input *in;
    size_t n;

    if (!f)
        return 0; /* unreadable: skipped */
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (fbs_buf_put(&b, chunk, n) < 0)
            break;
    fclose(f);
    in = fbs_calloc(1, sizeof(*in));
    if (!in)
        return -1;
    in->len = b.len;
    in->path = fbs_strdup(path);
    in->binary = fbs_is_binary(b.ptr, b.len);
    in->data = fbs_buf_detach(&b);
    return fbs_vec_push(inputs, in);
}

static void input_free(void *p)
{
    struct input *in = p;

    fbs_free(in->data);
    fbs_free(in->path);
    fbs_free(in);
}

int main(int argc, char **argv)
{
    struct fbs_ruleset *rs = NULL;
    struct fbs_matcher *m = NULL;
    struct fbs_vec inputs = FBS_VEC_INIT;
    bool builtin = true;
    double min_seconds = 2.0, secs = 0;
    unsigned long long bytes = 0, findings = 0, passes = 0;
    const char *rules_dir = NULL;
    struct timespec t0, t1;
    size_t i;
    int a;

    for (a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--rules") && a + 1 < argc) {
            rules_dir = argv[++a];
        } else if (!strcmp(argv[a], "--no-builtin-rules")) {
            builtin = false;
        } else if (!strcmp(argv[a], "--min-seconds") && a + 1 < argc) {
            min_seconds = strtod(argv[++a], NULL);
        } else if (argv[a][0] == '@') {
            FILE *list = fopen(argv[a] + 1, "r");
            char line[4096];

            if (!list) {
                fprintf(stderr, "fbs-bench-match: cannot read '%s'\n", argv[a] + 1);
                return 2;
            }
            while (fgets(line, sizeof(line), list)) {
                line[strcspn(line, "\n")] = '\0';
                if (*line && read_file(line, &inputs) < 0)
                    return 2;
            }
            fclose(list);
        } else if (read_file(argv[a], &inputs) < 0) {
            return 2;
        }
    }
    if (fbs_ruleset_new(&rs) < 0 || (builtin && fbs_ruleset_add_builtin(rs) < 0) ||
        (rules_dir && fbs_ruleset_add_dir(rs, rules_dir) < 0) || fbs_ruleset_compile(rs) < 0 ||
        fbs_matcher_new(&m, rs) < 0) {
        fprintf(stderr, "fbs-bench-match: %s\n", fbs_error_message());
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        unsigned long long pass_findings = 0;

        for (i = 0; i < inputs.len; i++) {
            struct input *in = inputs.items[i];
            struct fbs_match_opts mo = {
                .binary = in->binary, .all_matches = false, .path = in->path};

            if (in->binary && !rs->db_binary)
                continue;
            fbs_matcher_scan(m, (const unsigned char *)in->data, in->len, &mo, count_cb,
                             &pass_findings);
            bytes += in->len;
        }
        findings = pass_findings;
        passes++;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    } while (secs < min_seconds && inputs.len);
    printf("bytes=%llu seconds=%.3f mbps=%.1f hits=%llu findings=%llu\n", bytes, secs,
           secs > 0 ? (double)bytes / 1e6 / secs : 0.0,
           passes ? (unsigned long long)(fbs_matcher_counts(m)->hits / passes) : 0ull, findings);
    fbs_matcher_free(m);
    fbs_ruleset_free(rs);
    fbs_vec_release(&inputs, input_free);
    return 0;
}
