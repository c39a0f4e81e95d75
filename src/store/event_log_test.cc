#include "store/event_log.h"

#include "gtest/gtest.h"

namespace kechan::store {
namespace {

Event Sample() {
  Event e;
  e.seq = 3;
  e.at_us = 1'700'000'000'000'000;
  e.kind = "appeal.created";
  e.entity = "appeal";
  e.entity_id = "A-1";
  e.actor = "user:12";
  e.payload = "{\"title\":\"诉求\"}";
  e.prev_hash = std::string(64, '0');
  return e;
}

// The expected digests were computed independently (Python hashlib) from the documented
// encoding: text("kechan.event.v1") u64(seq) u64(at_us) text(kind) text(entity) text(entity_id)
// text(actor) text(payload) text(prev_hash), u64 big-endian, text = u64 length + bytes.
TEST(HashEventTest, MatchesTheDocumentedEncoding) {
  EXPECT_EQ(HashEvent(Sample()),
            "52139b0800fbf33a421b730d00f76419c67893e6818f3f5f94ee840175020489");
  Event negative;
  negative.seq = 1;
  negative.at_us = -5;
  negative.payload = "{}";
  negative.prev_hash = std::string(64, '0');
  EXPECT_EQ(HashEvent(negative),
            "0eb0fa062021e61ae55f0b122e8a7799288945ac432fb75e3e01a3b67bbe8eed");
}

TEST(HashEventTest, IgnoresTheStoredHashField) {
  Event e = Sample();
  const std::string h = HashEvent(e);
  e.hash = "whatever";
  EXPECT_EQ(HashEvent(e), h);
}

TEST(HashEventTest, EveryFieldChangesTheHash) {
  const std::string base = HashEvent(Sample());
  std::vector<Event> variants(8, Sample());
  variants[0].seq = 4;
  variants[1].at_us += 1;
  variants[2].kind += "x";
  variants[3].entity += "x";
  variants[4].entity_id += "x";
  variants[5].actor += "x";
  variants[6].payload = "{\"title\":\"诉求 \"}";
  variants[7].prev_hash[0] = '1';
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(HashEvent(variants[i]), base) << "field " << i;
  }
}

TEST(HashEventTest, FieldBoundariesAreUnambiguous) {
  Event a = Sample();
  a.entity = "ab";
  a.entity_id = "c";
  Event b = Sample();
  b.entity = "a";
  b.entity_id = "bc";
  EXPECT_NE(HashEvent(a), HashEvent(b));
}

}  // namespace
}  // namespace kechan::store
