import Foundation
import PaperboyPipeline
import Hummingbird
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
            throw DaemonListenError(message: "\(key) \(address): cannot listen: \(Self.reason(error)); "
                + "another process has the port or the address is not this host's: change \(key) in \(configPath) or stop the other process")
        }
    }

    /// The system's words for a bind failure ("address already in use"),
    /// from the errno that NIO's error carries in its description.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if let range = text.range(of: #"\(errno: [0-9]+\)"#, options: .regularExpression),
           let code = Int32(text[range].filter(\.isNumber)) {
            return String(cString: strerror(code)).lowercased() + " (errno \(code))"
        }
        return text
    }
}
