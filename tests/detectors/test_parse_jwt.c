/* test_parse_jwt.c - detectors/parse_jwt.c: JWT claims, Kubernetes service accounts, bad tokens. */
#include "support/test_support.h"

#include "detectors/detector.h"
#include "scanner/core/error.h"

#include <stdio.h>
#include <string.h>

#include "scanner/core/banned.h"

#define SIG "c2lnbmF0dXJlLW5vdC1jaGVja2Vk"

/* base64url without padding of a C string, into out (size bytes). */
static void b64url(char *out, size_t size, const char *in)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = strlen(in), i, o = 0;

    for (i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        size_t k = n - i < 3 ? n - i : 3;

        if (k > 1)
            v |= (unsigned char)in[i + 1] << 8;
        if (k > 2)
            v |= (unsigned char)in[i + 2];
        assert_true(o + 5 < size);
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        if (k > 1)
            out[o++] = abc[(v >> 6) & 63];
        if (k > 2)
            out[o++] = abc[v & 63];
    }
    out[o] = '\0';
}

/* "b64(header).b64(payload).SIG" into out. */
static void make_jwt(char *out, size_t size, const char *header, const char *payload)
{
    char h[2048], p[4096];

    b64url(h, sizeof(h), header);
    b64url(p, sizeof(p), payload);
    assert_true((size_t)snprintf(out, size, "%s.%s.%s", h, p, SIG) < size);
}

static struct fbs_finding *new_finding(const char *kind, const char *secret)
{
    struct fbs_finding *f = fbs_finding_new();

    assert_non_null(f);
    assert_int_equal(fbs_finding_set_str(&f->kind, kind), 0);
    assert_int_equal(fbs_finding_set_secret(f, secret, strlen(secret)), 0);
    return f;
}

