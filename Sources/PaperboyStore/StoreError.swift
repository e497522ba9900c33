internal import GRDB

/// A database problem, with what to do about it. Every public `Store` method
/// reports SQLite's and GRDB's errors as this type, so no caller needs GRDB.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem it is, for exit codes and retries.
    public enum Kind: Sendable, Equatable {
        /// Another process held the write lock past the busy timeout: retrying later may work.
        case busy
        /// The file is not a SQLite database, or it is damaged.
        case corrupt
        /// This user may not read or write the file or its folder, or the database was opened read-only.
        case access
        /// The database file or its folder does not exist.
        case missing
        /// The schema belongs to another version of Paperboy.
        case schema
        /// The disk failed or is full.
        case io
        /// A uniqueness or foreign-key rule refused the change.
        case constraint
        /// Anything else SQLite reported.
        case other
    }

    public var kind: Kind
    public var path: String
    public var message: String
    public var hint: String

    /// True when retrying later may work (the database was busy).
    public var isTemporary: Bool { kind == .busy }

    public init(path: String, kind: Kind, message: String, hint: String) {
        self.path = path
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    /// A problem of kind `.busy` when `isTemporary`, else `.other`.
    public init(path: String, message: String, hint: String, isTemporary: Bool = false) {
        self.init(path: path, kind: isTemporary ? .busy : .other, message: message, hint: hint)
    }

    public var description: String {
        "database \(path): \(message). \(hint)"
    }
}

extension StoreError {
    /// `error` as a `StoreError` when it came from SQLite or GRDB (or already
    /// is one), else nil. `doing` prefixes the message ("cannot open", ...).
    static func wrapping(_ error: any Error, path: String, doing: String? = nil) -> StoreError? {
        func prefixed(_ text: String) -> String { doing.map { "\($0): \(text)" } ?? text }
        switch error {
        case let error as StoreError:
            return error
        case let error as DatabaseError:
            let text = error.message ?? "\(error)"
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return StoreError(path: path, kind: .busy, message: "the database is busy (another process holds its write lock): \(text)",
                                  hint: "Try again in a moment")
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return StoreError(path: path, kind: .corrupt, message: prefixed(text),
                                  hint: "Check that the file is a Paperboy database; restore it from a backup if it is damaged")
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH, .SQLITE_CANTOPEN:
                return StoreError(path: path, kind: .access, message: prefixed(text),
                                  hint: "Nothing changed. Check that this user may read and write the database file and its folder")
            case .SQLITE_IOERR, .SQLITE_FULL:
                return StoreError(path: path, kind: .io, message: prefixed(text),
                                  hint: "Nothing changed. Check the disk (free space, errors) and the database file's permissions")
            case .SQLITE_CONSTRAINT:
                return StoreError(path: path, kind: .constraint, message: prefixed(text),
                                  hint: "Nothing changed. The database refused a change that breaks one of its rules")
            default:
                return StoreError(path: path, kind: .other, message: prefixed("database error: \(text)"),
                                  hint: "Nothing changed. Check the disk and the database file's permissions")
            }
        case let error as SQLDecodingError:
            return StoreError(path: path, kind: .corrupt, message: prefixed("a stored row cannot be read: \(error)"),
                              hint: "Check that the file is a Paperboy database made by this version")
        case let error as RowDecodingError:
            return StoreError(path: path, kind: .corrupt, message: prefixed("a stored row cannot be read: \(error)"),
                              hint: "Check that the file is a Paperboy database made by this version")
        case let error as RecordError:
            return StoreError(path: path, kind: .other, message: prefixed("\(error)"),
                              hint: "Nothing changed. Another process may have removed the row; try again")
        default:
            return nil
        }
    }
}
