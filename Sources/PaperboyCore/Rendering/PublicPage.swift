import Crypto
import Foundation

/// The small HTML pages the public endpoint answers with (the unsubscribe
/// confirm page and its outcomes), and the headers every one of them carries.
///
/// The only style is one inline `<style>` element, allowed by its hash in a
/// strict Content-Security-Policy: no scripts, images, frames or other
/// origins, forms may post only to `base_url`'s origin, and no page may be
/// framed.
public struct PublicPage: Sendable, Equatable {
    public var title: String
    /// HTML for inside `<body>`, after the heading; callers escape what they put in it.
    public var bodyHTML: String

    public init(title: String, bodyHTML: String) {
        self.title = title
        self.bodyHTML = bodyHTML
    }

    /// The whole document.
    public var html: String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>\(HTMLText.escape(title))</title>
        <style>\(Self.style)</style>
        </head><body><h1>\(HTMLText.escape(title))</h1>
        \(bodyHTML)
        </body></html>

        """
    }

    /// The contents of the page's one `<style>` element.
    static let style = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}"

    /// The CSP source for `style`: `'sha256-…'` (base64 of its SHA-256), computed once.
    public static let styleSource: String = {
        "'sha256-" + Data(SHA256.hash(data: Array(style.utf8))).base64EncodedString() + "'"
    }()

    /// The Content-Security-Policy of every page: nothing but the inline
    /// style; forms post to `baseURL`'s origin (or the page's own).
    public static func contentSecurityPolicy(baseURL: String?) -> String {
        let formAction = (baseURL.flatMap(origin).map { $0 + " " } ?? "") + "'self'"
        return "default-src 'none'; style-src \(styleSource); form-action \(formAction); frame-ancestors 'none'; base-uri 'none'"
    }

    /// The headers every public page carries.
    public static func headers(baseURL: String?) -> [(name: String, value: String)] {
        [
            ("Content-Security-Policy", contentSecurityPolicy(baseURL: baseURL)),
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
