/// How many subscribers one `import --prune` may remove without `--yes`.
///
/// The default rule refuses a prune that would remove
/// - more than 10 subscribers *and* more than 10 % of the active ones, or
/// - more than half of the active ones (when that is 2 or more), or
/// - every active subscriber.
/// So pruning a few from a small list, or a few percent of a large one, goes
/// through, while an empty or truncated file is stopped however short the
/// list is (5 subscribers: at most 2 without `--yes`). `--prune-limit N`
/// replaces the rule with "at most N".
public struct PruneGuard: Sendable, Equatable {
    /// The fixed limit from `--prune-limit`, or nil for the default rule.
    public var limit: Int?

    public init(limit: Int? = nil) { self.limit = limit }

    /// The most removals allowed from `active` active subscribers.
    public func allowedRemovals(ofActive active: Int) -> Int {
        if let limit { return limit }
        guard active > 0 else { return 0 }
        return max(0, min(max(10, active / 10), max(1, active / 2), active - 1))
    }

    /// Whether removing `removals` of `active` active subscribers needs `--yes`.
    public func refuses(removing removals: Int, ofActive active: Int) -> Bool {
        removals > allowedRemovals(ofActive: active)
    }
}
