/// How the SMTP connection is protected.
public enum SMTPTLSMode: String, Sendable {
    /// A plain connection upgraded with STARTTLS, which must succeed (port 587 or 25).
    case starttls
    /// TLS from the first byte: `smtps://`, port 465.
    case implicit
    /// No TLS: only to a loopback address, or with `allowPlaintext`.
    case none
}

/// Where and how to send mail over SMTP (the `smtp:` section of the config).
///
/// Each field has the name of its `SMTPConfig` field, so the pipeline's one
/// mapping (`SMTPSettings(_:password:ehloName:)`) copies them one to one.
public struct SMTPSettings: Sendable {
    /// `smtp://host:port` or `smtps://host:port`, with no path and no credentials.
    public var url: String
    /// `starttls` (never opportunistic: no STARTTLS means no mail), `implicit` for `smtps://`, or `none`.
    public var tls: SMTPTLSMode
    /// Allows `tls: none` to a host that is not a loopback address.
    public var allowPlaintext: Bool
    /// A PEM file of CA certificates to trust (a private CA); certificates are always verified.
    public var caFile: String?
    public var username: String?
    /// Never logged and never part of an error message.
    public var password: String?
    /// The name sent with EHLO; nil leaves libcurl's default (`localhost`).
    public var ehloName: String?
    /// Seconds allowed to connect (TCP and TLS).
    public var connectTimeout: Double
    /// Seconds allowed for each server reply.
    public var commandTimeout: Double
    /// Seconds allowed for one message, connecting included.
    public var timeout: Double
    /// SMTP connections used in parallel, 1 to 64.
    public var connections: Int
    /// At most this many messages started per second, across all connections; nil for no limit.
    public var maxPerSecond: Double?

    public init(
        url: String,
        tls: SMTPTLSMode = .starttls,
        allowPlaintext: Bool = false,
        caFile: String? = nil,
        username: String? = nil,
        password: String? = nil,
        ehloName: String? = nil,
        connectTimeout: Double = 15,
        commandTimeout: Double = 60,
        timeout: Double = 300,
        connections: Int = 4,
        maxPerSecond: Double? = nil
    ) {
        self.url = url
        self.tls = tls
        self.allowPlaintext = allowPlaintext
        self.caFile = caFile
        self.username = username
        self.password = password
        self.ehloName = ehloName
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.timeout = timeout
        self.connections = connections
        self.maxPerSecond = maxPerSecond
    }

