import Foundation
import PaperboyCore

/// The secrets that key unsubscribe tokens, and the one place that knows
/// where they come from and whether they are good enough.
///
/// The current secret (new mail is always signed with it) is the first of:
/// `secret_file`, the `PAPERBOY_SECRET` environment variable,
/// `$CREDENTIALS_DIRECTORY/secret` (systemd `LoadCredential=secret:…`).
///
/// Previous secrets, whose tokens are still accepted after a rotation: every
/// file in `previous_secret_files`, and every systemd credential whose name
/// starts with `secret.previous` (`LoadCredential=secret.previous:…`, or a
/// folder loaded as `secret.previous_NAME`), in name order.
///
/// A secret shorter than 16 bytes, or one character or a short group of
/// characters repeated, is refused (exit 78); one shorter than 32 bytes, or
/// a file that group or others may read, gets a warning.
public struct LinkSecrets: Sendable {
    public var current: [UInt8]
    public var previous: [[UInt8]]
    /// What should be fixed but does not stop anything (short secret, loose file mode).
    public var warnings: [String]

    /// Fewer bytes than this are refused.
    public static let minimumBytes = 16
    /// Fewer bytes than this get a warning.
    public static let recommendedBytes = 32
    static let howToMakeOne = "head -c 32 /dev/urandom | base64"

    /// The token maker for these secrets.
    public var tokens: LinkToken { LinkToken(secret: current, previousSecrets: previous) }

    /// Reads the secrets `mail` and `environment` name; throws
    /// `MailSetupError` saying what is missing or weak and how to make a good one.
    public static func load(mail: MailSettings, configPath: String, environment: [String: String]) throws -> LinkSecrets {
        var warnings: [String] = []
        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
        let current: Secret
        if let file = mail.secretFile {
            current = try Secret.file(file, key: "\(configPath): secret_file")
        } else if let value = environment["PAPERBOY_SECRET"], !value.isEmpty {
            current = Secret(bytes: Array(value.utf8), origin: "PAPERBOY_SECRET", path: nil)
        } else if let credentials, FileManager.default.fileExists(atPath: credentials + "/secret") {
            current = try Secret.file(credentials + "/secret", key: "the systemd credential secret")
        } else {
            throw MailSetupError(message: "no secret for unsubscribe links: set secret_file in \(configPath), or the PAPERBOY_SECRET environment variable, "
                                 + "or a systemd credential named secret (make one with: \(howToMakeOne))")
        }
        try current.check(warnings: &warnings)

        var previous: [Secret] = []
        for file in mail.previousSecretFiles {
            previous.append(try Secret.file(file, key: "\(configPath): previous_secret_files"))
        }
        if let credentials {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: credentials)) ?? [])
                .filter { $0.hasPrefix("secret.previous") }.sorted()
            for name in names {
                previous.append(try Secret.file(credentials + "/" + name, key: "the systemd credential \(name)"))
            }
        }
        var kept: [[UInt8]] = []
        for secret in previous {
            try secret.check(warnings: &warnings)
            if secret.bytes != current.bytes && !kept.contains(secret.bytes) { kept.append(secret.bytes) }
        }
        return LinkSecrets(current: current.bytes, previous: kept, warnings: warnings)
    }

    /// One secret, trimmed of trailing line breaks and spaces, and where it came from.
    struct Secret {
        var bytes: [UInt8]
        /// For messages: the file, or the variable.
        var origin: String
        /// The file it was read from, for the mode check.
        var path: String?

        static func file(_ path: String, key: String) throws -> Secret {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MailSetupError(message: "\(key): cannot read \(path); check the path and that the paperboy user may read it")
            }
            return Secret(bytes: Array(data), origin: path, path: path)
        }

        init(bytes: [UInt8], origin: String, path: String?) {
            var bytes = bytes
            while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
            self.bytes = bytes
            self.origin = origin
            self.path = path
        }

        /// Throws for a weak secret; appends a warning for a short one or a loose file mode.
        func check(warnings: inout [String]) throws {
            let remake = path.map { "make a new one with: \(LinkSecrets.howToMakeOne) > \($0)" }
                ?? "make a new one with: \(LinkSecrets.howToMakeOne)"
            if let weakness = LinkSecrets.weakness(bytes) {
                throw MailSetupError(message: "the secret in \(origin) is \(weakness), which anyone could guess; \(remake)")
            }
            if bytes.count < LinkSecrets.recommendedBytes {
                warnings.append("the secret in \(origin) is \(bytes.count) bytes; use at least \(LinkSecrets.recommendedBytes) (\(remake))")
            }
            if let path, let mode = LinkSecrets.groupOrOtherReadable(path) {
                warnings.append("the secret file \(path) may be read by group or others (mode \(String(format: "%04o", mode))); "
                                + "make it readable by the paperboy user only: chmod 600 \(path)")
            }
        }
    }

    /// Why `bytes` is an obviously weak secret, or nil: fewer than 16 bytes,
    /// one byte repeated, or a group of at most 4 bytes repeated.
    static func weakness(_ bytes: [UInt8]) -> String? {
        if bytes.count < minimumBytes { return "\(bytes.count) bytes long (at least \(minimumBytes) are needed)" }
        if Set(bytes).count == 1 { return "one character repeated" }
        for period in 2...4 where bytes.indices.allSatisfy({ bytes[$0] == bytes[$0 % period] }) {
            return "the same \(period) characters repeated"
        }
        return nil
    }

    /// The file's permission bits when group or others may read it.
    static func groupOrOtherReadable(_ path: String) -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue else { return nil }
        return mode & 0o044 != 0 ? mode & 0o7777 : nil
    }
}
