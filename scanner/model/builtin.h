/*
 * builtin.h - data files compiled into the binary (every .yml under rules/), generated at build
 * time by cmake/embed.cmake. The binary needs no files at run time.
 */
#ifndef FBS_BUILTIN_H
#define FBS_BUILTIN_H

#include <stddef.h>

struct fbs_builtin_file {
    const char *name; /* path relative to the repository, e.g. "rules/aws.yml" */
    const char *data; /* NUL-terminated */
    size_t len;
};

/* All embedded files, sorted by name, terminated by an entry with name NULL. */
extern const struct fbs_builtin_file fbs_builtin_files[];

/* The embedded file with this name, or NULL. */
const struct fbs_builtin_file *fbs_builtin_find(const char *name);

#endif
