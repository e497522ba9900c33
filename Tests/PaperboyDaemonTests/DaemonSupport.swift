import Foundation
import PaperboyTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import ServiceLifecycle
import Synchronization

/// Log lines written by a daemon under test.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined() } }

    func logger(_ label: String = "paperboy") -> Logger {
        var logger = Logger(label: label) { [self] in
            JournalLogHandler(label: $0, journal: true, write: { line in self.lines.withLock { $0.append(line) } })
        }
        logger.logLevel = .info
        return logger
    }
}

/// A daemon in this process, on a manual clock, with its config in a temporary folder.
struct DaemonHarness {
    static let secret = "0123456789abcdef0123456789"
    let directory: URL
    let configPath: String
    let clock: ManualDaemonClock
    let daemon: Daemon
    let log = LogCapture()
    let environment = ["PAPERBOY_SECRET": DaemonHarness.secret]

    /// `extra` is YAML appended to the config (such as `digest:`).
    init(start: Date, smtpURL: String = "smtp://127.0.0.1:9", extra: String = "", baseURL: String = "https://lab.example.org",
         sourceURL: String = "file:///dev/null", options: Daemon.Options = DaemonHarness.options()) throws {
        let (path, directory) = try writeConfig(Self.config(smtpURL: smtpURL, extra: extra, baseURL: baseURL, sourceURL: sourceURL))
        self.directory = directory
        configPath = path
        clock = ManualDaemonClock(start)
        daemon = try Daemon(configPath: path, environment: environment, clock: clock, logger: log.logger(), options: options)
    }

    /// A new daemon over `earlier`'s config and database: a restart.
    init(restarting earlier: DaemonHarness, at start: Date, options: Daemon.Options = DaemonHarness.options()) throws {
        directory = earlier.directory
        configPath = earlier.configPath
        clock = ManualDaemonClock(start)
        daemon = try Daemon(configPath: configPath, environment: environment, clock: clock, logger: log.logger(), options: options)
    }

    static func options(maxSleep: Double = 60) -> Daemon.Options {
        var options = Daemon.Options()
        options.handleSignals = false
        options.httpPort = 0
        options.adminPort = 0
        options.schedulerMaxSleep = maxSleep
        return options
    }

    static func config(smtpURL: String, extra: String = "", baseURL: String = "https://lab.example.org", sourceURL: String = "file:///dev/null") -> String {
        """
        database: paperboy.sqlite
        sources: [{name: demo, type: json, url: "\(sourceURL)"}]
        from: "Paperboy <digest@lab.example.org>"
        base_url: \(baseURL)
        smtp: {url: "\(smtpURL)", tls: none, connections: 2, retry: {initial: 60s, max: 120s}}
        \(extra)
        """
    }

    var store: Store { daemon.store }

    /// The demo papers, first seen at `time`.
    func addPapers(at time: Date) throws {
        try store.ingest(try DemoCorpus.papers(at: time), source: SourceState(name: "demo"), at: time)
    }

    @discardableResult
    func addSubscriber(_ email: String, schedule: String? = nil, at time: Date, maxPapers: Int = 2) throws -> Subscriber {
        try store.addSubscriber(SubscriberPreferences(email: try EmailAddress(parsing: email), maxPapers: maxPapers,
                                                      schedule: schedule.map { try Schedule.parse($0) }), at: time)
    }

    /// The one-click token of a subscriber, as the digest's links carry it.
    func token(_ subscriber: Subscriber) -> String {
        LinkToken(secret: Array(Self.secret.utf8)).make(subscriberID: subscriber.id, email: subscriber.email, purpose: .unsubscribe)
    }
}

/// The HTTP endpoints of a daemon (the public and the admin one), served
/// alone in a ServiceGroup on 127.0.0.1 (any free ports).
final class RunningEndpoint {
    /// The public endpoint (unsubscribe pages).
    let port: Int
    /// The admin endpoint (/healthz, /metrics).
    let adminPort: Int
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    /// `alongside`: more of the daemon's services to run in the same group (such as its fetcher).
    init(_ harness: DaemonHarness, alongside: [any Service] = []) async throws {
        let bound = Mutex<(public: Int?, admin: Int?)>((nil, nil))
        let endpoint = harness.daemon.services().endpoint
        let app = endpoint.publicApplication(host: "127.0.0.1", port: 0) { port in bound.withLock { $0.public = port } }
        let admin = endpoint.adminApplication(host: "127.0.0.1", port: 0) { port in bound.withLock { $0.admin = port } }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app, admin] + alongside, logger: harness.log.logger("test.group")))
        self.group = group
        task = Task { try await group.run() }
        let clock = ContinuousClock()
        // Generous: the whole suite runs in parallel on few cores, and tests that
        // wait synchronously (processes, polling) can hold the cooperative pool.
        let deadline = clock.now.advanced(by: .seconds(300))
        while bound.withLock({ $0.public == nil || $0.admin == nil }) && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let port = bound.withLock({ $0.public }), let adminPort = bound.withLock({ $0.admin }) else {
            throw ServerStartError(message: "the HTTP endpoints did not start")
        }
        self.port = port
        self.adminPort = adminPort
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Sends a request to the public endpoint and returns the status and body.
    func request(_ method: String, _ path: String, body: String? = nil) async throws -> (status: Int, body: String) {
        try await httpRequest(method, "http://127.0.0.1:\(port)\(path)", body: body)
    }

    /// The same, with the response headers.
    func requestWithHeaders(_ method: String, _ path: String, body: String? = nil) async throws -> (status: Int, body: String, headers: [String: String]) {
        try await httpExchange(method, "http://127.0.0.1:\(port)\(path)", body: body)
    }

    /// Sends a request to the admin endpoint.
    func adminRequest(_ method: String, _ path: String) async throws -> (status: Int, body: String) {
        try await httpRequest(method, "http://127.0.0.1:\(adminPort)\(path)")
    }
}

/// A plain HTTP request through URLSession (no cookies, no cache).
func httpRequest(_ method: String, _ url: String, body: String? = nil) async throws -> (status: Int, body: String) {
    let exchange = try await httpExchange(method, url, body: body)
    return (exchange.status, exchange.body)
}

/// A plain HTTP request, with the response headers (names lower-cased).
func httpExchange(_ method: String, _ url: String, body: String? = nil) async throws -> (status: Int, body: String, headers: [String: String]) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
    }
    let session = URLSession(configuration: .ephemeral)
    let (data, response) = try await session.data(for: request)
    var headers: [String: String] = [:]
    for (name, value) in (response as? HTTPURLResponse)?.allHeaderFields ?? [:] {
        headers["\(name)".lowercased()] = "\(value)"
    }
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self), headers)
}
