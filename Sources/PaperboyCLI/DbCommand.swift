import ArgumentParser

/// `paperboy db ...`: database upkeep.
struct DbCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Look after the database (prune what retention: no longer keeps, copy it into PostgreSQL).",
        subcommands: [DbPruneCommand.self, DbCopyCommand.self]
    )
}
