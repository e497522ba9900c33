import Foundation
import PaperboyCore

/// A subscriber change the store refused.
public struct SubscriberStoreError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case notFound, alreadyExists, unsubscribed, pending, caseVariant }
    public var kind: Kind
    public var email: String
    public var message: String

    public var description: String { message }

    public static func notFound(_ email: EmailAddress) -> SubscriberStoreError {
        SubscriberStoreError(kind: .notFound, email: email.description,
                             message: "no subscriber has the address \(email); `paperboy subscriber list` shows them")
    }

    /// `email` asked on the subscribe page at `since` and has not confirmed.
    static func pending(_ email: EmailAddress, since: Date) -> SubscriberStoreError {
        SubscriberStoreError(
            kind: .pending, email: email.description,
            message: "\(email) asked to subscribe on the subscribe page on \(DateFormats.day(since)) and is waiting for their confirmation; only they can confirm it, with the link in the confirmation mail (or by asking again on the subscribe page), so an operator cannot add it meanwhile"
        )
    }

    /// `email` differs only in case from the stored `existing`.
    static func caseVariant(_ email: EmailAddress, of existing: EmailAddress) -> SubscriberStoreError {
        SubscriberStoreError(
            kind: .caseVariant, email: email.description,
            message: "\(email) differs only in case from the subscriber \(existing); mail servers treat them as one mailbox, so they would get every digest twice. Change \(existing) with `paperboy subscriber set` or `edit`, or use --allow-case-variant if they really are two mailboxes"
        )
    }
}

/// An import with --prune would remove more subscribers than allowed.
public struct PruneRefused: Error, Sendable {
    public var removes: [EmailAddress]
    public var allowed: Int
}

/// What an import does (or, with --dry-run, would do).
public struct SubscriberImportPlan: Sendable {
    public var adds: [EmailAddress] = []
    /// Existing subscribers and the fields (as in the file) that change.
    public var changes: [(email: EmailAddress, fields: [String])] = []
    /// With --prune: subscribers not in the file.
    public var removes: [EmailAddress] = []
    /// Addresses in the file an import leaves alone, and why.
    public var skipped: [SkippedImport] = []
    public var unchanged = 0

    public init() {}
}

/// An address in an import file that the import leaves alone: only the
/// person can subscribe it (again), by confirming on the subscribe page.
public struct SkippedImport: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// They unsubscribed at this time; an import never adds them back.
        case unsubscribed(at: Date)
        /// They asked on the subscribe page at this time and have not
        /// confirmed: an import does not make them active without their confirmation.
        case pending(since: Date)
    }

    public var email: EmailAddress
    public var reason: Reason

    public init(email: EmailAddress, reason: Reason) {
        self.email = email
        self.reason = reason
    }
}

extension Store {
    /// The subscriber with this address, if any (the domain is compared case-insensitively).
    public func subscriber(_ email: EmailAddress) throws -> Subscriber? {
        try readPassing { db in try Self.fetchSubscriber(db, email) }
    }

    /// Every subscriber, unsubscribed ones too, by address.
    public func subscribers() throws -> [Subscriber] {
        try readPassing { db in
            // One query, each row decoded as it is read: no array of rows beside the subscribers.
            let cache = PreferenceParseCache()
            var subscribers: [Subscriber] = []
            // By address in byte order, as SQLite's BINARY collation sorts; PostgreSQL's default follows the database's locale.
            let order = db.dialect == .postgresql ? "ORDER BY email COLLATE \"C\"" : "ORDER BY email"
            try db.forEachRow(sql: "\(SubscriberRow.select) \(order)", arguments: []) { row in
                subscribers.append(try SubscriberRow(row: row).subscriber(cache: cache))
            }
            return subscribers
        }
    }

