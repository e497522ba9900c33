import Foundation
import PaperboyCore

/// What `Store.copy(to:dryRun:)` copied (or, in a dry run, would copy):
/// the rows of each table, in the order they were copied.
public struct StoreCopyReport: Sendable, Equatable {
    public struct Table: Sendable, Equatable {
        public var table: String
        public var rows: Int
    }

    public var tables: [Table]
    /// True when nothing was written (the copy was rolled back).
    public var dryRun: Bool

    /// The rows copied of `table` (0 for a table not copied).
    public func rows(_ table: String) -> Int {
        tables.first { $0.table == table }?.rows ?? 0
    }

    /// Every row copied.
    public var total: Int { tables.reduce(0) { $0 + $1.rows } }
}

extension Store {
    /// The tables `copy(to:dryRun:)` moves, parents before children (foreign
    /// keys). Not copied: change_counter (the target has its own, bumped),
    /// outbox_state_count (not kept in PostgreSQL), lease (held by running
    /// instances), the migration tables (each engine records its own).
    public static let copiedTables = ["paper", "source_state", "subscriber", "sent_paper", "outbox", "outbox_body", "bounce", "prune_horizon"]

    /// The tables whose ids are identity columns: their sequences are set
    /// past the copied ids, so the next row gets a fresh one.
    static let identityTables = ["subscriber", "outbox", "bounce"]

    /// Rows per INSERT statement: one statement text for every full chunk,
    /// far below PostgreSQL's 65,535 parameters for the widest table.
    static let copyChunkRows = 200

    /// Copies this store (SQLite) into `target` (PostgreSQL, empty), all or
    /// nothing: every table is read in one read transaction of this store
    /// and written in one write transaction of the target, so a failure
    /// (a refused row, a lost connection) leaves the target as it was. Ids
    /// are kept; the target's id sequences are set past them and its change
    /// counters bumped (a Paperboy running on it reloads). A target that
    /// already holds a row in any copied table is refused. With `dryRun`,
    /// the copy runs and is rolled back: the counts are what would be
    /// copied, and nothing is written.
    public func copy(to target: Store, dryRun: Bool) throws(StoreError) -> StoreCopyReport {
        guard dialect == .sqlite else {
            throw StoreError(path: path, kind: .other, message: Self.copyRefusal + "the source is \(dialect.rawValue); db copy copies a SQLite store",
                             hint: "Point database in the config at the SQLite file to copy")
        }
        guard target.dialect == .postgresql else {
            throw StoreError(path: target.path, kind: .other, message: Self.copyRefusal + "the target is \(target.dialect.rawValue); db copy copies into PostgreSQL",
                             hint: "Give a postgresql://USER@HOST:PORT/DATABASE URL")
        }
        do {
            return try readPassing { source in
                try target.writePassing { destination in
                    let tables = try Self.copyTables(from: source, to: destination, targetPath: target.path, dryRun: dryRun)
                    let report = StoreCopyReport(tables: tables, dryRun: dryRun)
                    if dryRun { throw CopyRollback(report: report) }
                    return report
                }
            }
        } catch let rollback as CopyRollback {
            return rollback.report
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(path: target.path, kind: .other, message: "db copy failed: \(error)", hint: "Nothing was copied")
        }
    }

    /// True for a copy refused before any row was written (a wrong engine,
    /// a target that is not empty): the operator's to fix, not a database error.
    public static func isCopyRefusal(_ error: StoreError) -> Bool {
        error.message.hasPrefix(copyRefusal)
    }

    private static let copyRefusal = "db copy refused: "

    /// Thrown out of the target's transaction to roll a dry run back.
    private struct CopyRollback: Error {
        var report: StoreCopyReport
    }

    /// A column of the target: its name and the kind of value it takes.
    private struct CopyColumn {
        enum Kind { case integer, real, text, bytes }
        var name: String
        var kind: Kind
    }

    private static func copyTables(from source: any SQLConnection, to destination: any SQLConnection, targetPath: String, dryRun: Bool) throws -> [StoreCopyReport.Table] {
        // Refuse a target that holds anything (inside the transaction that writes it).
        var held: [(String, Int)] = []
        for table in copiedTables {
            let count = try destination.scalar(Int.self, sql: "SELECT count(*) FROM \(table)") ?? 0
            if count > 0 { held.append((table, count)) }
        }
        if !held.isEmpty {
            let list = held.map { "\(NumberText.grouped($0.1)) \(noun($0.0, $0.1))" }.joined(separator: ", ")
            throw StoreError(path: targetPath, kind: .other, message: copyRefusal + "the target already holds \(list)",
                             hint: "db copy fills an empty database (drop and create it: dropdb/createdb)")
        }

        var copied: [StoreCopyReport.Table] = []
        for table in copiedTables {
            let columns = try copyColumns(table, source: source, destination: destination, targetPath: targetPath)
            let names = columns.map(\.name).joined(separator: ", ")
            let row = "(" + SQL.placeholders(columns.count) + ")"
            func insertSQL(_ rows: Int) -> String {
                "INSERT INTO \(table) (\(names)) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
            }
            let fullChunk = insertSQL(copyChunkRows)
            var pending: SQLArguments = []
            pending.reserveCapacity(copyChunkRows * columns.count)
            var pendingRows = 0
            var count = 0
            try source.forEachRow(sql: "SELECT \(names) FROM \(table)", arguments: []) { values in
                for (index, column) in columns.enumerated() {
                    pending.append(try converted(values.values[index], to: column, table: table, path: targetPath))
                }
                pendingRows += 1
                count += 1
                if pendingRows == copyChunkRows {
                    try destination.execute(sql: fullChunk, arguments: pending)
                    pending.removeAll(keepingCapacity: true)
                    pendingRows = 0
                }
            }
            if pendingRows > 0 {
                try destination.execute(sql: insertSQL(pendingRows), arguments: pending)
            }
            copied.append(StoreCopyReport.Table(table: table, rows: count))
        }

        // A sequence is not rolled back with the transaction: a dry run leaves it alone.
        if dryRun { return copied }
        for table in identityTables {
            // The next id the target hands out follows the highest copied one.
            try destination.execute(sql: """
                SELECT setval(pg_get_serial_sequence('\(table)', 'id'), coalesce((SELECT max(id) FROM \(table)), 0) + 1, false)
                """)
        }
        // A Paperboy already running on the target reloads subscribers and papers.
        try destination.execute(sql: "UPDATE change_counter SET value = value + 1")
        return copied
    }

