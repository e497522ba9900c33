import Foundation

/// The reader's pages (`web:`): the subscribe page with double opt-in, the
/// preference centre, feedback on papers, view in browser. All are served by
/// `paperboy run` on `http.listen`.
///
/// ```yaml
/// web:
///   subscribe: open             # open | closed (closed: no subscribe page; the rest still works)
///   categories: [cs.CL, cs.LG]  # the arXiv categories the subscribe page offers
///   pending_days: 7             # an unconfirmed subscription is forgotten after this many days
///   rate_limits:
///     per_client: 20/1h         # form posts per client address (see http.trusted_proxies)
///     per_address: 5/1h         # subscribe requests per email address
/// ```
public struct WebSettings: Sendable, Equatable {
    /// Whether `/subscribe` is served (`web.subscribe`, default closed, so an
    /// upgrade never opens a public form the operator did not ask for).
    public enum SubscribeMode: String, Sendable, CaseIterable { case open, closed }

    /// At most `count` requests in `window` seconds.
    public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
        public var count: Int
        public var window: Double
        public init(count: Int, window: Double) {
            self.count = count
            self.window = window
        }
        /// `20/1h`: the form it is written in.
        public var description: String { "\(count)/\(ConfigDuration.describe(window))" }

        /// Parses `COUNT/DURATION` such as `20/1h` or `5/10m`.
        public static func parse(_ text: String) -> RateLimit? {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let count = Int(parts[0].trimmingCharacters(in: .whitespaces)), count >= 1,
                  let window = ConfigDuration.parseSeconds(String(parts[1])) else { return nil }
            return RateLimit(count: count, window: window)
        }
    }

    public var subscribe: SubscribeMode = .closed
    /// The arXiv categories (or archives) offered on the subscribe page and
    /// the preference centre, in this order (`web.categories`).
    public var categories: [String] = []
    /// Days after which an unconfirmed subscription is deleted (`web.pending_days`, default 7).
    public var pendingDays = 7
    /// Form posts (subscribe, confirm, preferences, feedback) per client
    /// address (`web.rate_limits.per_client`, default 20 an hour).
    public var perClient = RateLimit(count: 20, window: 3600)
    /// Subscribe requests per email address (`web.rate_limits.per_address`, default 5 an hour).
    public var perAddress = RateLimit(count: 5, window: 3600)

    /// At most one confirmation (or "manage your subscription") mail per
    /// address in this many seconds, and at most `mailsPerDay` a day: fixed,
    /// so the form cannot be used to flood someone's inbox.
    public static let mailInterval: Double = 600
    public static let mailsPerDay = 3
    /// Request bodies of the public pages are refused past this many bytes.
    public static let maxBodyBytes = 16 * 1024

    public init() {}

    static let keys = ["subscribe", "categories", "pending_days", "rate_limits"]
    static let rateLimitKeys = ["per_client", "per_address"]

    static func read(_ reader: ConfigReader?) throws(ConfigError) -> WebSettings {
        var settings = WebSettings()
        guard var reader else { return settings }
        if let text = try reader.string("subscribe") {
            guard let mode = SubscribeMode(rawValue: text) else {
                throw reader.error("subscribe", "\"\(text)\" is not allowed; use open or closed")
            }
            settings.subscribe = mode
        }
        if let nodes = try reader.sequence("categories") {
            for (index, node) in nodes.enumerated() {
                guard case .scalar(let scalar) = node else {
                    throw reader.error("categories[\(index)]", "expected a category such as cs.CL, found \(ConfigReader.describe(node))")
                }
                do {
                    settings.categories += try SubscriberValidation.categories([scalar.string])
                } catch {
                    throw reader.error("categories[\(index)]", error.message)
                }
            }
        }
        if let text = try reader.string("pending_days") {
            guard let days = Int(text), (1...90).contains(days) else {
                throw reader.error("pending_days", "\"\(text)\" is not allowed; use a whole number of days from 1 to 90")
            }
            settings.pendingDays = days
        }
        if var limits = try reader.mapping("rate_limits", allowed: rateLimitKeys) {
            for key in rateLimitKeys {
                guard let text = try limits.string(key) else { continue }
                guard let limit = RateLimit.parse(text), limit.count <= 100_000, (1...86400).contains(limit.window) else {
                    throw limits.error(key, "\"\(text)\" is not a rate limit; write COUNT/DURATION such as 20/1h or 5/10m (a window of 1s to 1d)")
                }
                if key == "per_client" { settings.perClient = limit } else { settings.perAddress = limit }
            }
            try limits.finish(allowed: rateLimitKeys)
        }
        try reader.finish(allowed: keys)
        return settings
    }
}
