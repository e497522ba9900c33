import ArgumentParser
import PaperboyCore

/// `paperboy subscriber remove EMAIL`
struct SubscriberRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Delete a subscriber for good.",
        discussion: "To stop mail but keep the subscriber, use pause. An address that unsubscribed is kept (so an old list cannot add it back) unless --forget is given."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @Flag(help: "Also delete an address that unsubscribed, forgetting that it did.")
    var forget = false

    func run() throws {
        try reportingFailures {
            let email = try address.parsed()
            let (_, store) = try config.openConfiguredStore()
            if !forget, let left = try store.subscriber(email)?.unsubscribedAt {
                throw CLIFailure(
                    "\(email) unsubscribed on \(DisplayDate.minute(left)); removing them would forget that, and an old list could add them back. Use --forget to delete them anyway",
                    exitCode: .dataError
                )
            }
            try storeChange { try store.removeSubscriber(email) }
            say("removed \(email)")
        }
    }
}
