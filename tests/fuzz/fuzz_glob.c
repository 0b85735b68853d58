/*
 * fuzz_glob.c - the glob matcher (scanner/core/text.c): the input is "pattern\0path" (no NUL: the
 * whole input is both). Oracle: no crash, and time (libFuzzer's -timeout): matching is
 * O(len(path) x len(pattern)), so no input may come near the limit; the checker and the matcher
 * agree on what they accept.
 */
#include "fuzz.h"
#include "scanner/core/text.h"

#include <stdlib.h>
#include <string.h>

#include "scanner/core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    const char *pattern, *path, *why;
    const char *nul;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    nul = memchr(buf, '\0', size);
    pattern = buf;
    path = nul && nul < buf + size ? nul + 1 : buf;
    if (fbs_glob_check(pattern, &why) && why)
        abort(); /* a reason is given exactly when the pattern is refused */
    fbs_glob_match(pattern, path, false);
    fbs_glob_match(pattern, path, true);
    free(buf);
    return 0;
}
