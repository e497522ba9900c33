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
        guard let claim = request.uri.queryParameters.get("t").flatMap({ LinkToken.claim(String($0)) }) else {
            return Self.notSubscribedHere()
        }
        let runtime = context.runtime.runtime
        let subscriber = try await BlockingWork.run("paperboy-http") { [context] in try context.store.subscriber(id: claim.subscriberID) }
        guard let subscriber, runtime.composer.tokens.verify(claim, purpose: .unsubscribe, email: subscriber.email) else {
            return Self.notSubscribedHere()
        }
        if subscriber.unsubscribedAt != nil { return Self.alreadyUnsubscribed() }
        // The form posts to base_url (which may have a path), where the reverse proxy passes /unsubscribe on.
        // (A fresh token: after a secret rotation the form carries one made with the current secret.)
        let action = HTMLText.escape(runtime.composer.unsubscribeURL(subscriber))
        return Self.page(.ok, PublicPage(title: "Unsubscribe", bodyHTML: """
            <p>Stop receiving the paper digest at this address?</p>
            <form method="post" action="\(action)">
            <input type="hidden" name="List-Unsubscribe" value="One-Click">
            <button type="submit">Unsubscribe</button>
            </form>
            """))
    }

    /// POST with `List-Unsubscribe=One-Click`: unsubscribes the subscriber the token was made for.
    func unsubscribe(_ request: Request) async throws -> Response {
        guard let claim = request.uri.queryParameters.get("t").flatMap({ LinkToken.claim(String($0)) }) else {
            return Self.notSubscribedHere()
        }
        let body = try await request.body.collect(upTo: 4096)
        let fields = String(buffer: body).split(separator: "&").map { $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
        guard fields.contains("List-Unsubscribe=One-Click") else {
            return Self.page(.badRequest, PublicPage(title: "Unsubscribe", bodyHTML: "<p>This request is missing List-Unsubscribe=One-Click; use the button on the unsubscribe page. Nothing was changed.</p>"))
        }
        let tokens = context.runtime.runtime.composer.tokens
        let time = context.clock.now()
        let outcome = try await BlockingWork.run("paperboy-http") { [context] in
            try context.store.unsubscribe(id: claim.subscriberID, at: time) { tokens.verify(claim, purpose: .unsubscribe, email: $0) }
        }
        switch outcome {
        case .unsubscribed:
            // After the store: a digest claimed for sending is not started either.
            unsubscribed.insert(claim.subscriberID, at: time)
            logger.notice("unsubscribed through the one-click link", metadata: ["subscriber.id": "\(claim.subscriberID)"])
            return Self.page(.ok, PublicPage(title: "Unsubscribed", bodyHTML: "<p>You are unsubscribed: no further digest will be sent to this address.</p>"))
        case .alreadyUnsubscribed:
            return Self.alreadyUnsubscribed()
        case .notSubscribedHere:
            return Self.notSubscribedHere()
        }
    }

    /// The one page for a malformed, altered, forged or outdated link (the
    /// row is gone, its address changed, or it is from another database):
    /// it names no one and tells nothing about why, and says nothing changed.
    static func notSubscribedHere() -> Response {
        page(.badRequest, PublicPage(title: "Link not valid", bodyHTML: """
            <p>This link was for an address that is not subscribed here (any more), or it is not a valid unsubscribe link; nothing was changed.</p>
            <p>Use the link in the most recent digest, or reply to it and ask to be removed.</p>
            """))
    }

    static func alreadyUnsubscribed() -> Response {
        page(.ok, PublicPage(title: "Already unsubscribed", bodyHTML: "<p>This address was already unsubscribed; nothing was changed, and no digest is sent to it.</p>"))
    }

    /// A public page; `PublicPageMiddleware` adds the security headers.
    static func page(_ status: HTTPResponse.Status, _ page: PublicPage) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: page.html)))
    }
}

/// Gives every answer of the public endpoint `PublicPage`'s security headers
/// (CSP, Referrer-Policy, Cache-Control, X-Content-Type-Options), errors and
/// unknown paths included.
struct PublicPageMiddleware<Context: RequestContext>: RouterMiddleware {
    /// `base_url` in effect (a reload may change it).
    let baseURL: @Sendable () -> String?
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            // A store that cannot answer (busy, disk): whatever was under way was rolled back.
            logger.error("a public page failed", metadata: ["error": "\(error)"])
            response = HTTPEndpoint.page(.serviceUnavailable, PublicPage(title: "Try again later", bodyHTML: "<p>This page could not be served just now; nothing was changed. Try the link again in a few minutes.</p>"))
        }
        for (name, value) in PublicPage.headers(baseURL: baseURL()) {
            response.headers[.init(name)!] = value   // fixed, valid names
        }
        return response
    }
}
