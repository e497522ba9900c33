import ArgumentParser

/// `paperboy outbox ...`: see and steer the digests waiting to be sent.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "See the planned digests and their delivery state; retry deferred ones now, cancel waiting ones.",
        subcommands: [OutboxListCommand.self, OutboxRetryCommand.self, OutboxCancelCommand.self]
    )
}