static int run(struct fbs_finding *f)
{
    struct fbs_detect_ctx ctx;
    struct fbs_blob blob;

    memset(&blob, 0, sizeof(blob));
    blob.data = (const unsigned char *)f->secret;
    blob.len = f->secret_len;
    blob.path = blob.rel_path = "config/token.txt";
    memset(&ctx, 0, sizeof(ctx));
    ctx.blob = &blob;
    return fbs_detector_jwt.run(f, &ctx);
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool has_evidence(const struct fbs_finding *f, const char *needle)
{
    const json_t *arr = json_object_get(f->facts, "privilege_evidence"), *it;
    size_t i;

    json_array_foreach(arr, i, it)
    {
        if (strstr(json_string_value(it), needle))
            return true;
    }
    return false;
}

struct jwt_case {
    const char *name, *kind, *header, *payload;
    const char *iat, *exp, *nbf; /* ISO or NULL (absent) */
    const char *iss, *sub;
    size_t nscopes;
    const char *service_account, *sa_type; /* NULL: none */
    const char *names;                     /* f->names afterwards, or NULL */
    bool high;
    const char *evidence; /* a substring of one evidence phrase, or NULL */
};

static void test_parse_jwt__claims(void **state)
{
    static const char hs[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    static const char rs[] = "{\"alg\":\"RS256\",\"kid\":\"k1\"}";
    static const struct jwt_case cases[] = {
        {"iat and exp", "jwt", hs,
         "{\"iss\":\"https://auth.acme.example\",\"sub\":\"svc-billing\",\"scope\":"
         "\"payments:write refunds:read\",\"iat\":1719792000,\"exp\":1751328000}",
         "2024-07-01T00:00:00Z", "2025-07-01T00:00:00Z", NULL, "https://auth.acme.example",
         "svc-billing", 2, NULL, NULL, "svc-billing", false, NULL},
        {"no exp: a real 'no expiry'", "jwt", hs,
         "{\"sub\":\"oncall-sre\",\"role\":\"admin\",\"iat\":1716198000}", "2024-05-20T09:40:00Z",
         NULL, NULL, NULL, "oncall-sre", 1, NULL, NULL, "oncall-sre", true, "jwt role 'admin'"},
        {"nbf and a fractional iat", "jwt", hs,
         "{\"iat\":1700000000.75,\"nbf\":1700000100,\"exp\":1700003600}", "2023-11-14T22:13:20Z",
         "2023-11-14T23:13:20Z", "2023-11-14T22:15:00Z", NULL, NULL, 0, NULL, NULL, NULL, false,
         NULL},
        {"times out of range are ignored", "jwt", hs,
         "{\"iat\":-5,\"exp\":99999999999999,\"nbf\":\"soon\"}", NULL, NULL, NULL, NULL, NULL, 0,
         NULL, NULL, NULL, false, NULL},
        {"legacy Kubernetes service-account token", "kubernetes_token", rs,
         "{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/namespace\":"
         "\"kube-system\",\"kubernetes.io/serviceaccount/secret.name\":\"breakglass-admin-token\","
         "\"kubernetes.io/serviceaccount/service-account.name\":\"breakglass-admin\","
         "\"sub\":\"system:serviceaccount:kube-system:breakglass-admin\"}",
         NULL, NULL, NULL, "kubernetes/serviceaccount",
         "system:serviceaccount:kube-system:breakglass-admin", 0, "kube-system/breakglass-admin",
         "legacy", "breakglass-admin system:serviceaccount:kube-system:breakglass-admin", false,
         NULL},
        {"bound Kubernetes token", "kubernetes_token", rs,
         "{\"aud\":[\"https://kubernetes.default.svc.cluster.local\"],\"exp\":1767225600,"
         "\"iat\":1735689600,\"iss\":\"https://kubernetes.default.svc.cluster.local\","
         "\"kubernetes.io\":{\"namespace\":\"ci\",\"serviceaccount\":{\"name\":\"deployer\","
         "\"uid\":\"25aeca65\"}},\"nbf\":1735689600,\"sub\":\"system:serviceaccount:ci:deployer\"}",
         "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z",
         "https://kubernetes.default.svc.cluster.local", "system:serviceaccount:ci:deployer", 0,
         "ci/deployer", "bound", "deployer system:serviceaccount:ci:deployer", false, NULL},
        {"service account from sub only", "jwt", hs,
         "{\"sub\":\"system:serviceaccount:ops:restore\"}", NULL, NULL, NULL, NULL,
         "system:serviceaccount:ops:restore", 0, "ops/restore", "unknown", NULL, false, NULL},
        {"scp list, not privileged", "jwt", hs, "{\"scp\":[\"User.Read\",\"Mail.Send\"]}", NULL,
         NULL, NULL, NULL, NULL, 2, NULL, NULL, NULL, false, NULL},
        {"scope with admin", "jwt", hs, "{\"scope\":\"read:org admin:org\"}", NULL, NULL, NULL,
         NULL, NULL, 2, NULL, NULL, NULL, true, "jwt scope 'admin:org' (admin)"},
        {"wildcard scope", "jwt", hs, "{\"scope\":\"*\"}", NULL, NULL, NULL, NULL, NULL, 1, NULL,
         NULL, NULL, true, "jwt scope '*'"},
        {"wildcard in a namespace", "jwt", hs, "{\"permissions\":[\"repo:*\"]}", NULL, NULL, NULL,
         NULL, NULL, 1, NULL, NULL, NULL, true, "(wildcard)"},
        {"keycloak realm roles", "jwt", hs,
         "{\"realm_access\":{\"roles\":[\"offline_access\",\"realm-admin\"]},"
         "\"resource_access\":{\"account\":{\"roles\":[\"view-profile\"]}}}",
         NULL, NULL, NULL, NULL, NULL, 3, NULL, NULL, NULL, true, "realm_access.roles"},
        {"cognito groups", "jwt", hs, "{\"cognito:groups\":[\"Owners\"]}", NULL, NULL, NULL, NULL,
         NULL, 1, NULL, NULL, NULL, true, "jwt cognito:groups 'Owners'"},
        {"system:masters group", "kubernetes_token", rs, "{\"groups\":[\"system:masters\"]}", NULL,
         NULL, NULL, NULL, NULL, 1, NULL, NULL, NULL, true, "system:masters"},
        {"administrative is not admin", "jwt", hs,
         "{\"roles\":[\"administrative-contact\",\"rooted\"]}", NULL, NULL, NULL, NULL, NULL, 2,
         NULL, NULL, NULL, false, NULL},
        {"unknown claims of other types", "jwt", hs,
         "{\"iss\":42,\"sub\":[\"x\"],\"scope\":7,\"roles\":{\"a\":1},\"kubernetes.io\":\"x\"}",
         NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, false, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct jwt_case *c = &cases[i];
        char tok[8192];
        struct fbs_finding *f;
        const json_t *jwt;
        char *dump;

        print_message("case: %s\n", c->name);
        make_jwt(tok, sizeof(tok), c->header, c->payload);
        f = new_finding(c->kind, tok);
        assert_int_equal(run(f), 0);
        jwt = json_object_get(f->facts, "jwt");
        assert_true(json_is_object(jwt));
        assert_non_null(jstr(jwt, "alg"));
        /* Times: on the finding and in facts.jwt. */
        assert_int_equal(f->has_issued, c->iat != NULL);
        assert_int_equal(f->has_expires, c->exp != NULL);
        if (c->iat) {
            char iso[FBS_TIME_ISO_LEN];

            fbs_time_format(iso, f->issued);
            assert_string_equal(iso, c->iat);
            assert_string_equal(jstr(f->facts, "issued_from"), "jwt");
            assert_string_equal(jstr(jwt, "iat"), c->iat);
        } else {
            assert_true(json_is_null(json_object_get(jwt, "iat")));
            assert_null(json_object_get(f->facts, "issued_from"));
        }
        if (c->exp) {
            char iso[FBS_TIME_ISO_LEN];

            fbs_time_format(iso, f->expires);
            assert_string_equal(iso, c->exp);
            assert_string_equal(jstr(f->facts, "expires_from"), "jwt");
            assert_string_equal(jstr(jwt, "exp"), c->exp);
        } else {
            assert_true(json_is_null(json_object_get(jwt, "exp")));
        }
        if (c->nbf)
            assert_string_equal(jstr(jwt, "nbf"), c->nbf);
        else
            assert_true(json_is_null(json_object_get(jwt, "nbf")));
        if (c->iss)
            assert_string_equal(jstr(jwt, "iss"), c->iss);
        if (c->sub)
            assert_string_equal(jstr(jwt, "sub"), c->sub);
        assert_int_equal(json_array_size(json_object_get(jwt, "scopes")), c->nscopes);
        if (c->service_account) {
            assert_string_equal(jstr(f->facts, "kubernetes_service_account"), c->service_account);
            assert_string_equal(jstr(f->facts, "kubernetes_token_type"), c->sa_type);
        } else {
            assert_null(json_object_get(f->facts, "kubernetes_service_account"));
        }
        if (c->names)
            assert_string_equal(f->names, c->names);
        assert_int_equal(f->privilege == FBS_PRIV_HIGH, c->high);
        if (c->evidence && !has_evidence(f, c->evidence))
            fail_msg("%s: no evidence '%s'", c->name, c->evidence);
        if (!c->high)
            assert_null(json_object_get(f->facts, "privilege_evidence"));
        /* Never the signature. */
        dump = json_dumps(f->facts, 0);
        assert_non_null(dump);
        assert_null(strstr(dump, SIG));
        free(dump);
        fbs_finding_free(f);
    }
}

/* The rule pack's own example of a legacy service-account token (kubeconfig of dr-restore). */
static void test_parse_jwt__rule_example(void **state)
{
    static const char tok[] = "eyJhbGciOiJSUzI1NiIsImtpZCI6Ik52WG1Kb1R0cTVDRmFRaWFCczJQcDVETU5kZTlz"
                              "V1RaWndWZ2hfQXFFTk0ifQ.e"
                              "yJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwia3ViZXJuZXRlcy5pby9zZ"
                              "XJ2aWNlYWNjb3VudC9uYW1lc"
                              "3BhY2UiOiJrdWJlLXN5c3RlbSIsImt1YmVybmV0ZXMuaW8vc2VydmljZWFjY291bnQvc"
                              "2VjcmV0Lm5hbWUiOiJicmVha"
                              "2dsYXNzLWFkbWluLXRva2VuIiwia3ViZXJuZXRlcy5pby9zZXJ2aWNlYWNjb3VudC9zZ"
                              "XJ2aWNlLWFjY291bnQubmFtZ"
                              "SI6ImJyZWFrZ2xhc3MtYWRtaW4iLCJrdWJlcm5ldGVzLmlvL3NlcnZpY2VhY2NvdW50L"
                              "3NlcnZpY2UtYWNjb3VudC51a"
                              "WQiOiJjYzQyYmRlOC04YzU4LTQwNDUtYmIyZC0zM2M1MTdjMDBkYjgiLCJzdWIiOiJze"
                              "XN0ZW06c2VydmljZWFjY291b"
                              "nQ6a3ViZS1zeXN0ZW06YnJlYWtnbGFzcy1hZG1pbiJ9."
                              "lNQzTQSYid5ofh0i5NlzRrrp12ornr_Uy0EB0O5-ZOSblzKe"
                              "eOBxx3gJPY29poRHNNf5BRVJmRU9nGvDyoLNBaiduSxlxkJwlvhH2q7uUKht5cnNd9SI"
                              "Xq_2uvJm1HdWicBWmEkhe-hx"
                              "LbmDIvBsL4xWwh4IHZgMsP1MuRs_MQ7FjKRyFzabw-VntnSbFtHZonm_kJvoetUj_-"
                              "XZu5kW57sLFBLyQVBkX9p8Le6I"
                              "PYen2UZJVxU6n--IjvSAq6aw80svUhRVcoHu_"
                              "fCKArIxwHoW7wSwJFzIW8a8H5AtXLdhie3NOJUGHH0jEJ7c6vMjBFC0"
                              "CwGdZTbhL9Zgffpg1Q";
    struct fbs_finding *f = new_finding("kubernetes_token", tok);

    (void)state;
    assert_int_equal(fbs_finding_set_str(&f->names, "dr-restore"), 0);
    assert_int_equal(run(f), 0);
    assert_string_equal(jstr(f->facts, "kubernetes_service_account"),
                        "kube-system/breakglass-admin");
    assert_false(f->has_expires); /* legacy tokens never expire */
    assert_false(f->has_issued);
    /* Existing names are kept; the account and subject are added once. */
    assert_string_equal(
        f->names, "dr-restore breakglass-admin system:serviceaccount:kube-system:breakglass-admin");
    assert_int_equal(run(f), 0);
    assert_string_equal(
        f->names, "dr-restore breakglass-admin system:serviceaccount:kube-system:breakglass-admin");
    fbs_finding_free(f);
}

/* A Secret's data field: base64 of the JWT. A static kubeconfig token is not a JWT. */
static void test_parse_jwt__kubernetes_wrapped_and_static(void **state)
{
    static const char b64[] = "ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKemRXSWlPaUp6ZVhOMFpXMDZjMlZ5ZG1salpX"
                              "RmpZMjkxYm5RNmIzQnpPbUp"
                              "oWTJ0MWNDSXNJbWxoZENJNk1UY3dNREF3TURBd01IMC5jMmxuYm1GMGRYSmw=";
    struct fbs_finding *f;

    (void)state;
    /* base64("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6b3BzOmJhY2t1cCIsImlhdC
     * I6MTcwMDAwMDAwMH0.c2lnbmF0dXJl") */
    f = new_finding("kubernetes_token", b64);
    assert_int_equal(run(f), 0);
    assert_string_equal(jstr(f->facts, "kubernetes_service_account"), "ops/backup");
    assert_true(f->has_issued);
    assert_int_equal(f->issued, 1700000000);
    fbs_finding_free(f);

    f = new_finding("kubernetes_token", "kR8x2Pq0ZmT7wV4nB6yD1sF9hJ3lC5gA");
    assert_int_equal(run(f), 0);
    assert_int_equal(json_object_size(f->facts), 0);
    fbs_finding_free(f);
}

struct bad_case {
    const char *name, *kind, *token;
    const char *message; /* substring of the error message */
};

static void test_parse_jwt__malformed(void **state)
{
    static const struct bad_case cases[] = {
        {"one part", "jwt", "eyJhbGciOiJIUzI1NiJ9", "three"},
        {"two parts", "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", "three"},
        {"four parts (JWE)", "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.a.b", "JWE"},
        {"empty payload", "jwt", "eyJhbGciOiJIUzI1NiJ9..c2ln", "empty"},
        {"bad character", "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIi!iJ4In0.c2ln", "invalid base64"},
        {"impossible length", "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzd.c2ln", "truncated base64"},
        {"payload not JSON", "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4.c2ln", "not JSON"},
        {"payload an array", "jwt", "eyJhbGciOiJIUzI1NiJ9.WzEsMl0.c2ln", "not a JSON object"},
        {"header not JSON", "jwt", "eyJhbGciOiJIUzI1Ni.eyJzdWIiOiJ4In0.c2ln", "header"},
        {"duplicate claims", "jwt", "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxLCJhIjoyfQ.c2ln", "not JSON"},
        {"not eyJ", "jwt", "abc.def.ghi", "eyJ"},
        {"wrapped garbage", "kubernetes_token", "ZXlK!!!!", "invalid base64"},
        {"wrapped, not a JWT inside", "kubernetes_token", "ZXlKaGJH", "three"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fbs_finding *f = new_finding(cases[i].kind, cases[i].token);
        int rc = run(f);

        if (rc != FBS_EPARSE || !strstr(fbs_error_message(), cases[i].message))
            fail_msg("%s: rc %d, message '%s'", cases[i].name, rc, fbs_error_message());
        /* Nothing half-parsed is left behind. */
        assert_int_equal(json_object_size(f->facts), 0);
        assert_false(f->has_issued);
        fbs_finding_free(f);
    }
}

static void test_parse_jwt__bounds(void **state)
{
    size_t n = 40000, i;
    char *big = test_malloc(n + 1);
    struct fbs_finding *f;

    (void)state;
    /* An absurdly long token. */
    memcpy(big, "eyJ", 3);
    for (i = 3; i < n; i++)
        big[i] = i == 30 || i == 20000 ? '.' : 'A';
    big[n] = '\0';
    f = new_finding("jwt", big);
    assert_int_equal(run(f), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "too long"));
    fbs_finding_free(f);
    /* A payload over the per-part bound, the token under the whole bound. */
    memcpy(big, "eyJhbGciOiJIUzI1NiJ9.", 21);
    for (i = 21; i < 25021; i++)
        big[i] = 'A';
    memcpy(big + 25021, ".c2ln", 6);
    f = new_finding("jwt", big);
    assert_int_equal(run(f), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "payload is too long"));
    fbs_finding_free(f);
    test_free(big);
    /* No secret: nothing to do. */
    f = fbs_finding_new();
    assert_int_equal(fbs_finding_set_str(&f->kind, "jwt"), 0);
    assert_int_equal(run(f), 0);
    fbs_finding_free(f);
}

/* Every allocation failing in turn: ENOMEM or success, no leak, no crash. */
static void test_parse_jwt__enomem(void **state)
{
    char tok[4096];
    long n;
    int rc = FBS_ENOMEM;

    (void)state;
    make_jwt(tok, sizeof(tok), "{\"alg\":\"RS256\"}",
             "{\"iss\":\"kubernetes/serviceaccount\",\"kubernetes.io/serviceaccount/namespace\":"
             "\"ops\",\"kubernetes.io/serviceaccount/service-account.name\":\"root-admin\","
             "\"sub\":\"system:serviceaccount:ops:root-admin\",\"roles\":[\"admin\"],"
             "\"iat\":1700000000}");
    fbs_test_use_failing_alloc();
    for (n = 0; rc == FBS_ENOMEM && n < 200; n++) {
        struct fbs_finding *f = new_finding("kubernetes_token", tok);

        fbs_test_fail_allocs_after(n);
        rc = run(f);
        fbs_test_fail_allocs_after(-1);
        assert_true(rc == 0 || rc == FBS_ENOMEM);
        fbs_finding_free(f);
    }
    assert_int_equal(rc, 0);
    fbs_test_use_cmocka_alloc();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_jwt__claims),
        cmocka_unit_test(test_parse_jwt__rule_example),
        cmocka_unit_test(test_parse_jwt__kubernetes_wrapped_and_static),
        cmocka_unit_test(test_parse_jwt__malformed),
        cmocka_unit_test(test_parse_jwt__bounds),
        cmocka_unit_test(test_parse_jwt__enomem),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
