import Curl
import PaperboyCore

extension SMTPSettings {
    /// The one mapping from the `smtp:` section (Core, no I/O) to what the
    /// transport takes (Curl, which knows no config): every field has the
    /// same name on both sides. `password` is the one `Credential.Lookup`
    /// found; `ehloName` is used when `smtp.ehlo_name` is not set.
    public init(_ config: SMTPConfig, password: String?, ehloName: String?) {
        self.init(
            url: config.url, tls: SMTPTLSMode(config.tls), allowPlaintext: config.allowPlaintext,
            caFile: config.caFile, username: config.username, password: password, ehloName: config.ehloName ?? ehloName,
            connectTimeout: config.connectTimeout, commandTimeout: config.commandTimeout, timeout: config.timeout,
            connections: config.connections, maxPerSecond: config.maxPerSecond
        )
    }
}

extension SMTPTLSMode {
    /// The transport's mode for the config's `tls` (the same three cases).
    public init(_ mode: SMTPConfig.TLSMode) {
        switch mode {
        case .starttls: self = .starttls
        case .implicit: self = .implicit
        case .none: self = .none
        }
    }
}
