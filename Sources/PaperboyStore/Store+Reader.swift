import Foundation
import PaperboyCore

/// A reader mail (a confirmation or a "manage your subscription" mail),
/// composed for the outbox.
public struct ReaderMailDraft: Sendable {
    public var sender: String
    public var subject: String
    public var messageID: String
    public var message: [UInt8]

    public init(sender: String, subject: String, messageID: String, message: [UInt8]) {
        self.sender = sender
        self.subject = subject
        self.messageID = messageID
        self.message = message
    }
}

/// How many reader mails one address may get: at most one per `interval`
/// seconds and `perDay` in any 24 hours.
public struct ReaderMailLimits: Sendable, Equatable {
    public var interval: Double
    public var perDay: Int

    public init(interval: Double, perDay: Int) {
        self.interval = interval
        self.perDay = perDay
    }
}

/// What filing a subscribe-page request did.
public enum ReaderRequestOutcome: Sendable, Equatable {
    /// The address is pending (new, again, or unsubscribed with a request): a confirmation mail is queued.
    case confirmationQueued(Subscriber)
    /// The address is active or paused: a "manage your subscription" mail is queued, nothing else changed.
    case manageQueued(Subscriber)
    /// Nothing changed and no mail is queued: the address had one less than
    /// the interval ago, or its day's share.
    case mailLimited(Subscriber)
}

extension Store {
    /// Files a subscribe-page request for `preferences` in one transaction,
    /// with the rules of double opt-in. Anyone may fill the form in for any
    /// address, so a request never changes what a stored subscriber gets:
    /// the settings asked for are kept apart (`Subscriber.requested`) and
    /// only a confirmation applies them.
    /// - a new address: a row, pending since `time`, origin web, with the
    ///   default settings and the request;
    /// - a pending one: its request replaced (pending since kept, unless the
    ///   request is older than `cutoff`: then it starts anew). The
    ///   confirmation link is bound to the settings too, so a link confirms
    ///   only what its own mail's request asked for;
    /// - an unsubscribed one: stays unsubscribed, its settings untouched;
    ///   the request and a pending time are recorded, for its own confirmation;
    /// - an active or paused one: nothing changes.
    ///
    /// Then a mail is queued (a confirmation, or for active and paused
    /// addresses a "manage" mail), due at once. When `limits` forbid a mail
    /// (counted from this subscriber's reader mails in the same
    /// transaction), nothing at all changes. `compose` makes the mail for
    /// the subscriber as stored, of `kind`, with the outbox period key. An
    /// address that differs only in case from a stored one is that
    /// subscriber (mail servers treat them as one mailbox).
    public func fileSubscribeRequest(
        _ preferences: SubscriberPreferences, at time: Date, limits: ReaderMailLimits, expiredBefore cutoff: Date,
        compose: (Subscriber, OutboxKind, PeriodKey) throws -> ReaderMailDraft
    ) throws -> ReaderRequestOutcome {
        try writePassing { db in
            // What confirming applies: the form's settings; likes, dislikes and pausing are the subscriber's own.
            var requested = preferences
            requested.paused = false
            requested.likes = []
            requested.dislikes = []
            // The subscriber's row stays locked (PostgreSQL) from this read to
            // the commit: two Paperboys serving the pages cannot both apply a
            // request, nor both count their mail under the limits.
            func lockStored() throws -> Subscriber? {
                if let exact = try Self.fetchSubscriber(db, preferences.email, forUpdate: true) { return exact }
                for variant in try Self.caseVariants(db, of: preferences.email) {
                    // A database error aborts the transaction (PostgreSQL): it is thrown, never skipped.
                    if let found = try Self.fetchSubscriber(db, variant, forUpdate: true) { return found }
                }
                return nil
            }
            var existing = try lockStored()
            var subscriber: Subscriber?
            if existing == nil {
                var row = SubscriberRow(SubscriberPreferences(email: preferences.email), id: nil, pausedReason: nil, unsubscribedAt: nil,
                                        createdAt: time, updatedAt: time, origin: .web, pendingSince: time, requested: requested)
                if let id = try row.insertIfAbsent(db) {
                    row.id = id
                    subscriber = try row.subscriber()
                } else {
                    // Another process filed the same address a moment ago (the insert waited for its commit): it is stored now.
                    existing = try lockStored()
                    guard existing != nil else { throw SubscriberStoreError.notFound(preferences.email) }
                }
            }
            let kind: OutboxKind
            if var stored = existing {
                guard try Self.readerMailAllowed(db, subscriberID: stored.id, at: time, limits: limits) else {
                    return .mailLimited(stored)
                }
                if stored.unsubscribedAt == nil && stored.pendingSince == nil {
                    kind = .manage
                } else {
                    kind = .confirmation
                    requested.email = stored.email
                    stored.requested = requested
                    // A request past web.pending_days that the tick has not forgotten yet is a new one.
                    if stored.pendingSince.map({ $0 < cutoff }) ?? true { stored.pendingSince = time }
                    stored.updatedAt = time
                    try SubscriberRow(stored).update(db)
                }
                // As it reads back, so the mail's confirmation link is made from what confirming checks.
                subscriber = try SubscriberRow(stored).subscriber()
            } else {
                kind = .confirmation
            }
            guard let subscriber else { preconditionFailure("a subscribe request with neither a stored nor a new subscriber") }
            let key = PeriodKey.readerMail(kind == .manage ? "manage" : "confirm", at: time)
            let draft = try compose(subscriber, kind, key)
            let outboxID = try db.scalar(Int64.self, sql: """
                INSERT INTO outbox (subscriber_id, period_key, recipient, sender, subject, message_id, paper_ids,
                                    state, attempts, planned_at, next_attempt_at, kind)
                VALUES (?, ?, ?, ?, ?, ?, '[]', ?, 0, ?, ?, ?)
                RETURNING id
                """, arguments: [subscriber.id, key.rawValue, subscriber.email.description, draft.sender, draft.subject, draft.messageID,
                                 OutboxState.queued.rawValue, time.timeIntervalSince1970, time.timeIntervalSince1970,
                                 kind.rawValue])
            guard let outboxID else { throw SQLDecodingError(column: "id", expected: "the id of the inserted outbox row", found: .null) }
            try Self.insertBody(db, outboxID: outboxID, message: draft.message)
            return kind == .manage ? .manageQueued(subscriber) : .confirmationQueued(subscriber)
        }
    }

