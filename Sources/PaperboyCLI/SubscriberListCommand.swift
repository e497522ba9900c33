import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber list [--status STATUS]... [--json]`
struct SubscriberListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List subscribers, unsubscribed and pending ones too (or only those with --status).")

    @OptionGroup var config: ConfigOptions

    @Option(help: ArgumentHelp("Only subscribers with this status: pending, active, paused or unsubscribed. Repeat it (or separate with commas) for several.",
                               valueName: "status"))
    var status: [String] = []

    func validate() throws {
        _ = try statuses()
    }

    /// The statuses asked for; nil for all.
    func statuses() throws -> Set<SubscriberStatus>? {
        guard !status.isEmpty else { return nil }
        var wanted = Set<SubscriberStatus>()
        for word in status.flatMap({ $0.split(separator: ",") }) {
            let name = word.trimmingCharacters(in: .whitespaces).lowercased()
            guard let known = SubscriberStatus(rawValue: name) else {
                throw ValidationError("--status \(word) is not a status; use pending, active, paused or unsubscribed (repeat --status for several)")
            }
            wanted.insert(known)
        }
        return wanted
    }

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let (settings, store) = try config.openConfiguredStore()
        let wanted = try statuses()
        let subscribers = try store.subscribers().filter { wanted?.contains($0.status) ?? true }
        let now = try CommandClock.now()
        if json {
            say(try PaperJSON.encode(subscribers.map { SubscriberJSON($0, defaults: settings.digest, now: now) }))
            return
        }
        if subscribers.isEmpty {
            if let wanted {
                say("No subscriber is \(SubscriberStatus.allCases.filter(wanted.contains).map(\.rawValue).joined(separator: " or ")).")
            } else {
                say("No subscribers yet. Add one with `paperboy subscriber add EMAIL`.")
            }
            return
        }
        let width = min(40, subscribers.map { $0.email.description.count }.max() ?? 5)
        say("\("EMAIL".padding(width))  \("STATUS".padding(12))  \("SCHEDULE".padding(30))  \("NEXT DIGEST".padding(17))  QUERY")
        for subscriber in subscribers {
            let p = subscriber.preferences
            let schedule = p.schedule ?? settings.digest.schedule
            let scheduleText = p.schedule == nil ? "(default) \(schedule)" : schedule.description
            let next = subscriber.status == .active ? DisplayDate.minute(schedule.nextDue(after: now)) : "-"
            say("\(p.email.description.padding(width))  \(subscriber.status.rawValue.padding(12))  \(scheduleText.padding(30))  \(next.padding(17))  \(p.query?.text ?? "(top trending)")")
        }
        let active = subscribers.filter { $0.status == .active }.count
        let pending = subscribers.filter { $0.status == .pending }.count
        say("\(subscribers.count) subscriber\(subscribers.count == 1 ? "" : "s"), \(active) active" + (pending == 0 ? "" : ", \(pending) pending (not confirmed yet)"))
    }
}
