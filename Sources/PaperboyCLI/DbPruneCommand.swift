import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy db prune [--dry-run] [--at TIME]`
struct DbPruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old message bodies, outbox rows and sent-log entries, as retention: says.",
        discussion: """
        Sent, failed and cancelled digests lose their message body after retention.message_bodies (30d) and \
        their row after retention.outbox_rows (365d); queued and deferred ones are never touched. Sent-log \
        entries (which papers went to whom) are kept for retention.sent_log (365d), and never less than \
        digest.lookback, so no paper is mailed twice. `paperboy run` does this once a day. Safe while the daemon \
        runs: the work is done in small transactions. --dry-run only counts and writes nothing.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Flag(help: "Print what would be removed; write nothing (the database is opened read-only).")
    var dryRun = false

    @OptionGroup var time: MomentOption

    func run() throws {
        let moment = try time.moment()
        let settings = try config.loadConfig()
        let store = try config.openStore(settings, readOnly: dryRun)
        let cutoffs = PruneCutoffs(at: moment, retention: settings.retention, lookback: settings.digest.lookback)
        // A StoreError exits through the one mapping (75 busy, else 70).
        let report = try store.prune(cutoffs, dryRun: dryRun)
        let (empty, delete) = dryRun ? ("would empty", "would delete") : ("emptied", "deleted")
        say("message bodies: \(empty) \(report.messageBodies) (\(Self.size(report.messageBytes))) of digests finished before \(Self.day(cutoffs.messageBodies))")
        say("outbox rows: \(delete) \(report.outboxRows) of digests finished before \(Self.day(cutoffs.outboxRows))")
        say("sent log: \(delete) \(report.sentLog) entries planned before \(Self.day(cutoffs.sentLog))")
        if dryRun { say("dry run: nothing was changed") }
    }

    static func day(_ date: Date) -> String {
        DateFormats.day(date)
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MB", Double(bytes) / Double(1 << 20)) : "\((bytes + 1023) / 1024) KB"
    }
}
