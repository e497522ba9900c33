/// Checks each subscriber field as a person typed it, turning text into
/// validated values or a `SubscriberFieldError` that names the field.
public enum SubscriberValidation {
    public static let maxPapersRange = 1...100
    static let maxNameLength = 200

    public static func email(_ text: String) throws(SubscriberFieldError) -> EmailAddress {
        do {
            return try EmailAddress(parsing: text)
        } catch {
            throw SubscriberFieldError(field: "email", message: error.description)
        }
    }

    /// A display name: whitespace collapsed, no control characters; empty means none.
    public static func name(_ text: String) throws(SubscriberFieldError) -> String? {
        try cleanText(text, field: "name")
    }

    public static func query(_ text: String) throws(SubscriberFieldError) -> Query? {
        if TextNormalizer.trimmed(text).isEmpty { return nil }
        try rejectControlCharacters(text, field: "query")
        do {
            return try Query.parse(text)
        } catch {
            throw SubscriberFieldError(field: "query", message: "\(error.description) in \"\(text)\"")
        }
    }

    /// arXiv categories (`cs.LG`) or archives (`cs`, `hep-th`), de-duplicated, order kept.
    public static func categories(_ values: [String]) throws(SubscriberFieldError) -> [String] {
        var result: [String] = []
        for value in values {
            let category = TextNormalizer.trimmed(value)
            guard ArxivCategory.isValid(category) else {
                throw SubscriberFieldError(field: "categories", message: "\"\(category.debugEscaped)\" is not an arXiv category; use names such as cs.LG, stat.ML, math.NA or an archive such as cs")
            }
            if !result.contains(category) { result.append(category) }
        }
        return result
    }

    public static func authors(_ values: [String]) throws(SubscriberFieldError) -> [String] {
        var result: [String] = []
        for value in values {
            guard let author = try cleanText(value, field: "authors") else {
                throw SubscriberFieldError(field: "authors", message: "an author name is empty")
            }
            if !result.contains(author) { result.append(author) }
        }
        return result
    }

    public static func minUpvotes(_ value: Int) throws(SubscriberFieldError) -> Int {
        guard value >= 0 else {
            throw SubscriberFieldError(field: "min_upvotes", message: "\(value) is negative; use 0 or more")
        }
        return value
    }

    public static func maxPapers(_ value: Int) throws(SubscriberFieldError) -> Int {
        guard maxPapersRange.contains(value) else {
            throw SubscriberFieldError(field: "max_papers", message: "\(value) is out of range; use 1 to 100")
        }
        return value
    }

    public static func schedule(_ text: String) throws(SubscriberFieldError) -> Schedule {
        do {
            return try Schedule.parse(text)
        } catch {
            throw SubscriberFieldError(field: "schedule", message: error.description)
        }
    }

    public static func format(_ text: String) throws(SubscriberFieldError) -> DigestFormat {
        guard let format = DigestFormat(rawValue: TextNormalizer.trimmed(text).lowercased()) else {
            throw SubscriberFieldError(field: "format", message: "\"\(text.debugEscaped)\" is not a format; use both (HTML with a text alternative) or text")
        }
        return format
    }

    /// Paper ids: arXiv ids (any version or URL form, stored without the
    /// version) or `title-…` ids; de-duplicated, order kept. `field` names
    /// the key in errors (`like` or `dislike`).
    public static func likes(_ values: [String], field: String = "like") throws(SubscriberFieldError) -> [String] {
        var result: [String] = []
        for value in values {
            let text = TextNormalizer.trimmed(value)
            let id: String
            if let arxiv = ArxivID(parsing: text) {
                id = arxiv.id
            } else if text.hasPrefix("title-"), text.count == 22, text.dropFirst(6).allSatisfy(\.isHexDigit) {
                id = text
            } else {
                throw SubscriberFieldError(field: field, message: "\"\(text.debugEscaped)\" is not a paper id; use an arXiv id such as 2410.18533 or a title-… id from `paperboy papers list`")
            }
            if !result.contains(id) { result.append(id) }
        }
        return result
    }

    static func cleanText(_ text: String, field: String) throws(SubscriberFieldError) -> String? {
        try rejectControlCharacters(text, field: field)
        let clean = TextNormalizer.collapsed(text)
        if clean.isEmpty { return nil }
        if clean.count > maxNameLength {
            throw SubscriberFieldError(field: field, message: "\"\(clean.prefix(40))…\" is \(clean.count) characters long; at most \(maxNameLength) are allowed")
        }
        return clean
    }

    /// CR, LF and other control characters could end up in a mail header: refuse them.
    static func rejectControlCharacters(_ text: String, field: String) throws(SubscriberFieldError) {
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != " ") || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
            throw SubscriberFieldError(field: field, message: "\"\(text.debugEscaped)\" contains a line break or control character, which is not allowed")
        }
    }
}

/// arXiv category names.
public enum ArxivCategory {
    /// `cs.LG`, `math.NA`, `hep-th`, `q-fin.CP`, `cond-mat.str-el`, or an archive such as `cs`.
    public static func isValid(_ term: String) -> Bool {
        let parts = term.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let archive = parts.first, archive.count >= 2,
              archive.allSatisfy({ ($0.isASCII && $0.isLowercase) || $0 == "-" }) else { return false }
        if parts.count == 2 {
            let sub = parts[1]
            return !sub.isEmpty && sub.allSatisfy { ($0.isASCII && $0.isLetter) || $0 == "-" }
        }
        return true
    }
}
