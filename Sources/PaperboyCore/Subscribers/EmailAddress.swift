/// A mailbox address as RFC 5321 allows on the SMTP envelope: a dot-atom
/// local part (at most 64 characters), `@`, and a domain of letters, digits
/// and hyphens (punycode for international names); 254 characters at most.
///
/// The domain is kept lower-cased, so addresses differing only in the
/// domain's case are the same subscriber; the local part keeps its case
/// (some servers tell `Judy` from `judy`), but `caseFolded` is what the
/// store compares to catch a second subscriber that differs only in case.
///
/// An international domain (`bücher.example`) is converted to its punycode
/// form (`xn--bcher-kva.example`), and that is the address kept, shown and
/// used: one form everywhere, the one on the envelope. A non-ASCII local
/// part is refused (it would need SMTPUTF8).
public struct EmailAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let localPart: String
    public let domain: String

    public var description: String { "\(localPart)@\(domain)" }

    /// The whole address lower-cased: equal for case variants such as
    /// `Judy@example.org` and `judy@example.org`.
    public var caseFolded: String { "\(localPart.lowercased())@\(domain)" }

    public static func < (lhs: EmailAddress, rhs: EmailAddress) -> Bool {
        (lhs.domain, lhs.localPart) < (rhs.domain, rhs.localPart)
    }

    /// Bytes allowed in a dot-atom besides letters and digits (RFC 5322 atext).
    private static let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~".utf8)

    /// Checks the address byte by byte (imports check 100,000 of them).
    public init(parsing given: String) throws(EmailAddressError) {
        let text = given
        func fail(_ reason: String) -> EmailAddressError {
            EmailAddressError(address: text, reason: reason)
        }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { throw fail("the address is empty") }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw fail("it contains a control character (U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(4))); line breaks are never allowed in an address")
        }
        if bytes.contains(0x20) { throw fail("it contains a space") }
        if bytes.contains(where: { $0 >= 0x80 }) {
            // An international domain becomes punycode; a non-ASCII local part would need SMTPUTF8.
            guard let at = text.lastIndex(of: "@") else { throw fail("it has no @") }
            let localText = text[..<at]
            if localText.unicodeScalars.contains(where: { $0.value >= 0x80 }) {
                throw fail("the part before the @ contains non-ASCII characters, which need SMTPUTF8 (not supported); only the domain may be international")
            }
            guard let ascii = Punycode.asciiDomain(String(text[text.index(after: at)...])) else {
                throw fail("the international domain cannot be converted to punycode")
            }
            bytes = Array((String(localText) + "@" + ascii).utf8)
        }
        if bytes.count > 254 { throw fail("it is \(bytes.count) characters long; at most 254 are allowed") }
        let at = UInt8(ascii: "@")
        let dot = UInt8(ascii: ".")
        let hyphen = UInt8(ascii: "-")
        let ats = bytes.indices.filter { bytes[$0] == at }
        if ats.count != 1 {
            throw fail(ats.isEmpty ? "it has no @" : "it has more than one @")
        }
        let local = bytes[..<ats[0]]
        let domain = bytes[(ats[0] + 1)...]
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        func character(_ byte: UInt8) -> String { String(UnicodeScalar(byte)) }
        if local.isEmpty { throw fail("nothing comes before the @") }
        if local.count > 64 { throw fail("the part before the @ is longer than 64 characters") }
        if local.first == dot || local.last == dot || zip(local, local.dropFirst()).contains(where: { $0 == dot && $1 == dot }) {
            throw fail("the part before the @ may not start or end with a dot or have two dots in a row")
        }
        if let bad = local.first(where: { !(isAlphanumeric($0) || $0 == dot || Self.atextSymbols.contains($0)) }) {
            throw fail("the character \"\(character(bad))\" is not allowed before the @")
        }
        let domainText = String(decoding: domain, as: UTF8.self)
        if domain.isEmpty { throw fail("nothing comes after the @") }
        let labels = domain.split(separator: dot, omittingEmptySubsequences: false)
        if labels.count < 2 { throw fail("the domain \"\(domainText)\" has no dot; use a full domain such as example.org") }
        for label in labels {
            if label.isEmpty { throw fail("the domain \"\(domainText)\" has an empty label (two dots in a row, or a dot at an end)") }
            if label.count > 63 { throw fail("a part of the domain is longer than 63 characters") }
            if label.first == hyphen || label.last == hyphen { throw fail("a part of the domain starts or ends with a hyphen") }
            if let bad = label.first(where: { !(isAlphanumeric($0) || $0 == hyphen) }) {
                throw fail("the character \"\(character(bad))\" is not allowed in the domain")
            }
        }
        if labels.last!.allSatisfy({ (0x30...0x39).contains($0) }) { throw fail("the domain \"\(domainText)\" ends in a number; use a domain name") }
        self.localPart = String(decoding: local, as: UTF8.self)
        self.domain = domainText.lowercased()
    }
}

/// Why an address was refused.
public struct EmailAddressError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The text as given (control characters are shown escaped in `description`).
    public var address: String
    public var reason: String

    public var description: String {
        "\"\(address.debugEscaped)\" is not a valid email address: \(reason)"
    }
}

extension String {
    /// The string with control characters (C0, DEL, C1) written as \r, \n,
    /// \t or \u{..}, for messages and the terminal: text from outside (an
    /// address, a remote server's words) cannot move the cursor or recolour it.
    public var debugEscaped: String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
