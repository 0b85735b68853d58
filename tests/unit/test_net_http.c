/* test_net_http.c - net/net_http.c: URL host parsing, the loopback rule, response headers, and
 * the client's refusal of plain http off loopback (no network: refused before any connection),
 * and the verification override's checks (detectors/verify_run.c). */
#include "support/test_support.h"

#include "detectors/verify.h"
#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/net/http.h"

#include <string.h>

#include "scanner/core/banned.h"

static void test_net_http__url_host(void **state)
{
    char h[64];

    (void)state;
    fbs_http_url_host(h, sizeof(h), "https://API.GitHub.com/user");
    assert_string_equal(h, "api.github.com");
    fbs_http_url_host(h, sizeof(h), "http://user:pw@127.0.0.1:8080/x");
    assert_string_equal(h, "127.0.0.1");
    fbs_http_url_host(h, sizeof(h), "http://[::1]:9/");
    assert_string_equal(h, "[::1]");
    fbs_http_url_host(h, sizeof(h), "not a url");
    assert_string_equal(h, "");
    fbs_http_url_host(h, 4, "https://example.com/");
    assert_string_equal(h, "exa");
}

static void test_net_http__loopback(void **state)
{
    (void)state;
    assert_true(fbs_http_url_loopback("http://127.0.0.1:1/"));
    assert_true(fbs_http_url_loopback("http://127.9.9.9"));
    assert_true(fbs_http_url_loopback("https://localhost:8443/x"));
    assert_true(fbs_http_url_loopback("http://[::1]:80"));
    assert_false(fbs_http_url_loopback("http://127.0.0.1.evil.example/"));
    assert_false(fbs_http_url_loopback("http://10.0.0.1/"));
    assert_false(fbs_http_url_loopback("http://localhost.evil.example/"));
    assert_false(fbs_http_url_loopback("http://user@evil.example/@127.0.0.1"));
    assert_false(fbs_http_url_loopback("ftp://127.0.0.1/"));
}

static void test_net_http__response_header(void **state)
{
    struct fbs_http_response r;
    struct fbs_buf v = FBS_BUF_INIT;
    const char *raw = "HTTP/1.1 200 OK\r\nX-OAuth-Scopes:  repo, admin:org \r\n"
                      "Retry-After: 5\r\nx-oauth-scopes: gist\r\n\r\n";

    (void)state;
    fbs_http_response_init(&r);
    assert_int_equal(fbs_buf_put(&r.headers, raw, strlen(raw)), 0);
    assert_true(fbs_http_response_header(&r, "retry-after", &v));
    assert_string_equal(v.ptr, "5");
    assert_true(fbs_http_response_header(&r, "X-OAUTH-SCOPES", &v)); /* the last one */
    assert_string_equal(v.ptr, "gist");
    assert_false(fbs_http_response_header(&r, "location", &v));
    assert_false(fbs_http_response_header(&r, "X-OAuth", &v)); /* a prefix is not a name */
    fbs_buf_release(&v);
    fbs_http_response_release(&r);
}

static void test_net_http__plain_http_refused_off_loopback(void **state)
{
    struct fbs_http *h = NULL;
    struct fbs_http_request req;
    struct fbs_http_response resp;
    int rc;

    (void)state;
    rc = fbs_http_new(&h, NULL);
    if (rc == FBS_EUNSUPPORTED)
        skip(); /* no libcurl on this machine */
    assert_int_equal(rc, 0);
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = "http://api.example.invalid/user";
    fbs_http_response_init(&resp);
    assert_int_equal(fbs_http_send(h, &req, &resp), FBS_EINVAL);
    assert_non_null(strstr(fbs_error_message(), "plain http is refused"));
    assert_int_equal(resp.tries, 0);
    req.url = "file:///etc/passwd";
    assert_int_equal(fbs_http_send(h, &req, &resp), FBS_EINVAL);
    assert_non_null(strstr(fbs_error_message(), "not an http(s) URL"));
    fbs_http_response_release(&resp);
    fbs_http_free(h);
}

static void test_net_http__verify_override(void **state)
{
    (void)state;
    assert_int_equal(fbs_verify_check_override("github=http://127.0.0.1:8080,aws=http://[::1]:9"),
                     0);
    assert_int_equal(fbs_verify_check_override("github=https://api.github.com"), FBS_EINVAL);
    assert_non_null(strstr(fbs_error_message(), "loopback addresses only"));
    assert_int_equal(fbs_verify_check_override("github=http://127.0.0.1.nip.io/"), FBS_EINVAL);
    assert_int_equal(fbs_verify_check_override("nosuch=http://127.0.0.1:1"), FBS_EINVAL);
    assert_int_equal(fbs_verify_check_override("=http://127.0.0.1:1"), FBS_EINVAL);
    assert_int_equal(fbs_verify_check_override("github"), FBS_EINVAL);
    assert_true(fbs_verify_known("aws"));
    assert_true(fbs_verify_known("vault"));
    assert_false(fbs_verify_known("nosuch"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_http__url_host),
        cmocka_unit_test(test_net_http__loopback),
        cmocka_unit_test(test_net_http__response_header),
        cmocka_unit_test(test_net_http__plain_http_refused_off_loopback),
        cmocka_unit_test(test_net_http__verify_override),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
