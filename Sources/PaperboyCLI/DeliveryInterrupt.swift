import Dispatch
import Foundation
import PaperboyPipeline
import Synchronization

/// The signal a delivery run was asked to stop by; 0 before any. Set by the
/// signal handler (a lock-free atomic store is async-signal-safe).
private let receivedSignal = Atomic<Int32>(0)

/// The handler for SIGINT and SIGTERM while `send-digest` delivers: the
/// first signal is recorded (the run stops between transactions), a second
/// one exits at once. Only async-signal-safe calls here.
private func deliverySignalHandler(_ number: Int32) {
    let (isFirst, _) = receivedSignal.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent)
    if !isFirst {
        // Literals: no allocation in the handler.
        let text = number == SIGINT
            ? "\npaperboy: second SIGINT: quitting now. Digests being sent stay claimed by this process and go out on the next run.\n"
            : "\npaperboy: second SIGTERM: quitting now. Digests being sent stay claimed by this process and go out on the next run.\n"
        _ = text.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        _exit(128 + number)
    }
}

/// SIGINT and SIGTERM during `send-digest`'s delivery phase (and only then).
///
/// The first signal asks the run to stop: no new SMTP transaction starts,
/// the ones under way finish, claimed rows not started go back to the
/// outbox, and the command prints its summary. If the transactions under
/// way take longer than `grace` seconds, the process exits 75 without them:
/// their rows stay claimed under this process's name and the next run takes
/// them back (this process is gone). A second signal exits at once.
///
/// A real handler (sigaction), not a dispatch signal source: on Linux a
/// dispatch source needs the signal blocked in every thread, and a signal
/// that reaches a thread where it is not (libcurl's, Foundation's) would be
/// lost; a handler sees it on whichever thread it lands.
final class DeliveryInterrupt: @unchecked Sendable {
    private let queue = DispatchQueue(label: "paperboy.send.signals")
    private let grace: Double
    /// True once delivery is over: the grace timer then quits nothing.
    private let finished = Atomic<Bool>(false)
    /// True once the first signal was reported on stderr.
    private let announced = Atomic<Bool>(false)
    /// Written only by `install` and `uninstall`, on the command's thread.
    private var previous: [Int32: sigaction] = [:]
    private var watcher: DispatchSourceTimer?

    init(grace: Double) {
        self.grace = grace
    }

    /// True once a signal asked the run to stop.
    var stopRequested: Bool { receivedSignal.load(ordering: .sequentiallyConsistent) != 0 }

    /// "SIGINT" or "SIGTERM" once one was received, else nil.
    var signalName: String? {
        let number = receivedSignal.load(ordering: .sequentiallyConsistent)
        return number == 0 ? nil : Self.name(number)
    }

    static func name(_ number: Int32) -> String {
        number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)"
    }

    /// Catches SIGINT and SIGTERM (whatever their disposition was, ignored
    /// included: a signal sent to a delivery run on purpose stops it
    /// gracefully), and watches for the first one to say what happens.
    func install() {
        receivedSignal.store(0, ordering: .sequentiallyConsistent)
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = deliverySignalHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            var old = sigaction()
            sigaction(number, &action, &old)
            previous[number] = old
        }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .milliseconds(50))
        timer.setEventHandler { [weak self] in
            guard let self, self.announceFirstSignal() else { return }
            self.queue.asyncAfter(deadline: .now() + self.grace) { [weak self] in
                guard let self, !self.finished.load(ordering: .acquiring) else { return }
                Self.warn("the messages under way did not finish within \(Int(self.grace)) s; quitting without them. "
                    + "Their digests go out on the next run (nothing is lost; one may arrive twice).")
                fflush(nil)
                _exit(ExitStatus.temporaryFailure.rawValue)
            }
        }
        timer.resume()
        watcher = timer
    }

    /// Says once what the first signal does; false when there is none yet or it was said.
    private func announceFirstSignal() -> Bool {
        guard let name = signalName, !announced.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        Self.warn("\(name) received: no new message starts; the ones under way finish (at most \(Int(grace)) s), "
            + "then the rest go back to the outbox. Press Ctrl-C again to quit at once.")
        return true
    }

    /// Gives SIGINT and SIGTERM the dispositions they had before.
    func uninstall() {
        finished.store(true, ordering: .releasing)
        watcher?.cancel()
        watcher = nil
        // A signal the watcher had no time to report before the run ended.
        _ = queue.sync { announceFirstSignal() }
        for (number, old) in previous {
            var restored = old
            sigaction(number, &restored, nil)
        }
        previous.removeAll()
    }

    private static func warn(_ text: String) {
        FileHandle.standardError.write(Data("\npaperboy: \(text)\n".utf8))
    }
}
