import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One headless Chromium driven through Selenium by Helpers/browser.py
/// (Debian's /usr/bin/python3 with python3-selenium, /usr/bin/chromium,
/// /usr/bin/chromedriver), one JSON command per line.
///
/// The driver runs in its own process group (it says which when it starts), so
/// `stop()` (and `deinit`, when a test fails or throws) ends it, chromedriver
/// and every Chromium process: it closes the driver's standard input (the
/// driver quits Chromium), waits a little, then kills the whole group.
public final class BrowserSession: @unchecked Sendable {
    public static let chromium = "/usr/bin/chromium"
    public static let chromedriver = "/usr/bin/chromedriver"
    public static let selenium = "/usr/lib/python3/dist-packages/selenium"

    /// What is missing to run browser tests here (nil when everything is installed).
    public static var missing: String? {
        let absent = [chromium, chromedriver, selenium, "/usr/bin/python3"].filter { !FileManager.default.fileExists(atPath: $0) }
        return absent.isEmpty ? nil : absent.joined(separator: ", ")
    }

    /// Browser tests run when Chromium and the driver are installed, and always under CI
    /// (`CI=true`), where a missing browser must fail the run rather than skip it.
    public static var shouldRun: Bool {
        missing == nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// A page as the browser got it.
    public struct Page: Sendable {
        public var url: String
        public var title: String
        /// The HTTP status of the document (nil if Chromium logged none).
        public var status: Int?
        /// The response headers, names lower-cased.
        public var headers: [String: String]
        /// The body exactly as the server sent it.
        public var html: String
        /// The rendered text of <body>.
        public var text: String
        /// The page's links: (text, absolute href).
        public var links: [(text: String, href: String)]
        /// Every URL the browser requested since the previous page (this page and what it loaded).
        public var requests: [String]
        /// Errors and warnings the browser logged (a Content-Security-Policy violation, a failed load).
        public var console: [String]

        /// The first link whose text contains `text` (case-insensitive).
        public func link(_ text: String) -> String? {
            links.first { $0.text.range(of: text, options: .caseInsensitive) != nil }?.href
        }
    }

    /// What the driver said went wrong.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let javascript: Bool
    /// The profile folder; chromedriver's log is there.
    public let profile: URL
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()
    private var stopped = false
    private var group: Int32 = 0

    /// Starts Chromium with its own JavaScript on or off, in `timeZone` (TZ).
    public init(javascript: Bool = true, timeZone: String? = nil) throws {
        if let missing = Self.missing {
            throw Failure(description: "cannot run browser tests: \(missing) not installed (apt-get install chromium chromium-driver python3-selenium; see scripts/debian-packages.txt)")
        }
        self.javascript = javascript
        profile = try TestPaths.temporaryDirectory()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        var arguments = [TestPaths.supportDirectory.appendingPathComponent("browser.py").path,
                         "--profile", profile.path, "--javascript", javascript ? "on" : "off"]
        if let timeZone { arguments += ["--timezone", timeZone] }
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let first = try readLine()
        // Only a group of its own (named after the driver) is ever killed whole, never the test runner's.
        if let reported = first["group"] as? Int, Int32(reported) == process.processIdentifier { group = Int32(reported) }
        guard first["ready"] as? Bool == true else {
            stop()
            throw Failure(description: (first["error"] as? String) ?? "browser.py did not start: \(first)")
        }
    }

    deinit { stop() }

    /// Ends the driver, chromedriver and Chromium; safe to call twice.
    public func stop() {
        if stopped { return }
        stopped = true
        try? input.fileHandleForWriting.close()
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { usleep(50_000) }
        // The driver's group holds chromedriver and every Chromium process
        // (SIGKILL: a child of the test runner may have SIGTERM blocked, see SMTPSink).
        if group <= 1 {
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        } else {
            kill(-group, SIGKILL)
            if process.isRunning { process.waitUntilExit() }
            // SIGKILL is delivered at once, but dying takes the kernel a moment.
            let gone = ContinuousClock.now + .seconds(5)
            while !Self.livingProcesses(inGroup: group).isEmpty && ContinuousClock.now < gone { usleep(20_000) }
        }
    }

    /// The process group of the driver and its browser (for tests that check nothing is left).
    public var processGroup: Int32 { group }

    /// The processes of `group` still alive (zombies waiting for their parent to reap them do not count), from /proc.
    public static func livingProcesses(inGroup group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "pid (comm) ": state, ppid, pgrp, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", fields[0] != "X", Int32(fields[2]) == group else { return nil }
            return pid
        }
    }

