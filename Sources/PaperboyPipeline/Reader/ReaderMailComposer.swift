import Foundation
import PaperboyCore
import PaperboyStore

/// Composes the reader's own mails for the outbox: the double opt-in
/// confirmation and "manage your subscription". Rendered from the reader
/// mail templates (`ReaderMailTemplates`, overridable from `templates:`),
/// made into MIME by `MIMEComposer` (headers through its `HeaderWriter`),
/// with a `MessageID` and, when configured, a DKIM signature. They are not
/// list mail: no List-Id, no List-Unsubscribe; the confirmation says that
/// ignoring it is enough. Anyone may fill the subscribe form in for any
/// address, so nothing of a request (its settings, its name) reaches a
/// confirmation: it would be text of a stranger's choice, signed by the
/// operator. The confirm page shows the settings, to the inbox's owner only.
public struct ReaderMailComposer: Sendable {
    public let composer: DigestComposer
    /// `web.pending_days`, told in the confirmation.
    public let pendingDays: Int
    /// Used when the request names no schedule.
    public let defaultSchedule: Schedule

    public init(composer: DigestComposer, pendingDays: Int, defaultSchedule: Schedule) {
        self.composer = composer
        self.pendingDays = pendingDays
        self.defaultSchedule = defaultSchedule
    }

    /// The mail of `kind` (confirmation or manage) for `subscriber` as
    /// stored, planned under `periodKey` at `date`.
    public func compose(_ subscriber: Subscriber, kind: OutboxKind, periodKey: PeriodKey, at date: Date) -> ReaderMailDraft {
        let links = composer.links
        let url = kind == .manage ? links.preferences(subscriber) : (links.confirm(subscriber) ?? links.subscribe)
        let rendered = composer.readerMail.render(kind == .manage ? .manage : .confirm, values: [
            "email": subscriber.email.description,
            "operator": composer.from.displayName ?? composer.from.email.description,
            "url": url,
            "subscribe_url": links.subscribe,
            "pending_days": String(pendingDays),
        ])
        let messageID = MessageID.make(subscriberID: subscriber.id, period: periodKey.rawValue, domain: composer.from.email.domain)
        var message = MIMEComposer.compose(MailMessage(
            from: composer.from,
            // A confirmation goes to someone who may never have asked: no name from a form.
            to: MailAddress(email: subscriber.email, displayName: kind == .manage ? subscriber.preferences.name : nil),
            subject: rendered.subject,
            date: date,
            messageID: messageID,
            listID: "",
            listUnsubscribe: [],
            oneClick: false,
            textBody: rendered.text,
            htmlBody: subscriber.preferences.format == .text ? nil : rendered.html
        ))
        if let signer = composer.signer { message = signer.sign(message, at: date) }
        return ReaderMailDraft(sender: composer.from.email.description, subject: rendered.subject, messageID: messageID, message: message)
    }

    /// What was asked for, in a few words: "papers matching diffusion in
    /// cs.CV, daily 08:00 Europe/Berlin", for a page (never for a mail: it
    /// is the text of whoever filled the form in).
    public static func describe(_ preferences: SubscriberPreferences, defaultSchedule: Schedule) -> String {
        var what = preferences.query.map { "papers matching \($0.text)" } ?? "the trending papers"
        if !preferences.categories.isEmpty { what += " in \(preferences.categories.joined(separator: ", "))" }
        if !preferences.authors.isEmpty { what += " by \(preferences.authors.joined(separator: ", "))" }
        return what + ", " + (preferences.schedule ?? defaultSchedule).description
    }
}