    /// Checks the combination: scheme against `tls`, plaintext to a host that
    /// is not loopback, the connection count, timeouts and credentials. The
    /// error says what to change; it never contains the password.
    public func validate() throws(SMTPConfigError) {
        let endpoint = try SMTPEndpoint(parsing: url)
        switch (endpoint.implicitTLS, tls) {
        case (true, .starttls):
            throw SMTPConfigError("smtp.url \(url) is smtps://, TLS from the first byte (port 465), but smtp.tls is starttls: set tls: implicit, or use smtp://\(endpoint.host):587 with tls: starttls")
        case (true, .none):
            throw SMTPConfigError("smtp.url \(url) is smtps://, which always uses TLS: set smtp.tls to implicit")
        case (false, .implicit):
            throw SMTPConfigError("smtp.tls is implicit, which needs an smtps:// URL (port 465): use smtps://\(endpoint.host):465, or tls: starttls for port 587 or 25")
        default:
            break
        }
        if tls == .none && !allowPlaintext && !endpoint.isLoopback {
            throw SMTPConfigError("smtp.tls is none, which would send mail\(username == nil ? "" : " and the password") unencrypted to \(endpoint.host): use tls: starttls (port 587) or tls: implicit (smtps://, port 465), or set smtp.allow_plaintext: true if the network path is trusted")
        }
        guard (1...64).contains(connections) else {
            throw SMTPConfigError("smtp.connections is \(connections): use 1 to 64 (4 is a good start)")
        }
        for (key, value) in [("smtp.connect_timeout", connectTimeout), ("smtp.command_timeout", commandTimeout), ("smtp.timeout", timeout)] {
            guard value.isFinite, value > 0, value <= 86_400 else {
                throw SMTPConfigError("\(key) must be a number of seconds above 0 (and at most a day)")
            }
        }
        if let maxPerSecond, !(maxPerSecond.isFinite && maxPerSecond > 0) {
            throw SMTPConfigError("smtp.max_per_second must be above 0; leave it out for no limit")
        }
        switch (username, password) {
        case (.some(let name), .some(let secret)):
            guard !name.isEmpty, !name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw SMTPConfigError("smtp.username is empty or contains control characters")
            }
            guard !secret.isEmpty, !secret.utf8.contains(0) else {
                throw SMTPConfigError("the SMTP password (smtp.password_file) is empty or contains a NUL byte")
            }
        case (.some, nil):
            throw SMTPConfigError("smtp.username is set but there is no password: set smtp.password_file")
        case (nil, .some):
            throw SMTPConfigError("an SMTP password is set but smtp.username is not")
        case (nil, nil):
            break
        }
        if let ehloName {
            let allowed = ehloName.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-:[]".unicodeScalars.contains(scalar))
            }
            guard allowed, !ehloName.isEmpty, ehloName.utf8.count <= 253 else {
                throw SMTPConfigError("smtp.ehlo_name \"\(ehloName)\" is not a host name: use this machine's public name, such as mail.example.org")
            }
        }
        if let caFile, caFile.isEmpty {
            throw SMTPConfigError("smtp.ca_file is empty: give the path of a PEM file, or leave it out to use the system's CA bundle")
        }
    }
}

/// A setting, or a combination of settings, that cannot work; the message says what to change.
public struct SMTPConfigError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The parts of `smtp.url` that matter.
struct SMTPEndpoint {
    var implicitTLS: Bool
    /// As written: a name, an IPv4 address or a bracketed IPv6 address.
    var host: String
    var port: Int?

    init(parsing url: String) throws(SMTPConfigError) {
        let lowered = url.lowercased()
        let rest: Substring
        if lowered.hasPrefix("smtp://") {
            implicitTLS = false
            rest = url.dropFirst("smtp://".count)
        } else if lowered.hasPrefix("smtps://") {
            implicitTLS = true
            rest = url.dropFirst("smtps://".count)
        } else {
            throw SMTPConfigError("smtp.url \"\(url)\" must start with smtp:// (STARTTLS, port 587 or 25) or smtps:// (TLS from the first byte, port 465)")
        }
        var authority = rest
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            authority = rest[..<slash]
            let tail = rest[slash...]
            guard tail == "/" else {
                throw SMTPConfigError("smtp.url \"\(url)\" must be scheme://host:port with nothing after the port; set the EHLO name with smtp.ehlo_name")
            }
        }
        guard !authority.contains("@") else {
            throw SMTPConfigError("smtp.url must not hold a user name or password: use smtp.username and smtp.password_file")
        }
        guard !authority.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "\\") }) else {
            throw SMTPConfigError("smtp.url \"\(url)\" contains spaces or other characters a host name cannot have")
        }
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw SMTPConfigError("smtp.url \"\(url)\" has an IPv6 address without its closing ]")
            }
            hostPart = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw SMTPConfigError("smtp.url \"\(url)\" has text after the IPv6 address") }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else {
            throw SMTPConfigError("smtp.url \"\(url)\" has no host: write it as smtp://mail.example.org:587")
        }
        host = String(hostPart)
        if let portPart {
            guard let number = Int(portPart), (1...65535).contains(number) else {
                throw SMTPConfigError("smtp.url \"\(url)\" has a port that is not a number from 1 to 65535")
            }
            port = number
        }
    }

    /// localhost, 127.0.0.0/8 or ::1: mail that never leaves the machine.
    var isLoopback: Bool { LoopbackHost.contains(host) }
}
