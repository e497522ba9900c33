import Foundation

/// The headers every answer of the public endpoint carries (the reader's
/// pages, rendered from `WebTemplates`), and the stricter policy of the one
/// page that shows a digest's own HTML.
///
/// Pages load only their own origin's stylesheet and script (`/static/`):
/// no inline script or style, nothing from another origin, no plugins, no
/// `<base>`; forms may post only to `base_url`'s origin or the page's own;
/// no page may be framed. No answer ever sets a cookie.
public enum PublicPage {
    /// The Content-Security-Policy of every page; forms post to `baseURL`'s
    /// origin (or the page's own).
    public static func contentSecurityPolicy(baseURL: String?) -> String {
        let formAction = (baseURL.flatMap(origin).map { $0 + " " } ?? "") + "'self'"
        return "default-src 'self'; object-src 'none'; base-uri 'none'; form-action \(formAction); frame-ancestors 'none'"
    }

    /// The policy of `GET /d` (a digest as it was sent): its inline styles
    /// and nothing else. No script, no form, no framing, no fetch from
    /// anywhere; `sandbox` makes it a unique origin, so even an altered
    /// stored body could not act as this site. Links still open (in a new
    /// tab when they ask for one).
    public static let digestPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"

    /// The headers every public answer carries; `policy` overrides the page policy (for `GET /d`).
    public static func headers(baseURL: String?, policy: String? = nil) -> [(name: String, value: String)] {
        [
            ("Content-Security-Policy", policy ?? contentSecurityPolicy(baseURL: baseURL)),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ]
    }

    /// `scheme://host[:port]` of an http(s) URL, lower-cased, or nil when it
    /// has anything a CSP source may not hold (so a strange base_url can
    /// only narrow the policy to 'self', never widen it).
    public static func origin(_ url: String) -> String? {
        let lower = url.lowercased()
        guard let schemeEnd = lower.range(of: "://"), ["http", "https"].contains(lower[..<schemeEnd.lowerBound]) else { return nil }
        let rest = lower[schemeEnd.upperBound...]
        var authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard !authority.isEmpty, authority.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }) else { return nil }
        return String(lower[..<schemeEnd.upperBound]) + authority
    }
}
