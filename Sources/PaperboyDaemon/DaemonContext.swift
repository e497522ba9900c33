import Foundation
import PaperboyPipeline
import PaperboyStore

/// What the daemon's services share: the store, the runtime in effect (a
/// reload swaps it), the clock, the status they report, the metrics, and the
/// threads their blocking work runs on.
public struct DaemonContext: Sendable {
    public let store: Store
    public let runtime: RuntimeHolder
    public let clock: any DaemonClock
    public let status: DaemonStatus
    public let metrics: DaemonMetrics
    /// The bounded thread lanes that run the services' blocking work.
    public let work: BlockingWork

    public init(store: Store, runtime: RuntimeHolder, clock: any DaemonClock, status: DaemonStatus, metrics: DaemonMetrics,
                work: BlockingWork = BlockingWork()) {
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.status = status
        self.metrics = metrics
        self.work = work
    }
}

extension DaemonContext {
    /// Takes or renews the lease `name` (planning, a source's fetch, the
    /// bounce mailbox) for this process until `seconds` after `time`: the
    /// one place that says who holds a lease (`host:pid`) and that a dead
    /// holder on this host loses it at once.
    func takeLease(_ name: String, at time: Date, for seconds: Double) throws -> Bool {
        try store.takeLease(name, holder: DeliveryRunner.processName(), at: time, until: time.addingTimeInterval(seconds), isDead: DeliveryRunner.isDead)
    }
}
