import Foundation
import PaperboyStore

/// The two engines the store runs on, for tests that run against both
/// (`@Test(arguments: StoreEngine.allCases)`).
public enum StoreEngine: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgresql

    public var description: String { rawValue }

    /// A new, empty store: a private in-memory SQLite database, or a new
    /// database on the test process's own PostgreSQL (`PostgresServer.shared()`,
    /// started on 127.0.0.1 with its own data directory, stopped when the
    /// process ends).
    public func makeStore() throws -> Store {
        switch self {
        case .sqlite:
            return Store.inMemory()
        case .postgresql:
            return try Store.open(try PostgresServer.shared().createDatabase())
        }
    }

    /// The `database:` of a config for a new, empty store: a file in `directory`, or a new PostgreSQL database's URL.
    public func makeDatabase(in directory: URL) throws -> String {
        switch self {
        case .sqlite:
            return directory.appendingPathComponent("paperboy.sqlite").path
        case .postgresql:
            return try PostgresServer.shared().createDatabase()
        }
    }
}
