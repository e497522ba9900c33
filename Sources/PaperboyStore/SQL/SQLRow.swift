/// One row of a result: its values, and the column names shared by every
/// row of the result. `row["email"]` reads a column as the type the
/// caller asks for; a missing column or a value of the wrong kind throws.
struct SQLRow: Sendable {
    let columns: SQLColumns
    let values: [SQLValue]

    /// The value of `name`, as `T`.
    func get<T: SQLDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.index[name] else {
            throw SQLDecodingError(column: name, expected: "a column of that name (the row has \(columns.names.joined(separator: ", ")))", found: .null)
        }
        return try get(index, named: name)
    }

    /// The value at `index` (0-based), as `T`.
    func get<T: SQLDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        try get(index, named: index < columns.names.count ? columns.names[index] : "#\(index)")
    }

    private func get<T: SQLDecodable>(_ index: Int, named name: String) throws -> T {
        guard index < values.count else {
            throw SQLDecodingError(column: name, expected: "a column at that position", found: .null)
        }
        do {
            return try T.decode(values[index])
        } catch var error {
            error.column = name
            throw error
        }
    }

    /// The raw value of `name` (null when there is no such column).
    func value(_ name: String) -> SQLValue {
        columns.index[name].map { values[$0] } ?? .null
    }
}

/// The column names of a result, looked up by name once per result.
final class SQLColumns: Sendable {
    let names: [String]
    let index: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.index = index
    }
}
