/// What only `paperboy run` uses: where its HTTP endpoint listens and how
/// long a stop may take.
///
/// ```yaml
/// http:
///   listen: 127.0.0.1:8080    # behind a reverse proxy that serves base_url
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

    public init() {}

    /// `host:port` as written in the config.
    public var listen: String {
        listenHost.contains(":") ? "[\(listenHost)]:\(listenPort)" : "\(listenHost):\(listenPort)"
    }

    static let httpKeys = ["listen"]

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
            try http.finish(allowed: httpKeys)
        }
        if let value = try top.duration("shutdown_timeout", in: 1...3600) { settings.shutdownTimeout = value }
        return settings
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
