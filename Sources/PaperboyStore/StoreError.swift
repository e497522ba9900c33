import GRDB

/// A database problem, with what to do about it.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var hint: String
    /// True when retrying later may work (the database was busy).
    public var isTemporary: Bool

    public init(path: String, message: String, hint: String, isTemporary: Bool = false) {
        self.path = path
        self.message = message
        self.hint = hint
        self.isTemporary = isTemporary
    }

    public var description: String {
        "database \(path): \(message). \(hint)"
    }
}

extension Store {
    /// Runs `body`; SQLite's "busy" or "locked" (the write lock stayed taken
    /// past the busy timeout) comes out as a temporary `StoreError`.
    func busyIsTemporary<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            throw StoreError(path: path, message: "the database is busy (another process holds its write lock): \(error.message ?? "\(error)")",
                             hint: "Try again in a moment", isTemporary: true)
        }
    }
}
