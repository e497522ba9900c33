import Foundation
import PaperboyCore
@testable import PaperboyDaemon
import PaperboyStore
import Testing

/// The fetcher service on an injected clock: each source on its interval
/// with jitter, backing off after failures.
@Suite struct DaemonFetcherTests {
    @Test func failuresBackOffFromAMinuteToTheInterval() {
        #expect((1...8).map { FetchPlan.backoff(failures: $0, interval: 3600) } == [60, 120, 240, 480, 960, 1920, 3600, 3600])
        #expect(FetchPlan.backoff(failures: 3, interval: 120) == 120)
    }

    @Test func aSourceFetchedBeforeARestartWaitsForTheRestOfItsInterval() {
        var plan = FetchPlan()
        let now = instant("2026-11-30T08:00Z")
        let source = SourceConfig(name: "hf", type: .huggingface, url: "https://example.org/feed", interval: 3600)
        let due = plan.isDue(source, at: now, lastFetched: { _ in .some(now.addingTimeInterval(-600)) })
        #expect(!due)
        #expect(plan.nextDue([source]) == now.addingTimeInterval(3000))
        var fresh = FetchPlan()
        let freshDue = fresh.isDue(source, at: now, lastFetched: { _ in .some(nil) })
        #expect(freshDue, "never fetched: due at once")
        // After a success: the interval, give or take 10%.
        for _ in 0..<50 {
            fresh.record(source, succeeded: true, at: now)
            let next = fresh.nextDue([source])!.timeIntervalSince(now)
            #expect(next >= 3240 && next <= 3960)
        }
        fresh.keep(only: [])
        #expect(fresh.nextDue([source]) == nil, "a source removed by a reload is forgotten")
    }

    @Test func theServiceFetchesEachSourceAndRetriesAFailingOneSooner() async throws {
        let start = instant("2026-11-30T08:00Z")
        let good = TestPaths.fixtures.appendingPathComponent("hf-daily-papers.json").path
        let harness = try DaemonHarness(start: start, extra: "")
        try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9").replacingOccurrences(
            of: "sources: [{name: demo, type: json, url: \"file:///dev/null\"}]",
            with: "sources: [{name: hf, type: huggingface, url: \"file://\(good)\", interval: 1h}, {name: broken, type: json, url: \"file:///nonexistent/feed.json\", interval: 1h}]"
        ).write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(harness.daemon.reload())
        let fetcher = harness.daemon.services().fetcher
        let task = Task { try await fetcher.run() }
        defer { task.cancel() }
        func nextWake() async throws -> Date? {
            for _ in 0..<5000 {
                if harness.clock.sleeping.count > 0 { return harness.clock.sleeping.earliest }
                try await Task.sleep(for: .milliseconds(1))
            }
            return nil
        }
        // Both fetched at start; the broken one is retried after a minute, then two.
        #expect(try await nextWake() == start.addingTimeInterval(60))
        #expect(try harness.store.paperCount() == 2)
        let snapshot = harness.daemon.status.snapshot
        #expect(snapshot.lastFetch["hf"] == start)
        #expect(snapshot.fetchErrors["broken"]?.contains("/nonexistent/feed.json") == true)
        harness.clock.advance(to: start.addingTimeInterval(60))
        #expect(try await nextWake() == start.addingTimeInterval(60 + 60), "woken at least once a minute")
        harness.clock.advance(to: start.addingTimeInterval(120))
        // The broken source's second failure: 2 minutes after its retry at 08:01.
        #expect(try await nextWake() == start.addingTimeInterval(60 + 120))
        let metrics = harness.daemon.metrics.render()
        #expect(metrics.contains("paperboy_fetch_errors_total{source=\"broken\"} 2"))
        #expect(metrics.contains("paperboy_papers_fetched_total{source=\"hf\"} 2"))
    }
}
