/// What a fetched body looks like at a glance, so a feed of the wrong kind
/// gets "expected X, got Y" instead of a decoder's words.
public enum BodyShape: Equatable, Sendable {
    case empty
    /// An HTML page (a login page, an error page, a site's front page).
    case html
    /// XML with this root element's name (`feed`, `rss`, `rdf:RDF` …).
    case xml(root: String)
    case jsonArray
    case jsonObject
    /// Anything else: the first characters, for the message.
    case text(String)

    /// Looks at the first non-blank bytes (after a UTF-8 byte-order mark).
    public static func sniff(_ body: [UInt8]) -> BodyShape {
        var start = body.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < body.count, [0x20, 0x09, 0x0A, 0x0D].contains(body[start]) { start += 1 }
        guard start < body.count else { return .empty }
        let head = String(decoding: body[start..<min(body.count, start + 512)], as: UTF8.self)
        let lower = head.lowercased()
        switch body[start] {
        case UInt8(ascii: "["): return .jsonArray
        case UInt8(ascii: "{"): return .jsonObject
        case UInt8(ascii: "<"):
            if lower.hasPrefix("<!doctype html") || lower.hasPrefix("<html") { return .html }
            return .xml(root: rootElement(head) ?? "?")
        default:
            return .text(String(head.prefix(30)))
        }
    }

    /// The name of the first element after any declaration, comment or doctype.
    static func rootElement(_ head: String) -> String? {
        var rest = Substring(head)
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            if after.hasPrefix("?") || after.hasPrefix("!") {
                guard let close = after.firstIndex(of: ">") else { return nil }
                rest = after[after.index(after: close)...]
                continue
            }
            let name = after.prefix { !" \t\r\n/>".contains($0) }
            if name.lowercased() == "html" { return "html" }
            return name.isEmpty ? nil : String(name)
        }
        return nil
    }

    /// How a message names it: "HTML (starts with `<!DOCTYPE html>`)".
    public func described(_ body: [UInt8]) -> String {
        switch self {
        case .empty: return "an empty response"
        case .html: return "an HTML page (starts with `\(Self.opening(body))`)"
        case .xml(let root): return "XML whose root is <\(root)>"
        case .jsonArray: return "a JSON array"
        case .jsonObject: return "a JSON object (starts with `\(Self.opening(body))`)"
        case .text(let start): return "text that is neither JSON nor XML (starts with `\(start)`)"
        }
    }

    static func opening(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let line = text.prefix { $0 != "\n" && $0 != "\r" }
        return String(line.prefix(40)).replacingOccurrences(of: "`", with: "'")
    }
}
