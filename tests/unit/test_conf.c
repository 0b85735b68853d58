/* test_conf.c - model/conf.c: YAML/JSON to jansson with line numbers. */
#include "support/test_support.h"

#include "scanner/core/buf.h"
#include "scanner/core/error.h"
#include "scanner/model/conf.h"

#include <string.h>

#include "scanner/core/banned.h"

static struct fbs_conf *parse_ok(const char *text)
{
    struct fbs_conf *c = NULL;
    int rc = fbs_conf_parse(&c, "t.yml", text, strlen(text));

    if (rc != 0)
        fail_msg("parse failed (%d): %s", rc, fbs_error_message());
    assert_non_null(c);
    assert_non_null(c->root);
    return c;
}

/* Parse text that must fail with FBS_EPARSE; returns the message (thread-local storage). */
static const char *parse_err(const char *text)
{
    struct fbs_conf *c = (struct fbs_conf *)1;
    int rc = fbs_conf_parse(&c, "t.yml", text, strlen(text));

    assert_int_equal(rc, FBS_EPARSE);
    assert_null(c);
    return fbs_error_message();
}

static void test_conf__typed_scalars(void **state)
{
    struct fbs_conf *c = parse_ok("int: 42\n"
                                  "neg: -7\n"
                                  "plus: +5\n"
                                  "real: 1.5\n"
                                  "exp: 1e3\n"
                                  "yes: true\n"
                                  "no: False\n"
                                  "nul: null\n"
                                  "tilde: ~\n"
                                  "empty:\n"
                                  "word: hello world\n"
                                  "q_int: \"42\"\n"
                                  "q_bool: 'true'\n"
                                  "q_null: \"null\"\n"
                                  "q_empty: ''\n"
                                  "ver: 1.2.3\n"
                                  "minus: -x\n"
                                  "block: |\n"
                                  "  line one\n"
                                  "  line two\n");
    json_t *r = c->root;

    (void)state;
    assert_true(json_is_integer(json_object_get(r, "int")));
    assert_int_equal(json_integer_value(json_object_get(r, "int")), 42);
    assert_int_equal(json_integer_value(json_object_get(r, "neg")), -7);
    assert_int_equal(json_integer_value(json_object_get(r, "plus")), 5);
    assert_true(json_is_real(json_object_get(r, "real")));
    assert_true(json_real_value(json_object_get(r, "real")) == 1.5);
    assert_true(json_is_real(json_object_get(r, "exp")));
    assert_true(json_real_value(json_object_get(r, "exp")) == 1000.0);
    assert_true(json_is_true(json_object_get(r, "yes")));
    assert_true(json_is_false(json_object_get(r, "no")));
    assert_true(json_is_null(json_object_get(r, "nul")));
    assert_true(json_is_null(json_object_get(r, "tilde")));
    assert_true(json_is_null(json_object_get(r, "empty")));
    assert_string_equal(json_string_value(json_object_get(r, "word")), "hello world");
    /* Quoted scalars stay strings. */
    assert_string_equal(json_string_value(json_object_get(r, "q_int")), "42");
    assert_string_equal(json_string_value(json_object_get(r, "q_bool")), "true");
    assert_string_equal(json_string_value(json_object_get(r, "q_null")), "null");
    assert_string_equal(json_string_value(json_object_get(r, "q_empty")), "");
    assert_string_equal(json_string_value(json_object_get(r, "ver")), "1.2.3");
    assert_string_equal(json_string_value(json_object_get(r, "minus")), "-x");
    /* Block scalars are strings. */
    assert_string_equal(json_string_value(json_object_get(r, "block")), "line one\nline two\n");
    fbs_conf_free(c);
}

static void test_conf__nonfinite_plain_scalars(void **state)
{
    struct fbs_conf *c = NULL;
    static const char text[] = "a: -inf\nb: +nan\nc: +Infinity\n";

    (void)state;
    /*
     * Was a bug (fixed): plain_scalar() feeds "-inf", "+nan", "+Infinity" to strtod(), which
     * accepts them, and json_real() then returns NULL for a non-finite value; conf.c reports that
     * as "line 1: value is not valid UTF-8". Expected: parse succeeds and these stay strings (YAML
     * 1.2 core spells infinity ".inf"; JSON has no non-finite numbers); actual: FBS_EPARSE with
     * a wrong message. ("inf"/"nan" without a sign are fine: only the sign lets them reach
     * strtod.)
     */
    assert_int_equal(fbs_conf_parse(&c, "t.yml", text, strlen(text)), 0);
    assert_string_equal(json_string_value(json_object_get(c->root, "a")), "-inf");
    assert_string_equal(json_string_value(json_object_get(c->root, "b")), "+nan");
    assert_string_equal(json_string_value(json_object_get(c->root, "c")), "+Infinity");
    fbs_conf_free(c);
}

