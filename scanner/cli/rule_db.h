/*
 * rule_db.h - the built-in rule pack's Vectorscan databases, precompiled at build time.
 *
 * CMake (option FBS_EMBED_RULE_DB) runs tools/rules_precompile.c and embeds its bundle
 * (scanner/match/hs_bundle.h) in a generated source, fbs_rule_db.c in the build directory.
 */
#ifndef FBS_RULE_DB_H
#define FBS_RULE_DB_H

#include <stddef.h>

/* The embedded bundle and its length in *len; NULL and 0 when the build embedded none. */
const void *fbs_cli_rule_db(size_t *len);

#endif
