import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyStore

/// `paperboy preview EMAIL [--format eml|html|text] [--at TIME]`
struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Print the digest a subscriber would get, changing nothing.",
        discussion: "--format eml prints the whole message as sent (headers, MIME parts); html and text print one body. With --demo, EMAIL is one of the demo subscribers: ada@example.org, grace@example.org, alan@example.org."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case eml, html, text }

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @Option(help: "eml (the whole message), html or text.")
    var format: Format = .eml

    @OptionGroup var time: MomentOption

    @Flag(help: "Use the bundled demo corpus and demo subscribers (no config needed).")
    var demo = false

    func run() throws {
        try reportingFailures {
            let email = try address.parsed()
            let moment = try time.moment()
            let settings: PaperboyConfig
            let store: Store
            let composer: DigestComposer
            if demo {
                settings = DemoCorpus.mailConfig()
                store = try DemoCorpus.storeWithSubscribers(at: moment.addingTimeInterval(-3600))
                composer = try MailSetup.composer(config: settings, configPath: "(demo)", environment: DemoCorpus.demoEnvironment)
            } else {
                (settings, store) = try config.openConfiguredStore()
                do {
                    composer = try MailSetup.composer(config: settings, configPath: config.configPath)
                } catch {
                    throw CLIFailure("\(error)", exitCode: .config)
                }
            }
            guard let subscriber = try store.subscriber(email) else {
                throw CLIFailure("no subscriber has the address \(email); `paperboy subscriber list` shows them", exitCode: .dataError)
            }
            let loader = SelectionLoader(store: store, digest: settings.digest)
            let papers = try loader.selector(at: moment, subscribers: [subscriber]).select(
                subscriber.preferences, maxPapers: subscriber.preferences.maxPapers ?? settings.digest.maxPapers,
                sent: try store.sentPaperIDs(subscriberID: subscriber.id)
            )
            if papers.isEmpty {
                throw CLIFailure("the digest of \(email) at \(DisplayDate.minute(moment)) would be empty, so nothing would be sent; `paperboy explain \(email)` says why", exitCode: .dataError)
            }
            let composed = composer.compose(subscriber, papers: papers, at: moment)
            switch format {
            case .eml: FileHandle.standardOutput.write(Data(composed.message))
            case .html:
                guard let html = composed.rendered.html else {
                    throw CLIFailure("\(email) gets plain text only (format: text); use --format text or eml", exitCode: .usage)
                }
                say(html)
            case .text: say(composed.rendered.text)
            }
        }
    }
}
