import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy bounce`: what the return mailbox holds.
struct BounceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bounce",
        abstract: "Read bounces, complaints and mailed unsubscribes.",
        subcommands: [BouncePollCommand.self, BounceListCommand.self, BounceClassifyCommand.self]
    )
}

/// `paperboy bounce classify FILE... [--json] [--unsubscribe-address ADDRESS]...`
struct BounceClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Say what each saved message is: hard, soft, complaint, unsubscribe, auto-reply or unknown.",
        discussion: """
            Reads each FILE as one message (as saved from a mail client, .eml, or as delivered to a Maildir) and prints \
            its kind, the addresses it reports, the status code and why it was read so. Changes nothing.
            """
    )

    @Argument(help: "The saved messages.")
    var files: [String]

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    @Option(name: .customLong("unsubscribe-address"), help: "An address that takes unsubscribe requests (mail.unsubscribe_mailto); may be repeated.")
    var unsubscribeAddresses: [String] = []

    func run() throws {
        var results: [ClassifiedFile] = []
        for file in files {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw CLIFailure("cannot read \(file): \(error.localizedDescription); give the path of a saved message", exitCode: .dataError)
            }
            let report = BounceClassifier.classify(ReceivedMessage(Array(data)), unsubscribeAddresses: unsubscribeAddresses)
            results.append(ClassifiedFile(file: file, report: report))
        }
        if json {
            say(try PaperJSON.encode(results))
            return
        }
        for result in results {
            let report = result.report
            var line = "\(result.file): \(report.kind.rawValue)"
            if let status = report.status { line += " \(status)" }
            if !report.recipients.isEmpty { line += " " + report.recipients.joined(separator: ", ") }
            line += " (\(report.reason))"
            if let diagnostic = report.diagnostic { line += "\n  \(diagnostic)" }
            say(line)
        }
    }
}

/// One file's result as `--json` prints it.
struct ClassifiedFile: Encodable {
    let file: String
    let report: BounceReport

    enum CodingKeys: String, CodingKey {
        case file, kind, recipients, status, diagnostic, token, reason
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(report.kind.rawValue, forKey: .kind)
        try container.encode(report.recipients, forKey: .recipients)
        try container.encode(report.status, forKey: .status)
        try container.encode(report.diagnostic, forKey: .diagnostic)
        try container.encode(report.token, forKey: .token)
        try container.encode(report.reason, forKey: .reason)
    }
}
