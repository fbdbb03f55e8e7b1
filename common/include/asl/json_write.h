// Writing JSON text: the one string escaper every writer uses (plan --json,
// exports, checkpoint sidecars).
#ifndef ASL_JSON_WRITE_H
#define ASL_JSON_WRITE_H

#include <stdio.h>

// s as a JSON string literal with its quotes: '"' and '\' escaped, \n \r \t
// as such, other control characters as \u00XX, bytes >= 0x20 (UTF-8
// included) copied. NULL writes "".
void asl_json_write_string(FILE *f, const char *s);

#endif
