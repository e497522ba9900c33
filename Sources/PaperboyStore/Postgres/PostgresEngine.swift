import Foundation
import Synchronization
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PaperboyCore
import PostgresNIO

/// The store's way into a PostgreSQL database: a small pool of
/// postgres-nio connections (at most `PostgresLocation.connections`), each
/// used by one transaction at a time.
///
/// Why `PostgresConnection` and not `PostgresClient`: the store's API is
/// synchronous and called from threads of its own, so a transaction's
/// statements wait for their futures on that thread. `PostgresClient`
/// lends its connections only to async closures; bridging every store
/// call from sync to async would block threads of the cooperative pool
/// (two on this kind of machine) waiting on tasks that need that pool.
final class PostgresEngine: Sendable {
    let location: PostgresLocation
    private let configuration: PostgresConnection.Configuration
    private let group: MultiThreadedEventLoopGroup
    private let pool = Mutex<Pool>(Pool())
    private let available = NSCondition()
    private let logger: Logger
    private let nextID = Mutex<Int>(0)

    private struct Pool {
        var idle: [PostgresConnection] = []
        var open = 0
        var closed = false
    }

    /// Every connection's transactions are read-only (a store opened read-only).
    let readOnly: Bool

    init(location: PostgresLocation, password: String?, readOnly: Bool = false) throws(StoreError) {
        self.location = location
        self.readOnly = readOnly
        var logger = Logger(label: "paperboy.store.postgresql")
        logger.logLevel = .critical
        self.logger = logger
        group = MultiThreadedEventLoopGroup.singleton
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch location.tls {
            case .disable:
                tls = .disable
            case .require:
                var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
                tlsConfiguration.certificateVerification = .none
                tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
            case .verifyFull:
                var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
                if let caFile = location.caFile {
                    tlsConfiguration.trustRoots = .file(caFile)
                }
                tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
            }
        } catch {
            throw StoreError(path: location.display, kind: .access, message: "cannot set up TLS: \(error)",
                             hint: "Check sslrootcert (a PEM file this user may read) in the database URL")
        }
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: password, database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        self.configuration = configuration
    }

    deinit {
        close()
    }

    /// Closes every idle connection; a connection in use closes when given back.
    func close() {
        let idle = pool.withLock { pool -> [PostgresConnection] in
            pool.closed = true
            defer { pool.idle.removeAll() }
            return pool.idle
        }
        for connection in idle { _ = try? connection.close().wait() }
    }

    /// Runs `body` in one transaction on a pooled connection: committed when
    /// it returns, rolled back when it throws. `readOnly` transactions see
    /// one snapshot (REPEATABLE READ) and may not write.
    func transaction<T>(readOnly: Bool, _ body: (PostgresSQLConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        var healthy = true
        defer { checkIn(connection, healthy: healthy) }
        let sql = PostgresSQLConnection(connection, logger: logger)
        do {
            try sql.execute(sql: readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN")
            let result = try body(sql)
            try sql.execute(sql: "COMMIT")
            return result
        } catch {
            do {
                try sql.execute(sql: "ROLLBACK")
            } catch {
                healthy = false
            }
            if connection.isClosed { healthy = false }
            throw error
        }
    }

    /// Runs `body`, which must run ONE statement, on a pooled connection
    /// without a transaction of its own (the statement is its own): two
    /// round trips fewer than `transaction` (no BEGIN, no COMMIT), for the
    /// hot single reads such as a message body read just before it is sent.
    func single<T>(_ body: (PostgresSQLConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        var healthy = true
        defer { checkIn(connection, healthy: healthy) }
        do {
            return try body(PostgresSQLConnection(connection, logger: logger))
        } catch {
            if connection.isClosed { healthy = false }
            throw error
        }
    }

    /// How long a store call waits for a free connection.
    static let checkOutTimeout: Double = 30

    private func checkOut() throws -> PostgresConnection {
        available.lock()
        while true {
            let taken = pool.withLock { pool -> (PostgresConnection?, Bool) in
                if let connection = pool.idle.popLast() { return (connection, false) }
                if pool.open < location.connections {
                    pool.open += 1
                    return (nil, true)
                }
                return (nil, false)
            }
            if let connection = taken.0 {
                available.unlock()
                if connection.isClosed {
                    pool.withLock { $0.open -= 1 }
                    available.lock()
                    continue
                }
                return connection
            }
            if taken.1 {
                available.unlock()
                do {
                    return try connect()
                } catch {
                    available.lock()
                    pool.withLock { $0.open -= 1 }
                    available.broadcast()
                    available.unlock()
                    throw error
                }
            }
            // Every connection is in use: wait for one, but not forever.
            if !available.wait(until: Date(timeIntervalSinceNow: Self.checkOutTimeout)) {
                available.unlock()
                throw StoreError(path: location.display, kind: .busy,
                                 message: "all \(location.connections) connections to the database stayed in use for \(Int(Self.checkOutTimeout)) s",
                                 hint: "Try again in a moment; if it lasts, raise connections= in the database URL")
            }
        }
    }

    private func checkIn(_ connection: PostgresConnection, healthy: Bool) {
        let keep = healthy && !connection.isClosed
        let closed = pool.withLock { pool -> Bool in
            if keep && !pool.closed {
                pool.idle.append(connection)
            } else {
                pool.open -= 1
            }
            return pool.closed || !keep
        }
        if closed { _ = try? connection.close().wait() }
        available.lock()
        available.signal()
        available.unlock()
    }

    private func connect() throws -> PostgresConnection {
        let id = nextID.withLock { id -> Int in
            id += 1
            return id
        }
        do {
            let connection = try PostgresConnection.connect(on: group.any(), configuration: configuration, id: id, logger: logger).wait()
            if readOnly {
                // The server refuses every write on it (SQLSTATE 25006, an access error).
                _ = try connection.query("SET default_transaction_read_only = on", logger: logger).wait()
            }
            return connection
        } catch {
            throw Self.storeError(error, location: location, doing: "cannot connect")
        }
    }

    /// True for errors of the database or the connection to it (not the
    /// caller's own, which pass through the store as they are).
    static func isDatabaseError(_ error: any Error) -> Bool {
        error is StoreError || error is PSQLError || error is SQLDecodingError || error is PostgresDecodingError || error is ChannelError || error is IOError
            || error is NIOSSLError
    }

    /// A postgres-nio error as a `StoreError`: what went wrong, and what to do.
    /// Lost connections, serialization failures, deadlocks and lock
    /// timeouts are temporary (`.busy`): trying again may work.
    static func storeError(_ error: any Error, location: PostgresLocation, doing: String? = nil) -> StoreError {
        let where_ = location.display
        func prefixed(_ text: String) -> String { doing.map { "\($0): \(text)" } ?? text }
        if let error = error as? StoreError { return error }
        if let error = error as? PSQLError {
            let fields = error.serverInfo
            let state = fields?[.sqlState] ?? ""
            let text = fields?[.message] ?? "\(error.code)"
            // The server wants a password and the store has none: no SQLSTATE, the client refuses before sending one.
            if error.code == .authMechanismRequiresPassword {
                return StoreError(path: where_, kind: .access, message: prefixed("the server asks for a password and none was given"),
                                  hint: "Put the password in database_password_file (or PAPERBOY_DATABASE_PASSWORD), or check the user in the database URL")
            }
            switch state {
            case "40001", "40P01", "55P03", "57014", "53300", "57P01", "57P02", "57P03":
                return StoreError(path: where_, kind: .busy, message: prefixed("the database is busy: \(text) (\(state))"), hint: "Try again in a moment")
            case "28P01", "28000":
                return StoreError(path: where_, kind: .access, message: prefixed("the server refused the login: \(text)"),
                                  hint: "Check the user in the database URL and the password in database_password_file (or PAPERBOY_DATABASE_PASSWORD)")
            case "3D000":
                return StoreError(path: where_, kind: .missing, message: prefixed("the database does not exist: \(text)"),
                                  hint: "Create it (createdb -O \(location.user) \(location.database)) or fix the database URL")
            case "25006":
                return StoreError(path: where_, kind: .access, message: prefixed("the database was opened read-only: \(text)"),
                                  hint: "Nothing changed. This command promises to write nothing")
            case "42501":
                return StoreError(path: where_, kind: .access, message: prefixed(text), hint: "Grant the user the rights it needs on the database, or use its owner")
            case _ where state.hasPrefix("23"):
                return StoreError(path: where_, kind: .constraint, message: prefixed(text),
                                  hint: "Nothing changed. The database refused a change that breaks one of its rules")
            case "53100":
                return StoreError(path: where_, kind: .io, message: prefixed(text), hint: "Nothing changed. The database server's disk is full")
            case "" where error.code == .sslUnsupported:
                return StoreError(path: where_, kind: .access, message: prefixed("the server does not offer TLS"),
                                  hint: "Turn TLS on in PostgreSQL (ssl = on), or, on a loopback address only, add ?sslmode=disable to the database URL")
            case "" where error.underlying is NIOSSLError:
                return StoreError(path: where_, kind: .access, message: prefixed("TLS failed: \(error.underlying.map { "\($0)" } ?? "")"),
                                  hint: "Check the server's certificate: sslrootcert= in the database URL names the CA that signs it, and the host name must match it (or sslmode=require)")
            case "":
                return StoreError(path: where_, kind: .busy, message: prefixed("the connection failed: \(error.code)\(error.underlying.map { ": \($0)" } ?? "")"),
                                  hint: "Check that PostgreSQL runs at \(location.host):\(location.port) and that this host may reach it; trying again may work")
            default:
                return StoreError(path: where_, kind: .other, message: prefixed("database error: \(text) (\(state))"),
                                  hint: "Nothing changed. Check the server's log")
            }
        }
        if let error = error as? NIOSSLError {
            return StoreError(path: where_, kind: .access, message: prefixed("TLS failed: \(error)"),
                              hint: "Check the server's certificate: sslrootcert= in the database URL names the CA that signs it, and the host name must match it (or sslmode=require)")
        }
        if error is PostgresDecodingError {
            return StoreError(path: where_, kind: .corrupt, message: prefixed("a stored value cannot be read: \(String(reflecting: error))"),
                              hint: "Check that the database is a Paperboy database made by this version")
        }
        if let error = error as? SQLDecodingError {
            return StoreError(path: where_, kind: .corrupt, message: prefixed("a stored row cannot be read: \(error)"),
                              hint: "Check that the database is a Paperboy database made by this version")
        }
        return StoreError(path: where_, kind: .busy, message: prefixed("\(error)"),
                          hint: "Check that PostgreSQL runs at \(location.host):\(location.port) and that this host may reach it; trying again may work")
    }
}
