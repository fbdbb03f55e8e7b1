// The strict JSON reader: values of every type, escapes, lookups, and the
// refusals (syntax errors with line:column, duplicates, depth, NaN, UTF-8).
#include <stdio.h>
#include <stdlib.h>

#include "asl/json.h"
#include "harness.h"

static asl_status parse(asl_json *d, const char *text) {
  return asl_json_parse(d, text, strlen(text), "x.json");
}

TEST(json_reads_a_sidecar_object) {
  asl_json d;
  ASSERT_OK(parse(&d, "{\"ArterialSpinLabelingType\": \"PCASL\", \"PostLabelingDelay\": 1.8,\n"
                      " \"BackgroundSuppression\": true, \"Flip\": [1, -2.5e1, 0.0], \"N\": null}"));
  double x;
  int b;
  char buf[16];
  ASSERT_OK(asl_json_get_number(&d, "PostLabelingDelay", &x, "x.json"));
  ASSERT_NEAR(1.8, x, 1e-12);
  ASSERT_OK(asl_json_get_bool(&d, "BackgroundSuppression", &b, "x.json"));
  ASSERT_EQ(1, b);
  ASSERT_OK(asl_json_get_string(&d, "ArterialSpinLabelingType", buf, sizeof buf, "x.json"));
  ASSERT_STR_EQ("PCASL", buf);
  int arr = asl_json_find(&d, 0, "Flip");
  ASSERT(arr > 0);
  ASSERT_EQ(ASL_JSON_ARRAY, d.nodes[arr].type);
  ASSERT_EQ(3, d.nodes[arr].count);
  int second = d.nodes[d.nodes[arr].first].next;
  ASSERT_NEAR(-25.0, d.nodes[second].number, 0);
  ASSERT_EQ(ASL_JSON_NULL, d.nodes[asl_json_find(&d, 0, "N")].type);
  ASSERT_EQ(-1, asl_json_find(&d, 0, "Missing"));
  ASSERT_STR_EQ("Flip", asl_json_key(&d, arr));
  ASSERT(asl_json_key(&d, 0) == NULL);            // the root has no key
  ASSERT(asl_json_string(&d, arr) == NULL);       // an array is no string
  ASSERT(asl_json_string(&d, 1000) == NULL);      // out of range
  ASSERT_EQ(-1, asl_json_find(&d, arr, "Flip")); // not an object
  asl_json_free(&d);
}

TEST(json_typed_lookups_report_missing_and_wrong_type) {
  asl_json d;
  ASSERT_OK(parse(&d, "{\"a\": \"1.5\", \"s\": \"abcdef\"}"));
  double x;
  char buf[4];
  ASSERT_EQ(ASL_ENOTFOUND, asl_json_get_number(&d, "b", &x, "x.json"));
  ASSERT(strstr(asl_error_message(), "missing field \"b\""));
  ASSERT_EQ(ASL_EFORMAT, asl_json_get_number(&d, "a", &x, "x.json"));
  ASSERT(strstr(asl_error_message(), "must be a number"));
  ASSERT_EQ(ASL_EFORMAT, asl_json_get_string(&d, "s", buf, sizeof buf, "x.json"));
  asl_json_free(&d);
}

TEST(json_decodes_escapes_and_surrogates) {
  asl_json d;
  ASSERT_OK(parse(&d, "[\"a\\n\\t\\\"\\\\\\/\\u00e9\\ud83d\\ude00\"]"));
  ASSERT_STR_EQ("a\n\t\"\\/\xC3\xA9\xF0\x9F\x98\x80", asl_json_string(&d, d.nodes[0].first));
  asl_json_free(&d);
}

TEST(json_accepts_scalars_and_empty_containers) {
  const char *ok[] = {"0", "-0.5e-3", "true", " null ", "\"\"", "[]", "{}", "[[], {}]",
                      "\xEF\xBB\xBF{}"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    asl_json d;
    ASSERT_OK(parse(&d, ok[i]));
    asl_json_free(&d);
  }
}

static void expect_bad(const char *text, const char *where, const char *why) {
  asl_json d;
  ASSERT_EQ(ASL_EFORMAT, parse(&d, text));
  ASSERT(d.nodes == NULL && d.strings == NULL);
  const char *m = asl_error_message();
  if (!strstr(m, where) || !strstr(m, why))
    HARNESS_FAIL("for %s: message \"%s\" lacks \"%s\" / \"%s\"", text, m, where, why);
}

