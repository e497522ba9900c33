import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The daemon's HTTP endpoints on 127.0.0.1: one-click unsubscribe (RFC 8058),
/// the confirm page, refused tokens (public); /healthz and /metrics (admin).
@Suite(.serialized) struct DaemonEndpointTests {
    static let oneClick = "List-Unsubscribe=One-Click"

    @Test func aOneClickPostStopsAQueuedDigest() async throws {
        let sink = try SMTPSink()
        let start = instant("2026-11-30T07:00Z")
        let harness = try DaemonHarness(start: start, smtpURL: sink.url)
        try harness.addPapers(at: start.addingTimeInterval(-3600))
        let ada = try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start.addingTimeInterval(-86400 * 2))
        try harness.addSubscriber("alan@example.org", schedule: "daily 08:00 UTC", at: start.addingTimeInterval(-86400 * 2))
        let services = harness.daemon.services()
        #expect(try services.scheduler.tick(at: instant("2026-11-30T08:00Z")).planned == 2)
        #expect(try harness.store.outboxCounts()[.queued] == 2)

        let endpoint = try await RunningEndpoint(harness)
        let response = try await endpoint.request("POST", "/unsubscribe?t=\(harness.token(ada))", body: Self.oneClick)
        #expect(response.status == 200)
        #expect(response.body.contains("You are unsubscribed"))
        try await endpoint.stop()

