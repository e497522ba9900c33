import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// `paperboy send-digest [--dry-run] [--all] [--subscriber EMAIL]... [--at TIME] [--out DIR] [--demo]`
struct SendDigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-digest",
        abstract: "Plan the digests that are due and send them (the main job).",
        discussion: """
        A subscriber is due when their schedule's current period has no digest yet. Planning writes each digest \
        to the outbox together with its papers, in one transaction, so a period is never planned twice; then every \
        due outbox row (earlier deferred ones too) is sent. Exits 0 when everything was sent or skipped, 75 when \
        some are deferred or wait for a retry (the summary says when they are tried next), 1 when some failed for good. \
        --dry-run opens no SMTP connection and writes nothing. SIGINT or SIGTERM while sending stops gracefully: \
        no new message starts, the ones under way finish, the rest go back to the outbox, the summary is printed \
        and the exit is 75; a second signal quits at once.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Flag(help: "Print what would be sent (one line per subscriber); no SMTP connection, nothing written.")
    var dryRun = false

    @Flag(help: "Ignore schedules: plan a digest for every active subscriber now.")
    var all = false

    @Option(name: .customLong("subscriber"), help: ArgumentHelp("Only these subscribers (repeat for more).", valueName: "EMAIL"))
    var subscribers: [String] = []

    @OptionGroup var time: MomentOption

    @Option(help: ArgumentHelp("With --dry-run, also write each message to DIR/<address>.eml.", valueName: "DIR"))
    var out: String?

    @Flag(help: "Use the bundled demo corpus and three demo subscribers in a throw-away store (no config needed).")
    var demo = false

    func validate() throws {
        for address in subscribers {
            do { _ = try SubscriberValidation.email(address) } catch { throw ValidationError(error.description) }
        }
        if out != nil && !dryRun {
            throw ValidationError("--out writes the messages of a dry run; add --dry-run")
        }
    }

    func run() throws {
        let moment = try time.moment()
        let settings: PaperboyConfig
        let store: Store
        let composer: DigestComposer
        if demo {
            settings = DemoCorpus.mailConfig(config.config == nil ? nil : try config.loadConfig())
            store = try DemoCorpus.storeWithSubscribers(at: moment.addingTimeInterval(-3600))
            composer = try MailSetup.composer(config: settings, configPath: "(demo)", environment: DemoCorpus.demoEnvironment)
        } else {
            settings = try config.loadConfig()
            // A dry run promises to change nothing: the file is opened read-only.
            store = try config.openStore(settings, readOnly: dryRun)
            do {
                composer = try MailSetup.composer(config: settings, configPath: config.configPath)
            } catch {
                throw CLIFailure("\(error)", exitCode: .config)
            }
        }
        let only = subscribers.isEmpty ? nil : Set(try subscribers.map { try SubscriberValidation.email($0) })
        if let only, !demo {
            let known = Set(try store.subscribers().map(\.email))
            if let unknown = only.first(where: { !known.contains($0) }) {
                throw CLIFailure("no subscriber has the address \(unknown); `paperboy subscriber list` shows them", exitCode: .dataError)
            }
        }
        let planner = DigestPlanner(store: store, settings: settings, composer: composer)
        if dryRun {
            try printDryRun(try planner.decide(at: moment, all: all, only: only), at: moment)
            try printWaiting(store, at: moment)
            return
        }
        guard let smtp = settings.smtp else {
            throw CLIFailure(demo
                ? "--demo sends nothing without a mail server: use --dry-run, or --config with an smtp section"
                : "\(config.configPath): smtp: missing; add smtp.url (see deploy/paperboy.yaml), or use --dry-run", exitCode: .config)
        }
        let returnPath: ReturnPath?
        do {
            returnPath = demo ? nil : try BounceSetup.returnPath(config: settings, configPath: config.configPath)
        } catch {
            throw CLIFailure("\(error)", exitCode: .config)
        }
        // Planning (select, compose, write in batches) runs alongside delivery: see deliver.
        try deliver(store: store, smtp: smtp, fromDomain: settings.mail.fromAddress?.domain, returnPath: returnPath, at: moment) { shouldStop, feed in
            try planner.plan(at: moment, all: all, only: only, shouldStop: shouldStop, due: feed.expect, written: feed.add)
        }
    }

    func printDryRun(_ decisions: [PlanDecision], at moment: Date) throws {
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw CLIFailure("cannot create \(out): \(error.localizedDescription)", exitCode: .dataError)
            }
        }
        var digests = 0
        for decision in decisions {
            let email = decision.subscriber.email.description
            switch decision.outcome {
            case .digest(let papers, let composed):
                digests += 1
                say("\(email): \(papers.count) paper\(papers.count == 1 ? "" : "s"), \"\(composed.rendered.subject)\"")
                if let out {
                    let file = (out as NSString).appendingPathComponent(MessageFileName.forAddress(email))
                    do {
                        try PrivateFile.write(composed.message, to: file)
                    } catch {
                        throw CLIFailure("\(error); check that \(out) is writable", exitCode: .dataError)
                    }
                }
            case .empty(let why):
                say("\(email): nothing to send: \(why)")
            case .alreadyPlanned:
                say("\(email): nothing to send: the digest for this period was planned already")
            case .notYetDue(let first):
                say("\(email): nothing to send: subscribed after this period began; the first digest is due \(DisplayDate.minute(first))")
            }
        }
        say("dry run at \(DisplayDate.minute(moment)): \(digests) digest\(digests == 1 ? "" : "s") would be sent; nothing was sent or written\(out.map { ", messages in \($0)" } ?? "")")
    }

    /// After a dry run's summary: the digests planned earlier that a real run would send too, and those waiting for a retry.
    func printWaiting(_ store: Store, at moment: Date) throws {
        let due = try store.dueCount(at: moment)
        if due > 0 {
            say("\(due) digest\(due == 1 ? "" : "s") planned earlier \(due == 1 ? "is" : "are") due and would be sent too (`paperboy outbox list` shows them)")
        }
        if let waiting = try OutboxSummary.deferredLine(store, at: moment) { say(waiting) }
    }
}
