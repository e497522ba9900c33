import Foundation
import Hummingbird
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

/// The daemon's two HTTP endpoints.
///
/// The public one (`http.listen`, behind a reverse proxy that serves
/// `base_url`) has the reader's pages, each in its own file
/// (`HTTPEndpoint+NAME.swift`), at `ReaderLinks.Path`'s paths:
///
/// - `/subscribe` (GET the form, POST it; only with `web.subscribe: open`),
///   `/confirm`, `/preferences`, `/feedback` (GET shows, POST changes: link
///   scanners follow GETs), `/d` (view in browser), `/unsubscribe` (RFC 8058
///   one-click), and `/static/` (the stylesheet and the script);
/// - every answer carries `PublicPage`'s headers (`PublicPageMiddleware`);
///   form posts are limited per client and per address (`RateLimiter`,
///   `ClientAddress`) and capped at `WebSettings.maxBodyBytes`.
///
/// The private one (`http.admin_listen`, for monitoring only):
///
/// - `GET /healthz`: 200 when the store answers and the scheduler ticked
///   recently, else 503, with JSON detail;
/// - `GET /metrics`: Prometheus text.
public struct HTTPEndpoint: Sendable {
    let context: DaemonContext
    let unsubscribed: UnsubscribedSet
    let logger: Logger
    /// The scheduler counts as stuck when it has not finished a tick for this long.
    let tickStaleAfter: Double
    /// Woken when a page queued a mail (a confirmation), so it leaves at once.
    let senderWake: WakeSignal?
    /// Form posts per client address and subscribe requests per email address (`web.rate_limits`).
    let limiter: RateLimiter

    public init(context: DaemonContext, unsubscribed: UnsubscribedSet, logger: Logger, tickStaleAfter: Double = 180, senderWake: WakeSignal? = nil) {
        self.context = context
        self.unsubscribed = unsubscribed
        self.logger = logger
        self.tickStaleAfter = tickStaleAfter
        self.senderWake = senderWake
        limiter = RateLimiter()
    }

    /// The public application (a `Service`) on `host:port`: the reader's
    /// pages, every answer with `PublicPage`'s security headers. `onRunning`
    /// gets the port it bound (useful with port 0).
    public func publicApplication(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router(context: PublicRequestContext.self)
        router.add(middleware: PublicPageMiddleware(endpoint: self))
        typealias Path = ReaderLinks.Path
        router.get(.init(Path.unsubscribe.rawValue)) { request, _ in try await self.confirmPage(request) }
        router.post(.init(Path.unsubscribe.rawValue)) { request, context in try await self.unsubscribe(request, context) }
        router.get(.init(Path.subscribe.rawValue)) { _, _ in self.subscribePage() }
        router.post(.init(Path.subscribe.rawValue)) { request, context in try await self.subscribe(request, context) }
        router.get(.init(Path.confirm.rawValue)) { request, _ in try await self.confirmRequestPage(request) }
        router.post(.init(Path.confirm.rawValue)) { request, context in try await self.confirmRequest(request, context) }
        router.get(.init(Path.preferences.rawValue)) { request, _ in try await self.preferencesPage(request) }
        router.post(.init(Path.preferences.rawValue)) { request, context in try await self.changePreferences(request, context) }
        router.get(.init(Path.feedback.rawValue)) { request, _ in try await self.feedbackPage(request) }
        router.post(.init(Path.feedback.rawValue)) { request, context in try await self.giveFeedback(request, context) }
        router.get(.init(Path.view.rawValue)) { request, _ in try await self.viewDigest(request) }
        router.get(.init(StaticAssets.prefix + ":file")) { _, context in self.staticFile(context.parameters.get("file") ?? "") }
        return Self.makeApplication(router: router, host: host, port: port, limits: context.runtime.runtime.config.daemon, logger: logger, onRunning: onRunning)
    }

