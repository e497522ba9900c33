import Foundation
import Synchronization
import Logging
import NIOCore
import PostgresNIO

/// `SQLConnection` over one PostgreSQL connection inside one transaction.
///
/// The store's API is synchronous and runs on threads of its own (the
/// daemon's blocking lanes, a command's main task), so each statement
/// waits for postgres-nio's future on the calling thread: no task of the
/// cooperative pool is blocked or needed (with two cores, a pool of two
/// threads could otherwise wait on itself).
final class PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgresql }

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func execute(sql: String, arguments: SQLArguments) throws -> Int {
        let result = try connection.query(Self.query(sql, arguments), logger: logger).wait()
        return result.metadata.rows ?? 0
    }

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let result = try connection.query(Self.query(sql, arguments), logger: logger).wait()
        guard let first = result.rows.first else { return [] }
        let columns = SQLColumns(first.makeRandomAccess().map(\.columnName))
        return try result.rows.map { row in
            SQLRow(columns: columns, values: try row.map(Self.value))
        }
    }

    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        for row in try fetchAll(sql: sql, arguments: arguments) { try body(row) }
    }

    /// `sql` with its `?` numbered `$1`, `$2`, ... (outside quotes), and its arguments bound.
    static func query(_ sql: String, _ arguments: SQLArguments) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument.sqlValue {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .real(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return PostgresQuery(unsafeSQL: numbered(sql), binds: bindings)
    }

    private static let numberedCache = Mutex<[String: String]>([:])

    /// Numbers the `?` placeholders of `sql`, skipping quoted text and
    /// identifiers; cached, since the store's statements are a fixed set.
    static func numbered(_ sql: String) -> String {
        if let done = numberedCache.withLock({ $0[sql] }) { return done }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        numberedCache.withLock { cache in
            if cache.count > 4096 { cache.removeAll() }
            cache[sql] = out
        }
        return out
    }

    /// A cell as the store's value kinds (integers and flags as integers,
    /// floating point and numeric as reals, bytea as bytes, the rest as text).
    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return .integer(try cell.decode(Int64.self))
        case .bool:
            return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8:
            return .real(try cell.decode(Double.self))
        case .numeric:
            let text = try cell.decode(String.self)
            if let number = Int64(text) { return .integer(number) }
            return .real(Double(text) ?? 0)
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default:
            return .text(try cell.decode(String.self))
        }
    }
}
