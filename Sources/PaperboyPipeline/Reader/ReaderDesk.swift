import Foundation
import PaperboyCore
import PaperboyStore

/// What the reader's pages do, for the public endpoint (`paperboy run`):
/// subscribe with double opt-in, confirm, the preference centre, feedback
/// on a paper, view in browser, and forgetting unconfirmed requests. Every
/// method checks its token against the subscriber stored now, inside the
/// transaction that changes anything; a GET's method never changes anything.
///
/// The HTTP side (`PaperboyDaemon`) parses requests and renders pages; the
/// rules (validation, limits, who gets which mail) live here and below.
public struct ReaderDesk: Sendable {
    public let store: Store
    public let config: PaperboyConfig
    public let composer: DigestComposer

    public init(store: Store, config: PaperboyConfig, composer: DigestComposer) {
        self.store = store
        self.config = config
        self.composer = composer
    }

    /// The links this desk's mails and pages carry.
    public var links: ReaderLinks { composer.links }

    /// The reader's own mails (confirmation, manage).
    public var mail: ReaderMailComposer {
        ReaderMailComposer(composer: composer, pendingDays: config.web.pendingDays, defaultSchedule: config.digest.schedule)
    }

    /// How far back a preview looks: the papers first seen in the last 7 days.
    public static let previewDays: Double = 7

    /// Requests made before this are expired (`web.pending_days`).
    func pendingCutoff(at time: Date) -> Date {
        time.addingTimeInterval(-Double(config.web.pendingDays) * 86400)
    }

    /// Whether `claim` is the confirmation token of `subscriber`'s pending
    /// request: bound to their address, the request's moment and the
    /// settings it asks for (`ReaderLinks.confirmSubject`), so a confirmed,
    /// expired or since replaced request's link confirms nothing.
    func confirms(_ claim: LinkToken.Claim, _ subscriber: Subscriber) -> Bool {
        guard let subject = ReaderLinks.confirmSubject(subscriber) else { return false }
        return links.tokens.verify(claim, purpose: .confirm, email: subscriber.email, subject: subject)
    }

    /// Whether `claim` is `subscriber`'s `feedback` token for `paperID`, and
    /// they still get digests: an unsubscribed reader's old link changes nothing.
    func feedbackAccepts(_ claim: LinkToken.Claim, _ subscriber: Subscriber, paperID: String, _ feedback: ReaderLinks.Feedback) -> Bool {
        subscriber.unsubscribedAt == nil && !paperID.isEmpty
            && links.tokens.verify(claim, purpose: feedback.purpose, email: subscriber.email, subject: paperID)
    }

    // MARK: Subscribe (POST /subscribe)

    /// Files a subscribe-page request for `preferences` (already validated
    /// with `ReaderForm.preferences`). A new address becomes pending and
    /// gets a confirmation mail; a pending one gets one again for the new
    /// request; an unsubscribed one stays unsubscribed until it confirms;
    /// an active or paused one gets a "manage your subscription" mail and
    /// nothing changes. The settings asked for are kept apart from the
    /// subscriber's (`Subscriber.requested`) and only confirming applies
    /// them. Beyond `WebSettings.mailInterval` and `mailsPerDay` nothing at
    /// all changes. The page shown is the same whatever this returns.
    public func requestSubscription(_ preferences: SubscriberPreferences, at time: Date) throws -> SubscribeResult {
        let limits = ReaderMailLimits(interval: WebSettings.mailInterval, perDay: WebSettings.mailsPerDay)
        let outcome = try store.fileSubscribeRequest(preferences, at: time, limits: limits, expiredBefore: pendingCutoff(at: time)) { subscriber, kind, key in
            mail.compose(subscriber, kind: kind, periodKey: key, at: time)
        }
        switch outcome {
        case .confirmationQueued: return .confirmationQueued
        case .manageQueued: return .manageQueued
        case .mailLimited: return .mailLimited
        }
    }

    /// The papers of the last 7 days `preferences` would match, best first
    /// (at most its max papers), for the subscribe page's and the preference
    /// centre's "Preview".
    public func preview(_ preferences: SubscriberPreferences, at time: Date) throws -> ReaderPreview {
        // Shared and reused for up to 10 minutes while the papers are unchanged: building it is most of the cost.
        let selector = try PreviewSelectors.shared.selector(store: store, ranking: config.digest.ranking, lookback: Self.previewDays * 86400,
                                                            at: time, for: preferences)
        let maxPapers = preferences.maxPapers ?? config.digest.maxPapers
        return ReaderPreview(papers: selector.select(preferences, maxPapers: maxPapers, sent: []), candidates: selector.papers.count)
    }

    // MARK: Confirm (GET shows, POST confirms)

