import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// `paperboy outbox list|retry|cancel`, the deferred line after `send-digest`, and the last digests in `subscriber show`.
@Suite(.serialized) struct OutboxCLITests {
    static let secret = ["PAPERBOY_SECRET": "0123456789abcdef0123456789"]

    /// Demo papers, `count` subscribers reader0… and an smtp section for `url` with a 5-minute first retry.
    func setup(subscribers count: Int, smtpURL: String) throws -> TestSetup {
        let s = try TestSetup(digest: """
        from: "Paperboy <digest@lab.example.org>"
        base_url: https://lab.example.org
        smtp: {url: "\(smtpURL)", tls: none, connections: 2, retry: {initial: 5m, max: 5m}}
        """)
        let store = try s.store()
        try store.ingest(try DemoCorpus.papers(at: TestTime.digestAt.addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: TestTime.now)
        let entries = try (0..<count).map { SubscriberPreferences(email: try EmailAddress(parsing: "reader\($0)@example.org"), maxPapers: 2) }
        try store.importSubscribers(entries, prune: false, at: TestTime.now)
        return s
    }

    func send(_ s: TestSetup, at: String = TestTime.digestAtText, _ extra: [String] = []) throws -> CommandResult {
        try s.run(["send-digest", "--at", at] + extra, environment: Self.secret)
    }

    func pointConfig(_ s: TestSetup, from old: Int, to new: Int) throws {
        let text = try String(contentsOfFile: s.config, encoding: .utf8).replacingOccurrences(of: "127.0.0.1:\(old)", with: "127.0.0.1:\(new)")
        try text.write(toFile: s.config, atomically: true, encoding: .utf8)
    }

    @Test func deferredDigestsAreShownListedAndRetriedNow() throws {
        let rejecting = try SMTPSink(["-r", "RCPT"])
        let s = try setup(subscribers: 2, smtpURL: rejecting.url)
        let first = try send(s)
        #expect(first.status == 75, "\(first.stdout) \(first.stderr)")
        #expect(first.stdout.contains("sent 0, deferred 2, failed 0"))
        // The retry is 5 minutes (± 20 % jitter) after 08:01.
        let deferredLine = try #require(first.stdout.split(separator: "\n").first { $0.hasPrefix("2 digests deferred, next try 2026-11-30 08:0") }, "\(first.stdout)")
        #expect(deferredLine.contains(" (4"), "the reply that deferred them: \(deferredLine)")
        #expect(deferredLine.hasSuffix("; `paperboy outbox retry --all` sends them now"))

        // The server is back, but the retry time has not come: the run says so and exits 75, not "all zeros, exit 0".
        let accepting = try SMTPSink()
        try pointConfig(s, from: rejecting.port, to: accepting.port)
        let quiet = try send(s, at: "2026-11-30T08:02:00Z")
        #expect(quiet.status == 75, "\(quiet.stdout) \(quiet.stderr)")
        #expect(quiet.stdout.contains("planned 0, sent 0, deferred 0, failed 0"))
        #expect(quiet.stdout.contains("2 digests deferred, next try 2026-11-30 08:0"), "\(quiet.stdout)")
        let dry = try send(s, at: "2026-11-30T08:02:00Z", ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("2 digests deferred, next try 2026-11-30 08:0"), "\(dry.stdout)")

        // outbox list: aligned, one line each, newest first; filters; JSON in snake_case.
        let list = try s.run(["outbox", "list"])
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(list.stdout)")
        #expect(lines[0].hasPrefix("ID  SUBSCRIBER           STATE     ATTEMPTS  PLANNED AT         NEXT TRY           LAST REPLY"), "\(lines[0])")
        #expect(lines[1].hasPrefix("2   reader1@example.org  deferred  1         2026-11-30 08:01Z  2026-11-30 08:0"), "\(lines[1])")
        #expect(lines[2].hasPrefix("1   reader0@example.org  deferred  1"), "\(lines[2])")
        #expect(lines.dropFirst().allSatisfy { $0.contains("Z  4") }, "the last reply follows the next try")
        let one = try s.run(["outbox", "list", "--subscriber", "reader0@example.org", "--state", "deferred"])
        #expect(one.stdout.split(separator: "\n").count == 2, "\(one.stdout)")
        let none = try s.run(["outbox", "list", "--state", "sent"])
        #expect(none.stdout == "no outbox rows match\n", "\(none.stdout)")
        let json = try s.run(["outbox", "list", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(Set(rows[0].keys) == ["id", "subscriber", "state", "attempts", "planned_at", "next_attempt_at", "last_reply"])
        #expect(rows[0]["state"] as? String == "deferred")
        #expect(rows[0]["planned_at"] as? String == "2026-11-30T08:01:00Z")
        let unknown = try s.run(["outbox", "list", "--subscriber", "nobody@example.org"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("no subscriber has the address nobody@example.org"))

        // retry --all: due now; the next run sends them.
        let retry = try s.run(["outbox", "retry", "--all", "--at", "2026-11-30T08:02:00Z"])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout.contains("1: deferred → due now\n"), "\(retry.stdout)")
        #expect(retry.stdout.contains("2 digests due now"), "\(retry.stdout)")
        let sent = try send(s, at: "2026-11-30T08:02:00Z")
        #expect(sent.status == 0, "\(sent.stdout) \(sent.stderr)")
        #expect(sent.stdout.contains("planned 0, sent 2, deferred 0, failed 0"), "\(sent.stdout)")
        #expect(!sent.stdout.contains("deferred, next try"))
        #expect(accepting.dump(expecting: 2).split(separator: "\n").filter { $0.hasPrefix("To: ") }.count == 2)
        let again = try s.run(["outbox", "retry", "--all"])
        #expect(again.stdout == "no deferred digests\n", "\(again.stdout)")

        // subscriber show lists the last digests with their state.
        let show = try s.run(["subscriber", "show", "reader0@example.org"])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("last digests (planned at, state, attempts, last reply):\n  2026-11-30 08:01Z  sent  2 attempts  2"), "\(show.stdout)")
    }

    @Test func retryTakesNamedFailedRowsButAllLeavesThem() throws {
        let sink = try SMTPSink(["-f", "RCPT"])
        let s = try setup(subscribers: 1, smtpURL: sink.url)
        let first = try send(s)
        #expect(first.status == 1, "\(first.stdout) \(first.stderr)")
        let all = try s.run(["outbox", "retry", "--all"])
        #expect(all.stdout == "no deferred digests\n", "\(all.stdout)")
        let named = try s.run(["outbox", "retry", "1", "--at", "2026-11-30T08:05:00Z"])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stdout.contains("1: failed → due now"), "\(named.stdout)")
        let entry = try #require(try s.store().outboxEntries().first)
        #expect(entry.state == .deferred)
        #expect(entry.nextAttemptAt == FeedDate.parse("2026-11-30T08:05:00Z")!)
        let neither = try s.run(["outbox", "retry"])
        #expect(neither.status == 64)
        #expect(neither.stderr.contains("name the rows to retry"), "\(neither.stderr)")
        let missing = try s.run(["outbox", "retry", "7"])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("not retried: 7 is not an outbox row"), "\(missing.stderr)")
    }

