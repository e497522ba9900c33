import Foundation
import Logging
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import ServiceLifecycle
import Synchronization

/// Plans the digests that are due: wakes at the next due time of any
/// subscriber's schedule, and at least once a minute (so a subscriber added
/// or changed meanwhile is seen), plans, and wakes the sender.
///
/// Planning composes on every core and writes each batch of digests in one
/// transaction as soon as it is ready, waking the sender, which sends them
/// while later ones are composed. The outbox row's unique
/// (subscriber, period): after downtime each subscriber gets one digest, for
/// the current period, never one per missed period.
public final class SchedulerService: Service, Sendable {
    let context: DaemonContext
    let sender: WakeSignal
    let logger: Logger
    /// The longest sleep between ticks (60 s; tests raise it to jump from due time to due time).
    let maxSleep: Double
    private let memory = Mutex(TickMemory())
    /// True once a shutdown began: a tick under way stops after the batch it is writing.
    private let stopping = Atomic<Bool>(false)

    /// What one tick leaves for the next.
    struct TickMemory {
        /// What the subscribers found empty were selected against: the paper and
        /// subscriber versions and the config generation. When any changes
        /// (a new paper, more upvotes, a broader query, a reload), they are
        /// selected again.
        var emptyBasis: (paperVersion: Int64, subscriberVersion: Int64, generation: Int)?
        var foundEmpty: [Int64: PeriodKey] = [:]
        /// After a full tick: nobody is due before `nextDue` unless a subscriber,
        /// the papers, or the config changes (then the next tick is a full one).
        var quiet: (subscriberVersion: Int64, paperVersion: Int64, generation: Int, nextDue: Date)?
    }

    public init(context: DaemonContext, sender: WakeSignal, logger: Logger, maxSleep: Double = 60) {
        self.context = context
        self.sender = sender
        self.logger = logger
        self.maxSleep = maxSleep
    }

    /// How long the planning lease lasts past each tick and each batch
    /// written: a planner that dies is replaced by another instance within
    /// this time (plus one tick).
    static let planLease: Double = 120

    /// How often an instance that does not plan asks for the lease again.
    static let standbyRetry: Double = 10

    /// The lease that makes one instance of several sharing a database plan.
    static let planLeaseName = "plan"

    public func run() async throws {
        let stop = WakeSignal()
        defer {
            // A clean stop hands planning to another instance at once.
            try? context.store.releaseLease(Self.planLeaseName, holder: DeliveryRunner.processName())
        }
        await withGracefulShutdownHandler {
            while !stop.isStopped && !Task.isCancelled {
                let started = context.clock.now()
                var wake = started.addingTimeInterval(maxSleep)
                do {
                    let summary = try await context.work.run(.plan) { try self.tick(at: started) }
                    if let next = summary.nextDue { wake = min(wake, next) }
                } catch is CancellationError {
                    return
                } catch {
                    // Logged and shown by /healthz; the next tick tries again.
                    context.status.update { $0.lastTickError = "\(error)" }
                    logger.error("planning failed", metadata: ["error": "\(error)"])
                }
                await stop.sleep(until: wake, on: context.clock)
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            stop.stop()
        }
    }

    /// One tick at `time`: forgets expired subscribe requests, plans what is due, records it, wakes the sender.
    @discardableResult
    public func tick(at time: Date) throws -> DigestPlanner.TickSummary {
        // Under way from here (for /healthz), the lease's write included.
        context.status.update { $0.tickStartedAt = time }
        defer { context.status.update { $0.tickStartedAt = nil } }
        // With several instances on one database, one plans (the holder of
        // the lease); the others only send what it writes.
        guard try context.takeLease(Self.planLeaseName, at: time, for: Self.planLease) else {
            context.status.update { $0.lastTick = time; $0.lastTickError = nil; $0.planning = false }
            // Asks again soon: the planner may stop or die.
            return DigestPlanner.TickSummary(planned: 0, empty: 0, nextDue: time.addingTimeInterval(Self.standbyRetry))
        }
        context.status.update { $0.planning = true }
        let (current, generation) = context.runtime.versioned
        // Subscribe-page requests older than web.pending_days are forgotten first.
        let expired = try current.desk.expirePending(at: time)
        context.metrics.recordSubscriptionsExpired(expired)
        if expired > 0 {
            logger.info("unconfirmed subscribe requests expired", metadata: [
                "subscribers.expired": "\(expired)", "web.pending_days": "\(current.config.web.pendingDays)",
            ])
        }
        let planner = DigestPlanner(store: context.store, settings: current.config, composer: current.composer)
        let versions = try context.store.changeVersions()
        // Nothing changed since a full tick and nobody's time has come: one read, not 100,000 rows.
        if let quiet = memory.withLock({ $0.quiet }), quiet.subscriberVersion == versions.subscribers, quiet.paperVersion == versions.papers,
           quiet.generation == generation, time < quiet.nextDue {
            context.status.update { $0.lastTick = time; $0.lastTickError = nil }
            return DigestPlanner.TickSummary(planned: 0, empty: 0, nextDue: quiet.nextDue)
        }
        // Subscribers found empty this period are selected again only once a
        // paper or a subscriber changed, or the config was reloaded.
        var foundEmpty = memory.withLock { memory in
            if let basis = memory.emptyBasis, basis.paperVersion == versions.papers, basis.subscriberVersion == versions.subscribers,
               basis.generation == generation {
                return memory.foundEmpty
            }
            memory.emptyBasis = (versions.papers, versions.subscribers, generation)
            memory.foundEmpty = [:]
            return [:]
        }
        // Each batch written wakes the sender: the first digests go out while the rest are composed.
        // A long tick keeps its lease; one that lost it (another instance took
        // it over: this one stalled) stops after the batch it is writing.
        let leaseLost = Atomic<Bool>(false)
        let summary = try planner.planDue(at: time, foundEmpty: &foundEmpty,
                                          shouldStop: { self.stopping.load(ordering: .relaxed) || leaseLost.load(ordering: .relaxed) }) { _ in
            sender.wake()
            let now = self.context.clock.now()
            if (try? self.context.takeLease(Self.planLeaseName, at: now, for: Self.planLease)) == false {
                leaseLost.store(true, ordering: .relaxed)
            }
        }
        memory.withLock { memory in
            memory.foundEmpty = foundEmpty
            memory.quiet = summary.nextDue.map { (versions.subscribers, versions.papers, generation, $0) }
        }
        context.metrics.recordPlanned(summary.planned)
        context.status.update { snapshot in
            snapshot.lastTick = time
            snapshot.lastTickError = nil
            if summary.planned > 0 || summary.empty > 0 {
                snapshot.lastPlan = "planned \(summary.planned) digests at \(Self.iso(time))" + (summary.empty > 0 ? " (\(summary.empty) with nothing to send)" : "")
            }
        }
        if summary.planned > 0 || summary.empty > 0 {
            logger.info("digests planned", metadata: [
                "digests.planned": "\(summary.planned)", "digests.empty": "\(summary.empty)",
                "schedule.next_due": "\(summary.nextDue.map(Self.iso) ?? "none")",
            ])
        }
        if summary.planned > 0 { sender.wake() }
        return summary
    }
}

extension SchedulerService {
    /// `2026-11-29T08:00:00Z`, for logs and status lines.
    public static func iso(_ date: Date) -> String {
        DateFormats.iso8601(date)
    }
}
