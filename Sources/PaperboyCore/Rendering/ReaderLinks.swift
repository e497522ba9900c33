import Crypto
import Foundation

/// Every link a reader gets in mail, and the one place their paths and
/// parameters are spelt: each carries a `LinkToken` bound to the
/// subscriber, their address, its purpose and (where it needs one) its
/// subject. The public endpoint reads the same names back
/// (`ReaderLinks.Path`, `ReaderLinks.Parameter`).
public struct ReaderLinks: Sendable {
    /// The paths under `base_url` the public endpoint serves.
    public enum Path: String, Sendable, CaseIterable {
        case unsubscribe = "/unsubscribe"
        case subscribe = "/subscribe"
        case confirm = "/confirm"
        case preferences = "/preferences"
        case feedback = "/feedback"
        case view = "/d"
    }

    /// Query parameter names.
    public enum Parameter {
        /// The token (every link).
        public static let token = "t"
        /// The paper's id (feedback links).
        public static let paper = "p"
        /// The feedback: `more-like-this` or `not-for-me` (`LinkToken.Purpose`'s raw value).
        public static let action = "a"
        /// The digest's period key (view in browser).
        public static let period = "k"
    }

    /// What a reader can say about one paper.
    public enum Feedback: String, Sendable, CaseIterable {
        /// "More like this": a like.
        case moreLikeThis = "more-like-this"
        /// "Not for me": a dislike; the paper never comes back, similar ones rank lower.
        case notForMe = "not-for-me"

        public var purpose: LinkToken.Purpose {
            switch self {
            case .moreLikeThis: .moreLikeThis
            case .notForMe: .notForMe
            }
        }
    }

    public let tokens: LinkToken
    /// Without a trailing slash.
    public let baseURL: String

    public init(tokens: LinkToken, baseURL: String) {
        self.tokens = tokens
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// The subject a confirmation token is bound to: the pending request's
    /// moment in whole milliseconds and a digest of the settings it asks
    /// for (the first 8 hex digits of the SHA-256 of their subscriber-file
    /// entry), as `MILLISECONDS.DIGEST`; nil when nothing is pending. So a
    /// link confirms exactly the settings its mail's request had: once the
    /// request changes (someone asked again with other settings), is
    /// confirmed or expires, it confirms nothing.
    public static func confirmSubject(_ subscriber: Subscriber) -> String? {
        guard let since = subscriber.pendingSince, let requested = subscriber.requested else { return nil }
        let hash = SHA256.hash(data: Array(SubscriberFile.renderEntry(requested).utf8))
        let digest = hash.prefix(4).map { byte in String(byte, radix: 16).leftPadded(2) }.joined()
        return String(Int64((since.timeIntervalSince1970 * 1000).rounded())) + "." + digest
    }

    public func unsubscribeToken(_ subscriber: Subscriber) -> String {
        tokens.make(subscriberID: subscriber.id, email: subscriber.email, purpose: .unsubscribe)
    }

    /// The one-click unsubscribe URL.
    public func unsubscribe(_ subscriber: Subscriber) -> String {
        url(.unsubscribe, [(Parameter.token, unsubscribeToken(subscriber))])
    }

    /// The preference centre.
    public func preferences(_ subscriber: Subscriber) -> String {
        url(.preferences, [(Parameter.token, tokens.make(subscriberID: subscriber.id, email: subscriber.email, purpose: .preferences))])
    }

    /// The confirmation link of a pending request; nil when nothing is pending.
    public func confirm(_ subscriber: Subscriber) -> String? {
        guard let subject = Self.confirmSubject(subscriber) else { return nil }
        return url(.confirm, [(Parameter.token, tokens.make(subscriberID: subscriber.id, email: subscriber.email, purpose: .confirm, subject: subject))])
    }

    /// "More like this" or "Not for me" on `paperID`.
    public func feedback(_ subscriber: Subscriber, paperID: String, _ feedback: Feedback) -> String {
        let token = tokens.make(subscriberID: subscriber.id, email: subscriber.email, purpose: feedback.purpose, subject: paperID)
        return url(.feedback, [(Parameter.token, token), (Parameter.paper, paperID), (Parameter.action, feedback.rawValue)])
    }

    /// "View in browser" of the digest planned for `periodKey`.
    public func view(_ subscriber: Subscriber, periodKey: String) -> String {
        let token = tokens.make(subscriberID: subscriber.id, email: subscriber.email, purpose: .view, subject: periodKey)
        return url(.view, [(Parameter.token, token), (Parameter.period, periodKey)])
    }

    /// The subscribe page.
    public var subscribe: String { baseURL + Path.subscribe.rawValue }

    /// `base_url` + path + the parameters, each value percent-encoded (only
    /// unreserved characters are left as they are).
    public func url(_ path: Path, _ parameters: [(String, String)]) -> String {
        var length = baseURL.utf8.count + path.rawValue.utf8.count
        var values: [String] = []
        values.reserveCapacity(parameters.count)
        for (name, value) in parameters {
            let encoded = Self.encode(value)
            values.append(encoded)
            length += 2 + name.utf8.count + encoded.utf8.count
        }
        // Written in one pass into a string of the exact length.
        return String(unsafeUninitializedCapacity: length) { out in
            var cursor = ByteCursor(out)
            cursor.put(baseURL)
            cursor.put(path.rawValue)
            for (index, (name, _)) in parameters.enumerated() {
                cursor.put(index == 0 ? UInt8(ascii: "?") : UInt8(ascii: "&"))
                cursor.put(name)
                cursor.put(UInt8(ascii: "="))
                cursor.put(values[index])
            }
            return cursor.count
        }
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    /// Tokens, paper ids and actions are unreserved already: they are
    /// returned as they are without Foundation's (slow) encoder, since a
    /// digest makes some twenty of these links.
    public static func encode(_ value: String) -> String {
        if value.utf8.allSatisfy(isUnreserved) { return value }
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