TEST(json_refuses_bad_syntax_with_line_and_column) {
  expect_bad("{\"a\": 1,}", "x.json:1:9", "key");
  expect_bad("{\n  \"a\": 01}", "x.json:2:9", "expected");
  expect_bad("[1 2]", "1:4", "expected");
  expect_bad("{\"a\" 1}", "1:6", "':'");
  expect_bad("", "1:1", "end");
  expect_bad("{} x", "1:4", "after");
  expect_bad("[1.]", "1:4", "digit");
  expect_bad("[1e]", "1:4", "digit");
  expect_bad("\"abc", "1:5", "unterminated");
  expect_bad("tru", "1:1", "unexpected");
  expect_bad("// c\n{}", "1:1", "");
}

TEST(json_refuses_nan_infinity_and_huge_numbers) {
  expect_bad("[NaN]", "1:2", "");
  expect_bad("[Infinity]", "1:2", "");
  expect_bad("[1e999]", "1:", "range");
}

TEST(json_refuses_duplicate_keys) { expect_bad("{\"a\": 1, \"a\": 2}", "1:", "duplicate"); }

TEST(json_refuses_bad_strings) {
  expect_bad("[\"a\x01\"]", "1:", "control");
  expect_bad("[\"\\x\"]", "1:", "escape");
  expect_bad("[\"\\ud800\"]", "1:", "surrogate");
  expect_bad("[\"\\udc00\"]", "1:", "surrogate");
  expect_bad("[\"\\u0000\"]", "1:", "u0000");
  expect_bad("[\"\xC0\xAF\"]", "1:", "UTF-8");
  expect_bad("[\"\xED\xA0\x80\"]", "1:", "UTF-8");
  expect_bad("[\"\xE2\x82\"]", "1:", "UTF-8");
}

TEST(json_nesting_deeper_than_limit_is_refused) {
  char deep[2 * ASL_JSON_MAX_DEPTH + 10];
  int n = ASL_JSON_MAX_DEPTH + 2;
  for (int i = 0; i < n; i++) deep[i] = '[', deep[n + i] = ']';
  deep[2 * n] = '\0';
  expect_bad(deep, "1:", "deep");
  deep[0] = ' ', deep[2 * n - 1] = ' ', deep[1] = ' ', deep[2 * n - 2] = ' ';
  asl_json d;
  ASSERT_OK(parse(&d, deep));
  asl_json_free(&d);
}

TEST(json_too_many_values_is_refused) {
  size_t n = ASL_JSON_MAX_NODES + 5;
  char *t = malloc(2 * n + 3);
  ASSERT(t);
  t[0] = '[';
  for (size_t i = 0; i < n; i++) t[1 + 2 * i] = '0', t[2 + 2 * i] = ',';
  t[2 * n] = ']';
  t[2 * n + 1] = '\0';
  asl_json d;
  asl_status s = asl_json_parse(&d, t, strlen(t), "big.json");
  free(t);
  ASSERT_EQ(ASL_EFORMAT, s);
  ASSERT(strstr(asl_error_message(), "too many"));
}

TEST(json_text_is_not_read_past_its_length) {
  asl_json d;
  const char text[] = "{\"a\": 12345}";
  ASSERT_EQ(ASL_EFORMAT, asl_json_parse(&d, text, 9, "cut.json"));
  ASSERT_OK(asl_json_parse(&d, "[7]garbage", 3, "x.json"));
  ASSERT_NEAR(7, d.nodes[1].number, 0);
  asl_json_free(&d);
}

TEST(json_read_file_names_missing_file) {
  asl_json d;
  ASSERT_EQ(ASL_ENOTFOUND, asl_json_read_file(&d, "/nonexistent/sidecar.json"));
  ASSERT(strstr(asl_error_message(), "/nonexistent/sidecar.json"));
  char path[] = "/tmp/asl_test_json_XXXXXX";
  int fd = mkstemp(path);
  ASSERT(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("{\"M0Type\": \"Separate\"}\n", f);
  fclose(f);
  ASSERT_OK(asl_json_read_file(&d, path));
  char buf[16];
  ASSERT_OK(asl_json_get_string(&d, "M0Type", buf, sizeof buf, path));
  ASSERT_STR_EQ("Separate", buf);
  asl_json_free(&d);
  remove(path);
}

int main(void) {
  RUN(json_reads_a_sidecar_object);
  RUN(json_typed_lookups_report_missing_and_wrong_type);
  RUN(json_decodes_escapes_and_surrogates);
  RUN(json_accepts_scalars_and_empty_containers);
  RUN(json_refuses_bad_syntax_with_line_and_column);
  RUN(json_refuses_nan_infinity_and_huge_numbers);
  RUN(json_refuses_duplicate_keys);
  RUN(json_refuses_bad_strings);
  RUN(json_nesting_deeper_than_limit_is_refused);
  RUN(json_too_many_values_is_refused);
  RUN(json_text_is_not_read_past_its_length);
  RUN(json_read_file_names_missing_file);
  return DONE();
}