    @Test func cancelTakesWaitingRowsAndRefusesSentOnesChangingNothing() throws {
        let closed = try LoopbackPort.free()
        let s = try setup(subscribers: 3, smtpURL: "smtp://127.0.0.1:\(closed)")
        let first = try send(s)
        #expect(first.status == 75, "\(first.stdout) \(first.stderr)")
        // Row 3 is sent (as if a server had taken it).
        let store = try s.store()
        try store.record(.sent(reply: "250 ok"), for: try #require(try store.claimDue(limit: 10, claimer: "test:1", at: FeedDate.parse("2026-11-30T09:00:00Z")!,
            leaseUntil: FeedDate.parse("2026-11-30T10:00:00Z")!, isDead: { _ in false }).first { $0.id == 3 }), at: TestTime.digestAt, policy: DeliveryPolicy())
        try store.release(ids: [1, 2])

        let refused = try s.run(["outbox", "cancel", "1", "3", "9"])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("nothing cancelled: 3 was sent already, 9 is not an outbox row; only queued and deferred rows can be cancelled"), "\(refused.stderr)")
        #expect(try store.outboxEntries().first { $0.id == 1 }?.state == .deferred, "all or none")

        let cancel = try s.run(["outbox", "cancel", "1", "2"])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(cancel.stdout == "1: deferred → cancelled\n2: deferred → cancelled\n2 digests cancelled\n", "\(cancel.stdout)")
        let states = try store.outboxEntries().map(\.state)
        #expect(states == [.sent, .cancelled, .cancelled])
        let next = try send(s, at: "2026-11-30T09:00:00Z")
        #expect(next.stdout.contains("planned 0, sent 0, deferred 0, failed 0"), "\(next.stdout)")
        #expect(next.status == 0, "nothing waits: \(next.stdout)")
        let twice = try s.run(["outbox", "cancel", "2"])
        #expect(twice.stderr.contains("2 is cancelled already"), "\(twice.stderr)")
    }
}
