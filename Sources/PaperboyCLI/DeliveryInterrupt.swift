import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM during `send-digest`'s delivery phase (and only then).
///
/// The first signal asks the run to stop: no new SMTP transaction starts,
/// the ones under way finish, claimed rows not started go back to the
/// outbox, and the command prints its summary. If the transactions under
/// way take longer than `grace` seconds, the process exits 75 without them:
/// their rows stay claimed under this process's name and the next run takes
/// them back (this process is gone). A second signal exits at once.
final class DeliveryInterrupt: @unchecked Sendable {
    /// The first signal's number; 0 before any.
    private let first = Atomic<Int32>(0)
    /// True once delivery is over: the grace timer then quits nothing.
    private let finished = Atomic<Bool>(false)
    private let queue = DispatchQueue(label: "paperboy.send.signals")
    private let grace: Double
    /// Written only by `install` and `uninstall`, on the command's thread.
    private var sources: [DispatchSourceSignal] = []

    init(grace: Double) {
        self.grace = grace
    }

    /// True once a signal asked the run to stop.
    var stopRequested: Bool { first.load(ordering: .acquiring) != 0 }

    /// "SIGINT" or "SIGTERM" once one was received, else nil.
    var signalName: String? {
        let number = first.load(ordering: .acquiring)
        return number == 0 ? nil : Self.name(number)
    }

    static func name(_ number: Int32) -> String {
        number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)"
    }

    /// Takes SIGINT and SIGTERM away from their default (exit at once).
    func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.received(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Gives SIGINT and SIGTERM their default back.
    func uninstall() {
        finished.store(true, ordering: .releasing)
        for source in sources { source.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    private func received(_ number: Int32) {
        let (isFirst, _) = first.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing)
        if isFirst {
            Self.warn("\(Self.name(number)) received: no new message starts; the ones under way finish (at most \(Int(grace)) s), "
                + "then the rest go back to the outbox. Press Ctrl-C again to quit at once.")
            queue.asyncAfter(deadline: .now() + grace) { [weak self, grace] in
                guard let self, !self.finished.load(ordering: .acquiring) else { return }
                Self.warn("the messages under way did not finish within \(Int(grace)) s; quitting without them. "
                    + "Their digests go out on the next run (nothing is lost; one may arrive twice).")
                fflush(nil)
                _exit(ExitStatus.temporaryFailure.rawValue)
            }
        } else {
            Self.warn("second \(Self.name(number)): quitting now. Digests being sent stay claimed by this process and go out on the next run.")
            fflush(nil)
            _exit(128 + number)
        }
    }

    private static func warn(_ text: String) {
        FileHandle.standardError.write(Data("\npaperboy: \(text)\n".utf8))
    }
}
