import Foundation
import PaperboyCore
import PaperboyTestSupport
import Testing

@Suite struct ConfigTests {
    let file = "/etc/paperboy/paperboy.yaml"

    @Test func readsAFullConfig() throws {
        let config = try PaperboyConfig.parse("""
        database: data/paperboy.sqlite
        fetch:
          connect_timeout: 5s
          timeout: 2m
          max_response_bytes: 5MB
        sources:
          - name: hf-daily
            type: huggingface
            url: https://huggingface.co/api/daily_papers
            interval: 1h
          - name: cs.AI
            type: arxiv
            url: https://rss.arxiv.org/atom/cs.AI
            interval: 6h
          - name: local
            type: json
            url: file:///srv/papers.jsonl
        """, file: file, baseDirectory: "/etc/paperboy")
        #expect(config.database == "/etc/paperboy/data/paperboy.sqlite")
        #expect(config.fetch.connectTimeout == 5)
        #expect(config.fetch.timeout == 120)
        #expect(config.fetch.maxResponseBytes == 5 * 1024 * 1024)
        #expect(config.sources.map(\.name) == ["hf-daily", "cs.AI", "local"])
        #expect(config.sources.map(\.type) == [.huggingface, .arxiv, .json])
        #expect(config.sources[1].interval == 6 * 3600)
        #expect(config.sources[2].interval == 3600)
    }

    @Test(arguments: [
        ("database: x.db\nsources: [{name: a, type: json, url: 'file:///x'}]\nsmtp_host: mail", "smtp_host", "unknown key at the top level; allowed keys: database, database_password_file, fetch, sources, digest, from, base_url, unsubscribe_mailto, secret_file, previous_secret_files, templates, dkim, smtp"),
        ("database: 'postgresql://u:hunter2@db.example.org/p'\nsources: [{name: a, type: json, url: 'file:///x'}]", "database", "the URL holds a password; remove it and put it in database_password_file"),
        ("database: 'postgresql://u@db.example.org/p?sslmode=disable'\nsources: [{name: a, type: json, url: 'file:///x'}]", "database", "sslmode=disable sends the password and every subscriber's address in the clear to db.example.org"),
        ("database: 'postgresql://u@db.example.org/p?sslmode=allow'\nsources: [{name: a, type: json, url: 'file:///x'}]", "database", "sslmode=allow is not allowed; use verify-full (the default), require, or disable (loopback only)"),
        ("database: 'postgresql://db.example.org/p'\nsources: [{name: a, type: json, url: 'file:///x'}]", "database", "the URL names no user"),
        ("database: 'postgresql://u@db.example.org/'\nsources: [{name: a, type: json, url: 'file:///x'}]", "database", "the URL names no database"),
        ("database: 'postgresql://u@db.example.org/p?pool=3'\nsources: [{name: a, type: json, url: 'file:///x'}]", "database", "the URL option pool is not known; use sslmode, sslrootcert or connections"),
        ("database: 'postgresql://u@db.example.org/p?connections=0'\nsources: [{name: a, type: json, url: 'file:///x'}]", "database", "connections=0 is not a whole number from 1 to 100"),
        ("database: x.db\ndatabase_password_file: /etc/p\nsources: [{name: a, type: json, url: 'file:///x'}]", "database_password_file", "only a PostgreSQL database has a password"),
        ("database: x.db\nsources: [{name: a, type: json, url: 'file:///x', every: 1h}]", "sources[0].every", "unknown key in sources[0]; allowed keys: name, type, url, interval"),
        ("database: x.db\nfetch: {timeout: 5s, retries: 3}\nsources: [{name: a, type: json, url: 'file:///x'}]", "fetch.retries", "allowed keys: connect_timeout, timeout, max_response_bytes"),
        ("sources: [{name: a, type: json, url: 'file:///x'}]", "database", "missing"),
        ("database: x.db", "sources", "missing"),
        ("database: x.db\nsources: []", "sources", "empty"),
        ("database: x.db\nsources: [{name: a, type: rss, url: 'file:///x'}]", "sources[0].type", "allowed: huggingface, arxiv, json"),
        ("database: x.db\nsources: [{name: a, type: json}]", "sources[0].url", "missing"),
        ("database: x.db\nsources: [{name: a, type: json, url: 'file:///x', interval: often}]", "sources[0].interval", "30s, 15m, 6h, 1d"),
        ("database: x.db\nfetch: {max_response_bytes: lots}\nsources: [{name: a, type: json, url: 'file:///x'}]", "fetch.max_response_bytes", "20MB"),
        ("database: x.db\nsources: [{name: a, type: json, url: 'file:///x'}, {name: a, type: json, url: 'file:///y'}]", "sources[1].name", "unique"),
        ("database: x.db\nsources: [{name: 'a b', type: json, url: 'file:///x'}]", "sources[0].name", "letters, digits"),
        ("database: x.db\nsources:\n  name: a", "sources", "expected a list"),
        ("database: [a, b]\nsources: [{name: a, type: json, url: 'file:///x'}]", "database", "expected a text value"),
        ("database: x.db\nsorces: [{name: a, type: json, url: 'file:///x'}]", "sorces", "unknown key at the top level (did you mean sources?)"),
        ("databse: x.db\nsources: [{name: a, type: json, url: 'file:///x'}]", "databse", "did you mean database?"),
        ("database: x.db\nfetch: {max_response_bytes: 99999999999GB}\nsources: [{name: a, type: json, url: 'file:///x'}]", "fetch.max_response_bytes", "out of range; use 1KB to 1024MB"),
        ("database: x.db\nfetch: {timeout: 1e20s}\nsources: [{name: a, type: json, url: 'file:///x'}]", "fetch.timeout", "out of range"),
        ("database: x.db\nfetch: {timeout: 0.0001s}\nsources: [{name: a, type: json, url: 'file:///x'}]", "fetch.timeout", "out of range"),
        ("database: x.db\ndigest: {lookback: 10s}\nsources: [{name: a, type: json, url: 'file:///x'}]", "digest.lookback", "out of range; use 1h to 366d"),
        ("database: x.db\ndigest: {ranking: {trending: -1}}\nsources: [{name: a, type: json, url: 'file:///x'}]", "digest.ranking.trending", "not a weight"),
        ("database: x.db\ndigest: {schedule: 'daily 08:00 GMT+5'}\nsources: [{name: a, type: json, url: 'file:///x'}]", "digest.schedule", "not a time zone"),
    ])
    func badConfigsNameTheKeyAndWhatIsAllowed(yaml: String, key: String, message: String) {
        let error = #expect(throws: ConfigError.self) { try PaperboyConfig.parse(yaml, file: file) }
        #expect(error?.file == file)
        #expect(error?.key == key)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        #expect(error?.description.hasPrefix("\(file): \(key): ") == true)
    }

