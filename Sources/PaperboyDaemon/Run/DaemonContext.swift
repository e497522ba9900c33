import PaperboyStore

/// What the daemon's services share: the store, the runtime in effect (a
/// reload swaps it), the clock, the status they report, and the metrics.
public struct DaemonContext: Sendable {
    public let store: Store
    public let runtime: RuntimeHolder
    public let clock: any DaemonClock
    public let status: DaemonStatus
    public let metrics: DaemonMetrics

    public init(store: Store, runtime: RuntimeHolder, clock: any DaemonClock, status: DaemonStatus, metrics: DaemonMetrics) {
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.status = status
        self.metrics = metrics
    }
}
