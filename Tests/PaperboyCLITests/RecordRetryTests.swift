import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// A delivery outcome is recorded even when another process holds the
/// database's write lock longer than the busy timeout: the sender waits and
/// retries instead of giving up, so no digest goes out twice.
@Suite(.serialized) struct RecordRetryTests {
    static let at = "2026-11-30T08:01:00Z"
    static let secret = ["PAPERBOY_SECRET": "0123456789abcdef0123456789"]

    @Test(.enabled(if: AioSMTPServer.isInstalled, "needs python3-aiosmtpd"))
    func aWriteLockHeldFifteenSecondsRightAfterThe250SendsNoSecondCopy() throws {
        let time = FeedDate.parse(Self.at)!
        // The config and database first: the server needs the database's path.
        let s = try TestSetup(digest: "")
        let database = s.directory.appendingPathComponent("paperboy.sqlite").path
        let server = try AioSMTPServer(mode: .plain, extra: ["--lock-db", database, "--lock-seconds", "15"])
        try """
            database: paperboy.sqlite
            sources: [{name: demo, type: json, url: "file:///dev/null"}]
            from: "Paperboy <digest@lab.example.org>"
            base_url: https://lab.example.org
            smtp: {url: "\(server.url)", tls: none, connections: 2, retry: {initial: 1s, max: 2s}}
            """.write(toFile: s.config, atomically: true, encoding: .utf8)
        do {
            let store = try s.store()
            try store.ingest(try DemoCorpus.papers(at: time.addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: time.addingTimeInterval(-3600))
            let readers = try (0..<4).map { SubscriberPreferences(email: try EmailAddress(parsing: "reader\($0)@example.org"), maxPapers: 3) }
            try store.importSubscribers(readers, prune: false, at: time.addingTimeInterval(-2 * 86400))
        }

        // The 250 of the first message comes once a `subscriber import`-like
        // writer holds the lock, for 15 s: longer than the 10 s busy timeout.
        let first = try s.run(["send-digest", "--at", Self.at, "--verbose"], environment: Self.secret)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("sent 4, deferred 0, failed 0"), "\(first.stdout)")
        #expect(first.stderr.contains("the database is busy; waiting to record a delivery outcome"), "no log line while it waited: \(first.stderr)")

        let store = try s.store()
        for subscriber in try store.subscribers() {
            let rows = try store.outboxRows(subscriberID: subscriber.id)
            #expect(rows.map(\.state) == [.sent], "\(subscriber.email): \(rows)")
        }
        // A later run (the lease long over) finds nothing to send again.
        let second = try s.run(["send-digest", "--at", "2026-11-30T10:01:00Z"], environment: Self.secret)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("sent 0"), "\(second.stdout)")

        let recipients = server.messages().map { $0.envelope.split(separator: "\n").last.map(String.init) ?? "" }
        #expect(recipients.count == 4, "\(recipients)")
        #expect(Set(recipients) == Set((0..<4).map { "reader\($0)@example.org" }), "each subscriber exactly one message: \(recipients)")
    }
}
