import Foundation
@testable import PaperboyCore
import PaperboyTestSupport
import Testing

/// The subscriber file is read event by event (`SubscriberFile.parse`); these
/// check it against the node-tree reader it replaced (`TreeSubscriberFile`)
/// and pin down what differs on purpose.
@Suite struct StreamingSubscriberFileTests {
    enum Outcome: Equatable, CustomStringConvertible {
        case entries([SubscriberPreferences])
        case problems([SubscriberFileError.Problem])

        var description: String {
            switch self {
            case .entries(let entries): return "\(entries.count) entries: \(entries.map(\.email.description))"
            case .problems(let problems): return problems.map { "\($0.position.map(String.init) ?? "-") \($0.email ?? "-"): \($0.reason)" }.joined(separator: "\n")
            }
        }
    }

    static func outcome(_ parse: () throws(SubscriberFileError) -> [SubscriberPreferences]) -> Outcome {
        do { return .entries(try parse()) } catch { return .problems(error.problems) }
    }

    static func streamed(_ text: String) -> Outcome { outcome { () throws(SubscriberFileError) in try SubscriberFile.parse(text, file: "f.yaml") } }
    static func tree(_ text: String) -> Outcome { outcome { () throws(SubscriberFileError) in try TreeSubscriberFile.parse(text, file: "f.yaml") } }

    /// Files both readers must read the same way: accepted ones, bad entries, bad shapes, bad YAML.
    static let sameAsTheTreeReader: [String] = [
        SubscriberFileTests.example,
        // Flow style, comments, quoting, "a, b" lists, null spellings, booleans.
        """
        # who gets what
        subscribers:   # every reader
          - {email: flow@example.org, categories: [cs.LG, "cs.CL"], paused: yes}
          - email: 'single@example.org'
            name: 'O''Brien, Seán'   # a comment after a value
            authors: Yann LeCun, "Geoffrey Hinton"
            categories: cs.LG,cs.CL
            max_papers: ~
            schedule: null
            query:
            format: TEXT
            paused: off
          - email: "double@example.org"
            name: "Esc \\u00e9 and \\"quotes\\""
            like: [2410.18533, 2410.00001]
            dislike: 2312.02896
            min_upvotes: " 7 "
        """,
        // Block scalars and multi-line plain and quoted scalars.
        """
        subscribers:
          - email: multi@example.org
            name: Ada
              Lovelace
            query: >-
              "knowledge distillation"
              OR continual
          - email: literal@example.org
            query: |-
              adapter
          - email: quoted@example.org
            name: "Grace
              Hopper"
        """,
        // Block scalars that keep their line break (refused in a query).
        "subscribers:\n  - email: a@example.org\n    query: |\n      adapter\n  - email: b@example.org\n    query: >\n      a\n      b\n",
        // A name with a line break (refused), a block list of authors, unicode everywhere.
        """
        subscribers:
          - email: juergen@bücher.example
            name: |
              Jürgen
              Müller
            authors:
              - Émile Borel
              - 李飞飞
              - "Ангелина"
          - email: ok@例え.jp
            name: 名前 🎉
        """,
        // Anchors and aliases: a list, a scalar and a whole entry.
        """
        subscribers:
          - email: a@example.org
            categories: &cats [cs.LG, stat.ML]
            schedule: &daily daily 07:00 Europe/Berlin
          - email: b@example.org
            categories: *cats
            schedule: *daily
          - &c {email: c@example.org}
          - *c
        """,
        // Tags are read as text.
        """
        subscribers:
          - email: !!str tagged@example.org
            max_papers: !!int 12
            paused: !!bool true
            name: !!null ~
        """,
        // Explicit document markers.
        "---\nsubscribers:\n  - email: a@example.org\n...\n",
        // CRLF line ends and a byte-order mark.
        "\u{FEFF}subscribers:\r\n  - email: a@example.org\r\n    name: Ada\r\n",
        // Every bad entry, in order, with its address.
        """
        subscribers:
          - email: good@example.org
          - email: a@b@c
          - email: bad-schedule@example.org
            schedule: daily 25:00
          - email: good@example.org
          - name: No Address
          - email: many@example.org
            max_papers: 500
            format: html
            colour: blue
            shedule: daily 08:00
          - just text
          - [a, list]
          - email: [not, text]
            name: {a: mapping}
            categories: {x: y}
            authors: [[nested]]
            min_upvotes: -3
            paused: maybe
          - email: Good@example.org
          - email: x@example.org
            max_papers: ten
            ? [complex, key]
            : value
          -
          - ~
        """,
        // Shapes of the whole file.
        "",
        "# only a comment\n",
        "---\n",
        "- email: a@example.org\n",
        "just text\n",
        "subscribers:\n",
        "subscribers: ~\n",
        "subscribers: null\n",
        "subscribers: ''\n",
        "subscribers: []\n",
        "subscribers: {email: a@example.org}\n",
        "subscribers: everyone\n",
        "people:\n  - email: a@example.org\n",
        "subscribers:\n  - email: a@example.org\nextra: 1\n",
        "subscribers:\n  - email: bad\nextra: 1\n",
        "extra: 1\nsubscribers: []\n",
        "{}\n",
        "[a, b]: c\nsubscribers: []\n",
        // YAML errors, with their line and column.
        "subscribers:\n  - email: 'unclosed@example.org\n",
        "subscribers:\n  - email: a@example.org\n   name: bad indent\n",
        "subscribers:\n  - email: a@example.org\n  name: wrong level\n",
        "subscribers: [a@example.org\n",
        "subscribers:\n  - email: a@example.org\n\tname: tab\n",
        "subscribers:\n  - email: @example.org\n",
        "subscribers:\n  - email: a@example.org\n    name: \"bad \\q escape\"\n",
    ]

