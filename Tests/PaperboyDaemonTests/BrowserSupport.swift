import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PaperboyCore
import PaperboyPipeline
import PaperboyStore
import PaperboyTestSupport
import Testing

/// The reader's side as a browser meets it: `paperboy run` (the real binary,
/// its clock starting at `TestTime.now` through PAPERBOY_NOW) serving its
/// public pages on 127.0.0.1, which is also its `base_url`, so every link in
/// its mail opens in the test's browser; smtp-sink takes its mail; the demo
/// papers are stored (first seen an hour before `TestTime.now`).
///
/// `stop()` (or `deinit`, when a test throws) ends the daemon and smtp-sink.
final class ReaderSite {
    let sink: SMTPSink
    let config: String
    let directory: URL
    let httpPort: Int
    let baseURL: String
    private var daemon: DaemonProcessTests.DaemonProcess?

    /// The `web:` section the site runs with; subscribing is open.
    static let defaultWeb = "web: {subscribe: open, categories: [cs.CL, cs.LG, cs.CV]}"

    init(web: String = ReaderSite.defaultWeb) throws {
        sink = try SMTPSink()
        httpPort = try LoopbackPort.free()
        let adminPort = try LoopbackPort.free()
        baseURL = "http://127.0.0.1:\(httpPort)"
        let extra = """
            http: {listen: "127.0.0.1:\(httpPort)", admin_listen: "127.0.0.1:\(adminPort)"}
            \(web)
            shutdown_timeout: 5s
            """
        (config, directory) = try writeConfig(DaemonHarness.config(smtpURL: sink.url, extra: extra, baseURL: baseURL))
        let store = try Store(path: directory.appendingPathComponent("paperboy.sqlite").path)
        let seen = TestTime.now.addingTimeInterval(-3600)
        try store.ingest(try DemoCorpus.papers(at: seen), source: SourceState(name: DemoCorpus.sourceName), at: seen)
        let daemon = try DaemonProcessTests.DaemonProcess(config: config, environment: ["PAPERBOY_SECRET": DaemonHarness.secret])
        self.daemon = daemon
        let deadline = ContinuousClock.now + .seconds(120)
        while !LoopbackPort.accepts(httpPort) && daemon.process.isRunning && ContinuousClock.now < deadline { usleep(50_000) }
        guard LoopbackPort.accepts(httpPort) else {
            throw ServerStartError(message: "paperboy run did not listen on 127.0.0.1:\(httpPort); stderr: \(daemon.stderr)")
        }
    }

    deinit { stop() }

    /// Stops the daemon (SIGTERM, then SIGKILL after 15 seconds); smtp-sink stops with the site.
    func stop() {
        guard let daemon else { return }
        self.daemon = nil
        if daemon.process.isRunning {
            daemon.signal(SIGTERM)
            if daemon.waitForExit(seconds: 15) == nil { daemon.signal(SIGKILL) }
        }
    }

    /// The daemon's log so far.
    var log: String { daemon?.stderr ?? "" }

    /// `path` (with its query) under base_url.
    func url(_ path: String) -> String { baseURL + path }

    /// The site's database, opened for a look (SQLite: the daemon keeps running).
    func store() throws -> Store { try Store(path: directory.appendingPathComponent("paperboy.sqlite").path) }

    func subscriber(_ email: String) throws -> Subscriber? { try store().subscriber(try EmailAddress(parsing: email)) }

    /// Runs `paperboy ARGUMENTS --config …` with the site's secret (at `TestTime.now` unless PAPERBOY_NOW is given).
    func paperboy(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try runPaperboy(arguments + ["--config", config], environment: ["PAPERBOY_SECRET": DaemonHarness.secret].merging(environment) { $1 })
    }

    /// Adds `email` through the CLI (with `query`), sends the digests due at
    /// `TestTime.digestAt` with `send-digest`, and returns the digest smtp-sink got.
    func sendDigest(to email: String, query: String?) throws -> Mail {
        let add = try paperboy(["subscriber", "add", email] + (query.map { ["--query", $0] } ?? []))
        guard add.status == 0 else { throw ServerStartError(message: "subscriber add failed: \(add.stderr)") }
        let send = try paperboy(["send-digest", "--at", TestTime.digestAtText])
        guard send.status == 0 else { throw ServerStartError(message: "send-digest failed: \(send.stderr)") }
        guard let digest = try mail(to: email).first else { throw ServerStartError(message: "no digest reached smtp-sink; \(send.stdout)") }
        return digest
    }

