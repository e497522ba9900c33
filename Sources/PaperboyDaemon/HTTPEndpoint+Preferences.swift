import Foundation
import Hummingbird
import PaperboyCore
import PaperboyPipeline

/// `/preferences?t=` (the preference centre): GET shows every setting and a
/// preview of the digest now; POST saves (`action=save`), previews the
/// posted settings (`preview`), pauses, resumes or unsubscribes, through
/// the desk, which checks the token inside the transaction that changes anything.
extension HTTPEndpoint {
    func preferencesPage(_ request: Request) async throws -> Response {
        let token = Self.linkToken(request) ?? ""
        guard !token.isEmpty, let subscriber = try await onDesk({ try $0.subscriber(preferencesToken: token) }) else { return notValid() }
        return try await preferencesForm(.ok, token: token, subscriber: subscriber,
                                         form: ReaderForm(subscriber.preferences, config: runtime.config), errors: ReaderFormErrors())
    }

    func changePreferences(_ request: Request, _ requestContext: PublicRequestContext) async throws -> Response {
        let body: FormBody
        switch try await readPost(request, requestContext) {
        case .success(let read): body = read
        case .failure(let instead): return instead.response
        }
        let token = Self.linkToken(request) ?? ""
        guard !token.isEmpty, let subscriber = try await onDesk({ try $0.subscriber(preferencesToken: token) }) else { return notValid() }
        var form = ReaderPageValues.form(body)
        form.email = subscriber.email.description   // not changeable here: a new address subscribes anew
        let time = context.clock.now()
        let change: PreferenceChange
        switch body["action"] {
        case "preview":
            let preferences: SubscriberPreferences
            do {
                preferences = try form.preferences(config: runtime.config, base: subscriber.preferences)
            } catch {
                return try await preferencesForm(.unprocessableContent, token: token, subscriber: subscriber, form: form, errors: error)
            }
            return try await preferencesForm(.ok, token: token, subscriber: subscriber, form: form, errors: ReaderFormErrors(),
                                             previewOf: preferences, previewHeading: "Preview of these settings")
        case "pause": change = .pause
        case "resume": change = .resume
        case "unsubscribe": change = .unsubscribe
        default: change = .save(form)
        }
        switch try await onDesk({ try $0.updatePreferences(token: token, change, at: time) }) {
        case .notSubscribedHere:
            return notValid()
        case .invalid(let errors):
            return try await preferencesForm(.unprocessableContent, token: token, subscriber: subscriber, form: form, errors: errors)
        case .saved(let now, let changed):
            logger.notice("preferences changed on the preference centre", metadata: ["subscriber.id": "\(now.id)", "fields": "\(changed.joined(separator: ","))"])
            if case .unsubscribe = change {
                unsubscribed.insert(now.id, at: time)
                return message(.ok, title: "Unsubscribed", ["You are unsubscribed: no further digest will be sent to this address."],
                               link: (Self.relative(.preferences, [(ReaderLinks.Parameter.token, token)]), "Back to your settings"))
            }
            let said: String
            switch change {
            case .pause: said = "Paused: no digest is sent until you resume it."
            case .resume: said = "Resumed: your digest comes at its next time."
            default: said = changed.isEmpty ? "Nothing changed." : "Saved. Changed: " + changed.joined(separator: ", ") + "."
            }
            return try await preferencesForm(.ok, token: token, subscriber: now,
                                             form: ReaderForm(now.preferences, config: runtime.config), errors: ReaderFormErrors(), changed: said)
        }
    }

    /// The preference centre with `form`'s values, the errors next to their
    /// fields, and a preview (of the stored settings, or of `previewOf`).
    func preferencesForm(_ status: HTTPResponse.Status, token: String, subscriber: Subscriber, form: ReaderForm, errors: ReaderFormErrors,
                         changed: String? = nil, previewOf: SubscriberPreferences? = nil,
                         previewHeading: String = "What your digest would hold now") async throws -> Response {
        let time = context.clock.now()
        let preferences = previewOf ?? subscriber.preferences
        let preview = try await onDesk { try $0.preview(preferences, at: time) }
        let templates = runtime.webTemplates
        let fields = ReaderPageValues.fields(form, errors: errors, config: runtime.config, withEmail: false, withMore: true, prefillZone: false)
        var values: [String: Any] = [
            "fields": templates.fragment(.fields, fields),
            "has_errors": !errors.isEmpty,
            "action": Self.relative(.preferences, [(ReaderLinks.Parameter.token, token)]),
            "paused": subscriber.preferences.paused,
            "status": subscriber.status.rawValue,
            "preview_heading": previewHeading,
            "papers": templates.fragment(.papers, ReaderPageValues.papers(
                preview.papers, empty: "No paper of the last 7 days matches these settings (out of \(preview.candidates)).")),
        ]
        if let changed { values["changed"] = changed }
        return render(status, .preferences, title: "Your digest settings", values)
    }
}