    @Test(arguments: sameAsTheTreeReader.indices)
    func readsAsTheTreeReaderDid(index: Int) {
        let text = Self.sameAsTheTreeReader[index]
        let streamed = Self.streamed(text)
        let tree = Self.tree(text)
        #expect(streamed == tree, "file \(index):\n\(text)\nstreamed:\n\(streamed)\ntree:\n\(tree)")
    }

    @Test func theAcceptedFilesReadWhatTheySay() throws {
        // The comparison above would pass with two readers that accept nothing.
        let flow = try SubscriberFile.parse(Self.sameAsTheTreeReader[1], file: "f.yaml")
        try #require(flow.count == 3)
        #expect(flow[0].categories == ["cs.LG", "cs.CL"] && flow[0].paused)
        #expect(flow[1].name == "O'Brien, Seán" && flow[1].authors == ["Yann LeCun", "\"Geoffrey Hinton\""] && flow[1].format == .text)
        #expect(flow[1].maxPapers == nil && flow[1].schedule == nil && flow[1].query == nil)
        #expect(flow[2].name == "Esc é and \"quotes\"" && flow[2].likes == ["2410.18533", "2410.00001"] && flow[2].minUpvotes == 7)
        let multi = try SubscriberFile.parse(Self.sameAsTheTreeReader[2], file: "f.yaml")
        #expect(multi.map(\.name) == ["Ada Lovelace", nil, "Grace Hopper"])
        #expect(multi[0].query?.text == "\"knowledge distillation\" OR continual")
        #expect(multi[1].query?.text == "adapter")
    }

    static let anchored = sameAsTheTreeReader.first { $0.contains("&cats") } ?? ""

    @Test func aliasesResolveToTheAnchoredNodes() throws {
        let problems = try #require(Self.streamed(Self.anchored).problems)
        // The aliased entry is entry 4, a second c@example.org.
        #expect(problems == [.init(position: 4, email: "c@example.org", reason: "the address is already listed at entry 3")])
        let text = Self.anchored.replacingOccurrences(of: "\n  - *c", with: "")
        let entries = try SubscriberFile.parse(text, file: "f.yaml")
        #expect(entries.map(\.categories) == [["cs.LG", "stat.ML"], ["cs.LG", "stat.ML"], []])
        #expect(entries[1].schedule?.description == "daily 07:00 Europe/Berlin")
    }

