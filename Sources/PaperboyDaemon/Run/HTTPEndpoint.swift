import Foundation
import Hummingbird
import Logging
import PaperboyCore
import PaperboyStore

/// The daemon's HTTP endpoint, meant to sit behind a reverse proxy that
/// serves `base_url`:
///
/// - `POST /unsubscribe?t=TOKEN`, body `List-Unsubscribe=One-Click` (RFC 8058,
///   and the confirm page's form): unsubscribes, 200;
/// - `GET /unsubscribe?t=TOKEN`: a page with a confirm button; a GET never
///   unsubscribes, since link scanners follow GETs;
/// - a bad or altered token: 400 with a page that reveals nothing;
/// - `GET /healthz`: 200 when the store answers and the scheduler ticked
///   recently, else 503, with JSON detail;
/// - `GET /metrics`: Prometheus text.
public struct HTTPEndpoint: Sendable {
    let context: DaemonContext
    let unsubscribed: UnsubscribedSet
    let logger: Logger
    /// The scheduler counts as stuck when it has not finished a tick for this long.
    let tickStaleAfter: Double

    public init(context: DaemonContext, unsubscribed: UnsubscribedSet, logger: Logger, tickStaleAfter: Double = 180) {
        self.context = context
        self.unsubscribed = unsubscribed
        self.logger = logger
        self.tickStaleAfter = tickStaleAfter
    }

    /// The Hummingbird application (a `Service`) listening on `host:port`;
    /// `onRunning` gets the port it bound (useful with port 0).
    public func application(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/unsubscribe") { request, _ in self.confirmPage(request) }
        router.post("/unsubscribe") { request, _ in try await self.unsubscribe(request) }
        router.get("/healthz") { _, _ in await self.health() }
        router.get("/metrics") { _, _ in await self.metricsText() }
        var serverLogger = logger
        serverLogger.logLevel = .warning
        // Idle and slow connections are closed, and at most max_connections are open (http.idle_timeout, http.max_connections).
        let limits = context.runtime.runtime.config.daemon
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(limits.idleTimeout * 1000)))),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "paperboy",
                                                    availableConnectionsDelegate: .maximum(limits.maxConnections, logger: serverLogger)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: serverLogger
        )
    }

    // MARK: Unsubscribe

    func confirmPage(_ request: Request) -> Response {
        guard let token = request.uri.queryParameters.get("t"), verify(token) != nil else {
            return Self.badLink()
        }
        let action = "/unsubscribe?t=" + HTMLText.escape(token)
        return Self.page(.ok, title: "Unsubscribe", body: """
            <p>Stop receiving the paper digest at this address?</p>
            <form method="post" action="\(action)">
            <input type="hidden" name="List-Unsubscribe" value="One-Click">
            <button type="submit">Unsubscribe</button>
            </form>
            """)
    }

    func unsubscribe(_ request: Request) async throws -> Response {
        guard let token = request.uri.queryParameters.get("t"), let id = verify(token) else {
            return Self.badLink()
        }
        let body = try await request.body.collect(upTo: 4096)
        let fields = String(buffer: body).split(separator: "&").map { $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
        guard fields.contains("List-Unsubscribe=One-Click") else {
            return Self.page(.badRequest, title: "Unsubscribe", body: "<p>This request is missing List-Unsubscribe=One-Click; use the button on the unsubscribe page.</p>")
        }
        let time = context.clock.now()
        let changed = try await BlockingWork.run("paperboy-http") { [context] in try context.store.unsubscribe(id: id, at: time) }
        // After the store: a digest claimed for sending is not started either.
        unsubscribed.insert(id, at: time)
        if changed {
            logger.notice("unsubscribed through the one-click link", metadata: ["subscriber.id": "\(id)"])
        }
        return Self.page(.ok, title: "Unsubscribed", body: "<p>You are unsubscribed: no further digest will be sent to this address.</p>")
    }

    private func verify(_ token: String) -> Int64? {
        context.runtime.runtime.composer.tokens.verify(token, purpose: .unsubscribe)
    }

    /// The same page for a malformed, altered or unknown token: it tells nothing about why.
    static func badLink() -> Response {
        page(.badRequest, title: "Link not valid", body: "<p>This unsubscribe link is not valid. Use the link from the most recent digest, or reply to it and ask to be removed.</p>")
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
        if let problem = context.status.schedulerProblem(at: now, staleAfter: tickStaleAfter) { problems.append(problem) }
        if let error = snapshot.lastTickError {
            scheduler["last_error"] = error
            problems.append("scheduler: the last tick failed: \(error)")
        }
        var sources: [String: Any] = [:]
        for source in context.runtime.runtime.config.sources {
            var entry: [String: Any] = [:]
            if let last = snapshot.lastFetch[source.name] { entry["last_success"] = SchedulerService.iso(last) }
            if let error = snapshot.fetchErrors[source.name] { entry["last_error"] = error }
            sources[source.name] = entry
        }
        let document: [String: Any] = [
            "status": problems.isEmpty ? "ok" : "unhealthy",
            "problems": problems,
            "scheduler": scheduler,
            "outbox": outbox,
            "sources": sources,
            "last_send": snapshot.lastSend,
            "version": PaperboyVersion.current,
        ]
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

    // MARK: Pages

    static func page(_ status: HTTPResponse.Status, title: String, body: String) -> Response {
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>\(HTMLText.escape(title))</title>
            <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>
            </head><body><h1>\(HTMLText.escape(title))</h1>
            \(body)
            </body></html>

            """
        return Response(status: status,
                        headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .init("Referrer-Policy")!: "no-referrer"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}
