import Foundation
internal import GRDB

/// `SQLConnection` over a GRDB database connection inside one of its
/// transactions. Every statement is prepared once per connection and
/// kept (GRDB's statement cache): the hot loops (planning, claiming,
/// recording) pay for parsing once.
final class SQLiteConnection: SQLConnection {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    init(_ db: Database) {
        self.db = db
    }

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        let statement = try db.cachedStatement(sql: sql)
        try statement.execute(arguments: Self.arguments(arguments))
        return db.changesCount
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try forEachRow(sql: sql, arguments: arguments) { rows.append($0) }
        return rows
    }

    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        let statement = try db.cachedStatement(sql: sql)
        let columns = SQLColumns(statement.columnNames)
        let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
        while let row = try cursor.next() {
            var values: [SQLValue] = []
            values.reserveCapacity(columns.names.count)
            for index in 0..<columns.names.count {
                values.append(Self.value(row, index))
            }
            try body(SQLRow(columns: columns, values: values))
        }
    }

    private static func value(_ row: Row, _ index: Int) -> SQLValue {
        switch (row[index] as DatabaseValue).storage {
        case .null: return .null
        case .int64(let number): return .integer(number)
        case .double(let number): return .real(number)
        case .string(let text): return .text(text)
        case .blob:
            // Copied once from SQLite's buffer.
            return .blob((try? row.withUnsafeData(atIndex: index) { data in
                data.map { $0.withUnsafeBytes { Array($0.bindMemory(to: UInt8.self)) } } ?? []
            }) ?? [])
        }
    }

    private static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(arguments.map { argument -> DatabaseValue in
            switch argument.sqlValue {
            case .null: return .null
            case .integer(let number): return number.databaseValue
            case .real(let number): return number.databaseValue
            case .text(let text): return text.databaseValue
            case .blob(let bytes): return Data(bytes).databaseValue
            }
        })
    }
}