    /// The pending subscriber a confirmation token is for, or nil when the
    /// token is not valid (any more): confirmed, expired, replaced, forged.
    /// Their `requested` holds the settings confirming applies, for the
    /// confirm page to show (the mail does not: anyone may fill the form in).
    public func pendingRequest(token: String) throws -> Subscriber? {
        guard let claim = LinkToken.claim(token) else { return nil }
        return try store.subscriber(id: claim.subscriberID) { confirms(claim, $0) }
    }

    /// Like `pendingRequest(token:)`, and nil too once the request is older
    /// than `web.pending_days` at `time` (before the scheduler's next tick forgets it).
    public func pendingRequest(token: String, at time: Date) throws -> Subscriber? {
        guard let subscriber = try pendingRequest(token: token), let since = subscriber.pendingSince, since >= pendingCutoff(at: time) else { return nil }
        return subscriber
    }

    /// Confirms the request: the subscriber becomes active (origin web,
    /// confirmed now) with the settings the request asked for (keeping their
    /// likes and dislikes, and their name unless the request gave one), their
    /// run of hard bounces starts from zero, and the result says what their
    /// first digest would hold and when it comes.
    public func confirm(token: String, at time: Date) throws -> ConfirmResult {
        guard let claim = LinkToken.claim(token) else { return .notValid }
        let cutoff = pendingCutoff(at: time)
        let accepts: (Subscriber) -> Bool = { subscriber in
            guard let since = subscriber.pendingSince, since >= cutoff else { return false }
            return confirms(claim, subscriber)
        }
        guard let (_, confirmed) = try store.updateSubscriber(id: claim.subscriberID, at: time, resetHardFailures: true, accepts: accepts, { subscriber in
            if let requested = subscriber.requested {
                var preferences = requested
                preferences.name = requested.name ?? subscriber.preferences.name
                preferences.likes = subscriber.preferences.likes
                preferences.dislikes = subscriber.preferences.dislikes
                subscriber.preferences = preferences
            }
            subscriber.requested = nil
            subscriber.pendingSince = nil
            subscriber.confirmedAt = time
            subscriber.origin = .web
            subscriber.unsubscribedAt = nil
            subscriber.pausedReason = nil
            subscriber.preferences.paused = false
        }) else { return .notValid }
        let loader = SelectionLoader(store: store, digest: config.digest)
        let selector = try loader.selector(at: time, subscribers: [confirmed])
        let sent = try loader.sentPapers(at: time)[confirmed.id] ?? []
        let maxPapers = confirmed.preferences.maxPapers ?? config.digest.maxPapers
        let papers = selector.select(confirmed.preferences, maxPapers: maxPapers, sent: sent)
        // The planner's rule: the first scheduled time after confirming (DigestPlanner.activeSince).
        let firstDue = (confirmed.preferences.schedule ?? config.digest.schedule).nextDue(after: time)
        return .confirmed(confirmed, firstDigest: ReaderPreview(papers: papers, candidates: selector.papers.count), firstDue: firstDue)
    }

    // MARK: Preference centre

    /// The subscriber a preferences token is for, or nil.
    public func subscriber(preferencesToken token: String) throws -> Subscriber? {
        guard let claim = LinkToken.claim(token) else { return nil }
        return try store.subscriber(id: claim.subscriberID) { links.tokens.verify(claim, purpose: .preferences, email: $0.email) }
    }

    /// Applies `change` for the subscriber the token is for, in one
    /// transaction, with the CLI's rules.
    public func updatePreferences(token: String, _ change: PreferenceChange, at time: Date) throws -> PreferenceResult {
        guard let claim = LinkToken.claim(token) else { return .notSubscribedHere }
        let tokens = links.tokens
        if case .unsubscribe = change {
            // As the one-click link: queued digests are cancelled in the same transaction.
            let outcome = try store.unsubscribe(id: claim.subscriberID, at: time) { tokens.verify(claim, purpose: .preferences, email: $0) }
            guard outcome != .notSubscribedHere, let subscriber = try store.subscriber(id: claim.subscriberID) else { return .notSubscribedHere }
            return .saved(subscriber, changed: outcome == .unsubscribed ? ["unsubscribed"] : [])
        }
        // Only a subscriber who gets digests (active or paused) changes them here.
        let accepts: (Subscriber) -> Bool = { subscriber in
            subscriber.unsubscribedAt == nil && subscriber.pendingSince == nil
                && tokens.verify(claim, purpose: .preferences, email: subscriber.email)
        }
        do {
            guard let (before, after) = try store.updateSubscriber(id: claim.subscriberID, at: time, accepts: accepts, { subscriber in
                switch change {
                case .save(let form):
                    subscriber.preferences = try form.preferences(config: config, base: subscriber.preferences)
                case .pause:
                    subscriber.preferences.paused = true
                case .resume:
                    subscriber.preferences.paused = false
                    subscriber.pausedReason = nil
                case .unsubscribe:
                    break
                }
            }) else { return .notSubscribedHere }
            return .saved(after, changed: after.preferences.changedFields(from: before.preferences))
        } catch let errors as ReaderFormErrors {
            return .invalid(errors)
        }
    }

