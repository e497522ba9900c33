import Foundation
import PaperboyTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The test harness's own PostgreSQL (`PostgresServer`). Here, not in the
/// Store tests: Core and Store tests start no process and no server
/// (`TestLayoutTests`). Not skipped when PostgreSQL is missing: that fails,
/// with what to install.
@Suite struct PostgresServerTests {
    static func server() throws -> PostgresServer {
        if let missing = PostgresServer.missing { Issue.record(Comment(rawValue: missing)) }
        return try PostgresServer.shared()
    }

    @Test func sharedServerGivesSeparateEmptyDatabasesOnLoopbackOnly() throws {
        let server = try Self.server()
        #expect(try PostgresServer.shared() === server)
        let first = try server.createDatabase()
        let second = try server.createDatabase()
        #expect(first != second)
        #expect(first.hasPrefix("postgresql://paperboy@127.0.0.1:\(server.port)/pb_"))

        let rows = try server.psql("CREATE TABLE t(x int); INSERT INTO t VALUES (1), (2), (3); SELECT sum(x) FROM t;", database: first)
        #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "6")
        let tables = try server.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public';", database: second)
        #expect(tables.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(throws: ServerStartError.self) { try server.psql("SELECT * FROM t", database: second) }

        #expect(try server.psql("SHOW listen_addresses", database: first).trimmingCharacters(in: .whitespacesAndNewlines) == "127.0.0.1")
        #expect(try server.psql("SHOW fsync", database: first).trimmingCharacters(in: .whitespacesAndNewlines) == "off")
        #expect(try server.psql("SHOW max_connections", database: first).trimmingCharacters(in: .whitespacesAndNewlines) == "200")
        #expect(try server.psql("SELECT current_user", database: first).trimmingCharacters(in: .whitespacesAndNewlines) == "paperboy")
        #expect(try server.psql("SHOW server_encoding", database: first).trimmingCharacters(in: .whitespacesAndNewlines) == "UTF8")
        // The unix socket is in the server's own folder, not /var/run/postgresql.
        #expect(FileManager.default.fileExists(atPath: server.socketDirectory.appendingPathComponent(".s.PGSQL.\(server.port)").path))
    }

    @Test func manyDatabasesInParallel() async throws {
        let server = try Self.server()
        let names = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try server.createDatabase() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(names.count == 8)
    }

    @Test func ownServerStopsAndIsGone() throws {
        if let missing = PostgresServer.missing { Issue.record(Comment(rawValue: missing)) }
        let server = try PostgresServer()
        let database = try server.createDatabase()
        #expect(try server.psql("SELECT 1", database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(server.isRunning)
        #expect(kill(server.pid, 0) == 0)
        server.stop()
        server.stop()
        #expect(!server.isRunning)
        #expect(kill(server.pid, 0) != 0)
        #expect(!LoopbackPort.accepts(server.port))
        #expect(throws: ServerStartError.self) { try server.psql("SELECT 1", database: database) }
        #expect(!FileManager.default.fileExists(atPath: server.directory.path))
    }
}
