/// What only `paperboy run` uses: where its HTTP endpoints listen and how
/// long a stop may take.
///
/// ```yaml
/// http:
///   listen: 127.0.0.1:8080        # the public pages (unsubscribe), behind a reverse proxy that serves base_url
///   admin_listen: 127.0.0.1:9090  # /healthz and /metrics, for monitoring only
///   idle_timeout: 30s             # idle or slow connections are closed after this
///   max_connections: 1000         # per listener; more wait in the kernel's queue until one closes
///   trusted_proxies: [127.0.0.1, ::1]  # peers whose X-Forwarded-For names the client (rate limits)
/// shutdown_timeout: 30s
/// ```
public struct DaemonSettings: Sendable, Equatable {
    /// Host (IPv4, IPv6 in brackets, or a name) and port of the public HTTP
    /// endpoint (`http.listen`, default 127.0.0.1:8080): unsubscribe only.
    public var listenHost = "127.0.0.1"
    public var listenPort = 8080
    /// Host and port of the private endpoint (`http.admin_listen`, default
    /// 127.0.0.1:9090): `/healthz` and `/metrics` only.
    public var adminListenHost = "127.0.0.1"
    public var adminListenPort = 9090
    /// How long in-flight SMTP transactions may take to finish after SIGTERM
    /// (`shutdown_timeout`, default 30s).
    public var shutdownTimeout: Double = 30
    /// An HTTP connection that sends no complete request head for this long
    /// (after connecting or after its last response) is closed: idle
    /// keep-alive connections and slow senders alike (`http.idle_timeout`,
    /// default 30s).
    public var idleTimeout: Double = 30
    /// The most HTTP connections open at once; more wait, unaccepted, until
    /// one closes (`http.max_connections`, default 1000).
    public var maxConnections = 1000
    /// Peers (IP addresses) whose `X-Forwarded-For` names the client, for the
    /// public pages' rate limits (`http.trusted_proxies`, default none: the
    /// peer address is the client). Usually the reverse proxy: 127.0.0.1, ::1.
    public var trustedProxies: [String] = []

    public init() {}

    /// `http.listen` as `host:port`.
    public var listen: String { Self.address(listenHost, listenPort) }

    /// `http.admin_listen` as `host:port`.
    public var adminListen: String { Self.address(adminListenHost, adminListenPort) }

    /// `host:port`, with an IPv6 host in brackets.
    public static func address(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static let httpKeys = ["listen", "admin_listen", "idle_timeout", "max_connections", "trusted_proxies"]

    static func read(_ top: inout ConfigReader) throws(ConfigError) -> DaemonSettings {
        var settings = DaemonSettings()
        if var http = try top.mapping("http", allowed: httpKeys) {
            if let (host, port) = try readListen(&http, "listen", example: "127.0.0.1:8080 or [::1]:8080") {
                settings.listenHost = host
                settings.listenPort = port
            }
            if let (host, port) = try readListen(&http, "admin_listen", example: "127.0.0.1:9090 or [::1]:9090") {
                settings.adminListenHost = host
                settings.adminListenPort = port
            }
            if settings.listen == settings.adminListen {
                throw http.error("admin_listen", "\(settings.adminListen) is also http.listen; give /healthz and /metrics their own port, such as 127.0.0.1:9090")
            }
            try readLimits(&http, into: &settings)
            settings.trustedProxies = try readTrustedProxies(&http)
            try http.finish(allowed: httpKeys)
        }
        if let value = try top.duration("shutdown_timeout", in: 1...3600) { settings.shutdownTimeout = value }
        return settings
    }

    /// `http.idle_timeout` and `http.max_connections`.
    static func readLimits(_ http: inout ConfigReader, into settings: inout DaemonSettings) throws(ConfigError) {
        if let value = try http.duration("idle_timeout", in: 1...3600) { settings.idleTimeout = value }
        if let text = try http.string("max_connections") {
            guard let value = Int(text), (1...100_000).contains(value) else {
                throw http.error("max_connections", "\"\(text)\" is not allowed; use a whole number from 1 to 100000 (and keep it below the unit's LimitNOFILE=)")
            }
            settings.maxConnections = value
        }
    }

    /// `http.trusted_proxies`: a list of IPv4 or IPv6 addresses, kept in
    /// their normal written form (IPv6 lower-cased, without brackets).
    static func readTrustedProxies(_ http: inout ConfigReader) throws(ConfigError) -> [String] {
        guard let nodes = try http.sequence("trusted_proxies") else { return [] }
        var addresses: [String] = []
        for (index, node) in nodes.enumerated() {
            guard case .scalar(let scalar) = node, let address = IPAddressText.normalized(scalar.string) else {
                throw http.error("trusted_proxies[\(index)]", "\(ConfigReader.describe(node)) is not an IP address; list the reverse proxy's addresses, such as 127.0.0.1 and ::1")
            }
            addresses.append(address)
        }
        return addresses
    }

    private static func readListen(_ http: inout ConfigReader, _ key: String, example: String) throws(ConfigError) -> (String, Int)? {
        guard let text = try http.string(key) else { return nil }
        guard let parsed = parseListen(text) else {
            throw http.error(key, "\"\(text)\" is not host:port; use something like \(example) (port 1 to 65535)")
        }
        return parsed
    }

    /// Splits `host:port` (`[v6]:port` for IPv6).
    static func parseListen(_ text: String) -> (String, Int)? {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        host = host.drop(while: { $0 == " " })
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:_".contains($0) }),
              let port = Int(portText), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }
}
