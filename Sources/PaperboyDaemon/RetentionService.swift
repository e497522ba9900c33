import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import ServiceLifecycle

/// Prunes the store once a day under `retention:` (the same work as
/// `paperboy db prune`): message bodies of old finished digests, then the
/// rows, and sent-log entries older than both `retention.sent_log` and
/// `digest.lookback`. The first prune is `firstAfter` seconds after start.
public final class RetentionService: Service, Sendable {
    let context: DaemonContext
    let logger: Logger
    let firstAfter: Double
    let interval: Double

    public init(context: DaemonContext, logger: Logger, firstAfter: Double = 300, interval: Double = 86400) {
        self.context = context
        self.logger = logger
        self.firstAfter = firstAfter
        self.interval = interval
    }

    public func run() async throws {
        let stop = WakeSignal()
        await withGracefulShutdownHandler {
            var next = context.clock.now().addingTimeInterval(firstAfter)
            while !stop.isStopped && !Task.isCancelled {
                await stop.sleep(until: next, on: context.clock)
                let now = context.clock.now()
                if stop.isStopped || Task.isCancelled { return }
                if now < next { continue }
                do {
                    // A stop does not wait for the rest: each batch is a transaction of its own.
                    _ = try await cancelWhenGracefulShutdown {
                        try await self.context.work.run(.prune) { try self.prune(at: now) }
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("pruning the database failed; it is tried again in a day", metadata: ["error": "\(error)"])
                }
                next = now.addingTimeInterval(interval)
            }
        } onGracefulShutdown: {
            stop.stop()
        }
    }

    /// One prune at `time` under the config in effect; logs what it removed.
    @discardableResult
    public func prune(at time: Date) throws -> PruneReport {
        let config = context.runtime.runtime.config
        let report = try context.store.prune(PruneCutoffs(at: time, retention: config.retention, lookback: config.digest.lookback), dryRun: false)
        context.status.update { $0.lastPrune = time }
        if !report.isEmpty {
            logger.info("database pruned", metadata: [
                "outbox.bodies_emptied": "\(report.messageBodies)", "outbox.bytes_freed": "\(report.messageBytes)",
                "outbox.rows_deleted": "\(report.outboxRows)", "sent_log.entries_deleted": "\(report.sentLog)",
            ])
        }
        return report
    }
}
