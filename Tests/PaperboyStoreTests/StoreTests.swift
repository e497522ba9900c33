import Foundation
import GRDB
import PaperboyCore
@testable import PaperboyStore
import PaperboyTestSupport
import Testing

@Suite struct StoreTests {
    func paper(_ id: String, title: String, abstract: String, authors: [String] = [], at seconds: Double = 1000) -> Paper {
        Paper(id: id, title: title, abstract: abstract, authors: authors, firstSeenAt: Date(timeIntervalSince1970: seconds), sources: ["test"])
    }

    @Test func fileDatabasesUseWALAndReopen() throws {
        let path = try TestPaths.temporaryDirectory().appendingPathComponent("p.sqlite").path
        do {
            let store = try Store(path: path)
            try store.ingest([paper("2401.00001", title: "A", abstract: "B")], source: SourceState(name: "test"), at: TestTime.now)
            let mode = try store.read { db in try db.scalar(String.self, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
        }
        // Reopening runs no migration twice and keeps the data.
        let reopened = try Store(path: path)
        #expect(try reopened.paperCount() == 1)
        let applied = try reopened.read { db in try db.column(String.self, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == ["v1-papers", "v2-subscribers", "v3-likes-and-sent-papers", "v4-source-url", "v5-outbox", "v6-change-counters", "v7-fetch-attempts",
                            "v8-outbox-counts", "v9-sent-log-horizon", "v10-reader-side", "v11-outbox-body", "v12-bounces", "v13-leases"])
        #expect(applied == StoreMigrations.migrator.migrations)
    }

    /// A PostgreSQL store opened read-only (`send-digest --dry-run`) reads,
    /// writes nothing (the server refuses it), and migrates nothing: an
    /// empty database is refused as SQLite refuses a missing file.
    @Test func aReadOnlyPostgresqlStoreReadsAndRefusesEveryWrite() throws {
        let url = try PostgresServer.shared().createDatabase()
        let empty = #expect(throws: StoreError.self) { try Store.open(url, readOnly: true) }
        #expect(empty?.kind == .schema, "\(String(describing: empty))")
        try Store.open(url).recordFetchAttempt(source: "arxiv", at: TestTime.now)
        let store = try Store.open(url, readOnly: true)
        #expect(try store.sourceState("arxiv")?.consecutiveFailures == 1)
        let refused = #expect(throws: StoreError.self) { try store.recordFetchAttempt(source: "arxiv", at: TestTime.now) }
        #expect(refused?.kind == .access, "\(String(describing: refused))")
        #expect(try Store.open(url).sourceState("arxiv")?.consecutiveFailures == 1, "nothing was written")
    }

    /// The PostgreSQL counterpart: reopening keeps the data and applies no
    /// migration twice; the schema has the same versions, under the same
    /// names, as SQLite's.
    @Test func postgresqlDatabasesReopenWithoutMigratingTwice() throws {
        let url = try PostgresServer.shared().createDatabase()
        do {
            let store = try Store.open(url)
            #expect(store.dialect == .postgresql)
            try store.ingest([paper("2401.00001", title: "A", abstract: "B")], source: SourceState(name: "test"), at: TestTime.now)
        }
        let reopened = try Store.open(url)
        #expect(try reopened.paperCount() == 1)
        let applied = try reopened.read { db in try db.column(String.self, sql: "SELECT identifier FROM schema_migration ORDER BY identifier") }
        #expect(applied.count == Set(applied).count, "each migration once")
        #expect(Set(applied) == Set(StoreMigrations.migrator.migrations))
        #expect(PostgresMigrations.all.map(\.0) == StoreMigrations.migrator.migrations, "the same versions, in the same order, in both engines")
        // A third open (as a second Paperboy starting) changes nothing either.
        let again = try Store.open(url)
        #expect(try again.read { db in try db.scalar(Int.self, sql: "SELECT count(*) FROM schema_migration") } == applied.count)
        #expect(try again.paperCount() == 1)
        #expect(try Store.checkPostgreSQL(try PostgresLocation(url: url), password: nil).hasSuffix("schema up to date"))
    }

    @Test func aMissingFolderIsAClearError() {
        let error = #expect(throws: StoreError.self) { try Store(path: "/nonexistent-folder/p.sqlite") }
        #expect(error?.description.contains("/nonexistent-folder does not exist") == true)
    }

    @Test(arguments: StoreEngine.allCases) func fullTextIndexStemsAndFoldsAccents(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        try store.ingest([
            paper("2401.00001", title: "Knowledge Distillation for Small Models", abstract: "We distil."),
            paper("2401.00002", title: "Lifelong learning", abstract: "Continual adapters.", authors: ["José Müller"]),
            paper("2401.00003", title: "Diffusion", abstract: "Images."),
        ], source: SourceState(name: "test"), at: TestTime.now)
        #expect(try store.fullTextMatches("distill") == ["2401.00001"])
        #expect(try store.fullTextMatches("distilling") == ["2401.00001"])
        #expect(try store.fullTextMatches("muller") == ["2401.00002"])
        #expect(try store.fullTextMatches("authors:jose") == ["2401.00002"])
        #expect(try store.fullTextMatches("adapter") == ["2401.00002"])
        // Updates reach the index.
        try store.ingest([Paper(id: "2401.00003", version: 1, title: "Diffusion distillation", abstract: "Images.",
                                firstSeenAt: Date(timeIntervalSince1970: 1000), sources: ["test"])],
                         source: SourceState(name: "test"), at: TestTime.now)
        #expect(Set(try store.fullTextMatches("distill")) == ["2401.00001", "2401.00003"])
    }

    @Test(arguments: StoreEngine.allCases) func listsNewestFirstAndFiltersBySince(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        try store.ingest([
            paper("2401.00001", title: "Old", abstract: "", at: 1000),
            paper("2401.00002", title: "New", abstract: "", at: 3000),
            paper("2401.00003", title: "Middle", abstract: "", at: 2000),
        ], source: SourceState(name: "test"), at: TestTime.now)
        #expect(try store.papers().map(\.title) == ["New", "Middle", "Old"])
        #expect(try store.papers(since: Date(timeIntervalSince1970: 2000)).map(\.title) == ["New", "Middle"])
        #expect(try store.papers(limit: 1).map(\.title) == ["New"])
    }

    @Test(arguments: StoreEngine.allCases) func papersByIdTakesMoreIdsThanSQLiteBindsInOneStatement(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        try store.ingest([paper("2401.00001", title: "A", abstract: ""), paper("2401.00002", title: "B", abstract: ""), paper("2401.00003", title: "C", abstract: "")],
                         source: SourceState(name: "test"), at: TestTime.now)
        // 40,000 ids (SQLite binds at most 32,766), the stored ones in different slices.
        var ids = (0..<40_000).map { String(format: "2501.%05d", $0) }
        ids.insert("2401.00001", at: 0)
        ids.insert("2401.00002", at: Store.idsPerQuery + 5)
        ids.append("2401.00003")
        #expect(ids.count > 32_766)
        #expect(try Set(store.papers(ids: ids).map(\.title)) == ["A", "B", "C"])
    }

    @Test(arguments: StoreEngine.allCases) func duplicatesWithinOneBatchAreOneRow(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        var v2 = paper("2401.00001", title: "T2", abstract: "A2")
        v2.version = 2
        var v1 = paper("2401.00001", title: "T1", abstract: "A1")
        v1.version = 1
        let counts = try store.ingest([v1, v2], source: SourceState(name: "test"), at: TestTime.now)
        #expect(counts == IngestCounts(new: 1))
        #expect(try store.paper(id: "2401.00001")?.title == "T2")
    }
}
