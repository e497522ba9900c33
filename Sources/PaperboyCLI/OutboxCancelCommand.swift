import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy outbox cancel ID... [--at TIME]`
struct OutboxCancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel queued or deferred digests: they are never sent.",
        discussion: """
        All or none: when a row named is sending, sent, failed, cancelled or unknown, nothing changes. The \
        papers of a cancelled digest stay in the sent log (they are not offered to that subscriber again).
        """
    )

    @OptionGroup var config: ConfigOptions

    @Argument(help: ArgumentHelp("Outbox row ids (`paperboy outbox list` shows them).", valueName: "ID"))
    var ids: [Int64]

    @OptionGroup var time: MomentOption

    func run() throws {
        let moment = try time.moment()
        let settings = try config.loadConfig()
        let store = try config.openStore(settings)
        let changes = try store.cancelQueued(ids: ids, reason: "cancelled by the operator (paperboy outbox cancel)", at: moment)
        var refused: [String] = []
        for change in changes {
            switch change {
            case .changed: break
            case .refused(let id, let state):
                let why = switch state {
                case .sending: "is being sent right now"
                case .sent: "was sent already"
                default: "is \(state.rawValue) already"
                }
                refused.append("\(id) \(why)")
            case .unknown(let id):
                refused.append("\(id) is not an outbox row")
            }
        }
        guard refused.isEmpty else {
            throw CLIFailure("nothing cancelled: \(refused.joined(separator: ", ")); only queued and deferred rows can be cancelled (`paperboy outbox list` shows the states)", exitCode: .dataError)
        }
        for case .changed(let id, let from) in changes { say("\(id): \(from.rawValue) → cancelled") }
        say("\(changes.count) digest\(changes.count == 1 ? "" : "s") cancelled")
    }
}
