import Foundation
import PaperboyCore
import Testing

/// The one Message-ID builder.
@Suite struct MessageIDTests {
    /// Always the same numbers, so the id can be pinned.
    struct Counting: RandomNumberGenerator {
        var state: UInt64 = 0xabc
        mutating func next() -> UInt64 {
            state += 1
            return state
        }
    }

    @Test func aPlannedDigestCarriesItsPeriodAndTheSubscriberOnce() {
        var random = Counting()
        let id = MessageID.make(subscriberID: 42, period: "daily 08:00 UTC|2026-11-30", domain: "example.org", using: &random)
        #expect(id == "daily08-00UTC|2026-11-30.42.abdabe@example.org")
        var again = Counting()
        let all = MessageID.make(subscriberID: 7, period: "all:2026-11-30 08:01Z", domain: "lab.example.org", using: &again)
        #expect(all == "all-2026-11-3008-01Z.7.abdabe@lab.example.org")
    }

    @Test func anUnplannedMessageHasNoPeriod() {
        var random = Counting()
        #expect(MessageID.make(subscriberID: 42, period: nil, domain: "example.org", using: &random) == "42.abdabe@example.org")
        // From the system's generator: two ids differ.
        #expect(MessageID.make(subscriberID: 1, period: nil, domain: "x.org") != MessageID.make(subscriberID: 1, period: nil, domain: "x.org"))
    }

    @Test func theHeaderCarriesTheIdAsBuilt() {
        var random = Counting()
        let id = MessageID.make(subscriberID: 42, period: "weekly mon,thu 07:30 Europe/Berlin|2026-11-30", domain: "example.org", using: &random)
        let message = MailMessage(
            from: MailAddress(email: try! EmailAddress(parsing: "digest@example.org"), displayName: nil),
            to: MailAddress(email: try! EmailAddress(parsing: "ada@example.com"), displayName: nil),
            subject: "s", date: Date(timeIntervalSince1970: 1_795_939_200), messageID: id,
            listID: "Paperboy digest <paperboy.example.org>", listUnsubscribe: [], oneClick: false, textBody: "x\n", htmlBody: nil)
        let text = String(decoding: MIMEComposer.compose(message), as: UTF8.self)
        #expect(text.contains("\r\nMessage-ID: <\(id)>\r\n"), "\(text)")
    }
}
