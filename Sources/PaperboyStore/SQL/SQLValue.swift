import Foundation

/// A value bound to a statement or read from a row, the same in both
/// dialects: SQLite's storage classes, which PostgreSQL's columns of the
/// store map onto (bigint and integer flags, double precision seconds,
/// text, bytea).
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift value that can be bound to a `?` of a statement.
protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

/// The arguments of a statement, one per `?`, in order.
typealias SQLArguments = [(any SQLBindable)?]

extension Int: SQLBindable { var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { var sqlValue: SQLValue { .text(self) } }
/// Flags are stored as 0 and 1 in both dialects.
extension Bool: SQLBindable { var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension Array: SQLBindable where Element == UInt8 { var sqlValue: SQLValue { .blob(self) } }
extension Data: SQLBindable { var sqlValue: SQLValue { .blob([UInt8](self)) } }
extension SQLValue: SQLBindable { var sqlValue: SQLValue { self } }

extension Optional where Wrapped == any SQLBindable {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// A Swift value a column can be read as. Reading is lenient where the two
/// dialects differ (an integer read as a Double, 0/1 as a Bool) and
/// strict where a value cannot be what is asked: that throws
/// `SQLDecodingError`, which the store reports as a damaged row.
protocol SQLDecodable {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> Self
}

struct SQLDecodingError: Error, CustomStringConvertible {
    var column: String
    var expected: String
    var found: SQLValue
    var description: String { "column \(column): expected \(expected), found \(found)" }
}

extension Int64: SQLDecodable {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> Int64 {
        switch value {
        case .integer(let number): return number
        case .real(let number) where number.rounded() == number && abs(number) < 9.2e18: return Int64(number)
        default: throw SQLDecodingError(column: "", expected: "an integer", found: value)
        }
    }
}

extension Int: SQLDecodable {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> Int { Int(try Int64.decode(value)) }
}

extension Double: SQLDecodable {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> Double {
        switch value {
        case .real(let number): return number
        case .integer(let number): return Double(number)
        default: throw SQLDecodingError(column: "", expected: "a number", found: value)
        }
    }
}

extension Bool: SQLDecodable {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> Bool {
        try Int64.decode(value) != 0
    }
}

extension String: SQLDecodable {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> String {
        switch value {
        case .text(let text): return text
        case .blob(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .integer(let number): return String(number)
        case .real(let number): return String(number)
        case .null: throw SQLDecodingError(column: "", expected: "text", found: value)
        }
    }
}

extension Array: SQLDecodable where Element == UInt8 {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> [UInt8] {
        switch value {
        case .blob(let bytes): return bytes
        case .text(let text): return Array(text.utf8)
        case .null: return []
        default: throw SQLDecodingError(column: "", expected: "bytes", found: value)
        }
    }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> Wrapped? {
        if case .null = value { return nil }
        return try Wrapped.decode(value)
    }
}

extension SQLValue: SQLDecodable {
    static func decode(_ value: SQLValue) throws(SQLDecodingError) -> SQLValue { value }
}
