import Foundation
import Hummingbird
import PaperboyCore
import PaperboyPipeline

/// `GET /d?t=&k=` ("view in browser"): the digest's HTML as it was sent,
/// under its own strict policy (`PublicPage.digestPolicy`: its inline
/// styles only, sandboxed); once retention emptied its outbox row, a 410
/// page linking to the preference centre.
extension HTTPEndpoint {
    func viewDigest(_ request: Request) async throws -> Response {
        let token = Self.linkToken(request) ?? ""
        let period = Self.parameter(request, ReaderLinks.Parameter.period)
        guard !token.isEmpty, !period.isEmpty else { return notValid() }
        switch try await onDesk({ try $0.digestHTML(token: token, periodKey: period) }) {
        case .notValid:
            return notValid()
        case .gone(let preferencesURL):
            return message(.gone, title: "This digest is no longer kept", [
                "Digests are kept for a while after they are sent, and this one has been removed. The papers in it may still be on the site.",
            ], link: (preferencesURL, "Change what you get"))
        case .html(let document):
            var response = html(.ok, document)
            response.headers[.contentSecurityPolicy] = PublicPage.digestPolicy
            return response
        }
    }
}
