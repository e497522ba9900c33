import ArgumentParser
import PaperboyCore
import PaperboyPipeline

/// `paperboy fetch [--source NAME]`
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch every configured source (or one) and store its papers.",
        discussion: """
        Prints one line per source: fetched, new, updated and unchanged counts, \
        "unchanged" for an HTTP 304, or the error. A failing source does not stop \
        the others. Exits 0 when at least one source worked, 69 when all failed, \
        78 for a config problem.
        """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("Fetch only this source (its name in the config).", valueName: "NAME"))
    var source: [String] = []

    func run() throws {
        try reportingFailures {
            let config = try options.loadConfig()
            var sources = config.sources
            if !source.isEmpty {
                let known = Set(config.sources.map(\.name))
                if let unknown = source.first(where: { !known.contains($0) }) {
                    throw CLIFailure(
                        "no source named \"\(unknown)\" in \(options.configPath); configured: \(config.sources.map(\.name).joined(separator: ", "))",
                        exitCode: .usage
                    )
                }
                sources = config.sources.filter { source.contains($0.name) }
            }
            let store = try options.openStore(config)
            let clock = try CommandClock.daemonClock()
            let ingestor = FeedIngestor(store: store, settings: config.fetch, logger: options.makeLogger(label: "paperboy.fetch"), now: { clock.now() })
            let reports = ingestor.ingest(sources)
            for report in reports { say(report.line) }
            if !reports.contains(where: \.succeeded) {
                throw ExitCode(ExitStatus.unavailable.rawValue)
            }
        }
    }
}
