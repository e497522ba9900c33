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

    // MARK: Subscribe (POST /subscribe)

    /// Files a subscribe-page request for `preferences` (already validated
    /// with `ReaderForm.preferences`). A new address becomes pending and
    /// gets a confirmation mail; a pending one gets it again (within
    /// `WebSettings.mailInterval` and `mailsPerDay`) with the new
    /// preferences; an unsubscribed one stays unsubscribed until it
    /// confirms; an active or paused one gets a "manage your subscription"
    /// mail and nothing changes. The page shown is the same whatever this returns.
    public func requestSubscription(_ preferences: SubscriberPreferences, at time: Date) throws -> SubscribeResult {
        throw ReaderDeskError.notBuiltYet("requestSubscription")
    }

    /// The papers of the last 7 days `preferences` would match, best first
    /// (at most its max papers), for the subscribe page's and the preference
    /// centre's "Preview".
    public func preview(_ preferences: SubscriberPreferences, at time: Date) throws -> ReaderPreview {
        throw ReaderDeskError.notBuiltYet("preview")
    }

    // MARK: Confirm (GET shows, POST confirms)

    /// The pending subscriber a confirmation token is for, or nil when the
    /// token is not valid (any more): confirmed, expired, forged.
    public func pendingRequest(token: String) throws -> Subscriber? {
        throw ReaderDeskError.notBuiltYet("pendingRequest")
    }

    /// Confirms the request: the subscriber becomes active (origin web,
    /// confirmed now), and the result says what their first digest would
    /// hold and when it comes.
    public func confirm(token: String, at time: Date) throws -> ConfirmResult {
        throw ReaderDeskError.notBuiltYet("confirm")
    }

    // MARK: Preference centre

    /// The subscriber a preferences token is for, or nil.
    public func subscriber(preferencesToken token: String) throws -> Subscriber? {
        throw ReaderDeskError.notBuiltYet("subscriber(preferencesToken:)")
    }

    /// Applies `change` for the subscriber the token is for, in one
    /// transaction, with the CLI's rules.
    public func updatePreferences(token: String, _ change: PreferenceChange, at time: Date) throws -> PreferenceResult {
        throw ReaderDeskError.notBuiltYet("updatePreferences")
    }

    // MARK: Feedback (GET shows, POST records)

    /// Who and which paper a feedback link is for, or nil when it is not valid.
    public func feedbackTarget(token: String, paperID: String, feedback: ReaderLinks.Feedback) throws -> FeedbackTarget? {
        throw ReaderDeskError.notBuiltYet("feedbackTarget")
    }

    /// Records the feedback (a like, or a dislike), or with `undo` takes it back.
    public func recordFeedback(token: String, paperID: String, feedback: ReaderLinks.Feedback, undo: Bool, at time: Date) throws -> FeedbackResult {
        throw ReaderDeskError.notBuiltYet("recordFeedback")
    }

    // MARK: View in browser (GET /d)

    /// The HTML of the digest as it was sent, while its outbox row keeps its body.
    public func digestHTML(token: String, periodKey: String) throws -> ViewResult {
        throw ReaderDeskError.notBuiltYet("digestHTML")
    }

    // MARK: Housekeeping (the scheduler's tick)

    /// Forgets requests pending longer than `web.pending_days`: new
    /// addresses are deleted, unsubscribed ones stay unsubscribed. Returns how many.
    public func expirePending(at time: Date) throws -> Int {
        throw ReaderDeskError.notBuiltYet("expirePending")
    }
}

/// Temporary, while the reader's side is being built.
public struct ReaderDeskError: Error, CustomStringConvertible, Sendable {
    public var description: String
    static func notBuiltYet(_ what: String) -> ReaderDeskError { ReaderDeskError(description: "\(what) is not built yet") }
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
