import Testing
import Timestamps

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("Timestamps")
struct TimestampTests {
    @Test("written as RFC 3339 UTC with milliseconds")
    func format() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).description == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_599_000_123).description == "2026-11-25T09:30:00.123Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
    }

    @Test("the calendar agrees with the C library's gmtime_r, leap days and years before 1970 included")
    func calendarAgreesWithTheCLibrary() {
        var generator = SystemRandomNumberGenerator()
        // 1900-03-01 to 2400-12-31: leap centuries and not, on both sides of the epoch, and every day of 2024.
        let moments =
            (0..<2000).map { _ in Int64.random(in: -2_203_891_200_000...13_569_465_599_999, using: &generator) }
            + (0..<366).map { 1_704_067_200_000 + Int64($0) * 86_400_000 + 86_399_999 }
        for milliseconds in moments {
            var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func digits(_ value: some BinaryInteger, _ count: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(count - text.count, 0)) + text
            }
            let expected =
                "\(digits(parts.tm_year + 1900, 4))-\(digits(parts.tm_mon + 1, 2))-\(digits(parts.tm_mday, 2))"
                + "T\(digits(parts.tm_hour, 2)):\(digits(parts.tm_min, 2)):\(digits(parts.tm_sec, 2))"
                + ".\(digits(milliseconds - Int64(seconds) * 1000, 3))Z"
            #expect(Timestamp(millisecondsSinceEpoch: milliseconds).description == expected)
        }
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
