/*
 * aws_xml.c - a small element tree over expat for AWS Query API responses, AWS error bodies,
 * and the value parsers every AWS response needs (dates, percent-encoding).
 *
 * AWS responses are small documents read whole (the transport caps their size), so a tree is
 * simpler to navigate than a streaming state machine: GetAccountAuthorizationDetails nests
 * "member" lists inside "member" lists (roles inside instance profiles inside roles), and paths
 * from a known parent keep the levels apart. Depth and node count are bounded; a DOCTYPE is
 * refused, so no entity is ever declared, let alone expanded.
 */
#include "aws_int.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../net/dl.h"

#include "../core/banned.h"

struct build {
    XML_Parser parser;
    struct aws_xml *root;
    struct aws_xml *stack[AWS_XML_MAX_DEPTH];
    unsigned depth;
    size_t nodes;
    int rc; /* first failure inside a handler */
};

static void stop(struct build *b, int rc)
{
    if (!b->rc)
        b->rc = rc;
    XML_StopParser(b->parser, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct build *b = ud;
    const char *colon = strrchr(name, ':');
    struct aws_xml *x;

    (void)atts;
    if (b->rc)
        return;
    if (b->depth >= AWS_XML_MAX_DEPTH || b->nodes >= AWS_XML_MAX_NODES ||
        (b->depth == 0 && b->root)) {
        stop(b, fbs_error_set(FBS_EPARSE, "XML nested deeper than %d levels or too large",
                              AWS_XML_MAX_DEPTH));
        return;
    }
    x = fbs_calloc(1, sizeof(*x));
    if (!x || !(x->name = fbs_strdup(colon ? colon + 1 : name))) {
        fbs_free(x);
        stop(b, fbs_error_set(FBS_ENOMEM, "out of memory"));
        return;
    }
    fbs_buf_init(&x->text);
    b->nodes++;
    if (b->depth == 0) {
        b->root = x;
    } else {
        struct aws_xml *parent = b->stack[b->depth - 1];

        if (parent->last)
            parent->last->next = x;
        else
            parent->child = x;
        parent->last = x;
    }
    b->stack[b->depth++] = x;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct build *b = ud;
    struct aws_xml *x;
    size_t s = 0, e;

    (void)name;
    if (b->rc || b->depth == 0)
        return;
    x = b->stack[--b->depth];
    /* Trim the text once, here, so that readers get values as they are. */
    e = x->text.len;
    while (e > 0 && blank(x->text.ptr[e - 1]))
        e--;
    while (s < e && blank(x->text.ptr[s]))
        s++;
    if (s > 0 && x->text.cap)
        memmove(x->text.ptr, x->text.ptr + s, e - s);
    if (x->text.cap)
        fbs_buf_truncate(&x->text, e - s);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct build *b = ud;

    if (b->rc || b->depth == 0 || len <= 0)
        return;
    if (fbs_buf_put(&b->stack[b->depth - 1]->text, s, (size_t)len) < 0)
        stop(b, fbs_error_set(FBS_ENOMEM, "out of memory"));
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    stop(ud, fbs_error_set(FBS_EPARSE, "XML with a DOCTYPE is not accepted"));
}

void aws_xml_free(struct aws_xml *x)
{
    while (x) {
        struct aws_xml *next = x->next;

        aws_xml_free(x->child); /* depth is bounded by AWS_XML_MAX_DEPTH */
        fbs_free(x->name);
        fbs_buf_release(&x->text);
        fbs_free(x);
        x = next;
    }
}

int aws_xml_parse(struct aws_xml **out, const char *data, size_t len)
{
    static const XML_Memory_Handling_Suite mm = {fbs_malloc, fbs_realloc, fbs_free};
    struct build b;
    int rc = 0;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    if (len > INT_MAX)
        return fbs_error_set(FBS_EPARSE, "XML document too large");
    if (fbs_expat_load() < 0)
        return FBS_EUNSUPPORTED;
    b.parser = XML_ParserCreate_MM(NULL, &mm, NULL);
    if (!b.parser)
        return fbs_error_set(FBS_ENOMEM, "out of memory");
    XML_SetUserData(b.parser, &b);
    XML_SetElementHandler(b.parser, on_start, on_end);
    XML_SetCharacterDataHandler(b.parser, on_text);
    XML_SetStartDoctypeDeclHandler(b.parser, on_doctype);
    if (XML_Parse(b.parser, data, (int)len, XML_TRUE) != XML_STATUS_OK) {
        if (b.rc)
            rc = b.rc;
        else if (XML_GetErrorCode(b.parser) == XML_ERROR_NO_MEMORY)
            rc = fbs_error_set(FBS_ENOMEM, "out of memory");
        else
            rc = fbs_error_set(FBS_EPARSE, "malformed XML at line %lu: %s",
                               (unsigned long)XML_GetCurrentLineNumber(b.parser),
                               XML_ErrorString(XML_GetErrorCode(b.parser)));
    } else if (b.rc) {
        rc = b.rc;
    } else if (!b.root) {
        rc = fbs_error_set(FBS_EPARSE, "empty XML document");
    }
    XML_ParserFree(b.parser);
    if (rc < 0) {
        aws_xml_free(b.root);
        return rc;
    }
    *out = b.root;
    return 0;
}

const struct aws_xml *aws_xml_child(const struct aws_xml *x, const char *name)
{
    const struct aws_xml *c;

    for (c = x ? x->child : NULL; c; c = c->next)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

const struct aws_xml *aws_xml_next(const struct aws_xml *x)
{
    const struct aws_xml *c;

    for (c = x ? x->next : NULL; c; c = c->next)
        if (!strcmp(c->name, x->name))
            return c;
    return NULL;
}

const struct aws_xml *aws_xml_path(const struct aws_xml *x, const char *path)
{
    char step[128];

    while (x && *path) {
        const char *slash = strchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : strlen(path);

        if (n >= sizeof(step))
            return NULL;
        memcpy(step, path, n);
        step[n] = '\0';
        x = aws_xml_child(x, step);
        path += n + (slash ? 1 : 0);
    }
    return x;
}

const char *aws_xml_text(const struct aws_xml *x, const char *path)
{
    x = aws_xml_path(x, path);
    return x ? x->text.ptr : NULL;
}

/* Errors ------------------------------------------------------------------------------------ */

static void copy_field(char *dst, size_t size, const char *src)
{
    size_t n = 0;

    /* Printable ASCII only: the text ends up in diagnostics. */
    for (; src && *src && n + 1 < size; src++)
        dst[n++] = (*src >= 0x20 && *src < 0x7f) ? *src : ' ';
    dst[n] = '\0';
}

bool aws_error_from_xml(struct aws_error *err, const char *body, size_t len)
{
    struct aws_xml *doc = NULL;
    const struct aws_xml *e = NULL;
    bool ok = false;

    if (aws_xml_parse(&doc, body, len) < 0) {
        fbs_error_clear();
        return false;
    }
    if (!strcmp(doc->name, "ErrorResponse"))
        e = aws_xml_child(doc, "Error");
    else if (!strcmp(doc->name, "Error"))
        e = doc;
    else if (!strcmp(doc->name, "Response"))
        e = aws_xml_path(doc, "Errors/Error");
    if (e && aws_xml_text(e, "Code")) {
        copy_field(err->code, sizeof(err->code), aws_xml_text(e, "Code"));
        copy_field(err->message, sizeof(err->message), aws_xml_text(e, "Message"));
        ok = true;
    }
    aws_xml_free(doc);
    return ok;
}

bool aws_error_from_json(struct aws_error *err, const char *body, size_t len)
{
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *type, *msg, *hash;
    bool ok = false;

    if (!json_is_object(j))
        goto done;
    type = json_string_value(json_object_get(j, "__type"));
    if (!type)
        type = json_string_value(json_object_get(j, "code"));
    msg = json_string_value(json_object_get(j, "message"));
    if (!msg)
        msg = json_string_value(json_object_get(j, "Message"));
    if (!type)
        goto done;
    hash = strrchr(type, '#'); /* "com.amazonaws.secretsmanager#AccessDeniedException" */
    copy_field(err->code, sizeof(err->code), hash ? hash + 1 : type);
    copy_field(err->message, sizeof(err->message), msg);
    ok = true;
done:
    json_decref(j);
    return ok;
}

bool aws_error_is_throttling(const char *code)
{
    static const char *const codes[] = {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        NULL,
    };

    for (size_t i = 0; code && codes[i]; i++)
        if (!strcmp(code, codes[i]))
            return true;
    return false;
}

/* Values ------------------------------------------------------------------------------------ */

int aws_parse_date(fbs_time_t *out, const char *in)
{
    char s[64];
    const char *p;
    size_t n;

    if (!in)
        return -1;
    while (blank(*in))
        in++;
    n = strlen(in);
    while (n > 0 && blank(in[n - 1]))
        n--;
    if (n >= sizeof(s))
        return -1;
    memcpy(s, in, n);
    s[n] = '\0';
    if (!*s || !strcmp(s, "N/A") || !strcmp(s, "no_information") || !strcmp(s, "not_supported"))
        return -1;
    for (p = s; isdigit((unsigned char)*p); p++)
        ;
    if (p > s && (!*p || *p == '.')) {
        char *end;
        long long v;

        if (*p == '.') { /* fractions of epoch seconds: "1523477145.713" */
            const char *q = p + 1;

            while (isdigit((unsigned char)*q))
                q++;
            if (*q || q == p + 1)
                return -1;
        }
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || end != p || v > (long long)253402300799) /* 9999-12-31 */
            return -1;
        *out = (fbs_time_t)v;
        return 0;
    }
    if (n < 10 || fbs_time_parse(out, s) < 0) {
        fbs_error_clear();
        return -1;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t aws_url_decode(char *s, size_t len)
{
    size_t r = 0, w = 0;

    while (r < len) {
        int hi, lo;

        if (s[r] == '%' && r + 2 < len && (hi = hexval(s[r + 1])) >= 0 &&
            (lo = hexval(s[r + 2])) >= 0) {
            s[w++] = (char)(hi << 4 | lo);
            r += 3;
        } else {
            s[w++] = s[r++];
        }
    }
    if (w < len)
        s[w] = '\0';
    return w;
}