    /// The private application on `host:port`: `/healthz` and `/metrics`.
    public func adminApplication(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in await self.health() }
        router.get("/metrics") { _, _ in await self.metricsText() }
        return Self.makeApplication(router: router, host: host, port: port, limits: context.runtime.runtime.config.daemon, logger: logger, onRunning: onRunning)
    }

    /// The one place a Hummingbird application is configured (both endpoints
    /// are built here): `router` served on `host:port`, with `limits`'
    /// idle timeout and connection cap.
    static func makeApplication<Context: RequestContext>(router: Router<Context>, host: String, port: Int, limits: DaemonSettings, logger: Logger,
                                onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol
        where Context.Source == ApplicationRequestContextSource {
        var serverLogger = logger
        serverLogger.logLevel = .warning
        // Idle and slow connections are closed, and at most max_connections are open (http.idle_timeout, http.max_connections).
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(limits.idleTimeout * 1000)))),
            // A burst beyond max_connections waits in the kernel's listen queue
            // (2048, capped by net.core.somaxconn) instead of being dropped.
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "paperboy", backlog: 2048,
                                                    availableConnectionsDelegate: .maximum(limits.maxConnections, logger: serverLogger)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: serverLogger
        )
    }

    // MARK: Health and metrics

    /// The outbox's rows by state, read off the event loop.
    private func outboxCounts() async throws -> [OutboxState: Int] {
        try await context.work.run(.status) { [context] in try context.store.outboxCounts() }
    }

    func health() async -> Response {
        var problems: [String] = []
        var outbox: [String: Int] = [:]
        do {
            for (state, count) in try await outboxCounts() { outbox[state.rawValue] = count }
        } catch {
            problems.append("store: \(error)")
        }
        let now = context.clock.now()
        let snapshot = context.status.snapshot
        var scheduler: [String: Any] = [:]
        if let tick = snapshot.lastTick {
            scheduler["last_tick"] = SchedulerService.iso(tick)
            scheduler["seconds_since_tick"] = Int(now.timeIntervalSince(tick).rounded())
        }
        if let started = snapshot.tickStartedAt { scheduler["tick_under_way_since"] = SchedulerService.iso(started) }
        // false: another instance sharing the database holds the planning lease.
        scheduler["planning"] = snapshot.planning
        if let problem = context.status.schedulerProblem(at: now, staleAfter: tickStaleAfter) { problems.append(problem) }
        problems += context.status.sourceProblems(context.runtime.runtime.config.sources.map(\.name))
        if let problem = context.status.bounceMailboxProblem { problems.append(problem) }
        if let error = snapshot.lastTickError {
            scheduler["last_error"] = error
            problems.append("scheduler: the last tick failed: \(error)")
        }
        var sources: [String: Any] = [:]
        for source in context.runtime.runtime.config.sources {
            var entry: [String: Any] = [:]
            if let last = snapshot.lastFetch[source.name] { entry["last_success"] = SchedulerService.iso(last) }
            if let error = snapshot.fetchErrors[source.name] { entry["last_error"] = error }
            if let failures = snapshot.fetchFailuresInARow[source.name], failures > 0 { entry["failures_in_a_row"] = failures }
            sources[source.name] = entry
        }
        var document: [String: Any] = [
            "status": problems.isEmpty ? "ok" : "unhealthy",
            "problems": problems,
            "scheduler": scheduler,
            "outbox": outbox,
            "sources": sources,
            "last_send": snapshot.lastSend,
            "version": PaperboyVersion.current,
        ]
        if let mailbox = snapshot.bounceMailbox {
            var entry: [String: Any] = ["url": mailbox.url]
            if let success = mailbox.lastSuccess { entry["last_success"] = SchedulerService.iso(success) }
            if let error = mailbox.lastError { entry["last_error"] = error }
            if mailbox.failuresInARow > 0 { entry["failures_in_a_row"] = mailbox.failuresInARow }
            if let next = mailbox.nextPoll { entry["next_poll"] = SchedulerService.iso(next) }
            document["bounce_mailbox"] = entry
        }
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return Response(status: problems.isEmpty ? .ok : .serviceUnavailable,
                        headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func metricsText() async -> Response {
        if let counts = try? await outboxCounts() {
            context.metrics.setOutboxDepth(counts)
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: context.metrics.render())))
    }
}
