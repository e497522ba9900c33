import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber add EMAIL [options]`
struct SubscriberAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a subscriber.")

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument
    @OptionGroup var preferences: SubscriberPreferenceOptions

    @Flag(help: "Add an address that unsubscribed earlier (only with their consent).")
    var resubscribe = false

    @Flag(help: "Add an address that differs only in case from a subscriber's (only if they really are two mailboxes).")
    var allowCaseVariant = false

    func run() throws {
        var wanted = SubscriberPreferences(email: try address.parsed())
        try storeChange { try preferences.apply(to: &wanted) }
        let (_, store) = try config.openConfiguredStore()
        let subscriber = try storeChange { try store.addSubscriber(wanted, resubscribe: resubscribe, allowCaseVariant: allowCaseVariant, at: try CommandClock.now()) }
        say("added \(subscriber.email)")
    }
}
