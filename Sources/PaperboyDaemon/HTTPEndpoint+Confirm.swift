import Foundation
import Hummingbird
import PaperboyCore
import PaperboyPipeline

/// `/confirm?t=` (double opt-in): GET shows one button, POST confirms and
/// shows what the first digest would hold and when it comes, in the
/// reader's zone. A link that is not valid (any more) gets `notValid()`.
extension HTTPEndpoint {
    func confirmRequestPage(_ request: Request) async throws -> Response {
        let token = Self.linkToken(request) ?? ""
        let time = context.clock.now()
        guard !token.isEmpty, let pending = try await onDesk({ try $0.pendingRequest(token: token, at: time) }) else { return notValid() }
        // What confirming applies, shown here (to the inbox's owner) rather than in the mail.
        var values: [String: Any] = [
            "action": Self.relative(.confirm, [(ReaderLinks.Parameter.token, token)]),
            "pending_days": String(runtime.config.web.pendingDays),
        ]
        if let requested = pending.requested {
            values["request"] = ReaderMailComposer.describe(requested, defaultSchedule: runtime.config.digest.schedule)
        }
        return render(.ok, .confirm, title: "Confirm your subscription", values)
    }

    func confirmRequest(_ request: Request, _ requestContext: PublicRequestContext) async throws -> Response {
        switch try await readPost(request, requestContext) {
        case .success: break
        case .failure(let instead): return instead.response
        }
        let token = Self.linkToken(request) ?? ""
        guard !token.isEmpty else { return notValid() }
        let time = context.clock.now()
        switch try await onDesk({ try $0.confirm(token: token, at: time) }) {
        case .notValid:
            return notValid()
        case .confirmed(let subscriber, let firstDigest, let firstDue):
            context.metrics.recordSubscriptionConfirmed()
            logger.notice("a subscription was confirmed", metadata: ["subscriber.id": "\(subscriber.id)"])
            let zone = subscriber.preferences.schedule?.zone ?? runtime.config.digest.schedule.zone
            return render(.ok, .confirmed, title: "You are subscribed", [
                "first_due": DateFormats.readerMoment(firstDue, zone: zone),
                "papers": runtime.webTemplates.fragment(.papers, ReaderPageValues.papers(
                    firstDigest.papers, empty: "No paper matches your settings just now; the digest brings the ones that come in by then.")),
                "preferences_url": runtime.composer.links.preferences(subscriber),
            ])
        }
    }
}
