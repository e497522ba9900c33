import Foundation
import Logging
import PaperboyCore
import PaperboyStore
import ServiceLifecycle

/// Fetches each source on its `interval`, with ±10% jitter so that many
/// daemons do not hit a feed at the same second. A source fetched less than
/// an interval ago (before a restart) waits for the rest of its interval.
/// After a failure it retries sooner, backing off: 1, 2, 4 … minutes,
/// never more than its interval. Sources are read from the config in
/// effect, so a reload that adds or removes one takes effect at once.
public final class FetcherService: Service, Sendable {
    let context: DaemonContext
    let logger: Logger

    public init(context: DaemonContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    public func run() async throws {
        let stop = WakeSignal()
        await withGracefulShutdownHandler {
            var plan = FetchPlan()
            while !stop.isStopped && !Task.isCancelled {
                let config = context.runtime.runtime.config
                let now = context.clock.now()
                plan.keep(only: config.sources.map(\.name))
                for source in config.sources where plan.isDue(source, at: now, lastFetched: { try? self.context.store.sourceState($0)?.lastFetchedAt }) {
                    if stop.isStopped { return }
                    let ingestor = FeedIngestor(store: context.store, settings: config.fetch, logger: logger, now: { [context] in context.clock.now() })
                    // A stop does not wait for a slow feed: the fetch is dropped (nothing half-stored: one transaction).
                    guard let report = try? await cancelWhenGracefulShutdown({
                        try await self.context.work.run(.fetch) { ingestor.ingest(source) }
                    }) else { return }
                    let finished = context.clock.now()
                    plan.record(source, succeeded: report.succeeded, at: finished)
                    record(report, at: finished)
                }
                let wake = min(plan.nextDue(config.sources) ?? now.addingTimeInterval(60), context.clock.now().addingTimeInterval(60))
                await stop.sleep(until: wake, on: context.clock)
            }
        } onGracefulShutdown: {
            stop.stop()
        }
    }

    private func record(_ report: SourceReport, at time: Date) {
        switch report.outcome {
        case .fetched(let papers, _, _):
            context.metrics.recordFetch(source: report.source, papers: papers, at: time)
            context.status.update { $0.lastFetch[report.source] = time; $0.fetchErrors[report.source] = nil }
        case .notModified:
            context.metrics.recordFetch(source: report.source, papers: 0, at: time)
            context.status.update { $0.lastFetch[report.source] = time; $0.fetchErrors[report.source] = nil }
        case .failed(let message):
            context.metrics.recordFetch(source: report.source, papers: nil, at: time)
            context.status.update { $0.fetchErrors[report.source] = message }
        }
    }
}

/// When each source is next due: its interval with jitter after a success,
/// a growing back-off after failures.
struct FetchPlan {
    private var next: [String: Date] = [:]
    private var failures: [String: Int] = [:]

    mutating func keep(only names: [String]) {
        let keep = Set(names)
        next = next.filter { keep.contains($0.key) }
        failures = failures.filter { keep.contains($0.key) }
    }

    /// A source not seen yet is due once its last fetch (from the store) is an interval old.
    mutating func isDue(_ source: SourceConfig, at now: Date, lastFetched: (String) -> Date??) -> Bool {
        if next[source.name] == nil {
            let last = lastFetched(source.name) ?? nil
            next[source.name] = last.map { $0.addingTimeInterval(source.interval) } ?? now
        }
        return next[source.name]! <= now
    }

    mutating func record(_ source: SourceConfig, succeeded: Bool, at time: Date) {
        if succeeded {
            failures[source.name] = nil
            next[source.name] = time.addingTimeInterval(source.interval * Double.random(in: 0.9...1.1))
        } else {
            let count = (failures[source.name] ?? 0) + 1
            failures[source.name] = count
            next[source.name] = time.addingTimeInterval(Self.backoff(failures: count, interval: source.interval))
        }
    }

    /// 1, 2, 4 … minutes after the 1st, 2nd, 3rd … failure in a row, at most the interval.
    static func backoff(failures: Int, interval: Double) -> Double {
        min(interval, 60 * pow(2, Double(min(failures, 20) - 1)))
    }

    func nextDue(_ sources: [SourceConfig]) -> Date? {
        sources.compactMap { next[$0.name] }.min()
    }
}
