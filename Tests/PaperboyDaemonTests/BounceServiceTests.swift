import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The daemon's bounce service: it reads the return mailbox every
/// `bounce.interval`, backs off while the mailbox is down, and shows that in
/// `/healthz` and `/metrics`; a poll that works counts each message by kind.
@Suite(.serialized) struct BounceServiceTests {
    @Test func theWaitDoublesAfterEachFailureUpToAnHour() {
        #expect(BounceService.delay(interval: 300, failures: 0) == 300)
        #expect(BounceService.delay(interval: 300, failures: 1) == 600)
        #expect(BounceService.delay(interval: 300, failures: 2) == 1200)
        #expect(BounceService.delay(interval: 300, failures: 4) == 3600)
        #expect(BounceService.delay(interval: 300, failures: 500) == 3600)
        #expect(BounceService.delay(interval: 7200, failures: 3) == 7200, "never shorter than the interval")
    }

    /// A config whose bounce mailbox is `url` (user `bounces`, password in a file).
    /// Without `returnAddress`, no bounce.address: a report is traced by the address it names.
    static func bounceConfig(_ url: String, password: String, returnAddress: Bool = true) throws -> String {
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("bounce-password")
        try password.write(to: file, atomically: true, encoding: .utf8)
        return "bounce: {\(returnAddress ? "address: bounces@return.example.net, " : "")mailbox: \"\(url)\", tls: none, password_file: \(file.path)}"
    }

    @Test func aMailboxThatIsDownIsTriedAgainWithBackOffAndShownInHealthz() async throws {
        let closed = try LoopbackPort.free()
        let start = instant("2026-11-30T07:00Z")
        let harness = try DaemonHarness(start: start, extra: try Self.bounceConfig("imap://bounces@127.0.0.1:\(closed)/INBOX", password: "pw"))
        let endpoint = try await RunningEndpoint(harness, alongside: [harness.daemon.services().bounces])
        let clock = ContinuousClock()
        var attempts: [Date] = []
        var next = start.addingTimeInterval(30)
        for failures in 1...3 {
            harness.clock.advance(to: next)
            attempts.append(next)
            let deadline = clock.now.advanced(by: .seconds(60))
            while (harness.daemon.status.snapshot.bounceMailbox?.failuresInARow ?? 0) < failures || harness.daemon.status.snapshot.bounceMailbox?.nextPoll == nil
                    || harness.daemon.status.snapshot.bounceMailbox!.nextPoll! <= next, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            next = try #require(harness.daemon.status.snapshot.bounceMailbox?.nextPoll)
        }
        #expect(zip(attempts.dropFirst(), attempts).map { $0.timeIntervalSince($1) } == [600, 1200], "back-off: twice, then four times the 5 minutes")
        #expect(next.timeIntervalSince(attempts[2]) == 2400)
        let health = try await endpoint.adminRequest("GET", "/healthz")
        let metrics = try await endpoint.adminRequest("GET", "/metrics")
        try await endpoint.stop()
        #expect(health.status == 503)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        let problems = try #require(json["problems"] as? [String])
        #expect(problems.contains { $0.hasPrefix("bounce mailbox imap://127.0.0.1:\(closed)/INBOX: the last 3 polls failed: ") }, "\(problems)")
        let mailbox = try #require(json["bounce_mailbox"] as? [String: Any])
        #expect(mailbox["failures_in_a_row"] as? Int == 3)
        #expect(mailbox["last_success"] == nil)
        #expect(metrics.body.contains("paperboy_bounce_polls_failed_total 3"), "\(metrics.body)")
        #expect(harness.log.text.contains("reading the return mailbox failed"), "\(harness.log.text)")
    }

