/*
 * fetch.c - what every live collector does with a transport: fetch JSON, word API errors, and
 * build URLs (see fetch.h). Independent of libcurl.
 */
#include "fetch.h"
#include "../core/alloc.h"
#include "../core/error.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "../core/banned.h"

/* The API's own words for an error: Google and Graph {"error": {"message"}}, Kubernetes
 * {"message"}, Vault {"errors": [...]}. Printable ASCII only, bounded. */
static void api_message(char *out, size_t size, const char *body, size_t len)
{
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *m = NULL;
    size_t i, n = 0;

    out[0] = '\0';
    if (j) {
        m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
        if (!m)
            m = json_string_value(json_object_get(j, "error_description"));
        if (!m)
            m = json_string_value(json_object_get(j, "error"));
        if (!m)
            m = json_string_value(json_object_get(j, "message"));
        if (!m)
            m = json_string_value(json_array_get(json_object_get(j, "errors"), 0));
    }
    for (i = 0; m && m[i] && n + 1 < size && n < 200; i++)
        out[n++] = isprint((unsigned char)m[i]) ? m[i] : ' ';
    out[n] = '\0';
    json_decref(j);
}

int fbs_fetch_json(json_t **out, const struct fbs_cloud_fetch *fx, const char *url,
                   const char *json_body, bool wipe)
{
    const char *method = json_body ? "POST" : "GET";
    struct fbs_buf body = FBS_BUF_INIT;
    json_error_t err;
    long status = 0;
    char msg[256];
    int rc;

    *out = NULL;
    rc = json_body ? fx->post(fx->ctx, url, json_body, &body, &status)
                   : fx->get(fx->ctx, url, &body, &status);
    if (rc < 0)
        goto done;
    if (status < 200 || status > 299) {
        api_message(msg, sizeof(msg), body.ptr, body.len);
        rc = fbs_error_set(FBS_EIO, "%s %s: HTTP %ld%s%s", method, url, status, *msg ? ": " : "",
                           msg);
        goto done;
    }
    *out = json_loadb(body.ptr, body.len, 0, &err);
    if (!*out)
        rc = fbs_error_set(FBS_EPARSE, "%s %s: the response is not JSON (line %d, column %d: %s)",
                           method, url, err.line, err.column, err.text);
    else if (!json_is_object(*out) && !json_is_array(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = fbs_error_set(FBS_EPARSE, "%s %s: the response is not a JSON object", method, url);
    }
done:
    if (wipe)
        fbs_buf_release_wipe(&body);
    else
        fbs_buf_release(&body);
    return rc;
}

int fbs_url_escape(struct fbs_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int rc;

        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            rc = fbs_buf_putc(b, (char)c);
        else
            rc = fbs_buf_putc(b, '%') < 0 || fbs_buf_putc(b, hex[c >> 4]) < 0 ||
                         fbs_buf_putc(b, hex[c & 15]) < 0
                     ? FBS_ENOMEM
                     : 0;
        if (rc < 0)
            return fbs_error_set(FBS_ENOMEM, "out of memory");
    }
    return 0;
}

char *fbs_url_trim(const char *base)
{
    size_t n = strlen(base);

    while (n > 0 && base[n - 1] == '/')
        n--;
    return fbs_strndup(base, n);
}

/* Length of "scheme://authority" at the start of url, or 0 when it has no scheme. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");

    if (!p)
        return 0;
    p += 3;
    return (size_t)(p - url) + strcspn(p, "/?#");
}

bool fbs_url_same_origin(const char *url, const char *base)
{
    size_t a = origin_len(url), b = origin_len(base);

    return a && a == b && !strncasecmp(url, base, a);
}
