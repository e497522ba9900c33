import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// `paperboy db copy --to postgresql://…`: a SQLite store into an empty
/// PostgreSQL database (the test server of `PostgresServer`), all or nothing.
@Suite(.serialized) struct DbCopyTests {
    static let copied = ["paper", "source_state", "subscriber", "sent_paper", "outbox", "outbox_body", "bounce", "prune_horizon"]

    /// A SQLite store with papers, three subscribers (likes and dislikes,
    /// a paused one, one removed so the ids have a gap), a sent log, an
    /// outbox row with its body, a bounce and a prune horizon.
    func populated() throws -> TestSetup {
        let s = try TestSetup()
        let store = try s.store()
        try store.ingest(try DemoCorpus.papers(at: TestTime.now.addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: TestTime.now)
        let ids = try store.papers().map(\.id)
        let ada = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org"), name: "Ada Lovelace",
                                                                categories: ["cs.LG"], maxPapers: 5, likes: [ids[0], ids[1]], dislikes: [ids[2]]),
                                          at: TestTime.now)
        let gone = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "gone@example.org")), at: TestTime.now)
        _ = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "grace@example.org"), paused: true), at: TestTime.now)
        try store.removeSubscriber(gone.preferences.email)
        _ = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "alan@example.org"), format: .text), at: TestTime.now)
        try store.recordSentPapers(subscriberID: ada.id, paperIDs: [ids[3], ids[4]], at: TestTime.now)
        let body = Array("From: digest@example.org\r\nSubject: papers\r\n\r\nhello \u{00e9}\u{0000}\u{00ff}".utf8) + [0xff, 0x00, 0x80]
        _ = try store.plan([PlannedDigest(subscriberID: ada.id, periodKey: "2026-11-29", recipient: "ada@example.org", sender: "digest@example.org",
                                          subject: "papers", messageID: "<1@example.org>", message: body, paperIDs: [ids[3], ids[4]])],
                           at: TestTime.now)
        // A bounce and a prune horizon, the processed time an INTEGER (SQLite keeps what it is given; PostgreSQL's column is double precision).
        let sql = """
            INSERT INTO bounce (message_key, content_hash, processed_at, kind, subscriber_id, outbox_id, address, status, diagnostic, outcome, disposition, note, message_id)
            VALUES ('imap:1:7', 'abc', 1764417600, 'hard', \(ada.id), 1, 'ada@example.org', '5.1.1', 'no such user', 'counted', 'processed', 'first hard bounce', '<b@x>');
            INSERT INTO prune_horizon (log, pruned_before) VALUES ('sent_paper', 1764000000);
            """
        let inserted = try runTool("/usr/bin/sqlite3", [s.directory.appendingPathComponent("paperboy.sqlite").path, sql])
        #expect(inserted.status == 0, "\(inserted.stderr)")
        return s
    }

    /// The URL as messages show it (without its parameters, such as sslmode).
    static func shown(_ url: String) -> String {
        String(url.prefix { $0 != "?" })
    }

    func count(_ server: PostgresServer, _ url: String, _ table: String) throws -> Int {
        Int(try server.psql("SELECT count(*) FROM \(table)", database: url).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func counts(_ server: PostgresServer, _ url: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in Self.copied { counts[table] = try count(server, url, table) }
        return counts
    }

    @Test func copiesEveryTableAndReadsBackTheSame() throws {
        let server = try PostgresServer.shared()
        let url = try server.createDatabase()
        let s = try populated()
        let source = try s.store()
        let paperCount = try source.paperCount()

        let result = try s.run(["db", "copy", "--to", url])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("copied to \(Self.shown(url)) in ") == true, "\(result.stdout)")
        #expect(lines.first?.hasSuffix(": \(paperCount) papers, 1 source state, 3 subscribers, 2 sent-log entries, 1 outbox row, 1 message body, 1 bounce, 1 prune horizon") == true,
                "\(result.stdout)")
        #expect(lines.last?.hasPrefix("now set database: \(url) in ") == true, "\(result.stdout)")

        #expect(try counts(server, url) == ["paper": paperCount, "source_state": 1, "subscriber": 3, "sent_paper": 2, "outbox": 1, "outbox_body": 1,
                                            "bounce": 1, "prune_horizon": 1])
        // Ids kept (with the gap), and the next id follows the highest.
        #expect(try server.psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM subscriber", database: url) == "1,3,4\n")
        #expect(try server.psql("SELECT nextval(pg_get_serial_sequence('subscriber', 'id'))", database: url) == "5\n")
        #expect(try server.psql("SELECT nextval(pg_get_serial_sequence('outbox', 'id'))", database: url) == "2\n")
        #expect(try server.psql("SELECT processed_at, subscriber_id FROM bounce", database: url) == "1764417600|1\n")
        // The generated full-text column is filled by the target.
        #expect(try count(server, url, "paper WHERE search IS NOT NULL") == paperCount)

        let target = try Store.open(url)
        for email in ["ada@example.org", "grace@example.org", "alan@example.org"] {
            let address = try EmailAddress(parsing: email)
            let original = try #require(try source.subscriber(address))
            #expect(try target.subscriber(address) == original)
        }
        let ada = try #require(try source.subscriber(try EmailAddress(parsing: "ada@example.org")))
        #expect(try target.sentPaperIDs(subscriberID: ada.id) == (try source.sentPaperIDs(subscriberID: ada.id)))
        #expect(try target.outboxBody(id: 1) == (try source.outboxBody(id: 1)))
        #expect(try target.outboxBody(id: 1).count > 40)
        #expect(try target.paper(id: try source.papers().first!.id) == (try source.papers().first))
        #expect(try target.sourceState("demo") == (try source.sourceState("demo")))
    }

    @Test func aTargetThatHoldsRowsIsRefusedAndKeptAsItIs() throws {
        let server = try PostgresServer.shared()
        let url = try server.createDatabase()
        let s = try populated()
        try s.run(["db", "copy", "--to", url]).expectSuccess()
        let before = try counts(server, url)

        let again = try s.run(["db", "copy", "--to", url])
        #expect(again.status == 65, "\(again.stdout) \(again.stderr)")
        #expect(again.stderr.contains("the target already holds \(before["paper"]!) papers, 1 source state, 3 subscribers, 2 sent-log entries"), "\(again.stderr)")
        #expect(again.stderr.contains("db copy fills an empty database (drop and create it: dropdb/createdb)"), "\(again.stderr)")
        #expect(again.stdout.isEmpty)
        #expect(try counts(server, url) == before)

        // Not a PostgreSQL URL: a usage error, nothing opened.
        let sqlite = try s.run(["db", "copy", "--to", s.directory.appendingPathComponent("other.sqlite").path])
        #expect(sqlite.status == 64, "\(sqlite.stderr)")
        #expect(sqlite.stderr.contains("is not a PostgreSQL URL"), "\(sqlite.stderr)")

        // A password file that cannot be read: the config's kind of problem, nothing copied.
        let unreadable = try s.run(["db", "copy", "--to", url, "--password-file", s.directory.appendingPathComponent("none").path])
        #expect(unreadable.status == 78, "\(unreadable.stderr)")
        #expect(unreadable.stderr.contains("--password-file: cannot read"), "\(unreadable.stderr)")

        // The configured database is already PostgreSQL: nothing to copy from.
        let (config, _) = try writeConfig("database: \"\(url)\"\nsources: [{name: demo, type: json, url: \"file:///dev/null\"}]\n")
        let fromPostgres = try runPaperboy(["db", "copy", "--to", url, "--config", config])
        #expect(fromPostgres.status == 64, "\(fromPostgres.stderr)")
        #expect(fromPostgres.stderr.contains("database is already PostgreSQL"), "\(fromPostgres.stderr)")
        #expect(try counts(server, url) == before)
    }

    @Test func aFailureMidCopyLeavesTheTargetEmpty() throws {
        let server = try PostgresServer.shared()
        let url = try server.createDatabase()
        _ = try Store.open(url)
        // The target refuses the message body, a table copied after papers, subscribers and the outbox.
        try server.psql("ALTER TABLE outbox_body ADD CONSTRAINT small_bodies CHECK (length(message) < 10)", database: url)
        let s = try populated()
        let result = try s.run(["db", "copy", "--to", url])
        #expect(result.status == 70, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("small_bodies"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let after = try counts(server, url)
        #expect(after.values.allSatisfy { $0 == 0 }, "\(after)")
        #expect(try server.psql("SELECT nextval(pg_get_serial_sequence('subscriber', 'id'))", database: url) == "1\n")
    }

    @Test func dryRunCountsAndWritesNothing() throws {
        let server = try PostgresServer.shared()
        let url = try server.createDatabase()
        let s = try populated()
        let paperCount = try s.store().paperCount()
        let dry = try s.run(["db", "copy", "--to", url, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stdout) \(dry.stderr)")
        #expect(dry.stdout.hasPrefix("would copy to \(Self.shown(url)) ("), "\(dry.stdout)")
        #expect(dry.stdout.contains(": \(paperCount) papers, 1 source state, 3 subscribers, 2 sent-log entries, 1 outbox row, 1 message body, 1 bounce, 1 prune horizon\n"),
                "\(dry.stdout)")
        #expect(dry.stdout.hasSuffix("dry run: nothing was written\n"), "\(dry.stdout)")
        #expect(try counts(server, url).values.allSatisfy { $0 == 0 })
        #expect(try server.psql("SELECT value FROM change_counter WHERE name = 'subscriber'", database: url) == "0\n")
        #expect(try server.psql("SELECT nextval(pg_get_serial_sequence('subscriber', 'id'))", database: url) == "1\n")

        // The real copy after it.
        try s.run(["db", "copy", "--to", url]).expectSuccess()
        #expect(try count(server, url, "subscriber") == 3)
    }
}