    @Test func aPostgreSQLURLIsKeptAsWrittenAndReadWithItsOptions() throws {
        let url = "postgresql://paperboy@[::1]:5433/digests?sslmode=disable&connections=3"
        let config = try PaperboyConfig.parse("database: '\(url)'\ndatabase_password_file: db-password\nsources: [{name: a, type: json, url: 'file:///x'}]",
                                              file: file, baseDirectory: "/etc/paperboy")
        #expect(config.database == url, "a URL is not a path relative to the config")
        #expect(config.databasePasswordFile == "/etc/paperboy/db-password")
        let location = try PostgresLocation(url: config.database)
        #expect(location == PostgresLocation(host: "::1", port: 5433, user: "paperboy", database: "digests", tls: .disable, connections: 3))
        #expect(location.display == "postgresql://paperboy@[::1]:5433/digests")
        let remote = try PostgresLocation(url: "postgres://u@db.example.org/p?sslrootcert=/etc/paperboy/db-ca.pem")
        #expect(remote.tls == .verifyFull && remote.port == 5432 && remote.caFile == "/etc/paperboy/db-ca.pem")
        #expect(PostgresLocation.isURL("/var/lib/paperboy/paperboy.sqlite") == false)
    }

    @Test func invalidYAMLSaysWhere() {
        let error = #expect(throws: ConfigError.self) {
            try PaperboyConfig.parse("database: x\nsources:\n  - name: [unclosed\n", file: file)
        }
        #expect(error?.message.contains("not valid YAML") == true)
        #expect(error?.message.contains("line") == true)
    }

    @Test func anEmptyFileIsAnError() {
        let error = #expect(throws: ConfigError.self) { try PaperboyConfig.parse("", file: file) }
        #expect(error?.message.contains("empty") == true)
    }
}

@Suite struct ExampleConfigTests {
    /// deploy/paperboy.yaml is what operators copy: it must stay valid.
    @Test func theShippedExampleConfigIsValid() throws {
        let path = TestPaths.projectRoot
            .appendingPathComponent("deploy/paperboy.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let config = try PaperboyConfig.parse(text, file: path)
        #expect(config.database == "/var/lib/paperboy/paperboy.sqlite")
        #expect(config.sources.map(\.type) == [.huggingface, .arxiv])
        #expect(config.fetch == FetchSettings())
        var expectedDaemon = DaemonSettings()
        expectedDaemon.trustedProxies = ["127.0.0.1", "::1"]   // the reverse proxy on the same host
        #expect(config.daemon == expectedDaemon, "the example shows the defaults of http.listen, http.admin_listen and shutdown_timeout")
        #expect(config.web.subscribe == .open, "the example opens the subscribe page, with the default limits")
        #expect(config.web.perClient == WebSettings().perClient && config.web.pendingDays == WebSettings().pendingDays)
        // Every key is in the example, set or commented out, with its explanation.
        for key in ["database:", "fetch:", "digest:", "sources:", "from:", "base_url:", "unsubscribe_mailto:", "secret_file:",
                    "templates:", "dkim:", "smtp:", "http:", "listen:", "admin_listen:", "previous_secret_files:", "shutdown_timeout:", "password_file:", "max_per_second:",
                    "trusted_proxies:", "web:", "subscribe:", "categories:", "pending_days:", "rate_limits:", "per_client:", "per_address:"] {
            #expect(text.contains(key), "deploy/paperboy.yaml does not mention \(key)")
        }
    }
}