    /// Whether a reader mail may go to this subscriber's address at `time`:
    /// none of their confirmation or manage mails was queued less than
    /// `limits.interval` ago, and fewer than `limits.perDay` in the last 24 hours.
    static func readerMailAllowed(_ db: any SQLConnection, subscriberID: Int64, at time: Date, limits: ReaderMailLimits) throws -> Bool {
        let now = time.timeIntervalSince1970
        let times = try db.column(Double.self, sql: """
            SELECT planned_at FROM outbox WHERE subscriber_id = ? AND kind IN (?, ?) AND planned_at > ?
            """, arguments: [subscriberID, OutboxKind.confirmation.rawValue, OutboxKind.manage.rawValue, now - 86400])
        if times.count >= limits.perDay { return false }
        return !times.contains { $0 > now - limits.interval }
    }

    /// How many reader mails (confirmation, manage) were queued for this subscriber, for tests and checks.
    public func readerMailCount(subscriberID: Int64) throws(StoreError) -> Int {
        try read { db in
            try db.scalar(Int.self, sql: "SELECT count(*) FROM outbox WHERE subscriber_id = ? AND kind IN (?, ?)",
                          arguments: [subscriberID, OutboxKind.confirmation.rawValue, OutboxKind.manage.rawValue]) ?? 0
        }
    }

    /// The subscriber's count of permanent delivery failures in a row (of
    /// digests), for tests and checks.
    public func hardFailures(subscriberID: Int64) throws(StoreError) -> Int {
        try read { db in
            try db.scalar(Int.self, sql: "SELECT hard_failures FROM subscriber WHERE id = ?", arguments: [subscriberID]) ?? 0
        }
    }