    // MARK: Commands

    @discardableResult
    public func open(_ url: String) throws -> Page { try page(send(["cmd": "get", "url": url])) }

    /// Fills fields by id or name: a String into text fields and selects (by
    /// option value) and radio groups (by value), a Bool into checkboxes.
    public func fill(_ fields: [String: Any]) throws { _ = try send(["cmd": "fill", "fields": fields]) }

    /// Clicks the element matching the CSS `selector` and returns the page it leads to.
    @discardableResult
    public func click(_ selector: String) throws -> Page { try page(send(["cmd": "click", "selector": selector])) }

    /// The current page.
    public func current() throws -> Page { try page(send(["cmd": "page"])) }

    /// A form field's current value.
    public func value(_ selector: String) throws -> String {
        (try send(["cmd": "value", "selector": selector])["value"] as? String) ?? ""
    }

    /// The rendered text of the first element matching the CSS `selector` ("" when none does).
    public func text(_ selector: String) throws -> String {
        (try send(["cmd": "text", "selector": selector])["text"] as? String) ?? ""
    }

    /// Waits until an element matches `selector` (a page that submits itself when its script runs), then returns the page.
    @discardableResult
    public func wait(for selector: String) throws -> Page { try page(send(["cmd": "wait", "selector": selector])) }

    /// A full-page PNG of the current page, `width` CSS pixels wide; the page's content width.
    @discardableResult
    public func screenshot(to path: URL, width: Int) throws -> Int {
        let answer = try send(["cmd": "screenshot", "path": path.path, "width": width])
        return (answer["contentWidth"] as? Int) ?? -1
    }

    /// Accessibility problems of the current page (labels, one h1, lang).
    public func audit() throws -> [String] {
        (try send(["cmd": "audit"])["problems"] as? [String]) ?? ["the audit returned nothing"]
    }

    // MARK: The line protocol

    private func send(_ command: [String: Any]) throws -> [String: Any] {
        guard !stopped else { throw Failure(description: "the browser was stopped") }
        var line = try JSONSerialization.data(withJSONObject: command)
        line.append(0x0A)
        try input.fileHandleForWriting.write(contentsOf: line)
        let answer = try readLine()
        guard answer["ok"] as? Bool == true else {
            throw Failure(description: "browser: \(command["cmd"] ?? "?") failed: \(answer["error"] ?? answer)")
        }
        return answer
    }

    private func readLine() throws -> [String: Any] {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                    throw Failure(description: "browser.py wrote \(String(decoding: line, as: UTF8.self))")
                }
                return object
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                throw Failure(description: "browser.py ended (chromedriver log: \(profile.path)/chromedriver.log)")
            }
            buffer.append(chunk)
        }
    }

    private func page(_ answer: [String: Any]) -> Page {
        let links = (answer["links"] as? [[Any]] ?? []).map { pair in
            (text: pair.first as? String ?? "", href: pair.count > 1 ? (pair[1] as? String ?? "") : "")
        }
        return Page(url: answer["url"] as? String ?? "", title: answer["title"] as? String ?? "", status: answer["status"] as? Int,
                    headers: answer["headers"] as? [String: String] ?? [:],
                    html: answer["html"] as? String ?? "", text: answer["text"] as? String ?? "", links: links,
                    requests: answer["requests"] as? [String] ?? [], console: answer["console"] as? [String] ?? [])
    }
}
