/*
 * fuzz_conf.c - the YAML/JSON configuration loader (scanner/model/conf.c) and what reads it:
 * the first byte picks the reader (plain document, rule file, policy, vocabulary), the rest is
 * the text. Rule files are loaded, not compiled.
 */
#include "fuzz.h"
#include "detectors/policy.h"
#include "detectors/vocab.h"
#include "scanner/match/ruleset.h"
#include "scanner/model/conf.h"

#include "scanner/core/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data + 1;
    size_t len = size ? size - 1 : 0;

    if (!size)
        return 0;
    switch (data[0] % 4) {
    case 0: {
        struct fbs_conf *c = NULL;

        if (fbs_conf_parse(&c, "fuzz.yml", text, len) == 0)
            fbs_conf_line(c, c->root, "rules");
        fbs_conf_free(c);
        break;
    }
    case 1: {
        struct fbs_ruleset *rs = NULL;

        if (fbs_ruleset_new(&rs) == 0)
            fbs_ruleset_add_text(rs, "fuzz.yml", text, len);
        fbs_ruleset_free(rs);
        break;
    }
    case 2: {
        struct fbs_policy p;

        if (fbs_policy_load_builtin(&p) == 0)
            fbs_policy_apply_text(&p, "fuzz.yml", text, len);
        break;
    }
    default: {
        struct fbs_vocab *v = NULL;

        if (fbs_vocab_new(&v) == 0)
            fbs_vocab_add_text(v, "fuzz.yml", text, len);
        fbs_vocab_free(v);
        break;
    }
    }
    return 0;
}
