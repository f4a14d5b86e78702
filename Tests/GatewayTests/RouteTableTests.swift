import FunctionRuntime
import Testing

@testable import LocalGateway

@Suite("Route matching")
struct RouteTableTests {
    static func table(_ routes: [(String?, String)], payload: PayloadVersion = .v2) throws -> RouteTable {
        let functions = routes.enumerated().map { index, route in
            FunctionDefinition(
                logicalID: "F\(index)", codeURI: "functions/f\(index)",
                routes: [
                    RouteDefinition(eventName: "E\(index)", method: route.0, path: route.1, payloadVersion: payload)
                ])
        }
        return try RouteTable(template: ServerlessTemplate(functions: functions))
    }

    func matched(_ lookup: RouteTable.Lookup) -> (id: String, parameters: [String: String])? {
        guard case .matched(let match) = lookup else { return nil }
        return (match.route.function.logicalID, match.pathParameters)
    }

    @Test("the order service's routes go to their functions")
    func orderRoutes() throws {
        let routes = try Self.table([
            ("POST", "/order"), ("PUT", "/order"), ("PUT", "/order/{id}/status"), ("GET", "/order/{id}"),
        ])
        #expect(matched(routes.lookup(method: "POST", path: "/order"))?.id == "F0")
        #expect(matched(routes.lookup(method: "PUT", path: "/order"))?.id == "F1")
        #expect(matched(routes.lookup(method: "PUT", path: "/order/7/status"))?.parameters == ["id": "7"])
        #expect(matched(routes.lookup(method: "GET", path: "/order/7"))?.parameters == ["id": "7"])
    }

    @Test("a path no route matches is not found; a parameter never matches an empty segment")
    func notFound() throws {
        let routes = try Self.table([("GET", "/order/{id}")])
        for path in ["/orders", "/order", "/order/", "/order/7/extra", "/"] {
            guard case .notFound = routes.lookup(method: "GET", path: path) else {
                Issue.record("\(path) should not match")
                continue
            }
        }
    }

    @Test("a known path with another method lists the allowed ones")
    func methodNotAllowed() throws {
        let routes = try Self.table([("POST", "/order"), ("PUT", "/order"), ("GET", "/order/{id}")])
        guard case .methodNotAllowed(let allowed) = routes.lookup(method: "DELETE", path: "/order") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["POST", "PUT"])
    }

    @Test("literal beats {param} beats {proxy+}; a named method beats ANY")
    func specificity() throws {
        let routes = try Self.table([
            (nil, "/files/{proxy+}"), ("GET", "/files/{name}"), ("GET", "/files/readme"), (nil, "/files/{name}"),
        ])
        #expect(matched(routes.lookup(method: "GET", path: "/files/readme"))?.id == "F2")
        #expect(matched(routes.lookup(method: "GET", path: "/files/other"))?.id == "F1")
        #expect(matched(routes.lookup(method: "POST", path: "/files/other"))?.id == "F3")
        let greedy = matched(routes.lookup(method: "GET", path: "/files/a/b/c"))
        #expect(greedy?.id == "F0")
        #expect(greedy?.parameters == ["proxy": "a/b/c"])
    }

    @Test("ANY matches every method")
    func anyMethod() throws {
        let routes = try Self.table([(nil, "/echo")])
        for method in ["GET", "POST", "PATCH", "DELETE"] {
            #expect(matched(routes.lookup(method: method, path: "/echo"))?.id == "F0")
        }
    }

    @Test("$default catches what nothing else matches, wrong methods included")
    func defaultRoute() throws {
        let routes = try Self.table([("GET", "/order/{id}"), (nil, "$default")])
        #expect(matched(routes.lookup(method: "GET", path: "/order/1"))?.id == "F0")
        #expect(matched(routes.lookup(method: "GET", path: "/anything/else"))?.id == "F1")
        #expect(matched(routes.lookup(method: "DELETE", path: "/order/1"))?.id == "F1")
    }

    @Test(
        "path parameters are percent-decoded, as API Gateway does",
        arguments: [
            ("/order/a%20b", "a b"), ("/order/caf%C3%A9", "café"), ("/order/a%2Fb", "a/b"), ("/order/a+b", "a+b"),
            ("/order/100%", "100%"), ("/order/%zz", "%zz"),
        ])
    func percentDecoding(path: String, id: String) throws {
        let routes = try Self.table([("GET", "/order/{id}")])
        #expect(matched(routes.lookup(method: "GET", path: path))?.parameters["id"] == id)
    }

    @Test("the same route key twice, or {proxy+} before the end, is a template error")
    func invalidTables() {
        #expect(throws: GatewayError.self) { try Self.table([("GET", "/a"), ("GET", "/a")]) }
        #expect(throws: GatewayError.self) { try Self.table([("GET", "/a/{proxy+}/b")]) }
    }
}
