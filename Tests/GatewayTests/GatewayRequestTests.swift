import Testing

@testable import LocalGateway

@Suite("Requests and their ids")
struct GatewayRequestTests {
    @Test("a header is found by its name in any case, and only by that name")
    func headerLookup() {
        let request = GatewayRequest(
            method: "GET", path: "/",
            headers: [HeaderField("Content-Type", "text/plain"), HeaderField("X-A@", "at"), HeaderField("Ünï", "u")])
        #expect(request.header("content-type") == "text/plain")
        #expect(request.header("CONTENT-TYPE") == "text/plain")
        #expect(request.header("content-typ") == nil)
        // `@` and `` ` `` differ by the bit that tells letters' cases apart, but are not letters.
        #expect(request.header("x-a`") == nil)
        #expect(request.header("x-a@") == "at")
        #expect(request.header("üNÏ") == "u")
    }

    @Test("request ids are distinct version 4 UUIDs in lower case")
    func requestIDs() {
        let ids = (0..<1000).map { _ in RequestID.make() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let groups = id.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
            #expect(groups == [8, 4, 4, 4, 12])
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) })
            #expect(Array(id)[14] == "4")
            #expect("89ab".contains(Array(id)[19]))
        }
    }
}
