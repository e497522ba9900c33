import Foundation
import GRDB
import PaperboyCore
@testable import PaperboyStore
import PaperboyTestSupport
import Testing

/// No database error leaves the store as GRDB's type: every public method
/// throws `StoreError` (with a kind and a hint) for what SQLite reports.
@Suite struct StoreErrorTests {
    let t0 = TestTime.now

    func prefs(_ email: String) throws -> SubscriberPreferences {
        SubscriberPreferences(email: try EmailAddress(parsing: email))
    }

    /// The error `body` throws, which must be a `StoreError` (not GRDB's own).
    func storeError(_ what: String, _ body: () throws -> Void) -> StoreError? {
        do {
            try body()
            Issue.record("\(what) did not throw")
            return nil
        } catch let error as StoreError {
            return error
        } catch {
            Issue.record("\(what) threw \(type(of: error)), not StoreError: \(error)")
            return nil
        }
    }

    @Test func aFileThatIsNotADatabaseIsAStoreErrorWithAHint() throws {
        let path = try TestPaths.temporaryDirectory().appendingPathComponent("notes.sqlite").path
        try Data(String(repeating: "these are not the pages of a database\n", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        let opened = storeError("Store(path:)") { _ = try Store(path: path) }
        #expect(opened?.kind == .corrupt)
        #expect(opened?.isTemporary == false)
        #expect(opened?.description.contains("Check that the file is a Paperboy database") == true, "\(String(describing: opened))")
        let readOnly = storeError("Store(readOnlyPath:)") { _ = try Store(readOnlyPath: path) }
        #expect(readOnly?.kind == .corrupt)
        #expect(readOnly?.description.contains("cannot open read-only") == true)
    }

    @Test func writingThroughAReadOnlyStoreIsAnAccessError() throws {
        let path = try TestPaths.temporaryDirectory().appendingPathComponent("p.sqlite").path
        try Store(path: path).recordFetchAttempt(source: "arxiv", at: t0)
        let store = try Store(readOnlyPath: path)
        #expect(try store.sourceState("arxiv")?.consecutiveFailures == 1)
        let writes: [(String, () throws -> Void)] = [
            ("recordFetchAttempt", { try store.recordFetchAttempt(source: "arxiv", at: self.t0) }),
            ("addSubscriber", { try store.addSubscriber(try self.prefs("ada@example.org"), at: self.t0) }),
            ("plan", { try store.plan([PlannedDigest(subscriberID: 1, periodKey: "k", recipient: "ada@example.org", sender: "p@example.org",
                                                     subject: "S", messageID: "<m@example.org>", message: [1], paperIDs: [])], at: self.t0) }),
            ("prune", { _ = try store.prune(PruneCutoffs(at: self.t0, retention: RetentionSettings(), lookback: 86400), dryRun: false) }),
        ]
        for (name, write) in writes {
            let error = storeError(name, write)
            #expect(error?.kind == .access, "\(name): \(String(describing: error))")
            #expect(error?.description.contains("Nothing changed. Check that this user may read and write") == true, "\(name): \(String(describing: error))")
        }
        // Nothing was written.
        #expect(try store.sourceState("arxiv")?.consecutiveFailures == 1)
    }

    @Test(arguments: StoreEngine.allCases) func everyPublicMethodWrapsDatabaseErrors(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let ada = try store.addSubscriber(try prefs("ada@example.org"), at: t0)
        try store.write { db in
            // One statement each (PostgreSQL takes no scripts); PostgreSQL has no paper_fts and drops dependent keys with CASCADE.
            let tables = ["paper_fts", "paper", "outbox", "sent_paper", "subscriber", "source_state", "change_counter", "outbox_state_count", "prune_horizon"]
            for table in tables {
                switch db.dialect {
                case .sqlite: try db.execute(sql: "DROP TABLE \(table)")
                case .postgresql: if table != "paper_fts" { try db.execute(sql: "DROP TABLE \(table) CASCADE") }
                }
            }
        }
        let missingTable = engine == .sqlite ? "no such table" : "does not exist (42P01)"
        let paper = Paper(id: "2401.00001", title: "T", abstract: "A", firstSeenAt: t0, sources: ["test"])
        let message = OutboxMessage(id: 1, subscriberID: ada.id, recipient: "ada@example.org", sender: "p@example.org", message: [], attempts: 0, plannedAt: t0)
        let digest = PlannedDigest(subscriberID: ada.id, periodKey: "k", recipient: "ada@example.org", sender: "p@example.org",
                                   subject: "S", messageID: "<m@example.org>", message: [1], paperIDs: ["2401.00001"])
        let calls: [(String, () throws -> Void)] = [
            ("ingest", { _ = try store.ingest([paper], source: SourceState(name: "test"), at: self.t0) }),
            ("paper(id:)", { _ = try store.paper(id: "2401.00001") }),
            ("papers(since:)", { _ = try store.papers() }),
            ("papers(firstSeenAfter:)", { _ = try store.papers(firstSeenAfter: self.t0, notAfter: self.t0) }),
            ("papers(ids:)", { _ = try store.papers(ids: ["2401.00001"]) }),
            ("latestFirstSeen", { _ = try store.latestFirstSeen() }),
            ("paperCount", { _ = try store.paperCount() }),
            ("fullTextMatches", { _ = try store.fullTextMatches("x") }),
            ("sourceState", { _ = try store.sourceState("test") }),
            ("sourceStates", { _ = try store.sourceStates() }),
            ("recordNotModified", { try store.recordNotModified(source: "test", at: self.t0) }),
            ("recordFetchAttempt", { try store.recordFetchAttempt(source: "test", at: self.t0) }),
            ("recordSentPapers", { try store.recordSentPapers(subscriberID: 1, paperIDs: ["x"], at: self.t0) }),
            ("sentPaperIDs(subscriberID:)", { _ = try store.sentPaperIDs(subscriberID: 1) }),
            ("sentPaperIDs(since:)", { _ = try store.sentPaperIDs(since: self.t0) }),
            ("subscriber(email)", { _ = try store.subscriber(ada.email) }),
            ("subscriber(id:)", { _ = try store.subscriber(id: ada.id) }),
            ("subscribers", { _ = try store.subscribers() }),
            ("addSubscriber", { try store.addSubscriber(try self.prefs("bob@example.org"), at: self.t0) }),
            ("updateSubscriber", { try store.updateSubscriber(ada.email, at: self.t0) { $0.preferences.minUpvotes = 3 } }),
            ("removeSubscriber", { try store.removeSubscriber(ada.email) }),
            ("planSubscriberImport", { _ = try store.planSubscriberImport([], prune: false) }),
            ("importSubscribers", { _ = try store.importSubscribers([], prune: false, at: self.t0) }),
            ("unsubscribe(ifAddress:)", { _ = try store.unsubscribe(id: ada.id, at: self.t0) { _ in true } }),
            ("unsubscribe", { try store.unsubscribe(id: ada.id, at: self.t0) }),
            ("changeVersions", { _ = try store.changeVersions() }),
            ("plannedSubscribers", { _ = try store.plannedSubscribers(periodKeys: [ada.id: "k"]) }),
            ("plan", { try store.plan([digest], at: self.t0) }),
            ("claimDue", { _ = try store.claimDue(limit: 1, claimer: "test:1", at: self.t0, leaseUntil: self.t0, isDead: { _ in false }) }),
            ("record", { _ = try store.record(.sent(reply: "250 ok"), for: message, at: self.t0) }),
            ("release", { try store.release(ids: [1]) }),
            ("cancel", { try store.cancel(ids: [1], reason: "r", at: self.t0) }),
            ("nextDueTime", { _ = try store.nextDueTime() }),
            ("dueCount", { _ = try store.dueCount(at: self.t0) }),
            ("outboxCounts", { _ = try store.outboxCounts() }),
            ("outboxCountsByScan", { _ = try store.outboxCountsByScan() }),
            ("plannedTimes", { _ = try store.plannedTimes(subscriberID: ada.id) }),
            ("outboxRows", { _ = try store.outboxRows(subscriberID: ada.id) }),
            ("outboxEntries", { _ = try store.outboxEntries() }),
            ("deferredWaiting", { _ = try store.deferredWaiting(at: self.t0) }),
            ("retryNow", { _ = try store.retryNow(ids: nil, at: self.t0) }),
            ("cancelQueued", { _ = try store.cancelQueued(ids: [1], reason: "r", at: self.t0) }),
            ("prune", { _ = try store.prune(PruneCutoffs(at: self.t0, retention: RetentionSettings(), lookback: 86400), dryRun: false) }),
            ("sentLogHorizon", { _ = try store.sentLogHorizon() }),
        ]
        for (name, call) in calls {
            let error = storeError(name, call)
            #expect(error?.message.contains(missingTable) == true, "\(name): \(String(describing: error))")
            #expect(error?.kind == .other, "\(name): \(String(describing: error))")
            #expect(error?.hint.contains("Nothing changed") == true, "\(name): \(String(describing: error))")
        }
    }

    @Test func sqliteResultCodesMapToKinds() {
        let cases: [(ResultCode, StoreError.Kind)] = [
            (.SQLITE_BUSY, .busy), (.SQLITE_LOCKED, .busy), (.SQLITE_NOTADB, .corrupt), (.SQLITE_CORRUPT, .corrupt),
            (.SQLITE_READONLY, .access), (.SQLITE_PERM, .access), (.SQLITE_CANTOPEN, .access),
            (.SQLITE_IOERR, .io), (.SQLITE_FULL, .io), (.SQLITE_CONSTRAINT, .constraint), (.SQLITE_ERROR, .other),
        ]
        for (code, kind) in cases {
            let error = StoreError.wrapping(DatabaseError(resultCode: code, message: "m"), path: "p.sqlite")
            #expect(error?.kind == kind, "\(code)")
            #expect(error?.isTemporary == (kind == .busy), "\(code)")
        }
        let busy = StoreError.wrapping(DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked"), path: "p.sqlite")
        #expect(busy?.description == "database p.sqlite: the database is busy (another process holds its write lock): database is locked. Try again in a moment")
        // Errors that are not the database's pass through untouched.
        #expect(StoreError.wrapping(CocoaError(.fileNoSuchFile), path: "p.sqlite") == nil)
    }

    @Test(arguments: StoreEngine.allCases) func aRefusalIsNotWrapped(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        try store.addSubscriber(try prefs("ada@example.org"), at: t0)
        #expect(throws: SubscriberStoreError.self) { try store.addSubscriber(try prefs("ada@example.org"), at: t0) }
        struct Mine: Error {}
        #expect(throws: Mine.self) { try store.updateSubscriber(try EmailAddress(parsing: "ada@example.org"), at: t0) { _ in throw Mine() } }
    }

    // MARK: PostgreSQL

    /// A database URL that cannot be read is refused before any connection, with what to write.
    @Test func aBadPostgresURLIsAStoreErrorWithAHint() {
        for url in ["postgresql://", "postgresql://user:secret@127.0.0.1/db", "postgresql://paperboy@127.0.0.1:notaport/db",
                    "postgresql://user:se cret@127.0.0.1/db", "postgresql://user:secret@127.0.0.1:99999/db?sslmode=disable"] {
            let error = storeError("Store.open(\(url))") { _ = try Store.open(url) }
            #expect(error?.kind == .other, "\(url): \(String(describing: error))")
            #expect(error?.hint == "Fix database in the config", "\(url): \(String(describing: error))")
            #expect(error?.description.contains("secret") == false, "no password in the message: \(String(describing: error))")
        }
        #expect(Store.withoutPassword("postgresql://user:secret@h:5432/db?sslmode=disable") == "postgresql://user@h:5432/db?sslmode=disable")
        #expect(Store.withoutPassword("postgresql://user@h/db") == "postgresql://user@h/db")
    }

    @Test func aMissingPostgresDatabaseIsAStoreErrorWithAHint() throws {
        let server = try PostgresServer.shared()
        let error = storeError("Store.open") { _ = try Store.open(server.url(database: "pb_nonexistent")) }
        #expect(error?.kind == .missing, "\(String(describing: error))")
        #expect(error?.message.contains("the database does not exist") == true, "\(String(describing: error))")
        #expect(error?.hint.contains("createdb -O paperboy pb_nonexistent") == true, "\(String(describing: error))")
    }

    @Test func aPostgresServerThatDoesNotListenIsATemporaryStoreError() throws {
        let port = try LoopbackPort.free()
        let error = storeError("Store.open") { _ = try Store.open("postgresql://paperboy@127.0.0.1:\(port)/paperboy?sslmode=disable") }
        #expect(error?.kind == .busy, "\(String(describing: error))")
        #expect(error?.isTemporary == true)
        #expect(error?.message.contains("cannot connect") == true, "\(String(describing: error))")
        #expect(error?.hint.contains("Check that PostgreSQL runs at 127.0.0.1:\(port)") == true, "\(String(describing: error))")
    }

    /// A server of its own (the shared one trusts every login), where one
    /// role must give its password: a wrong or missing password is an access error.
    @Test func aWrongPostgresPasswordIsAnAccessErrorWithAHint() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        try server.psql("CREATE ROLE guarded LOGIN PASSWORD 'right'", database: "postgres")
        try server.psql("CREATE DATABASE guarded OWNER guarded", database: "postgres")
        let hba = server.dataDirectory.appendingPathComponent("pg_hba.conf")
        let rules = try String(contentsOf: hba, encoding: .utf8)
        try ("host all guarded 127.0.0.1/32 scram-sha-256\n" + rules).write(to: hba, atomically: false, encoding: .utf8)
        try server.psql("SELECT pg_reload_conf()", database: "postgres")
        usleep(200_000)
        let url = "postgresql://guarded@127.0.0.1:\(server.port)/guarded?sslmode=disable"
        for password in ["wrong", nil] as [String?] {
            let error = storeError("Store.open(password: \(password ?? "nil"))") { _ = try Store.open(url, password: password) }
            #expect(error?.kind == .access, "\(String(describing: error))")
            #expect(error?.hint.contains("database_password_file") == true, "\(String(describing: error))")
            #expect(error?.description.contains("wrong") == false, "no password in the message")
        }
        let store = try Store.open(url, password: "right")
        #expect(try store.subscribers().isEmpty)
    }
}
