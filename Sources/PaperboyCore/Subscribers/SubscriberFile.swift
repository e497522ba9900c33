/// The subscriber file, for `import`, `export` and `edit`:
///
/// ```yaml
/// subscribers:
///   - email: ada@example.org
///     name: Ada Lovelace
///     query: '"knowledge distillation" OR continual'
///     categories: [cs.LG, cs.CL]
///     authors: []
///     min_upvotes: 0
///     max_papers: 10
///     schedule: daily 08:00 Europe/Berlin
///     format: both
///     paused: false
///     like: [2410.18533]      # optional: papers liked, "more like these"
///     dislike: [2410.00001]   # optional: papers marked "Not for me": never again, similar ones lower
/// ```
///
/// Only `email` is required; a field left out takes its default.
public enum SubscriberFile {
    /// The keys an entry may have, in the order `render` writes them.
    public static let keys = ["email", "name", "query", "categories", "authors", "min_upvotes", "max_papers", "schedule", "format", "paused", "like", "dislike"]

    /// Parses a whole file. Every bad entry is reported (position, address,
    /// reasons), so one run shows everything to fix.
    /// Two entries whose addresses differ only in case (`Judy@example.org`,
    /// `judy@example.org`) are an error naming both, unless `allowCaseVariants`.
    public static func parse(_ text: String, file: String, allowCaseVariants: Bool = false) throws(SubscriberFileError) -> [SubscriberPreferences] {
        var text = text
        return try text.withUTF8 { bytes in
            Result { () throws(SubscriberFileError) in
                try parse(utf8: UnsafeRawBufferPointer(bytes), file: file, allowCaseVariants: allowCaseVariants)
            }
        }.get()
    }

