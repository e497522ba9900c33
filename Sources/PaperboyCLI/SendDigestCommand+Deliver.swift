import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyStore

extension SendDigestCommand {
    /// Sends the outbox and prints the counts; exits 0, 75 (some deferred) or 1 (some failed).
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
        let showProgress = isatty(STDERR_FILENO) == 1
        // The progress bar is redrawn at most every 0.1 s (monotonic time: it changes no result).
        var lastDrawn: ContinuousClock.Instant?
        let counts = try runner.run { done, total in
            let drawnAt = ContinuousClock.now
            guard showProgress, lastDrawn.map({ drawnAt - $0 > .milliseconds(100) }) ?? true || done == total else { return }
            lastDrawn = drawnAt
            let width = 30
            let filled = total == 0 ? width : width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)".utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        }
        say("planned \(planned), sent \(counts.sent), deferred \(counts.deferred), failed \(counts.failed), skipped (empty) \(skippedEmpty)")
        if counts.failed > 0 { throw ExitCode(1) }
        if counts.deferred > 0 { throw ExitCode(ExitStatus.temporaryFailure.rawValue) }
    }
}
