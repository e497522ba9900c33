import Curl
import Foundation
import PaperboyStore
import PaperboyCore

/// The return mailbox through libcurl (`ReturnMailbox`), as the poller sees
/// it: messages named by their keys. One connection; not thread-safe.
public final class CurlReturnMailbox: ReturnMailboxSession {
    private let mailbox: ReturnMailbox
    /// The entries the last `pendingKeys()` listed, by key.
    private var entries: [String: MailboxEntry] = [:]

    public init(settings: MailboxSettings) throws(MailboxError) {
        mailbox = try ReturnMailbox(settings: settings)
    }

    public var canMoveOrFlag: Bool { mailbox.canMoveOrFlag }

    public func pendingKeys() throws -> [String] {
        let pending = try mailbox.pending()
        entries = Dictionary(pending.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        return pending.map(\.key)
    }

    public func fetch(key: String) throws -> [UInt8] {
        let entry = try entry(key)
        do {
            return try mailbox.fetch(entry)
        } catch {
            switch error.kind {
            case .messageGone: throw MailboxMessageProblem.gone
            case .tooLarge: throw MailboxMessageProblem.unreadable("larger than Paperboy reads (64 MB)")
            default: throw error
            }
        }
    }

    public func markProcessed(keys: [String]) throws {
        let mailbox = mailbox
        try change(keys) { (entries: [MailboxEntry]) throws(MailboxError) in try mailbox.markProcessed(entries) }
    }

    public func leave(keys: [String], forPerson: Bool) throws {
        let mailbox = mailbox
        try change(keys) { (entries: [MailboxEntry]) throws(MailboxError) in try mailbox.leave(entries, forPerson: forPerson) }
    }

    /// Moves or flags messages: gone already is done; a refusal is these messages' problem.
    private func change(_ keys: [String], _ body: ([MailboxEntry]) throws(MailboxError) -> Void) throws {
        let entries = try keys.map(entry)
        do {
            try body(entries)
        } catch {
            switch error.kind {
            case .messageGone: return
            case .protocolError, .noSuchFolder: throw MailboxMessageProblem.notMoved(error.message)
            default: throw error
            }
        }
    }

    private func entry(_ key: String) throws -> MailboxEntry {
        guard let entry = entries[key] else {
            throw MailboxError(kind: .protocolError, url: "", message: "message \(key) was not listed in this session")
        }
        return entry
    }
}

/// What reading the return mailbox needs, built from the config once (at
/// start and on each reload): the poller and how to open a connection.
public struct BounceReading: Sendable {
    public let poller: BouncePoller
    /// The mailbox URL without user name, for logs, errors and `/healthz`.
    public let mailboxURL: String
    let settings: MailboxSettings

    /// A new connection (it connects on first use).
    public func open() throws -> ReturnMailboxSession {
        try CurlReturnMailbox(settings: settings)
    }
}

extension BounceSetup {
    /// The mailbox settings libcurl gets from `bounce:` and the password.
    public static func mailboxSettings(_ bounce: BounceSettings, password: String?) -> MailboxSettings? {
        guard let mailbox = bounce.mailbox else { return nil }
        let tls: MailboxSettings.TLSMode = switch bounce.tls {
        case .implicit: .implicit
        case .starttls: .starttls
        case .none: .none
        }
        return MailboxSettings(url: mailbox.url, username: bounce.username, password: password, tls: tls, caFile: bounce.caFile,
                               processedFolder: bounce.processedFolder, connectTimeout: bounce.connectTimeout, timeout: bounce.timeout)
    }

    /// The poller and the mailbox for `config`; nil when `bounce.mailbox` is
    /// not set. Throws `MailSetupError` when the password or the link secret is missing.
    public static func reading(config: PaperboyConfig, configPath: String, store: Store,
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               now: @escaping @Sendable () -> Date) throws -> BounceReading? {
        guard let mailbox = config.bounce.mailbox else { return nil }
        let poller = try poller(config: config, configPath: configPath, store: store, environment: environment, now: now)
        let settings = mailboxSettings(config.bounce, password: try password(config.bounce, environment: environment))!
        return BounceReading(poller: poller, mailboxURL: mailbox.url, settings: settings)
    }
}
