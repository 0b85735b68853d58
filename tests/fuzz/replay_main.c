/*
 * replay_main.c - run a fuzz target over files without libFuzzer: each argument is a file or a
 * directory of files (a corpus), fed to LLVMFuzzerTestOneInput one by one. The ordinary build
 * uses it to replay the seed corpora and the saved crash inputs as regression tests.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scanner/core/banned.h"

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    do {
        if (len == cap) {
            unsigned char *nb = realloc(buf, cap ? cap * 2 : 65536);

            if (!nb) {
                free(buf);
                fclose(f);
                return 1;
            }
            buf = nb;
            cap = cap ? cap * 2 : 65536;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int rc = 0, count = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);

    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char **names = NULL;
            size_t nn = 0;

            while (d && (e = readdir(d)) != NULL) {
                char **grown;

                if (e->d_name[0] == '.')
                    continue;
                grown = realloc(names, (nn + 1) * sizeof(*names));
                if (!grown)
                    break;
                names = grown;
                names[nn] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
                if (!names[nn])
                    break;
                snprintf(names[nn], strlen(argv[i]) + strlen(e->d_name) + 2, "%s/%s", argv[i],
                         e->d_name);
                nn++;
            }
            if (d)
                closedir(d);
            qsort(names, nn, sizeof(*names), name_cmp); /* a stable order for reruns */
            for (size_t k = 0; k < nn; k++) {
                rc |= replay_file(names[k]);
                count++;
                free(names[k]);
            }
            free(names);
        } else {
            rc |= replay_file(argv[i]);
            count++;
        }
    }
    printf("replayed %d inputs\n", count);
    return rc;
}
