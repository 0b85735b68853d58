/*
 * dl.c - open libcurl and expat on first use (dl.h says why).
 */
#define FBS_NET_DL_IMPL
#include "dl.h"
#include "../core/error.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "../core/banned.h"

struct fbs_curl_api fbs_curl;
struct fbs_expat_api fbs_expat;

struct sym {
    const char *name;
    size_t offset; /* of the function pointer in the api struct */
};

#define CURL_SYM(field, name)                                                                      \
    {                                                                                              \
        name, offsetof(struct fbs_curl_api, field)                                                 \
    }
#define EXPAT_SYM(field, name)                                                                     \
    {                                                                                              \
        name, offsetof(struct fbs_expat_api, field)                                                \
    }

static const struct sym curl_syms[] = {
    CURL_SYM(global_init, "curl_global_init"),
    CURL_SYM(easy_init, "curl_easy_init"),
    CURL_SYM(easy_setopt, "curl_easy_setopt"),
    CURL_SYM(easy_perform, "curl_easy_perform"),
    CURL_SYM(easy_getinfo, "curl_easy_getinfo"),
    CURL_SYM(easy_reset, "curl_easy_reset"),
    CURL_SYM(easy_cleanup, "curl_easy_cleanup"),
    CURL_SYM(easy_strerror, "curl_easy_strerror"),
    CURL_SYM(slist_append, "curl_slist_append"),
    CURL_SYM(slist_free_all, "curl_slist_free_all"),
    {NULL, 0},
};

static const struct sym expat_syms[] = {
    EXPAT_SYM(parser_create_mm, "XML_ParserCreate_MM"),
    EXPAT_SYM(parser_free, "XML_ParserFree"),
    EXPAT_SYM(set_user_data, "XML_SetUserData"),
    EXPAT_SYM(set_element_handler, "XML_SetElementHandler"),
    EXPAT_SYM(set_character_data_handler, "XML_SetCharacterDataHandler"),
    EXPAT_SYM(set_start_doctype_decl_handler, "XML_SetStartDoctypeDeclHandler"),
    EXPAT_SYM(parse, "XML_Parse"),
    EXPAT_SYM(stop_parser, "XML_StopParser"),
    EXPAT_SYM(get_error_code, "XML_GetErrorCode"),
    EXPAT_SYM(error_string, "XML_ErrorString"),
    EXPAT_SYM(get_current_line_number, "XML_GetCurrentLineNumber"),
    {NULL, 0},
};

struct lib {
    const char *const *sonames; /* tried in order */
    const char *package;        /* the Debian package that provides it */
    const struct sym *syms;
    void *api;
    pthread_once_t once;
    int rc;
    char msg[256];
};

static const char *const curl_names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so", NULL};
static const char *const expat_names[] = {"libexpat.so.1", "libexpat.so", NULL};

static struct lib curl_lib = {curl_names,        "libcurl4", curl_syms, &fbs_curl,
                              PTHREAD_ONCE_INIT, 0,          ""};
static struct lib expat_lib = {expat_names,       "libexpat1", expat_syms, &fbs_expat,
                               PTHREAD_ONCE_INIT, 0,           ""};

static void load(struct lib *l)
{
    const char *err = "not found";
    void *h = NULL;
    size_t i;

    for (i = 0; l->sonames[i] && !h; i++) {
        h = dlopen(l->sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (!h)
            err = dlerror();
    }
    if (!h) {
        snprintf(l->msg, sizeof(l->msg), "cannot load %s (package %s): %s", l->sonames[0],
                 l->package, err ? err : "unknown error");
        l->rc = FBS_EUNSUPPORTED;
        return;
    }
    for (i = 0; l->syms[i].name; i++) {
        void *f = dlsym(h, l->syms[i].name);

        if (!f) {
            snprintf(l->msg, sizeof(l->msg), "%s has no symbol %s", l->sonames[0], l->syms[i].name);
            l->rc = FBS_EUNSUPPORTED;
            return; /* the handle stays open: the process is going to report and exit */
        }
        /* POSIX guarantees a function pointer round-trips through void *. */
        memcpy((char *)l->api + l->syms[i].offset, &f, sizeof(f));
    }
    l->rc = 0;
}

static void load_curl(void)
{
    load(&curl_lib);
}

static void load_expat(void)
{
    load(&expat_lib);
}

int fbs_curl_load(void)
{
    pthread_once(&curl_lib.once, load_curl);
    return curl_lib.rc ? fbs_error_set(curl_lib.rc, "%s", curl_lib.msg) : 0;
}

int fbs_expat_load(void)
{
    pthread_once(&expat_lib.once, load_expat);
    return expat_lib.rc ? fbs_error_set(expat_lib.rc, "%s", expat_lib.msg) : 0;
}
