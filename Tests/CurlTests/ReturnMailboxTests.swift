import Curl
import Foundation
import PaperboyTestSupport
import Testing

/// `ReturnMailbox` against a real Dovecot on 127.0.0.1 (`DovecotServer`),
/// over IMAP and POP3: listing, exact bytes, \Seen left alone, moving,
/// keywords, stable keys, and the errors an operator sees.
@Suite(.enabled(if: DovecotServer.isInstalled)) struct ReturnMailboxTests {
    /// A CRLF message with dot lines, 8-bit text and a line that looks like an IMAP tagged reply.
    static func message(_ tag: Int) -> [UInt8] {
        var text = "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nTo: bounces+tok\(tag)@paperboy.test\r\n"
        text += "Subject: Undelivered Mail Returned to Sender \(tag)\r\nMessage-ID: <bounce\(tag)@mx.example.org>\r\n"
        text += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        text += "Message \(tag): Schrödinger, Ærø, 東京.\r\n.a dot line\r\n..two dots\r\n.\r\nA005 OK looks like a reply\r\n* 1 EXISTS\r\nend\r\n"
        return Array(text.utf8)
    }

    static func imap(_ server: DovecotServer, url: String? = nil, password: String? = nil, tls: MailboxSettings.TLSMode = .none,
                     caFile: String? = nil, processedFolder: String = "Processed") throws -> ReturnMailbox {
        try ReturnMailbox(settings: MailboxSettings(url: url ?? server.imapURL, username: server.user, password: password ?? server.password,
                                                    tls: tls, caFile: caFile, processedFolder: processedFolder, connectTimeout: 5, timeout: 20))
    }

    static func pop3(_ server: DovecotServer, password: String? = nil) throws -> ReturnMailbox {
        try ReturnMailbox(settings: MailboxSettings(url: server.pop3URL, username: server.user, password: password ?? server.password,
                                                    tls: .none, connectTimeout: 5, timeout: 20))
    }

    static func flags(_ server: DovecotServer, _ folder: String = "INBOX") throws -> [Int: Set<String>] {
        Dictionary(uniqueKeysWithValues: try server.messages(in: folder).map { ($0.uid, $0.flags) })
    }

    @Test func pendingListsDeliveredMessagesOldestFirst() throws {
        let server = try DovecotServer()
        for tag in 1...3 { try server.deliver(Self.message(tag), to: "bounces+tok\(tag)@paperboy.test") }
        let mailbox = try Self.imap(server)
        let entries = try mailbox.pending()
        let stored = try server.messages().map { String($0.uid) }
        #expect(entries.map(\.uid) == stored)
        #expect(entries.map(\.uid) == ["1", "2", "3"])
        let validity = try #require(entries.first?.key.split(separator: ":").dropFirst().first)
        #expect(entries.map(\.key) == entries.map { "imap:\(validity):\($0.uid)" })
        #expect(mailbox.canMoveOrFlag)
        // LMTP to bounces+TOKEN@domain reached INBOX with its envelope kept.
        let first = String(decoding: try mailbox.fetch(entries[0]), as: UTF8.self)
        #expect(first.hasPrefix("Return-Path: <>\r\nDelivered-To: bounces+tok1@paperboy.test\r\n"))
        #expect(first.hasSuffix(String(decoding: Self.message(1), as: UTF8.self)))
    }

    @Test func fetchReturnsTheExactBytesAndLeavesSeenAsItWas() throws {
        let server = try DovecotServer()
        try server.append(Self.message(1))
        try server.append(Self.message(2), flags: "\\Seen")
        let mailbox = try Self.imap(server)
        let entries = try mailbox.pending()
        try #require(entries.count == 2)
        #expect(try mailbox.fetch(entries[0]) == Self.message(1))
        #expect(try mailbox.fetch(entries[1]) == Self.message(2))
        #expect(try mailbox.fetch(entries[0]) == Self.message(1), "fetching twice gives the same bytes")
        let flags = try Self.flags(server)
        #expect(flags[1] == [], "an unread message stays unread: \(flags)")
        #expect(flags[2] == ["\\Seen"], "a read message stays read: \(flags)")
    }

    @Test func aConnectionLostBetweenCommandsIsOpenedAgainWithoutMarkingMailRead() throws {
        let server = try DovecotServer()
        for tag in 1...2 { try server.append(Self.message(tag)) }
        let mailbox = try Self.imap(server)
        let entries = try mailbox.pending()
        try server.kick()
        // The kept connection is closed: the fetch opens the folder read-only again on a new one.
        #expect(try mailbox.fetch(entries[0]) == Self.message(1))
        try server.kick()
        try mailbox.leave(entries[1], forPerson: true)
        let flags = try Self.flags(server)
        #expect(flags[1] == [], "still unread after a fetch on a new connection: \(flags)")
        #expect(flags[2] == ["$PaperboyUnknown", "\\Flagged"], "\(flags)")
        let pop3 = try Self.pop3(server)
        let listed = try pop3.pending()
        try server.kick()
        #expect(try pop3.fetch(listed[1]) == Self.message(2), "a new POP3 session lists again before RETR")
    }

    @Test func markProcessedMovesToTheProcessedFolderMadeOnFirstUse() throws {
        let server = try DovecotServer()
        for tag in 1...3 { try server.append(Self.message(tag)) }
        #expect(try !server.folders().contains("Processed"))
        let mailbox = try Self.imap(server)
        let entries = try mailbox.pending()
        try #require(entries.count == 3)
        _ = try mailbox.fetch(entries[0])
        try mailbox.markProcessed(entries[0])
        #expect(try server.folders().contains("Processed"))
        try mailbox.markProcessed(entries[2])
        #expect(try server.messages().map(\.uid) == [2])
        let moved = try server.messages(in: "Processed")
        #expect(moved.count == 2)
        #expect(moved.allSatisfy { !$0.flags.contains("\\Seen") && !$0.flags.contains("\\Deleted") }, "\(moved)")
        #expect(try mailbox.pending().map(\.uid) == ["2"])
        let gone = try #require(throws: MailboxError.self) { try mailbox.fetch(entries[0]) }
        #expect(gone.kind == .messageGone, "a moved message is gone from the folder: \(gone)")
        #expect(try mailbox.fetch(entries[1]) == Self.message(2), "and the connection still works")
    }

    @Test func withoutMoveTheMessageIsCopiedAndMarkedNeverExpunged() throws {
        let server = try DovecotServer(imapCapability: "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS NAMESPACE")
        for tag in 1...2 { try server.append(Self.message(tag)) }
        let mailbox = try Self.imap(server)
        let entries = try mailbox.pending()
        try mailbox.markProcessed(entries[0])
        let inbox = try Self.flags(server)
        #expect(inbox.count == 2, "nothing expunged: \(inbox)")
        #expect(inbox[1] == ["$PaperboyProcessed", "\\Seen"])
        #expect(try server.messages(in: "Processed").count == 1)
        #expect(try mailbox.pending().map(\.uid) == ["2"])
    }

    @Test func leaveForAPersonFlagsItAndKeepsItUnread() throws {
        let server = try DovecotServer()
        for tag in 1...2 { try server.deliver(Self.message(tag)) }
        let mailbox = try Self.imap(server)
        let entries = try mailbox.pending()
        _ = try mailbox.fetch(entries[0])
        try mailbox.leave(entries[0], forPerson: true)
        try mailbox.leave(entries[1], forPerson: false)
        let flags = try Self.flags(server)
        #expect(flags[1] == ["$PaperboyUnknown", "\\Flagged"], "\(flags)")
        #expect(flags[2] == ["$PaperboyIgnored"], "\(flags)")
        #expect(try mailbox.pending().isEmpty)
        #expect(try server.folders() == ["INBOX"])
    }

    @Test func keysAreStableAcrossConnections() throws {
        let server = try DovecotServer()
        for tag in 1...2 { try server.append(Self.message(tag)) }
        let first = try Self.imap(server).pending()
        let second = try Self.imap(server)
        #expect(try second.pending() == first)
        #expect(try second.pending().map(\.key) == first.map(\.key))
        #expect(try second.fetch(first[1]) == Self.message(2), "an entry listed on another connection fetches the same message")
        let pop3Keys = try Self.pop3(server).pending().map(\.key)
        #expect(pop3Keys.count == 2 && pop3Keys.allSatisfy { $0.hasPrefix("pop3:") })
        #expect(try Self.pop3(server).pending().map(\.key) == pop3Keys)
    }

    @Test func pop3ListsAndFetchesAndNeverDeletes() throws {
        let server = try DovecotServer()
        for tag in 1...2 { try server.append(Self.message(tag)) }
        let mailbox = try Self.pop3(server)
        #expect(!mailbox.canMoveOrFlag)
        let entries = try mailbox.pending()
        try #require(entries.count == 2)
        #expect(try mailbox.fetch(entries[1]) == Self.message(2))
        #expect(try mailbox.fetch(entries[0]) == Self.message(1))
        try mailbox.markProcessed(entries[0])
        try mailbox.leave(entries[1], forPerson: true)
        #expect(try mailbox.pending() == entries)
        #expect(try Self.pop3(server).pending() == entries, "a new session still sees both")
        #expect(try server.messages().count == 2)
    }

    @Test func tlsImplicitAndStartTLSWithTheTestCA() throws {
        let server = try DovecotServer()
        try server.append(Self.message(1))
        let implicit = try Self.imap(server, url: server.imapsURL, tls: .implicit, caFile: server.caFile)
        #expect(try implicit.fetch(try #require(implicit.pending().first)) == Self.message(1))
        let starttls = try Self.imap(server, tls: .starttls, caFile: server.caFile)
        #expect(try starttls.pending().count == 1)
        let pop3s = try ReturnMailbox(settings: MailboxSettings(url: server.pop3sURL, username: server.user, password: server.password,
                                                                tls: .implicit, caFile: server.caFile, connectTimeout: 5, timeout: 20))
        #expect(try pop3s.pending().count == 1)
        let pop3 = try ReturnMailbox(settings: MailboxSettings(url: server.pop3URL, username: server.user, password: server.password,
                                                               tls: .starttls, caFile: server.caFile, connectTimeout: 5, timeout: 20))
        #expect(try pop3.fetch(try #require(pop3.pending().first)) == Self.message(1))
        let untrusted = try Self.imap(server, url: server.imapsURL, tls: .implicit, caFile: nil)
        let error = try #require(throws: MailboxError.self) { try untrusted.pending() }
        #expect(error.kind == .tls)
        #expect(error.description.contains("bounce.ca_file"))
    }

    @Test func startTLSIsRequiredNeverOpportunistic() throws {
        let server = try DovecotServer(tls: false)
        try server.append(Self.message(1))
        #expect(try Self.imap(server).pending().count == 1, "the server works without TLS")
        for url in [server.imapURL, server.pop3URL] {
            let mailbox = try ReturnMailbox(settings: MailboxSettings(url: url, username: server.user, password: server.password,
                                                                      tls: .starttls, connectTimeout: 5, timeout: 20))
            let error = try #require(throws: MailboxError.self) { try mailbox.pending() }
            #expect(error.kind == .tls, "\(url): \(error)")
            #expect(error.description.contains("STARTTLS") && error.description.contains(url))
        }
    }

    @Test(arguments: [false, true]) func aWrongPasswordNamesTheMailboxNotThePassword(pop3: Bool) throws {
        let server = try DovecotServer()
        let wrong = "Wr0ng-Secret-\(pop3)"
        let mailbox = pop3 ? try Self.pop3(server, password: wrong) : try Self.imap(server, password: wrong)
        let error = try #require(throws: MailboxError.self) { try mailbox.pending() }
        #expect(error.kind == .loginRefused)
        #expect(error.description.contains(pop3 ? server.pop3URL : server.imapURL))
        #expect(error.description.contains("bounce.password_file"))
        #expect(!error.description.contains(wrong))
    }

    @Test func nothingListeningIsCannotConnect() throws {
        let port = try LoopbackPort.free()
        let url = "imap://127.0.0.1:\(port)/INBOX"
        let mailbox = try ReturnMailbox(settings: MailboxSettings(url: url, username: "u", password: "p", tls: .none, connectTimeout: 5, timeout: 5))
        let error = try #require(throws: MailboxError.self) { try mailbox.pending() }
        #expect(error.kind == .cannotConnect)
        #expect(error.description.contains(url) && error.description.contains("check bounce.mailbox"))
    }

    @Test func aMissingFolderIsNamed() throws {
        let server = try DovecotServer()
        let url = server.imapURL.replacingOccurrences(of: "/INBOX", with: "/Bounces")
        let error = try #require(throws: MailboxError.self) { try Self.imap(server, url: url).pending() }
        #expect(error.kind == .noSuchFolder)
        #expect(error.description.contains("\"Bounces\""))
    }

    @Test func aProcessedFolderBeyondASCIIIsEncodedForTheServer() throws {
        let server = try DovecotServer()
        try server.append(Self.message(1))
        let mailbox = try Self.imap(server, processedFolder: "Erledigt & geprüft")
        try mailbox.markProcessed(try #require(mailbox.pending().first))
        #expect(try server.folders().contains("Erledigt & geprüft"))
        #expect(try server.messages(in: "Erledigt & geprüft").count == 1)
    }

    @Test(arguments: ["Processed\r\nA1 LOGOUT", "Processed\nX", "Pro\u{0}cessed", ""])
    func folderNamesThatCouldInjectCommandsAreRefused(folder: String) throws {
        let error = try #require(throws: MailboxError.self) {
            try ReturnMailbox(settings: MailboxSettings(url: "imap://127.0.0.1:1/INBOX", tls: .none, processedFolder: folder))
        }
        #expect(error.kind == .invalidSettings)
        #expect(error.description.contains("bounce.processed_folder"))
        let inURL = try #require(throws: MailboxError.self) {
            try ReturnMailbox(settings: MailboxSettings(url: "imap://127.0.0.1:1/INBOX%0D%0AA1%20LOGOUT", tls: .none))
        }
        #expect(inURL.kind == .invalidSettings)
    }

    @Test func settingsThatCannotWorkAreRefusedBeforeConnecting() throws {
        let cases: [(String, MailboxSettings.TLSMode, String)] = [
            ("imaps://127.0.0.1:1/INBOX", .starttls, "implicit"),
            ("pop3://127.0.0.1:1", .implicit, "pop3s://"),
            ("imap://user:pw@127.0.0.1:1/INBOX", .none, "bounce.password_file"),
            ("https://127.0.0.1/", .none, "imap://"),
            ("pop3://127.0.0.1:1/INBOX", .none, "no folder"),
            ("imap://mail.example.org/INBOX", .none, "in the clear"),
            ("pop3://10.0.0.1:110", .none, "in the clear"),
        ]
        for (url, tls, words) in cases {
            let error = try #require(throws: MailboxError.self) { try ReturnMailbox(settings: MailboxSettings(url: url, tls: tls)) }
            #expect(error.kind == .invalidSettings && error.description.contains(words), "\(url): \(error)")
        }
        // Without TLS only to a loopback address (connecting waits for the first call).
        for url in ["imap://127.0.0.1:143/INBOX", "pop3://[::1]:110", "imap://localhost/INBOX"] {
            #expect(throws: Never.self) { try ReturnMailbox(settings: MailboxSettings(url: url, tls: .none)) }
        }
    }
}