    /// The columns of `table` to copy, in the source's order: every column
    /// of the SQLite source, each of which the PostgreSQL target must have
    /// (a generated column such as paper.search is left to the target).
    private static func copyColumns(_ table: String, source: any SQLConnection, destination: any SQLConnection, targetPath: String) throws -> [CopyColumn] {
        // pragma_table_info: the source is SQLite (checked by the caller).
        let sourceColumns = try source.column(String.self, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table])
        var targetKinds: [String: CopyColumn.Kind] = [:]
        for row in try destination.fetchAll(sql: """
            SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = ? AND is_generated = 'NEVER'
            """, arguments: [table]) {
            let type: String = try row.get("data_type")
            let kind: CopyColumn.Kind
            switch type {
            case "bigint", "integer", "smallint": kind = .integer
            case "double precision", "real", "numeric": kind = .real
            case "bytea": kind = .bytes
            default: kind = .text
            }
            targetKinds[try row.get("column_name")] = kind
        }
        guard !sourceColumns.isEmpty, !targetKinds.isEmpty else {
            throw StoreError(path: targetPath, kind: .schema, message: "db copy: the table \(table) is missing in the \(sourceColumns.isEmpty ? "source" : "target")",
                             hint: "Run a command that writes (paperboy fetch) with this version on the source first; nothing was copied")
        }
        return try sourceColumns.map { name throws(StoreError) -> CopyColumn in
            guard let kind = targetKinds[name] else {
                throw StoreError(path: targetPath, kind: .schema, message: "db copy: the target's table \(table) has no column \(name)",
                                 hint: "Copy with the Paperboy version that made the source; nothing was copied")
            }
            return CopyColumn(name: name, kind: kind)
        }
    }

    /// A SQLite value as the target column takes it: SQLite keeps whatever
    /// storage class a value came in (an integral Unix time as an INTEGER,
    /// say); PostgreSQL wants the column's type.
    private static func converted(_ value: SQLValue, to column: CopyColumn, table: String, path: String) throws(StoreError) -> SQLValue {
        switch (column.kind, value) {
        case (_, .null):
            return .null
        case (.integer, .integer), (.real, .real), (.text, .text), (.bytes, .blob):
            return value
        case (.integer, .real(let number)) where number.rounded() == number && abs(number) < 9.2e18:
            return .integer(Int64(number))
        case (.integer, .text(let text)) where Int64(text) != nil:
            return .integer(Int64(text)!)
        case (.real, .integer(let number)):
            return .real(Double(number))
        case (.real, .text(let text)) where Double(text) != nil:
            return .real(Double(text)!)
        case (.text, .integer(let number)):
            return .text(String(number))
        case (.text, .real(let number)):
            return .text(String(number))
        case (.text, .blob(let bytes)) where String(validating: bytes, as: UTF8.self) != nil:
            return .text(String(decoding: bytes, as: UTF8.self))
        case (.bytes, .text(let text)):
            return .blob(Array(text.utf8))
        default:
            throw StoreError(path: path, kind: .corrupt, message: "db copy: \(table).\(column.name) holds \(value), which its PostgreSQL column cannot take",
                             hint: "Fix or delete that row in the SQLite file; nothing was copied")
        }
    }

    /// What the rows of a copied table are, for messages: "12 subscribers".
    public static func copyNoun(_ table: String, _ count: Int) -> String {
        noun(table, count)
    }

    private static func noun(_ table: String, _ count: Int) -> String {
        let (one, many): (String, String)
        switch table {
        case "paper": (one, many) = ("paper", "papers")
        case "source_state": (one, many) = ("source state", "source states")
        case "subscriber": (one, many) = ("subscriber", "subscribers")
        case "sent_paper": (one, many) = ("sent-log entry", "sent-log entries")
        case "outbox": (one, many) = ("outbox row", "outbox rows")
        case "outbox_body": (one, many) = ("message body", "message bodies")
        case "bounce": (one, many) = ("bounce", "bounces")
        case "prune_horizon": (one, many) = ("prune horizon", "prune horizons")
        default: (one, many) = (table + " row", table + " rows")
        }
        return count == 1 ? one : many
    }
}
