import ArgumentParser
import Foundation
import PaperboyCore
import PaperboyStore

/// `paperboy subscriber ...`: edit subscriptions.
struct SubscriberCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriber",
        abstract: "Add, change, pause, remove, list, import and export subscribers.",
        discussion: "Every change is one SQLite transaction, safe while the daemon runs. Bad input changes nothing and exits 64 (usage) or 65 (bad data).",
        subcommands: [
            SubscriberAddCommand.self, SubscriberSetCommand.self, SubscriberEditCommand.self,
            SubscriberRemoveCommand.self, SubscriberPauseCommand.self, SubscriberResumeCommand.self,
            SubscriberListCommand.self, SubscriberShowCommand.self,
            SubscriberImportCommand.self, SubscriberExportCommand.self,
            SubscriberLikeCommand.self, SubscriberUnlikeCommand.self,
            SubscriberDislikeCommand.self, SubscriberUndislikeCommand.self,
        ]
    )
}

/// The subscriber address every per-subscriber command takes.
struct EmailArgument: ParsableArguments {
    @Argument(help: "The subscriber's email address.")
    var email: String

    mutating func validate() throws {
        _ = try parsed()
    }

    func parsed() throws -> EmailAddress {
        do {
            return try SubscriberValidation.email(email)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

extension ConfigOptions {
    /// Loads the config and opens its database, for commands that need both.
    func openConfiguredStore() throws -> (PaperboyConfig, Store) {
        let config = try loadConfig()
        return (config, try openStore(config))
    }
}

/// Runs a store operation, turning the store's refusals into exit 65 with their message.
@discardableResult
func storeChange<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SubscriberStoreError {
        throw CLIFailure(error.message, exitCode: .dataError)
    } catch let error as SubscriberFieldError {
        throw CLIFailure(error.description, exitCode: .dataError)
    }
}
