import Foundation
import PaperboyCore
import PaperboyStore
import PaperboyTestSupport
import Testing

/// `paperboy preview EMAIL --send-to ADDRESS`: a test send of a subscriber's digest.
@Suite(.serialized) struct PreviewSendToTests {
    @Test(.enabled(if: SMTPSink.isInstalled))
    func aTestGoesToTheOtherAddressMarkedAndChangesNothing() throws {
        let sink = try SMTPSink()
        let s = try SendDigestTests().setup(subscribers: 1, smtpURL: sink.url)
        let result = try s.run(["preview", "reader0@example.org", "--send-to", "me@lab.paperboy-tests.net", "--at", TestTime.digestAtText],
                               environment: ["PAPERBOY_SECRET": "0123456789abcdef0123456789"])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("sent a test of reader0@example.org's digest to me@lab.paperboy-tests.net"), "\(result.stdout)")
        #expect(result.stdout.contains("nothing was recorded"))
        let dump = sink.dump(expecting: 1)
        #expect(dump.contains("To: me@lab.paperboy-tests.net"), "\(dump.prefix(800))")
        #expect(!dump.contains("To: reader0@example.org"))
        // "[test] " leads the subject (as an encoded-word when the rest is not ASCII).
        #expect(dump.contains("Subject: [test] ") || dump.contains("Subject: =?utf-8?q?=5Btest=5D_"), "\(dump.prefix(800))")
        // Nothing recorded: the subscriber's own digest still goes out, with the same papers.
        let store = try s.store()
        #expect(try store.outboxCounts().isEmpty)
        let reader = try #require(try store.subscriber(try EmailAddress(parsing: "reader0@example.org")))
        #expect(try store.sentPaperIDs(subscriberID: reader.id).isEmpty)
    }

    @Test func aBadAddressOrTheDemoIsAUsageError() throws {
        let bad = try runPaperboy(["preview", "ada@example.org", "--demo", "--send-to", "not an address"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--send-to"), "\(bad.stderr)")
    }
}
