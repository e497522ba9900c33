import ArgumentParser
import Foundation
import PaperboyCLI
import PaperboyCore
import PaperboyTestSupport
import Testing

/// The docs stay true: every `paperboy` command line they show parses, every
/// command is in docs/commands.md with its options, every config key they
/// show is one the config reader accepts and every key it accepts is
/// documented, and the README stays a short entry point.
struct DocsTests {
    // MARK: - The files

    static let root = TestPaths.projectRoot

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    /// README.md and every docs/*.md, by path relative to the project root.
    static func pages() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        return ["README.md", "ARCHITECTURE.md"] + docs
    }

    /// The fenced code blocks of a Markdown text: the info string and the lines.
    static func codeBlocks(_ markdown: String) -> [(language: String, lines: [String])] {
        var blocks: [(String, [String])] = []
        var current: (String, [String])?
        for line in markdown.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                if let open = current {
                    blocks.append(open)
                    current = nil
                } else {
                    current = (String(trimmed.dropFirst(3)).trimmingCharacters(in: .whitespaces), [])
                }
            } else if current != nil {
                current!.1.append(line)
            }
        }
        return blocks
    }

    // MARK: - Command lines

    /// Splits one shell line into simple commands (at `&&`, `||`, `;`, `|`),
    /// each a list of words with quotes removed; a `#` starting a word ends the line.
    static func shellCommands(_ line: String) -> [[String]] {
        var commands: [[String]] = []
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var chars = Array(line)[...]
        func endWord() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }
        func endCommand() {
            endWord()
            if !words.isEmpty { commands.append(words) }
            words = []
        }
        while let c = chars.popFirst() {
            if let q = quote {
                if c == q {
                    quote = nil
                } else if c == "\\", q == "\"", let next = chars.first, "\"\\$`".contains(next) {
                    word.append(chars.removeFirst())
                } else {
                    word.append(c)
                }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                if let next = chars.popFirst() { word.append(next); inWord = true }
            case " ", "\t":
                endWord()
            case "#" where !inWord:
                endCommand()
                return commands
            case ";", "|", "&":
                if chars.first == c { chars.removeFirst() }
                endCommand()
            default:
                word.append(c)
                inWord = true
            }
        }
        endCommand()
        return commands
    }

    /// The arguments after a `paperboy` command word (`paperboy fetch`,
    /// `swift run paperboy ...`, `sudo -u paperboy paperboy ...`), or nil when
    /// the command runs no `paperboy` (`systemctl status paperboy`, `journalctl -u paperboy`).
    static func paperboyArguments(_ words: [String]) -> [String]? {
        for (index, word) in words.enumerated() where word == "paperboy" && index + 1 < words.count {
            if words[index + 1] == "paperboy" { continue }
            if index > 0, words[index - 1].hasPrefix("-") { continue }
            return Array(words[(index + 1)...])
        }
        return nil
    }

    /// The words without shell redirections (`> digest.html`, `2>/dev/null`).
    static func withoutRedirections(_ words: [String]) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for word in words {
            if skipNext { skipNext = false; continue }
            if [">", ">>", "<", "2>", "2>>"].contains(word) { skipNext = true; continue }
            if word.hasPrefix(">") || word.hasPrefix("2>") || word.hasPrefix("<") { continue }
            kept.append(word)
        }
        return kept
    }

    /// Every `paperboy` invocation in a page's shell code blocks, with its line.
    static func invocations(in markdown: String) -> [(line: String, arguments: [String])] {
        var found: [(String, [String])] = []
        for block in codeBlocks(markdown) where ["", "sh", "bash", "shell", "console"].contains(block.language) {
            var logical: [String] = []
            var pending = ""
            for line in block.lines {
                if line.hasSuffix("\\") {
                    pending += line.dropLast() + " "
                } else {
                    logical.append(pending + line)
                    pending = ""
                }
            }
            for line in logical {
                for command in shellCommands(line) {
                    if let arguments = paperboyArguments(command) { found.append((line, withoutRedirections(arguments))) }
                }
            }
        }
        return found
    }

    /// Why these arguments do not make a `paperboy` command, or nil when they parse.
    static func parseProblem(_ arguments: [String]) -> String? {
        do {
            _ = try PaperboyCommand.parseAsRoot(arguments)
            return nil
        } catch {
            if PaperboyCommand.exitCode(for: error) == .success { return nil }  // --help, --version
            return PaperboyCommand.message(for: error)
        }
    }

    @Test func theCommandCheckCatchesAMadeUpCommandOrOption() {
        let bogus = Self.invocations(in: """
            ```sh
            paperboy subscriber frobnicate ada@example.org   # no such subcommand
            sudo -u paperboy paperboy fetch --sorce hf-daily
            systemctl status paperboy && journalctl -u paperboy -f
            paperboy fetch --source hf-daily
            ```
            """)
        #expect(bogus.map(\.arguments) == [["subscriber", "frobnicate", "ada@example.org"], ["fetch", "--sorce", "hf-daily"], ["fetch", "--source", "hf-daily"]])
        #expect(Self.parseProblem(bogus[0].arguments) != nil)
        #expect(Self.parseProblem(bogus[1].arguments) != nil)
        #expect(Self.parseProblem(bogus[2].arguments) == nil)
        #expect(Self.shellCommands(#"swift run paperboy papers search '"a b" OR c' --limit 3 # x"#) == [["swift", "run", "paperboy", "papers", "search", "\"a b\" OR c", "--limit", "3"]])
    }

    @Test func everyPaperboyCommandLineInTheDocsParses() throws {
        var checked = 0
        for page in try Self.pages() {
            for invocation in Self.invocations(in: try Self.text(page)) {
                checked += 1
                if let problem = Self.parseProblem(invocation.arguments) {
                    Issue.record("\(page): `\(invocation.line.trimmingCharacters(in: .whitespaces))`: \(problem)")
                }
            }
        }
        #expect(checked >= 30, "only \(checked) command lines found: is the scan still reading the code blocks?")
    }

    // MARK: - docs/commands.md

    /// Every command and subcommand, by its words after `paperboy`, with its type.
    static func commands(_ type: any ParsableCommand.Type = PaperboyCommand.self, prefix: [String] = []) -> [(path: [String], type: any ParsableCommand.Type)] {
        var all: [([String], any ParsableCommand.Type)] = []
        for sub in type.configuration.subcommands {
            let path = prefix + [sub.configuration.commandName ?? "?"]
            all.append((path, sub))
            all += commands(sub, prefix: path)
        }
        return all
    }

    /// The lines of the section whose heading names `paperboy PATH`, up to
    /// the next heading of the same or a higher level; nil when there is none.
    static func section(_ path: [String], in markdown: String) -> String? {
        let lines = markdown.components(separatedBy: "\n")
        let name = "`paperboy \(path.joined(separator: " "))`"
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#") && $0.contains(name) }) else { return nil }
        let level = lines[start].prefix { $0 == "#" }.count
        var end = start + 1
        while end < lines.count {
            let hashes = lines[end].prefix { $0 == "#" }.count
            if hashes > 0, hashes <= level, lines[end].dropFirst(hashes).hasPrefix(" ") { break }
            end += 1
        }
        return lines[start..<end].joined(separator: "\n")
    }

    /// The long options a command's help lists, but those every command takes.
    static func options(of type: any ParsableCommand.Type) -> Set<String> {
        let help = PaperboyCommand.helpMessage(for: type, columns: 400)
        let regex = /--[a-z][a-z0-9-]*/
        let common: Set<String> = ["--help", "--version", "--config", "--verbose"]
        return Set(help.matches(of: regex).map { String($0.output) }).subtracting(common)
    }

    @Test func everyCommandHasASectionInCommandsMdThatNamesEachOfItsOptions() throws {
        let page = try Self.text("docs/commands.md")
        let all = Self.commands()
        #expect(all.count >= 25)
        for (path, type) in all {
            guard let section = Self.section(path, in: page) else {
                Issue.record("docs/commands.md has no heading naming `paperboy \(path.joined(separator: " "))`")
                continue
            }
            for option in Self.options(of: type).sorted() where !section.contains(option) {
                Issue.record("docs/commands.md, `paperboy \(path.joined(separator: " "))`: \(option) is not documented")
            }
        }
        // The check can fail: a section without the option is caught.
        #expect(Self.section(["fetch"], in: "## `paperboy fetch`\n\nfetches\n\n## `paperboy papers`\n--source") == "## `paperboy fetch`\n\nfetches\n")
        let fetch = try #require(all.first { $0.path == ["fetch"] })
        #expect(Self.options(of: fetch.type) == ["--source"])
    }

    @Test func commandsMdHasTheSysexitsTable() throws {
        let page = try Self.text("docs/commands.md")
        let section = try #require(page.components(separatedBy: "## Exit codes (sysexits)").last)
        for code in ["0", "1", "64", "65", "69", "75", "78"] {
            #expect(section.contains("| \(code) |"), "exit code \(code) is not in the sysexits table")
        }
        #expect(section.contains("70 when a service stops"), "run's exit 70 is not explained")
    }

    // MARK: - Config keys

    static let probe = "zz_probe"
    static let base = "database: /nonexistent/docs-test.sqlite\nsources:\n  - {name: a, type: json, url: 'file:///dev/null'}\n"
    /// Keys a section needs before its sub-sections are read.
    static let required = ["smtp": "url: 'smtp://127.0.0.1:25', tls: none, "]

    /// A config with `value` at `path` (flow style, inside the required keys).
    static func config(setting path: [String], to value: String) -> String {
        if path == ["sources[]"] { return "database: x.sqlite\nsources: [\(value)]\n" }
        func nested(_ rest: ArraySlice<String>, parent: String) -> String {
            guard let key = rest.first else { return value }
            let inner = parent.isEmpty ? key : parent + "." + key
            return "{\(required[parent] ?? "")\(key): \(nested(rest.dropFirst(), parent: inner))}"
        }
        let top = path[0]
        return base + "\(top): \(nested(path.dropFirst(), parent: top))\n"
    }

    /// The keys allowed in the mapping at `path`, from the reader's own
    /// "unknown key" error; nil when the value there is not a mapping.
    static func allowedKeys(at path: [String]) -> [String]? {
        let text = path.isEmpty ? base + "\(probe): 1\n" : config(setting: path, to: "{\(probe): 1}")
        do {
            _ = try PaperboyConfig.parse(text, file: "probe.yaml")
            return nil
        } catch {
            guard error.key.hasSuffix(probe), error.message.contains("unknown key"),
                  let list = error.message.components(separatedBy: "allowed keys: ").last else { return nil }
            return list.components(separatedBy: ", ")
        }
    }

    /// Every key the config reader accepts, as dotted paths (`smtp.retry.initial`,
    /// `sources[].url`), found by asking the reader itself.
    static func acceptedKeys() -> Set<String> {
        var accepted: Set<String> = []
        var queue: [[String]] = [[], ["sources[]"]]
        while let path = queue.popLast() {
            for key in allowedKeys(at: path) ?? [] {
                let full = path + [key]
                accepted.insert(full.joined(separator: "."))
                if full != ["database"], full != ["sources"], allowedKeys(at: full) != nil { queue.append(full) }
            }
        }
        return accepted
    }

    /// The keys of the table under "## Every key" in docs/configuration.md.
    static func documentedKeys(_ markdown: String) -> Set<String> {
        guard let table = markdown.components(separatedBy: "## Every key").dropFirst().first?.components(separatedBy: "\n## ").first else { return [] }
        var keys: Set<String> = []
        for line in table.components(separatedBy: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(3)
            if let close = cell.firstIndex(of: "`") { keys.insert(String(cell[..<close])) }
        }
        return keys
    }

    @Test func theProbeFindsEveryKeyTheReaderAccepts() {
        let accepted = Self.acceptedKeys()
        for key in ["database", "sources", "sources[].interval", "digest.ranking.title_weight", "smtp.retry.give_up_after",
                    "dkim.key_file", "http.max_connections", "retention.sent_log", "previous_secret_files"] {
            #expect(accepted.contains(key), "\(key) was not found; found \(accepted.sorted())")
        }
        #expect(!accepted.contains("smtp.colour"))
        #expect(Self.allowedKeys(at: ["fetch", "timeout"]) == nil, "a scalar key is no section")
    }

    @Test func everyKeyTheReaderAcceptsIsInConfigurationMdAndTheOtherWayRound() throws {
        let accepted = Self.acceptedKeys()
        let documented = Self.documentedKeys(try Self.text("docs/configuration.md"))
        #expect(documented.count >= 50)
        for key in accepted.subtracting(documented).sorted() {
            Issue.record("config key \(key) is accepted but not in the table of docs/configuration.md")
        }
        for key in documented.subtracting(accepted).sorted() {
            Issue.record("docs/configuration.md documents \(key), which the config reader does not accept")
        }
        // The check can fail: a made-up key is neither accepted nor found.
        #expect(Self.documentedKeys("## Every key\n\n| `smtp.colour` | blue | |\n\n## Next").subtracting(accepted) == ["smtp.colour"])
    }

    /// The problem the reader finds in a YAML block of the docs, after
    /// adding `database` and `sources` when the block leaves them out.
    static func configProblem(_ block: [String]) -> String? {
        var text = block.joined(separator: "\n") + "\n"
        if !block.contains(where: { $0.hasPrefix("database:") }) { text = "database: x.sqlite\n" + text }
        if !block.contains(where: { $0.hasPrefix("sources:") }) { text += "sources:\n  - {name: a, type: json, url: 'file:///dev/null'}\n" }
        do {
            _ = try PaperboyConfig.parse(text, file: "docs.yaml", baseDirectory: "/nonexistent")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func everyConfigShownInTheDocsIsOneTheReaderAccepts() throws {
        var checked = 0
        for page in try Self.pages() {
            for block in Self.codeBlocks(try Self.text(page)) where block.language == "yaml" {
                guard let first = block.lines.first(where: { !$0.isEmpty && !$0.hasPrefix("#") }), !first.hasPrefix("subscribers:") else { continue }
                checked += 1
                if let problem = Self.configProblem(block.lines) { Issue.record("\(page): a yaml block: \(problem)") }
            }
        }
        #expect(checked >= 4)
        // The check can fail: a misspelt key is refused.
        #expect(Self.configProblem(["smtp:", "  url: smtp://127.0.0.1:25", "  colour: blue"])?.contains("unknown key") == true)
    }

    @Test func theShippedConfigLoadsAndItsCommentedKeysExist() throws {
        let text = try Self.text("deploy/paperboy.yaml")
        _ = try PaperboyConfig.parse(text, file: "deploy/paperboy.yaml", baseDirectory: "/etc/paperboy")
        let names = Set(Self.acceptedKeys().map { $0.components(separatedBy: ".").last! })
        let commented = /^\s*#\s*([a-z_]+):(\s|$)/
        var found = 0
        for line in text.components(separatedBy: "\n") {
            guard let match = line.firstMatch(of: commented) else { continue }
            found += 1
            #expect(names.contains(String(match.output.1)), "deploy/paperboy.yaml: \(line)")
        }
        #expect(found >= 10, "the commented-out keys (unsubscribe_mailto, dkim, ...) were not found")
    }

    // MARK: - ARCHITECTURE.md

    /// The files and folders a page names in backticks (`Store+Outbox.swift`,
    /// `PaperboyCore/Config/`) that exist nowhere under Sources/.
    static func missingSourceNames(_ markdown: String) throws -> [String] {
        let sources = root.appendingPathComponent("Sources")
        var paths: [String] = []
        let walker = FileManager.default.enumerator(atPath: sources.path)
        while let path = walker?.nextObject() as? String { paths.append("/" + path) }
        let named = /`([A-Za-z0-9_+\/-]+(?:\.swift|\/))`/
        var missing: [String] = []
        for match in markdown.matches(of: named) {
            var name = String(match.output.1)
            if name.hasPrefix("Sources/") { name.removeFirst("Sources".count) }
            let wanted = name.hasSuffix("/") ? String(name.dropLast()) : name
            let suffix = wanted.hasPrefix("/") ? wanted : "/" + wanted
            if !paths.contains(where: { $0.hasSuffix(suffix) }) { missing.append(name) }
        }
        return missing
    }

    @Test func everySourceFileArchitectureMdNamesExists() throws {
        let architecture = try Self.text("ARCHITECTURE.md")
        #expect(try Self.missingSourceNames(architecture) == [], "rename these in ARCHITECTURE.md too")
        #expect(architecture.components(separatedBy: "\n").count <= 150)
        #expect(!architecture.contains("DESIGN.md") && !architecture.contains("../shared"), "the project stands alone")
        // The check can fail: a file that does not exist is reported.
        #expect(try Self.missingSourceNames("`Store+Outbox.swift`, `PaperboyCore/Config/`, `Store+Nothing.swift`") == ["Store+Nothing.swift"])
    }

    // MARK: - README.md and links

    @Test func theReadmeIsShortAndStartsWithTheTwoCommandQuickStart() throws {
        let readme = try Self.text("README.md")
        let lines = readme.components(separatedBy: "\n")
        #expect(lines.count <= 250, "README.md has \(lines.count) lines; move reference material to docs/")
        let firstHeading = try #require(lines.first { $0.hasPrefix("## ") })
        #expect(firstHeading.hasPrefix("## Quick start"))
        let first = try #require(Self.codeBlocks(readme).first)
        #expect(first.lines == ["scripts/install-deps && swift run paperboy send-digest --dry-run --demo", "scripts/test"])
        #expect(try Self.text(".ci/run").contains("scripts/test"), "CI no longer runs the quick start's test command")
        for page in ["docs/commands.md", "docs/configuration.md", "docs/query-language.md", "docs/operations.md",
                     "docs/delivery.md", "docs/benchmarks.md", "ARCHITECTURE.md"] {
            #expect(readme.contains("](\(page)"), "README.md does not link \(page)")
        }
    }

    /// GitHub's anchor for a heading.
    static func anchor(_ heading: String) -> String {
        let text = heading.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
        return String(text.compactMap { c -> Character? in
            if c == " " { return "-" }
            return c.isLetter || c.isNumber || c == "-" || c == "_" ? c : nil
        })
    }

    @Test func everyLinkBetweenThePagesLeadsToAFileAndHeadingThatExist() throws {
        let link = /\]\(([^)\s]+)\)/
        for page in try Self.pages() {
            let folder = page.components(separatedBy: "/").dropLast().joined(separator: "/")
            var inCode = false
            for line in try Self.text(page).components(separatedBy: "\n") {
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inCode.toggle() }
                if inCode { continue }
                for match in line.matches(of: link) {
                    let target = String(match.output.1)
                    if target.hasPrefix("http") || target.hasPrefix("mailto:") { continue }
                    let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    let file = parts[0].isEmpty ? page : (folder.isEmpty ? parts[0] : folder + "/" + parts[0])
                    let resolved = Self.root.appendingPathComponent(file).standardized
                    guard FileManager.default.fileExists(atPath: resolved.path) else {
                        Issue.record("\(page): the link \(target) leads to no file")
                        continue
                    }
                    guard parts.count == 2, resolved.pathExtension == "md" else { continue }
                    let headings = try String(contentsOf: resolved, encoding: .utf8).components(separatedBy: "\n")
                        .filter { $0.hasPrefix("#") }.map(Self.anchor)
                    #expect(headings.contains(parts[1]), "\(page): the link \(target) names no heading of \(file)")
                }
            }
        }
        #expect(Self.anchor("## Retention: `paperboy db prune`") == "retention-paperboy-db-prune")
    }
}
