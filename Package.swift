// swift-tools-version:6.0
import PackageDescription

/// Applied to every target, so the whole package compiles under the same rules.
let swiftSettings: [SwiftSetting] = [
    // `any Protocol` spells out every existential, so their cost is visible where it is paid.
    .enableUpcomingFeature("ExistentialAny"),
    // A file sees only the members of modules it imports itself: no accidental reach-through.
    .enableUpcomingFeature("MemberImportVisibility"),
    // Imports are internal unless marked `public import`, which keeps each module's surface small.
    .enableUpcomingFeature("InternalImportsByDefault"),
    // A function process lives for one request, so start-up is its main cost. By default every concrete generic type
    // the code names (a `KeyedDecodingContainer<CodingKeys>`, an `[OrderLine]`) is looked up by demangling its name
    // on first use; direct accessors cost a little code and saved get-order 30% of its instructions per process.
    .unsafeFlags(
        ["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"],
        .when(platforms: [.linux], configuration: .release)),
]

/// A function handler: one executable per function, wired in `functions/<name>/main.swift`. The `Makefile` beside it
/// is for `sam build`.
func function(_ name: String, dependencies: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            "OrderAPI", "FunctionProcess",
            .target(name: "GlibcCompatibility", condition: .when(platforms: [.linux])),
        ]
            + dependencies,
        path: "functions/\(name)", exclude: ["Makefile"], swiftSettings: swiftSettings,
        linkerSettings: [
            // Linked at a fixed address, the executable needs no relocation at start: the loader's work and the pages
            // it dirtied were a tenth of get-order's start-up (36,000 relative relocations, 150 page faults).
            .unsafeFlags(["-Xclang-linker", "-no-pie"], .when(platforms: [.linux], configuration: .release)),
            // libstdc++ linked statically (linker/libstdc++.so says how): loading the shared one cost get-order 28%
            // of its instructions per process, 1.7 M of 6.0 M, and 0.45 ms of its 1.65 ms of CPU.
            .unsafeFlags(
                ["-L", Context.packageDirectory + "/linker"], .when(platforms: [.linux], configuration: .release)),
            // Linked by the toolchain's lld: gold refused the static libstdc++ beside a shared Swift runtime (a release
            // build without --static-swift-stdlib), "relocation refers to local symbol in a discarded section".
            .unsafeFlags(["-use-ld=lld"], .when(platforms: [.linux], configuration: .release)),
        ])
}

