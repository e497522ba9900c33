import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import Synchronization

/// Everything `paperboy run` builds from the config file: the settings, the
/// composer (templates, secret, DKIM key), the SMTP sender and the bounce reader. Built whole
/// at start and on each SIGHUP; a reload that fails to build keeps the
/// running one.
public final class DaemonRuntime: @unchecked Sendable {
    public let configPath: String
    public let config: PaperboyConfig
    public let composer: DigestComposer
    /// What is wrong with the link secrets but does not stop the daemon
    /// (a short secret, a file others may read); logged at start and on reload.
    public let setupWarnings: [String]
    /// Used by the sender service only, one run at a time.
    let runner: DeliveryRunner
    /// The reader's pages' templates (built-in, or from `templates:`'s `web/` folder).
    public let webTemplates: WebTemplates
    /// What the reader's pages do, over this config and composer.
    public let desk: ReaderDesk
    /// Reading the return mailbox; nil when `bounce.mailbox` is not set.
    public let bounces: BounceReading?

    init(configPath: String, config: PaperboyConfig, composer: DigestComposer, setupWarnings: [String] = [], runner: DeliveryRunner,
         webTemplates: WebTemplates = .defaults, store: Store, bounces: BounceReading? = nil) {
        self.configPath = configPath
        self.config = config
        self.composer = composer
        self.setupWarnings = setupWarnings
        self.runner = runner
        self.webTemplates = webTemplates
        desk = ReaderDesk(store: store, config: config, composer: composer)
        self.bounces = bounces
    }

    /// Reads `configPath` and everything it names. Throws `ConfigError` or
    /// `DaemonSetupError` saying what is wrong and how to fix it.
    public static func load(configPath: String, store: Store, environment: [String: String], logger: Logger,
                            now: @escaping @Sendable () -> Date) throws -> DaemonRuntime {
        try build(config: ConfigFile.load(configPath), configPath: configPath, store: store, environment: environment, logger: logger, now: now)
    }

    /// Everything `config` names (templates, secret, SMTP password, DKIM key).
    static func build(config: PaperboyConfig, configPath: String, store: Store, environment: [String: String], logger: Logger,
                      now: @escaping @Sendable () -> Date) throws -> DaemonRuntime {
        guard let smtp = config.smtp else {
            throw DaemonSetupError(message: "\(configPath): smtp: missing; paperboy run sends mail, so add smtp.url (see deploy/paperboy.yaml)")
        }
        do {
            let (composer, warnings) = try MailSetup.load(config: config, configPath: configPath, environment: environment)
            let password = try DeliveryRunner.password(smtp, environment: environment)
            let runner = try DeliveryRunner(store: store, smtp: smtp, password: password, fromDomain: config.mail.fromAddress?.domain,
                                            logger: logger, now: now)
            let webTemplates = try WebTemplateFiles.load(directory: config.mail.templatesDirectory)
            let bounces = try BounceSetup.reading(config: config, configPath: configPath, store: store, environment: environment, now: now)
            // The reader signed its return path with the secrets it read; without one, read them here (or not at all without bounce.address).
            runner.returnPath = try bounces.map { $0.poller.tracer.returnPath }
                ?? BounceSetup.returnPath(config: config, configPath: configPath, environment: environment)
            return DaemonRuntime(configPath: configPath, config: config, composer: composer, setupWarnings: warnings, runner: runner,
                                 webTemplates: webTemplates, store: store, bounces: bounces)
        } catch let error as MailSetupError {
            throw DaemonSetupError(message: error.message)
        }
    }
}

/// Why the daemon cannot start, or cannot take a reloaded config, beyond
/// the config file itself: no SMTP settings, mail setup (exit 78 at start).
public struct DaemonSetupError: Error, CustomStringConvertible, Sendable, HasExitStatus {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }

    public func exitStatus(at stage: FailureStage) -> ExitStatus { .config }
}

/// The runtime in effect; swapped whole by a reload.
public final class RuntimeHolder: Sendable {
    private let current: Mutex<(runtime: DaemonRuntime, generation: Int)>

    public init(_ runtime: DaemonRuntime) {
        current = Mutex((runtime, 0))
    }

    public var runtime: DaemonRuntime { current.withLock { $0.runtime } }

    /// The runtime with how many reloads made it (0 for the one from the start).
    var versioned: (runtime: DaemonRuntime, generation: Int) { current.withLock { $0 } }

    func replace(with runtime: DaemonRuntime) {
        current.withLock { $0 = (runtime, $0.generation + 1) }
    }
}