static void test_conf__key_lines(void **state)
{
    struct fbs_conf *c = parse_ok("# a comment\n"
                                  "top: 1\n"
                                  "\n"
                                  "nested:\n"
                                  "  inner: x\n"
                                  "  deeper:\n"
                                  "    leaf: true\n"
                                  "list:\n"
                                  "  - a\n"
                                  "  - {k: v}\n"
                                  "last: ~\n");
    json_t *r = c->root, *nested, *deeper, *list;

    (void)state;
    assert_int_equal(fbs_conf_line(c, r, "top"), 2);
    assert_int_equal(fbs_conf_line(c, r, "nested"), 4);
    nested = json_object_get(r, "nested");
    assert_int_equal(fbs_conf_line(c, nested, "inner"), 5);
    assert_int_equal(fbs_conf_line(c, nested, "deeper"), 6);
    deeper = json_object_get(nested, "deeper");
    /* Singletons (true/null) have no line of their own; their keys do. */
    assert_int_equal(fbs_conf_line(c, deeper, "leaf"), 7);
    assert_int_equal(fbs_conf_line(c, r, "last"), 11);
    /* Value nodes: strings, arrays and objects know their own line. */
    list = json_object_get(r, "list");
    assert_int_equal(fbs_conf_line(c, r, "list"), 8);
    assert_int_equal(fbs_conf_line(c, list, NULL), 9); /* a block sequence starts at its item */
    assert_int_equal(fbs_conf_line(c, json_array_get(list, 0), NULL), 9);
    assert_int_equal(fbs_conf_line(c, json_array_get(list, 1), NULL), 10);
    assert_int_equal(fbs_conf_line(c, json_array_get(list, 1), "k"), 10);
    assert_int_equal(fbs_conf_line(c, json_object_get(nested, "inner"), NULL), 5);
    /* Unknown: 0. */
    assert_int_equal(fbs_conf_line(c, r, "absent"), 0);
    assert_int_equal(fbs_conf_line(c, NULL, "top"), 0);
    assert_int_equal(fbs_conf_line(NULL, r, "top"), 0);
    fbs_conf_free(c);
}

static void test_conf__duplicate_key(void **state)
{
    const char *msg;

    (void)state;
    msg = parse_err("a: 1\n"
                    "b:\n"
                    "  x: 1\n"
                    "  y: 2\n"
                    "  x: 3\n");
    assert_non_null(strstr(msg, "line 5"));
    assert_non_null(strstr(msg, "duplicate key 'x'"));
    msg = parse_err("{\"a\": 1, \"a\": 2}");
    assert_non_null(strstr(msg, "duplicate key 'a'"));
}

static void test_conf__syntax_error_names_line(void **state)
{
    const char *msg;

    (void)state;
    msg = parse_err("ok: 1\n"
                    "also: 2\n"
                    "bad: [1, 2\n"
                    "next: 3\n");
    assert_true(!strncmp(msg, "line ", 5));
    assert_null(strstr(msg, "line 1:")); /* not the start of the file */
    msg = parse_err("a: 1\n"
                    " b: 2\n"
                    "c:\n"
                    "  - x\n"
                    " - y\n");
    assert_true(!strncmp(msg, "line ", 5));
    msg = parse_err("key: \"unterminated\n");
    assert_true(!strncmp(msg, "line ", 5));
    /* Invalid UTF-8 in the input is a parse error, not a crash. */
    msg = parse_err("a: \"\xff\xfe\"\n");
    assert_true(!strncmp(msg, "line ", 5));
}

static void test_conf__multiple_documents(void **state)
{
    const char *msg;
    struct fbs_conf *c;

    (void)state;
    msg = parse_err("a: 1\n"
                    "---\n"
                    "b: 2\n");
    assert_non_null(strstr(msg, "more than one YAML document"));
    assert_non_null(strstr(msg, "line 3"));
    /* An explicit start marker and an end marker alone are one document. */
    c = parse_ok("---\na: 1\n...\n");
    assert_int_equal(json_integer_value(json_object_get(c->root, "a")), 1);
    fbs_conf_free(c);
}