    /// Random files mixing every style, accepted and refused, compared with the tree reader.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomFilesReadAsTheTreeReaderDid(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let text = RandomSubscriberFile.make(entries: 60, random: &random)
        let streamed = Self.streamed(text)
        let tree = Self.tree(text)
        #expect(streamed == tree, "seed \(seed):\n\(text)\nstreamed:\n\(streamed)\ntree:\n\(tree)")
    }

    @Test func aRandomFileWithoutMistakesIsReadWhole() throws {
        var random = SeededRandom(seed: 99)
        let text = RandomSubscriberFile.make(entries: 200, random: &random, mistakes: false)
        let entries = try SubscriberFile.parse(text, file: "f.yaml")
        #expect(entries.count == 200)
        #expect(entries == (try TreeSubscriberFile.parse(text, file: "f.yaml")))
    }

    // MARK: What differs from the tree reader, on purpose

    @Test func aKeyTwiceInAnEntryIsThatEntrysProblemWithBothLines() {
        // Yams refused the whole file, printing all of it in the message.
        let text = "subscribers:\n  - email: a@example.org\n  - email: b@example.org\n    name: B\n    name: Bee\n  - email: c@example.org\n    max_papers: 0\n"
        #expect(Self.streamed(text) == .problems([
            .init(position: 2, email: "b@example.org", reason: "name: the key appears twice (lines 4 and 5); keep one"),
            .init(position: 3, email: "c@example.org", reason: "max_papers: 0 is out of range; use 1 to 100"),
        ]))
    }

    @Test func subscribersTwiceIsAnErrorNamingBothLines() {
        let text = "subscribers:\n  - email: a@example.org\nsubscribers:\n  - email: b@example.org\n"
        #expect(Self.streamed(text) == .problems([
            .init(position: nil, email: nil, reason: "the key subscribers appears twice (lines 1 and 3); list every entry under one subscribers key"),
        ]))
    }

    @Test func aSecondDocumentIsAnErrorWithItsLine() {
        let text = "subscribers:\n  - email: a@example.org\n---\nsubscribers: []\n"
        let problems = Self.streamed(text).problems ?? []
        #expect(problems.count == 1)
        #expect(problems.first?.reason.contains("a second document starts at line 3, column 1") == true, "\(problems)")
    }

    @Test func anUndefinedAliasIsAnErrorWithItsLine() {
        let text = "subscribers:\n  - email: a@example.org\n    categories: *cats\n"
        #expect(Self.streamed(text) == .problems([
            .init(position: nil, email: nil, reason: "not valid YAML: found undefined alias \"*cats\" at line 3, column 17; an alias must follow its anchor (&cats)"),
        ]))
    }

    @Test func bytesThatAreNotUTF8AreAnErrorNamingTheLineAndColumn() {
        func reason(_ bytes: [UInt8]) -> SubscriberFileError? {
            #expect(throws: SubscriberFileError.self) {
                try bytes.withUnsafeBytes { raw in _ = try SubscriberFile.parse(utf8: raw, file: "latin1.yaml") }
            }
        }
        let start = Array("subscribers:\n  - email: a@example.org\n    name: Caf".utf8)
        // Latin-1 "é ok": a leading byte whose next byte does not continue it.
        let latin1 = reason(start + [0xE9, 0x20, 0x6F, 0x6B, 0x0A])
        #expect(latin1?.problems.count == 1)
        #expect(latin1?.problems.first?.reason == "not UTF-8 at line 3, column 15: invalid trailing UTF-8 octet; save the file as UTF-8")
        #expect(latin1?.description.hasPrefix("latin1.yaml: the file: not UTF-8 at line 3") == true, "\(latin1?.description ?? "")")
        // A byte that starts no UTF-8 character.
        let invalid = reason(start + [0xFF, 0x0A])
        #expect(invalid?.problems.first?.reason == "not UTF-8 at line 3, column 14: invalid leading UTF-8 octet (byte 0xFF); save the file as UTF-8")
    }

    @Test func aControlCharacterIsAnErrorNamingTheLine() {
        let text = "subscribers:\n  - email: a@example.org\n    name: A\u{01}da\n"
        let reason = Self.streamed(text).problems?.first?.reason ?? ""
        #expect(reason.contains("control characters are not allowed"), "\(reason)")
        #expect(reason.contains("at line 3, column 12"), "\(reason)")
    }

    @Test func aSyntaxErrorNamesItsLineAndHidesTheEntryProblemsBeforeIt() {
        let text = "subscribers:\n  - email: bad\n  - email: also-bad\n  - email: 'unclosed\n"
        let problems = Self.streamed(text).problems ?? []
        #expect(problems.count == 1)
        #expect(problems.first?.position == nil)
        #expect(problems.first?.reason.hasPrefix("not valid YAML: found unexpected end of stream while scanning a quoted scalar at line 5") == true, "\(problems)")
    }

    @Test func theTooDeepFileStopsAtLibyamlsLimit() {
        let text = "subscribers:\n  - email: a@example.org\n    authors: " + String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000) + "\n"
        let reason = Self.streamed(text).problems?.first?.reason ?? ""
        #expect(reason.contains("Maximum nesting level reached"), "\(reason)")
    }

    @Test func nestingJustUnderTheLimitIsReadWithoutRecursion() {
        // 990 levels pass libyaml; the reader builds them with its own stack.
        let text = "subscribers:\n  - email: a@example.org\n    authors: " + String(repeating: "[", count: 990) + String(repeating: "]", count: 990) + "\n"
        #expect(Self.streamed(text) == .problems([
            .init(position: 1, email: "a@example.org", reason: "authors: expected a list of names, found a list in it"),
        ]))
    }

    // MARK: parseEntry (edit, the pending request)

    @Test func oneEntryOnItsOwnReadsAndReportsAsBefore() throws {
        var prefs = SubscriberPreferences(email: try EmailAddress(parsing: "ada@example.org"), name: "Ada: \"the first\"")
        prefs.authors = ["Müller, J."]
        prefs.likes = ["2410.18533"]
        #expect(try SubscriberFile.parseEntry(SubscriberFile.renderEntry(prefs), file: "e") == prefs)
        let empty = #expect(throws: SubscriberFileError.self) { try SubscriberFile.parseEntry("# nothing\n", file: "e") }
        #expect(empty?.problems.first?.reason == "the file is empty")
        let list = #expect(throws: SubscriberFileError.self) { try SubscriberFile.parseEntry("- email: a@example.org\n", file: "e") }
        #expect(list?.problems.first?.reason == "an entry must be a mapping of keys (email, name, ...) to values")
        let bad = #expect(throws: SubscriberFileError.self) { try SubscriberFile.parseEntry("email: a@example.org\nmax_papers: 0\nname: [x]\n", file: "e") }
        #expect(bad?.problems == [.init(position: nil, email: "a@example.org", reason: "max_papers: 0 is out of range; use 1 to 100; name: expected text, found a list")]
                || bad?.problems == [.init(position: nil, email: "a@example.org", reason: "name: expected text, found a list; max_papers: 0 is out of range; use 1 to 100")])
        let yaml = #expect(throws: SubscriberFileError.self) { try SubscriberFile.parseEntry("email: 'a@example.org\n", file: "e") }
        #expect(yaml?.problems.first?.reason.hasPrefix("not valid YAML:") == true)
    }
}

