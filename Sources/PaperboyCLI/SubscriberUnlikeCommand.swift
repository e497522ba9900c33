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
        let removed = try recordFeedback(.moreLikeThis, on: paperID, undo: true, for: email, in: store).before.likes.contains(paperID)
        say(removed ? "\(email) no longer likes \(paperID)" : "\(email) did not like \(paperID): nothing changed")
    }
}
