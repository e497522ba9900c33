import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber set EMAIL [options] [--clear FIELD]...`
struct SubscriberSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a subscriber's preferences.",
        discussion: "Options given replace the stored values (--category and --author replace the whole list). --clear FIELD puts a field back to its default."
    )

    /// Fields `--clear` can put back to their default.
    enum ClearableField: String, ExpressibleByArgument, CaseIterable {
        case name, query, categories, authors, minUpvotes = "min-upvotes", maxPapers = "max-papers", schedule, format
    }

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument
    @OptionGroup var preferences: SubscriberPreferenceOptions

    @Option(name: .customLong("clear"), help: ArgumentHelp("Put a field back to its default: \(ClearableField.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "FIELD"))
    var clear: [ClearableField] = []

    func run() throws {
        let email = try address.parsed()
        let (_, store) = try config.openConfiguredStore()
        var changed: [String] = []
        try storeChange {
            try store.updateSubscriber(email, at: try CommandClock.now()) { subscriber in
                let before = subscriber.preferences
                for field in clear {
                    switch field {
                    case .name: subscriber.preferences.name = nil
                    case .query: subscriber.preferences.query = nil
                    case .categories: subscriber.preferences.categories = []
                    case .authors: subscriber.preferences.authors = []
                    case .minUpvotes: subscriber.preferences.minUpvotes = 0
                    case .maxPapers: subscriber.preferences.maxPapers = nil
                    case .schedule: subscriber.preferences.schedule = nil
                    case .format: subscriber.preferences.format = .both
                    }
                }
                try preferences.apply(to: &subscriber.preferences)
                changed = subscriber.preferences.changedFields(from: before)
            }
        }
        say(changed.isEmpty ? "\(email): nothing to change" : "updated \(email): \(changed.joined(separator: ", "))")
    }
}
