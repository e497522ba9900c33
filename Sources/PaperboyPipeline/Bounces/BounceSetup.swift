import Foundation
import PaperboyCore
import PaperboyStore

/// Builds what reading bounces needs from the config: the signed return
/// path, the mailbox password, the poller.
public enum BounceSetup {
    /// The return path for `bounce.address`, signed with the link secret;
    /// nil when `bounce.address` is not set.
    public static func returnPath(_ settings: BounceSettings, secrets: LinkSecrets) -> ReturnPath? {
        settings.address.map { ReturnPath(address: $0, secret: secrets.current, previousSecrets: secrets.previous) }
    }

    /// The return path for `config` (reads the link secret); nil when `bounce.address` is not set.
    public static func returnPath(config: PaperboyConfig, configPath: String,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ReturnPath? {
        guard config.bounce.address != nil else { return nil }
        return returnPath(config.bounce, secrets: try LinkSecrets.load(mail: config.mail, configPath: configPath, environment: environment))
    }

    /// The mailbox password, found by `Credential.Lookup`: `bounce.password_file`,
    /// else `PAPERBOY_BOUNCE_PASSWORD`, else `$CREDENTIALS_DIRECTORY/bounce-password`.
    public static func password(_ settings: BounceSettings, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        let lookup = Credential.Lookup(file: settings.passwordFile, fileKey: "bounce.password_file", variable: "PAPERBOY_BOUNCE_PASSWORD",
                                       credential: "bounce-password")
        if let password = try lookup.find(environment: environment) {
            if password.bytes.isEmpty, case .file(let path) = password.source {
                throw MailSetupError(message: "bounce.password_file: \(path) is empty; write the mailbox password in it, or remove the key")
            }
            return password.text
        }
        if settings.username != nil {
            throw MailSetupError(message: "bounce.mailbox names a user but there is no password: set bounce.password_file, PAPERBOY_BOUNCE_PASSWORD, or a systemd credential named bounce-password")
        }
        return nil
    }

    /// What a command that reads the return mailbox says without `bounce.mailbox` (exit 78).
    public static func missingMailbox(configPath: String) -> MailSetupError {
        MailSetupError(message: "\(configPath): bounce.mailbox: missing; set it to the mailbox bounces arrive in, such as imaps://bounces@mail.example.org/INBOX")
    }

    /// The poller for `config`; throws `MailSetupError` when there is no
    /// `bounce.mailbox` or no link secret.
    public static func poller(config: PaperboyConfig, configPath: String, store: Store,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              now: @escaping @Sendable () -> Date) throws -> BouncePoller {
        guard config.bounce.mailbox != nil else { throw missingMailbox(configPath: configPath) }
        let secrets = try LinkSecrets.load(mail: config.mail, configPath: configPath, environment: environment)
        let tracer = BounceTracer(store: store, returnPath: returnPath(config.bounce, secrets: secrets), tokens: secrets.tokens)
        return BouncePoller(store: store, settings: config.bounce, tracer: tracer,
                            unsubscribeAddresses: config.mail.unsubscribeMailto.map { [$0.description] } ?? [], now: now)
    }
}
