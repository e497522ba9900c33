import Foundation
import PaperboyCore

/// The fields of the subscribe form and the preference centre, as posted
/// (text, before validation), and the one mapping from them to
/// `SubscriberPreferences` with the CLI's rules.
public struct ReaderForm: Sendable, Equatable {
    public var email = ""
    /// A query in the query language; empty for "the top trending papers".
    public var query = ""
    /// Chosen from `web.categories`.
    public var categories: [String] = []
    /// Preference centre only: authors, one per line or comma-separated.
    public var authors = ""
    /// Preference centre only.
    public var minUpvotes = ""
    /// Empty for `digest.max_papers`.
    public var maxPapers = ""
    /// `daily`, `weekdays` or `weekly`.
    public var cadence = "daily"
    /// For `weekly`: `mon` … `sun`.
    public var weekday = "mon"
    /// `HH:MM`, 24-hour.
    public var time = "08:00"
    /// An IANA time zone, such as Europe/Berlin.
    public var timeZone = "UTC"
    /// `both` or `text`.
    public var format = "both"

    public init() {}
}

/// A form's problems, by field name (`ReaderForm`'s property names), to show next to each field.
public struct ReaderFormErrors: Sendable, Equatable {
    public var byField: [String: String]
    public init(byField: [String: String] = [:]) { self.byField = byField }
    public var isEmpty: Bool { byField.isEmpty }
}
