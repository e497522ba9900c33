import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber like EMAIL ID`: more papers like this one.
struct SubscriberLikeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "like",
        abstract: "Rank papers similar to a stored paper higher for a subscriber (\"more like these\")."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @Argument(help: "The paper's id: an arXiv id (any version) or a title-… id from `paperboy papers list`.")
    var id: String

    func validate() throws {
        do { _ = try SubscriberValidation.likes([id]) } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        try reportingFailures {
            let email = try address.parsed()
            let paperID = try SubscriberValidation.likes([id])[0]
            let (_, store) = try config.openConfiguredStore()
            guard let paper = try store.paper(id: paperID) else {
                throw CLIFailure("like: no stored paper has the id \"\(id)\"; `paperboy papers search` finds ids", exitCode: .dataError)
            }
            let subscriber = try storeChange {
                try store.updateSubscriber(email, at: Date()) { subscriber in
                    if !subscriber.preferences.likes.contains(paper.id) { subscriber.preferences.likes.append(paper.id) }
                }
            }
            say("\(email) likes \(paper.id) (\(paper.title)); \(subscriber.preferences.likes.count) liked paper\(subscriber.preferences.likes.count == 1 ? "" : "s")")
        }
    }
}

/// `paperboy subscriber unlike EMAIL ID`
struct SubscriberUnlikeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlike", abstract: "Remove a paper from a subscriber's likes.")

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @Argument(help: "The paper's id, as in `subscriber like`.")
    var id: String

    func validate() throws {
        do { _ = try SubscriberValidation.likes([id]) } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        try reportingFailures {
            let email = try address.parsed()
            let paperID = try SubscriberValidation.likes([id])[0]
            let (_, store) = try config.openConfiguredStore()
            var removed = false
            try storeChange {
                try store.updateSubscriber(email, at: Date()) { subscriber in
                    removed = subscriber.preferences.likes.contains(paperID)
                    subscriber.preferences.likes.removeAll { $0 == paperID }
                }
            }
            say(removed ? "\(email) no longer likes \(paperID)" : "\(email) did not like \(paperID): nothing changed")
        }
    }
}
