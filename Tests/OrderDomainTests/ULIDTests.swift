import OrderDomain
import Testing
import Timestamps

@Suite("ULIDs")
struct ULIDTests {
    /// Hands out the given numbers in turn, and counts how many were asked for.
    struct ScriptedGenerator: RandomNumberGenerator {
        var values: [UInt64]
        var drawn = 0

        mutating func next() -> UInt64 {
            defer { drawn += 1 }
            return values[drawn % values.count]
        }
    }

    static let time = Timestamp(millisecondsSinceEpoch: 1_795_599_000_000)

    static func ulid(_ first: UInt64, _ second: UInt64) -> (id: String, drawn: Int) {
        var generator = ScriptedGenerator(values: [first, second])
        let id = ULID.generate(at: time, using: &generator)
        return (id, generator.drawn)
    }

    @Test("the 80 random bits come from two draws of the generator, every one of them in the id")
    func randomBits() {
        let base = Self.ulid(0, 0)
        #expect(base.drawn == 2)
        #expect(base.id.count == 26)
        #expect(ULID.time(of: base.id) == Self.time)
        // 60 bits of the first draw and 20 of the second: each changes the id, and no two change it alike.
        var seen: Set<String> = [base.id]
        for bit in 0..<60 {
            let id = Self.ulid(1 << bit, 0).id
            #expect(id.prefix(10) == base.id.prefix(10))
            seen.insert(id)
        }
        for bit in 0..<20 { seen.insert(Self.ulid(0, 1 << bit).id) }
        #expect(seen.count == 81)
        // The bits beyond those are not used.
        for bit in 60..<64 { #expect(Self.ulid(1 << bit, 0).id == base.id) }
        for bit in 20..<64 { #expect(Self.ulid(0, 1 << bit).id == base.id) }
    }

    @Test("the same time and random bits give the same id")
    func repeatable() {
        #expect(Self.ulid(0x0123_4567_89AB_CDEF, 0xFEDC_BA98).id == Self.ulid(0x0123_4567_89AB_CDEF, 0xFEDC_BA98).id)
    }
}
