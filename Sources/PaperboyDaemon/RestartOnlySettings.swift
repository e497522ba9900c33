import PaperboyCore
import PaperboyPipeline

/// The config values `paperboy run` takes at start only: the open database
/// and the two HTTP listeners with their limits. A reload compares a new
/// config with these — what runs — not with the config loaded last, so a
/// value changed and changed back says nothing, and one changed twice
/// names what actually runs.
struct RestartOnlySettings: Equatable, Sendable {
    /// (config key, value as the operator writes it), in a fixed order.
    let values: [(key: String, value: String)]

    init(_ config: PaperboyConfig) {
        let daemon = config.daemon
        values = [
            ("database", config.database),
            ("http.listen", daemon.listen),
            ("http.admin_listen", daemon.adminListen),
            ("http.idle_timeout", Self.seconds(daemon.idleTimeout)),
            ("http.max_connections", "\(daemon.maxConnections)"),
        ]
    }

    /// Each key whose value in `config` differs from what runs: (key, running, new).
    func changes(in config: PaperboyConfig) -> [(key: String, running: String, new: String)] {
        zip(values, Self(config).values).compactMap { running, new in
            running.value == new.value ? nil : (running.key, running.value, new.value)
        }
    }

    /// "30s", or "2.5s" for a fraction.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))s" : "\(value)s"
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.values.map(\.key) == rhs.values.map(\.key) && lhs.values.map(\.value) == rhs.values.map(\.value)
    }
}
