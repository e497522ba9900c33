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
