import Foundation
import PaperboyCore

/// Turns a subscriber's selected papers into the bytes of an email:
/// rendering (templates), addressing, the reader's links (unsubscribe,
/// preferences, feedback per paper, view in browser), MIME, DKIM.
public struct DigestComposer: Sendable {
    public let renderer: DigestRenderer
    public let tokens: LinkToken
    public let from: MailAddress
    /// Without a trailing slash.
    public let baseURL: String
    public let unsubscribeMailto: EmailAddress?
    public let signer: DKIMSigner?
    /// Used when a subscriber has no schedule of their own.
    public let defaultZone: String
    /// The reader's own mails (confirmation, manage), composed by `ReaderMailComposer`.
    public let readerMail: ReaderMailTemplates

    public init(renderer: DigestRenderer, tokens: LinkToken, from: MailAddress, baseURL: String,
                unsubscribeMailto: EmailAddress?, signer: DKIMSigner?, defaultZone: String,
                readerMail: ReaderMailTemplates = .defaults) {
        self.renderer = renderer
        self.tokens = tokens
        self.from = from
        self.baseURL = baseURL
        self.unsubscribeMailto = unsubscribeMailto
        self.signer = signer
        self.defaultZone = defaultZone
        self.readerMail = readerMail
    }

    /// A composed digest: what was rendered and the message ready for SMTP.
    public struct Composed: Sendable {
        public var rendered: RenderedDigest
        public var message: [UInt8]
        public var messageID: String
    }

    /// Every link a reader gets (unsubscribe, preferences, confirm,
    /// feedback, view in browser), made with the current secret.
    public var links: ReaderLinks { ReaderLinks(tokens: tokens, baseURL: baseURL) }

    /// The one-click unsubscribe token of a subscriber: bound to their row
    /// id and their address, made with the current secret.
    public func unsubscribeToken(_ subscriber: Subscriber) -> String {
        links.unsubscribeToken(subscriber)
    }

    /// The one-click unsubscribe URL of a subscriber.
    public func unsubscribeURL(_ subscriber: Subscriber) -> String {
        links.unsubscribe(subscriber)
    }

    /// `messageID` is the planned digest's (`MessageID.make`), a new one when nil.
    /// `periodKey` is the planned digest's (`PeriodKey.rawValue`): only a digest
    /// with one gets a "View in browser" link (the page shows the stored
    /// message of that period; a preview has none to show).
    /// With `testRecipient`, the message goes to that address instead, its
    /// subject marked "[test]" (`preview --send-to`); its links stay bound to
    /// the subscriber, so they unsubscribe nobody from the test address.
    public func compose(_ subscriber: Subscriber, papers: [RankedPaper], at date: Date, messageID: String? = nil,
                        periodKey: String? = nil, testRecipient: EmailAddress? = nil) -> Composed {
        let preferences = subscriber.preferences
        let links = links
        let token = links.unsubscribeToken(subscriber)
        let unsubscribe = links.unsubscribe(subscriber)
        var feedback: [String: PaperFeedbackURLs] = [:]
        feedback.reserveCapacity(papers.count)
        for ranked in papers {
            let id = ranked.paper.id
            feedback[id] = PaperFeedbackURLs(moreLikeThis: links.feedback(subscriber, paperID: id, .moreLikeThis),
                                             notForMe: links.feedback(subscriber, paperID: id, .notForMe))
        }
        let rendered = renderer.render(DigestContent(
            email: preferences.email, name: preferences.name, query: preferences.query, categories: preferences.categories,
            papers: papers, date: date, zone: preferences.schedule?.zone ?? defaultZone,
            unsubscribeURL: unsubscribe, format: preferences.format,
            preferencesURL: links.preferences(subscriber),
            viewURL: periodKey.map { links.view(subscriber, periodKey: $0) },
            feedbackURLs: feedback
        ))
        var unsubscribeLinks = [unsubscribe]
        if let mailto = unsubscribeMailto {
            unsubscribeLinks.append("mailto:\(mailto)?subject=unsubscribe%20\(token)")
        }
        let id = messageID ?? MessageID.make(subscriberID: subscriber.id, period: nil, domain: from.email.domain)
        var message = MIMEComposer.compose(MailMessage(
            from: from,
            to: testRecipient.map { MailAddress(email: $0, displayName: nil) } ?? MailAddress(email: preferences.email, displayName: preferences.name),
            subject: testRecipient == nil ? rendered.subject : "[test] " + rendered.subject,
            date: date,
            messageID: id,
            listID: "Paperboy digest <paperboy.\(from.email.domain)>",
            listUnsubscribe: unsubscribeLinks,
            oneClick: true,
            textBody: rendered.text,
            htmlBody: rendered.html
        ))
        if let signer { message = signer.sign(message, at: date) }
        return Composed(rendered: rendered, message: message, messageID: id)
    }
}