    /// Parses a whole file from its bytes (UTF-8), event by event: each entry
    /// becomes a `SubscriberPreferences` as soon as its mapping ends, so only
    /// the bytes and the entries are held, never a node tree of the file.
    /// Bytes that are not UTF-8 are an error naming the line.
    public static func parse(utf8 bytes: UnsafeRawBufferPointer, file: String, allowCaseVariants: Bool = false) throws(SubscriberFileError) -> [SubscriberPreferences] {
        var result: [SubscriberPreferences] = []
        var problems: [SubscriberFileError.Problem] = []
        var firstPosition: [EmailAddress: Int] = [:]
        var firstFolded: [String: (position: Int, email: EmailAddress)] = [:]
        let cache = PreferenceParseCache()
        // About 200 bytes an entry as `export` writes them: room for them all, grown once at most.
        let expected = bytes.count / 200
        result.reserveCapacity(expected)
        if allowCaseVariants { firstPosition.reserveCapacity(expected) } else { firstFolded.reserveCapacity(expected) }
        var reader = SubscriberFileReader(bytes: bytes)
        let read = Result { () throws(SubscriberFileReader.FileProblem) in
            try reader.read { position, item in
                switch Result(catching: { () throws(EntryFailure) in try readEntry(item, cache: cache) }) {
                case .failure(let failure):
                    problems.append(.init(position: position, email: failure.email, reason: failure.reasons.joined(separator: "; ")))
                case .success(let entry):
                    let folded = entry.email.caseFolded
                    // Without case variants, the first address of each folded form is all there is to remember.
                    if !allowCaseVariants {
                        if let first = firstFolded[folded] {
                            problems.append(.init(position: position, email: entry.email.description, reason: first.email == entry.email
                                ? "the address is already listed at entry \(first.position)"
                                : "the address differs only in case from \(first.email) at entry \(first.position); mail servers treat them as one mailbox, so list it once (or use --allow-case-variant if they really are two)"))
                        } else {
                            firstFolded[folded] = (position, entry.email)
                            result.append(entry)
                        }
                    } else if let earlier = firstPosition[entry.email] {
                        problems.append(.init(position: position, email: entry.email.description, reason: "the address is already listed at entry \(earlier)"))
                    } else {
                        firstPosition[entry.email] = position
                        result.append(entry)
                    }
                }
            }
        }
        if case .failure(let problem) = read {
            throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: problem.reason)])
        }
        if !problems.isEmpty { throw SubscriberFileError(file: file, problems: problems) }
        return result
    }

    /// Parses one entry written on its own (as `edit` shows it).
    public static func parseEntry(_ text: String, file: String) throws(SubscriberFileError) -> SubscriberPreferences {
        var text = text
        let root = try text.withUTF8 { bytes in
            Result { () throws(SubscriberFileError) -> YAMLValue? in
                var reader = SubscriberFileReader(bytes: UnsafeRawBufferPointer(bytes))
                switch Result(catching: { () throws(SubscriberFileReader.FileProblem) in try reader.readRoot() }) {
                case .success(let root): return root
                case .failure(let problem): throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: problem.reason)])
                }
            }
        }.get()
        guard let root else {
            throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: "the file is empty")])
        }
        switch Result(catching: { () throws(EntryFailure) in try readEntry(root, cache: PreferenceParseCache()) }) {
        case .success(let entry): return entry
        case .failure(let failure): throw SubscriberFileError(file: file, problems: [.init(position: nil, email: failure.email, reason: failure.reasons.joined(separator: "; "))])
        }
    }

    /// Writes the file: entries in the order given, one key per line, fields
    /// left at "use the default" (no name, no query, default max_papers or
    /// schedule) omitted, so export then import changes nothing.
    public static func render(_ subscribers: [SubscriberPreferences]) -> String {
        if subscribers.isEmpty { return "subscribers: []\n" }
        var out = "subscribers:\n"
        out.reserveCapacity(subscribers.count * 220)
        for subscriber in subscribers {
            var first = true
            for line in lines(subscriber) {
                out += first ? "  - " : "    "
                out += line
                out += "\n"
                first = false
            }
        }
        return out
    }

    /// One entry on its own, for `edit`.
    public static func renderEntry(_ subscriber: SubscriberPreferences) -> String {
        lines(subscriber).joined(separator: "\n") + "\n"
    }

    static func lines(_ s: SubscriberPreferences) -> [String] {
        var lines = ["email: \(YAMLText.scalar(s.email.description))"]
        if let name = s.name { lines.append("name: \(YAMLText.scalar(name))") }
        if let query = s.query { lines.append("query: \(YAMLText.scalar(query.text))") }
        lines.append("categories: \(YAMLText.flowList(s.categories))")
        lines.append("authors: \(YAMLText.flowList(s.authors))")
        lines.append("min_upvotes: \(s.minUpvotes)")
        if let maxPapers = s.maxPapers { lines.append("max_papers: \(maxPapers)") }
        if let schedule = s.schedule { lines.append("schedule: \(YAMLText.scalar(schedule.description))") }
        lines.append("format: \(s.format.rawValue)")
        lines.append("paused: \(s.paused)")
        if !s.likes.isEmpty { lines.append("like: \(YAMLText.flowList(s.likes))") }
        if !s.dislikes.isEmpty { lines.append("dislike: \(YAMLText.flowList(s.dislikes))") }
        return lines
    }

    struct EntryFailure: Error {
        var email: String?
        var reasons: [String]
    }

    static func readEntry(_ node: YAMLValue, cache: PreferenceParseCache) throws(EntryFailure) -> SubscriberPreferences {
        guard case .mapping(let mapping) = node else {
            throw EntryFailure(email: nil, reasons: ["an entry must be a mapping of keys (email, name, ...) to values"])
        }
        // One slot per key of `keys`, in its order.
        var values = [YAMLValue?](repeating: nil, count: keys.count)
        var lines = [Int](repeating: 0, count: keys.count)
        var reasons: [String] = []
        for (key, value) in mapping {
            let name = key.scalarText ?? "?"
            let line: Int
            if case .scalar(_, _, let mark) = key { line = mark.line } else { line = 0 }
            guard let slot = keys.firstIndex(of: name) else {
                let hint = ConfigReader.nearest(name, in: keys).map { " (did you mean \($0)?)" } ?? ""
                reasons.append("unknown key \"\(name)\"\(hint); allowed keys: \(keys.joined(separator: ", "))")
                continue
            }
            if values[slot] != nil {
                reasons.append("\(name): the key appears twice (lines \(lines[slot]) and \(line)); keep one")
            } else {
                values[slot] = value
                lines[slot] = line
            }
        }
        func value(_ key: String) -> YAMLValue? {
            values[slot(key)]
        }
        let emailText = value("email")?.scalarText
        var email: EmailAddress?
        if let emailText {
            do { email = try SubscriberValidation.email(emailText) } catch { reasons.append(error.description) }
        } else {
            reasons.append("email: missing; every entry needs an address")
        }
        var prefs = SubscriberPreferences(email: email ?? EmailAddress.placeholder)

        func field<T>(_ key: String, _ read: (YAMLValue) throws(SubscriberFieldError) -> T) -> T? {
            guard let node = value(key), !node.isNull else { return nil }
            do { return try read(node) } catch { reasons.append(error.description); return nil }
        }
        prefs.name = field("name") { node throws(SubscriberFieldError) in try SubscriberValidation.name(try text(node, key: "name")) } ?? nil
        prefs.query = field("query") { node throws(SubscriberFieldError) in try cache.query(try text(node, key: "query")) } ?? nil
        prefs.categories = field("categories") { node throws(SubscriberFieldError) in try cache.categories(try list(node, key: "categories")) } ?? []
        prefs.authors = field("authors") { node throws(SubscriberFieldError) in try SubscriberValidation.authors(try list(node, key: "authors")) } ?? []
        prefs.minUpvotes = field("min_upvotes") { node throws(SubscriberFieldError) in try SubscriberValidation.minUpvotes(try integer(node, key: "min_upvotes")) } ?? 0
        prefs.maxPapers = field("max_papers") { node throws(SubscriberFieldError) in try SubscriberValidation.maxPapers(try integer(node, key: "max_papers")) }
        prefs.schedule = field("schedule") { node throws(SubscriberFieldError) in try cache.schedule(try text(node, key: "schedule")) }
        prefs.format = field("format") { node throws(SubscriberFieldError) in
            let text = try text(node, key: "format")
            if let format = DigestFormat(rawValue: text) { return format }
            return try SubscriberValidation.format(text)
        } ?? .both
        prefs.paused = field("paused") { node throws(SubscriberFieldError) in try boolean(node, key: "paused") } ?? false
        prefs.likes = field("like") { node throws(SubscriberFieldError) in try SubscriberValidation.likes(try list(node, key: "like")) } ?? []
        prefs.dislikes = field("dislike") { node throws(SubscriberFieldError) in try SubscriberValidation.likes(try list(node, key: "dislike"), field: "dislike") } ?? []

        if !reasons.isEmpty { throw EntryFailure(email: emailText, reasons: reasons) }
        return prefs
    }

    static func text(_ node: YAMLValue, key: String) throws(SubscriberFieldError) -> String {
        guard let value = node.scalarText else {
            throw SubscriberFieldError(field: key, message: "expected text, found \(node.described)")
        }
        return value
    }

    static func list(_ node: YAMLValue, key: String) throws(SubscriberFieldError) -> [String] {
        switch node {
        case .sequence(let items):
            var values: [String] = []
            values.reserveCapacity(items.count)
            for item in items {
                guard let value = item.scalarText else {
                    throw SubscriberFieldError(field: key, message: "expected a list of names, found \(item.described) in it")
                }
                values.append(value)
            }
            return values
        case .scalar(let text, _, _):
            return text.split(separator: ",").map(String.init)
        case .mapping:
            throw SubscriberFieldError(field: key, message: "expected a list such as [cs.LG, cs.CL]")
        }
    }

    /// The index of `key` in `keys`.
    static func slot(_ key: String) -> Int {
        switch key {
        case "email": 0
        case "name": 1
        case "query": 2
        case "categories": 3
        case "authors": 4
        case "min_upvotes": 5
        case "max_papers": 6
        case "schedule": 7
        case "format": 8
        case "paused": 9
        case "like": 10
        default: 11
        }
    }

    static func integer(_ node: YAMLValue, key: String) throws(SubscriberFieldError) -> Int {
        guard let text = node.scalarText, let value = Int(text) ?? Int(TextNormalizer.trimmed(text)) else {
            throw SubscriberFieldError(field: key, message: "expected a whole number, found \(node.described)")
        }
        return value
    }

    static func boolean(_ node: YAMLValue, key: String) throws(SubscriberFieldError) -> Bool {
        let text = node.scalarText
        if text == "false" { return false }
        if text == "true" { return true }
        switch text?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw SubscriberFieldError(field: key, message: "expected true or false, found \(node.described)")
        }
    }
}

