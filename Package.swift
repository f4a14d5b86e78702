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
]

/// A function handler: one executable per function, wired in `functions/<name>/main.swift`.
func function(_ name: String, dependencies: [Target.Dependency] = ["OrderAPI"]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, path: "functions/\(name)", swiftSettings: swiftSettings)
}

let package = Package(
    name: "order-service",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "create-order", targets: ["create-order"]),
        .executable(name: "update-order-status", targets: ["update-order-status"]),
        .executable(name: "get-order", targets: ["get-order"]),
    ],
    targets: [
        // Millisecond timestamps in RFC 3339, shared by the domain and the logs.
        .target(name: "Timestamps", swiftSettings: swiftSettings),
        // The order model, its status flow, validation and domain errors. No I/O.
        .target(name: "OrderDomain", dependencies: ["Timestamps"], swiftSettings: swiftSettings),
        // Durable JSON documents in a directory tree, behind the `OrderRepository` protocol.
        .target(name: "OrderStore", dependencies: ["OrderDomain"], swiftSettings: swiftSettings),
        // API Gateway proxy events in and responses out: the stdin/stdout driver and structured logs.
        .target(name: "FunctionRuntime", dependencies: ["Timestamps"], swiftSettings: swiftSettings),
        // The order operations as HTTP handlers, and the one mapping from errors to HTTP answers.
        .target(
            name: "OrderAPI",
            dependencies: ["OrderDomain", "OrderStore", "FunctionRuntime"],
            swiftSettings: swiftSettings
        ),

        function("create-order"),
        function("update-order-status"),
        function("get-order"),

        .testTarget(name: "OrderDomainTests", dependencies: ["OrderDomain", "Timestamps"], swiftSettings: swiftSettings),
        .testTarget(name: "OrderStoreTests", dependencies: ["OrderStore", "OrderDomain", "Timestamps"], swiftSettings: swiftSettings),
        .testTarget(
            name: "OrderAPITests",
            dependencies: ["OrderAPI", "OrderStore", "FunctionRuntime", "OrderDomain"],
            swiftSettings: swiftSettings
        ),
        // End to end: runs the built function executables as processes, driven by `fixtures/`.
        .testTarget(name: "FunctionTests", swiftSettings: swiftSettings),
    ]
)