    // MARK: Feedback (GET shows, POST records)

    /// Who and which paper a feedback link is for, or nil when it is not valid.
    public func feedbackTarget(token: String, paperID: String, feedback: ReaderLinks.Feedback) throws -> FeedbackTarget? {
        guard let claim = LinkToken.claim(token),
              let subscriber = try store.subscriber(id: claim.subscriberID, accepts: { feedbackAccepts(claim, $0, paperID: paperID, feedback) })
        else { return nil }
        let title = try store.papers(ids: [paperID]).first?.title
        let recorded = feedback == .moreLikeThis ? subscriber.preferences.likes.contains(paperID) : subscriber.preferences.dislikes.contains(paperID)
        return FeedbackTarget(subscriber: subscriber, paperID: paperID, title: title, recorded: recorded)
    }

    /// Records the feedback (a like, or a dislike), or with `undo` takes it back.
    public func recordFeedback(token: String, paperID: String, feedback: ReaderLinks.Feedback, undo: Bool, at time: Date) throws -> FeedbackResult {
        guard let claim = LinkToken.claim(token) else { return .notValid }
        let changed = try store.updateSubscriber(id: claim.subscriberID, at: time, accepts: { feedbackAccepts(claim, $0, paperID: paperID, feedback) }) { subscriber in
            subscriber.preferences.record(feedback, on: paperID, undo: undo)
        }
        guard changed != nil else { return .notValid }
        return undo ? .undone : .recorded
    }

    // MARK: View in browser (GET /d)

    /// The HTML of the digest as it was sent, while its outbox row keeps its body.
    public func digestHTML(token: String, periodKey: String) throws -> ViewResult {
        guard let claim = LinkToken.claim(token),
              let subscriber = try store.subscriber(id: claim.subscriberID, accepts: {
                  links.tokens.verify(claim, purpose: .view, email: $0.email, subject: periodKey)
              })
        else { return .notValid }
        // Retention empties a finished row's body, and later deletes the row.
        guard let message = try store.digestMessage(subscriberID: subscriber.id, periodKey: periodKey), !message.isEmpty,
              let html = SentMessage.browserHTML(message)
        else { return .gone(preferencesURL: links.preferences(subscriber)) }
        return .html(html)
    }

    // MARK: Housekeeping (the scheduler's tick)

    /// Forgets requests pending longer than `web.pending_days`: new
    /// addresses are deleted, unsubscribed ones stay unsubscribed. Returns how many.
    public func expirePending(at time: Date) throws -> Int {
        try store.expirePending(before: pendingCutoff(at: time)).count
    }
}

/// What a subscribe request did; the page never shows it.
public enum SubscribeResult: Sendable, Equatable {
    /// A confirmation mail is queued.
    case confirmationQueued
    /// The address is active or paused: a "manage your subscription" mail is queued.
    case manageQueued
    /// No mail: one went to this address less than 10 minutes ago, or 3 today.
    case mailLimited
}

/// Papers a preview shows.
public struct ReaderPreview: Sendable {
    public var papers: [RankedPaper]
    /// How many papers of the window there were to choose from.
    public var candidates: Int
    public init(papers: [RankedPaper], candidates: Int) {
        self.papers = papers
        self.candidates = candidates
    }
}

public enum ConfirmResult: Sendable {
    /// Now active: what the first digest would hold now, and when it comes.
    case confirmed(Subscriber, firstDigest: ReaderPreview, firstDue: Date)
    /// The token is not valid (any more): confirmed already, expired, forged.
    case notValid
}

/// One change made in the preference centre.
public enum PreferenceChange: Sendable {
    /// Save the form's settings (validated with the CLI's rules).
    case save(ReaderForm)
    case pause
    case resume
    case unsubscribe
}

public enum PreferenceResult: Sendable {
    /// Saved: the subscriber now, and the fields (as in the subscriber file) that changed.
    case saved(Subscriber, changed: [String])
    /// Nothing saved: each field's problem, to show next to it.
    case invalid(ReaderFormErrors)
    /// The token names nobody subscribed here (any more).
    case notSubscribedHere
}

public struct FeedbackTarget: Sendable {
    public var subscriber: Subscriber
    public var paperID: String
    /// The paper's title, when the store still has it.
    public var title: String?
    /// Whether the choice is recorded already (the page then offers undo).
    public var recorded: Bool
}

public enum FeedbackResult: Sendable, Equatable {
    case recorded
    case undone
    case notValid
}

public enum ViewResult: Sendable, Equatable {
    case html(String)
    /// The row or its body is gone (retention): a 410 page linking to `preferencesURL`.
    case gone(preferencesURL: String)
    case notValid
}