    /// Adds a subscriber, recording `origin` (how they came to be subscribed).
    /// Refuses an address already stored, one that unsubscribed unless
    /// `resubscribe` (people who left are not added back by accident), and
    /// one waiting for its subscribe-page confirmation (only they can make it active).
    /// An address that differs only in case from a stored one is refused
    /// unless `allowCaseVariant`.
    @discardableResult
    public func addSubscriber(_ preferences: SubscriberPreferences, resubscribe: Bool = false, allowCaseVariant: Bool = false,
                              origin: SubscriptionOrigin = .operator, at time: Date) throws -> Subscriber {
        try writePassing { db in
            if let existing = try Self.fetchSubscriber(db, preferences.email, forUpdate: true) {
                if let left = existing.unsubscribedAt {
                    guard resubscribe else {
                        throw SubscriberStoreError(
                            kind: .unsubscribed, email: preferences.email.description,
                            message: "\(preferences.email) unsubscribed on \(Self.day(left)); they can subscribe again themselves on the subscribe page (with its confirmation), or add it again only with their consent, using --resubscribe"
                        )
                    }
                    var updated = existing
                    updated.preferences = preferences
                    updated.unsubscribedAt = nil
                    updated.pausedReason = nil
                    updated.origin = origin
                    updated.pendingSince = nil
                    updated.requested = nil
                    updated.confirmedAt = nil
                    updated.updatedAt = time
                    try SubscriberRow(updated).update(db)
                    return updated
                }
                if let pending = existing.pendingSince {
                    throw SubscriberStoreError.pending(preferences.email, since: pending)
                }
                throw SubscriberStoreError(
                    kind: .alreadyExists, email: preferences.email.description,
                    message: "\(preferences.email) is already subscribed; change it with `paperboy subscriber set` or `edit`"
                )
            }
            if !allowCaseVariant, let variant = try Self.caseVariants(db, of: preferences.email).first {
                throw SubscriberStoreError.caseVariant(preferences.email, of: variant)
            }
            var row = SubscriberRow(preferences, id: nil, pausedReason: nil, unsubscribedAt: nil, createdAt: time, updatedAt: time, origin: origin)
            row.id = try row.insert(db)
            return try row.subscriber()
        }
    }

    /// Changes one subscriber in one transaction: `change` sees the stored
    /// subscriber and edits it; throwing from it changes nothing.
    @discardableResult
    public func updateSubscriber(_ email: EmailAddress, at time: Date, _ change: (inout Subscriber) throws -> Void) throws -> Subscriber {
        try writePassing { db in
            guard var subscriber = try Self.fetchSubscriber(db, email, forUpdate: true) else { throw SubscriberStoreError.notFound(email) }
            let before = subscriber
            try change(&subscriber)
            if subscriber != before {
                subscriber.updatedAt = time
                // A new address must not collide with another subscriber's.
                if subscriber.email != before.email, try Self.fetchSubscriber(db, subscriber.email) != nil {
                    throw SubscriberStoreError(kind: .alreadyExists, email: subscriber.email.description,
                                               message: "\(subscriber.email) belongs to another subscriber")
                }
                try SubscriberRow(subscriber).update(db)
            }
            return subscriber
        }
    }

    /// Deletes a subscriber for good.
    public func removeSubscriber(_ email: EmailAddress) throws {
        try writePassing { db in
            guard try db.execute(sql: "DELETE FROM subscriber WHERE email = ?", arguments: [email.description]) > 0 else {
                throw SubscriberStoreError.notFound(email)
            }
        }
    }

    /// What importing `entries` would do, changing nothing.
    public func planSubscriberImport(_ entries: [SubscriberPreferences], prune: Bool, allowCaseVariants: Bool = false) throws -> SubscriberImportPlan {
        try readPassing { db in
            try Self.importPlan(db, entries, prune: prune, allowCaseVariants: allowCaseVariants).plan
        }
    }

    /// How many subscribers are active (not unsubscribed, not waiting for
    /// their confirmation): what the prune guard counts against.
    public func activeSubscriberCount() throws -> Int {
        try readPassing { db in
            try db.scalar(Int.self, sql: "SELECT count(*) FROM subscriber WHERE unsubscribed_at IS NULL AND pending_since IS NULL") ?? 0
        }
    }

