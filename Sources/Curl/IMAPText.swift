/// IMAP text in both directions: folder names made safe for a command
/// (modified UTF-7, then a quoted string; CR, LF and other control
/// characters refused, so a name from the config cannot add a command),
/// and the few untagged responses `IMAPMailbox` reads.
enum IMAPText {
    struct Refused: Error {
        var reason: String
    }

    /// `name` as an IMAP quoted string: modified UTF-7 (RFC 3501 5.1.3) for
    /// anything beyond ASCII, `\` and `"` escaped. Throws for an empty name or
    /// one with control characters.
    static func quoted(_ name: String) throws(Refused) -> String {
        "\"" + (try encodedName(name)).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The folder name as the server knows it: modified UTF-7, not yet quoted.
    static func encodedName(_ name: String) throws(Refused) -> String {
        guard !name.isEmpty, name.utf8.count <= 512 else { throw Refused(reason: "a folder name must have 1 to 512 bytes") }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }) else {
            throw Refused(reason: "a folder name must not contain CR, LF or other control characters")
        }
        var result = ""
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            result += "&" + base64(pending.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }) + "-"
            pending.removeAll()
        }
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F {
                flush()
                result += scalar == "&" ? "&-" : String(scalar)
            } else {
                pending.append(contentsOf: String(scalar).utf16)
            }
        }
        flush()
        return result
    }

    /// Base64 with "," for "/" and no padding, as modified UTF-7 wants it.
    private static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,")
        var text = ""
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(0) { $0 | (Int($1.element) << (16 - 8 * $1.offset)) }
            for position in 0...chunk.count {
                text.append(alphabet[(value >> (18 - 6 * position)) & 0x3F])
            }
            index += 3
        }
        return text
    }

    /// The numbers of every `* SEARCH n n ...` line in `lines`.
    static func searchResults(_ lines: [String]) -> [UInt32] {
        lines.flatMap { line -> [UInt32] in
            let words = line.split(separator: " ")
            guard words.count >= 2, words[0] == "*", words[1].uppercased() == "SEARCH" else { return [] }
            return words.dropFirst(2).compactMap { UInt32($0) }
        }
    }

    /// The value of the last `[UIDVALIDITY n]` response code in `lines`.
    static func uidValidity(_ lines: [String]) -> String? {
        lines.compactMap { line -> String? in
            guard let range = line.range(of: "[UIDVALIDITY ", options: .caseInsensitive) else { return nil }
            let digits = line[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            return digits.isEmpty ? nil : String(digits)
        }.last
    }

    /// Whether the last `[PERMANENTFLAGS (...)]` of a SELECT lets a client
    /// keep keywords of its own (`\*`); nil when the lines hold none.
    static func keepsKeywords(_ lines: [String]) -> Bool? {
        lines.compactMap { line -> Bool? in
            guard let range = line.range(of: "[PERMANENTFLAGS (", options: .caseInsensitive) else { return nil }
            return line[range.upperBound...].prefix { $0 != ")" }.split(separator: " ").contains("\\*")
        }.last
    }

    /// The capabilities of the last `* CAPABILITY` line (or `[CAPABILITY ...]` code), upper-cased.
    static func capabilities(_ lines: [String]) -> Set<String>? {
        for line in lines.reversed() {
            let upper = line.uppercased()
            // Not "A005 OK Capability completed": only the untagged line or the response code.
            guard let range = upper.hasPrefix("* CAPABILITY ") ? upper.range(of: "CAPABILITY ") : upper.range(of: "[CAPABILITY ") else { continue }
            let tail = upper[range.upperBound...].prefix { $0 != "]" }
            return Set(tail.split(separator: " ").map(String.init))
        }
        return nil
    }
}
