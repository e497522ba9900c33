import CCurl

/// Turns how a libcurl SMTP transfer ended into an `SMTPOutcome`.
///
/// What libcurl 7.88.1 returns, measured in Tests/CurlTests/SMTPTransportTests.swift:
/// MAIL, RCPT or DATA refused (4xx, 5xx, 421 and hang-up) → 55 SEND_ERROR;
/// the reply to the final dot not 250 → 8 WEIRD_SERVER_REPLY; hang-up after
/// the final dot → 56 RECV_ERROR (CURLINFO_RESPONSE_CODE still says 354);
/// no reply in time → 28; closed port → 7; wrong password → 67 (535);
/// untrusted certificate → 60; smtps:// to a STARTTLS port → 35; no STARTTLS
/// offered → 64; STARTTLS to an implicit-TLS port → 28 (no greeting). With a
/// user name and a server that offers no AUTH, libcurl 7.88 skips AUTH and
/// succeeds (the server may then refuse MAIL with 530). So reply codes decide
/// only with 55 and 8; everything about the connection is temporary.
enum SMTPFailure {
    /// `newConnection`: the transfer opened its connection (CURLINFO_NUM_CONNECTS > 0)
    /// rather than reusing one that had already said hello.
    static func classify(code: CURLcode, responseCode: Int, newConnection: Bool, recorder: SMTPReplyRecorder,
                         curlMessage: String, settings: SMTPSettings) -> SMTPOutcome {
        let raw = Int(code.rawValue)
        let reply = recorder.reply
        if code == CURLE_OK {
            return .sent(reply: reply)
        }
        let message = curlMessage.isEmpty ? String(cString: curl_easy_strerror(code)) : curlMessage
        func hint(_ advice: String) -> String { "\(advice) (curl: \(message))" }
        // Only a reply that came in answer to a command counts as the server's verdict.
        let errorReply = (recorder.replyCode ?? 0) >= 400 ? reply : ""

        switch code {
        case CURLE_SEND_ERROR, CURLE_WEIRD_SERVER_REPLY:
            let replyCode = recorder.replyCode.flatMap { $0 >= 400 ? $0 : nil } ?? responseCode
            // 8: the reply to the final dot was not 250 (curl says only "Weird server reply").
            let when = code == CURLE_WEIRD_SERVER_REPLY ? " at the end of the message" : ""
            if (500...599).contains(replyCode) {
                return .permanent(reply: errorReply, curlCode: raw,
                                  hint: hint("the server refused the message with \(replyCode)\(when); it will not be retried"))
            }
            if (400...499).contains(replyCode) {
                return .temporary(reply: errorReply, curlCode: raw,
                                  hint: hint("the server deferred the message with \(replyCode)\(when); it will be retried"))
            }
            return .temporary(reply: errorReply, curlCode: raw, hint: hint(lostConnectionAdvice(recorder, newConnection: newConnection)))
        case CURLE_LOGIN_DENIED:
            if let mechanisms = recorder.authMechanisms, !mechanisms.contains(where: { knownMechanisms.contains($0) }) {
                return .temporary(reply: errorReply, curlCode: raw, hint: hint(noAuthAdvice(mechanisms)))
            }
            return .permanent(reply: errorReply, curlCode: raw,
                              hint: hint("wrong username or password (smtp.username / smtp.password_file)"))
        case CURLE_COULDNT_CONNECT:
            return .temporary(reply: "", curlCode: raw,
                              hint: hint("nothing accepts connections at \(endpointText(settings)): check smtp.url and that the server is up; it will be retried"))
        case CURLE_COULDNT_RESOLVE_HOST:
            return .temporary(reply: "", curlCode: raw,
                              hint: hint("the host in smtp.url cannot be resolved: check the name and this machine's DNS; it will be retried"))
        case CURLE_OPERATION_TIMEDOUT:
            return .temporary(reply: errorReply, curlCode: raw, hint: hint(timeoutAdvice(recorder, newConnection: newConnection, settings)))
        case CURLE_RECV_ERROR, CURLE_GOT_NOTHING:
            return .temporary(reply: errorReply, curlCode: raw, hint: hint(lostConnectionAdvice(recorder, newConnection: newConnection)))
        case CURLE_USE_SSL_FAILED:
            return .temporary(reply: errorReply, curlCode: raw, hint: hint(noStartTLSAdvice(settings)))
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE:
            return .temporary(reply: errorReply, curlCode: raw, hint: hint(certificateAdvice(code, settings)))
        case CURLE_SSL_CONNECT_ERROR:
            return .temporary(reply: errorReply, curlCode: raw, hint: hint(handshakeAdvice(settings, message: message)))
        case CURLE_REMOTE_ACCESS_DENIED:
            return .temporary(reply: errorReply, curlCode: raw,
                              hint: hint("the server refused EHLO/HELO: set smtp.ehlo_name to this machine's public host name"))
        default:
            return .temporary(reply: errorReply, curlCode: raw, hint: hint("the SMTP transfer failed; it will be retried"))
        }
    }