    /// Imports `entries` in one transaction: all of it or none of it. New
    /// addresses get `origin` (`.import`). An address that unsubscribed, or
    /// one waiting for its subscribe-page confirmation, is skipped: an
    /// operator's import never subscribes someone without their own consent.
    /// A new address that differs only in case from a stored one (and is not
    /// that one) makes the whole import fail, listing each, unless `allowCaseVariants`.
    /// With `maxRemovals`, a prune that would remove more fails too (`PruneRefused`),
    /// checked in the same transaction as the change.
    @discardableResult
    public func importSubscribers(_ entries: [SubscriberPreferences], prune: Bool, allowCaseVariants: Bool = false,
                                  maxRemovals: Int? = nil, origin: SubscriptionOrigin = .import, at time: Date) throws -> SubscriberImportPlan {
        try writePassing { db in
            let (plan, stored) = try Self.importPlan(db, entries, prune: prune, allowCaseVariants: allowCaseVariants)
            if let maxRemovals, plan.removes.count > maxRemovals {
                throw PruneRefused(removes: plan.removes, allowed: maxRemovals)
            }
            // New rows many at a time (one statement text for every full
            // chunk, prepared once); changed rows (usually few) one by one,
            // read again by id.
            var chunk: SQLArguments = []
            var chunkRows = 0
            func flush() throws {
                guard chunkRows > 0 else { return }
                try db.execute(sql: chunkRows == Self.importChunk ? Self.importInsert : SubscriberRow.insertSQL(rows: chunkRows), arguments: chunk)
                chunk.removeAll(keepingCapacity: true)
                chunkRows = 0
            }
            for (index, entry) in entries.enumerated() {
                switch stored[index] {
                case .new:
                    chunk += SubscriberRow(entry, id: nil, pausedReason: nil, unsubscribedAt: nil, createdAt: time, updatedAt: time, origin: origin).values
                    chunkRows += 1
                    if chunkRows == Self.importChunk { try flush() }
                case .changed(let id):
                    guard var subscriber = try SubscriberRow.fetchOne(db, id: id, forUpdate: true)?.subscriber() else { continue }
                    if subscriber.preferences.paused && !entry.paused { subscriber.pausedReason = nil }
                    subscriber.preferences = entry
                    subscriber.updatedAt = time
                    try SubscriberRow(subscriber).update(db)
                case .leftAlone:
                    continue
                }
            }
            try flush()
            for start in stride(from: 0, to: plan.removes.count, by: Self.importChunk) {
                let emails = plan.removes[start..<min(start + Self.importChunk, plan.removes.count)]
                try db.execute(sql: "DELETE FROM subscriber WHERE email IN (\(SQL.placeholders(emails.count)))", arguments: emails.map(\.description))
            }
            return plan
        }
    }

    /// How many new subscribers an import inserts per statement (20
    /// arguments each: within SQLite's and PostgreSQL's limits).
    private static let importChunk = 500
    private static let importInsert = SubscriberRow.insertSQL(rows: importChunk)

    /// What an import does with one entry.
    private enum ImportAction {
        case new
        case changed(id: Int64)
        /// Unchanged, unsubscribed or pending.
        case leftAlone
    }