    @Test func aReloadThatPointsAtAnotherMailboxStartsTheBackOffAfresh() async throws {
        let start = instant("2026-11-30T07:00Z")
        let first = try LoopbackPort.free()
        let harness = try DaemonHarness(start: start, extra: try Self.bounceConfig("imap://bounces@127.0.0.1:\(first)/INBOX", password: "pw"))
        let endpoint = try await RunningEndpoint(harness, alongside: [harness.daemon.services().bounces])
        let clock = ContinuousClock()
        /// Moves the clock to `time` and waits for the poll there to fail and plan the next.
        func failedPoll(at time: Date) async throws -> (failures: Int, next: Date) {
            harness.clock.advance(to: time)
            let deadline = clock.now.advanced(by: .seconds(60))
            while (harness.daemon.status.snapshot.bounceMailbox?.nextPoll ?? .distantPast) <= time, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let state = try #require(harness.daemon.status.snapshot.bounceMailbox)
            return (state.failuresInARow, try #require(state.nextPoll))
        }
        var poll = try await failedPoll(at: start.addingTimeInterval(30))
        poll = try await failedPoll(at: poll.next)
        #expect(poll.failures == 2)
        // Another mailbox (as unreachable): its first failure is its first.
        let second = try LoopbackPort.free()
        try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9", extra: try Self.bounceConfig("imap://bounces@127.0.0.1:\(second)/INBOX", password: "pw"))
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(harness.daemon.reload())
        let at = poll.next
        poll = try await failedPoll(at: at)
        try await endpoint.stop()
        #expect(poll.failures == 1, "counted afresh for the new mailbox")
        #expect(poll.next.timeIntervalSince(at) == 600, "twice the interval, not eight times")
        #expect(harness.daemon.status.snapshot.bounceMailbox?.url == "imap://127.0.0.1:\(second)/INBOX")
    }

    @Test func sendingGoesOnWhileTheMailboxIsDownAndDigestsLeaveFromTheReturnPath() async throws {
        let sink = try SMTPSink()
        let closed = try LoopbackPort.free()
        let start = instant("2026-11-30T07:00Z")
        let harness = try DaemonHarness(start: start, smtpURL: sink.url,
                                        extra: try Self.bounceConfig("imap://bounces@127.0.0.1:\(closed)/INBOX", password: "pw"))
        try harness.addPapers(at: start.addingTimeInterval(-3600))
        let ada = try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start.addingTimeInterval(-86400 * 2))
        let services = harness.daemon.services()
        let endpoint = try await RunningEndpoint(harness, alongside: [services.bounces])
        // Three failed polls: 07:00:30, 07:10:30, 07:30:30.
        let clock = ContinuousClock()
        var next = start.addingTimeInterval(30)
        for failures in 1...3 {
            harness.clock.advance(to: next)
            let deadline = clock.now.advanced(by: .seconds(60))
            while (harness.daemon.status.snapshot.bounceMailbox?.failuresInARow ?? 0) < failures, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            next = try #require(harness.daemon.status.snapshot.bounceMailbox?.nextPoll)
        }
        #expect(try await endpoint.adminRequest("GET", "/healthz").status == 503)
        #expect(try services.scheduler.tick(at: instant("2026-11-30T08:00Z")).planned == 1)
        harness.clock.advance(to: instant("2026-11-30T08:01Z"))
        #expect(try services.sender.deliver().sent == 1, "the mailbox being down holds nothing up")
        try await endpoint.stop()
        let dump = sink.dump(expecting: 1)
        let mailFrom = try #require(dump.split(separator: "\n").first { $0.hasPrefix("X-Mail-Args: ") })
        let sender = String(mailFrom.dropFirst("X-Mail-Args: ".count).split(separator: " ").first ?? "")
        let returnPath = ReturnPath(address: try EmailAddress(parsing: "bounces@return.example.net"), secret: Array(DaemonHarness.secret.utf8))
        let claim = try #require(returnPath.claim(in: sender), "the daemon sends from the signed return path: \(sender)")
        #expect(returnPath.verify(claim, recipient: "ada@example.org"))
        #expect(try harness.store.outboxAddressee(id: claim.outboxID)?.subscriberID == ada.id)
        #expect(dump.contains("From: Paperboy <digest@lab.example.org>"))
    }

    @Test func aPollThatWorksCountsEachMessageByKindAndClearsTheProblem() async throws {
        try #require(DovecotServer.isInstalled, "needs dovecot-imapd (.ci/run installs it)")
        let dovecot = try DovecotServer()
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"),
                                        extra: try Self.bounceConfig("imap://bounces@127.0.0.1:\(dovecot.imapPort)/INBOX", password: dovecot.password,
                                                                                    returnAddress: false))
        let ada = try harness.addSubscriber("ada@example.org", at: instant("2026-11-30T07:00Z"))
        try dovecot.deliver(Array(BounceMessages.arf(complainer: "ada@example.org").utf8), to: "bounces@return.example.net")
        try dovecot.deliver(Array(BounceMessages.plain(from: "x@example.org", to: "bounces@return.example.net", subject: "Hi").utf8),
                            to: "bounces@return.example.net")
        let reading = try #require(harness.daemon.runtime.runtime.bounces)
        let service = harness.daemon.services().bounces
        let report = try service.poll(reading)
        #expect(report.items.map(\.kind) == [.complaint, .unknown])
        #expect(try harness.store.subscriber(id: ada.id)?.status == .unsubscribed)
        let metrics = harness.daemon.metrics.render()
        #expect(metrics.contains("paperboy_bounces_total{kind=\"complaint\"} 1"), "\(metrics)")
        #expect(metrics.contains("paperboy_bounces_total{kind=\"unknown\"} 1"))
        #expect(metrics.contains("paperboy_bounces_total{kind=\"hard\"} 0"))
        #expect(harness.daemon.status.snapshot.bounceMailbox?.lastSuccess == harness.clock.now())
        #expect(harness.daemon.status.bounceMailboxProblem == nil)
        #expect(harness.log.text.contains("a message in the return mailbox changed a subscriber"), "\(harness.log.text)")
    }
}
