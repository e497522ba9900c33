import ArgumentParser
import Foundation
import Curl
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy preview EMAIL [--format eml|html|text] [--at TIME] [--send-to ADDRESS]`
struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Print the digest a subscriber would get, changing nothing.",
        discussion: "--format eml prints the whole message as sent (headers, MIME parts); html and text print one body. With --demo, EMAIL is one of the demo subscribers: ada@example.org, grace@example.org, alan@example.org. --send-to ADDRESS sends the digest to ADDRESS instead, through the configured SMTP server, its subject marked [test]; nothing is recorded (no outbox row, no sent paper), so the subscriber's own digest is unchanged."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case eml, html, text }

    @OptionGroup var config: ConfigOptions
    @OptionGroup var address: EmailArgument

    @Option(help: "eml (the whole message), html or text.")
    var format: Format = .eml

    @OptionGroup var time: MomentOption

    @Flag(help: "Use the bundled demo corpus and demo subscribers (no config needed).")
    var demo = false

    @Option(name: .customLong("send-to"), help: ArgumentHelp("Send the digest to this address (a test, subject marked [test]) through the configured SMTP server.", valueName: "ADDRESS"))
    var sendTo: String?

    func validate() throws {
        if let sendTo {
            if demo { throw ValidationError("--send-to needs a config with smtp; it does not go with --demo") }
            do { _ = try EmailAddress(parsing: sendTo) } catch { throw ValidationError("--send-to: \(error)") }
        }
    }

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
            if let sendTo {
                let recipient = try EmailAddress(parsing: sendTo)
                let test = composer.compose(subscriber, papers: papers, at: moment, testRecipient: recipient)
                try sendTest(test, to: recipient, of: email, settings: settings, store: store, composer: composer)
                return
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

    /// Sends one test message through the configured SMTP server and says what the server answered.
    func sendTest(_ test: DigestComposer.Composed, to recipient: EmailAddress, of email: EmailAddress,
                  settings: PaperboyConfig, store: Store, composer: DigestComposer) throws {
        guard let smtp = settings.smtp else {
            throw CLIFailure("\(config.configPath): smtp: missing; --send-to sends through it (see deploy/paperboy.yaml)", exitCode: .config)
        }
        let clock = try CommandClock.daemonClock()
        let runner: DeliveryRunner
        do {
            runner = try DeliveryRunner(store: store, smtp: smtp, password: try DeliveryRunner.password(smtp), fromDomain: composer.from.email.domain,
                                        logger: config.makeLogger(label: "paperboy.preview"), now: { clock.now() })
        } catch let error as MailSetupError {
            throw CLIFailure(error.message, exitCode: .config)
        }
        var outcome: SMTPOutcome?
        runner.transport.send([SMTPEnvelope(tag: 0, from: composer.from.email.description, to: recipient.description, message: test.message)]) { _, result in
            outcome = result
        }
        switch outcome {
        case .sent(let reply):
            say("sent a test of \(email)'s digest to \(recipient) (subject \"\(test.rendered.subject)\" marked [test]): \(reply); nothing was recorded")
        case .temporary(let reply, let code, let hint):
            throw CLIFailure("the test to \(recipient) was not sent: \(DeliveryRunner.describe(reply, code, hint))", exitCode: .temporaryFailure)
        case .permanent(let reply, let code, let hint):
            throw CLIFailure("the test to \(recipient) was refused: \(DeliveryRunner.describe(reply, code, hint))", exitCode: .unavailable)
        case nil:
            throw CLIFailure("the test to \(recipient) was not sent (no outcome from the SMTP transport)", exitCode: .software)
        }
    }
}