extension StreamingSubscriberFileTests.Outcome {
    var problems: [SubscriberFileError.Problem]? {
        if case .problems(let problems) = self { return problems }
        return nil
    }
}

/// A small deterministic generator (SplitMix64), so a failing seed can be rerun.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
}

/// Subscriber files in every style the format allows, with mistakes sprinkled in.
enum RandomSubscriberFile {
    static func make(entries count: Int, random: inout SeededRandom, mistakes: Bool = true) -> String {
        var lines = ["# generated", "subscribers:"]
        let names = ["Ada Lovelace", "'O''Brien, Seán'", "\"Zoë \\u00e9\"", "李飞飞", "Ada # not a comment", "\"quoted: colon\"", "Émile"]
        let queries = ["'\"knowledge distillation\" OR continual'", "adapter -diffusion", "'title:transformer* AND category:cs.LG'", "\"author:\\\"Geoffrey Hinton\\\"\"", "~", ""]
        let badQueries = ["'(unclosed'", "'AND'"]
        let schedules = ["daily 08:00 Europe/Berlin", "weekdays 07:30", "weekly mon,thu 18:00 America/New_York", "null"]
        let badSchedules = ["daily 25:00", "weekly funday 08:00", "daily 08:00 europe/berlin"]
        let categoryLists = ["[cs.LG, cs.CL]", "[]", "cs.LG, stat.ML", "[\"cs\"]", "~"]
        for k in 0..<count {
            let flow = random.chance(15)
            var fields: [String] = []
            var email = "reader\(k)@lab\(k % 7).example.org"
            if mistakes && random.chance(4) { email = "bad\(k)@nodot" }
            if mistakes && random.chance(3) && k > 0 { email = "reader\(k - 1)@lab\((k - 1) % 7).example.org" }
            if mistakes && random.chance(3) && k > 0 { email = "Reader\(k - 1)@lab\((k - 1) % 7).example.org" }
            if !(mistakes && random.chance(2)) { fields.append("email: \(random.chance(20) ? "'\(email)'" : email)") }
            if random.chance(60) { fields.append("name: \(random.pick(names))") }
            if random.chance(50) { fields.append("query: \(mistakes && random.chance(5) ? random.pick(badQueries) : random.pick(queries))") }
            if random.chance(60) { fields.append("categories: \(mistakes && random.chance(4) ? "[cs.XX]" : random.pick(categoryLists))") }
            if random.chance(30) { fields.append("authors: \(random.pick(["[]", "[Yann LeCun, \"Hinton, G.\"]", "Bengio, LeCun"]))") }
            if random.chance(50) { fields.append("min_upvotes: \(mistakes && random.chance(4) ? "-1" : String(random.next() % 9))") }
            if random.chance(50) { fields.append("max_papers: \(mistakes && random.chance(4) ? "500" : String(1 + random.next() % 100))") }
            if random.chance(60) { fields.append("schedule: \(mistakes && random.chance(5) ? random.pick(badSchedules) : random.pick(schedules))") }
            if random.chance(40) { fields.append("format: \(mistakes && random.chance(5) ? "html" : random.pick(["both", "text", "TEXT"]))") }
            if random.chance(40) { fields.append("paused: \(mistakes && random.chance(5) ? "maybe" : random.pick(["false", "true", "yes", "off"]))") }
            if random.chance(20) { fields.append("like: [2410.\(10000 + random.next() % 9000)]") }
            if random.chance(10) { fields.append("dislike: 2312.02896, 2401.00001") }
            if mistakes && random.chance(4) { fields.append(random.pick(["colour: blue", "shedule: daily 08:00", "emails: x@example.org"])) }
            if fields.isEmpty { fields = ["name: nobody"] }
            if flow && !fields.contains(where: { $0.contains("#") || $0.contains(",") && !$0.contains("[") }) {
                lines.append("  - {" + fields.joined(separator: ", ") + "}")
            } else {
                if random.chance(10) { lines.append("  # entry \(k)") }
                for (index, field) in fields.enumerated() {
                    lines.append((index == 0 ? "  - " : "    ") + field + (random.chance(5) ? "   # note" : ""))
                }
                if random.chance(5) { lines.append("") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
