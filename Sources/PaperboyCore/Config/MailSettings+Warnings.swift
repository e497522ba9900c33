import Foundation

extension MailSettings {
    /// Domains reserved for documentation and testing (RFC 2606, RFC 6761):
    /// mail from them is refused or lost, and links to them lead nowhere.
    static let placeholderDomains = ["example.com", "example.net", "example.org"]
    static let placeholderSuffixes = [".example", ".invalid", ".test", ".localhost"]

    /// True for a reserved or placeholder domain (the example config's).
    public static func isPlaceholder(domain: String) -> Bool {
        let name = domain.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if name == "localhost" || placeholderSuffixes.contains(where: { name.hasSuffix($0) || name == String($0.dropFirst()) }) { return true }
        return placeholderDomains.contains { name == $0 || name.hasSuffix("." + $0) }
    }

    /// What is valid but will not work as meant, for `check` and the daemon's
    /// start-up: placeholder domains left from the example config, and an
    /// http:// base_url (mail providers offer one-click unsubscribe —
    /// List-Unsubscribe-Post — only for an https link).
    public var warnings: [String] {
        var found: [String] = []
        if let domain = fromAddress?.domain, Self.isPlaceholder(domain: domain) {
            found.append("from: \(domain) is a placeholder domain (reserved for examples): mail from it is refused or lost; use your own domain")
        }
        if let baseURL {
            let host = URLComponents(string: baseURL)?.host ?? ""
            if Self.isPlaceholder(domain: host) {
                found.append("base_url: \(host) is a placeholder domain: unsubscribe links will lead nowhere; use the public address of Paperboy's HTTP endpoint")
            }
            if baseURL.lowercased().hasPrefix("http://") {
                found.append("base_url: \(baseURL) is http, not https: digests then carry no List-Unsubscribe-Post, so Gmail, Yahoo and Outlook show no one-click unsubscribe button; serve it over https")
            }
        }
        return found
    }
}
