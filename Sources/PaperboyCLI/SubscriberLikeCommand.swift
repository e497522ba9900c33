import ArgumentParser
import Foundation
import PaperboyCore

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
        var wasDisliked = false
        let subscriber = try storeChange {
            try store.updateSubscriber(email, at: try CommandClock.now()) { subscriber in
                wasDisliked = subscriber.preferences.dislikes.contains(liked.id)
                subscriber.preferences.record(.moreLikeThis, on: liked.id, undo: false)
            }
        }
        say("\(email) likes \(liked.id) (\(liked.title))\(wasDisliked ? ", no longer Not for me" : ""); \(subscriber.preferences.likes.count) liked paper\(subscriber.preferences.likes.count == 1 ? "" : "s")")
    }
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
