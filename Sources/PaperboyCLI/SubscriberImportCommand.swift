import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy subscriber import FILE [--dry-run] [--prune]`
struct SubscriberImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add and update subscribers from a subscriber file, all or nothing.",
        discussion: """
        Entries not yet stored are added; stored ones take the file's values (a field left out takes its default). \
        One bad entry and nothing changes: every bad entry is listed with its position, address and reason (exit 65). \
        Addresses that unsubscribed, and those waiting to confirm a subscribe-page request, are skipped and reported: \
        only the person can subscribe them, by confirming on the subscribe page. New addresses are recorded as subscribed by import. \
        --prune that would remove everyone, more than half, or more than 10 and more than 10 % of the subscribers (or more than --prune-limit) \
        is refused unless --yes; before it removes anyone, every subscriber is exported to backups/ next to the database.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Argument(help: "The subscriber file (YAML; see docs/commands.md, subscriber import).")
    var file: String

    @Flag(help: "Print what would be added, changed and removed, and change nothing.")
    var dryRun = false

    @Flag(help: "Remove subscribers that are not in the file (those who unsubscribed are kept, so they stay unsubscribed; pending requests are kept until they expire).")
    var prune = false

    /// Gone: an import never subscribes an address that unsubscribed. Kept
    /// (hidden) only to say so, instead of "unknown option".
    @Flag(help: .hidden)
    var resubscribe = false

    @Flag(help: "Accept addresses that differ only in case from a subscriber or from each other (two mailboxes, not one).")
    var allowCaseVariant = false

    @Option(help: ArgumentHelp("With --prune: remove at most N subscribers without --yes (default: not everyone, at most half, and at most 10 or 10 % when more).", valueName: "N"))
    var pruneLimit: Int?

    @Flag(help: "With --prune: remove however many the file leaves out.")
    var yes = false

    func validate() throws {
        if resubscribe {
            throw ValidationError("--resubscribe is no longer part of import: an address that unsubscribed can subscribe again only with its own consent, by confirming a request on the subscribe page (web.subscribe: open); the import skips and lists it")
        }
        if let pruneLimit, pruneLimit < 0 {
            throw ValidationError("--prune-limit \(pruneLimit) is negative; give the number of subscribers a prune may remove, 0 or more")
        }
    }

    func run() throws {
        let entries = try readEntries()
        let (settings, store) = try config.openConfiguredStore()
        let guardRule = PruneGuard(limit: pruneLimit)
        var active = 0
        var plan = SubscriberImportPlan()
        // A plan before the change only when it is shown (--dry-run) or
        // guards a prune; a plain import's transaction makes its own.
        if dryRun || prune {
            plan = try storeChange {
                try store.planSubscriberImport(entries, prune: prune, allowCaseVariants: allowCaseVariant)
            }
            active = try store.activeSubscriberCount()
            if !dryRun && !yes && guardRule.refuses(removing: plan.removes.count, ofActive: active) {
                throw CLIFailure(refusal(plan.removes, active: active, rule: guardRule), exitCode: .dataError)
            }
        }
        if !dryRun {
            let now = try CommandClock.now()
            if !plan.removes.isEmpty {
                let backup = try SubscriberBackup.write(store, database: settings.database, command: "import-prune", at: now)
                say("backup of \(active) subscriber\(active == 1 ? "" : "s") before pruning: \(backup) (`paperboy subscriber import \(backup)` restores them)")
            }
            do {
                plan = try storeChange {
                    try store.importSubscribers(entries, prune: prune, allowCaseVariants: allowCaseVariant,
                                                maxRemovals: yes || !prune ? nil : guardRule.allowedRemovals(ofActive: active), at: now)
                }
            } catch let refused as PruneRefused {
                // Subscribers were added meanwhile: the guard holds in the transaction too.
                throw CLIFailure(refusal(refused.removes, active: active, rule: guardRule), exitCode: .dataError)
            }
        }
        if dryRun || config.verbose {
            let verb = dryRun ? "would " : ""
            for email in plan.adds { say("\(verb)add \(email)") }
            for change in plan.changes { say("\(verb)change \(change.email): \(change.fields.joined(separator: ", "))") }
            for email in plan.removes { say("\(verb)remove \(email)") }
        }
        for skip in plan.skipped {
            switch skip.reason {
            case .unsubscribed(let left):
                say("skip \(skip.email): unsubscribed on \(DisplayDate.minute(left)); only they can subscribe again, on the subscribe page")
            case .pending(let asked):
                say("skip \(skip.email): asked on the subscribe page on \(DisplayDate.minute(asked)) and waiting for their confirmation; they become a subscriber when they confirm")
            }
        }
        if dryRun && !yes && guardRule.refuses(removing: plan.removes.count, ofActive: active) {
            say("without --dry-run this prune is refused: it removes \(plan.removes.count) of \(active), more than \(guardRule.allowedRemovals(ofActive: active)) at once; add --yes or raise --prune-limit to go ahead")
        }
        if dryRun {
            say("dry run, nothing changed: would add \(plan.adds.count), change \(plan.changes.count), remove \(plan.removes.count); \(plan.skipped.count) skipped, \(plan.unchanged) unchanged")
        } else {
            say("imported \(file): \(plan.adds.count) added, \(plan.changes.count) changed, \(plan.removes.count) removed, \(plan.skipped.count) skipped, \(plan.unchanged) unchanged")
        }
    }

    /// The file's entries, read from its bytes (one copy of the file, freed
    /// before the store work; no String, no node tree).
    private func readEntries() throws -> [SubscriberPreferences] {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw CLIFailure("cannot read \(file): it does not exist or is not readable", exitCode: .dataError)
        }
        do {
            return try bytes.withUnsafeBytes { raw throws(SubscriberFileError) in
                try SubscriberFile.parse(utf8: raw, file: file, allowCaseVariants: allowCaseVariant)
            }
        } catch {
            throw CLIFailure("\(error)", exitCode: .dataError)
        }
    }

    /// The refusal of a prune past the guard: what, how many, and how to go on.
    private func refusal(_ removes: [EmailAddress], active: Int, rule: PruneGuard) -> String {
        let shown = removes.prefix(10).map(\.description).joined(separator: ", ")
        let more = removes.count > 10 ? " and \(removes.count - 10) more" : ""
        return "\(file) leaves out \(removes.count) of \(active) subscribers, and --prune would remove them (\(shown)\(more)); "
            + "that is more than \(rule.allowedRemovals(ofActive: active)) at once, so nothing changed. "
            + "Check the file is complete (--dry-run lists every change); to remove them, run again with --yes "
            + "(a backup is written first) or raise --prune-limit"
    }
}