    /// `paperboy explain EMAIL --json --at AT`.
    func explain(_ email: String, at: String = TestTime.digestAtText) throws -> Explanation {
        let result = try paperboy(["explain", email, "--json", "--at", at])
        guard result.status == 0 else { throw ServerStartError(message: "explain failed: \(result.stderr)") }
        return try JSONDecoder().decode(Explanation.self, from: Data(result.stdout.utf8))
    }

    /// What the browser tests read from `explain --json`.
    struct Explanation: Decodable {
        struct Entry: Decodable {
            var id: String
            var score: Double?
            var reason: String?
            var dislikesEffect: Double?
            enum CodingKeys: String, CodingKey { case id, score, reason, dislikesEffect = "dislikes_effect" }
        }
        struct Marked: Decodable { var id: String }
        var selected: [Entry]
        var excluded: [Entry]
        var marked: [Marked]?
        var entries: [Entry] { selected + excluded }
        var dislikes: [String] { (marked ?? []).map(\.id) }
        enum CodingKeys: String, CodingKey { case selected, excluded, marked = "dislikes" }
    }

    /// The paper id (`p`) of a feedback link.
    static func paperID(in link: String) -> String? {
        URLComponents(string: link)?.queryItems?.first { $0.name == ReaderLinks.Parameter.paper }?.value
    }

    /// Whether two texts are the same apart from line endings and surrounding blank space.
    static func sameText(_ a: String, _ b: String) -> Bool {
        func normal(_ text: String) -> String {
            text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return normal(a) == normal(b)
    }

    // MARK: Mail

    /// One message smtp-sink took, its parts decoded.
    struct Mail {
        var to: String
        var subject: String
        var text: String
        var html: String
        /// Every http(s) link in the text and HTML parts, in order.
        var links: [String]

        /// The first link to `path` (such as "/confirm"), optionally with `query` in it.
        func link(_ path: ReaderLinks.Path, containing query: String = "") -> String? {
            links.first { URL(string: $0)?.path == path.rawValue && (query.isEmpty || $0.contains(query)) }
        }
    }

    /// The messages so far, through Helpers/mail_links.py (Python's email package).
    func mail() throws -> [Mail] {
        guard FileManager.default.fileExists(atPath: sink.dumpFile.path) else { return [] }
        let result = try runTool(TestPaths.python, [TestPaths.supportDirectory.appendingPathComponent("mail_links.py").path, sink.dumpFile.path])
        guard result.status == 0, let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw ServerStartError(message: "mail_links.py failed: \(result.stderr)")
        }
        return list.map {
            Mail(to: $0["to"] as? String ?? "", subject: $0["subject"] as? String ?? "", text: $0["text"] as? String ?? "",
                 html: $0["html"] as? String ?? "", links: $0["links"] as? [String] ?? [])
        }
    }

    /// The messages to `address` once there are at least `count` (waiting up to a minute), else what arrived.
    func mail(to address: String, count: Int = 1) throws -> [Mail] {
        let deadline = ContinuousClock.now + .seconds(60)
        var found: [Mail] = []
        repeat {
            found = try mail().filter { $0.to.contains(address) }
            if found.count >= count { break }
            usleep(200_000)
        } while ContinuousClock.now < deadline
        return found
    }
}

/// Checks each page the browser tests visit and keeps its screenshots: the
/// accessibility audit in the browser (a label for every field, one h1,
/// lang), `tidy -errors -q` on the HTML as served (no errors; warnings are
/// allowed), nothing loaded from another origin, no error in the browser's
/// console (such as a blocked script or style), a Content-Security-Policy
/// and no cookie, no horizontal overflow at 375 px, and full-page PNGs at 375
/// and 1280 px named `PAGE-375.png` and `PAGE-1280.png` in a temporary
/// folder and, when PAPERBOY_SCREENSHOTS=DIR is set, in DIR as well
/// (`scripts/screenshots` uses that to refresh docs/screenshots/).
final class PageChecks {
    static let widths = [375, 1280]
    static let tidy = "/usr/bin/tidy"
    let folder: URL
    let published: URL?
    /// The names of the pages checked so far.
    private(set) var checked: [String] = []

