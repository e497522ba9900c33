import Foundation
import Hummingbird
import NIOCore
import PaperboyPipeline
import ServiceLifecycle

/// Runs one of the daemon's HTTP applications, and turns a failure before it
/// listens (the port is taken, the address is not this host's) into a
/// `DaemonListenError` naming its config key (exit 69).
struct ListeningService<App: ApplicationProtocol>: Service {
    /// `http.listen` or `http.admin_listen`.
    let key: String
    /// `host:port` it was asked to listen on.
    let address: String
    let configPath: String
    /// Whether it listened already (a later failure is not a listen failure).
    let bound: @Sendable () -> Bool
    let application: App

    func run() async throws {
        do {
            try await application.run()
        } catch where !bound() {
            throw DaemonListenError(key: key, address: address, configPath: configPath, cause: error)
        }
    }
}

/// An HTTP endpoint could not listen on `http.listen` or `http.admin_listen`
/// (exit 69: unavailable).
public struct DaemonListenError: Error, CustomStringConvertible, Sendable, HasExitStatus {
    /// `http.listen` or `http.admin_listen`.
    public var key: String
    /// `host:port` it was asked to listen on.
    public var address: String
    public var configPath: String
    /// The system's error number when the socket call failed (EADDRINUSE:
    /// another process has the port; EADDRNOTAVAIL: not this host's address).
    public var errno: Int32?
    /// The error's own words when it carries no errno.
    var detail: String

    init(key: String, address: String, configPath: String, cause: any Error) {
        self.key = key
        self.address = address
        self.configPath = configPath
        errno = (cause as? IOError)?.errnoCode
        detail = "\(cause)"
    }

    /// The system's words for the failure ("address already in use (errno 98)").
    var reason: String {
        guard let errno else { return detail }
        return String(cString: strerror(errno)).lowercased() + " (errno \(errno))"
    }

    public var description: String {
        let fix = switch errno {
        case EADDRINUSE: "another process has the port: change \(key) in \(configPath) or stop the other process"
        case EADDRNOTAVAIL: "the address is not this host's: change \(key) in \(configPath)"
        default: "another process has the port or the address is not this host's: change \(key) in \(configPath) or stop the other process"
        }
        return "\(key) \(address): cannot listen: \(reason); \(fix)"
    }

    public func exitStatus(at stage: FailureStage) -> ExitStatus { .unavailable }
}
