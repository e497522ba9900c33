internal import GRDB

/// The one way into the database: every public method reads or writes
/// through these, so SQLite's and GRDB's errors leave the store only as
/// `StoreError` (a busy database as a temporary one).
extension Store {
    /// Runs `body` in a read transaction; any error is a `StoreError`.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw storeError(error)
        }
    }

    /// Runs `body` in one write transaction; any error is a `StoreError`
    /// (nothing was written then).
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch {
            throw storeError(error)
        }
    }

    /// Like `read`, for bodies that throw errors of their own
    /// (`SubscriberStoreError`, a stored value that no longer parses):
    /// those pass through as they are; database errors become `StoreError`.
    func readPassing<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError.wrapping(error, path: path) ?? error
        }
    }

    /// Like `write`, for bodies that throw errors of their own (refusals,
    /// the caller's own checks); nothing was written when one is thrown.
    func writePassing<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreError.wrapping(error, path: path) ?? error
        }
    }

    private func storeError(_ error: any Error) -> StoreError {
        StoreError.wrapping(error, path: path)
            ?? StoreError(path: path, kind: .other, message: "\(error)", hint: "Nothing changed. Check the disk and the database file's permissions")
    }
}
