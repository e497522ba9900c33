import Foundation
import Hummingbird
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// The public endpoint's pages: one-click unsubscribe (RFC 8058) and its
/// confirm page. A token names a subscriber row and is bound to the address
/// the link was mailed to; it is checked against the address the store has
/// for that row now, so a link never unsubscribes anyone else, and a page
/// never says "unsubscribed" when nothing changed.
extension HTTPEndpoint {
    /// GET: the confirm page (a GET never unsubscribes: mail scanners follow links).
    func confirmPage(_ request: Request) async throws -> Response {
        guard let claim = LinkToken.claim(Self.parameter(request, ReaderLinks.Parameter.token)) else {
            return notSubscribedHere()
        }
        let runtime = runtime
        let subscriber = try await BlockingWork.run("paperboy-http") { [context] in try context.store.subscriber(id: claim.subscriberID) }
        guard let subscriber, runtime.composer.tokens.verify(claim, purpose: .unsubscribe, email: subscriber.email) else {
            return notSubscribedHere()
        }
        if subscriber.unsubscribedAt != nil { return alreadyUnsubscribed() }
        // The form posts to base_url (which may have a path), where the reverse proxy passes /unsubscribe on.
        // (A fresh token: after a secret rotation the form carries one made with the current secret.)
        return message(.ok, title: "Unsubscribe", ["Stop receiving the paper digest at this address?"],
                       form: MessageForm(action: runtime.composer.unsubscribeURL(subscriber), hidden: [("List-Unsubscribe", "One-Click")],
                                         button: "Unsubscribe"),
                       link: (runtime.composer.links.preferences(subscriber), "Or change what you get instead"))
    }

    /// POST with `List-Unsubscribe=One-Click`: unsubscribes the subscriber the
    /// token was made for. Not rate limited: mail providers post these.
    func unsubscribe(_ request: Request, _ requestContext: PublicRequestContext) async throws -> Response {
        guard let claim = LinkToken.claim(Self.parameter(request, ReaderLinks.Parameter.token)) else {
            return notSubscribedHere()
        }
        let form: FormBody
        do {
            form = try await FormBody.read(request, limit: WebSettings.maxBodyBytes)
        } catch is FormBody.TooLarge {
            return tooLarge()
        }
        guard form["List-Unsubscribe"] == "One-Click" else {
            return message(.badRequest, title: "Unsubscribe", ["This request is missing List-Unsubscribe=One-Click; use the button on the unsubscribe page. Nothing was changed."])
        }
        let tokens = runtime.composer.tokens
        let time = context.clock.now()
        let outcome = try await BlockingWork.run("paperboy-http") { [context] in
            try context.store.unsubscribe(id: claim.subscriberID, at: time) { tokens.verify(claim, purpose: .unsubscribe, email: $0) }
        }
        switch outcome {
        case .unsubscribed:
            // After the store: a digest claimed for sending is not started either.
            unsubscribed.insert(claim.subscriberID, at: time)
            logger.notice("unsubscribed through the one-click link", metadata: ["subscriber.id": "\(claim.subscriberID)"])
            return message(.ok, title: "Unsubscribed", ["You are unsubscribed: no further digest will be sent to this address."])
        case .alreadyUnsubscribed:
            return alreadyUnsubscribed()
        case .notSubscribedHere:
            return notSubscribedHere()
        }
    }

    /// The one page for a malformed, altered, forged or outdated unsubscribe
    /// link (the row is gone, its address changed, or it is from another
    /// database): it names no one and tells nothing about why, and says nothing changed.
    func notSubscribedHere() -> Response {
        message(.badRequest, title: "Link not valid", [
            "This link was for an address that is not subscribed here (any more), or it is not a valid unsubscribe link; nothing was changed.",
            "Use the link in the most recent digest, or reply to it and ask to be removed.",
        ])
    }

    func alreadyUnsubscribed() -> Response {
        message(.ok, title: "Already unsubscribed", ["This address was already unsubscribed; nothing was changed, and no digest is sent to it."])
    }
}