        #expect(try harness.store.subscriber(ada.email)?.unsubscribedAt != nil)
        harness.clock.advance(to: instant("2026-11-30T08:01Z"))
        let counts = try services.sender.deliver()
        #expect(counts.sent == 1)
        let dump = sink.dump(expecting: 1)
        #expect(dump.components(separatedBy: "X-Client-Addr: ").count - 1 == 1)
        #expect(dump.contains("To: alan@example.org"))
        #expect(!dump.contains("ada@example.org"), "the unsubscribed subscriber's queued digest went out")
        #expect(try harness.store.outboxCounts()[.cancelled] == 1)
        #expect(harness.log.text.contains("unsubscribed through the one-click link"))
    }

    @Test func aRowAlreadyClaimedIsNotStartedOnceTheSubscriberUnsubscribed() throws {
        let sink = try SMTPSink()
        let start = instant("2026-11-30T07:00Z")
        let harness = try DaemonHarness(start: start, smtpURL: sink.url)
        try harness.addPapers(at: start.addingTimeInterval(-3600))
        let ada = try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start.addingTimeInterval(-86400))
        try harness.addSubscriber("alan@example.org", schedule: "daily 08:00 UTC", at: start.addingTimeInterval(-86400))
        let services = harness.daemon.services()
        harness.clock.advance(to: instant("2026-11-30T08:00Z"))
        try services.scheduler.tick(at: harness.clock.now())
        // The POST lands after the sender claimed its batch: the runner's hook
        // sees it before the transaction starts, and the row is handed back.
        let runner = try DeliveryRunner(store: harness.store, smtp: harness.daemon.runtime.runtime.config.smtp!, password: nil,
                                        fromDomain: "lab.example.org", logger: harness.log.logger(), now: { harness.clock.now() })
        let unsubscribed = UnsubscribedSet()
        let counts = try runner.run(hooks: DeliveryHooks(skipRow: { id, plannedAt in
            if id == ada.id {
                // The POST lands now: the store first, then the sender's set.
                _ = try? harness.store.unsubscribe(id: id, at: harness.clock.now())
                unsubscribed.insert(id, at: harness.clock.now())
            }
            return unsubscribed.holdsBack(id, plannedAt: plannedAt)
        }))
        #expect(counts.sent == 1)
        #expect(try harness.store.outboxCounts()[.cancelled] == 1)
        #expect(!sink.dump(expecting: 1).contains("ada@example.org"))

        // Subscribed again: tomorrow's digest is not held back by the old unsubscribe.
        _ = try harness.store.addSubscriber(SubscriberPreferences(email: ada.email, maxPapers: 2, schedule: try Schedule.parse("daily 08:00 UTC")),
                                            resubscribe: true, at: instant("2026-11-30T09:00Z"))
        harness.clock.advance(to: instant("2026-12-01T08:00Z"))
        #expect(try services.scheduler.tick(at: harness.clock.now()).planned >= 1)
        let next = try runner.run(hooks: DeliveryHooks(skipRow: { unsubscribed.holdsBack($0, plannedAt: $1) }))
        #expect(next.sent == 2)
        #expect(sink.dump(expecting: 3).contains("To: ada@example.org"))
    }

    @Test func aGetShowsAConfirmPageAndNeverUnsubscribes() async throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        let endpoint = try await RunningEndpoint(harness)
        let token = harness.token(ada)
        for _ in 0..<3 {
            let page = try await endpoint.request("GET", "/unsubscribe?t=\(token)")
            #expect(page.status == 200)
            #expect(page.body.contains("<form method=\"post\" action=\"https://lab.example.org/unsubscribe?t=\(token)\">"))
            #expect(page.body.contains("name=\"List-Unsubscribe\" value=\"One-Click\""))
        }
        #expect(try harness.store.subscriber(ada.email)?.unsubscribedAt == nil, "a GET unsubscribed")
        // A POST without the RFC 8058 body does not unsubscribe either.
        let bare = try await endpoint.request("POST", "/unsubscribe?t=\(token)", body: "")
        #expect(bare.status == 400)
        #expect(try harness.store.subscriber(ada.email)?.unsubscribedAt == nil)
        // The confirm page's form posts exactly the one-click body.
        let confirmed = try await endpoint.request("POST", "/unsubscribe?t=\(token)", body: Self.oneClick)
        #expect(confirmed.status == 200)
        #expect(try harness.store.subscriber(ada.email)?.unsubscribedAt != nil)
        try await endpoint.stop()
    }

    @Test func forgedAndAlteredTokensAreRefusedWithAPageThatRevealsNothing() async throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        let endpoint = try await RunningEndpoint(harness)
        let token = harness.token(ada)
        var altered = Array(token)
        altered[altered.count - 3] = altered[altered.count - 3] == "A" ? "B" : "A"
        let forged = LinkToken(secret: Array("another-secret-of-32-characters!".utf8)).make(subscriberID: ada.id, email: ada.email, purpose: .unsubscribe)
        var swapped = Array(token)
        swapped[10] = swapped[10] == "A" ? "Q" : "A" // inside the id bytes
        let bad = [String(altered), forged, String(swapped), "", "not-a-token", String(repeating: "A", count: 500), "%00%0d%0a"]
        var bodies = Set<String>()
        for candidate in bad {
            for method in ["GET", "POST"] {
                let response = try await endpoint.request(method, "/unsubscribe?t=\(candidate)", body: method == "POST" ? Self.oneClick : nil)
                #expect(response.status == 400, "\(method) \(candidate)")
                #expect(!response.body.contains("ada"), "the page names the subscriber")
                #expect(!response.body.contains("<form"))
                bodies.insert(response.body)
            }
        }
        let missing = try await endpoint.request("POST", "/unsubscribe", body: Self.oneClick)
        #expect(missing.status == 400)
        bodies.insert(missing.body)
        #expect(bodies.count == 1, "every refusal is the same page, so it tells nothing about why")
        #expect(try harness.store.subscriber(ada.email)?.unsubscribedAt == nil)
        try await endpoint.stop()
    }

    @Test func healthzIsOkAfterATickAndUnavailableWhenTheSchedulerStalls() async throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let endpoint = try await RunningEndpoint(harness)
        let before = try await endpoint.adminRequest("GET", "/healthz")
        #expect(before.status == 503)
        #expect(before.body.contains("scheduler: has not ticked yet"))

        try harness.daemon.services().scheduler.tick(at: harness.clock.now())
        let healthy = try await endpoint.adminRequest("GET", "/healthz")
        #expect(healthy.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(healthy.body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "ok")
        #expect((json["scheduler"] as? [String: Any])?["last_tick"] as? String == "2026-11-30T07:00:00Z")
        #expect(json["outbox"] is [String: Any])

        harness.clock.advance(to: instant("2026-11-30T07:04Z"))
        let stalled = try await endpoint.adminRequest("GET", "/healthz")
        #expect(stalled.status == 503)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(stalled.body.utf8)) as? [String: Any])
        #expect(detail["status"] as? String == "unhealthy")
        #expect((detail["problems"] as? [String])?.first?.hasPrefix("scheduler: no tick for 240 s") == true)
        // A long tick under way (planning many digests) is not a stuck scheduler.
        harness.daemon.status.update { $0.tickStartedAt = instant("2026-11-30T07:02Z") }
        #expect(try await endpoint.adminRequest("GET", "/healthz").status == 200)
        try await endpoint.stop()
    }

    @Test func metricsParseAsPrometheusText() async throws {
        let sink = try SMTPSink()
        let start = instant("2026-11-30T07:00Z")
        let harness = try DaemonHarness(start: start, smtpURL: sink.url)
        try harness.addPapers(at: start.addingTimeInterval(-3600))
        try harness.addSubscriber("ada@example.org", schedule: "daily 08:00 UTC", at: start.addingTimeInterval(-86400))
        // Not due until 09:00: subscribed after yesterday's.
        try harness.addSubscriber("alan@example.org", schedule: "daily 09:00 UTC", at: start)
        let services = harness.daemon.services()
        harness.clock.advance(to: instant("2026-11-30T08:00Z"))
        try services.scheduler.tick(at: harness.clock.now())
        #expect(try services.sender.deliver().sent == 1)

        let endpoint = try await RunningEndpoint(harness)
        let metrics = try await endpoint.adminRequest("GET", "/metrics")
        try await endpoint.stop()
        #expect(metrics.status == 200)
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("metrics.txt")
        try metrics.body.write(to: file, atomically: true, encoding: .utf8)
        let parsed = try runTool(TestPaths.python, ["-c", """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for sample in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                    print(family.type, sample.name, labels, sample.value)
            """, file.path])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let lines = Set(parsed.stdout.split(separator: "\n").map(String.init))
        #expect(lines.contains("counter paperboy_digests_sent_total  1.0"))
        #expect(lines.contains("counter paperboy_digests_planned_total  1.0"))
        #expect(lines.contains("counter paperboy_digests_deferred_total  0.0"))
        #expect(lines.contains("counter paperboy_digests_failed_total  0.0"))
        #expect(lines.contains("gauge paperboy_outbox_depth  0.0"))
        #expect(lines.contains("histogram paperboy_smtp_transaction_seconds_count  1.0"))
        #expect(lines.contains { $0.hasPrefix("gauge paperboy_last_send_timestamp_seconds ") && !$0.hasSuffix(" 0.0") })
    }

    @Test func theSendersFailureBookkeepingIsNotASubscriberChange() throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        let before = try harness.store.changeVersions()
        try harness.store.plan([PlannedDigest(subscriberID: ada.id, periodKey: "p1", recipient: "ada@example.org", sender: "d@lab.example.org",
                                              subject: "s", messageID: "m@lab.example.org", message: Array("x".utf8), paperIDs: [])],
                               at: harness.clock.now())
        let claimed = try harness.store.claimDue(limit: 1, claimer: "test:1", at: harness.clock.now(),
                                                 leaseUntil: harness.clock.now().addingTimeInterval(60), isDead: { _ in false })
        _ = try harness.store.record(.failed(reply: "550 no such user"), for: try #require(claimed.first), at: harness.clock.now(), policy: DeliveryPolicy())
        #expect(try harness.store.changeVersions().subscribers == before.subscribers, "hard_failures alone bumped the version")
        _ = try harness.store.updateSubscriber(ada.email, at: harness.clock.now()) { $0.preferences.minUpvotes = 3 }
        #expect(try harness.store.changeVersions().subscribers == before.subscribers + 1)
    }
}
