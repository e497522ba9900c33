import ArgumentParser
import PaperboyCore
import PaperboyStore

/// `paperboy subscriber remove EMAIL`
struct SubscriberRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Delete a subscriber for good.",
        discussion: "To stop mail but keep the subscriber, use pause. Every subscriber is exported to backups/ next to the database first (kept 30 days). An address that unsubscribed is kept (so an old list cannot add it back) unless --forget is given."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @Flag(help: "Also delete an address that unsubscribed, forgetting that it did.")
    var forget = false

    func run() throws {
        let email = try address.parsed()
        let (settings, store) = try config.openConfiguredStore()
        guard let stored = try store.subscriber(email) else {
            throw CLIFailure(SubscriberStoreError.notFound(email).message, exitCode: .dataError)
        }
        if !forget, let left = stored.unsubscribedAt {
            throw CLIFailure(
                "\(email) unsubscribed on \(DisplayDate.minute(left)); removing them would forget that, and an old list could add them back. Use --forget to delete them anyway",
                exitCode: .dataError
            )
        }
        let backup = try SubscriberBackup.write(store, database: settings.database, command: "remove", at: try CommandClock.now())
        try storeChange { try store.removeSubscriber(email) }
        say("removed \(email); backup of the subscribers before: \(backup)")
    }
}
