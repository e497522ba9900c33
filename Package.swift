// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "paperboy",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "paperboy", targets: ["paperboy"]),
        .executable(name: "paperboy-bench", targets: ["paperboy-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
    ],
    targets: [
        // libcurl, through pkg-config; only the Curl module imports it.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Non-variadic wrappers around curl_easy_setopt / curl_easy_getinfo.
        .target(name: "CCurlShims", dependencies: ["CCurl"]),
        // The one Swift module that talks to libcurl: handles, HTTP fetch, errors.
        .target(name: "Curl", dependencies: ["CCurl", "CCurlShims"]),
        // Models, feed parsers, config, query language, selection, rendering, MIME: no I/O.
        .target(
            name: "PaperboyCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // The store: SQLite through GRDB, or PostgreSQL through postgres-nio,
        // behind one set of queries (SQL/); papers (+ full-text), sources,
        // subscribers, the outbox, migrations in both dialects.
        .target(
            name: "PaperboyStore",
            dependencies: [
                "PaperboyCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The one-shot pipeline: config file, credentials, mail setup, planning,
        // composing, delivery, feed ingestion, demo corpus, version, the process clock.
        .target(
            name: "PaperboyPipeline",
            dependencies: [
                "Curl", "PaperboyCore", "PaperboyStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/demo-corpus.json"), .embedInCode("Resources/demo-feeds.json")]
        ),
        // Only the long-running services of `paperboy run` (scheduler, fetcher,
        // sender, HTTP endpoint, reload, retention, sd_notify, metrics); the only
        // module that links Hummingbird, Prometheus and ServiceLifecycle.
        .target(
            name: "PaperboyDaemon",
            dependencies: [
                "Curl", "PaperboyCore", "PaperboyStore", "PaperboyPipeline",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // IOError's errno: a taken port is EADDRINUSE.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // One file per subcommand.
        .target(
            name: "PaperboyCLI",
            dependencies: [
                "Curl", "PaperboyCore", "PaperboyStore", "PaperboyPipeline", "PaperboyDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "paperboy", dependencies: ["PaperboyCLI"]),
        // Benchmarks that print numbers (`swift run -c release paperboy-bench select ...`).
        .executableTarget(
            name: "paperboy-bench",
            dependencies: [
                "Curl", "PaperboyCore", "PaperboyStore", "PaperboyPipeline", "PaperboyDaemon",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Shared test helpers: fixed moments, fixture paths, the fixture HTTP
        // server, SMTP test servers, running the built binary.
        .target(
            name: "PaperboyTestSupport",
            dependencies: ["Curl", "PaperboyCore", "PaperboyStore"],
            path: "Tests/PaperboyTestSupport",
            exclude: ["Fixtures", "Helpers"]
        ),
        // One test target per module; none needs Python or an SMTP server but
        // Curl, Pipeline, Daemon and CLI tests.
        .testTarget(
            name: "PaperboyCoreTests",
            dependencies: [
                "PaperboyCore", "PaperboyTestSupport",
                // Test DKIM keys are generated with swift-crypto.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "PaperboyStoreTests",
            dependencies: ["PaperboyCore", "PaperboyStore", "PaperboyTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "CurlTests", dependencies: ["Curl", "PaperboyTestSupport"]),
        .testTarget(
            name: "PaperboyPipelineTests",
            dependencies: [
                "Curl", "PaperboyCore", "PaperboyStore", "PaperboyPipeline", "PaperboyTestSupport", "paperboy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "PaperboyDaemonTests",
            dependencies: [
                "Curl", "PaperboyCore", "PaperboyStore", "PaperboyPipeline", "PaperboyDaemon", "PaperboyTestSupport", "paperboy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "PaperboyCLITests",
            dependencies: [
                "PaperboyCore", "PaperboyStore", "PaperboyPipeline", "PaperboyCLI", "PaperboyTestSupport", "paperboy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
