import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// `retention:`: old message bodies, outbox rows and sent-log entries are
/// pruned (by `paperboy db prune` and by the daemon once a day), never what
/// "one digest per period" and "never the same paper twice" need.
@Suite(.serialized) struct RetentionTests {
    static let now = FeedDate.parse("2026-11-30T08:01:00Z")!
    static let secret = ["PAPERBOY_SECRET": "0123456789abcdef0123456789"]

    static func day(_ offset: Double) -> Date { now.addingTimeInterval(offset * 86400) }

    static func paper(_ id: String, _ title: String, firstSeen: Date) -> Paper {
        Paper(id: id, title: title, abstract: "About \(title.lowercased()).", authors: ["Ada Lovelace"], categories: ["cs.LG"],
              firstSeenAt: firstSeen, upvotes: 10, links: PaperLinks(abstract: "https://arxiv.org/abs/\(id)"))
    }

    /// A digest for `subscriber` holding `papers`, planned at `time` and sent at once.
    static func sendDigest(_ store: Store, _ subscriber: Subscriber, papers: [String], at time: Date) throws {
        let key = time.formatted(.iso8601.year().month().day())
        let digest = PlannedDigest(subscriberID: subscriber.id, periodKey: key, recipient: subscriber.email.description,
                                   sender: "digest@lab.example.org", subject: "Papers \(key)", messageID: "<\(key)@lab.example.org>",
                                   message: Array("Subject: Papers \(key)\r\n\r\n\(papers.joined(separator: " "))\r\n".utf8), paperIDs: papers)
        #expect(try store.plan([digest], at: time) == 1)
        let claimed = try store.claimDue(limit: 10, claimer: "test:1", at: time, leaseUntil: time.addingTimeInterval(600), isDead: { _ in false })
        for message in claimed {
            #expect(try store.record(.sent(reply: "250 ok"), for: message, at: time.addingTimeInterval(60), policy: DeliveryPolicy()) == .sent)
        }
    }

