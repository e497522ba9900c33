import PaperboyCore

/// Who a request to the public endpoint comes from, for the per-client
/// limit: the TCP peer, unless the peer is one of `http.trusted_proxies`;
/// then the last `X-Forwarded-For` hop that is not a trusted proxy (hops
/// further left could be made up by the client). Every address is compared
/// in `IPAddressText`'s normal form.
enum ClientAddress {
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