static void test_conf__json_input(void **state)
{
    struct fbs_conf *c = parse_ok("{\n"
                                  "  \"rules\": [\n"
                                  "    {\"id\": \"x\", \"n\": 3, \"f\": 2.5, \"ok\": true},\n"
                                  "    {\"id\": \"y\", \"s\": \"12\", \"z\": null}\n"
                                  "  ]\n"
                                  "}\n");
    json_t *rules = json_object_get(c->root, "rules"), *x, *y;

    (void)state;
    assert_true(json_is_array(rules));
    assert_int_equal(json_array_size(rules), 2);
    x = json_array_get(rules, 0);
    y = json_array_get(rules, 1);
    assert_string_equal(json_string_value(json_object_get(x, "id")), "x");
    assert_int_equal(json_integer_value(json_object_get(x, "n")), 3);
    assert_true(json_real_value(json_object_get(x, "f")) == 2.5);
    assert_true(json_is_true(json_object_get(x, "ok")));
    assert_string_equal(json_string_value(json_object_get(y, "s")), "12"); /* quoted */
    assert_true(json_is_null(json_object_get(y, "z")));
    assert_int_equal(fbs_conf_line(c, c->root, "rules"), 2);
    assert_int_equal(fbs_conf_line(c, x, "id"), 3);
    assert_int_equal(fbs_conf_line(c, y, "s"), 4);
    fbs_conf_free(c);
}

static void nest(struct fbs_buf *b, int depth)
{
    int i;

    for (i = 0; i < depth; i++)
        assert_int_equal(fbs_buf_putc(b, '['), 0);
    assert_int_equal(fbs_buf_putc(b, '1'), 0);
    for (i = 0; i < depth; i++)
        assert_int_equal(fbs_buf_putc(b, ']'), 0);
    assert_int_equal(fbs_buf_putc(b, '\n'), 0);
}

static void test_conf__nesting_limit(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    struct fbs_conf *c = NULL;
    json_t *v;
    int i;

    (void)state;
    nest(&b, 60);
    assert_int_equal(fbs_conf_parse(&c, "t.json", b.ptr, b.len), 0);
    for (v = c->root, i = 0; json_is_array(v); i++)
        v = json_array_get(v, 0);
    assert_int_equal(i, 60);
    assert_int_equal(json_integer_value(v), 1);
    fbs_conf_free(c);

    fbs_buf_truncate(&b, 0);
    nest(&b, 100);
    assert_int_equal(fbs_conf_parse(&c, "t.json", b.ptr, b.len), FBS_EPARSE);
    assert_null(c);
    assert_non_null(strstr(fbs_error_message(), "nesting deeper than"));
    assert_true(!strncmp(fbs_error_message(), "line 1:", 7));

    /* Block mappings count too. */
    fbs_buf_truncate(&b, 0);
    for (i = 0; i < 80; i++)
        assert_int_equal(fbs_buf_printf(&b, "%*sk%d:\n", i * 2, "", i), 0);
    assert_int_equal(fbs_conf_parse(&c, "t.yml", b.ptr, b.len), FBS_EPARSE);
    assert_non_null(strstr(fbs_error_message(), "nesting deeper than"));
    fbs_buf_release(&b);
}

/*
 * The depth limit is enforced while parsing: 300 KB of '[' used to run libyaml for minutes
 * (quadratic in the depth) before the finished tree was checked. Here it is refused at once,
 * with the line of the first collection too deep; the check alone says the same.
 */
static void test_conf__deep_refused_while_parsing(void **state)
{
    struct fbs_buf b = FBS_BUF_INIT;
    struct fbs_conf *c = NULL;

    (void)state;
    assert_int_equal(fbs_buf_puts(&b, "a: 1\nb: 2\nc: "), 0);
    nest(&b, 150000);
    assert_int_equal(fbs_conf_check_limits(b.ptr, b.len), FBS_EPARSE);
    assert_string_equal(fbs_error_message(), "line 3: nesting deeper than 64 levels");
    assert_int_equal(fbs_conf_parse(&c, "t.yml", b.ptr, b.len), FBS_EPARSE);
    assert_null(c);
    assert_string_equal(fbs_error_message(), "line 3: nesting deeper than 64 levels");
    fbs_buf_truncate(&b, 0);
    nest(&b, 64);
    assert_int_equal(fbs_conf_check_limits(b.ptr, b.len), 0);
    fbs_buf_release(&b);
}

