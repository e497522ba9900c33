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
}
