import ServiceLifecycle
import UnixSignals

/// Reloads the config and templates on SIGHUP (`systemctl reload paperboy`).
public struct ReloadService: Service {
    let reload: @Sendable () async -> Void

    public init(reload: @escaping @Sendable () async -> Void) {
        self.reload = reload
    }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reload()
        }
    }
}
