// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "stowage",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "stowage", targets: ["stowage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Already built for AsyncHTTPClient; named here for the listener's TLS and the upstream's private CA.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Request and store metrics (swift-metrics in the modules), exported in Prometheus' format by `serve`.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `serve`'s parts as services with an ordered graceful shutdown (its swift-async-algorithms is
        // already built for AsyncHTTPClient).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // bcrypt only (its C core and one Swift file are built, nothing else of hummingbird): the hash
        // every htpasswd tool writes, for client authentication.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // Pure registry values: names, digests, references, media types, ranges, errors. No I/O.
        .target(name: "OCI", swiftSettings: strict),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMalloc"),
        // LMDB index + content-addressed blob files; blocking calls on NIO thread pools of its own.
        .target(name: "Store", dependencies: [
            "OCI", "CLMDB", "COpenSSL",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], exclude: ["README.md"], swiftSettings: strict),
        // Registry client: challenges, Basic/Bearer auth, token cache, typed errors.
        .target(name: "Upstream", dependencies: [
            "OCI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], swiftSettings: strict),
        // Pull-through core in registry terms.
        .target(name: "Cache", dependencies: [
            "OCI", "Store", "Upstream",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["Content/README.md"], swiftSettings: strict),
        // HTTP/1.1 front on SwiftNIO.
        .target(name: "Server", dependencies: [
            "OCI", "Logs", "Cache", "Access",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["README.md"], swiftSettings: strict),
        // Who may read what: htpasswd users (bcrypt), Basic credentials, per-repository rules. No sockets.
        .target(name: "Access", dependencies: [
            "OCI", "COpenSSL",
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),
        // YAML file + flags -> validated settings.
        .target(name: "StowageConfig", dependencies: [
            "OCI", "Upstream", "Access",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        // Image references found in rendered Kubernetes manifests (`stowage images`).
        .target(name: "Workloads", dependencies: [
            "OCI",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        // OCI image layouts as tar archives (`stowage export`/`import`, skopeo's `oci-archive:`).
        .target(name: "OCILayout", dependencies: ["OCI"], swiftSettings: strict),
        // Terminal output: the live transfer display of `stowage preseed`.
        .target(name: "Console", swiftSettings: strict),
        // Log records as one line each on standard error (values quoted where they need it).
        .target(name: "Logs", dependencies: [
            "Console",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict + [
            // The access line's builder is called a dozen times per request from Server: let it inline there.
            .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
        ]),
        // A cache carried across an air gap: bundles (OCI layout tars) exported from the store and
        // imported through the cache's pull rules. Its own target so Cache stays free of file formats.
        .target(name: "AirGap", dependencies: ["OCI", "Store", "Cache", "OCILayout", "Console"], swiftSettings: strict),
        // The composition root: the store, upstreams and cache every command opens from its settings.
        .target(name: "Runtime", dependencies: [
            "Store", "Upstream", "Cache", "StowageConfig",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .executableTarget(name: "stowage", dependencies: [
            "OCI", "Store", "Upstream", "Cache", "Server", "StowageConfig", "Workloads", "OCILayout", "Console", "AirGap", "Runtime", "Logs", "Access", "CMalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),
        // `swift run -c release store-benchmark`: start-up, eviction and memory with a million entries.
        .executableTarget(name: "store-benchmark", dependencies: [
            "OCI", "Store",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/StoreBenchmark", swiftSettings: strict),
        // `hotpath.py`'s reference: a bare SwiftNIO server with a fixed answer (NIO's HTTP pipeline, or less).
        .executableTarget(name: "nio-baseline", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Benchmarks/NIOBaseline", swiftSettings: strict),
        .testTarget(name: "OCITests", dependencies: ["OCI"], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: [
            "Store", "OCI",
            .product(name: "NIOCore", package: "swift-nio"),
        ], swiftSettings: strict),
        .testTarget(name: "AccessTests", dependencies: ["Access", "OCI"], swiftSettings: strict),
        .testTarget(name: "UpstreamTests", dependencies: ["Upstream", "OCI"], swiftSettings: strict),
        .testTarget(name: "CacheTests", dependencies: [
            "Cache", "OCI", "Store", "Upstream",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // The real server in-process, driven over loopback sockets.
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Cache", "Store", "Upstream", "OCI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "StowageConfigTests", dependencies: ["StowageConfig", "Upstream", "Access"], swiftSettings: strict),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "OCI"], swiftSettings: strict),
        .testTarget(name: "OCILayoutTests", dependencies: ["OCILayout", "OCI"], swiftSettings: strict),
        .testTarget(name: "ConsoleTests", dependencies: ["Console"], swiftSettings: strict),
        .testTarget(name: "LogsTests", dependencies: ["Logs"], swiftSettings: strict),
        .testTarget(name: "AirGapTests", dependencies: ["AirGap", "Cache", "OCI", "Runtime", "Store", "StowageConfig",
                                                        .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // Starts the built `stowage` binary (`swift build` first) against real registries and clients.
        .testTarget(name: "IntegrationTests", dependencies: [
            "OCI", "Store",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: strict),
    ]
)
