import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The command line on a PostgreSQL store (the test process's own server on
/// 127.0.0.1): `check` connects and changes nothing, the commands that
/// write and read work as on SQLite, and an unreachable server is a
/// temporary failure that names it.
@Suite(.serialized) struct PostgresCLITests {
    @Test func checkConnectsAndChangesNothingAndCommandsWorkOnPostgreSQL() throws {
        let s = try TestSetup(engine: .postgresql)
        let environment = ["PAPERBOY_SECRET": "0123456789abcdef0123456789"]
        let fresh = try s.run(["check"], environment: environment)
        let shown = String(s.database.prefix { $0 != "?" })
        #expect(fresh.stdout.contains("database: \(shown) answers (PostgreSQL "), "\(fresh.stdout) \(fresh.stderr)")
        #expect(fresh.stdout.contains("13 migrations to apply at the next start"), "\(fresh.stdout)")
        // check wrote nothing: the database is still empty.
        #expect(try PostgresServer.shared().psql("SELECT to_regclass('schema_migration') IS NULL", database: s.database).contains("t"))

        let add = try s.run(["subscriber", "add", "ada@example.org", "--name", "Ada Lovelace", "--query", "distillation"])
        #expect(add.status == 0, "\(add.stderr)")
        let list = try s.run(["subscriber", "list"])
        #expect(list.stdout.contains("ada@example.org"), "\(list.stdout)")
        #expect(try s.run(["check"], environment: environment).stdout.contains("schema up to date"))

        // The store's own full-text search (tsvector, english with accents folded) on this engine.
        let store = try s.store()
        try store.ingest(try DemoCorpus.papers(at: TestTime.now), source: SourceState(name: "demo"), at: TestTime.now)
        let search = try s.run(["papers", "search", "distillation"])
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stdout.contains("stored papers match"), "\(search.stdout)")
        #expect(!(try store.fullTextMatches("distilling")).isEmpty)
    }

    @Test func aServerThatDoesNotAnswerIsATemporaryFailureNamingIt() throws {
        let port = try LoopbackPort.free()
        let s = try TestSetup(database: "postgresql://paperboy@127.0.0.1:\(port)/paperboy?sslmode=disable")
        let check = try s.run(["check"], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
        #expect(check.status == 75, "\(check.stdout) \(check.stderr)")
        #expect(check.stderr.contains("127.0.0.1:\(port)"), "\(check.stderr)")
        let list = try s.run(["subscriber", "list"])
        #expect(list.status == 75, "\(list.stderr)")
        #expect(list.stderr.contains("Check that PostgreSQL runs at 127.0.0.1:\(port)"), "\(list.stderr)")
    }
}
