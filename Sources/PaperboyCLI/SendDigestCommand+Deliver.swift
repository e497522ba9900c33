import ArgumentParser
import Curl
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

extension SendDigestCommand {
    /// Plans with `plan` on a thread of its own while sending the outbox
    /// here (rows go out as soon as planning has written them), then prints
    /// the counts, what waits for a retry and what a stop left;
    /// exits 0, 75 (some deferred or waiting, or left by SIGINT/SIGTERM) or 1 (some failed).
    func deliver(store: Store, smtp: SMTPConfig, fromDomain: String?, returnPath: ReturnPath?, at moment: Date,
                 plan: @escaping @Sendable (_ shouldStop: @escaping @Sendable () -> Bool, PlanningFeed) throws -> DigestPlanner.TickSummary) throws {
        let runner: DeliveryRunner
        let clock = try CommandClock.daemonClock()
        do {
            // With --at in the future, rows planned for then are due then: the run's clock never goes before it.
            runner = try DeliveryRunner(store: store, smtp: smtp, password: try DeliveryRunner.password(smtp), fromDomain: fromDomain,
                                        logger: config.makeLogger(label: "paperboy.send"), now: { max(clock.now(), moment) })
            runner.returnPath = returnPath
        } catch let error as MailSetupError {
            throw CLIFailure(error.message, exitCode: .config)
        }
        let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
        // Ctrl-C or SIGTERM from here on stops gracefully (see DeliveryInterrupt); a bound on the wait for the messages under way.
        let interrupt = DeliveryInterrupt(grace: max(5, min(smtp.timeout, 30)))
        interrupt.install()
        defer { interrupt.uninstall() }
        // Planning stops at a signal, or when delivery ended early (an outcome it could not record).
        let deliveryEnded = StopFlag()
        let planning = PlanningThread { feed in
            try plan({ interrupt.stopRequested || deliveryEnded.isSet }, feed)
        }
        let delivered = Result {
            try runner.run(hooks: DeliveryHooks(shouldStop: { interrupt.stopRequested }), feed: planning.feed) { done, total in
                bar.update(done, of: total)
            }
        }
        deliveryEnded.set()
        bar.finish()
        // Planning ends at once after a failed delivery; its error (if any) comes after delivery's.
        let planned = Result { try planning.result() }
        let counts = try delivered.get()
        let summary = try planned.get()
        say("planned \(summary.planned), sent \(counts.sent), deferred \(counts.deferred), failed \(counts.failed), skipped (empty) \(summary.empty)")
        let end = max(clock.now(), moment)
        var left = 0
        if let signal = interrupt.signalName {
            left = try store.dueCount(at: end)
            say(left == 0
                ? "stopped by \(signal): nothing was left to send"
                : "stopped by \(signal): \(left) digest\(left == 1 ? "" : "s") handed back to the outbox; \(left == 1 ? "it goes" : "they go") out on the next run")
            let unplanned = planning.feed.expected - summary.planned - summary.empty
            if unplanned > 0 {
                say("\(unplanned) subscriber\(unplanned == 1 ? " was" : "s were") not planned before the stop; the next run plans \(unplanned == 1 ? "it" : "them")")
                left += unplanned
            }
        }
        let waiting = try OutboxSummary.deferredLine(store, at: end)
        if let waiting { say(waiting) }
        if counts.failed > 0 { throw ExitCode(1) }
        // 75 whenever a digest waits: deferred in this run, deferred earlier and not due yet, or left by a stop.
        if counts.deferred > 0 || waiting != nil || left > 0 { throw ExitCode(ExitStatus.temporaryFailure.rawValue) }
    }
}

