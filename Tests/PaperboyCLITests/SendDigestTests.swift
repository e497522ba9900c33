import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// `paperboy send-digest` end to end, against Postfix's smtp-sink on 127.0.0.1.
@Suite(.serialized) struct SendDigestTests {
    static let at = TestTime.digestAtText

    /// A database with the demo papers and `count` subscribers, and a config whose smtp.url is `url`.
    func setup(subscribers count: Int, smtpURL: String) throws -> TestSetup {
        let s = try TestSetup(digest: """
        from: "Paperboy <digest@lab.example.org>"
        base_url: https://lab.example.org
        smtp: {url: "\(smtpURL)", tls: none, connections: 4, retry: {initial: 1s, max: 2s}}
        """)
        let store = try s.store()
        try store.ingest(try DemoCorpus.papers(at: FeedDate.parse(Self.at)!.addingTimeInterval(-3600)), source: SourceState(name: "demo"), at: TestTime.now)
        var entries: [SubscriberPreferences] = []
        for k in 0..<count {
            entries.append(SubscriberPreferences(email: try EmailAddress(parsing: "reader\(k)@example.org"), maxPapers: 3))
        }
        try store.importSubscribers(entries, prune: false, at: TestTime.now)
        return s
    }

    func run(_ s: TestSetup, _ extra: [String] = []) throws -> CommandResult {
        try s.run(["send-digest", "--at", Self.at] + extra, environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
    }

    @Test func dryRunOnTheDemoNeedsNothing() throws {
        let out = try TestPaths.temporaryDirectory()
        let result = try runPaperboy(["send-digest", "--dry-run", "--demo", "--at", Self.at, "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("ada@example.org: 5 papers, \""))
        #expect(lines[3].hasPrefix("dry run at 2026-11-30 08:01Z: 3 digests would be sent; nothing was sent or written"))
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["ada@example.org.eml", "alan@example.org.eml", "grace@example.org.eml"])
    }