static void test_conf__empty_document(void **state)
{
    struct fbs_conf *c;

    (void)state;
    c = parse_ok("");
    assert_true(json_is_object(c->root));
    assert_int_equal(json_object_size(c->root), 0);
    fbs_conf_free(c);
    c = parse_ok("# only a comment\n\n");
    assert_true(json_is_object(c->root));
    assert_int_equal(json_object_size(c->root), 0);
    fbs_conf_free(c);
    /* A lone scalar or list is a valid root. */
    c = parse_ok("- a\n- b\n");
    assert_true(json_is_array(c->root));
    fbs_conf_free(c);
    c = parse_ok("just text\n");
    assert_string_equal(json_string_value(c->root), "just text");
    fbs_conf_free(c);
}

static void test_conf__aliases_resolved(void **state)
{
    struct fbs_conf *c = parse_ok("base: &b\n"
                                  "  k: 1\n"
                                  "  s: str\n"
                                  "copy: *b\n"
                                  "list: [*b, *b]\n");

    (void)state;
    assert_int_equal(json_integer_value(json_object_get(json_object_get(c->root, "copy"), "k")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(c->root, "list"), 1), "s")),
                        "str");
    fbs_conf_free(c);
    /* An undefined alias is an error with a line. */
    assert_true(!strncmp(parse_err("a: 1\nb: *nope\n"), "line ", 5));
}

static void test_conf__alias_expansion_bounded(void **state)
{
    static const char bomb[] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                               "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                               "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                               "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                               "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                               "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    struct fbs_conf *c = NULL;

    (void)state;
    /*
     * Was a bug (fixed): aliases are expanded by copying (convert() runs again for every
     * reference), with no budget: this 330-byte document becomes 10^6 JSON nodes (and line-table
     * entries); two more lines make it 10^8 and exhaust memory ("billion laughs"). A --rules
     * directory or policy file can hang the scanner. Expected: FBS_EPARSE ("line N: too many alias
     * expansions") once a node budget is exceeded; actual: 0 after building ~1.1 million nodes.
     */
    assert_int_equal(fbs_conf_parse(&c, "t.yml", bomb, strlen(bomb)), FBS_EPARSE);
    assert_null(c);
}

static void test_conf__bad_keys(void **state)
{
    const char *msg;

    (void)state;
    msg = parse_err("? [a, b]\n: 1\n");
    assert_non_null(strstr(msg, "not a scalar"));
    assert_non_null(strstr(msg, "line 1"));
    /* Keys are always strings, even plain numbers. */
    {
        struct fbs_conf *c = parse_ok("1: one\ntrue: yes\n");

        assert_string_equal(json_string_value(json_object_get(c->root, "1")), "one");
        assert_string_equal(json_string_value(json_object_get(c->root, "true")), "yes");
        fbs_conf_free(c);
    }
}

static void test_conf__load_file(void **state)
{
    const char *dir = fbs_test_tmpdir();
    char path[512];
    struct fbs_conf *c = NULL;

    (void)state;
    fbs_test_write(dir, "x.yml", "k: v\n", 5);
    snprintf(path, sizeof(path), "%s/x.yml", dir);
    assert_int_equal(fbs_conf_load_file(&c, path), 0);
    assert_string_equal(json_string_value(json_object_get(c->root, "k")), "v");
    assert_string_equal(c->name, path);
    fbs_conf_free(c);
    snprintf(path, sizeof(path), "%s/missing.yml", dir);
    assert_int_equal(fbs_conf_load_file(&c, path), FBS_EIO);
    assert_null(c);
    assert_non_null(strstr(fbs_error_message(), "missing.yml"));
    fbs_conf_free(NULL);
    fbs_test_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conf__typed_scalars),
        cmocka_unit_test(test_conf__nonfinite_plain_scalars),
        cmocka_unit_test(test_conf__key_lines),
        cmocka_unit_test(test_conf__duplicate_key),
        cmocka_unit_test(test_conf__syntax_error_names_line),
        cmocka_unit_test(test_conf__multiple_documents),
        cmocka_unit_test(test_conf__json_input),
        cmocka_unit_test(test_conf__nesting_limit),
        cmocka_unit_test(test_conf__deep_refused_while_parsing),
        cmocka_unit_test(test_conf__empty_document),
        cmocka_unit_test(test_conf__aliases_resolved),
        cmocka_unit_test(test_conf__alias_expansion_bounded),
        cmocka_unit_test(test_conf__bad_keys),
        cmocka_unit_test(test_conf__load_file),
    };

    fbs_test_use_cmocka_alloc();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