    init() throws {
        folder = try TestPaths.temporaryDirectory().appendingPathComponent("screenshots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        published = ProcessInfo.processInfo.environment["PAPERBOY_SCREENSHOTS"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        if let published { try FileManager.default.createDirectory(at: published, withIntermediateDirectories: true) }
    }

    /// Checks `page` (the browser's current page) as `name`, and expects its status to be `status`.
    func check(_ name: String, _ page: BrowserSession.Page, in browser: BrowserSession, status: Int = 200,
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        checked.append(name)
        for problem in try Self.problems(page, in: browser, status: status) {
            Issue.record("page \(name): \(problem)", sourceLocation: sourceLocation)
        }
        for width in Self.widths {
            let file = folder.appendingPathComponent("\(name)-\(width).png")
            let contentWidth = try browser.screenshot(to: file, width: width)
            #expect(contentWidth <= width, "page \(name) is \(contentWidth) px wide at \(width) px: it overflows sideways", sourceLocation: sourceLocation)
            if let published {
                let target = published.appendingPathComponent(file.lastPathComponent)
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.copyItem(at: file, to: target)
            }
        }
    }

    /// What is wrong with `page` (the browser's current page), each problem in a sentence; empty when nothing is.
    static func problems(_ page: BrowserSession.Page, in browser: BrowserSession, status: Int = 200) throws -> [String] {
        var problems: [String] = []
        if page.status != status {
            problems.append("HTTP status \(page.status.map(String.init) ?? "none"), want \(status); text: \(page.text.prefix(300))")
        }
        let origin = URL(string: page.url).map { "\($0.scheme ?? "")://\($0.host ?? ""):\($0.port ?? 80)/" } ?? page.url
        // (Chromium's own chrome:// and data: resources, such as a time field's icon, are no other origin.)
        let foreign = page.requests.filter { ($0.hasPrefix("http:") || $0.hasPrefix("https:")) && !$0.hasPrefix(origin) }
        if !foreign.isEmpty { problems.append("loads from another origin: \(foreign)") }
        // The document's own status (a 4xx page on purpose) and the favicon nobody serves are logged too; nothing else may be.
        let logged = page.console.filter { message in
            let url = message.components(separatedBy: " - ").first ?? ""
            return !(message.contains(" - Failed to load resource: the server responded with a status of ") && (url == page.url || url.hasSuffix("/favicon.ico")))
        }
        if !logged.isEmpty { problems.append("the browser logged \(logged)") }
        if page.headers["content-security-policy"]?.contains("frame-ancestors 'none'") != true {
            problems.append("no Content-Security-Policy with frame-ancestors 'none': \(page.headers)")
        }
        if page.headers["set-cookie"] != nil { problems.append("it sets a cookie") }
        let audit = try browser.audit()
        if !audit.isEmpty { problems.append("fails the accessibility check: \(audit.joined(separator: "; "))") }
        let tidied = try tidyErrors(page.html)
        if tidied.status >= 2 { problems.append("tidy -errors found errors (status \(tidied.status)): \(tidied.output)") }
        return problems
    }

    /// `tidy -errors -q` on `html`: status 0 (clean), 1 (warnings) or 2 (errors), and what it said.
    static func tidyErrors(_ html: String) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: tidy) else {
            throw ServerStartError(message: "\(tidy) is missing: install Debian's tidy (scripts/debian-packages.txt, scripts/install-deps)")
        }
        let file = try TestPaths.temporaryDirectory().appendingPathComponent("page.html")
        try html.write(to: file, atomically: true, encoding: .utf8)
        let result = try runTool(tidy, ["-errors", "-q", file.path])
        return (result.status, result.stderr + result.stdout)
    }
}
