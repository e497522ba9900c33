import ArgumentParser
import PaperboyCore

/// `paperboy subscriber remove EMAIL`
struct SubscriberRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Delete a subscriber for good.",
        discussion: "This forgets that the address ever unsubscribed: to stop mail but remember them, use pause."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    func run() throws {
        try reportingFailures {
            let email = try address.parsed()
            let (_, store) = try config.openConfiguredStore()
            try storeChange { try store.removeSubscriber(email) }
            say("removed \(email)")
        }
    }
}
