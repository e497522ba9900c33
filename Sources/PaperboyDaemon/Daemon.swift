import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `paperboy run`: one `ServiceGroup` of the scheduler, the fetcher, the
/// sender, the HTTP endpoint, the SIGHUP reload, the retention and bounce
/// services and the systemd notifier.
///
/// SIGTERM or SIGINT starts a graceful shutdown: the scheduler and fetcher
/// stop, the sender lets the SMTP transactions under way finish (at most
/// `shutdown_timeout`) and hands claimed rows not started back, and `run()`
/// returns.
public final class Daemon: Sendable {
    public let configPath: String
    public let store: Store
    public let runtime: RuntimeHolder
    public let status = DaemonStatus()
    public let metrics = DaemonMetrics()
    /// The bounded thread lanes for blocking work (SQLite, libcurl, composing).
    public let work = BlockingWork()
    public let clock: any DaemonClock
    let environment: [String: String]
    let logger: Logger
    let notifier: SystemdNotifier
    let unsubscribed = UnsubscribedSet()
    let senderWake = WakeSignal()
    /// The ports the public and the admin endpoints bound, once they listen.
    private let boundPorts = Mutex<(public: Int?, admin: Int?)>((nil, nil))
    private let options: Options
    /// What runs until a restart (database, listeners), from the config read at start.
    private let running: RestartOnlySettings

    /// Knobs for tests; the defaults are what `paperboy run` uses.
    public struct Options: Sendable {
        /// Longest sleep of the scheduler between ticks.
        public var schedulerMaxSleep: Double = 60
        /// /healthz and the watchdog call the scheduler stuck after this long without a tick.
        public var tickStaleAfter: Double = 180
        /// Stop on SIGTERM/SIGINT and reload on SIGHUP (off in in-process tests).
        public var handleSignals = true
        /// Overrides `http.listen`'s port (0: any free port).
        public var httpPort: Int?
        /// Overrides `http.admin_listen`'s port (0: any free port).
        public var adminPort: Int?
        public init() {}
    }

    /// Reads the config, opens the store and builds everything the services
    /// need. Throws, saying what to fix, the typed error with its exit status
    /// (`ExitStatus.of`): `ConfigError` or `DaemonSetupError` (78), or the
    /// store's `StoreError` (75 when the database is busy, else 78).
    public init(configPath: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: any DaemonClock = SystemDaemonClock(), logger: Logger, options: Options = Options()) throws {
        self.configPath = configPath
        self.environment = environment
        self.clock = clock
        self.logger = logger
        self.options = options
        notifier = SystemdNotifier(environment: environment)
        let config = try ConfigFile.load(configPath)
        running = RestartOnlySettings(config)
        store = try StoreOpening.open(config, environment: environment)
        runtime = RuntimeHolder(try DaemonRuntime.build(config: config, configPath: configPath, store: store, environment: environment,
                                                         logger: logger.labelled("paperboy.sender"), now: { [clock] in clock.now() }))
        logSetupWarnings(runtime.runtime)
        seedSourceState()
    }

    /// Each configured source's last success and failures in a row, from the
    /// store: `/healthz` and `last_fetch_success_timestamp` tell the truth
    /// from the first request after a start, not only after the next fetch.
    private func seedSourceState() {
        do {
            let configured = Set(runtime.runtime.config.sources.map(\.name))
            let known = try store.sourceStates().filter { configured.contains($0.name) }
            status.seed(from: known.map { ($0.name, $0.lastFetchedAt, $0.consecutiveFailures) })
            for state in known {
                if let success = state.lastFetchedAt { metrics.seedLastFetchSuccess(source: state.name, at: success) }
            }
        } catch {
            logger.warning("cannot read the sources' state; /healthz and /metrics show it after each source's next fetch",
                           metadata: ["error": "\(error)"])
        }
    }

    /// The public HTTP endpoint's port once it listens.
    public var httpPort: Int? { boundPorts.withLock { $0.public } }

    /// The admin endpoint's port (`/healthz`, `/metrics`) once it listens.
    public var adminPort: Int? { boundPorts.withLock { $0.admin } }

    /// The daemon's services, built over its store, runtime and clock.
    public struct Services: Sendable {
        public let scheduler: SchedulerService
        public let fetcher: FetcherService
        public let sender: SenderService
        public let endpoint: HTTPEndpoint
        public let notify: NotifyService
        public let retention: RetentionService
        public let bounces: BounceService
    }

    /// Builds the services (once per `run`; tests drive them one by one).
    public func services() -> Services {
        let context = DaemonContext(store: store, runtime: runtime, clock: clock, status: status, metrics: metrics, work: work)
        return Services(
            scheduler: SchedulerService(context: context, sender: senderWake, logger: logger.labelled("paperboy.scheduler"),
                                        maxSleep: options.schedulerMaxSleep),
            fetcher: FetcherService(context: context, logger: logger.labelled("paperboy.fetcher")),
            sender: SenderService(context: context, unsubscribed: unsubscribed, wake: senderWake, logger: logger.labelled("paperboy.sender")),
            endpoint: HTTPEndpoint(context: context, unsubscribed: unsubscribed, logger: logger.labelled("paperboy.http"),
                                   tickStaleAfter: options.tickStaleAfter, senderWake: senderWake),
            notify: NotifyService(notifier: notifier, status: status, clock: clock, tickStaleAfter: options.tickStaleAfter,
                                  logger: logger.labelled("paperboy.systemd")),
            retention: RetentionService(context: context, logger: logger.labelled("paperboy.retention")),
            bounces: BounceService(context: context, logger: logger.labelled("paperboy.bounces"))
        )
    }

