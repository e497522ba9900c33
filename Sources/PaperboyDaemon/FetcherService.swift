import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import ServiceLifecycle

/// Fetches each source on its `interval`, with ±10% jitter so that many
/// daemons do not hit a feed at the same second. A source fetched less than
/// an interval ago (before a restart) waits for the rest of its interval.
/// After a failure it retries sooner, backing off: 1, 2, 4 … minutes,
/// never more than its interval. The back-off survives a restart: the store
/// keeps each source's last attempt and failures in a row (an attempt that
/// never finished, because the process died, counts as a failure). Sources are read from the config in
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
                for source in config.sources where plan.isDue(source, at: now, state: { try? self.context.store.sourceState($0) }) {
                    if stop.isStopped { return }
                    // With several instances on one database, one fetches each
                    // source per interval: the holder of its lease.
                    let leased = try? await self.context.work.run(.fetch) {
                        try self.context.takeLease("fetch:\(source.name)", at: now, for: source.interval * 0.9)
                    }
                    if leased == false {
                        plan.record(source, succeeded: true, at: now)
                        continue
                    }
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
            context.status.update { $0.lastFetch[report.source] = time; $0.fetchErrors[report.source] = nil; $0.fetchFailuresInARow[report.source] = 0 }
        case .notModified:
            context.metrics.recordFetch(source: report.source, papers: 0, at: time)
            context.status.update { $0.lastFetch[report.source] = time; $0.fetchErrors[report.source] = nil; $0.fetchFailuresInARow[report.source] = 0 }
        case .failed(let message):
            context.metrics.recordFetch(source: report.source, papers: nil, at: time)
            context.status.update { $0.fetchErrors[report.source] = message; $0.fetchFailuresInARow[report.source, default: 0] += 1 }
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

    /// A source not seen yet is due as its stored state says (`firstDue`).
    mutating func isDue(_ source: SourceConfig, at now: Date, state: (String) -> SourceState?) -> Bool {
        if next[source.name] == nil {
            let stored = state(source.name)
            next[source.name] = Self.firstDue(source, state: stored, now: now)
            failures[source.name] = stored.map(\.consecutiveFailures).flatMap { $0 > 0 ? $0 : nil }
        }
        return next[source.name]! <= now
    }

    /// When a source is first due after a start: after failures in a row
    /// (or an attempt that never finished), its last attempt plus the
    /// back-off; else its last fetch plus its interval; never fetched: now.
    static func firstDue(_ source: SourceConfig, state: SourceState?, now: Date) -> Date {
        guard let state else { return now }
        if state.consecutiveFailures > 0, let attempt = state.lastAttemptAt {
            return attempt.addingTimeInterval(backoff(failures: state.consecutiveFailures, interval: source.interval))
        }
        return state.lastFetchedAt.map { $0.addingTimeInterval(source.interval) } ?? now
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