/// Everything wrong with a subscriber file.
public struct SubscriberFileError: Error, CustomStringConvertible, Sendable {
    public struct Problem: Sendable, Equatable {
        /// 1-based entry position, or nil for a problem with the whole file.
        public var position: Int?
        /// The entry's address as written, when it has one.
        public var email: String?
        public var reason: String
    }

    public var file: String
    public var problems: [Problem]

    public var description: String {
        let lines = problems.map { problem -> String in
            var place = problem.position.map { "entry \($0)" } ?? "the file"
            if let email = problem.email { place += " (\(email.debugEscaped))" }
            return "\(file): \(place): \(problem.reason)"
        }
        if problems.count == 1 { return lines[0] }
        return "\(problems.count) entries need fixing; nothing was changed:\n" + lines.joined(separator: "\n")
    }
}

extension EmailAddress {
    /// Stands in while an entry with a bad address is checked for more problems; never stored.
    static let placeholder = try! EmailAddress(parsing: "invalid@invalid.invalid")
}

/// YAML scalars written so any YAML reader reads back the same text.
enum YAMLText {
    static let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]
    static let flowIndicators = Set(",[]{}".utf8)

    static func scalar(_ text: String, inFlow: Bool = false) -> String {
        isPlainSafe(text, inFlow: inFlow) ? text : "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func flowList(_ items: [String]) -> String {
        "[" + items.map { scalar($0, inFlow: true) }.joined(separator: ", ") + "]"
    }

    static func isPlainSafe(_ text: String, inFlow: Bool) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first == " " || last == " " || last == ":" { return false }
        let bytes = Array(text.utf8)
        for (a, b) in zip(bytes, bytes.dropFirst()) where (a == UInt8(ascii: ":") && b == UInt8(ascii: " ")) || (a == UInt8(ascii: " ") && b == UInt8(ascii: "#")) {
            return false
        }
        if inFlow && bytes.contains(where: { Self.flowIndicators.contains($0) }) { return false }
        if reserved.contains(text.lowercased()) || Double(text) != nil || Int(text) != nil { return false }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return false }
        return true
    }
}

import Foundation
