import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import ServiceLifecycle
import Synchronization

/// Subscribers who unsubscribed while this process runs, and when, so that
/// a digest planned before and already claimed for sending is not started
/// (the store cancels the queued ones). A digest planned after (they
/// subscribed again) is not held back.
public final class UnsubscribedSet: Sendable {
    private let times = Mutex([Int64: Date]())
    public init() {}
    public func insert(_ id: Int64, at time: Date) { times.withLock { $0[id] = max($0[id] ?? time, time) } }
    /// True when the subscriber unsubscribed after a digest planned at `plannedAt`.
    public func holdsBack(_ id: Int64, plannedAt: Date) -> Bool { times.withLock { $0[id].map { plannedAt <= $0 } ?? false } }
}

/// Delivers the outbox as rows come due: right after the scheduler queued
/// digests, at a deferred row's retry time, and at least once a minute.
///
/// On a graceful shutdown no new SMTP transaction starts; the ones under way
/// finish (within `shutdown_timeout`), and claimed rows not started go back
/// to the outbox, due at once: nothing is lost and nothing doubled.
public final class SenderService: Service, Sendable {
    let context: DaemonContext
    let unsubscribed: UnsubscribedSet
    /// Woken by the scheduler when it queued digests.
    public let wake: WakeSignal
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    /// The runtime of the delivery run under way (a reload may have replaced
    /// the current one meanwhile): its runner is the one to ask what it could not record.
    private let activeRuntime = Mutex<DaemonRuntime?>(nil)

    public init(context: DaemonContext, unsubscribed: UnsubscribedSet, wake: WakeSignal, logger: Logger) {
        self.context = context
        self.unsubscribed = unsubscribed
        self.wake = wake
        self.logger = logger
    }

    /// How long an idle sender on a shared (PostgreSQL) store waits before
    /// it looks for due rows again, when nothing woke it.
    static let sharedPoll: Double = 2

    public func run() async throws {
        await withGracefulShutdownHandler {
            var failures = 0
            while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
                // A shared database (PostgreSQL) gets rows from other instances' planners too: looked at more often.
                var next = context.clock.now().addingTimeInterval(context.store.dialect == .postgresql ? Self.sharedPoll : 60)
                do {
                    let (counts, due) = try await context.work.run(.send) { (try self.deliver(), try self.context.store.nextDueTime()) }
                    failures = 0
                    if let due { next = min(next, due) }
                    if counts != DeliveryCounts() { report(counts) }
                } catch is CancellationError {
                    // shutdown_timeout ran out: no new transaction starts; the ones under way are cut off at exit.
                    stopping.store(true, ordering: .relaxed)
                    logger.warning("stopped before the SMTP transactions under way ended (shutdown_timeout); those rows are taken back at the next start and may go out twice")
                    let unrecorded = activeRuntime.withLock { $0 }?.runner.unrecordedOutcomes ?? []
                    if !unrecorded.isEmpty {
                        logger.error("stopped while delivery outcomes waited for the busy database: these rows may have been sent and can go out again at the next start",
                                     metadata: ["outbox.ids": "\(unrecorded.map(String.init).joined(separator: ","))"])
                    }
                    return
                } catch {
                    failures += 1
                    logger.error("sending failed", metadata: ["error": "\(error)"])
                    next = context.clock.now().addingTimeInterval(min(300, 5 * Double(1 << min(failures, 6))))
                }
                if stopping.load(ordering: .relaxed) { break }
                await wake.sleep(until: next, on: context.clock)
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.wake.stop()
        }
    }

    /// One delivery run over every due row (on the calling thread).
    public func deliver() throws -> DeliveryCounts {
        let runtime = context.runtime.runtime
        activeRuntime.withLock { $0 = runtime }
        let runner = runtime.runner
        let hooks = DeliveryHooks(
            shouldStop: { [self] in stopping.load(ordering: .relaxed) },
            skipRow: { [unsubscribed] in unsubscribed.holdsBack($0, plannedAt: $1) },
            onOutcome: { [context] state, duration in context.metrics.recordOutcome(state, duration: duration, at: context.clock.now()) }
        )
        return try runner.run(hooks: hooks)
    }

    private func report(_ counts: DeliveryCounts) {
        let time = context.clock.now()
        context.status.update { snapshot in
            snapshot.lastSend = "sent \(counts.sent), deferred \(counts.deferred), failed \(counts.failed) at \(SchedulerService.iso(time))"
        }
        logger.info("outbox delivered", metadata: [
            "digests.sent": "\(counts.sent)", "digests.deferred": "\(counts.deferred)", "digests.failed": "\(counts.failed)",
        ])
    }
}