    /// SASL mechanisms libcurl 7.88 can use with a user name and password.
    static let knownMechanisms: Set<String> = ["PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "NTLM", "SCRAM-SHA-1", "SCRAM-SHA-256"]

    static func endpointText(_ settings: SMTPSettings) -> String {
        guard let endpoint = try? SMTPEndpoint(parsing: settings.url) else { return settings.url }
        return endpoint.port.map { "\(endpoint.host):\($0)" } ?? endpoint.host
    }

    static func lostConnectionAdvice(_ recorder: SMTPReplyRecorder, newConnection: Bool) -> String {
        if recorder.dataAccepted {
            return "the connection was lost after DATA, before the server's final reply (the message may have arrived); it will be retried"
        }
        if newConnection && !recorder.sawReply {
            return "the connection was lost before the server's greeting; it will be retried"
        }
        return "the connection was lost before the message was sent; it will be retried"
    }

    static func timeoutAdvice(_ recorder: SMTPReplyRecorder, newConnection: Bool, _ settings: SMTPSettings) -> String {
        if newConnection && !recorder.sawReply && settings.tls != .implicit {
            if (try? SMTPEndpoint(parsing: settings.url))?.port == 465 {
                return "the server sent no greeting: port 465 needs smtps:// with tls: implicit (it waits for TLS first)"
            }
            return "the server sent no greeting in time: if this port expects TLS from the first byte (465), use smtps:// with tls: implicit; else the server is slow or stuck (smtp.command_timeout); it will be retried"
        }
        let step = recorder.dataAccepted ? " after DATA (the message may have arrived)" : ""
        return "the server did not answer in time\(step) (smtp.command_timeout, smtp.timeout); it will be retried"
    }

    static func noStartTLSAdvice(_ settings: SMTPSettings) -> String {
        "the server does not offer STARTTLS, and tls: starttls requires it: use the port that offers it (587), smtps:// with tls: implicit for port 465, or tls: none only to a trusted local relay"
    }

    static func noAuthAdvice(_ mechanisms: [String]) -> String {
        mechanisms.isEmpty
            ? "the server does not offer AUTH PLAIN/LOGIN (no AUTH in its EHLO reply): use the submission port (587, STARTTLS), or leave smtp.username out for a relay that needs no login"
            : "the server does not offer AUTH PLAIN/LOGIN (it offers \(mechanisms.joined(separator: " ")))"
    }

    static func certificateAdvice(_ code: CURLcode, _ settings: SMTPSettings) -> String {
        if code == CURLE_SSL_CACERT_BADFILE {
            return "smtp.ca_file \(settings.caFile.map { "(\($0)) " } ?? "")cannot be read as a PEM file of CA certificates"
        }
        return "the certificate is not trusted: set smtp.ca_file to the CA that signed the server's certificate, or check that smtp.url names the host the certificate is for; it will be retried"
    }

    static func handshakeAdvice(_ settings: SMTPSettings, message: String) -> String {
        let port = (try? SMTPEndpoint(parsing: settings.url))?.port
        let lowered = message.lowercased()
        if settings.tls == .implicit && (lowered.contains("wrong version number") || lowered.contains("packet length too long") || port == 587 || port == 25) {
            return "the TLS handshake failed: this port does not speak TLS from the first byte; port 587 needs smtp:// with tls: starttls"
        }
        if lowered.contains("certificate") || lowered.contains("verify") {
            return certificateAdvice(CURLE_PEER_FAILED_VERIFICATION, settings)
        }
        return "the TLS handshake failed: check smtp.url and smtp.tls (port 465: smtps:// with tls: implicit; port 587: smtp:// with tls: starttls) and, for a private CA, smtp.ca_file; it will be retried"
    }
}
