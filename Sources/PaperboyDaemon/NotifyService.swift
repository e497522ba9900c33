import Foundation
import PaperboyPipeline
import Logging
import ServiceLifecycle

/// Keeps systemd informed: `STATUS=` with the last run's summary whenever it
/// changes, `WATCHDOG=1` at half the watchdog interval while the daemon is
/// healthy (a scheduler that stopped ticking stops the pings, and systemd
/// restarts the service), and `STOPPING=1` when a stop begins. `READY=1` is
/// sent by the daemon once its HTTP endpoint listens.
public final class NotifyService: Service, Sendable {
    let notifier: SystemdNotifier
    let status: DaemonStatus
    let clock: any DaemonClock
    let tickStaleAfter: Double
    let logger: Logger

    public init(notifier: SystemdNotifier, status: DaemonStatus, clock: any DaemonClock, tickStaleAfter: Double, logger: Logger) {
        self.notifier = notifier
        self.status = status
        self.clock = clock
        self.tickStaleAfter = tickStaleAfter
        self.logger = logger
    }

    public func run() async throws {
        let stop = WakeSignal()
        await withGracefulShutdownHandler {
            var lastStatus = ""
            let period = min(30, (notifier.watchdogInterval ?? 60) / 2)
            while !stop.isStopped && !Task.isCancelled {
                let summary = status.summary
                if summary != lastStatus {
                    notifier.notify("STATUS=" + summary)
                    lastStatus = summary
                }
                if notifier.watchdogInterval != nil {
                    if isAlive() {
                        notifier.notify("WATCHDOG=1")
                    } else {
                        logger.error("scheduler stuck: no watchdog ping, systemd will restart the service")
                    }
                }
                await stop.sleep(until: clock.now().addingTimeInterval(period), on: clock)
            }
        } onGracefulShutdown: {
            self.notifier.notify("STOPPING=1\nSTATUS=stopping: finishing the SMTP transactions under way")
            stop.stop()
        }
    }

    /// The scheduler finished a tick recently, or one is under way (or it has not had time for its first).
    func isAlive() -> Bool {
        // Before the first tick begins, start-up is still under way: alive.
        let snapshot = status.snapshot
        if snapshot.lastTick == nil && snapshot.tickStartedAt == nil { return true }
        return status.schedulerProblem(at: clock.now(), staleAfter: tickStaleAfter) == nil
    }
}
