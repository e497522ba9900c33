import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy bounce poll [--dry-run]`
struct BouncePollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Read the return mailbox once: act on bounces, complaints and mailed unsubscribes (the daemon does this every bounce.interval).",
        discussion: """
            Each message not read before is classified, traced to its subscriber (by the signed return path, the \
            unsubscribe token, or the address it reports), recorded and acted on in one transaction, then moved to \
            bounce.processed_folder; auto-replies stay where they are, and messages Paperboy does not understand stay \
            flagged for a person. Nothing is ever deleted. With --dry-run, nothing is recorded and the mailbox is not \
            changed: each line says what would be done.
            """
    )

    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Say what would be done; record nothing and leave the mailbox as it is.")
    var dryRun = false

    func run() throws {
        let settings = try config.loadConfig()
        let store = try config.openStore(settings)
        let clock = try CommandClock.daemonClock()
        guard let reading = try BounceSetup.reading(config: settings, configPath: config.configPath, store: store, now: { clock.now() }) else {
            throw BounceSetup.missingMailbox(configPath: config.configPath)
        }
        let session = try reading.open()
        let report = try reading.poller.poll(session, dryRun: dryRun, onItem: { item in
            say(Self.line(item, dryRun: dryRun))
            // Each line as it happens, also into a pipe (`| tee`): the message is recorded by now (and moved with its batch).
            fflush(nil)
        })
        let read = report.items.filter { !$0.recordedBefore }
        var summary = "\(reading.mailboxURL): \(read.count) message\(read.count == 1 ? "" : "s") \(dryRun ? "to read" : "read")"
        let kinds = BounceKind.allCases.compactMap { kind in report.count(kind) > 0 ? "\(report.count(kind)) \(kind.rawValue)" : nil }
        if !kinds.isEmpty { summary += " (" + kinds.joined(separator: ", ") + ")" }
        let finished = report.items.count - read.count
        if finished > 0 { summary += "; \(finished) recorded by an earlier poll \(dryRun ? "would be" : "were") moved now" }
        if report.skipped > 0 { summary += "; \(report.skipped) read before (POP3 keeps them)" }
        if report.gone > 0 { summary += "; \(report.gone) went before they were read (moved by someone else)" }
        say(summary + (dryRun ? "; dry run: nothing changed" : ""))
        for problem in report.notMoved { sayError("recorded but not moved: \(problem.debugEscaped)") }
        if !report.notMoved.isEmpty {
            throw CLIFailure("\(report.notMoved.count) message\(report.notMoved.count == 1 ? " was" : "s were") recorded but not moved or flagged; "
                             + "nothing is applied twice, and the next poll tries again", exitCode: .temporaryFailure)
        }
    }

    static func line(_ item: BouncePollReport.Item, dryRun: Bool) -> String {
        // The key, status and address come from the mailbox: escaped for the terminal.
        var line = "\(item.key.debugEscaped)  \(item.kind.rawValue)"
        if let status = item.status { line += " \(status.debugEscaped)" }
        if let address = item.address { line += " \(address.debugEscaped)" }
        if item.recordedBefore { return line + "  → recorded by an earlier poll; \(disposition(item.decision.disposition, dryRun: dryRun))" }
        let effect: String = switch (item.outcome, item.decision.effect) {
        case (let outcome?, _): BounceLines.words(outcome)
        case (nil, .pause): "would pause"
        case (nil, .softBounce): "would count a soft bounce"
        case (nil, .unsubscribe): "would unsubscribe"
        case (nil, .nothing): "would change nothing"
        }
        let who = item.subscriberID.map { " subscriber \($0)" } ?? ""
        return line + "  → \(effect)\(who) (\(item.decision.note.debugEscaped)); \(disposition(item.decision.disposition, dryRun: dryRun))"
    }

    static func disposition(_ disposition: BounceDisposition, dryRun: Bool) -> String {
        (dryRun ? "would be " : "") + BounceLines.words(disposition)
    }
}