let package = Package(
    name: "order-service",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "create-order", targets: ["create-order"]),
        .executable(name: "update-order-status", targets: ["update-order-status"]),
        .executable(name: "redeliver-event", targets: ["redeliver-event"]),
        .executable(name: "redeliver-events", targets: ["redeliver-events"]),
        .executable(name: "cancel-order", targets: ["cancel-order"]),
        .executable(name: "get-order", targets: ["get-order"]),
        .executable(name: "get-order-events", targets: ["get-order-events"]),
        .executable(name: "dispatch-events", targets: ["dispatch-events"]),
        .executable(name: "list-orders", targets: ["list-orders"]),
        .executable(name: "list-events", targets: ["list-events"]),
        .executable(name: "reindex", targets: ["reindex"]),
        .executable(name: "order-console", targets: ["order-console"]),
        .executable(name: "local-gateway", targets: ["local-gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // The tests' webhook receiver and scripted Runtime API.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // The gateway's HTTP servers: its clients' side and the workers' Runtime API.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        // Spelled as Hummingbird spells them, so that SwiftPM sees one package each: the gateway's field rules, and
        // its graceful shutdown.
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        // JWT verification for the gateway's authorizers; the function executables never link it.
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        // The gateway's own figures at GET /metrics; the functions report theirs in their log lines instead.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Keeps the function executables loadable on provided.al2023 (glibc 2.34); see its header.
        .target(name: "GlibcCompatibility"),
        // The bottom of the graph, then each layer on the ones before it; no module names one further down.
        //
        // System-call helpers (EINTR retries, whole writes), hex, trimming, the environment read once, and the one JSON
        // reader and writer: the low-level pieces every other module would otherwise write again.
        .target(name: "SystemSupport", swiftSettings: swiftSettings),
        // The system calls Swift cannot reach through Glibc (it has no variadic `syscall`): `openat2`, for the store.
        .target(name: "CSystemCalls"),
        // Millisecond timestamps in RFC 3339, shared by the domain and the logs.
        .target(name: "Timestamps", swiftSettings: swiftSettings),
        // Structured logs: JSON lines (`LogFields`, `FunctionLog`, written by `JSONWriter`) into a sink a test can replace.
        .target(name: "StructuredLog", dependencies: ["SystemSupport", "Timestamps"], swiftSettings: swiftSettings),
        // The order model, its status flow, validation and domain errors. No I/O.
        .target(name: "OrderDomain", dependencies: ["SystemSupport", "Timestamps"], swiftSettings: swiftSettings),
        // Durable JSON documents in a directory tree, behind the `OrderRepository` protocol.
        .target(
            name: "OrderStore", dependencies: ["CSystemCalls", "OrderDomain", "SystemSupport", "Timestamps"],
            swiftSettings: swiftSettings),
        // libcurl's C API, opened with dlopen on first use so that processes that send nothing never load it.
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // HTTP requests over libcurl, behind a small Swift API.
        .target(name: "CurlHTTP", dependencies: ["CCurl", "SystemSupport"], swiftSettings: swiftSettings),
        // The order service's HTTP vocabulary: the error envelope (`APIError`), entity tags, `JSONBody` and the
        // request limits. A module of its own, below the runtime, because the local gateway answers in the same
        // envelope and `OrderEvents` writes the same JSON, and neither should link the function runtime or the
        // store to do so.
        .target(name: "OrderHTTP", dependencies: ["SystemSupport"], swiftSettings: swiftSettings),
        // Order events as signed CloudEvents, delivered to the webhook with retries and dead letters.
        .target(
            name: "OrderEvents",
            dependencies: [
                "OrderDomain", "OrderStore", "CurlHTTP", "OrderHTTP", "StructuredLog", "SystemSupport", "Timestamps",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // API Gateway proxy events in and responses out, and the two drivers (one event, or the Runtime API loop
        // behind the `RuntimeAPI` protocol), in-process: no libcurl, no `exit`, no environment.
        .target(
            name: "FunctionRuntime", dependencies: ["OrderHTTP", "StructuredLog", "SystemSupport", "Timestamps"],
            swiftSettings: swiftSettings),
        // A function executable's entry point: reads the environment, talks to the Runtime API over one kept-open
        // HTTP/1.1 connection of its own (not libcurl, which cost a warm worker 13% of its CPU), exits.
        .target(
            name: "FunctionProcess", dependencies: ["FunctionRuntime", "StructuredLog", "SystemSupport", "Timestamps"],
            swiftSettings: swiftSettings),
        // The HTTP side shared by every order function (context, the one error mapping), and the reads.
        .target(
            name: "OrderAPI",
            dependencies: ["OrderDomain", "OrderStore", "OrderHTTP", "FunctionRuntime", "SystemSupport", "Timestamps"],
            swiftSettings: swiftSettings
        ),
        // The functions that change orders, and the delivery of their events. Reads never link these.
        .target(
            name: "OrderCommands",
            dependencies: [
                "OrderAPI", "OrderDomain", "OrderStore", "OrderEvents", "OrderHTTP", "CurlHTTP", "FunctionRuntime",
                "StructuredLog", "SystemSupport", "Timestamps",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        function("create-order", dependencies: ["OrderCommands", "OrderEvents"]),
        function("update-order-status", dependencies: ["OrderCommands", "OrderEvents"]),
        function("redeliver-event", dependencies: ["OrderCommands", "OrderEvents"]),
        function("redeliver-events", dependencies: ["OrderCommands"]),
        function("cancel-order", dependencies: ["OrderCommands", "OrderEvents"]),
        function("get-order"),
        function("get-order-events"),
        function("dispatch-events", dependencies: ["OrderCommands", "OrderEvents"]),
        function("list-orders"),
        function("list-events"),
        function("reindex", dependencies: ["OrderCommands"]),
        // The operators' page in the browser (`GET /console`): the page alone; it reads orders through the API.
        .target(name: "OrderConsole", dependencies: ["FunctionRuntime"], swiftSettings: swiftSettings),
        function("order-console", dependencies: ["OrderConsole"]),
        // Fills a data directory with generated orders through the store library, for benchmarks.
        .executableTarget(
            name: "seed-orders", dependencies: ["OrderStore", "OrderDomain", "Timestamps"], swiftSettings: swiftSettings
        ),
        // Times the handlers as library calls, and the store's durable write against raw system calls (`make bench`).
        .executableTarget(
            name: "order-benchmarks",
            dependencies: [
                "OrderAPI", "OrderCommands", "OrderEvents", "OrderStore", "OrderDomain", "OrderHTTP", "FunctionRuntime",
                "Timestamps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/order-benchmarks", swiftSettings: swiftSettings
        ),

        // The local API Gateway: reads template.yaml, routes HTTP requests and schedules to function processes.
        .target(
            name: "LocalGateway",
            dependencies: [
                // The proxy types and the envelope only: the gateway links neither libcurl nor the function drivers'
                // entry point.
                "FunctionRuntime", "OrderHTTP", "StructuredLog", "SystemSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The graceful shutdown's closing of connections.
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The development identity's RSA key and its id.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `local-gateway` command line, in the manner of `sam local`: wiring only.
        .executableTarget(
            name: "local-gateway",
            dependencies: [
                "LocalGateway", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // The orders tests make when an order's content is not what they test.
        .target(
            name: "SampleOrders", dependencies: ["OrderDomain", "Timestamps"], path: "Tests/SampleOrders",
            swiftSettings: swiftSettings),
        // The JSON reader and writer.
        .testTarget(name: "SystemSupportTests", dependencies: ["SystemSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "OrderDomainTests", dependencies: ["OrderDomain", "SampleOrders", "SystemSupport", "Timestamps"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OrderStoreTests",
            dependencies: ["CSystemCalls", "OrderStore", "OrderDomain", "SampleOrders", "Timestamps"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OrderAPITests",
            dependencies: [
                "OrderAPI", "OrderCommands", "OrderEvents", "OrderStore", "OrderHTTP", "FunctionRuntime", "OrderDomain",
                "SampleOrders", "StructuredLog", "Timestamps",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OrderEventsTests",
            dependencies: [
                "OrderEvents", "OrderStore", "OrderDomain", "CurlHTTP", "SampleOrders", "StructuredLog",
                "SystemSupport",
                "Timestamps",
            ],
            swiftSettings: swiftSettings
        ),
        // The function runtime's drivers, in-process, with a fake Runtime API and log lines captured in memory.
        .testTarget(
            name: "FunctionRuntimeTests",
            dependencies: ["FunctionRuntime", "OrderHTTP", "StructuredLog", "Timestamps"],
            swiftSettings: swiftSettings),
        // The Runtime API client's HTTP/1.1 connection, against a scripted server on loopback.
        .testTarget(name: "FunctionProcessTests", dependencies: ["FunctionProcess"], swiftSettings: swiftSettings),
        // The JSON of fixture files, read and written back, for the test targets that run fixtures.
        .target(name: "FixtureSupport", path: "Tests/FixtureSupport", swiftSettings: swiftSettings),
        // End to end: runs the built function executables as processes, driven by `fixtures/`.
        .testTarget(
            name: "FunctionTests",
            dependencies: [
                "FixtureSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The local gateway: routing, events and responses in-process, then the built command over real sockets.
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "LocalGateway", "FunctionRuntime", "OrderHTTP", "StructuredLog", "FixtureSupport",
                // Test keys and tokens, good and forged.
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
    ]
)
