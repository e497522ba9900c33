import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber list [--json]`
struct SubscriberListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List subscribers, unsubscribed ones too.")

    @OptionGroup var config: ConfigOptions

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        try reportingFailures {
            let (settings, store) = try config.openConfiguredStore()
            let subscribers = try store.subscribers()
            let now = try CommandClock.now()
            if json {
                say(try PaperJSON.encode(subscribers.map { SubscriberJSON($0, defaults: settings.digest, now: now) }))
                return
            }
            if subscribers.isEmpty {
                say("No subscribers yet. Add one with `paperboy subscriber add EMAIL`.")
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
            say("\(subscribers.count) subscriber\(subscribers.count == 1 ? "" : "s"), \(active) active")
        }
    }
}
