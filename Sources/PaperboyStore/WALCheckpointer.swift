import Foundation
internal import GRDB

/// Copies the write-ahead log back into the database file from a thread
/// and a connection of its own, so that no write waits for it.
///
/// Left to SQLite, the checkpoint (copying megabytes and an fsync) runs
/// inside whichever commit crosses the WAL limit: the planner's batch or
/// the sender's record of an outcome, and every other write waits behind
/// it (GRDB runs all writes of a store on one queue). Here a PASSIVE
/// checkpoint runs every `interval` beside the writes: it takes no write
/// lock, copies what is committed, and leaves alone what a reader still
/// needs. The writer's own automatic checkpoint stays as a backstop at a
/// much larger WAL (`Store.backstopCheckpointPages`), should this thread
/// fall behind.
final class WALCheckpointer: @unchecked Sendable {
    /// Closed by `stop()` on the stopping thread, not by the checkpoint
    /// thread as it exits (a thread's last releases run in its exit
    /// destructors, too late for SQLite and GRDB's dispatch queue).
    /// Used by the checkpoint thread only until `stopped`.
    private var connection: DatabaseQueue?
    private let interval: TimeInterval
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var stopping = false
    private var stopped = false

    /// Opens a second connection to the WAL database at `path` and starts
    /// the thread; nil when that connection cannot be opened (the backstop
    /// then does the work).
    init?(path: String, interval: TimeInterval = 0.1) {
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        configuration.prepareDatabase { db in
            // As the writer: the checkpoint syncs the database file, not every commit.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        guard let connection = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        self.connection = connection
        self.interval = interval
        let thread = Thread { [self] in run() }
        thread.name = "paperboy-checkpoint"
        thread.start()
    }

    /// Ends the thread after the checkpoint under way, if any; returns once it ended.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        connection = nil
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while !stopping {
            condition.unlock()
            checkpoint()
            condition.lock()
            if stopping { break }
            // How long to wait until the next look; decides no result.
            _ = condition.wait(until: Date(timeIntervalSinceNow: interval))
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// One PASSIVE checkpoint. An error (another checkpoint under way, a
    /// full disk) is left for the next round and the backstop.
    private func checkpoint() {
        try? connection?.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
        }
    }
}
