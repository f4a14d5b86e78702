import Testing
import Timestamps

@Suite("Timestamps")
struct TimestampTests {
    @Test("written as RFC 3339 UTC with milliseconds")
    func format() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_599_000_123).description == "2026-11-25T09:30:00.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
    }

    @Test("read back exactly", arguments: [0, 1, 951_782_400_000, 1_795_599_000_123, 4_102_444_799_999])
    func roundTrip(milliseconds: Int64) {
        let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
        #expect(Timestamp(rfc3339: timestamp.description) == timestamp)
    }

    @Test("offsets and fractions are honoured")
    func offsets() {
        let utc = Timestamp(rfc3339: "2026-11-25T09:30:00Z")
        #expect(Timestamp(rfc3339: "2026-11-25T10:30:00+01:00") == utc)
        #expect(Timestamp(rfc3339: "2026-11-25T04:30:00-05:00") == utc)
        #expect(
            Timestamp(rfc3339: "2026-11-25T09:30:00.5Z")?.millisecondsSinceEpoch == utc!.millisecondsSinceEpoch + 500)
        #expect(
            Timestamp(rfc3339: "2026-11-25T09:30:00.123456789Z")?.millisecondsSinceEpoch
                == utc!.millisecondsSinceEpoch + 123)
        #expect(Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
    }

    @Test(
        "anything else is refused",
        arguments: [
            "", "2026-11-25", "2026-11-25T09:30:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
            "2026-11-25T24:00:00Z", "2026-11-25T09:30:00.Z", "2026-11-25T09:30:00Zjunk", "yesterday",
        ])
    func invalid(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }
}
