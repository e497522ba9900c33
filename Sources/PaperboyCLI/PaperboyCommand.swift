import ArgumentParser
import PaperboyPipeline

/// `paperboy`: the root command; each subcommand lives in its own file.
public struct PaperboyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paperboy",
        abstract: "Emails each subscriber a digest of the trending research papers that match their interests.",
        version: PaperboyVersion.current,
        subcommands: [RunCommand.self, SendDigestCommand.self, CheckCommand.self, FetchCommand.self, PapersCommand.self, SubscriberCommand.self, ExplainCommand.self, PreviewCommand.self, OutboxCommand.self, DbCommand.self]
    )

    public init() {}
}
