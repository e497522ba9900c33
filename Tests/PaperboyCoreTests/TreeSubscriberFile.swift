@testable import PaperboyCore
import Yams

/// The subscriber-file reader as it was before it read events: Yams composes
/// the whole file into a node tree, then the entries are read from it. Kept
/// here only so `StreamingSubscriberFileTests` can check the streaming
/// reader gives the same entries and the same problems on varied files.
enum TreeSubscriberFile {
    static func parse(_ text: String, file: String, allowCaseVariants: Bool = false) throws(SubscriberFileError) -> [SubscriberPreferences] {
        let root = try composeYAML(text, file: file)
        guard let root, let mapping = root.mapping else {
            throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: "the file must be a mapping with one key, subscribers, holding a list of entries")])
        }
        var list: Node?
        for (key, value) in mapping {
            guard key.string == "subscribers" else {
                throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: "unknown top-level key \"\(key.string ?? "?")\"; the only key is subscribers")])
            }
            list = value
        }
        guard let list else {
            throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: "missing the subscribers key")])
        }
        if case .scalar(let scalar) = list, scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" {
            return []
        }
        guard case .sequence(let items) = list else {
            throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: "subscribers must be a list of entries (lines starting with \"- \")")])
        }
        var result: [SubscriberPreferences] = []
        var problems: [SubscriberFileError.Problem] = []
        var firstPosition: [EmailAddress: Int] = [:]
        var firstFolded: [String: (position: Int, email: EmailAddress)] = [:]
        let cache = PreferenceParseCache()
        for (offset, item) in items.enumerated() {
            let position = offset + 1
            do {
                let entry = try readEntry(item, cache: cache)
                let folded = entry.email.caseFolded
                if let earlier = firstPosition[entry.email] {
                    problems.append(.init(position: position, email: entry.email.description, reason: "the address is already listed at entry \(earlier)"))
                } else if !allowCaseVariants, let variant = firstFolded[folded] {
                    problems.append(.init(position: position, email: entry.email.description,
                                          reason: "the address differs only in case from \(variant.email) at entry \(variant.position); mail servers treat them as one mailbox, so list it once (or use --allow-case-variant if they really are two)"))
                } else {
                    if firstFolded[folded] == nil { firstFolded[folded] = (position, entry.email) }
                    firstPosition[entry.email] = position
                    result.append(entry)
                }
            } catch {
                problems.append(.init(position: position, email: error.email, reason: error.reasons.joined(separator: "; ")))
            }
        }
        if !problems.isEmpty { throw SubscriberFileError(file: file, problems: problems) }
        return result
    }

    static func readEntry(_ node: Node, cache: PreferenceParseCache) throws(SubscriberFile.EntryFailure) -> SubscriberPreferences {
        let keys = SubscriberFile.keys
        guard let mapping = node.mapping else {
            throw SubscriberFile.EntryFailure(email: nil, reasons: ["an entry must be a mapping of keys (email, name, ...) to values"])
        }
        var values: [String: Node] = [:]
        var reasons: [String] = []
        for (key, value) in mapping {
            let name = key.string ?? "?"
            if !keys.contains(name) {
                let hint = ConfigReader.nearest(name, in: keys).map { " (did you mean \($0)?)" } ?? ""
                reasons.append("unknown key \"\(name)\"\(hint); allowed keys: \(keys.joined(separator: ", "))")
            } else if values[name] != nil {
                reasons.append("\(name): the key appears twice")
            } else {
                values[name] = value
            }
        }
        let emailText = values["email"].flatMap(scalarText)
        var email: EmailAddress?
        if let emailText {
            do { email = try SubscriberValidation.email(emailText) } catch { reasons.append(error.description) }
        } else {
            reasons.append("email: missing; every entry needs an address")
        }
        var prefs = SubscriberPreferences(email: email ?? EmailAddress.placeholder)

        func field<T>(_ key: String, _ read: (Node) throws(SubscriberFieldError) -> T) -> T? {
            guard let node = values[key], !isNull(node) else { return nil }
            do { return try read(node) } catch { reasons.append(error.description); return nil }
        }
        prefs.name = field("name") { node throws(SubscriberFieldError) in try SubscriberValidation.name(try text(node, key: "name")) } ?? nil
        prefs.query = field("query") { node throws(SubscriberFieldError) in try cache.query(try text(node, key: "query")) } ?? nil
        prefs.categories = field("categories") { node throws(SubscriberFieldError) in try SubscriberValidation.categories(try list(node, key: "categories")) } ?? []
        prefs.authors = field("authors") { node throws(SubscriberFieldError) in try SubscriberValidation.authors(try list(node, key: "authors")) } ?? []
        prefs.minUpvotes = field("min_upvotes") { node throws(SubscriberFieldError) in try SubscriberValidation.minUpvotes(try integer(node, key: "min_upvotes")) } ?? 0
        prefs.maxPapers = field("max_papers") { node throws(SubscriberFieldError) in try SubscriberValidation.maxPapers(try integer(node, key: "max_papers")) }
        prefs.schedule = field("schedule") { node throws(SubscriberFieldError) in try cache.schedule(try text(node, key: "schedule")) }
        prefs.format = field("format") { node throws(SubscriberFieldError) in try SubscriberValidation.format(try text(node, key: "format")) } ?? .both
        prefs.paused = field("paused") { node throws(SubscriberFieldError) in try boolean(node, key: "paused") } ?? false
        prefs.likes = field("like") { node throws(SubscriberFieldError) in try SubscriberValidation.likes(try list(node, key: "like")) } ?? []
        prefs.dislikes = field("dislike") { node throws(SubscriberFieldError) in try SubscriberValidation.likes(try list(node, key: "dislike"), field: "dislike") } ?? []

        if !reasons.isEmpty { throw SubscriberFile.EntryFailure(email: emailText, reasons: reasons) }
        return prefs
    }

    static func composeYAML(_ text: String, file: String) throws(SubscriberFileError) -> Node? {
        do {
            return try Yams.compose(yaml: text, Resolver.basic)
        } catch let error as YamlError {
            throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: "not valid YAML: \(PaperboyConfig.describe(error))")])
        } catch {
            throw SubscriberFileError(file: file, problems: [.init(position: nil, email: nil, reason: "not valid YAML: \(error)")])
        }
    }

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null"
    }

    static func scalarText(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node else { return nil }
        return scalar.string
    }

    static func text(_ node: Node, key: String) throws(SubscriberFieldError) -> String {
        guard let value = scalarText(node) else {
            throw SubscriberFieldError(field: key, message: "expected text, found \(ConfigReader.describe(node))")
        }
        return value
    }

    static func list(_ node: Node, key: String) throws(SubscriberFieldError) -> [String] {
        switch node {
        case .sequence(let items):
            var values: [String] = []
            for item in items {
                guard let value = scalarText(item) else {
                    throw SubscriberFieldError(field: key, message: "expected a list of names, found \(ConfigReader.describe(item)) in it")
                }
                values.append(value)
            }
            return values
        case .scalar(let scalar):
            return scalar.string.split(separator: ",").map(String.init)
        default:
            throw SubscriberFieldError(field: key, message: "expected a list such as [cs.LG, cs.CL]")
        }
    }

    static func integer(_ node: Node, key: String) throws(SubscriberFieldError) -> Int {
        guard let text = scalarText(node), let value = Int(TextNormalizer.trimmed(text)) else {
            throw SubscriberFieldError(field: key, message: "expected a whole number, found \(ConfigReader.describe(node))")
        }
        return value
    }

    static func boolean(_ node: Node, key: String) throws(SubscriberFieldError) -> Bool {
        switch scalarText(node)?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw SubscriberFieldError(field: key, message: "expected true or false, found \(ConfigReader.describe(node))")
        }
    }
}