/// `db copy` at the size the issue names: 100,000 subscribers.
@Suite(.serialized) struct DbCopyAtScaleTests {
    static let at = "2026-11-30T08:01:00Z"

    /// The dry run's lines, one per subscriber (address, papers, subject), sorted.
    static func plannedDigests(_ s: TestSetup) throws -> [Substring] {
        let result = try s.run(["send-digest", "--dry-run", "--all", "--at", at], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
        #expect(result.status == 0, "\(result.stderr.prefix(2000))")
        return result.stdout.split(separator: "\n").filter { !$0.hasPrefix("dry run at ") }.sorted()
    }

    @Test func aHundredThousandSubscribersCopyWithEqualCountsAndPlanTheSameDigests() throws {
        let count = 100_000
        let sqlite = try TestSetup(digest: "from: \"Paperboy <digest@lab.example.org>\"\nbase_url: https://lab.example.org")
        let store = try sqlite.store()
        try store.ingest(try DemoCorpus.papers(at: try #require(FeedDate.parse(Self.at)).addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: TestTime.now)
        // Different readers: queries, categories, sizes, likes, a paused one in every 97, a sent log for some.
        let paperIDs = try store.papers().map(\.id)
        let queries = [nil, "transformer", "diffusion OR vision", "\"language model\"", "reinforcement -robot"]
        var entries: [SubscriberPreferences] = []
        for k in 0..<count {
            entries.append(SubscriberPreferences(email: try EmailAddress(parsing: "reader\(k)@example.org"),
                                                 query: try queries[k % queries.count].map { try Query.parse($0) },
                                                 categories: k % 7 == 0 ? ["cs.LG"] : [], maxPapers: 1 + k % 6, paused: k % 97 == 0,
                                                 likes: k % 11 == 0 ? [paperIDs[k % paperIDs.count]] : []))
        }
        try store.importSubscribers(entries, prune: false, at: TestTime.now)
        for id in stride(from: Int64(1), through: Int64(count), by: 13) {
            try store.recordSentPapers(subscriberID: id, paperIDs: [paperIDs[Int(id) % paperIDs.count]], at: TestTime.now)
        }

        let url = try PostgresServer.shared().createDatabase()
        let copy = try sqlite.run(["db", "copy", "--to", url])
        #expect(copy.status == 0, "\(copy.stdout) \(copy.stderr)")
        #expect(copy.stdout.contains("100,000 subscribers"), "\(copy.stdout)")

        let postgres = try TestSetup(digest: "from: \"Paperboy <digest@lab.example.org>\"\nbase_url: https://lab.example.org", database: url)
        let copied = try postgres.store()
        #expect(try copied.subscribers().count == count)
        #expect(try copied.activeSubscriberCount() == store.activeSubscriberCount())
        #expect(try copied.paperCount() == store.paperCount())
        #expect(try copied.sentPaperIDs(since: TestTime.now.addingTimeInterval(-1)) == store.sentPaperIDs(since: TestTime.now.addingTimeInterval(-1)))

        // The same digests, to the same readers, with the same papers and subjects.
        let fromSQLite = try Self.plannedDigests(sqlite)
        let fromPostgres = try Self.plannedDigests(postgres)
        #expect(fromSQLite.count == count - (count + 96) / 97, "one digest per active reader: \(fromSQLite.count)")
        #expect(fromSQLite == fromPostgres, "first difference: \(zip(fromSQLite, fromPostgres).first { $0 != $1 }.map { "\($0) | \($1)" } ?? "counts \(fromSQLite.count) vs \(fromPostgres.count)")")
    }
}
