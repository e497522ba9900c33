import Foundation

/// What a planner running alongside a delivery run tells the sender: how
/// many digests it expects to plan, how many rows it has written so far,
/// and when it is done. The sender claims rows as they are written instead
/// of waiting for the whole plan (`DeliveryRunner.run(feed:)`).
public final class PlanningFeed: @unchecked Sendable {
    private let condition = NSCondition()
    private var expectedRows = 0
    private var writtenRows = 0
    private var done = false

    public init() {}

    /// Planning found `count` subscribers due (an upper bound of the rows it writes).
    public func expect(_ count: Int) {
        condition.lock()
        expectedRows = count
        condition.unlock()
    }

    /// Planning committed `count` more rows.
    public func add(_ count: Int) {
        condition.lock()
        writtenRows += count
        condition.broadcast()
        condition.unlock()
    }

    /// Planning ended (done, stopped, or failed): no more rows come.
    public func finish() {
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    /// Rows written so far, and whether planning has ended.
    public var progress: (written: Int, finished: Bool) {
        condition.lock()
        defer { condition.unlock() }
        return (writtenRows, done)
    }

    /// How many subscribers planning found due (0 before it knows).
    public var expected: Int {
        condition.lock()
        defer { condition.unlock() }
        return expectedRows
    }

    /// Rows planning may still write (due subscribers not written yet; 0 once finished).
    public var stillToWrite: Int {
        condition.lock()
        defer { condition.unlock() }
        return done ? 0 : max(0, expectedRows - writtenRows)
    }

    /// Waits until more than `written` rows were written, planning ended, or
    /// `timeout` seconds passed; returns the rows written then and whether planning ended.
    public func wait(beyond written: Int, timeout: Double) -> (written: Int, finished: Bool) {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while writtenRows <= written && !done {
            if !condition.wait(until: deadline) { break }
        }
        return (writtenRows, done)
    }
}

/// Runs a planning job on a thread of its own, feeding a delivery run
/// through `feed` (finished when the job ends, whatever its outcome).
public final class PlanningThread: @unchecked Sendable {
    public let feed: PlanningFeed
    private let finished = NSCondition()
    private var outcome: Result<DigestPlanner.TickSummary, Error>?

    public init(feed: PlanningFeed = PlanningFeed(), _ body: @escaping @Sendable (PlanningFeed) throws -> DigestPlanner.TickSummary) {
        self.feed = feed
        let thread = Thread { [self] in
            let result = Result { try body(feed) }
            feed.finish()
            finished.lock()
            outcome = result
            finished.broadcast()
            finished.unlock()
        }
        thread.name = "paperboy-plan"
        thread.start()
    }

    /// Waits for the planning job to end; its summary, or its error.
    public func result() throws -> DigestPlanner.TickSummary {
        finished.lock()
        while outcome == nil { finished.wait() }
        let result = outcome!
        finished.unlock()
        return try result.get()
    }
}
