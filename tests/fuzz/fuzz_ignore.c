/*
 * fuzz_ignore.c - the ignore-file reader and the baseline reader (scanner/model/suppress.c): an
 * input starting with '{' is a baseline (a JSON report, read from a file as --baseline does),
 * anything else an ignore file.
 */
#include "fuzz.h"
#include "scanner/model/suppress.h"

#include <stdio.h>
#include <unistd.h>

#include "scanner/core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == '{') {
        char path[] = "/tmp/fbs-fuzz-baseline-XXXXXX";
        int fd = mkstemp(path);
        struct fbs_baseline b;

        if (fd < 0)
            return 0;
        if (write(fd, data, size) == (ssize_t)size && fbs_baseline_load(&b, path) == 0)
            fbs_baseline_release(&b);
        close(fd);
        unlink(path);
        return 0;
    }
    {
        struct fbs_ignores s;

        if (fbs_ignores_init(&s) < 0)
            return 0;
        fbs_ignores_load_text(&s, ".fallbackscanignore", (const char *)data, size, "t");
        fbs_ignores_release(&s);
    }
    return 0;
}
