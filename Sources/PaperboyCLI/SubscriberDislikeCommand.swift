import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber dislike EMAIL ID`: "Not for me", as the digest's link records it.
struct SubscriberDislikeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dislike",
        abstract: "Mark a stored paper \"Not for me\" for a subscriber: it is never selected again, and similar papers rank lower.",
        discussion: "A paper is liked or disliked, not both: disliking a liked paper takes back the like. digest.ranking.dislikes weighs the penalty."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @OptionGroup var paper: PaperIDArgument

    func run() throws {
        let email = try address.parsed()
        let paperID = try paper.parsed()
        let (_, store) = try config.openConfiguredStore()
        guard let disliked = try store.paper(id: paperID) else {
            throw CLIFailure("dislike: no stored paper has the id \"\(paper.id)\"; `paperboy papers search` finds ids", exitCode: .dataError)
        }
        let (before, subscriber) = try recordFeedback(.notForMe, on: disliked.id, undo: false, for: email, in: store)
        let wasLiked = before.likes.contains(disliked.id)
        let count = subscriber.preferences.dislikes.count
        say("\(email) marked \(disliked.id) (\(disliked.title)) Not for me\(wasLiked ? ", and no longer likes it" : ""); \(count) paper\(count == 1 ? "" : "s") marked Not for me")
    }
}
