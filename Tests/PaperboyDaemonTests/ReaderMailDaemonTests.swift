import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The reader's side in the daemon: unconfirmed requests expire on the
/// scheduler's tick, and a confirmation mail goes out through the sender's
/// SMTP path as soon as it is queued.
@Suite(.serialized) struct ReaderMailDaemonTests {
    func desk(_ harness: DaemonHarness) -> ReaderDesk {
        let runtime = harness.daemon.runtime.runtime
        return ReaderDesk(store: harness.store, config: runtime.config, composer: runtime.composer)
    }

    @Test func aPendingSubscriberOlderThanPendingDaysIsGoneAfterTheNextTick() throws {
        let start = TestTime.now
        let harness = try DaemonHarness(start: start, extra: "web: {pending_days: 2}")
        let email = try EmailAddress(parsing: "stranger@example.org")
        #expect(try desk(harness).requestSubscription(SubscriberPreferences(email: email), at: start) == .confirmationQueued)
        let scheduler = harness.daemon.services().scheduler
        try scheduler.tick(at: start.addingTimeInterval(2 * 86400 - 60))
        #expect(try harness.store.subscriber(email)?.status == .pending)
        try scheduler.tick(at: start.addingTimeInterval(2 * 86400 + 60))
        #expect(try harness.store.subscriber(email) == nil)
        #expect(harness.log.text.contains("unconfirmed subscribe requests expired"), "\(harness.log.text)")
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func aConfirmationMailGoesOutThroughTheSenderAtOnce() throws {
        let sink = try SMTPSink()
        let start = TestTime.now
        let harness = try DaemonHarness(start: start, smtpURL: sink.url)
        let email = try EmailAddress(parsing: "new-reader@example.org")
        #expect(try desk(harness).requestSubscription(SubscriberPreferences(email: email), at: start) == .confirmationQueued)
        // Due at once: the next delivery run (no digest time to wait for) sends it.
        let counts = try harness.daemon.services().sender.deliver()
        #expect(counts.sent == 1)
        let dump = sink.dump(expecting: 1)
        #expect(dump.contains("To: new-reader@example.org"), "\(dump.prefix(800))")
        #expect(dump.contains("Subject: Confirm your subscription"), "\(dump.prefix(800))")
        #expect(dump.contains("/confirm?t"), "\(dump.prefix(2000))")
        #expect(try harness.store.subscriber(email)?.status == .pending)
        #expect(try harness.store.outboxRows(subscriberID: try #require(try harness.store.subscriber(email)).id).map(\.state) == [.sent])
    }

    @Test(.enabled(if: SMTPSink.isInstalled))
    func aRefusedConfirmationMailIsLoggedByIdAndKindNeverByAddress() throws {
        let sink = try SMTPSink(["-f", "RCPT"])
        let start = TestTime.now
        let harness = try DaemonHarness(start: start, smtpURL: sink.url)
        // A stranger's typo: the address is no business of the log's.
        let email = try EmailAddress(parsing: "typo-reader@example.org")
        #expect(try desk(harness).requestSubscription(SubscriberPreferences(email: email), at: start) == .confirmationQueued)
        let id = try #require(try harness.store.subscriber(email)).id
        let counts = try harness.daemon.services().sender.deliver()
        #expect(counts.failed == 1)
        let log = harness.log.text
        let failed = log.split(separator: "\n").filter { $0.contains("failed for good") }
        #expect(failed.count == 1, "\(log)")
        #expect(failed.allSatisfy { $0.contains("confirmation mail failed for good") && $0.contains("subscriber.id=\(id)") && $0.contains("mail.kind=confirmation") },
                "\(failed)")
        #expect(!log.contains("typo-reader"), "the log names the address: \(log)")
        #expect(!log.contains("subscriber.email"), "\(log)")
    }
}
