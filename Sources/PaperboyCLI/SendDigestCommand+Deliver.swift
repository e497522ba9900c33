import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyPipeline
import PaperboyStore

extension SendDigestCommand {
    /// Sends the outbox and prints the counts, what waits for a retry and what a stop left;
    /// exits 0, 75 (some deferred or waiting, or left by SIGINT/SIGTERM) or 1 (some failed).
    func deliver(store: Store, smtp: SMTPConfig, fromDomain: String?, planned: Int, skippedEmpty: Int, at moment: Date) throws {
        let runner: DeliveryRunner
        let clock = try CommandClock.daemonClock()
        do {
            // With --at in the future, rows planned for then are due then: the run's clock never goes before it.
            runner = try DeliveryRunner(store: store, smtp: smtp, password: try DeliveryRunner.password(smtp), fromDomain: fromDomain,
                                        logger: config.makeLogger(label: "paperboy.send"), now: { max(clock.now(), moment) })
        } catch let error as MailSetupError {
            throw CLIFailure(error.message, exitCode: .config)
        }
        let bar = ProgressBar(enabled: isatty(STDERR_FILENO) == 1)
        // Ctrl-C or SIGTERM from here on stops gracefully (see DeliveryInterrupt); a bound on the wait for the messages under way.
        let interrupt = DeliveryInterrupt(grace: max(5, min(smtp.timeout, 30)))
        interrupt.install()
        defer { interrupt.uninstall() }
        let counts: DeliveryCounts
        do {
            defer { bar.finish() }
            counts = try runner.run(hooks: DeliveryHooks(shouldStop: { interrupt.stopRequested })) { done, total in bar.update(done, of: total) }
        }
        say("planned \(planned), sent \(counts.sent), deferred \(counts.deferred), failed \(counts.failed), skipped (empty) \(skippedEmpty)")
        let end = max(clock.now(), moment)
        var left = 0
        if let signal = interrupt.signalName {
            left = try store.dueCount(at: end)
            say(left == 0
                ? "stopped by \(signal): nothing was left to send"
                : "stopped by \(signal): \(left) digest\(left == 1 ? "" : "s") handed back to the outbox; \(left == 1 ? "it goes" : "they go") out on the next run")
        }
        let waiting = try OutboxSummary.deferredLine(store, at: end)
        if let waiting { say(waiting) }
        if counts.failed > 0 { throw ExitCode(1) }
        // 75 whenever a digest waits: deferred in this run, deferred earlier and not due yet, or left by a stop.
        if counts.deferred > 0 || waiting != nil || left > 0 { throw ExitCode(ExitStatus.temporaryFailure.rawValue) }
    }
}
