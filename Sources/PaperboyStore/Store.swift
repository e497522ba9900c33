import Foundation
internal import GRDB
import PaperboyCore

/// The store: papers with their full-text index, source state,
/// subscribers, the outbox, one file per concern (`Store+Papers.swift`,
/// ...), on SQLite (a file, the default) or PostgreSQL (shared by several
/// Paperboys). Each query is written once against `SQLConnection`; the
/// few that differ between the dialects say so where they differ.
///
/// A SQLite file runs in WAL mode (GRDB's DatabasePool) so readers never
/// block the writer; every write is one transaction. Every method reaches
/// the database through `Store+Access.swift`, so a database problem comes
/// out as a `StoreError` (a busy database as a temporary one), never as
/// GRDB's or postgres-nio's own error type.
public final class Store: Sendable {
    enum Engine: Sendable {
        case sqlite(any DatabaseWriter)
        case postgresql(PostgresEngine)
    }

    let engine: Engine
    /// Checkpoints a file database's WAL beside the writes (nil in memory, read-only, PostgreSQL).
    let checkpointer: WALCheckpointer?
    /// The database file, ":memory:", or the PostgreSQL URL without secrets.
    public let path: String

    /// Which engine the store runs on.
    public var dialect: SQLDialect {
        switch engine {
        case .sqlite: return .sqlite
        case .postgresql: return .postgresql
        }
    }

    /// Opens `database` as the config names it: a `postgresql://` URL
    /// (`password` from the caller's credential lookup) or a SQLite file.
    public static func open(_ database: String, password: String? = nil, readOnly: Bool = false) throws(StoreError) -> Store {
        if PostgresLocation.isURL(database) {
            let location: PostgresLocation
            do {
                location = try PostgresLocation(url: database)
            } catch {
                // The URL may hold a password (which it must not): never repeat it.
                let shown = withoutPassword(database)
                throw StoreError(path: shown, kind: .other, message: error.message.replacingOccurrences(of: database, with: shown), hint: "Fix database in the config")
            }
            return try Store(postgresql: location, password: password, readOnly: readOnly)
        }
        return readOnly ? try Store(readOnlyPath: database) : try Store(path: database)
    }

    /// `url` without the password its user part may hold
    /// (`postgresql://user:secret@host/db` -> `postgresql://user@host/db`), for messages.
    static func withoutPassword(_ url: String) -> String {
        // Everything between "://" and the last "@" is the user part, a
        // password included whatever characters it holds.
        guard let scheme = url.range(of: "://"), let at = url.range(of: "@", options: .backwards),
              at.lowerBound > scheme.upperBound else { return url }
        let user = url[scheme.upperBound..<at.lowerBound]
        guard let colon = user.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + String(url[at.lowerBound...])
    }

    /// Connects to a PostgreSQL database and says what it found, changing
    /// nothing (for `paperboy check`): the server's version and how many
    /// migrations the next start would apply.
    public static func checkPostgreSQL(_ location: PostgresLocation, password: String?) throws(StoreError) -> String {
        let postgres = try PostgresEngine(location: location, password: password)
        defer { postgres.close() }
        do {
            return try postgres.transaction(readOnly: true) { db in
                let version = try db.scalar(String.self, sql: "SHOW server_version") ?? "?"
                let due = try PostgresMigrations.due(db)
                return "PostgreSQL \(version), " + (due == 0 ? "schema up to date" : "\(due) migration\(due == 1 ? "" : "s") to apply at the next start")
            }
        } catch {
            throw PostgresEngine.storeError(error, location: location, doing: "cannot connect")
        }
    }

    /// Connects to a PostgreSQL database and brings its schema up to date
    /// (under a lock: several Paperboys may start at once). `readOnly`
    /// (`send-digest --dry-run`): nothing is migrated (a schema that is
    /// behind is refused, as for SQLite) and every transaction is read-only.
    public init(postgresql location: PostgresLocation, password: String?, readOnly: Bool = false) throws(StoreError) {
        path = location.display
        let postgres = try PostgresEngine(location: location, password: password, readOnly: readOnly)
        engine = .postgresql(postgres)
        checkpointer = nil
        do {
            if readOnly {
                guard try PostgresMigrations.due(postgres) == 0 else {
                    throw StoreError(path: path, kind: .schema, message: "the database was made by an older Paperboy, or is empty",
                                     hint: "Run a command that writes (paperboy fetch) once to bring it up to date")
                }
            } else {
                try PostgresMigrations.migrate(postgres)
            }
        } catch {
            throw PostgresEngine.storeError(error, location: location, doing: "cannot open")
        }
    }

