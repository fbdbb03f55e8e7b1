// SHA-256 against the FIPS 180-4 example messages (one block, two blocks, a
// million bytes fed in uneven pieces) and a file.
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "asl/sha256.h"
#include "harness.h"

static void digest(const char *msg, char hex[65]) {
  asl_sha256 c;
  asl_sha256_init(&c);
  asl_sha256_update(&c, msg, strlen(msg));
  asl_sha256_hex(&c, hex);
}

TEST(sha256_known_messages) {
  char hex[65];
  digest("", hex);
  ASSERT_STR_EQ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex);
  digest("abc", hex);
  ASSERT_STR_EQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hex);
  digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
  ASSERT_STR_EQ("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", hex);
}

TEST(sha256_million_a_in_pieces) {
  static char a[1000];
  memset(a, 'a', sizeof a);
  asl_sha256 c;
  asl_sha256_init(&c);
  size_t left = 1000000, k = 1;
  while (left > 0) { // 1, 2, ..., 999-byte pieces cross every block boundary
    size_t n = k < left ? k : left;
    asl_sha256_update(&c, a, n);
    left -= n, k = k % 999 + 1;
  }
  char hex[65];
  asl_sha256_hex(&c, hex);
  ASSERT_STR_EQ("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", hex);
}

TEST(sha256_file_and_missing_file) {
  char path[] = "/tmp/sha256_XXXXXX", hex[65];
  int fd = mkstemp(path);
  ASSERT(fd >= 0);
  ASSERT(write(fd, "abc", 3) == 3);
  close(fd);
  ASSERT_OK(asl_sha256_file(path, hex));
  ASSERT_STR_EQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hex);
  unlink(path);
  ASSERT_EQ(ASL_ENOTFOUND, asl_sha256_file(path, hex));
}

int main(void) {
  RUN(sha256_known_messages);
  RUN(sha256_million_a_in_pieces);
  RUN(sha256_file_and_missing_file);
  return DONE();
}
