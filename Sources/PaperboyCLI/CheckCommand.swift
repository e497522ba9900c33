import ArgumentParser
import Curl
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy check [--smtp] [--sources] [--bounce]`
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the config and templates; with --smtp the mail server, with --sources every feed, with --bounce the return mailbox.",
        discussion: """
        --smtp connects, runs EHLO, STARTTLS and AUTH, and quits, naming the step that failed with curl's error, \
        the server's reply and a hint. --sources fetches and parses every source without storing anything. \
        --bounce logs in to bounce.mailbox and counts the messages waiting, reading and changing none. \
        Warns (on stderr) when the link secret is shorter than 32 bytes or its file may be read by group or others; \
        refuses a secret shorter than 16 bytes or made of one character (or a few) repeated. \
        Exits 0 when everything checked works, 78 for a config problem, 69 when a server or feed fails.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Flag(help: "Connect to the mail server: EHLO, STARTTLS, AUTH, QUIT.")
    var smtp = false

    @Flag(help: "Fetch and parse every source (nothing is stored).")
    var sources = false

    @Flag(help: "Log in to the return mailbox (bounce.mailbox) and count the messages waiting; nothing is read or changed.")
    var bounce = false

    func run() throws {
        let settings = try config.loadConfig()
        say("config: \(config.configPath) is valid (\(settings.sources.count) source\(settings.sources.count == 1 ? "" : "s"))")
        // What `run` would refuse at start: a database it cannot open or create.
        if PostgresLocation.isURL(settings.database) {
            do {
                let location = try PostgresLocation(url: settings.database)
                let found = try Store.checkPostgreSQL(location, password: try StoreOpening.password(settings))
                say("database: \(location.display) answers (\(found))")
            } catch let error as StoreError {
                throw CLIFailure("\(error)", exitCode: error.isTemporary ? .temporaryFailure : .config)
            } catch {
                throw CLIFailure("\(error)", exitCode: .config)
            }
        } else {
            do {
                try Store.checkUsable(settings.database)
            } catch {
                throw CLIFailure("\(error)", exitCode: .config)
            }
            say("database: \(settings.database) can be opened\(FileManager.default.fileExists(atPath: settings.database) ? "" : " (it will be created)")")
        }
        do {
            let (composer, warnings) = try MailSetup.load(config: settings, configPath: config.configPath)
            for warning in warnings {
                FileHandle.standardError.write(Data("paperboy: warning: \(warning)\n".utf8))
            }
            let secrets = composer.tokens.secretCount == 1 ? "secret" : "secret (and \(composer.tokens.secretCount - 1) previous)"
            say("mail: from, base_url, \(secrets)\(settings.mail.dkim == nil ? "" : ", DKIM key") and templates are usable")
        } catch {
            throw CLIFailure("\(error)", exitCode: .config)
        }
        var failed = false
        if smtp {
            guard let server = settings.smtp else {
                throw CLIFailure("\(config.configPath): smtp: missing; add smtp.url (see deploy/paperboy.yaml)", exitCode: .config)
            }
            let runner: DeliveryRunner
            let clock = try CommandClock.daemonClock()
            do {
                runner = try DeliveryRunner(store: try config.openStore(settings), smtp: server, password: try DeliveryRunner.password(server),
                                            fromDomain: settings.mail.fromAddress?.domain,
                                            logger: config.makeLogger(label: "paperboy.check"), now: { clock.now() })
            } catch let error as MailSetupError {
                throw CLIFailure(error.message, exitCode: .config)
            }
            if let failure = runner.transport.check() {
                say("smtp: \(server.url): \(failure)")
                failed = true
            } else {
                say("smtp: \(server.url): EHLO, \(server.tls == .starttls ? "STARTTLS, " : "")\(server.username == nil ? "" : "AUTH, ")QUIT all worked")
            }
        }
        if sources {
            for source in settings.sources {
                let fetcher = HTTPFetcher(options: HTTPFetchOptions(
                    connectTimeout: settings.fetch.connectTimeout, totalTimeout: settings.fetch.timeout,
                    maxResponseBytes: settings.fetch.maxResponseBytes, userAgent: "paperboy/\(PaperboyVersion.current)"))
                do {
                    guard case .fetched(let body, _, _, _) = try fetcher.fetch(source.url) else { continue }
                    let parsed = try source.type.parse(body, context: FeedContext(sourceName: source.name, fetchedAt: try CommandClock.now()))
                    say("source \(source.name): \(parsed.papers.count) papers\(parsed.skipped.isEmpty ? "" : ", \(parsed.skipped.count) entries skipped")")
                } catch {
                    say("source \(source.name): error: \(CredentialRedaction.redactingURLCredentials(in: "\(error)"))")
                    failed = true
                }
            }
        }
        if bounce, !(try checkBounceMailbox(settings)) { failed = true }
        if failed { throw ExitCode(ExitStatus.unavailable.rawValue) }
    }
}

extension CheckCommand {
    /// Logs in to `bounce.mailbox` and lists what waits; false when the mailbox fails.
    func checkBounceMailbox(_ settings: PaperboyConfig) throws -> Bool {
        guard let url = settings.bounce.mailbox?.url else {
            throw CLIFailure(BounceSetup.missingMailbox(configPath: config.configPath).message, exitCode: .config)
        }
        let password: String?
        do {
            password = try BounceSetup.password(settings.bounce)
        } catch let error as MailSetupError {
            throw CLIFailure(error.message, exitCode: .config)
        }
        do {
            let mailbox = try CurlReturnMailbox(settings: BounceSetup.mailboxSettings(settings.bounce, password: password)!)
            let waiting = try mailbox.pendingKeys().count
            say("bounce: \(url): logged in, \(waiting) message\(waiting == 1 ? "" : "s") waiting")
            return true
        } catch {
            say("bounce: \(error)")
            return false
        }
    }
}
