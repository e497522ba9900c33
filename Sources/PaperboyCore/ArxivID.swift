/// An arXiv identifier split into its canonical id and version.
///
/// Accepts every form the feeds use: `2312.02896v2`, `arXiv:2410.18533`,
/// `http://arxiv.org/abs/2312.02896v2`, `https://arxiv.org/pdf/2312.02896v2.pdf`,
/// `oai:arXiv.org:2508.13426v1`, and old-style ids such as `math/0611846v1`
/// or `math.GT/0309136`.
public struct ArxivID: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The id without its version: what papers are keyed by.
    public var id: String
    /// The version number, when the text had one.
    public var version: Int?

    public var description: String {
        version.map { "\(id)v\($0)" } ?? id
    }

    public init(id: String, version: Int?) {
        self.id = id
        self.version = version
    }

    /// Finds the arXiv id in `text`, or returns nil when there is none.
    public init?(parsing text: String) {
        let trimmed = TextNormalizer.trimmed(text)
        var candidate = Substring(trimmed)
        // Strip the known wrappers; what is left must be exactly an id.
        for prefix in ["oai:arxiv.org:", "arxiv:"] where candidate.lowercased().hasPrefix(prefix) {
            candidate = candidate.dropFirst(prefix.count)
        }
        let lower = candidate.lowercased()
        for marker in ["arxiv.org/abs/", "arxiv.org/pdf/", "export.arxiv.org/abs/"] {
            if let range = lower.range(of: marker) {
                let offset = lower.distance(from: lower.startIndex, to: range.upperBound)
                candidate = candidate.dropFirst(offset)
                break
            }
        }
        if candidate.lowercased().hasSuffix(".pdf") { candidate = candidate.dropLast(4) }
        while candidate.last == "/" { candidate = candidate.dropLast() }
        guard let parsed = ArxivID.parseBare(candidate) else { return nil }
        self = parsed
    }

    /// Parses `NNNN.NNNNN[vN]` or `archive[.SUB]/NNNNNNN[vN]`.
    private static func parseBare(_ text: Substring) -> ArxivID? {
        var body = text
        var version: Int?
        if let v = body.lastIndex(of: "v"), v != body.startIndex,
           body[body.index(after: v)...].allSatisfy(\.isASCIIDigit),
           body.index(after: v) != body.endIndex,
           body[body.index(before: v)].isASCIIDigit {
            version = Int(body[body.index(after: v)...])
            body = body[..<v]
        }
        if isNewStyle(body) || isOldStyle(body) {
            return ArxivID(id: String(body), version: version)
        }
        return nil
    }

    /// `YYMM.NNNN` (2007–2014) or `YYMM.NNNNN` (2015 on).
    private static func isNewStyle(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts[0].count == 4 && parts[0].allSatisfy(\.isASCIIDigit)
            && (4...5).contains(parts[1].count) && parts[1].allSatisfy(\.isASCIIDigit)
    }

    /// `math/0611846`, `hep-th/9901001`, `math.GT/0309136`.
    private static func isOldStyle(_ text: Substring) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 7, parts[1].allSatisfy(\.isASCIIDigit) else { return false }
        let archive = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(archive.count),
              let name = archive.first, !name.isEmpty,
              name.allSatisfy({ ($0.isASCII && $0.isLowercase) || $0 == "-" }) else { return false }
        if archive.count == 2 {
            return archive[1].count == 2 && archive[1].allSatisfy { $0.isASCII && $0.isUppercase }
        }
        return true
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
