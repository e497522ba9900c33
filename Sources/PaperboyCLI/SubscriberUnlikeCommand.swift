import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber unlike EMAIL ID`
struct SubscriberUnlikeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlike", abstract: "Remove a paper from a subscriber's likes.")

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @OptionGroup var paper: PaperIDArgument

    func run() throws {
        let email = try address.parsed()
        let paperID = try paper.parsed()
        let (_, store) = try config.openConfiguredStore()
        var removed = false
        try storeChange {
            try store.updateSubscriber(email, at: try CommandClock.now()) { subscriber in
                removed = subscriber.preferences.likes.contains(paperID)
                subscriber.preferences.record(.moreLikeThis, on: paperID, undo: true)
            }
        }
        say(removed ? "\(email) no longer likes \(paperID)" : "\(email) did not like \(paperID): nothing changed")
    }
}
