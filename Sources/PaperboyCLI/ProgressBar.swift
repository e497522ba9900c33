import Foundation

/// `send-digest`'s progress bar on stderr (a terminal only): the first state
/// (0/N) and the last one are always drawn; the ones between at most every
/// 0.1 s (monotonic time: it changes no result).
final class ProgressBar {
    let enabled: Bool
    private var lastDrawn: ContinuousClock.Instant?
    private var shown: (done: Int, total: Int)?
    private var latest: (done: Int, total: Int)?

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func update(_ done: Int, of total: Int) {
        latest = (done, total)
        let now = ContinuousClock.now
        guard lastDrawn.map({ now - $0 > .milliseconds(100) }) ?? true || done == total else { return }
        lastDrawn = now
        draw(done, total)
    }

    /// Draws the last state if the throttle skipped it (a run stopped early
    /// ends short of N) and ends the line.
    func finish() {
        guard let latest, let shown else { return }
        if latest != shown { draw(latest.done, latest.total) }
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
        self.shown = nil
    }

    private func draw(_ done: Int, _ total: Int) {
        shown = (done, total)
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\(Self.line(done, of: total))".utf8))
    }

    /// `[#########---------------------] 3/10`
    static func line(_ done: Int, of total: Int, width: Int = 30) -> String {
        let filled = total == 0 ? width : min(width, width * done / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] \(done)/\(total)"
    }
}
