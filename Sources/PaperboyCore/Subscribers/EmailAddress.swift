/// A mailbox address as RFC 5321 allows on the SMTP envelope: a dot-atom
/// local part (at most 64 characters), `@`, and a domain of letters, digits
/// and hyphens (punycode for international names); 254 characters at most.
///
/// The domain is kept lower-cased, so addresses differing only in the
/// domain's case are the same subscriber; the local part keeps its case.
public struct EmailAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let localPart: String
    public let domain: String

    public var description: String { "\(localPart)@\(domain)" }

    public static func < (lhs: EmailAddress, rhs: EmailAddress) -> Bool {
        (lhs.domain, lhs.localPart) < (rhs.domain, rhs.localPart)
    }

    /// Characters allowed in a dot-atom besides letters and digits (RFC 5322 atext).
    private static let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~")

    public init(parsing text: String) throws(EmailAddressError) {
        func fail(_ reason: String) -> EmailAddressError {
            EmailAddressError(address: text, reason: reason)
        }
        if text.isEmpty { throw fail("the address is empty") }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw fail("it contains a control character (U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(4))); line breaks are never allowed in an address")
        }
        if text.contains(" ") || text.contains("\t") { throw fail("it contains a space") }
        if !text.allSatisfy(\.isASCII) {
            throw fail("it contains non-ASCII characters; write an international domain in its punycode (xn--) form")
        }
        if text.utf8.count > 254 { throw fail("it is \(text.utf8.count) characters long; at most 254 are allowed") }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count != 2 {
            throw fail(parts.count == 1 ? "it has no @" : "it has more than one @")
        }
        let local = String(parts[0])
        let domain = String(parts[1])
        if local.isEmpty { throw fail("nothing comes before the @") }
        if local.utf8.count > 64 { throw fail("the part before the @ is longer than 64 characters") }
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") {
            throw fail("the part before the @ may not start or end with a dot or have two dots in a row")
        }
        if let bad = local.first(where: { !($0.isLetter || $0.isNumber || $0 == "." || Self.atextSymbols.contains($0)) }) {
            throw fail("the character \"\(bad)\" is not allowed before the @")
        }
        if domain.isEmpty { throw fail("nothing comes after the @") }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count < 2 { throw fail("the domain \"\(domain)\" has no dot; use a full domain such as example.org") }
        for label in labels {
            if label.isEmpty { throw fail("the domain \"\(domain)\" has an empty label (two dots in a row, or a dot at an end)") }
            if label.count > 63 { throw fail("a part of the domain is longer than 63 characters") }
            if label.hasPrefix("-") || label.hasSuffix("-") { throw fail("a part of the domain starts or ends with a hyphen") }
            if let bad = label.first(where: { !($0.isLetter || $0.isNumber || $0 == "-") }) {
                throw fail("the character \"\(bad)\" is not allowed in the domain")
            }
        }
        if labels.last!.allSatisfy(\.isNumber) { throw fail("the domain \"\(domain)\" ends in a number; use a domain name") }
        self.localPart = local
        self.domain = domain.lowercased()
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
    /// The string with control characters written as \r, \n, \t or \u{..}, for messages.
    var debugEscaped: String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
