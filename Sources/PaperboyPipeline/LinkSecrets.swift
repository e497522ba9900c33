import Foundation
import PaperboyCore

/// The secrets that key unsubscribe tokens, and the one place that knows
/// where they come from and whether they are good enough.
///
/// The current secret (new mail is always signed with it) is found by
/// `Credential.Lookup`: `secret_file`, else the `PAPERBOY_SECRET` environment
/// variable, else `$CREDENTIALS_DIRECTORY/secret` (systemd `LoadCredential=secret:…`).
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
        let lookup = Credential.Lookup(file: mail.secretFile, fileKey: "\(configPath): secret_file", variable: "PAPERBOY_SECRET", credential: "secret")
        guard let current = try lookup.find(environment: environment) else {
            throw MailSetupError(message: "no secret for unsubscribe links: set secret_file in \(configPath), or the PAPERBOY_SECRET environment variable, "
                                 + "or a systemd credential named secret (make one with: \(howToMakeOne))")
        }
        try check(current, warnings: &warnings)

        var previous: [Credential] = []
        for file in mail.previousSecretFiles {
            previous.append(try Credential.read(file, key: "\(configPath): previous_secret_files"))
        }
        if let credentials = Credential.directory(environment) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: credentials)) ?? [])
                .filter { $0.hasPrefix("secret.previous") }.sorted()
            for name in names {
                let path = credentials + "/" + name
                previous.append(try Credential.read(path, key: "the systemd credential \(name)", source: .systemd(path)))
            }
        }
        var kept: [[UInt8]] = []
        for secret in previous {
            try check(secret, warnings: &warnings)
            if secret.bytes != current.bytes && !kept.contains(secret.bytes) { kept.append(secret.bytes) }
        }
        return LinkSecrets(current: current.bytes, previous: kept, warnings: warnings)
    }

    /// Throws for a weak secret; appends a warning for a short one or a loose file mode.
    static func check(_ secret: Credential, warnings: inout [String]) throws {
        let remake = secret.path.map { "make a new one with: \(howToMakeOne) > \($0)" }
            ?? "make a new one with: \(howToMakeOne)"
        if let weakness = weakness(secret.bytes) {
            throw MailSetupError(message: "the secret in \(secret.origin) is \(weakness), which anyone could guess; \(remake)")
        }
        if secret.bytes.count < recommendedBytes {
            warnings.append("the secret in \(secret.origin) is \(secret.bytes.count) bytes; use at least \(recommendedBytes) (\(remake))")
        }
        if let path = secret.path, let mode = groupOrOtherReadable(path) {
            warnings.append("the secret file \(path) may be read by group or others (mode \(String(format: "%04o", mode))); "
                            + "make it readable by the paperboy user only: chmod 600 \(path)")
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
