import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy outbox retry [--all | ID...] [--at TIME]`
struct OutboxRetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Make deferred digests due now, so the next send-digest (or the daemon) sends them.",
        discussion: """
        --all takes every deferred row. Rows named by ID may also be queued or failed: a failed row is tried \
        again (say, after a mailbox-full or a wrong smtp.url was fixed); it still gives up after smtp.retry's \
        give-up age, counted from when it was planned. --all leaves failed rows alone, so an old failure is \
        never resent by accident. Sending, sent and cancelled rows are refused.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Flag(help: "Every deferred row.")
    var all = false

    @Argument(help: ArgumentHelp("Outbox row ids (`paperboy outbox list` shows them).", valueName: "ID"))
    var ids: [Int64] = []

    @OptionGroup var time: MomentOption

    func validate() throws {
        if all != ids.isEmpty {
            throw ValidationError(all ? "give either --all or row ids, not both" : "name the rows to retry (ids from `paperboy outbox list`), or --all")
        }
    }

    func run() throws {
        let moment = try time.moment()
        let settings = try config.loadConfig()
        let store = try config.openStore(settings)
        let changes = try store.retryNow(ids: all ? nil : ids, at: moment)
        var made = 0
        var refused: [String] = []
        for change in changes {
            switch change {
            case .changed(let id, let from):
                made += 1
                say("\(id): \(from.rawValue) → due now")
            case .refused(let id, let state):
                refused.append("\(id) is \(state.rawValue)\(state == .sending ? " (a sender holds it)" : "")")
            case .unknown(let id):
                refused.append("\(id) is not an outbox row")
            }
        }
        if all && made == 0 { say("no deferred digests") }
        if made > 0 { say("\(made) digest\(made == 1 ? "" : "s") due now; `paperboy send-digest` sends \(made == 1 ? "it" : "them") (the daemon does within a minute)") }
        if !refused.isEmpty {
            throw CLIFailure("not retried: \(refused.joined(separator: ", ")); only queued, deferred and failed rows can be retried", exitCode: .dataError)
        }
    }
}
