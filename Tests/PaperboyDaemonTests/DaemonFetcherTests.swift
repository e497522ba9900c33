import Foundation
import PaperboyCore
@testable import PaperboyDaemon
import PaperboyStore
import PaperboyTestSupport
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
        let due = plan.isDue(source, at: now, state: { _ in SourceState(name: "hf", lastFetchedAt: now.addingTimeInterval(-600)) })
        #expect(!due)
        #expect(plan.nextDue([source]) == now.addingTimeInterval(3000))
        var fresh = FetchPlan()
        let freshDue = fresh.isDue(source, at: now, state: { _ in nil })
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

    @Test func theFirstDueTimeAfterAStartComesFromTheStoredAttempts() {
        let now = instant("2026-11-30T08:00Z")
        let source = SourceConfig(name: "hf", type: .huggingface, url: "https://example.org/feed", interval: 3600)
        #expect(FetchPlan.firstDue(source, state: nil, now: now) == now)
        let fetched = SourceState(name: "hf", lastFetchedAt: now.addingTimeInterval(-7200), lastAttemptAt: now.addingTimeInterval(-7200))
        #expect(FetchPlan.firstDue(source, state: fetched, now: now) == now.addingTimeInterval(-3600), "overdue: fetched at once")
        var failing = fetched
        failing.lastAttemptAt = now.addingTimeInterval(-60)
        failing.consecutiveFailures = 3
        #expect(FetchPlan.firstDue(source, state: failing, now: now) == now.addingTimeInterval(-60 + 240))
        failing.consecutiveFailures = 30
        #expect(FetchPlan.firstDue(source, state: failing, now: now) == now.addingTimeInterval(-60 + 3600), "never more than the interval")
    }

    /// Waits for the fetcher to go to sleep and returns when it wakes next.
    func nextWake(_ harness: DaemonHarness) async throws -> Date? {
        for _ in 0..<5000 {
            if harness.clock.sleeping.count > 0 { return harness.clock.sleeping.earliest }
            try await Task.sleep(for: .milliseconds(1))
        }
        return nil
    }

    func useSources(_ harness: DaemonHarness, _ yaml: String) throws {
        try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9").replacingOccurrences(
            of: "sources: [{name: demo, type: json, url: \"file:///dev/null\"}]", with: "sources: \(yaml)"
        ).write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(harness.daemon.reload())
    }

    @Test func aSourceThatFailedBeforeARestartWaitsForItsBackOff() async throws {
        let start = instant("2026-11-30T08:00Z")
        let harness = try DaemonHarness(start: start)
        try useSources(harness, "[{name: broken, type: json, url: \"file:///nonexistent/feed.json\", interval: 1h}]")
        // The first run: fails at 08:00, 08:01 and 08:03 (back-off 1, then 2 minutes), then stops.
        let first = Task { try await harness.daemon.services().fetcher.run() }
        for (wake, next) in [(60.0, 60.0), (120, 120), (180, 180)] {
            #expect(try await nextWake(harness) == start.addingTimeInterval(next))
            harness.clock.advance(to: start.addingTimeInterval(wake))
        }
        #expect(try await nextWake(harness) == start.addingTimeInterval(240))
        first.cancel()
        _ = await first.result
        let before = try #require(try harness.store.sourceState("broken"))
        #expect(before.consecutiveFailures == 3)
        #expect(before.lastAttemptAt == start.addingTimeInterval(180))

        // The restart at 08:04: the third failure's back-off (4 minutes) runs to 08:07, not "now".
        harness.clock.advance(to: start.addingTimeInterval(240))
        let restarted = Task { try await harness.daemon.services().fetcher.run() }
        defer { restarted.cancel() }
        for minute in [5.0, 6] {
            #expect(try await nextWake(harness) == start.addingTimeInterval(60 * minute))
            #expect(try harness.store.sourceState("broken") == before, "not fetched before its back-off has passed")
            harness.clock.advance(to: start.addingTimeInterval(60 * minute))
        }
        #expect(try await nextWake(harness) == start.addingTimeInterval(420))
        #expect(try harness.store.sourceState("broken") == before)
        harness.clock.advance(to: start.addingTimeInterval(420))
        // Fetched at 08:07 and failed again: the 4th failure in a row.
        #expect(try await nextWake(harness) == start.addingTimeInterval(480))
        let after = try #require(try harness.store.sourceState("broken"))
        #expect(after.lastAttemptAt == start.addingTimeInterval(420))
        #expect(after.consecutiveFailures == 4)
    }

    @Test func aFetchThatNeverFinishedCountsAsAFailure() async throws {
        let start = instant("2026-11-30T08:00Z")
        let harness = try DaemonHarness(start: start)
        let good = TestPaths.fixtures.appendingPathComponent("hf-daily-papers.json").path
        try useSources(harness, "[{name: hf, type: huggingface, url: \"file://\(good)\", interval: 1h}]")
        // Fetched fine two hours ago (so overdue by its interval); then a fetch
        // started 30 s before the restart and the process died in it.
        try harness.store.recordNotModified(source: "hf", at: start.addingTimeInterval(-7200))
        try harness.store.recordFetchAttempt(source: "hf", at: start.addingTimeInterval(-30))
        #expect(try harness.store.sourceState("hf")?.consecutiveFailures == 1)

        let fetcher = harness.daemon.services().fetcher
        let task = Task { try await fetcher.run() }
        defer { task.cancel() }
        // One failure: a minute after that attempt, not at once.
        #expect(try await nextWake(harness) == start.addingTimeInterval(30))
        #expect(try harness.store.paperCount() == 0)
        harness.clock.advance(to: start.addingTimeInterval(30))
        // Then fetched; the success clears the count.
        #expect(try await nextWake(harness) == start.addingTimeInterval(90))
        #expect(try harness.store.paperCount() == 2)
        let state = try #require(try harness.store.sourceState("hf"))
        #expect(state.consecutiveFailures == 0)
        #expect(state.lastAttemptAt == start.addingTimeInterval(30))
        #expect(state.lastFetchedAt == start.addingTimeInterval(30))
    }
}
