import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import Synchronization
import PaperboyTestSupport
import Testing

/// What `DeliveryRunner` reports to `send-digest`'s progress bar: the first
/// state is 0/N before anything is sent, and each later one counts what is done.
@Suite(.serialized) struct DeliveryProgressTests {
    final class Calls: @unchecked Sendable {
        let list = Mutex<[[Int]]>([])
        func add(_ done: Int, _ total: Int) { list.withLock { $0.append([done, total]) } }
        var all: [[Int]] { list.withLock { $0 } }
        let stopped = Mutex(false)
    }

    func harnessWithThreeDue(_ sink: SMTPSink) throws -> DaemonHarness {
        let start = instant("2026-11-30T07:00Z")
        let harness = try DaemonHarness(start: start, smtpURL: sink.url)
        try harness.addPapers(at: start.addingTimeInterval(-3600))
        for name in ["ada", "alan", "grace"] {
            try harness.addSubscriber("\(name)@example.org", schedule: "daily 08:00 UTC", at: start.addingTimeInterval(-86400 * 2))
        }
        harness.clock.advance(to: instant("2026-11-30T08:00Z"))
        #expect(try harness.daemon.services().scheduler.tick(at: harness.clock.now()).planned == 3)
        return harness
    }

    func runner(_ harness: DaemonHarness) throws -> DeliveryRunner {
        try DeliveryRunner(store: harness.store, smtp: harness.daemon.runtime.runtime.config.smtp!, password: nil,
                           fromDomain: "lab.example.org", logger: harness.log.logger(), now: { harness.clock.now() })
    }

    @Test func progressStartsAtZeroAndCountsEachMessage() throws {
        let sink = try SMTPSink()
        let harness = try harnessWithThreeDue(sink)
        let calls = Calls()
        let counts = try runner(harness).run { calls.add($0, $1) }
        #expect(counts.sent == 3)
        #expect(calls.all == [[0, 3], [1, 3], [2, 3], [3, 3]])
    }

    @Test func aStoppedRunEndsItsProgressAtWhatWasDone() throws {
        let sink = try SMTPSink()
        let harness = try harnessWithThreeDue(sink)
        let calls = Calls()
        let counts = try runner(harness).run(hooks: DeliveryHooks(shouldStop: { calls.stopped.withLock { $0 } },
                                                                   onOutcome: { _, _ in calls.stopped.withLock { $0 = true } })) { calls.add($0, $1) }
        #expect(counts.sent >= 1 && counts.sent < 3, "\(counts)")
        #expect(calls.all.first == [0, 3])
        #expect(calls.all.last == [counts.sent, 3])
        #expect(calls.all.map { $0[0] } == Array(0...counts.sent))
    }

    @Test func nothingDueReportsNothing() throws {
        let sink = try SMTPSink()
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"), smtpURL: sink.url)
        let calls = Calls()
        #expect(try runner(harness).run { calls.add($0, $1) } == DeliveryCounts())
        #expect(calls.all.isEmpty)
    }
}