    /// What importing `entries` changes, and what to do with each entry. The
    /// stored rows are read once, one at a time, each compared column by
    /// column with its entry; only the entries are held, not the rows, and
    /// only rows that differ are read as subscribers, to name the fields.
    private static func importPlan(_ db: any SQLConnection, _ entries: [SubscriberPreferences], prune: Bool,
                                   allowCaseVariants: Bool) throws -> (plan: SubscriberImportPlan, actions: [ImportAction]) {
        if try db.scalar(Bool.self, sql: "SELECT EXISTS (SELECT 1 FROM subscriber)") != true {
            // A new database: every entry is new, nothing to compare.
            var plan = SubscriberImportPlan()
            plan.adds = entries.map(\.email)
            return (plan, [ImportAction](repeating: .new, count: entries.count))
        }
        var position: [String: Int] = [:]
        position.reserveCapacity(entries.count)
        var foldedPosition: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            position[entry.email.description] = index
            if !allowCaseVariants { foldedPosition[entry.email.caseFolded] = index }
        }
        enum Found {
            case none
            case row(id: Int64, unchanged: Bool, skipped: SkippedImport.Reason?)
        }
        var found = [Found](repeating: .none, count: entries.count)
        // Entries whose folded address is a stored subscriber's (another spelling).
        var variantOf: [Int: String] = [:]
        var removes: [EmailAddress] = []
        try db.forEachRow(sql: "SELECT id, email, \(ImportedRow.compared), unsubscribed_at, pending_since FROM subscriber", arguments: []) { row in
            let stored = try ImportedRow.Stored(row)
            // Addresses are ASCII with a lower-case domain, so this is `EmailAddress.caseFolded`.
            if !allowCaseVariants, let index = foldedPosition[stored.email.lowercased()], entries[index].email.description != stored.email {
                variantOf[index] = stored.email
            }
            guard let index = position[stored.email] else {
                if prune, stored.unsubscribedAt == nil, stored.pendingSince == nil, let email = try? EmailAddress(parsing: stored.email) {
                    removes.append(email)
                }
                return
            }
            let skipped: SkippedImport.Reason? = if let left = stored.unsubscribedAt {
                .unsubscribed(at: Date(timeIntervalSince1970: left))
            } else if let asked = stored.pendingSince {
                .pending(since: Date(timeIntervalSince1970: asked))
            } else {
                nil
            }
            found[index] = .row(id: stored.id, unchanged: skipped == nil && stored.columns == ImportedRow(entries[index]), skipped: skipped)
        }
        var plan = SubscriberImportPlan()
        var actions = [ImportAction](repeating: .leftAlone, count: entries.count)
        var variants: [SubscriberStoreError] = []
        for (index, entry) in entries.enumerated() {
            switch found[index] {
            case .none:
                if let variant = variantOf[index], let stored = try? EmailAddress(parsing: variant) {
                    variants.append(.caseVariant(entry.email, of: stored))
                }
                plan.adds.append(entry.email)
                actions[index] = .new
            case .row(_, _, let skipped?):
                plan.skipped.append(SkippedImport(email: entry.email, reason: skipped))
            case .row(_, true, nil):
                plan.unchanged += 1
            case .row(let id, false, nil):
                let stored = try SubscriberRow.fetchOne(db, id: id)?.subscriber()
                let fields = stored.map { entry.changedFields(from: $0.preferences) } ?? []
                if fields.isEmpty {
                    plan.unchanged += 1
                } else {
                    plan.changes.append((entry.email, fields))
                    actions[index] = .changed(id: id)
                }
            }
        }
        if !variants.isEmpty {
            let lines = variants.map(\.message)
            throw SubscriberStoreError(kind: .caseVariant, email: variants[0].email,
                                       message: "\(variants.count) address\(variants.count == 1 ? "" : "es") in the file differ\(variants.count == 1 ? "s" : "") only in case from a subscriber; nothing was changed:\n" + lines.joined(separator: "\n"))
        }
        // Unsubscribed addresses stay (so they stay unsubscribed); pending
        // requests are the reader's, not the file's, and expire on their own.
        plan.removes = removes.sorted()
        return (plan, actions)
    }

    /// Stored addresses that differ from `email` only in case (not `email` itself).
    static func caseVariants(_ db: any SQLConnection, of email: EmailAddress) throws -> [EmailAddress] {
        // Addresses are ASCII (international domains are punycode), so lower() folds them fully,
        // in SQLite and in PostgreSQL (on the subscriber_email_lower index in both).
        try db.column(String.self, sql: "SELECT email FROM subscriber WHERE lower(email) = ? AND email <> ?",
                      arguments: [email.caseFolded, email.description])
            .compactMap { try? EmailAddress(parsing: $0) }
    }

    /// The subscriber with exactly this address; `forUpdate` locks their row
    /// until the transaction ends (in PostgreSQL), for a read a write depends on.
    static func fetchSubscriber(_ db: any SQLConnection, _ email: EmailAddress, forUpdate: Bool = false) throws -> Subscriber? {
        try SubscriberRow.fetchOne(db, email: email.description, forUpdate: forUpdate)?.subscriber()
    }

    static func day(_ date: Date) -> String {
        DateFormats.day(date)
    }
}

