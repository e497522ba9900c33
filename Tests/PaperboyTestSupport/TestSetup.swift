import Foundation
import PaperboyCore
import PaperboyStore

/// A config with its own database in a fresh folder (or, with `database`,
/// a PostgreSQL database of the test's own).
public struct TestSetup {
    public let config: String
    public let directory: URL
    /// The config's `database:`, as written.
    public let database: String

    public init(digest: String = "", database: String = "paperboy.sqlite") throws {
        self.database = database
        (config, directory) = try writeConfig("""
        database: "\(database)"
        sources: [{name: demo, type: json, url: "file:///dev/null"}]
        \(digest)
        """)
    }

    /// A config on a new database of `engine`.
    public init(digest: String = "", engine: StoreEngine) throws {
        switch engine {
        case .sqlite: try self.init(digest: digest)
        case .postgresql: try self.init(digest: digest, database: try PostgresServer.shared().createDatabase())
        }
    }

    public func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try runPaperboy(arguments + ["--config", config], environment: environment)
    }

    public func store() throws -> Store {
        PostgresLocation.isURL(database) ? try Store.open(database) : try Store(path: directory.appendingPathComponent(database).path)
    }

    public func subscribers() throws -> [Subscriber] { try store().subscribers() }

    public func write(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
