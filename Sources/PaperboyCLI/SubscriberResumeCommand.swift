import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber resume EMAIL`
struct SubscriberResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Send digests to a paused subscriber again.",
        discussion: "Also clears a pause Paperboy set itself after repeated hard bounces. It does not undo an unsubscribe."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    func run() throws {
        let email = try address.parsed()
        let (_, store) = try config.openConfiguredStore()
        let subscriber = try storeChange {
            try store.updateSubscriber(email, at: try CommandClock.now()) {
                $0.preferences.paused = false
                $0.pausedReason = nil
            }
        }
        if let left = subscriber.unsubscribedAt {
            say("resumed \(email), but they unsubscribed on \(DisplayDate.minute(left)) and get no digest; `subscriber add \(email) --resubscribe` adds them back (only with their consent)")
        } else {
            say("resumed \(email)")
        }
    }
}