    /// Alpha went out 4 days ago (inside the 7-day look-back, older than the
    /// 1-day sent-log retention); Beta 29 days ago (outside both); Gamma is
    /// new. Bodies are kept 2 days, rows 14.
    func setup() throws -> TestSetup {
        let s = try TestSetup(digest: """
        digest: {lookback: 7d, schedule: daily 08:00 UTC, max_papers: 5}
        retention: {message_bodies: 2d, outbox_rows: 14d, sent_log: 1d}
        from: "Paperboy <digest@lab.example.org>"
        base_url: https://lab.example.org
        """)
        let store = try s.store()
        try store.ingest([Self.paper("2611.00001", "Alpha paper", firstSeen: Self.day(-5)),
                          Self.paper("2610.00002", "Beta paper", firstSeen: Self.day(-30)),
                          Self.paper("2611.00003", "Gamma paper", firstSeen: Self.day(-0.5))],
                         source: SourceState(name: "demo"), at: Self.day(-0.5))
        let ada = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: Self.day(-60))
        try Self.sendDigest(store, ada, papers: ["2610.00002"], at: Self.day(-29))
        try Self.sendDigest(store, ada, papers: ["2611.00001"], at: Self.day(-4))
        return s
    }

    @Test func dbPruneRemovesOldBodiesRowsAndLogEntriesButNeverMailsAPaperTwice() throws {
        let s = try setup()
        let result = try s.run(["db", "prune", "--at", "2026-11-30T08:01:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("message bodies: emptied 1 "), "\(result.stdout)")
        #expect(result.stdout.contains("outbox rows: deleted 1 "), "\(result.stdout)")
        // Alpha's entry is older than sent_log (1d) but inside the look-back (7d): kept.
        #expect(result.stdout.contains("sent log: deleted 1 entries planned before 2026-11-23"), "\(result.stdout)")

        let store = try s.store()
        let ada = try #require(try store.subscriber(try EmailAddress(parsing: "ada@example.org")))
        #expect(try store.sentPaperIDs(subscriberID: ada.id) == ["2611.00001"])
        let rows = try store.outboxRows(subscriberID: ada.id)
        #expect(rows.map(\.periodKey) == ["2026-11-26"], "the 29-day-old row is gone, the 4-day-old one stays")
        #expect(try store.outboxCounts() == [.sent: 1])
        #expect(try store.outboxCounts() == store.outboxCountsByScan())

        // Today's digest: Gamma, and not Alpha again.
        let out = try TestPaths.temporaryDirectory()
        let dry = try s.run(["send-digest", "--dry-run", "--at", "2026-11-30T08:01:00Z", "--out", out.path], environment: Self.secret)
        #expect(dry.status == 0, "\(dry.stderr)")
        let message = try String(contentsOf: out.appendingPathComponent("ada@example.org.eml"), encoding: .utf8)
        #expect(message.contains("Gamma paper"))
        #expect(!message.contains("Alpha paper"), "a paper still inside the look-back window was mailed a second time")

        // Again: nothing left to prune.
        let again = try s.run(["db", "prune", "--at", "2026-11-30T08:01:00Z"])
        #expect(again.stdout.contains("emptied 0 ") && again.stdout.contains("outbox rows: deleted 0 ") && again.stdout.contains("sent log: deleted 0 "))
    }

    @Test func aLongerLookBackAfterAPruneDoesNotMailAForgottenPaperAgain() throws {
        let s = try setup()
        // Beta's send (29 days ago) is pruned with the 7-day look-back in force.
        let prune = try s.run(["db", "prune", "--at", "2026-11-30T08:01:00Z"])
        #expect(prune.stdout.contains("sent log: deleted 1 entries"), "\(prune.stdout)")
        #expect(try s.store().sentLogHorizon() == Self.day(-7))
        // Then the operator widens the look-back to 60 days: Beta (first seen
        // 30 days ago) is inside it, but its send is forgotten.
        let yaml = try String(contentsOfFile: s.config, encoding: .utf8).replacingOccurrences(of: "lookback: 7d", with: "lookback: 60d")
        try yaml.write(toFile: s.config, atomically: true, encoding: .utf8)
        let out = try TestPaths.temporaryDirectory()
        let dry = try s.run(["send-digest", "--dry-run", "--at", "2026-11-30T08:01:00Z", "--out", out.path], environment: Self.secret)
        #expect(dry.status == 0, "\(dry.stderr)")
        let message = try String(contentsOf: out.appendingPathComponent("ada@example.org.eml"), encoding: .utf8)
        #expect(message.contains("Gamma paper"))
        #expect(!message.contains("Beta paper"), "a paper whose send was pruned was mailed a second time")
        #expect(!message.contains("Alpha paper"))
    }

    @Test func aDryRunCountsAndChangesNoByte() throws {
        let s = try setup()
        let database = s.directory.appendingPathComponent("paperboy.sqlite")
        let wal = s.directory.appendingPathComponent("paperboy.sqlite-wal")
        let before = try Data(contentsOf: database)
        #expect((try? Data(contentsOf: wal))?.isEmpty ?? true, "the setup left something in the WAL")
        let result = try s.run(["db", "prune", "--dry-run", "--at", "2026-11-30T08:01:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("message bodies: would empty 1 "), "\(result.stdout)")
        #expect(result.stdout.contains("outbox rows: would delete 1 "))
        #expect(result.stdout.contains("sent log: would delete 1 "))
        #expect(result.stdout.contains("dry run: nothing was changed"))
        #expect(try Data(contentsOf: database) == before, "the database file changed")
        #expect((try? Data(contentsOf: wal))?.isEmpty ?? true, "the dry run wrote to the WAL")
        let store = try s.store()
        #expect(try store.outboxCounts() == [.sent: 2])
        #expect(try store.sentPaperIDs(since: Self.day(-60)).values.map(\.count) == [2])
    }

    @Test(arguments: StoreEngine.allCases) func theKeptOutboxCountsFollowEveryChange(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        func check(_ expected: [OutboxState: Int], _ comment: Comment) throws {
            #expect(try store.outboxCounts() == expected, comment)
            #expect(try store.outboxCounts() == store.outboxCountsByScan(), comment)
        }
        let ada = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: Self.day(-60))
        let bob = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "bob@example.org")), at: Self.day(-60))
        try check([:], "empty")
        try Self.sendDigest(store, ada, papers: ["2611.00001"], at: Self.day(-3))
        try check([.sent: 1], "planned, claimed, sent")
        let digests = (0..<3).map { k in
            PlannedDigest(subscriberID: bob.id, periodKey: "p\(k)", recipient: "bob@example.org", sender: "digest@lab.example.org",
                          subject: "s", messageID: "<\(k)@x>", message: [65], paperIDs: [])
        }
        try store.plan(digests, at: Self.day(-1))
        try check([.sent: 1, .queued: 3], "three queued")
        let claimed = try store.claimDue(limit: 2, claimer: "test:1", at: Self.day(-1), leaseUntil: Self.day(0), isDead: { _ in false })
        try check([.sent: 1, .queued: 1, .sending: 2], "two claimed")
        _ = try store.record(.deferred(reply: "451", retryAt: Self.day(-0.5)), for: claimed[0], at: Self.day(-1), policy: DeliveryPolicy())
        try store.cancel(ids: [claimed[1].id], reason: "test", at: Self.day(-1))
        try check([.sent: 1, .queued: 1, .deferred: 1, .cancelled: 1], "deferred and cancelled")
        // Forgetting a subscriber deletes their rows (a cascade): the counts follow.
        try store.removeSubscriber(bob.email)
        try check([.sent: 1], "bob's rows deleted with bob")
        _ = try store.prune(PruneCutoffs(at: Self.day(400), retention: RetentionSettings(), lookback: 7 * 86400), dryRun: false)
        try check([:], "pruned")
    }

    @Test func theSentLogKeepsAtLeastTheLookBack() {
        var retention = RetentionSettings()
        retention.sentLog = 86400
        let cutoffs = PruneCutoffs(at: Self.now, retention: retention, lookback: 30 * 86400)
        #expect(cutoffs.sentLog == Self.day(-30))
        // Rows outlive the longest schedule period (a week) whatever the config says.
        retention.outboxRows = 86400
        #expect(PruneCutoffs(at: Self.now, retention: retention, lookback: 7 * 86400).outboxRows <= Self.day(-8))
    }

    @Test func retentionKeysAreReadAndCheckedAndDocumented() throws {
        let base = "database: x.sqlite\nsources: [{name: a, type: json, url: \"file:///dev/null\"}]\n"
        let config = try PaperboyConfig.parse(base + "retention: {message_bodies: 10d, outbox_rows: 90d, sent_log: 730d}", file: "t.yaml")
        #expect(config.retention.messageBodies == 10 * 86400)
        #expect(config.retention.outboxRows == 90 * 86400)
        #expect(config.retention.sentLog == 730 * 86400)
        #expect(try PaperboyConfig.parse(base, file: "t.yaml").retention == RetentionSettings())
        let short = #expect(throws: ConfigError.self) { try PaperboyConfig.parse(base + "retention: {outbox_rows: 2d}", file: "t.yaml") }
        #expect(short?.description.contains("retention.outbox_rows") == true)
        let typo = #expect(throws: ConfigError.self) { try PaperboyConfig.parse(base + "retention: {sent_logs: 30d}", file: "t.yaml") }
        #expect(typo?.description.contains("sent_log") == true)
        let root = TestPaths.projectRoot
        let sample = try String(contentsOf: root.appendingPathComponent("deploy/paperboy.yaml"), encoding: .utf8)
        let parsed = try PaperboyConfig.parse(sample, file: "paperboy.yaml")
        #expect(parsed.retention == RetentionSettings(), "deploy/paperboy.yaml should show the defaults")
        for key in ["retention:", "message_bodies:", "outbox_rows:", "sent_log:", "idle_timeout:", "max_connections:"] {
            #expect(sample.contains(key), "deploy/paperboy.yaml does not document \(key)")
        }
    }

    @Test func theDaemonPrunesOnceADayOnItsClock() async throws {
        let start = Self.now
        let harness = try DaemonHarness(start: start, extra: "retention: {message_bodies: 2d, outbox_rows: 14d, sent_log: 1d}")
        let ada = try harness.addSubscriber("ada@example.org", at: Self.day(-60))
        try Self.sendDigest(harness.store, ada, papers: ["2610.00002"], at: Self.day(-29))
        try Self.sendDigest(harness.store, ada, papers: ["2611.00001"], at: Self.day(-1.5))
        let service = harness.daemon.services().retention
        let task = Task { try await service.run() }
        func waitForPrune(after time: Date?) async throws -> Date? {
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                let last = harness.daemon.status.snapshot.lastPrune
                if let last, last != time { return last }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
        /// Waits until the service sleeps on the clock until `deadline`.
        func waitForSleep(until deadline: Date) async throws {
            let limit = ContinuousClock.now + .seconds(120)
            while harness.clock.sleeping.earliest != deadline && ContinuousClock.now < limit {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        // Nothing before the first prune is due (5 minutes after start).
        try await waitForSleep(until: start.addingTimeInterval(300))
        #expect(try harness.store.outboxRows(subscriberID: ada.id).count == 2)
        harness.clock.advance(to: start.addingTimeInterval(301))
        let first = try await waitForPrune(after: nil)
        #expect(first == start.addingTimeInterval(301))
        #expect(try harness.store.outboxRows(subscriberID: ada.id).count == 1, "the 29-day-old row was not pruned")
        #expect(try harness.store.sentPaperIDs(subscriberID: ada.id) == ["2611.00001"])
        // A day later, the next: the 1.5-day-old body is now older than 2 days.
        try await waitForSleep(until: start.addingTimeInterval(301 + 86400))
        harness.clock.advance(to: start.addingTimeInterval(301 + 86400))
        let second = try await waitForPrune(after: first)
        #expect(second == start.addingTimeInterval(301 + 86400))
        #expect(try harness.store.prune(PruneCutoffs(at: harness.clock.now(), retention: harness.daemon.runtime.runtime.config.retention,
                                                     lookback: 7 * 86400), dryRun: true).isEmpty)
        task.cancel()
        try await task.value
    }
}