    @Test func dryRunOutWritesAFileForEveryLegalAddress() throws {
        let s = try setup(subscribers: 0, smtpURL: "smtp://127.0.0.1:9")
        // "/" is legal in a local part; 64 + 1 + 189 = 254 bytes is the longest address.
        let longest = String(repeating: "l", count: 64) + "@" + (0..<3).map { _ in String(repeating: "d", count: 61) }.joined(separator: ".") + ".org"
        let addresses = ["a/b@example.org", "a%2Fb@example.org", "x/.y@example.org", "-dash@example.org", longest]
        #expect(longest.utf8.count == 254)
        let entries = try addresses.map { SubscriberPreferences(email: try EmailAddress(parsing: $0), maxPapers: 3) }
        try s.store().importSubscribers(entries, prune: false, at: TestTime.now)
        let out = s.directory.appendingPathComponent("out")
        let result = try run(s, ["--dry-run", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("5 digests would be sent"), "\(result.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files.count == 5, "one file each, none in a sub-folder: \(files)")
        #expect(files.contains("a%2Fb@example.org.eml"))
        #expect(files.contains("a%252Fb@example.org.eml"), "a literal %2F is not confused with /")
        #expect(files.contains("x%2F.y@example.org.eml"))
        #expect(files.allSatisfy { $0.utf8.count <= 255 && $0.hasSuffix(".eml") })
        for file in files {
            let message = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            #expect(message.contains("\r\nTo: "), "\(file) holds a message")
        }
    }

    @Test func dryRunOpensNoConnectionAndLeavesTheDatabaseUnchanged() throws {
        let countFile = try TestPaths.temporaryDirectory().appendingPathComponent("connections")
        let listener = try PythonHelper(script: "tcp_listener.py", arguments: [countFile.path])
        let s = try setup(subscribers: 20, smtpURL: "smtp://127.0.0.1:\(listener.port)")
        let database = s.directory.appendingPathComponent("paperboy.sqlite")
        let wal = s.directory.appendingPathComponent("paperboy.sqlite-wal")
        let before = try Data(contentsOf: database)
        #expect((try? Data(contentsOf: wal))?.isEmpty ?? true, "the setup left nothing in the WAL")
        let result = try run(s, ["--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("20 digests would be sent"))
        #expect(try Data(contentsOf: database) == before, "the database file changed")
        #expect((try? Data(contentsOf: wal))?.isEmpty ?? true, "the dry run wrote to the WAL")
        #expect(try String(contentsOf: countFile, encoding: .utf8) == "0")
    }

    @Test func twoThousandSubscribersGetOneMessageEachAndASecondRunSendsNone() throws {
        let sink = try SMTPSink()
        let s = try setup(subscribers: 2000, smtpURL: sink.url)
        let first = try run(s)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("planned 2000, sent 2000, deferred 0, failed 0"), "\(first.stdout)")
        // smtp-sink -D appends every message to one file; grep counts fast.
        let dump = sink.dumpFile.path
        func count(_ pattern: String) throws -> String {
            try runTool("/bin/sh", ["-c", pattern.replacingOccurrences(of: "DUMP", with: "'\(dump)'")]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var messages = ""
        for _ in 0..<100 {
            messages = try count("grep -c '^X-Client-Addr:' DUMP")
            if messages == "2000" { break }
            usleep(50_000)
        }
        #expect(messages == "2000")
        #expect(try count("grep '^To: ' DUMP | sort -u | wc -l") == "2000", "one message per address")
        let second = try run(s)
        #expect(second.status == 0)
        #expect(second.stdout.contains("planned 0, sent 0"), "\(second.stdout)")
        usleep(300_000)
        #expect(try count("grep -c '^X-Client-Addr:' DUMP") == "2000")
    }

    @Test func aSoftRejectIsDeferredThenSentOnceTheServerAccepts() throws {
        let port: Int
        do {
            let rejecting = try SMTPSink(["-r", "RCPT"])
            port = rejecting.port
            let s = try setup(subscribers: 3, smtpURL: rejecting.url)
            let first = try run(s, ["-v"])
            #expect(first.status == 75, "\(first.stdout) \(first.stderr)")
            #expect(first.stdout.contains("sent 0, deferred 3, failed 0"))
            // Each log line (-v: warnings too) names the row, the subscriber's id and the mail's kind, never the address.
            let deferredLines = first.stderr.split(separator: "\n").filter { $0.contains("digest deferred") }
            #expect(deferredLines.count == 3, "\(first.stderr)")
            #expect(deferredLines.allSatisfy { $0.contains(" outbox.id=") && $0.contains(" subscriber.id=") && $0.contains(" mail.kind=digest") }, "\(deferredLines)")
            #expect(deferredLines.allSatisfy { !$0.contains("@example.org") && !$0.contains("subscriber.email") }, "\(deferredLines)")
            #expect(Set(deferredLines.compactMap { $0.split(separator: " ").first { $0.hasPrefix("subscriber.id=") } }).count == 3)
            let rows = try s.store().outboxRows(subscriberID: try #require(try s.subscribers().first).id)
            #expect(rows.first?.state == .deferred)
            #expect(rows.first?.lastReply?.hasPrefix("4") == true, "\(rows.first?.lastReply ?? "")")
            // The same config, now pointing at a sink that accepts; after the retry time (1 s) the rows go out.
            let accepting = try SMTPSink()
            let config = try String(contentsOfFile: s.config, encoding: .utf8).replacingOccurrences(of: "127.0.0.1:\(port)", with: "127.0.0.1:\(accepting.port)")
            try config.write(toFile: s.config, atomically: true, encoding: .utf8)
            let second = try s.run(["send-digest", "--at", "2026-11-30T08:01:10Z"], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
            #expect(second.stdout.contains("planned 0, sent 3, deferred 0, failed 0"), "\(second.stdout) \(second.stderr)")
            #expect(accepting.dump(expecting: 3).components(separatedBy: "X-Client-Addr: ").count - 1 == 3)
        }
    }

    @Test(arguments: [["-f", "RCPT"], ["-f", "DATA"]])
    func aHardRejectFailsForGoodWithTheReply(options: [String]) throws {
        let sink = try SMTPSink(options)
        let s = try setup(subscribers: 2, smtpURL: sink.url)
        let result = try run(s)
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("sent 0, deferred 0, failed 2"))
        let failedLines = result.stderr.split(separator: "\n").filter { $0.contains("digest failed for good") }
        #expect(failedLines.count == 2, "\(result.stderr)")
        #expect(failedLines.allSatisfy { $0.contains(" outbox.id=") && $0.contains(" subscriber.id=") && !$0.contains("@example.org") }, "\(failedLines)")
        let rows = try s.store().outboxRows(subscriberID: try #require(try s.subscribers().first).id)
        #expect(rows.first?.state == .failed)
        #expect(rows.first?.lastReply?.hasPrefix("5") == true, "\(rows.first?.lastReply ?? "")")
    }

    @Test func aDisconnectAtDataAndNoServerAreDeferredNothingLost() throws {
        let sink = try SMTPSink(["-Q", "DATA"])
        let s = try setup(subscribers: 2, smtpURL: sink.url)
        let dropped = try run(s)
        #expect(dropped.status == 75, "\(dropped.stdout) \(dropped.stderr)")
        #expect(dropped.stdout.contains("deferred 2"))

        let closed = try LoopbackPort.free()
        let t = try setup(subscribers: 2, smtpURL: "smtp://127.0.0.1:\(closed)")
        let nobody = try run(t)
        #expect(nobody.status == 75)
        #expect(nobody.stdout.contains("sent 0, deferred 2, failed 0"))
        #expect(try t.store().outboxCounts()[.deferred] == 2)
    }
}

/// Crash safety and the outbox rules.
@Suite(.serialized) struct DeliveryGuaranteeTests {
    @Test func killNineInTheMiddleThenARerunLosesNothingAndDoublesAtMostTheConnections() throws {
        let sink = try SMTPSink()
        let s = try SendDigestTests().setup(subscribers: 5000, smtpURL: sink.url)
        // Killed once some messages went out.
        let (atKill, _) = try Self.startAndKill(s, sink: sink, afterDelivered: 500)
        #expect(atKill > 0 && atKill < 5000, "killed after \(atKill) messages")
        try Self.rerunAndExpectEveryAddressOnce(s, sink: sink, subscribers: 5000, connections: 4)
    }

    /// The pipeline: composing goes on while the first digests are sent. A
    /// kill -9 then leaves some digests sent, some written and not sent, and
    /// some not planned at all; the rerun plans and sends the rest, and at
    /// most `smtp.connections` addresses get two.
    @Test func killNineWhileComposingAndSendingThenARerunLosesNothingAndDoublesAtMostTheConnections() throws {
        let sink = try SMTPSink()
        let s = try SendDigestTests().setup(subscribers: 5000, smtpURL: sink.url)
        let (atKill, rowsAtKill) = try Self.startAndKill(s, sink: sink, afterDelivered: 40)
        #expect(atKill > 0, "nothing was sent before the kill")
        // Sent before planning ended: the first digests left while later ones were still being composed.
        #expect(rowsAtKill < 5000, "planning had finished before the kill (\(rowsAtKill) rows, \(atKill) sent): the run did not send while composing")
        #expect(rowsAtKill >= atKill - 4, "every message sent had its outbox row first")
        try Self.rerunAndExpectEveryAddressOnce(s, sink: sink, subscribers: 5000, connections: 4)
    }

    /// Starts `send-digest`, kills it with SIGKILL once the sink has
    /// `afterDelivered` messages; returns the messages the sink had then and
    /// the outbox rows written.
    static func startAndKill(_ s: TestSetup, sink: SMTPSink, afterDelivered: Int) throws -> (delivered: Int, rows: Int) {
        let process = Process()
        process.executableURL = TestPaths.paperboyBinary
        process.arguments = ["send-digest", "--at", SendDigestTests.at, "--config", s.config]
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var before = 0
        for _ in 0..<3000 {
            before = try delivered(sink)
            if before >= afterDelivered || !process.isRunning { break }
            usleep(10_000)
        }
        #expect(process.isRunning, "the run finished before it could be killed; \(before) sent")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let rows = try s.store().outboxCounts().values.reduce(0, +)
        return (try delivered(sink), rows)
    }

    static let environment = ["PAPERBOY_SECRET": "0123456789abcdef0123456789"]

    static func delivered(_ sink: SMTPSink) throws -> Int {
        Int(try runTool("/bin/sh", ["-c", "grep -c '^X-Client-Addr:' '\(sink.dumpFile.path)' 2>/dev/null || echo 0"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// A rerun takes back the dead run's rows at once (its pid is gone), plans
    /// what it had not, and sends the rest: every address has its digest, at
    /// most `connections` have two, none has three.
    static func rerunAndExpectEveryAddressOnce(_ s: TestSetup, sink: SMTPSink, subscribers: Int, connections: Int) throws {
        let rerun = try s.run(["send-digest", "--at", SendDigestTests.at], environment: environment)
        #expect(rerun.status == 0, "\(rerun.stdout) \(rerun.stderr)")
        usleep(300_000)
        let dump = sink.dumpFile.path
        let perAddress = try runTool("/bin/sh", ["-c", "grep '^To: ' '\(dump)' | sort | uniq -c | awk '{print $1}' | sort | uniq -c"]).stdout
        // Lines like "   4996 1" and "      4 2": how many addresses got one message, and two.
        var histogram: [Int: Int] = [:]
        for line in perAddress.split(separator: "\n") {
            let fields = line.split(separator: " ").compactMap { Int($0) }
            if fields.count == 2 { histogram[fields[1]] = fields[0] }
        }
        #expect((histogram[1] ?? 0) + (histogram[2] ?? 0) == subscribers, "every subscriber has a message: \(histogram)")
        #expect((histogram[2] ?? 0) <= connections, "at most smtp.connections (\(connections)) got two: \(histogram)")
        #expect(histogram.keys.allSatisfy { $0 <= 2 })
        #expect(try s.store().outboxCounts()[.sent] == subscribers)
    }

    @Test func repeatedHardFailuresPauseTheSubscriberWithTheReason() throws {
        let sink = try SMTPSink(["-f", "RCPT"])
        let s = try SendDigestTests().setup(subscribers: 1, smtpURL: sink.url)
        let environment = ["PAPERBOY_SECRET": "0123456789abcdef0123456789"]
        // Three digests in three periods (--all gives each run a period of its own), each refused with 5xx.
        for minute in ["08:01", "08:02", "08:03"] {
            let result = try s.run(["send-digest", "--all", "--at", "2026-11-30T\(minute):00Z"], environment: environment)
            #expect(result.status == 1, "\(result.stdout)")
            // New papers for each digest: the first run sent (tried) three, the demo corpus has plenty.
        }
        let subscriber = try #require(try s.subscribers().first)
        #expect(subscriber.preferences.paused)
        #expect(subscriber.pausedReason?.hasPrefix("3 digests in a row failed for good; last reply: 5") == true, "\(subscriber.pausedReason ?? "")")
        let fourth = try s.run(["send-digest", "--all", "--at", "2026-11-30T08:04:00Z"], environment: environment)
        #expect(fourth.stdout.contains("planned 0"), "a paused subscriber gets nothing: \(fourth.stdout)")
    }

    @Test(arguments: StoreEngine.allCases) func outboxRulesInTheStore(engine: StoreEngine) throws {
        let store = try engine.makeStore()
        let t0 = Date(timeIntervalSince1970: 1_795_000_000)
        let ada = try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org")), at: t0)
        let digest = PlannedDigest(subscriberID: ada.id, periodKey: "daily 08:00 UTC|2026-11-18", recipient: "ada@example.org",
                                   sender: "d@example.org", subject: "S", messageID: "m@example.org", message: Array("x\r\n".utf8), paperIDs: ["2401.00001"])
        #expect(try store.plan([digest], at: t0) == 1)
        #expect(try store.plan([digest], at: t0) == 0, "a period is planned once")
        #expect(try store.sentPaperIDs(subscriberID: ada.id) == ["2401.00001"])

        // Two senders: the second finds nothing to claim while the first holds the row.
        let first = try store.claimDue(limit: 10, claimer: "host:1", at: t0, leaseUntil: t0.addingTimeInterval(600), isDead: { _ in false })
        #expect(first.count == 1)
        #expect(try store.claimDue(limit: 10, claimer: "host:2", at: t0, leaseUntil: t0.addingTimeInterval(600), isDead: { _ in false }).isEmpty)
        // The first dies: its row is taken back at once.
        let second = try store.claimDue(limit: 10, claimer: "host:2", at: t0, leaseUntil: t0.addingTimeInterval(600), isDead: { $0 == "host:1" })
        #expect(second.map(\.id) == first.map(\.id))

        // Deferred until the give-up age, then failed.
        let policy = DeliveryPolicy(giveUpAfter: 3600, pauseAfterFailures: 3)
        #expect(try store.record(.deferred(reply: "451 try later", retryAt: t0.addingTimeInterval(60)), for: second[0], at: t0, policy: policy) == .deferred)
        #expect(try store.claimDue(limit: 10, claimer: "h:3", at: t0.addingTimeInterval(30), leaseUntil: t0.addingTimeInterval(600), isDead: { _ in false }).isEmpty)
        let retry = try store.claimDue(limit: 10, claimer: "h:3", at: t0.addingTimeInterval(61), leaseUntil: t0.addingTimeInterval(600), isDead: { _ in false })
        #expect(retry.count == 1)
        #expect(try store.record(.deferred(reply: "451 still", retryAt: t0.addingTimeInterval(7200)), for: retry[0], at: t0.addingTimeInterval(3601), policy: policy) == .failed)
        #expect(try store.outboxRows(subscriberID: ada.id).first?.lastReply?.hasPrefix("gave up after 1 hours") == true)

        // An unsubscribe cancels a queued digest.
        let next = PlannedDigest(subscriberID: ada.id, periodKey: "daily 08:00 UTC|2026-11-19", recipient: "ada@example.org",
                                 sender: "d@example.org", subject: "S", messageID: "n@example.org", message: Array("x\r\n".utf8), paperIDs: [])
        try store.plan([next], at: t0)
        try store.unsubscribe(id: ada.id, at: t0)
        #expect(try store.claimDue(limit: 10, claimer: "h:4", at: t0.addingTimeInterval(10), leaseUntil: t0.addingTimeInterval(600), isDead: { _ in false }).isEmpty)
        #expect(try store.outboxCounts()[.cancelled] == 1)
    }
}

/// `paperboy check`.
@Suite struct CheckCLITests {
    @Test func checkSMTPNamesTheStepThatFailed() throws {
        let sink = try SMTPSink()
        let good = try SendDigestTests().setup(subscribers: 1, smtpURL: sink.url)
        let ok = try good.run(["check", "--smtp"], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        #expect(ok.stdout.contains("config: \(good.config) is valid"))
        #expect(ok.stdout.contains("smtp: \(sink.url): EHLO, QUIT all worked"))

        let closed = try LoopbackPort.free()
        let bad = try SendDigestTests().setup(subscribers: 1, smtpURL: "smtp://127.0.0.1:\(closed)")
        let refused = try bad.run(["check", "--smtp"], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
        #expect(refused.status == 69)
        #expect(refused.stdout.contains("smtp: smtp://127.0.0.1:\(closed): "))
        #expect(refused.stdout.lowercased().contains("connect"))
    }

    @Test func checkWithoutSMTPSectionIsAConfigError() throws {
        let s = try TestSetup(digest: "from: d@example.org\nbase_url: https://example.org")
        let result = try s.run(["check", "--smtp"], environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("smtp: missing"))
    }
}
