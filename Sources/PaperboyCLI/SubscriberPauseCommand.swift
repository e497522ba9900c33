import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber pause EMAIL`
struct SubscriberPauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop sending digests to a subscriber until resume.")

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    func run() throws {
        let email = try address.parsed()
        let (_, store) = try config.openConfiguredStore()
        let subscriber = try storeChange {
            try store.updateSubscriber(email, at: try CommandClock.now()) { $0.preferences.paused = true }
        }
        say(subscriber.unsubscribedAt == nil ? "paused \(email)" : "paused \(email) (who has also unsubscribed)")
    }
}
