/// What only `paperboy run` uses: where its HTTP endpoint listens and how
/// long a stop may take.
///
/// ```yaml
/// http:
///   listen: 127.0.0.1:8080    # behind a reverse proxy that serves base_url
///   idle_timeout: 30s         # idle or slow connections are closed after this
///   max_connections: 1000     # more wait in the kernel's queue until one closes
/// shutdown_timeout: 30s
/// ```
public struct DaemonSettings: Sendable, Equatable {
    /// Host (IPv4, IPv6 in brackets, or a name) and port of the HTTP endpoint
    /// (`http.listen`, default 127.0.0.1:8080).
    public var listenHost = "127.0.0.1"
    public var listenPort = 8080
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

    public init() {}

    /// `host:port` as written in the config.
    public var listen: String {
        listenHost.contains(":") ? "[\(listenHost)]:\(listenPort)" : "\(listenHost):\(listenPort)"
    }

    static let httpKeys = ["listen", "idle_timeout", "max_connections"]

    static func read(_ top: inout ConfigReader) throws(ConfigError) -> DaemonSettings {
        var settings = DaemonSettings()
        if var http = try top.mapping("http", allowed: httpKeys) {
            if let text = try http.string("listen") {
                guard let (host, port) = parseListen(text) else {
                    throw http.error("listen", "\"\(text)\" is not host:port; use something like 127.0.0.1:8080 or [::1]:8080 (port 1 to 65535)")
                }
                settings.listenHost = host
                settings.listenPort = port
            }
            try readLimits(&http, into: &settings)
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
