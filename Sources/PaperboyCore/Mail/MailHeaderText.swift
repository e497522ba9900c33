/// Makes feed, subscriber and config text safe for a header: nothing that
/// reaches `HeaderWriter` can end a line or start another header.
public enum MailHeaderText {
    /// The text as it is written into a header: control characters (CR, LF,
    /// NUL, ...) dropped, every run of whitespace one space, both ends trimmed.
    /// A Subject or display name decodes back to exactly this.
    public static func cleaned(_ text: String) -> String {
        isCleaned(text) ? text : TextNormalizer.collapsed(text)
    }

    /// Whether `cleaned` would return `text` unchanged: no control
    /// characters, no whitespace but single spaces between words. (Only
    /// non-ASCII characters need a look at their Unicode properties, and
    /// below U+1680 the only whitespace besides U+0085 is U+00A0.)
    static func isCleaned(_ text: String) -> Bool {
        if isCleanASCII(text) { return true }
        var previousWasSpace = true
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0x20 {
                if previousWasSpace { return false }
                previousWasSpace = true
                continue
            }
            if value < 0x20 || (0x7F...0x9F).contains(value) || (value >= 0x1680 && scalar.properties.isWhitespace) || value == 0xA0 { return false }
            previousWasSpace = false
        }
        return !previousWasSpace || text.isEmpty
    }

    /// Whether `text` is printable ASCII with single spaces between words
    /// and none at either end: what `cleaned` would return unchanged.
    static func isCleanASCII(_ text: String) -> Bool {
        var previous: UInt8 = 0x20
        for byte in text.utf8 {
            if byte == 0x20 {
                if previous == 0x20 { return false }
            } else if byte < 0x21 || byte > 0x7E {
                return false
            }
            previous = byte
        }
        return previous != 0x20 || text.isEmpty
    }

    /// RFC 5322 atext: letters, digits and !#$%&'*+-/=?^_`{|}~.
    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E: return true
        default: return false
        }
    }

    /// Whether cleaned `text` can be written as plain words folded at its
    /// spaces: printable ASCII, no "=?" (a reader would take it for an
    /// encoded-word), the first word fits in `firstRoom` and every other
    /// word on a continuation line.
    static func fitsAsWords(_ text: String, firstRoom: Int) -> Bool {
        var wordLength = 0
        var isFirstWord = true
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte < 0x20 || byte >= 0x7F { return false }
            if byte == 0x3F && previous == 0x3D { return false }
            previous = byte
            if byte == 0x20 {
                if wordLength > (isFirstWord ? firstRoom : HeaderWriter.preferredLineLength - 1) { return false }
                isFirstWord = false
                wordLength = 0
            } else {
                wordLength += 1
            }
        }
        return wordLength <= (isFirstWord ? firstRoom : HeaderWriter.preferredLineLength - 1)
    }

    /// Whether a word must be an encoded-word: it is not ASCII, or it holds
    /// "=?" (a reader would take it for the start of an encoded-word).
    static func needsEncoding(_ word: Substring) -> Bool {
        var previous: UInt8 = 0
        for byte in word.utf8 {
            if byte >= 0x7F || (byte == 0x3F && previous == 0x3D) { return true }
            previous = byte
        }
        return false
    }

    /// A quoted-string with `"` and `\` escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        out.append("\"")
        return out
    }

    /// A Message-ID or List-Id identifier: angle brackets and everything but
    /// atext, "." and "@" removed.
    static func identifier(_ text: String) -> String {
        String(decoding: text.utf8.filter { isAtext($0) || $0 == 0x2E || $0 == 0x40 }, as: UTF8.self)
    }

    /// The longest List-Unsubscribe URL kept: with "List-Unsubscribe: <" and
    /// ">," it stays under the 998-character line limit.
    static let maximumURLLength = 900

    /// `url` when it can go between angle brackets in List-Unsubscribe:
    /// http(s) or mailto, printable ASCII without spaces, `<`, `>`, and at
    /// most `maximumURLLength` long; nil otherwise.
    static func unsubscribeURL(_ url: String) -> String? {
        let bytes = url.utf8
        guard !bytes.isEmpty, bytes.count <= maximumURLLength else { return nil }
        for byte in bytes where byte <= 0x20 || byte >= 0x7F || byte == 0x3C || byte == 0x3E || byte == 0x22 {
            return nil
        }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") else { return nil }
        return url
    }

    /// Splits "Phrase <id>" into its cleaned phrase and identifier; a value
    /// without angle brackets is all identifier.
    static func listID(_ value: String) -> (phrase: String, id: String) {
        guard let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") else {
            return ("", identifier(value))
        }
        return (cleaned(String(value[..<open])), identifier(String(value[value.index(after: open)..<close])))
    }
}
