import Foundation
import GRDB
import PaperboyCore

/// The SQLite store: papers with their full-text index, source state and
/// subscribers, one file per concern (`Store+Papers.swift`, ...).
///
/// A file database runs in WAL mode (GRDB's DatabasePool) so readers never
/// block the writer; every write is one transaction.
public final class Store: Sendable {
    let writer: any DatabaseWriter
    /// The database file, or ":memory:".
    public let path: String

    /// Opens (creating if needed) the database file and brings its schema up to date.
    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
                throw StoreError(path: path, message: "the folder \(directory) does not exist", hint: "Create it (systemd's StateDirectory= does this) or change database in the config")
            }
            writer = try DatabasePool(path: path, configuration: configuration)
            // Only write when a migration is due: read-only commands then never
            // wait for the write lock another process (the daemon) holds.
            let migrator = StoreMigrations.migrator
            if try !writer.read({ try migrator.hasCompletedMigrations($0) }) {
                try migrator.migrate(writer)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError(path: path, message: "the database is busy (another process holds its write lock)", hint: "Try again in a moment", isTemporary: true)
        } catch let error as DatabaseError {
            throw StoreError(path: path, message: "cannot open: \(error.message ?? "\(error)")", hint: "Check that the file is a Paperboy database and that this user may read and write it and its folder")
        } catch {
            throw StoreError(path: path, message: "cannot open: \(error)", hint: "Check the path and its permissions")
        }
    }

    /// A private in-memory database, for `--demo` runs and tests.
    public static func inMemory() -> Store {
        Store(memory: ())
    }

    private init(memory: Void) {
        path = ":memory:"
        let queue = try! DatabaseQueue()
        try! StoreMigrations.migrator.migrate(queue)
        writer = queue
    }
}
