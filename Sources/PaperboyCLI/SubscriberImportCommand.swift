import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber import FILE [--dry-run] [--prune] [--resubscribe]`
struct SubscriberImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add and update subscribers from a subscriber file, all or nothing.",
        discussion: """
        Entries not yet stored are added; stored ones take the file's values (a field left out takes its default). \
        One bad entry and nothing changes: every bad entry is listed with its position, address and reason (exit 65). \
        Addresses that unsubscribed are skipped and reported unless --resubscribe.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Argument(help: "The subscriber file (YAML; see README).")
    var file: String

    @Flag(help: "Print what would be added, changed and removed, and change nothing.")
    var dryRun = false

    @Flag(help: "Remove subscribers that are not in the file (those who unsubscribed are kept, so they stay unsubscribed).")
    var prune = false

    @Flag(help: "Add back addresses that unsubscribed (only with their consent).")
    var resubscribe = false

    func run() throws {
        try reportingFailures {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw CLIFailure("cannot read \(file): it does not exist, is not readable, or is not UTF-8", exitCode: .dataError)
            }
            let entries: [SubscriberPreferences]
            do {
                entries = try SubscriberFile.parse(text, file: file)
            } catch {
                throw CLIFailure("\(error)", exitCode: .dataError)
            }
            let (_, store) = try config.openConfiguredStore()
            let plan = dryRun
                ? try store.planSubscriberImport(entries, prune: prune, resubscribe: resubscribe)
                : try store.importSubscribers(entries, prune: prune, resubscribe: resubscribe, at: try CommandClock.now())
            if dryRun || config.verbose {
                let verb = dryRun ? "would " : ""
                for email in plan.adds { say("\(verb)add \(email)") }
                for change in plan.changes { say("\(verb)change \(change.email): \(change.fields.joined(separator: ", "))") }
                for email in plan.removes { say("\(verb)remove \(email)") }
            }
            for skip in plan.skipped {
                say("skip \(skip.email): unsubscribed on \(DisplayDate.minute(skip.unsubscribedAt)); --resubscribe adds them back (only with their consent)")
            }
            if dryRun {
                say("dry run, nothing changed: would add \(plan.adds.count), change \(plan.changes.count), remove \(plan.removes.count); \(plan.skipped.count) skipped, \(plan.unchanged) unchanged")
            } else {
                say("imported \(file): \(plan.adds.count) added, \(plan.changes.count) changed, \(plan.removes.count) removed, \(plan.skipped.count) skipped, \(plan.unchanged) unchanged")
            }
        }
    }
}
