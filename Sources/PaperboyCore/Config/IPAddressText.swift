import Foundation

/// IP addresses as text, compared in one written form: the one rule for
/// telling whether a peer is a trusted proxy and for keying rate limits by
/// client address.
public enum IPAddressText {
    /// The address in its normal form (`inet_ntop` of what `inet_pton`
    /// read: IPv6 compressed and lower-cased, brackets and an IPv4-mapped
    /// prefix dropped), or nil when `text` is not an IP address.
    public static func normalized(_ text: String) -> String? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("["), trimmed.hasSuffix("]") { trimmed = String(trimmed.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, trimmed, &v4) == 1 { return format(AF_INET, &v4, length: INET_ADDRSTRLEN) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, trimmed, &v6) == 1 else { return nil }
        let written = format(AF_INET6, &v6, length: INET6_ADDRSTRLEN)
        if let written, written.hasPrefix("::ffff:"), written.dropFirst(7).contains(".") { return String(written.dropFirst(7)) }
        return written
    }

    private static func format<T>(_ family: Int32, _ address: inout T, length: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(length))
        guard inet_ntop(family, &address, &buffer, socklen_t(length)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
