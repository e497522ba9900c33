/// The two database engines the store runs on.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgresql
}

/// One connection inside one transaction, in either dialect: what every
/// query of the store is written against, once. Statements use `?` for
/// their arguments (the PostgreSQL connection numbers them); SQL that
/// differs between the dialects asks `dialect` (and says why).
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs a statement that returns no rows; returns how many rows it changed.
    @discardableResult
    func execute(sql: String, arguments: SQLArguments) throws -> Int
    /// Runs a query and returns all its rows.
    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    /// Runs a query and calls `body` with each row as it is read (no array
    /// of every row): for large results.
    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws
}

extension SQLConnection {
    @discardableResult
    func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }

    func fetchAll(sql: String) throws -> [SQLRow] { try fetchAll(sql: sql, arguments: []) }

    /// The first row, or nil.
    func fetchOne(sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(sql: sql, arguments: arguments).first
    }

    /// The first column of the first row, or nil when there is no row or it is NULL.
    func scalar<T: SQLDecodable>(_ type: T.Type = T.self, sql: String, arguments: SQLArguments = []) throws -> T? {
        guard let row = try fetchOne(sql: sql, arguments: arguments) else { return nil }
        return try row.get(0, as: T?.self)
    }

    /// The first column of every row (NULLs left out).
    func column<T: SQLDecodable>(_ type: T.Type = T.self, sql: String, arguments: SQLArguments = []) throws -> [T] {
        try fetchAll(sql: sql, arguments: arguments).compactMap { try $0.get(0, as: T?.self) }
    }
}

/// Helpers for writing SQL text.
enum SQL {
    /// "?, ?, ?": the placeholders of an IN list of `count` values.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}
