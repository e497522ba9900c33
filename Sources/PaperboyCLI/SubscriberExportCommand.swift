import ArgumentParser
import Foundation
import PaperboyCore

/// `paperboy subscriber export [--output FILE]`
struct SubscriberExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every subscriber (not those who unsubscribed, nor requests waiting for their confirmation) as a subscriber file.",
        discussion: "Importing the file again changes nothing; keep it under version control."
    )

    @OptionGroup var config: ConfigOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "FILE"))
    var output: String?

    func run() throws {
        let (_, store) = try config.openConfiguredStore()
        let subscribers = try store.subscribers().filter { $0.unsubscribedAt == nil && $0.pendingSince == nil }.map(\.preferences)
        let text = SubscriberFile.render(subscribers)
        guard let output else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try PrivateFile.write(text.utf8, to: output)
        } catch {
            throw CLIFailure("\(error); check the folder exists and is writable", exitCode: .dataError)
        }
        say("exported \(subscribers.count) subscriber\(subscribers.count == 1 ? "" : "s") to \(output)")
    }
}
