import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber show EMAIL [--json]`
struct SubscriberShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one subscriber, with the defaults in effect and the next digest time.")

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingFailures {
            let email = try address.parsed()
            let (settings, store) = try config.openConfiguredStore()
            guard let subscriber = try store.subscriber(email) else {
                throw CLIFailure("no subscriber has the address \(email); `paperboy subscriber list` shows them", exitCode: .dataError)
            }
            let view = SubscriberJSON(subscriber, defaults: settings.digest, now: try CommandClock.now())
            if json {
                say(try PaperJSON.encode(view))
                return
            }
            var lines = SubscriberFile.renderEntry(subscriber.preferences).split(separator: "\n").map(String.init)
            lines.append("status: \(subscriber.status.rawValue)\(subscriber.pausedReason.map { " (\($0))" } ?? "")")
            if subscriber.preferences.maxPapers == nil { lines.append("max_papers in effect: \(view.effective_max_papers) (digest.max_papers)") }
            if subscriber.preferences.schedule == nil { lines.append("schedule in effect: \(view.effective_schedule) (digest.schedule)") }
            if let next = view.next_digest_at { lines.append("next digest: \(DisplayDate.minute(next))") }
            if let left = subscriber.unsubscribedAt { lines.append("unsubscribed: \(DisplayDate.minute(left))") }
            lines.append("added: \(DisplayDate.minute(subscriber.createdAt)), last changed: \(DisplayDate.minute(subscriber.updatedAt))")
            lines += try OutboxSummary.recentDigests(store, subscriberID: subscriber.id)
            say(lines.joined(separator: "\n"))
        }
    }
}
