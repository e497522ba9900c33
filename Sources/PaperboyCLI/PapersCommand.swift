import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy papers ...`: look at the stored papers.
struct PapersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "papers",
        abstract: "List, show and search stored papers.",
        subcommands: [PapersListCommand.self, PapersShowCommand.self, PapersSearchCommand.self]
    )
}

/// Where papers are read from: the configured database, or the bundled demo corpus.
struct PaperSourceOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    @Flag(name: .long, help: "Use the bundled demo corpus (in memory) instead of the configured database.")
    var demo = false

    func openStore() throws -> Store {
        if demo {
            return try DemoCorpus.store(at: try CommandClock.now())
        }
        return try config.openStore(try config.loadConfig())
    }
}

/// The one JSON encoder configuration for everything the CLI prints
/// (`papers`, `subscriber`, `outbox`, `explain`): snake_case keys
/// (`first_seen_at`), ISO 8601 dates, sorted keys.
enum PaperJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