/// What an unsubscribe link did.
public enum UnsubscribeOutcome: Sendable, Equatable {
    /// The subscriber is unsubscribed now.
    case unsubscribed
    /// They had unsubscribed already (at this time); nothing changed.
    case alreadyUnsubscribed(since: Date)
    /// No subscriber here has this id at the address the link was made
    /// for (removed, address changed, another database, or a forged link);
    /// nothing changed.
    case notSubscribedHere
}

extension Store {
    /// The subscriber with this row id, if any.
    public func subscriber(id: Int64) throws -> Subscriber? {
        try readPassing { db in try SubscriberRow.fetchOne(db, id: id)?.subscriber() }
    }

    /// Unsubscribes the subscriber with row id `id`, but only when `accepts`
    /// takes the address stored for them now (a link token bound to the
    /// address it was mailed to), checked in the same transaction as the change.
    public func unsubscribe(id: Int64, at time: Date, ifAddress accepts: (EmailAddress) -> Bool) throws -> UnsubscribeOutcome {
        try writePassing { db in
            guard let subscriber = try SubscriberRow.fetchOne(db, id: id, forUpdate: true)?.subscriber(), accepts(subscriber.email) else {
                return .notSubscribedHere
            }
            if let since = subscriber.unsubscribedAt { return .alreadyUnsubscribed(since: since) }
            try Self.recordUnsubscribe(db, id: id, at: time)
            return .unsubscribed
        }
    }

    /// Records an unsubscribe (from the one-click link or a mailto request):
    /// no digest goes to them afterwards. Returns false when there is no such
    /// subscriber or they had unsubscribed already (the first time is kept).
    @discardableResult
    public func unsubscribe(id: Int64, at time: Date) throws -> Bool {
        try writePassing { db in try Self.recordUnsubscribe(db, id: id, at: time) }
    }

    /// Sets unsubscribed_at (the first time is kept) and cancels queued digests; false when nothing changed.
    @discardableResult
    static func recordUnsubscribe(_ db: any SQLConnection, id: Int64, at time: Date) throws -> Bool {
        // Conditional: of two processes recording the same unsubscribe, one changes the row.
        let changed = try db.execute(
            sql: "UPDATE subscriber SET unsubscribed_at = ?, updated_at = ? WHERE id = ? AND unsubscribed_at IS NULL",
            arguments: [time.timeIntervalSince1970, time.timeIntervalSince1970, id]
        )
        guard changed > 0 else { return false }
        // Queued digests are cancelled now (rows being sent, at their next claim).
        let waiting = OutboxState.waiting.map(\.rawValue)
        try db.execute(sql: """
            UPDATE outbox SET state = ?, finished_at = ?, last_reply = ?
            WHERE subscriber_id = ? AND state IN (\(SQL.placeholders(waiting.count)))
            """, arguments: [OutboxState.cancelled.rawValue, time.timeIntervalSince1970, "not sent: the subscriber unsubscribed before it went out", id]
                + waiting)
        return true
    }
}

extension Store {
    /// Numbers that change whenever any subscriber (other than its failure
    /// count), or any paper, is added, changed or removed (kept by triggers),
    /// for callers that cache what they read.
    public func changeVersions() throws(StoreError) -> (subscribers: Int64, papers: Int64) {
        try read { db in
            var versions: (subscribers: Int64, papers: Int64) = (0, 0)
            for row in try db.fetchAll(sql: "SELECT name, value FROM change_counter") {
                switch try row.get("name", as: String.self) {
                case "subscriber": versions.subscribers = try row.get("value")
                case "paper": versions.papers = try row.get("value")
                default: break
                }
            }
            return versions
        }
    }
}
