import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber undislike EMAIL ID`: takes back a "Not for me".
struct SubscriberUndislikeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "undislike", abstract: "Take back a subscriber's \"Not for me\" on a paper.")

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @OptionGroup var paper: PaperIDArgument

    func run() throws {
        let email = try address.parsed()
        let paperID = try paper.parsed()
        let (_, store) = try config.openConfiguredStore()
        let removed = try recordFeedback(.notForMe, on: paperID, undo: true, for: email, in: store).before.dislikes.contains(paperID)
        say(removed ? "\(email) no longer marks \(paperID) Not for me" : "\(email) had not marked \(paperID) Not for me: nothing changed")
    }
}
