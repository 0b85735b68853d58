/*
 * dl.h - libcurl and expat, loaded when a cloud command or --verify first needs them.
 *
 * Only the cloud collectors and live verification use them, and linking them into the binary would
 * make every scan start slower: libcurl alone brings some twenty shared libraries (TLS, Kerberos,
 * LDAP, HTTP/2, IDN ...) whose loading and relocation took ~45% of a file scan's start-up. So the
 * binary is built against their headers (pkg-config) and opens them with dlopen() on first use.
 *
 * Include this after <curl/curl.h> / <expat.h>: the library's functions then resolve to the
 * loaded ones. Call fbs_curl_load() / fbs_expat_load() before the first call (both are
 * idempotent and thread-safe); they fail with FBS_EUNSUPPORTED and a message naming the library
 * and the package that provides it.
 */
#ifndef FBS_NET_DL_H
#define FBS_NET_DL_H

#include <curl/curl.h>
#include <expat.h>

struct fbs_curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_reset)(CURL *curl);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
};

struct fbs_expat_api {
    XML_Parser (*parser_create_mm)(const XML_Char *encoding,
                                   const XML_Memory_Handling_Suite *memsuite,
                                   const XML_Char *namespace_separator);
    void (*parser_free)(XML_Parser parser);
    void (*set_user_data)(XML_Parser parser, void *user_data);
    void (*set_element_handler)(XML_Parser parser, XML_StartElementHandler start,
                                XML_EndElementHandler end);
    void (*set_character_data_handler)(XML_Parser parser, XML_CharacterDataHandler handler);
    void (*set_start_doctype_decl_handler)(XML_Parser parser, XML_StartDoctypeDeclHandler start);
    enum XML_Status (*parse)(XML_Parser parser, const char *s, int len, int is_final);
    enum XML_Status (*stop_parser)(XML_Parser parser, XML_Bool resumable);
    enum XML_Error (*get_error_code)(XML_Parser parser);
    const XML_LChar *(*error_string)(enum XML_Error code);
    XML_Size (*get_current_line_number)(XML_Parser parser);
};

extern struct fbs_curl_api fbs_curl;
extern struct fbs_expat_api fbs_expat;

/* Load libcurl / expat. 0, or FBS_EUNSUPPORTED with a message. */
int fbs_curl_load(void);
int fbs_expat_load(void);

#ifndef FBS_NET_DL_IMPL
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init               fbs_curl.global_init
#define curl_easy_init                 fbs_curl.easy_init
#define curl_easy_setopt               fbs_curl.easy_setopt
#define curl_easy_perform              fbs_curl.easy_perform
#define curl_easy_getinfo              fbs_curl.easy_getinfo
#define curl_easy_reset                fbs_curl.easy_reset
#define curl_easy_cleanup              fbs_curl.easy_cleanup
#define curl_easy_strerror             fbs_curl.easy_strerror
#define curl_slist_append              fbs_curl.slist_append
#define curl_slist_free_all            fbs_curl.slist_free_all
#define XML_ParserCreate_MM            fbs_expat.parser_create_mm
#define XML_ParserFree                 fbs_expat.parser_free
#define XML_SetUserData                fbs_expat.set_user_data
#define XML_SetElementHandler          fbs_expat.set_element_handler
#define XML_SetCharacterDataHandler    fbs_expat.set_character_data_handler
#define XML_SetStartDoctypeDeclHandler fbs_expat.set_start_doctype_decl_handler
#define XML_Parse                      fbs_expat.parse
#define XML_StopParser                 fbs_expat.stop_parser
#define XML_GetErrorCode               fbs_expat.get_error_code
#define XML_ErrorString                fbs_expat.error_string
#define XML_GetCurrentLineNumber       fbs_expat.get_current_line_number
#endif

#endif
