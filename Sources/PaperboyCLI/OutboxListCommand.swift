import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

extension OutboxState: ExpressibleByArgument {}

/// `paperboy outbox list [--state STATE] [--subscriber EMAIL] [--limit N] [--json]`
struct OutboxListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List outbox rows, newest first: id, subscriber, state, attempts, planned at, next try, last reply.",
        discussion: """
        States: queued (planned, not tried yet), sending (claimed by a running sender), sent, deferred (a \
        temporary failure; tried again at NEXT TRY), failed (for good) and cancelled. The read opens the \
        database read-only.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Option(help: ArgumentHelp("Only rows in this state (repeat for more): \(OutboxState.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STATE"))
    var state: [OutboxState] = []

    @Option(help: ArgumentHelp("Only this subscriber's rows.", valueName: "EMAIL"))
    var subscriber: String?

    @Option(help: "At most this many rows.")
    var limit = 100

    @Flag(help: "Print JSON (snake_case keys).")
    var json = false

    func validate() throws {
        if let subscriber {
            do { _ = try SubscriberValidation.email(subscriber) } catch { throw ValidationError(error.description) }
        }
        if limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        let settings = try config.loadConfig()
        let store = try config.openStore(settings, readOnly: true)
        var subscriberID: Int64?
        if let subscriber {
            let email = try SubscriberValidation.email(subscriber)
            guard let row = try store.subscriber(email) else {
                throw CLIFailure("no subscriber has the address \(email); `paperboy subscriber list` shows them", exitCode: .dataError)
            }
            subscriberID = row.id
        }
        // One more than asked, to say when the list was cut.
        let entries = try store.outboxEntries(states: state, subscriberID: subscriberID, limit: limit + 1)
        let shown = Array(entries.prefix(limit))
        if json {
            say(try PaperJSON.encode(shown.map(OutboxSummary.JSONRow.init)))
            return
        }
        if shown.isEmpty {
            say("no outbox rows\(state.isEmpty && subscriber == nil ? "" : " match")")
            return
        }
        for line in OutboxSummary.table(shown) { say(line) }
        if entries.count > limit {
            FileHandle.standardError.write(Data("paperboy: showing the newest \(limit) rows; --limit N shows more\n".utf8))
        }
    }
}
