import Foundation
import Hummingbird
import PaperboyCore
import PaperboyPipeline

/// `/feedback?t=&p=&a=`: "More like this" (a like) or "Not for me" (a
/// dislike) on one paper of a digest. A GET only shows the paper and one
/// button (the script presses it when it runs: link scanners do not); the
/// POST records it and offers undo (a POST with `undo=1`).
extension HTTPEndpoint {
    /// The link's token, paper and feedback, or nil when malformed.
    private static func feedbackLink(_ request: Request) -> (token: String, paperID: String, feedback: ReaderLinks.Feedback)? {
        let token = linkToken(request) ?? ""
        let paperID = parameter(request, ReaderLinks.Parameter.paper)
        guard !token.isEmpty, !paperID.isEmpty, let feedback = ReaderLinks.Feedback(rawValue: parameter(request, ReaderLinks.Parameter.action)) else {
            return nil
        }
        return (token, paperID, feedback)
    }

    func feedbackPage(_ request: Request) async throws -> Response {
        guard let link = Self.feedbackLink(request),
              let target = try await onDesk({ try $0.feedbackTarget(token: link.token, paperID: link.paperID, feedback: link.feedback) }) else {
            return notValid()
        }
        return feedbackForm(link, target: target, state: target.recorded ? .recorded : .asking)
    }

    func giveFeedback(_ request: Request, _ requestContext: PublicRequestContext) async throws -> Response {
        let body: FormBody
        switch try await readPost(request, requestContext) {
        case .success(let read): body = read
        case .failure(let instead): return instead.response
        }
        guard let link = Self.feedbackLink(request) else { return notValid() }
        let undo = body["undo"] == "1"
        let time = context.clock.now()
        let result = try await onDesk { try $0.recordFeedback(token: link.token, paperID: link.paperID, feedback: link.feedback, undo: undo, at: time) }
        guard result != .notValid,
              let target = try await onDesk({ try $0.feedbackTarget(token: link.token, paperID: link.paperID, feedback: link.feedback) }) else {
            return notValid()
        }
        context.metrics.recordFeedback(link.feedback, undo: undo)
        logger.notice("feedback on a paper", metadata: ["subscriber.id": "\(target.subscriber.id)", "feedback": "\(link.feedback.rawValue)",
                                                        "undo": "\(undo)"])
        return feedbackForm(link, target: target, state: result == .undone ? .undone : .recorded)
    }

    private enum FeedbackState { case asking, recorded, undone }

    private func feedbackForm(_ link: (token: String, paperID: String, feedback: ReaderLinks.Feedback), target: FeedbackTarget,
                              state: FeedbackState) -> Response {
        let action = Self.relative(.feedback, [(ReaderLinks.Parameter.token, link.token), (ReaderLinks.Parameter.paper, link.paperID),
                                               (ReaderLinks.Parameter.action, link.feedback.rawValue)])
        let like = link.feedback == .moreLikeThis
        var values: [String: Any] = [
            "action": action,
            "paper_title": target.title ?? "Paper \(target.paperID)",
            "preferences_url": runtime.composer.links.preferences(target.subscriber),
        ]
        switch state {
        case .asking:
            values["question"] = like ? "Get more papers like this one in your digest?" : "Stop showing this paper, and show fewer like it?"
            values["button"] = like ? "More like this" : "Not for me"
            values["autosubmit"] = true
        case .recorded:
            values["done"] = like ? "Noted: your digest will bring more papers like this one." : "Noted: this paper will not come back, and similar ones rank lower."
            values["question"] = "Pressed by mistake?"
            values["button"] = "Undo"
            values["undo"] = true
        case .undone:
            // Only this mark is taken back: a "More like this" that "Not for me" replaced is not restored.
            values["done"] = like ? "Taken back: this paper is no longer marked “More like this”."
                : "Taken back: this paper is no longer marked “Not for me”."
            values["question"] = "Changed your mind again?"
            values["button"] = like ? "More like this" : "Not for me"
        }
        return render(.ok, .feedback, title: like ? "More like this" : "Not for me", values)
    }
}
