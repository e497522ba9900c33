import Foundation
import PaperboyCore

/// Who a request to the public endpoint comes from, for the per-client
/// limit: the TCP peer, unless the peer is one of `http.trusted_proxies`;
/// then the last `X-Forwarded-For` hop that is not a trusted proxy (hops
/// further left could be made up by the client). Every address is compared
/// in `IPAddressText`'s normal form.
///
/// The limiter counts an IPv6 client by its /64 (`limitKey`): one
/// subscriber line or host usually holds a whole /64, so counting single
/// addresses would give it 2^64 fresh allowances.
enum ClientAddress {
    /// The key the per-client limit counts by: an IPv4 address as it is, an
    /// IPv6 address's first 64 bits (`2001:db8:1:2::/64`).
    static func limitKey(_ address: String) -> String {
        var bytes = in6_addr()
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        let prefix = withUnsafeBytes(of: &bytes) { Array($0.prefix(8)) }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(prefix[$0]) << 8 | UInt16(prefix[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }

    /// `forwardedFor`: every `X-Forwarded-For` header of the request, in order.
    static func resolve(peer: String?, forwardedFor: [String], trustedProxies: [String]) -> String {
        let peer = peer ?? "unknown"
        let trusted = Set(trustedProxies)
        guard trusted.contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            // A hop that is not an address ends the trust: the proxy passed on what a client wrote.
            guard let address = IPAddressText.normalized(hop) else { return peer }
            if !trusted.contains(address) { return address }
        }
        return peer
    }
}
