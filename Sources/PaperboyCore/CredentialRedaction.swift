/// Hides credentials written into URLs (`https://user:pass@host/feed`)
/// before text reaches a status page, a log line or a terminal.
public enum CredentialRedaction {
    /// `text` with the password of every `scheme://user:password@host`
    /// replaced by `***` (`https://user:***@host/…`), and a user-only
    /// userinfo, often a token (`https://TOKEN@host/…`), by `***` whole.
    public static func redactingURLCredentials(in text: String) -> String {
        guard text.contains("@"), text.contains("://") else { return text }
        var out = ""
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            out += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            let authority = rest.prefix(while: { !"/?#\\ \t\r\n\"'<>`".contains($0) })
            guard let at = authority.lastIndex(of: "@") else { continue }
            let userinfo = authority[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                out += userinfo[..<colon] + ":***"
            } else {
                out += "***"
            }
            rest = rest[at...]
        }
        return out + rest
    }
}
