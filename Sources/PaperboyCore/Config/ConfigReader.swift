import Yams

/// Reads one YAML mapping strictly: every key must be read by the caller,
/// and `finish()` reports any key that was not, with the keys allowed there.
struct ConfigReader {
    let file: String
    let path: String
    private let pairs: [(key: String, value: Node)]
    private var used: Set<String> = []

    /// Reads a mapping whose keys must all be in `allowed`: an unknown key
    /// (a typo, usually) is reported before anything else, with the nearest
    /// allowed key, so `sorces:` is never reported as "sources: missing".
    init(node: Node, file: String, path: String, allowed: [String]) throws(ConfigError) {
        try self.init(node: node, file: file, path: path)
        for (key, _) in pairs where !allowed.contains(key) {
            let place = path.isEmpty ? "at the top level" : "in \(path)"
            let suggestion = ConfigReader.nearest(key, in: allowed).map { " (did you mean \($0)?)" } ?? ""
            throw ConfigError(
                file: file, key: keyPath(key),
                message: "unknown key \(place)\(suggestion); allowed keys: \(allowed.joined(separator: ", "))"
            )
        }
    }

    /// The allowed key closest to a misspelt one, if it is close (edit distance at most 2).
    static func nearest(_ key: String, in allowed: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for i in 1...max(1, a.count) where !a.isEmpty {
                var current = [i] + Array(repeating: 0, count: b.count)
                for j in 1...max(1, b.count) where !b.isEmpty {
                    current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                previous = current
            }
            return a.isEmpty ? b.count : (b.isEmpty ? a.count : previous[b.count])
        }
        let scored = allowed.map { ($0, distance(Array(key.lowercased()), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    init(node: Node, file: String, path: String) throws(ConfigError) {
        self.file = file
        self.path = path
        guard let mapping = node.mapping else {
            throw ConfigError(file: file, key: path, message: "expected a mapping of keys to values, found \(ConfigReader.describe(node))")
        }
        var pairs: [(String, Node)] = []
        var seen = Set<String>()
        for (key, value) in mapping {
            guard let name = key.string else {
                throw ConfigError(file: file, key: path, message: "keys must be plain strings, found \(ConfigReader.describe(key))")
            }
            if !seen.insert(name).inserted {
                throw ConfigError(file: file, key: path.isEmpty ? name : "\(path).\(name)", message: "the key appears twice; keep one")
            }
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    func keyPath(_ key: String) -> String { join(path, key) }

    private func join(_ base: String, _ key: String) -> String {
        base.isEmpty ? key : "\(base).\(key)"
    }

    mutating func node(_ key: String) -> Node? {
        used.insert(key)
        guard let value = pairs.first(where: { $0.key == key })?.value else { return nil }
        if case .scalar(let scalar) = value, scalar.tag.description == Tag.Name.null.rawValue || (scalar.string == "" && scalar.style == .plain) || scalar.string == "~" || scalar.string == "null" {
            return nil
        }
        return value
    }

    func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, key: keyPath(key), message: message)
    }

    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = node(key) else { return nil }
        guard case .scalar(let scalar) = value else {
            throw error(key, "expected a text value, found \(ConfigReader.describe(value))")
        }
        return scalar.string
    }

    mutating func requiredString(_ key: String, what: String) throws(ConfigError) -> String {
        guard let value = try string(key), !value.isEmpty else {
            throw error(key, "missing; set it to \(what)")
        }
        return value
    }

    /// A duration within `range` (seconds), written with a unit.
    mutating func duration(_ key: String, in range: ClosedRange<Double>) throws(ConfigError) -> Double? {
        guard let text = try string(key) else { return nil }
        guard let seconds = ConfigDuration.parseSeconds(text) else {
            throw error(key, "\"\(text)\" is not a duration; use a number with a unit: 30s, 15m, 6h, 1d")
        }
        guard range.contains(seconds) else {
            throw error(key, "\(text) is out of range; use \(ConfigDuration.describe(range.lowerBound)) to \(ConfigDuration.describe(range.upperBound))")
        }
        return seconds
    }

    /// A size in bytes within `range`, written with a unit.
    mutating func byteSize(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let text = try string(key) else { return nil }
        guard let bytes = ByteSize.parse(text) else {
            throw error(key, "\"\(text)\" is not a size; use bytes or a unit: 500KB, 20MB, 1GB")
        }
        guard range.contains(bytes) else {
            throw error(key, "\(text) is out of range; use \(range.lowerBound / 1024)KB to \(range.upperBound >> 20)MB")
        }
        return bytes
    }

    mutating func sequence(_ key: String) throws(ConfigError) -> [Node]? {
        guard let value = node(key) else { return nil }
        guard case .sequence(let items) = value else {
            throw error(key, "expected a list (lines starting with \"- \"), found \(ConfigReader.describe(value))")
        }
        return Array(items)
    }

    mutating func mapping(_ key: String, allowed: [String]) throws(ConfigError) -> ConfigReader? {
        guard let value = node(key) else { return nil }
        return try ConfigReader(node: value, file: file, path: keyPath(key), allowed: allowed)
    }

    /// Fails on the first key nobody read, listing the keys allowed here.
    func finish(allowed: [String]) throws(ConfigError) {
        for (key, _) in pairs where !used.contains(key) {
            let place = path.isEmpty ? "at the top level" : "in \(path)"
            throw ConfigError(
                file: file, key: keyPath(key),
                message: "unknown key \(place); allowed keys: \(allowed.joined(separator: ", "))"
            )
        }
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// Durations written as `90s`, `15m`, `6h`, `1d` or a bare number of seconds.
public enum ConfigDuration {
    /// `1d`, `6h`, `90s` or `250ms`, for messages.
    static func describe(_ seconds: Double) -> String {
        for (unit, size) in [("d", 86400.0), ("h", 3600), ("m", 60), ("s", 1)] where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        return "\(Int(seconds * 1000))ms"
    }

    public static func parseSeconds(_ text: String) -> Double? {
        let trimmed = TextNormalizer.trimmed(text).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let value = Double(number), value > 0, value.isFinite { return value * factor }
        }
        if let value = Double(trimmed), value > 0, value.isFinite { return value }
        return nil
    }
}

/// Sizes written as `1048576`, `500KB`, `20MB`, `1GB` (powers of 1024).
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let trimmed = TextNormalizer.trimmed(text).uppercased()
        let units: [(String, Int)] = [("KIB", 1 << 10), ("MIB", 1 << 20), ("GIB", 1 << 30), ("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let value = Int(number), value > 0 {
                let (bytes, overflow) = value.multipliedReportingOverflow(by: factor)
                return overflow ? Int.max : bytes
            }
        }
        if let value = Int(trimmed), value > 0 { return value }
        return nil
    }
}

import Foundation
