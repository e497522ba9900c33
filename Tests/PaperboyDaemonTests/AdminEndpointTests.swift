import Foundation
import PaperboyCore
import PaperboyDaemon
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The public endpoint (`http.listen`) serves the unsubscribe pages only; the
/// admin endpoint (`http.admin_listen`) serves /healthz and /metrics only, and
/// /healthz never shows credentials written into a source's URL.
@Suite(.serialized) struct AdminEndpointTests {
    @Test func eachEndpointServesOnlyItsOwnPaths() async throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let ada = try harness.addSubscriber("ada@example.org", at: harness.clock.now())
        try harness.daemon.services().scheduler.tick(at: harness.clock.now())
        let endpoint = try await RunningEndpoint(harness)
        #expect(try await endpoint.adminRequest("GET", "/healthz").status == 200)
        #expect(try await endpoint.adminRequest("GET", "/metrics").status == 200)
        #expect(try await endpoint.adminRequest("GET", "/unsubscribe?t=\(harness.token(ada))").status == 404)
        #expect(try await endpoint.request("GET", "/unsubscribe?t=\(harness.token(ada))").status == 200)
        #expect(try await endpoint.request("GET", "/healthz").status == 404)
        #expect(try await endpoint.request("GET", "/metrics").status == 404)
        try await endpoint.stop()
    }

    @Test func healthzHidesCredentialsInASourceURL() async throws {
        let closed = try LoopbackPort.free()
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"), sourceURL: "http://reader:hunter2@127.0.0.1:\(closed)/feed.json")
        // The fetcher runs with the endpoints: the source fails at once (nothing listens on the port).
        let endpoint = try await RunningEndpoint(harness, alongside: [harness.daemon.services().fetcher])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(120))
        while harness.daemon.status.snapshot.fetchErrors["demo"] == nil && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let health = try await endpoint.adminRequest("GET", "/healthz")
        try await endpoint.stop()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        let error = try #require((json["sources"] as? [String: Any])?["demo"] as? [String: Any])["last_error"] as? String
        #expect(error?.contains("http://reader:***@127.0.0.1:\(closed)/feed.json") == true, "\(health.body)")
        #expect(!health.body.contains("hunter2"), "\(health.body)")
        #expect(!harness.log.text.contains("hunter2"), "the log shows the password: \(harness.log.text)")
    }

    @Test func credentialsInURLsAreRedactedWhereverTheyAppearInAMessage() {
        let redact = CredentialRedaction.redactingURLCredentials(in:)
        #expect(redact("https://user:pass@host/feed: HTTP 401") == "https://user:***@host/feed: HTTP 401")
        #expect(redact("https://TOKEN@host/x") == "https://***@host/x")
        #expect(redact("from http://a:b@h1/ to https://c:d@h2:8443?q") == "from http://a:***@h1/ to https://c:***@h2:8443?q")
        #expect(redact("https://user:p@ss@host/") == "https://user:***@host/")
        #expect(redact("https://host/path@x and mail ada@example.org") == "https://host/path@x and mail ada@example.org")
        #expect(redact("no url here") == "no url here")
    }

    @Test func adminListenIsReadAndMustDifferFromListen() throws {
        let base = "database: x.sqlite\nsources: [{name: a, type: json, url: 'file:///dev/null'}]\n"
        let defaults = try PaperboyConfig.parse(base, file: "p.yaml")
        #expect(defaults.daemon.adminListen == "127.0.0.1:9090")
        let set = try PaperboyConfig.parse(base + "http: {listen: '127.0.0.1:8081', admin_listen: '[::1]:9191'}\n", file: "p.yaml")
        #expect(set.daemon.adminListenHost == "::1")
        #expect(set.daemon.adminListenPort == 9191)
        #expect(set.daemon.adminListen == "[::1]:9191")
        for (yaml, expected) in [
            ("http: {admin_listen: 'localhost'}", "p.yaml: http.admin_listen: \"localhost\" is not host:port; use something like 127.0.0.1:9090"),
            ("http: {listen: '127.0.0.1:9090'}", "p.yaml: http.admin_listen: 127.0.0.1:9090 is also http.listen"),
        ] {
            #expect(throws: ConfigError.self) { try PaperboyConfig.parse(base + yaml + "\n", file: "p.yaml") }
            do {
                _ = try PaperboyConfig.parse(base + yaml + "\n", file: "p.yaml")
            } catch {
                #expect(error.description.hasPrefix(expected), "\(error.description)")
            }
        }
    }

    @Test func reloadWarningsCompareWithWhatRunsNotWithTheLastReload() throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        func reload(_ extra: String) throws -> Int {
            try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9", extra: extra).write(toFile: harness.configPath, atomically: true, encoding: .utf8)
            #expect(harness.daemon.reload())
            return harness.log.text.components(separatedBy: "changed in the config").count - 1
        }
        // Changed, then changed back to what runs: one warning, not two.
        #expect(try reload("http: {admin_listen: '127.0.0.1:9191', idle_timeout: 5s}") == 2)
        #expect(try reload("") == 2, "back to what runs: nothing to warn about; \(harness.log.text)")
        // Changed again: the warning names what runs (9090), not the last config loaded.
        #expect(try reload("http: {admin_listen: '127.0.0.1:9292'}") == 3)
        #expect(harness.log.text.contains("http.admin_listen=127.0.0.1:9090 http.new_admin_listen=127.0.0.1:9292"), "\(harness.log.text)")
        #expect(harness.log.text.contains("http.idle_timeout changed in the config; it takes effect at the next restart http.idle_timeout=30s http.new_idle_timeout=5s"), "\(harness.log.text)")
    }

    @Test func aReloadWarnsThatAChangedAdminListenWaitsForARestart() throws {
        let harness = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        try DaemonHarness.config(smtpURL: "smtp://127.0.0.1:9", extra: "http: {admin_listen: '127.0.0.1:9191'}")
            .write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        #expect(harness.daemon.reload())
        #expect(harness.log.text.contains("<4>warning paperboy: http.admin_listen changed in the config; it takes effect at the next restart "
                                          + "http.admin_listen=127.0.0.1:9090 http.new_admin_listen=127.0.0.1:9191"), "\(harness.log.text)")
    }
}

