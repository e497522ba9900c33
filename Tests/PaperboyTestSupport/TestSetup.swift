import Foundation
import PaperboyCore
import PaperboyStore

/// A config with its own database in a fresh folder.
public struct TestSetup {
    public let config: String
    public let directory: URL

    public init(digest: String = "") throws {
        (config, directory) = try writeConfig("""
        database: paperboy.sqlite
        sources: [{name: demo, type: json, url: "file:///dev/null"}]
        \(digest)
        """)
    }

    public func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try runPaperboy(arguments + ["--config", config], environment: environment)
    }

    public func store() throws -> Store { try Store(path: directory.appendingPathComponent("paperboy.sqlite").path) }

    public func subscribers() throws -> [Subscriber] { try store().subscribers() }

    public func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
