import CCurl
import Foundation

/// Why the return mailbox could not be read or changed. The message names
/// the mailbox URL (never the password) and says what to check.
///
/// Owns the mapping from how a libcurl IMAP/POP3 transfer ended to a kind and advice.
public struct MailboxError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// Nothing accepts connections there, or the host name does not resolve.
        case cannotConnect
        /// No answer in time.
        case timeout
        /// TLS failed: no STARTTLS offered, an untrusted certificate, a handshake error.
        case tls
        /// The server refused the user name or password.
        case loginRefused
        /// The folder in the URL (or the processed folder) does not exist and could not be made.
        case noSuchFolder
        /// The message is no longer there (moved or deleted by someone else,
        /// or the folder's UIDVALIDITY changed): list the mailbox again.
        case messageGone
        /// The settings cannot work (checked before connecting).
        case invalidSettings
        /// The message is larger than Paperboy reads (64 MB); it is left for a person.
        case tooLarge
        /// Anything else the server or libcurl said.
        case protocolError
    }

    public var kind: Kind
    /// The mailbox URL as configured.
    public var url: String
    /// What happened and what to do about it.
    public var message: String
    /// libcurl's CURLcode, 0 when libcurl was not involved.
    public var curlCode: Int

    public init(kind: Kind, url: String, message: String, curlCode: Int = 0) {
        self.kind = kind
        self.url = url
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String {
        "bounce mailbox \(url): \(message)" + (curlCode != 0 ? " (curl error \(curlCode))" : "")
    }
}

extension MailboxError {
    /// The error for a failed transfer. `lastVerb`: the last command libcurl
    /// sent (SELECT, AUTHENTICATE, ...); `reply`: the server's last line, if any.
    static func from(code: CURLcode, settings: MailboxSettings, endpoint: MailboxEndpoint, curlMessage: String,
                     lastVerb: String?, reply: String?) -> MailboxError {
        let said = curlMessage.isEmpty ? String(cString: curl_easy_strerror(code)) : curlMessage
        var detail = reply.map { "the server said \"\($0)\"; curl: \(said)" } ?? "curl: \(said)"
        if let password = settings.password, !password.isEmpty {
            detail = detail.replacingOccurrences(of: password, with: "***")
        }
        func error(_ kind: Kind, _ advice: String) -> MailboxError {
            MailboxError(kind: kind, url: settings.url, message: "\(advice) (\(detail))", curlCode: Int(code.rawValue))
        }
        let folderVerbs: Set<String> = ["SELECT", "EXAMINE"]
        switch code {
        case CURLE_COULDNT_CONNECT:
            return error(.cannotConnect, "nothing accepts connections at \(endpoint.authority): check bounce.mailbox and that the mail server is up")
        case CURLE_COULDNT_RESOLVE_HOST:
            return error(.cannotConnect, "the host in bounce.mailbox cannot be resolved: check the name and this machine's DNS")
        case CURLE_OPERATION_TIMEDOUT:
            return error(.timeout, "the mail server did not answer in time: check bounce.mailbox (port 993/995 need imaps:// or pop3s://) and that the server is up")
        case CURLE_LOGIN_DENIED where reply.map(Self.isTemporaryRefusal) == true:
            // POP3 (RFC 2449, 3206): another client holds the maildrop, or the server is busy.
            return error(.cannotConnect, "the mail server cannot open the mailbox now (another client holds it, or it is busy); it is tried again later")
        case CURLE_LOGIN_DENIED where lastVerb.map(folderVerbs.contains) == true:
            // libcurl reports a refused SELECT as a refused login.
            return error(.noSuchFolder, "the folder \"\(endpoint.folder)\" cannot be opened: check the folder in bounce.mailbox")
        case CURLE_LOGIN_DENIED:
            return error(.loginRefused, "the server refused the login: check bounce.username and the password in bounce.password_file")
        case CURLE_USE_SSL_FAILED:
            return error(.tls, "the server offers no STARTTLS, which bounce.tls starttls requires: use imaps:// or pop3s:// with tls implicit, or the port that offers STARTTLS")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_SSL_ISSUER_ERROR:
            return error(.tls, "the server's certificate is not trusted: set bounce.ca_file to the CA that signed it, or check that bounce.mailbox names the host the certificate is for")
        case CURLE_SSL_CONNECT_ERROR:
            return error(.tls, "the TLS handshake failed: check bounce.mailbox and bounce.tls (993/995: imaps:// or pop3s:// with tls implicit; 143/110: starttls)")
        case CURLE_QUOTE_ERROR where lastVerb.map(folderVerbs.contains) == true:
            return error(.noSuchFolder, "the folder \"\(endpoint.folder)\" cannot be opened: check the folder in bounce.mailbox")
        case CURLE_REMOTE_FILE_NOT_FOUND:
            return error(.messageGone, "the message is no longer in the folder (moved, deleted, or the folder was recreated): list the mailbox again")
        case CURLE_UNSUPPORTED_PROTOCOL:
            return error(.invalidSettings, "only imap, imaps, pop3 and pop3s are allowed: check bounce.mailbox")
        default:
            return error(.protocolError, "the mail server refused a command or the connection broke")
        }
    }

    /// A POP3 refusal that says to try again later: `[IN-USE]`, `[SYS/TEMP]`, `[UNAVAILABLE]`.
    static func isTemporaryRefusal(_ reply: String) -> Bool {
        ["[IN-USE]", "[SYS/TEMP]", "[UNAVAILABLE]"].contains { reply.uppercased().contains($0) }
    }

    /// A server's line as it may be shown: control characters (C0, DEL, C1) become "?", so it cannot steer a terminal.
    static func printable(_ line: String) -> String {
        String(String.UnicodeScalarView(line.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "?" : $0 }))
    }
}