/// `/healthz` and `/metrics` tell the truth about sources, also right after a restart.
@Suite struct SourceHealthTests {
    @Test func aSourceThatKeepsFailingIsAProblemAndItsStateSurvivesARestart() async throws {
        let first = try DaemonHarness(start: instant("2026-11-30T07:00Z"))
        let success = instant("2026-11-30T06:00Z")
        _ = try first.store.ingest([], source: SourceState(name: "demo"), at: success)
        for minute in 1...3 {
            try first.store.recordFetchAttempt(source: "demo", at: success.addingTimeInterval(Double(minute) * 60))
        }
        // A restart: nothing has been fetched by this process yet.
        let harness = try DaemonHarness(restarting: first, at: instant("2026-11-30T07:10Z"))
        let endpoint = try await RunningEndpoint(harness)
        let health = try await endpoint.adminRequest("GET", "/healthz")
        let metrics = try await endpoint.adminRequest("GET", "/metrics")
        try await endpoint.stop()
        #expect(health.status == 503, "\(health.body)")
        #expect(health.body.contains("source demo: the last 3 fetches failed"), "\(health.body)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        let demo = try #require((json["sources"] as? [String: Any])?["demo"] as? [String: Any])
        #expect(demo["last_success"] as? String == "2026-11-30T06:00:00Z", "\(health.body)")
        #expect(demo["failures_in_a_row"] as? Int == 3)
        // The documented alert on last_fetch_success can fire from the first scrape.
        #expect(metrics.body.contains("paperboy_last_fetch_success_timestamp_seconds{source=\"demo\"} \(Int(success.timeIntervalSince1970))"), "\(metrics.body)")
    }

    @Test func oneOrTwoFailuresAreNotYetAProblem() {
        let status = DaemonStatus()
        status.seed(from: [("a", nil, 2), ("b", nil, 3)])
        #expect(status.sourceProblems(["a", "b"]) == ["source b: the last 3 fetches failed"])
        status.update { $0.fetchFailuresInARow["b"] = 0 }
        #expect(status.sourceProblems(["a", "b"]).isEmpty)
    }
}