    /// Changes the subscriber with row id `id` in one transaction, but only
    /// when `accepts` takes them as stored now (a link token checked against
    /// their current address, their pending request). `change` edits them
    /// (not their id or address; unsubscribing goes through
    /// `unsubscribe(id:at:ifAddress:)`, which cancels queued digests);
    /// throwing from it changes nothing. With `resetHardFailures` their run
    /// of hard bounces starts again from zero (a reader who confirmed their
    /// address). Returns nil (nothing changed) when there is no such
    /// subscriber or `accepts` refuses; else the subscriber before and after.
    public func updateSubscriber(id: Int64, at time: Date, resetHardFailures: Bool = false, accepts: (Subscriber) -> Bool,
                                 _ change: (inout Subscriber) throws -> Void) throws -> (before: Subscriber, after: Subscriber)? {
        try writePassing { db in
            // Locked (PostgreSQL) until the commit: of two Paperboys following the same link, the second sees the first's change.
            guard let before = try SubscriberRow.fetchOne(db, id: id, forUpdate: true)?.subscriber(), accepts(before) else { return nil }
            var after = before
            try change(&after)
            if resetHardFailures {
                try db.execute(sql: "UPDATE subscriber SET hard_failures = 0 WHERE id = ? AND hard_failures > 0", arguments: [id])
            }
            guard after != before else { return (before, after) }
            after.id = before.id
            after.preferences.email = before.email   // an address changes only through the operator
            after.updatedAt = time
            try SubscriberRow(after).update(db)
            return (before, after)
        }
    }

    /// The subscriber with row id `id` when `accepts` takes them, read in one transaction.
    public func subscriber(id: Int64, accepts: (Subscriber) -> Bool) throws -> Subscriber? {
        try readPassing { db in
            guard let subscriber = try SubscriberRow.fetchOne(db, id: id)?.subscriber(), accepts(subscriber) else { return nil }
            return subscriber
        }
    }

    /// Forgets subscribe-page requests made before `cutoff` and never
    /// confirmed, in one transaction: a new address's row is deleted (with
    /// its mails), an unsubscribed one's request is cleared entirely (it
    /// stays unsubscribed, with the settings it had). Returns the ids of the
    /// subscribers concerned.
    @discardableResult
    public func expirePending(before cutoff: Date) throws(StoreError) -> [Int64] {
        // One read (on the partial index) on the scheduler's every tick; a write only when something expired.
        let any = try read { db in
            try db.scalar(Bool.self, sql: "SELECT EXISTS (SELECT 1 FROM subscriber WHERE pending_since IS NOT NULL AND pending_since < ?)",
                          arguments: [cutoff.timeIntervalSince1970]) ?? false
        }
        guard any else { return [] }
        return try write { db in
            let rows = try db.fetchAll(sql: "SELECT id, unsubscribed_at FROM subscriber WHERE pending_since IS NOT NULL AND pending_since < ?",
                                       arguments: [cutoff.timeIntervalSince1970])
            var ids: [Int64] = []
            for row in rows {
                let id: Int64 = try row.get("id")
                let unsubscribedAt: Double? = try row.get("unsubscribed_at")
                // Only while it is still an expired request: another Paperboy (PostgreSQL) may have
                // confirmed or renewed it, or expired it itself, since the read.
                let changed = if unsubscribedAt == nil {
                    try db.execute(sql: "DELETE FROM subscriber WHERE id = ? AND pending_since < ? AND unsubscribed_at IS NULL",
                                   arguments: [id, cutoff.timeIntervalSince1970])
                } else {
                    try db.execute(sql: "UPDATE subscriber SET pending_since = NULL, requested = NULL WHERE id = ? AND pending_since < ?",
                                   arguments: [id, cutoff.timeIntervalSince1970])
                }
                if changed > 0 { ids.append(id) }
            }
            return ids
        }
    }

    /// The stored message of a subscriber's digest for `periodKey`: nil when
    /// the row is gone, empty when retention emptied its body.
    public func digestMessage(subscriberID: Int64, periodKey: String) throws(StoreError) -> [UInt8]? {
        try read { db in
            // A missing body (NULL) reads as no bytes.
            try db.fetchOne(sql: """
                SELECT outbox_body.message FROM outbox LEFT JOIN outbox_body ON outbox_body.outbox_id = outbox.id
                WHERE subscriber_id = ? AND period_key = ? AND kind = ?
                """, arguments: [subscriberID, periodKey, OutboxKind.digest.rawValue]).map { try $0.get(0, as: [UInt8].self) }
        }
    }
}
