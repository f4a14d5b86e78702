/// The routes of a template, matched as API Gateway matches them.
///
/// A request goes to the most specific route whose path and method fit: literal segments beat `{param}`,
/// which beats `{proxy+}`; a route with the request's method beats `ANY`. Nothing fitting, it goes to the
/// `$default` route if there is one.
public struct RouteTable: Sendable {
    /// A route with its function and its parsed path.
    public struct Route: Sendable {
        public var definition: RouteDefinition
        public var function: FunctionDefinition
        let segments: [Segment]
    }

    /// A path segment of a route.
    enum Segment: Sendable, Equatable {
        case literal(String)
        /// `{name}`: exactly one non-empty segment.
        case parameter(String)
        /// `{name+}`: one or more segments, the rest of the path.
        case greedy(String)

        /// Higher is more specific.
        var rank: Int {
            switch self {
            case .literal: 3
            case .parameter: 2
            case .greedy: 1
            }
        }
    }

    /// A request matched to a route, with its path parameters percent-decoded.
    public struct Match: Sendable {
        public var route: Route
        public var pathParameters: [String: String]
    }

    /// What the table says about a request.
    public enum Lookup: Sendable {
        case matched(Match)
        /// The path fits routes, none with this method: `allowedMethods` lists theirs.
        case methodNotAllowed(allowedMethods: [String])
        case notFound
    }

    public private(set) var routes: [Route]
    private var defaultRoute: Route?

    /// Every route, the `$default` route included (last).
    var allRoutes: [Route] {
        routes + (defaultRoute.map { [$0] } ?? [])
    }

    /// The methods the routes name, sorted; `ANY` routes add none.
    var methods: [String] {
        Set(routes.compactMap(\.definition.method)).sorted()
    }

    /// The routes of every function of `template`.
    ///
    /// - Throws: ``GatewayError`` `template_invalid` when two events declare the same route key, or a path has
    ///   a greedy parameter anywhere but at its end.
    public init(template: ServerlessTemplate) throws(GatewayError) {
        routes = []
        var seen: [String: String] = [:]
        for function in template.functions {
            for definition in function.routes {
                let key = definition.routeKey
                if let other = seen[key] {
                    throw .templateInvalid("the route \(key) is declared by both \(other) and \(function.logicalID)")
                }
                seen[key] = function.logicalID
                if definition.path == "$default" {
                    defaultRoute = Route(definition: definition, function: function, segments: [])
                    continue
                }
                let segments = try Self.segments(of: definition.path, in: function.logicalID)
                routes.append(Route(definition: definition, function: function, segments: segments))
            }
        }
    }

    /// Finds the route for `method` and `path`; `path` is as the client sent it, percent-encoded, without the
    /// query string.
    public func lookup(method: String, path: String) -> Lookup {
        let request = RequestPath(path)
        // Only the routes whose shape fits: their parameters are decoded once the best of them is known.
        let fitting = routes.filter { Self.fits($0.segments, request) }
        let withMethod = fitting.filter { $0.definition.method == nil || $0.definition.method == method }
        if let best = withMethod.max(by: { Self.isLessSpecific($0, than: $1) }) {
            return .matched(Match(route: best, pathParameters: Self.parameters(of: best.segments, in: request)))
        }
        if let defaultRoute {
            return .matched(Match(route: defaultRoute, pathParameters: [:]))
        }
        if fitting.isEmpty { return .notFound }
        let methods = Set(fitting.compactMap(\.definition.method))
        return .methodNotAllowed(allowedMethods: methods.sorted())
    }

    private static func isLessSpecific(_ one: Route, than other: Route) -> Bool {
        let ranks = (one.segments.map(\.rank), other.segments.map(\.rank))
        if ranks.0 != ranks.1 { return ranks.0.lexicographicallyPrecedes(ranks.1) }
        // Same shape: a named method beats ANY.
        return one.definition.method == nil && other.definition.method != nil
    }

    static func segments(of path: String, in functionID: String) throws(GatewayError) -> [Segment] {
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var segments: [Segment] = []
        for (index, part) in parts.enumerated() {
            if part.hasPrefix("{"), part.hasSuffix("}"), part.count > 2 {
                let name = String(part.dropFirst().dropLast())
                if name.hasSuffix("+") {
                    guard index == parts.count - 1, name.count > 1 else {
                        throw .templateInvalid("\(functionID): \(path) has {\(name)} before its end")
                    }
                    segments.append(.greedy(String(name.dropLast())))
                } else {
                    segments.append(.parameter(name))
                }
            } else {
                segments.append(.literal(part))
            }
        }
        return segments
    }

    /// A request's path split into its segments, each also percent-decoded, once for every route it is matched
    /// against.
    struct RequestPath {
        let raw: [Substring]
        let decoded: [String]

        init(_ path: String) {
            let trimmed = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
            raw = trimmed.split(separator: "/", omittingEmptySubsequences: false)
            decoded = raw.map { PercentDecoding.decode($0) }
        }
    }

    /// Whether `segments` fit the request: its literals equal, each parameter one non-empty segment, a greedy one
    /// at least one.
    static func fits(_ segments: [Segment], _ request: RequestPath) -> Bool {
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < request.raw.count, request.decoded[index] == text else { return false }
            case .parameter:
                guard index < request.raw.count, !request.raw[index].isEmpty else { return false }
            case .greedy:
                // The rest of the path, joined by slashes, must not be empty.
                return index < request.raw.count && !(index == request.raw.count - 1 && request.raw[index].isEmpty)
            }
        }
        return segments.count == request.raw.count
    }

    /// The decoded path parameters of a request that `segments` fit.
    static func parameters(of segments: [Segment], in request: RequestPath) -> [String: String] {
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal:
                break
            case .parameter(let name):
                parameters[name] = request.decoded[index]
            case .greedy(let name):
                parameters[name] = PercentDecoding.decode(Substring(request.raw[index...].joined(separator: "/")))
            }
        }
        return parameters
    }
}

/// Percent-decoding as API Gateway applies it to path parameters and query strings.
enum PercentDecoding {
    /// Decodes `%XX` escapes; `plusIsSpace` for query strings. Text whose escapes are not valid UTF-8, or are
    /// malformed, is returned as it came.
    static func decode(_ text: Substring, plusIsSpace: Bool = false) -> String {
        guard text.contains("%") || (plusIsSpace && text.contains("+")) else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let high = hexValue(utf8[utf8.startIndex]),
                    let low = hexValue(utf8[utf8.startIndex + 1])
                else { return String(text) }
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else if plusIsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self) ?? String(text)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
