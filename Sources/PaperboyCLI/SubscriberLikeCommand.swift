import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy subscriber like EMAIL ID`: more papers like this one.
struct SubscriberLikeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "like",
        abstract: "Rank papers similar to a stored paper higher for a subscriber (\"more like these\").",
        discussion: "A paper is liked or disliked, not both: liking a paper marked Not for me takes that back."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @OptionGroup var paper: PaperIDArgument

    func run() throws {
        let email = try address.parsed()
        let paperID = try paper.parsed()
        let (_, store) = try config.openConfiguredStore()
        guard let liked = try store.paper(id: paperID) else {
            throw CLIFailure("like: no stored paper has the id \"\(paper.id)\"; `paperboy papers search` finds ids", exitCode: .dataError)
        }
        let (before, subscriber) = try recordFeedback(.moreLikeThis, on: liked.id, undo: false, for: email, in: store)
        let wasDisliked = before.dislikes.contains(liked.id)
        say("\(email) likes \(liked.id) (\(liked.title))\(wasDisliked ? ", no longer Not for me" : ""); \(subscriber.preferences.likes.count) liked paper\(subscriber.preferences.likes.count == 1 ? "" : "s")")
    }
}

/// What `like`, `unlike`, `dislike` and `undislike` share: one store change
/// through the one rule (`SubscriberPreferences.record`). Returns the
/// preferences before it and the subscriber after it.
func recordFeedback(_ feedback: ReaderLinks.Feedback, on paperID: String, undo: Bool, for email: EmailAddress,
                    in store: Store) throws -> (before: SubscriberPreferences, after: Subscriber) {
    var before: SubscriberPreferences?
    let after = try storeChange {
        try store.updateSubscriber(email, at: try CommandClock.now()) { subscriber in
            before = subscriber.preferences
            subscriber.preferences.record(feedback, on: paperID, undo: undo)
        }
    }
    return (before ?? after.preferences, after)
}

/// The paper id `like`, `unlike`, `dislike` and `undislike` take, checked in `validate()`.
struct PaperIDArgument: ParsableArguments {
    @Argument(help: "The paper's id: an arXiv id (any version) or a title-… id from `paperboy papers list`.")
    var id: String

    func validate() throws {
        _ = try parsed()
    }

    /// The canonical id (an arXiv id without its version).
    func parsed() throws -> String {
        do {
            return try SubscriberValidation.likes([id])[0]
        } catch {
            throw ValidationError(error.description)
        }
    }
}