    /// Opens (creating if needed) the database file and brings its schema up to date.
    public init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoints run beside the writes (`WALCheckpointer`); the
            // writer's own, which would stall every write behind it, only
            // past this backstop. The WAL file is cut back to 64 MB after.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.backstopCheckpointPages)")
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        do {
            try Self.checkUsable(path)
            try Self.createPrivately(path)
            let writer = try DatabasePool(path: path, configuration: configuration)
            // Only write when a migration is due: read-only commands then never
            // wait for the write lock another process (the daemon) holds.
            let migrator = StoreMigrations.migrator
            if try !writer.read({ try migrator.hasCompletedMigrations($0) }) {
                try migrator.migrate(writer)
            }
            engine = .sqlite(writer)
            checkpointer = WALCheckpointer(path: path)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError(path: path, kind: .busy, message: "the database is busy (another process holds its write lock)", hint: "Try again in a moment")
        } catch let error as DatabaseError {
            throw StoreError(path: path, kind: StoreError.wrapping(error, path: path)?.kind ?? .other, message: "cannot open: \(error.message ?? "\(error)")",
                             hint: "Check that the file is a Paperboy database and that this user may read and write it and its folder")
        } catch {
            throw StoreError(path: path, kind: StoreError.wrapping(error, path: path)?.kind ?? .other, message: "cannot open: \(error)",
                             hint: "Check the path and its permissions")
        }
    }

    /// The WAL size (in 4 KB pages, 256 MB) at which a commit checkpoints
    /// by itself, should `WALCheckpointer` fall behind.
    static let backstopCheckpointPages = 65536

    deinit {
        checkpointer?.stop()
        if case .postgresql(let postgres) = engine { postgres.close() }
    }

    /// What opening `path` for writing would refuse, found without creating
    /// or opening anything (for `paperboy check`, and before every open): a
    /// missing folder, a folder this user may not create the file in, a file
    /// this user may not read and write.
    public static func checkUsable(_ path: String) throws(StoreError) {
        guard path != ":memory:" else { return }
        let directory = (path as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw StoreError(path: path, kind: .missing, message: "the folder \(folder) does not exist", hint: "Create it (systemd's StateDirectory= does this) or change database in the config")
        }
        guard isFolder.boolValue else {
            throw StoreError(path: path, kind: .missing, message: "\(folder) is not a folder", hint: "Change database in the config to a file inside a folder")
        }
        if FileManager.default.fileExists(atPath: path) {
            guard access(path, R_OK | W_OK) == 0 else {
                throw StoreError(path: path, kind: .access, message: "this user (uid \(getuid())) may not read and write the database file",
                                 hint: "Run as the user that owns it (the paperboy user under systemd: systemd-run -p User=paperboy …), or fix its owner")
            }
        }
        // SQLite writes the -wal and -shm files (and a new database) beside the file.
        guard access(folder, W_OK | X_OK) == 0 else {
            throw StoreError(path: path, kind: .access, message: "this user (uid \(getuid())) may not create files in \(folder) (SQLite keeps its -wal and -shm files there)",
                             hint: "Run as the user that owns the folder (the paperboy user under systemd), or fix its owner")
        }
    }

    /// Mode of a database file the store creates: owner read-write, group
    /// read (backups), nobody else: it holds every subscriber's address.
    /// SQLite gives its -wal and -shm files the same mode.
    public static let newFileMode: mode_t = 0o640

    /// Creates an empty database file with `newFileMode` (less the umask)
    /// when there is none; an existing file keeps the mode its owner gave it.
    private static func createPrivately(_ path: String) throws(StoreError) {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, newFileMode)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw StoreError(path: path, kind: .access, message: "cannot create the database: \(String(cString: strerror(errno)))",
                             hint: "Check that this user may write to the folder, or change database in the config")
        }
    }

    /// Opens the database read-only, for commands that promise to change
    /// nothing (`send-digest --dry-run`): not a byte of the file is written.
    /// A database whose schema is behind this version is refused.
    public init(readOnlyPath path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(path: path, kind: .missing, message: "the database does not exist", hint: "Run a command that writes (paperboy fetch) first, or check database in the config")
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            guard try queue.read({ try StoreMigrations.migrator.hasCompletedMigrations($0) }) else {
                throw StoreError(path: path, kind: .schema, message: "the database was made by an older Paperboy", hint: "Run a command that writes (paperboy fetch) once to bring it up to date")
            }
            engine = .sqlite(queue)
            checkpointer = nil
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(path: path, kind: StoreError.wrapping(error, path: path)?.kind ?? .other, message: "cannot open read-only: \(error.message ?? "\(error)")",
                             hint: "Check that the file is a Paperboy database and that this user may read it")
        } catch {
            throw StoreError(path: path, kind: StoreError.wrapping(error, path: path)?.kind ?? .other, message: "cannot open read-only: \(error)",
                             hint: "Check the path and its permissions")
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
        engine = .sqlite(queue)
        checkpointer = nil
    }
}
