import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The period keys `send-digest` writes to the outbox are the ones databases
/// in the field already hold: a rerun in the same minute plans nothing again.
/// The Message-ID sent is built from that key.
@Suite(.serialized) struct PeriodKeyCLITests {
    @Test func sendDigestAllStoresTheMinuteKeyAndARerunPlansNothing() throws {
        let sink = try SMTPSink()
        let s = try SendDigestTests().setup(subscribers: 1, smtpURL: sink.url)
        let environment = ["PAPERBOY_SECRET": "0123456789abcdef0123456789"]
        let first = try s.run(["send-digest", "--all", "--at", "2026-11-30T08:01:30Z"], environment: environment)
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        let subscriber = try #require(try s.subscribers().first)
        #expect(try s.store().outboxRows(subscriberID: subscriber.id).map(\.periodKey) == ["all:2026-11-30 08:01Z"])
        // The Message-ID is MessageID.make's: the period, the subscriber once, a random part.
        let messageID = try #require(sink.dump(expecting: 1).split(whereSeparator: \.isNewline).first { $0.hasPrefix("Message-ID: ") })
        #expect(messageID.hasPrefix("Message-ID: <all-2026-11-3008-01Z.\(subscriber.id).") && messageID.hasSuffix("@lab.example.org>"), "\(messageID)")
        let again = try s.run(["send-digest", "--all", "--at", "2026-11-30T08:01:59Z"], environment: environment)
        #expect(again.stdout.contains("planned 0"), "\(again.stdout)")
        let scheduled = try s.run(["send-digest", "--at", "2026-11-30T08:05:00Z"], environment: environment)
        #expect(scheduled.status == 0, "\(scheduled.stdout) \(scheduled.stderr)")
        #expect(try s.store().outboxRows(subscriberID: subscriber.id).map(\.periodKey).sorted() == ["all:2026-11-30 08:01Z", "daily 08:00 UTC|2026-11-30"])
    }
}
