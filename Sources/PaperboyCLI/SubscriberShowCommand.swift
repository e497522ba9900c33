import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy subscriber show EMAIL [--json]`
struct SubscriberShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one subscriber: their settings, the defaults in effect, status, how and when they subscribed, liked and Not for me papers, the next digest time, recent digests and bounces."
    )

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
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
        lines += SubscriptionHistory.lines(subscriber)
        lines += try FeedbackLines.lines(subscriber.preferences, store: store)
        if subscriber.preferences.maxPapers == nil { lines.append("max_papers in effect: \(view.effective_max_papers) (digest.max_papers)") }
        if subscriber.preferences.schedule == nil { lines.append("schedule in effect: \(view.effective_schedule) (digest.schedule)") }
        if let next = view.next_digest_at { lines.append("next digest: \(DisplayDate.minute(next))") }
        if let left = subscriber.unsubscribedAt { lines.append("unsubscribed: \(DisplayDate.minute(left))") }
        lines.append("last changed: \(DisplayDate.minute(subscriber.updatedAt))")
        lines += try OutboxSummary.recentDigests(store, subscriberID: subscriber.id)
        lines += try BounceLines.history(store, subscriberID: subscriber.id)
        say(lines.joined(separator: "\n"))
    }
}

/// How and when a subscriber subscribed, for `subscriber show`.
enum SubscriptionHistory {
    static func lines(_ subscriber: Subscriber) -> [String] {
        let created = DisplayDate.minute(subscriber.createdAt)
        var lines: [String]
        switch subscriber.origin {
        case .operator: lines = ["subscribed: by the operator (subscriber add) on \(created)"]
        case .import: lines = ["subscribed: by the operator's import (subscriber import) on \(created)"]
        case .web: lines = ["subscribed: on the subscribe page on \(created)"]
        }
        if let confirmed = subscriber.confirmedAt {
            lines.append("confirmed: \(DisplayDate.minute(confirmed)) (they opened the link in the confirmation mail)")
        }
        if let pending = subscriber.pendingSince {
            lines.append("pending since: \(DisplayDate.minute(pending)): asked on the subscribe page and has not confirmed yet; no digest goes to them before they do")
        }
        return lines
    }
}

/// A subscriber's liked and "Not for me" papers, with titles when stored.
enum FeedbackLines {
    static func lines(_ preferences: SubscriberPreferences, store: Store) throws -> [String] {
        let ids = preferences.likes + preferences.dislikes
        guard !ids.isEmpty else { return [] }
        let titles = Dictionary(try store.papers(ids: ids).map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
        func listed(_ heading: String, _ list: [String]) -> [String] {
            guard !list.isEmpty else { return [] }
            return ["\(heading) (\(list.count)):"] + list.map { "  \($0)  \(titles[$0] ?? "(not stored)")" }
        }
        return listed("liked", preferences.likes) + listed("not for me", preferences.dislikes)
    }
}
