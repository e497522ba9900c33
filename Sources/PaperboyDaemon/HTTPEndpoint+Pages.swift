import Foundation
import Hummingbird
import Logging
import PaperboyCore
import PaperboyPipeline

/// What every reader's page shares: rendering from `WebTemplates`, the
/// short message pages (not valid, too many requests, too large), reading
/// a posted form within the limits, and running the desk off the event loop.
extension HTTPEndpoint {
    var runtime: DaemonRuntime { context.runtime.runtime }
    var desk: ReaderDesk { runtime.desk }

    /// `page` as a whole document with `values`; `PublicPageMiddleware` adds the headers.
    func render(_ status: HTTPResponse.Status, _ page: WebTemplates.Page, title: String, _ values: [String: Any]) -> Response {
        html(status, runtime.webTemplates.render(page, title: title, values))
    }

    func html(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A form of one button on a message page.
    struct MessageForm {
        var action: String
        var hidden: [(name: String, value: String)] = []
        var button: String
    }

    /// A short page: paragraphs, at most one button, at most one link.
    func message(_ status: HTTPResponse.Status, title: String, _ paragraphs: [String], form: MessageForm? = nil,
                 link: (url: String, text: String)? = nil) -> Response {
        var values: [String: Any] = ["paragraphs": paragraphs]
        if let form {
            values["form"] = ["action": form.action, "button": form.button,
                              "hidden": form.hidden.map { ["name": $0.name, "value": $0.value] }] as [String: Any]
        }
        if let link { values["link"] = ["url": link.url, "text": link.text] }
        return render(status, .message, title: title, values)
    }

    /// The one page for a link that is malformed, altered, forged, used up
    /// or outdated: it names no one, tells nothing about why, and says nothing changed.
    func notValid() -> Response {
        message(.badRequest, title: "Link not valid", [
            "This link is not valid (any more): it may be incomplete, already used, expired, or for an address that is not subscribed here. Nothing was changed.",
            "Use the link in the most recent mail from us.",
        ])
    }

    /// 429 with `Retry-After`.
    func tooMany(retryAfter seconds: Int) -> Response {
        var response = message(.tooManyRequests, title: "Too many requests", [
            "There were too many requests from here in a short time; nothing was changed.",
            "Please try again in \(Self.describe(seconds: seconds)).",
        ])
        response.headers[.retryAfter] = String(seconds)
        return response
    }

    func tooLarge() -> Response {
        message(.contentTooLarge, title: "Request too large", ["The form sent more than this site accepts (\(WebSettings.maxBodyBytes / 1024) KiB); nothing was changed."])
    }

    /// "12 minutes", "1 hour", "30 seconds".
    static func describe(seconds: Int) -> String {
        func unit(_ count: Int, _ name: String) -> String { "\(count) \(name)\(count == 1 ? "" : "s")" }
        if seconds < 120 { return unit(seconds, "second") }
        if seconds < 7200 { return unit((seconds + 59) / 60, "minute") }
        return unit((seconds + 3599) / 3600, "hour")
    }

    /// The client a request comes from (see `ClientAddress`).
    func client(_ request: Request, _ requestContext: PublicRequestContext) -> String {
        ClientAddress.resolve(peer: requestContext.peerAddress, forwardedFor: request.headers[values: .init("X-Forwarded-For")!],
                              trustedProxies: runtime.config.daemon.trustedProxies)
    }

    /// A form post within the limits: counted against the client's
    /// `web.rate_limits.per_client` (else 429), and its body within
    /// `WebSettings.maxBodyBytes` (else 413). The answer to give instead, or the form.
    func readPost(_ request: Request, _ requestContext: PublicRequestContext) async throws -> Result<FormBody, ResponseInstead> {
        let time = context.clock.now()
        if let wait = limiter.admit("client " + ClientAddress.limitKey(client(request, requestContext)), limit: runtime.config.web.perClient, at: time) {
            logger.notice("a client went over web.rate_limits.per_client", metadata: ["http.path": "\(request.uri.path)"])
            return .failure(ResponseInstead(response: tooMany(retryAfter: wait)))
        }
        do {
            return .success(try await FormBody.read(request, limit: WebSettings.maxBodyBytes))
        } catch is FormBody.TooLarge {
            return .failure(ResponseInstead(response: tooLarge()))
        }
    }

    /// The answer to give instead of doing what a post asked (a limit was hit).
    struct ResponseInstead: Error {
        var response: Response
    }

    /// The link's token (`t`), or nil when it is missing or not even shaped
    /// like one (answered without asking the store).
    static func linkToken(_ request: Request) -> String? {
        let token = parameter(request, ReaderLinks.Parameter.token)
        return LinkToken.claim(token) == nil ? nil : token
    }

    /// A query parameter, or "".
    static func parameter(_ request: Request, _ name: String) -> String {
        request.uri.queryParameters.get(name) ?? ""
    }

    /// Runs the desk (SQLite, selection) on the blocking threads.
    func onDesk<T: Sendable>(_ body: @escaping @Sendable (ReaderDesk) throws -> T) async throws -> T {
        let desk = desk
        return try await BlockingWork.run("paperboy-http") { try body(desk) }
    }

    /// The path of a page with its query, relative to the page (forms post
    /// back to where they are: under `base_url` behind a proxy, or directly).
    static func relative(_ path: ReaderLinks.Path, _ parameters: [(String, String)]) -> String {
        let query = parameters.map { "\($0.0)=\(ReaderLinks.encode($0.1))" }.joined(separator: "&")
        return String(path.rawValue.dropFirst()) + (query.isEmpty ? "" : "?" + query)
    }

    /// The stylesheet or the script, or 404.
    func staticFile(_ name: String) -> Response {
        guard let file = StaticAssets.files[name] else {
            return message(.notFound, title: "Page not found", ["There is no page at this address."])
        }
        return Response(status: .ok, headers: [.contentType: file.contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: file.text)))
    }
}

/// Gives every answer of the public endpoint `PublicPage`'s security headers
/// (CSP, Referrer-Policy, Cache-Control, X-Content-Type-Options), errors and
/// unknown paths included; an answer that set its own policy (`GET /d`) keeps it.
struct PublicPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let endpoint: HTTPEndpoint

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            switch error.status {
            case .notFound:
                response = endpoint.message(.notFound, title: "Page not found", ["There is no page at this address."])
            case .contentTooLarge:
                response = endpoint.tooLarge()
            default:
                response = endpoint.message(error.status, title: error.status.reasonPhrase, ["This request cannot be answered; nothing was changed."])
            }
        } catch {
            // A store that cannot answer (busy, disk): whatever was under way was rolled back.
            endpoint.logger.error("a public page failed", metadata: ["error": "\(error)", "http.path": "\(request.uri.path)"])
            response = endpoint.message(.serviceUnavailable, title: "Try again later", ["This page could not be served just now; nothing was changed. Try again in a few minutes."])
        }
        let policy = response.headers[.contentSecurityPolicy]
        for (name, value) in PublicPage.headers(baseURL: endpoint.runtime.composer.baseURL, policy: policy) {
            response.headers[.init(name)!] = value   // fixed, valid names
        }
        response.headers[.setCookie] = nil
        return response
    }
}
