import CCurl
import CCurlShims

/// Which step of `paperboy check --smtp` failed, and what to do about it.
public struct SMTPCheckFailure: Sendable, CustomStringConvertible {
    /// "connect", "greeting", "TLS", "EHLO", "STARTTLS" or "AUTH".
    public var step: String
    /// libcurl's CURLcode (0 when libcurl succeeded but the result is still wrong, as when AUTH was never offered).
    public var curlCode: Int
    /// The server's last reply, or "" when it sent none.
    public var reply: String
    /// What to change, with curl's own message.
    public var hint: String

    public init(step: String, curlCode: Int, reply: String, hint: String) {
        self.step = step
        self.curlCode = curlCode
        self.reply = reply
        self.hint = hint
    }

    public var description: String {
        var text = "SMTP check failed at \(step)"
        if curlCode != 0 { text += " (curl error \(curlCode))" }
        if !reply.isEmpty { text += "; the server replied \"\(reply.split(separator: "\n").joined(separator: " / "))\"" }
        return text + ": " + hint
    }
}

extension SMTPTransport {
    /// `paperboy check --smtp`: connect, EHLO, STARTTLS, AUTH, QUIT on a new
    /// connection. Nil when all worked; else which step failed, with curl's
    /// error, the server's reply and a hint.
    public func check() -> SMTPCheckFailure? {
        let settings = self.settings
        let connection: SMTPConnection
        do {
            connection = try SMTPConnection(settings: settings)
        } catch {
            return SMTPCheckFailure(step: "setup", curlCode: 0, reply: "", hint: error.message)
        }
        let easy = connection.easy
        // CONNECT_ONLY stops once the connection is set up, which for SMTP
        // means greeting, EHLO, STARTTLS and AUTH; cleanup sends QUIT.
        easy.set(CURLOPT_UPLOAD, 0)
        easy.set(CURLOPT_CONNECT_ONLY, 1)
        connection.recordCommands()
        connection.recorder.reset()
        let code = easy.perform()
        let recorder = connection.recorder

        if code == CURLE_OK {
            if settings.username != nil && !recorder.commands.contains("AUTH") {
                return SMTPCheckFailure(step: "AUTH", curlCode: 0, reply: recorder.reply,
                                        hint: SMTPFailure.noAuthAdvice(recorder.authMechanisms ?? []))
            }
            return nil
        }
        let outcome = SMTPFailure.classify(code: code, responseCode: easy.infoLong(CURLINFO_RESPONSE_CODE), newConnection: true, recorder: recorder,
                                           curlMessage: easy.errorMessage, settings: settings)
        let hint: String
        switch outcome {
        case .sent: hint = ""
        case .temporary(_, _, let text), .permanent(_, _, let text):
            // Nothing is retried here: drop what the advice says about retries.
            hint = text.replacingOccurrences("; it will be retried", with: "").replacingOccurrences("; it will not be retried", with: "")
        }
        let connected = easy.infoDouble(CURLINFO_CONNECT_TIME) > 0
        let isTLSError = [CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
                          CURLE_SSL_CERTPROBLEM, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE].contains(code)
        let step: String
        if code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST || (!connected && !recorder.sawReply && !isTLSError) {
            step = "connect"
        } else if code == CURLE_USE_SSL_FAILED {
            step = "STARTTLS"
        } else if let command = recorder.lastCommand {
            step = command == "HELO" ? "EHLO" : command
        } else if isTLSError {
            step = "TLS"
        } else {
            step = "greeting"
        }
        return SMTPCheckFailure(step: step, curlCode: Int(code.rawValue), reply: outcome.reply, hint: hint)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
