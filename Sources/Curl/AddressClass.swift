import CCurlShims

/// What kind of network an IP address belongs to, for the redirect rule:
/// a redirect that leaves the configured URL's origin may only connect to
/// a `.public` address.
public enum AddressClass: Int, Sendable, CaseIterable {
    case `public` = 0
    /// 127.0.0.0/8, ::1.
    case loopback = 1
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    case `private` = 2
    /// 169.254/16 (cloud metadata lives here), fe80::/10.
    case linkLocal = 3
    /// fc00::/7.
    case uniqueLocal = 4
    /// 0.0.0.0/8, ::, and the deprecated IPv4-compatible ::a.b.c.d.
    case unspecified = 5
    /// 100.64/10, carrier-grade NAT.
    case shared = 6
    /// Neither IPv4 nor IPv6.
    case unknownFamily = 7

    /// Classifies a numeric IPv4 or IPv6 address ("10.0.0.1", "::ffff:127.0.0.1");
    /// nil when `text` is not one. IPv4-mapped and NAT64 (64:ff9b::/96) IPv6
    /// addresses are classified by the IPv4 address they carry.
    public init?(address text: String) {
        let raw = text.withCString { CCurlShims_classify_address_text($0) }
        guard raw >= 0, let value = AddressClass(rawValue: Int(raw)) else { return nil }
        self = value
    }

    /// "a loopback address", for error messages.
    public var phrase: String {
        switch self {
        case .public: return "a public address"
        case .loopback: return "a loopback address"
        case .private: return "a private (RFC 1918) address"
        case .linkLocal: return "a link-local address"
        case .uniqueLocal: return "a unique-local address"
        case .unspecified: return "an unspecified address"
        case .shared: return "a carrier-grade NAT (100.64.0.0/10) address"
        case .unknownFamily: return "not an IPv4 or IPv6 address"
        }
    }
}

/// The one rule for a host name that never leaves the machine (localhost,
/// 127.0.0.0/8, [::1]): where the SMTP transport and the return mailbox may
/// go without TLS.
enum LoopbackHost {
    /// `host` as a URL writes it (an IPv6 address in brackets), without the port.
    static func contains(_ host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name == "localhost." || name == "[::1]" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
