import Yams

/// How digests are addressed and signed: `from`, `base_url`,
/// `unsubscribe_mailto`, `secret_file`, `previous_secret_files`, `templates`, `dkim`.
public struct MailSettings: Sendable, Equatable {
    /// The From mailbox (`from: "Paperboy <digest@example.org>"`).
    public var fromAddress: EmailAddress?
    public var fromName: String?
    /// Where the HTTP endpoint is reachable from the internet (`base_url`), for one-click unsubscribe links.
    public var baseURL: String?
    /// An address that takes unsubscribe requests by mail (`unsubscribe_mailto`), added to List-Unsubscribe.
    public var unsubscribeMailto: EmailAddress?
    /// A file holding the secret for link tokens (`secret_file`).
    public var secretFile: String?
    /// Files holding rotated-out secrets whose links are still accepted (`previous_secret_files`).
    public var previousSecretFiles: [String] = []
    /// A folder whose templates override the built-in ones (`templates`).
    public var templatesDirectory: String?
    public var dkim: DKIMSettings?

    public init() {}

    /// `dkim: {domain, selector, key_file}`.
    public struct DKIMSettings: Sendable, Equatable {
        public var domain: String
        public var selector: String
        public var keyFile: String
    }

    static let keys = ["from", "base_url", "unsubscribe_mailto", "secret_file", "previous_secret_files", "templates", "dkim"]

    /// Reads the mail keys from the top-level reader (they sit at the top of the file).
    static func read(_ top: inout ConfigReader, baseDirectory: String?) throws(ConfigError) -> MailSettings {
        var settings = MailSettings()
        if let text = try top.string("from") {
            let (name, address) = Self.splitMailbox(text)
            do {
                settings.fromAddress = try EmailAddress(parsing: address)
            } catch {
                throw top.error("from", "\(error.description); write it as \"Paperboy <digest@example.org>\"")
            }
            if let name {
                do {
                    settings.fromName = try SubscriberValidation.name(name)
                } catch {
                    throw top.error("from", error.message)
                }
            }
        }
        if let text = try top.string("base_url") {
            guard let url = WebURL.safe(text) else {
                throw top.error("base_url", "\"\(text)\" is not an http(s) URL; use the public address of Paperboy's HTTP endpoint, such as https://papers.example.org")
            }
            settings.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if let text = try top.string("unsubscribe_mailto") {
            do {
                settings.unsubscribeMailto = try EmailAddress(parsing: text)
            } catch {
                throw top.error("unsubscribe_mailto", error.description)
            }
        }
        settings.secretFile = try top.string("secret_file").map { Self.resolve($0, baseDirectory) }
        if let items = try top.sequence("previous_secret_files") {
            for (index, item) in items.enumerated() {
                guard case .scalar(let scalar) = item, !scalar.string.isEmpty else {
                    throw top.error("previous_secret_files[\(index)]", "expected the path of a file holding an old secret, found \(ConfigReader.describe(item))")
                }
                settings.previousSecretFiles.append(Self.resolve(scalar.string, baseDirectory))
            }
        }
        settings.templatesDirectory = try top.string("templates").map { Self.resolve($0, baseDirectory) }
        if var dkim = try top.mapping("dkim", allowed: ["domain", "selector", "key_file"]) {
            let domain = try dkim.requiredString("domain", what: "the signing domain, such as example.org")
            let selector = try dkim.requiredString("selector", what: "the DNS selector, such as paperboy2026")
            let keyFile = try dkim.requiredString("key_file", what: "the path of the PEM private key (RSA or Ed25519)")
            guard domain.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else {
                throw dkim.error("domain", "\"\(domain)\" is not a domain name")
            }
            guard selector.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else {
                throw dkim.error("selector", "\"\(selector)\" is not a DNS label")
            }
            try dkim.finish(allowed: ["domain", "selector", "key_file"])
            settings.dkim = DKIMSettings(domain: domain.lowercased(), selector: selector, keyFile: Self.resolve(keyFile, baseDirectory))
        }
        return settings
    }

    /// `Name <addr>` → ("Name", "addr"); a bare address → (nil, addr).
    static func splitMailbox(_ text: String) -> (String?, String) {
        let trimmed = TextNormalizer.trimmed(text)
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else { return (nil, trimmed) }
        var name = TextNormalizer.trimmed(String(trimmed[..<open]))
        if name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 { name = String(name.dropFirst().dropLast()) }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        return (name.isEmpty ? nil : name, address)
    }

    static func resolve(_ path: String, _ baseDirectory: String?) -> String {
        guard !path.hasPrefix("/"), let baseDirectory else { return path }
        return baseDirectory.hasSuffix("/") ? baseDirectory + path : baseDirectory + "/" + path
    }
}
