import ArgumentParser
import Foundation
import PaperboyPipeline

/// `paperboy`: the root command; each subcommand lives in its own file.
public struct PaperboyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "paperboy",
        abstract: "Emails each subscriber a digest of the trending research papers that match their interests.",
        version: PaperboyVersion.current,
        subcommands: [RunCommand.self, SendDigestCommand.self, CheckCommand.self, FetchCommand.self, PapersCommand.self, SubscriberCommand.self, ExplainCommand.self, PreviewCommand.self, OutboxCommand.self, BounceCommand.self, DbCommand.self]
    )

    public init() {}

    /// Parses the arguments and runs the command. The one place a command's
    /// error becomes the process exit: an error with an exit status
    /// (`ExitStatus.of`) prints `paperboy: <message>` once on stderr and
    /// exits with its code; anything else (usage errors, `ExitCode`, help)
    /// is ArgumentParser's to report, as for any command.
    public static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard let (status, message) = ExitStatus.of(error, at: .work) else { exit(withError: error) }
            FileHandle.standardError.write(Data("paperboy: \(message)\n".utf8))
            exit(withError: ExitCode(status.rawValue))
        }
    }
}
