import PaperboyCore

/// The one way into the database: every public method reads or writes
/// through these, in either engine, so SQLite's, GRDB's and PostgreSQL's
/// errors leave the store only as `StoreError` (a busy database, a lost
/// connection, a serialization failure as a temporary one).
extension Store {
    /// Runs `body` in a read transaction; any error is a `StoreError`.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws(StoreError) -> T {
        do {
            return try run(readOnly: true, body)
        } catch {
            throw storeError(error)
        }
    }

    /// Runs `body` in one write transaction; any error is a `StoreError`
    /// (nothing was written then).
    func write<T>(_ body: (any SQLConnection) throws -> T) throws(StoreError) -> T {
        do {
            return try run(readOnly: false, body)
        } catch {
            throw storeError(error)
        }
    }

    /// Like `read`, for a body that runs exactly one statement: on
    /// PostgreSQL it runs without BEGIN and COMMIT (a statement is its own
    /// snapshot), two round trips fewer.
    func readOne<T>(_ body: (any SQLConnection) throws -> T) throws(StoreError) -> T {
        do {
            switch engine {
            case .sqlite:
                return try run(readOnly: true, body)
            case .postgresql(let postgres):
                return try postgres.single { try body($0) }
            }
        } catch {
            throw storeError(error)
        }
    }

    /// Like `read`, for bodies that throw errors of their own
    /// (`SubscriberStoreError`, a stored value that no longer parses):
    /// those pass through as they are; database errors become `StoreError`.
    func readPassing<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try run(readOnly: true, body)
        } catch {
            throw wrapped(error) ?? error
        }
    }

    /// Like `write`, for bodies that throw errors of their own (refusals,
    /// the caller's own checks); nothing was written when one is thrown.
    func writePassing<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try run(readOnly: false, body)
        } catch {
            throw wrapped(error) ?? error
        }
    }

    private func run<T>(readOnly: Bool, _ body: (any SQLConnection) throws -> T) throws -> T {
        switch engine {
        case .sqlite(let writer):
            return readOnly ? try writer.read { try body(SQLiteConnection($0)) } : try writer.write { try body(SQLiteConnection($0)) }
        case .postgresql(let postgres):
            return try postgres.transaction(readOnly: readOnly) { try body($0) }
        }
    }

    private func wrapped(_ error: any Error) -> StoreError? {
        switch engine {
        case .sqlite:
            return StoreError.wrapping(error, path: path)
        case .postgresql(let postgres):
            if PostgresEngine.isDatabaseError(error) {
                return PostgresEngine.storeError(error, location: postgres.location)
            }
            return nil
        }
    }

    private func storeError(_ error: any Error) -> StoreError {
        switch engine {
        case .sqlite:
            return StoreError.wrapping(error, path: path)
                ?? StoreError(path: path, kind: .other, message: "\(error)", hint: "Nothing changed. Check the disk and the database file's permissions")
        case .postgresql(let postgres):
            return PostgresEngine.storeError(error, location: postgres.location)
        }
    }
}