    /// Runs until a graceful shutdown (a signal, or `group.triggerGracefulShutdown()`) completes.
    public func run(onGroup: (@Sendable (ServiceGroup) -> Void)? = nil) async throws {
        let config = runtime.runtime.config
        let built = services()
        let (scheduler, fetcher, sender, endpoint, notify) = (built.scheduler, built.fetcher, built.sender, built.endpoint, built.notify)
        let settings = config.daemon
        let publicAddress = (host: settings.listenHost, port: options.httpPort ?? settings.listenPort)
        let adminAddress = (host: settings.adminListenHost, port: options.adminPort ?? settings.adminListenPort)
        let http = ListeningService(key: "http.listen", address: DaemonSettings.address(publicAddress.host, publicAddress.port), configPath: configPath,
                                    bound: { [self] in httpPort != nil },
                                    application: endpoint.publicApplication(host: publicAddress.host, port: publicAddress.port) { [self] port in
                                        listening(public: port)
                                    })
        let admin = ListeningService(key: "http.admin_listen", address: DaemonSettings.address(adminAddress.host, adminAddress.port), configPath: configPath,
                                     bound: { [self] in adminPort != nil },
                                     application: endpoint.adminApplication(host: adminAddress.host, port: adminAddress.port) { [self] port in
                                         listening(admin: port)
                                     })
        // A graceful shutdown reaches the services one at a time, last first:
        // the notifier says STOPPING=1, the sender stops starting SMTP
        // transactions and lets the ones under way finish, then planning,
        // fetching, reloading and the HTTP endpoint stop.
        var ordered: [any Service] = [http, admin]
        if options.handleSignals {
            ordered.append(ReloadService { [self] in
                _ = try? await work.run(.reload) { self.reload() }
            })
        }
        ordered += [built.retention, built.bounces, fetcher, scheduler, sender, notify]
        let services = ordered.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                                                           failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger.labelled("paperboy.lifecycle"))
        if options.handleSignals {
            configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        }
        // The sender's in-flight transactions get shutdown_timeout; then whatever is left is cancelled.
        configuration.maximumGracefulShutdownDuration = .seconds(config.daemon.shutdownTimeout)
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        onGroup?(group)
        try await group.run()
        logger.info("paperboy stopped")
    }

    /// Records a bound port; once both endpoints listen, says so (READY=1 to systemd).
    private func listening(public publicPort: Int? = nil, admin adminPort: Int? = nil) {
        let both = boundPorts.withLock { ports -> (Int, Int)? in
            if let publicPort { ports.public = publicPort }
            if let adminPort { ports.admin = adminPort }
            guard let p = ports.public, let a = ports.admin else { return nil }
            return (p, a)
        }
        guard let (publicPort, adminPort) = both else { return }
        let config = runtime.runtime.config
        logger.info("paperboy is running", metadata: [
            "http.listen": "\(DaemonSettings.address(config.daemon.listenHost, publicPort))",
            "http.admin_listen": "\(DaemonSettings.address(config.daemon.adminListenHost, adminPort))",
            "config.path": "\(configPath)", "database.path": "\(config.database)",
            "version": "\(PaperboyVersion.current)",
        ])
        notifier.notify("READY=1\nSTATUS=running; " + status.summary)
    }

    /// Logs what is wrong with the mail settings or the link secrets but does not stop the daemon.
    private func logSetupWarnings(_ runtime: DaemonRuntime) {
        for warning in runtime.setupWarnings {
            logger.warning("the config should be fixed", metadata: ["problem": "\(warning)"])
        }
    }

    /// Re-reads the config file, templates and secrets. A config that does not
    /// load keeps the running one, and the log says why. Returns whether it
    /// took effect.
    @discardableResult
    public func reload() -> Bool {
        let fresh: DaemonRuntime
        do {
            fresh = try DaemonRuntime.load(configPath: configPath, store: store, environment: environment, logger: logger.labelled("paperboy.sender"),
                                           now: { [clock] in clock.now() })
        } catch {
            logger.error("reload refused: the new config has a problem; the running config stays in effect", metadata: ["error": "\(error)"])
            notifier.notify("STATUS=reload refused: \(error); \(status.summary)")
            return false
        }
        // Compared with what runs (the config at start), not with the last reload.
        for change in running.changes(in: fresh.config) {
            let leaf = change.key.split(separator: ".").last.map(String.init) ?? change.key
            let prefix = change.key.dropLast(leaf.count)
            logger.warning("\(change.key) changed in the config; it takes effect at the next restart",
                           metadata: [change.key: "\(change.running)", "\(prefix)new_\(leaf)": "\(change.new)"])
        }
        logSetupWarnings(fresh)
        runtime.replace(with: fresh)
        logger.notice("config reloaded", metadata: ["config.path": "\(configPath)", "sources.count": "\(fresh.config.sources.count)"])
        return true
    }
}

extension Logger {
    /// A copy with another label and the same handler settings.
    func labelled(_ label: String) -> Logger {
        var handler = self.handler
        if var journal = handler as? JournalLogHandler {
            journal.label = label
            handler = journal
        }
        var copy = Logger(label: label, factory: { [handler] _ in handler })
        copy.logLevel = logLevel
        return copy
    }
}
