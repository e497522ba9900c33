import Foundation
import Hummingbird
import PaperboyCore
import PaperboyPipeline

/// `/subscribe` (only with `web.subscribe: open`): the form, its preview,
/// and the request. Whatever the address's state (new, pending, active,
/// unsubscribed) a valid request gets the same "check your inbox" page, byte
/// for byte, so the form tells nobody who is subscribed; the desk decides
/// which mail (if any) goes out. A filled honeypot gets that page too, and
/// nothing is stored.
extension HTTPEndpoint {
    /// The honeypot field: hidden from people, labelled "leave empty".
    static let honeypot = "website"

    func subscribePage() -> Response {
        guard runtime.config.web.subscribe == .open else { return subscribeClosed() }
        return subscribeForm(.ok, ReaderForm(), errors: ReaderFormErrors(), prefillZone: true)
    }

    func subscribe(_ request: Request, _ requestContext: PublicRequestContext) async throws -> Response {
        guard runtime.config.web.subscribe == .open else { return subscribeClosed() }
        let body: FormBody
        switch try await readPost(request, requestContext) {
        case .success(let read): body = read
        case .failure(let instead): return instead.response
        }
        let form = ReaderPageValues.form(body)
        if !body[Self.honeypot].isEmpty {
            logger.notice("a subscribe request filled the honeypot field; nothing was stored")
            return checkInbox()
        }
        let time = context.clock.now()
        if body["action"] == "preview" {
            // A preview needs no address yet: any stands in for it.
            var settings = form
            settings.email = "preview@example.org"
            let preferences: SubscriberPreferences
            do {
                preferences = try settings.preferences(config: runtime.config)
            } catch {
                return subscribeForm(.unprocessableContent, form, errors: error, prefillZone: false)
            }
            let preview = try await onDesk { try $0.preview(preferences, at: time) }
            return subscribeForm(.ok, form, errors: ReaderFormErrors(), prefillZone: false, preview: preview)
        }
        let preferences: SubscriberPreferences
        do {
            preferences = try form.preferences(config: runtime.config)
        } catch {
            return subscribeForm(.unprocessableContent, form, errors: error, prefillZone: false)
        }
        var key = Hasher()
        key.combine(preferences.email.description.lowercased())
        if let wait = limiter.admit("address \(key.finalize())", limit: runtime.config.web.perAddress, at: time) {
            logger.notice("an address went over web.rate_limits.per_address")
            return tooMany(retryAfter: wait)
        }
        let result = try await onDesk { try $0.requestSubscription(preferences, at: time) }
        context.metrics.recordSubscriptionRequested()
        logger.info("a subscribe request was filed", metadata: ["result": "\(result)"])
        if result != .mailLimited { senderWake?.wake() }
        return checkInbox()
    }

    /// The same bytes for every address and outcome.
    func checkInbox() -> Response {
        render(.ok, .checkInbox, title: "Check your inbox", ["pending_days": String(runtime.config.web.pendingDays)])
    }

    func subscribeClosed() -> Response {
        message(.notFound, title: "Subscribing is closed", [
            "This site does not take subscriptions through a web page.",
            "If you already get the digest, the links in it still work.",
        ])
    }

    /// The form with `form`'s values, each field's error next to it, and the preview when there is one.
    func subscribeForm(_ status: HTTPResponse.Status, _ form: ReaderForm, errors: ReaderFormErrors, prefillZone: Bool,
                       preview: ReaderPreview? = nil) -> Response {
        let templates = runtime.webTemplates
        let fields = ReaderPageValues.fields(form, errors: errors, config: runtime.config, withEmail: true, withMore: false, prefillZone: prefillZone)
        var values: [String: Any] = ["fields": templates.fragment(.fields, fields), "has_errors": !errors.isEmpty]
        if let preview {
            values["previewed"] = true
            values["papers"] = templates.fragment(.papers, ReaderPageValues.papers(
                preview.papers, empty: "No paper of the last 7 days matches these settings (out of \(preview.candidates)). Try fewer or other words."))
        }
        return render(status, .subscribe, title: "Subscribe to the paper digest", values)
    }
}
