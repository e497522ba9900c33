import Curl
import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import ServiceLifecycle

/// Reads the return mailbox every `bounce.interval` (`BouncePoller`, the
/// same pass as `paperboy bounce poll`), while `bounce.mailbox` is set in
/// the config in effect. A mailbox that is down or refuses the login is
/// tried again with back-off (the interval doubled per failure, up to an
/// hour, or the interval when that is longer), shown in `/healthz` after
/// three failures, and never stops anything else: sending goes on.
public final class BounceService: Service, Sendable {
    let context: DaemonContext
    let logger: Logger
    let firstAfter: Double

    /// `firstAfter`: seconds from start to the first poll.
    public init(context: DaemonContext, logger: Logger, firstAfter: Double = 30) {
        self.context = context
        self.logger = logger
        self.firstAfter = firstAfter
    }

    /// The wait before the next poll after `failures` failed polls in a row.
    public static func delay(interval: Double, failures: Int) -> Double {
        guard failures > 0 else { return interval }
        let longest = max(interval, 3600)
        return min(longest, interval * pow(2, Double(min(failures, 20))))
    }

    public func run() async throws {
        let stop = WakeSignal()
        await withGracefulShutdownHandler {
            var next = context.clock.now().addingTimeInterval(firstAfter)
            var failures = 0
            var polled: String?
            while !stop.isStopped && !Task.isCancelled {
                await stop.sleep(until: next, on: context.clock)
                let now = context.clock.now()
                if stop.isStopped || Task.isCancelled { return }
                if now < next { continue }
                let runtime = context.runtime.runtime
                guard let reading = runtime.bounces else {
                    // Not configured (a reload may set it): look again later.
                    context.status.update { $0.bounceMailbox = nil }
                    next = now.addingTimeInterval(60)
                    continue
                }
                // A reload that points at another mailbox starts its back-off afresh.
                if polled != reading.mailboxURL {
                    failures = 0
                    polled = reading.mailboxURL
                }
                // With several instances on one database, one reads the mailbox each interval (the holder of its lease).
                let interval = runtime.config.bounce.interval
                let leased = try? await context.work.run(.bounce) {
                    try self.context.takeLease("bounce", at: now, for: interval * 0.9)
                }
                if leased == false {
                    next = now.addingTimeInterval(interval)
                    continue
                }
                do {
                    try await context.work.run(.bounce) { try self.poll(reading, shouldStop: { stop.isStopped }) }
                    failures = 0
                } catch is CancellationError {
                    return
                } catch {
                    failures += 1
                    record(failure: error, url: reading.mailboxURL, failures: failures)
                }
                next = now.addingTimeInterval(Self.delay(interval: runtime.config.bounce.interval, failures: failures))
                context.status.update { $0.bounceMailbox?.nextPoll = next }
            }
        } onGracefulShutdown: {
            stop.stop()
        }
    }

    /// One pass over the mailbox; logs each message acted on and counts it.
    @discardableResult
    public func poll(_ reading: BounceReading, shouldStop: () -> Bool = { false }) throws -> BouncePollReport {
        let session = try reading.open()
        let report = try reading.poller.poll(session, shouldStop: shouldStop) { item in
            guard !item.recordedBefore else { return }
            context.metrics.recordBounce(item.kind)
            // The key, note and status come from the mailbox: escaped for a terminal reading the log.
            var metadata: Logger.Metadata = ["bounce.kind": "\(item.kind.rawValue)", "bounce.key": "\(item.key.debugEscaped)",
                                             "bounce.outcome": "\(item.outcome?.rawValue ?? "-")", "bounce.note": "\(item.decision.note.debugEscaped)"]
            if let id = item.subscriberID { metadata["subscriber.id"] = "\(id)" }
            if let status = item.status { metadata["bounce.status"] = "\(status.debugEscaped)" }
            switch item.outcome {
            case .paused?, .unsubscribed?: logger.notice("a message in the return mailbox changed a subscriber", metadata: metadata)
            default: logger.info("a message in the return mailbox was read", metadata: metadata)
            }
        }
        for problem in report.notMoved {
            logger.warning("a message in the return mailbox was recorded but not moved; the next poll tries again",
                           metadata: ["bounce.mailbox": "\(reading.mailboxURL)", "problem": "\(problem.debugEscaped)"])
        }
        let time = context.clock.now()
        context.status.update { snapshot in
            var state = snapshot.bounceMailbox ?? DaemonStatus.BounceMailboxState(url: reading.mailboxURL)
            state.url = reading.mailboxURL
            state.lastSuccess = time
            state.lastError = nil
            state.failuresInARow = 0
            snapshot.bounceMailbox = state
        }
        return report
    }

    private func record(failure error: any Error, url: String, failures: Int) {
        context.metrics.recordBouncePollFailed()
        let words = (error as? MailboxError)?.message ?? "\(error)"
        context.status.update { snapshot in
            var state = snapshot.bounceMailbox ?? DaemonStatus.BounceMailboxState(url: url)
            state.url = url
            state.lastError = words
            state.failuresInARow = failures
            snapshot.bounceMailbox = state
        }
        logger.error("reading the return mailbox failed; it is tried again with back-off, and sending goes on",
                     metadata: ["bounce.mailbox": "\(url)", "error": "\(error)", "failures_in_a_row": "\(failures)"])
    }
}
