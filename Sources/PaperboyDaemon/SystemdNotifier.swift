import Foundation
import PaperboyPipeline
#if canImport(Glibc)
import Glibc
#endif

/// sd_notify(3) without libsystemd: one datagram per message to the
/// `AF_UNIX` socket named by `$NOTIFY_SOCKET` (a path, or `@name` in the
/// abstract namespace). Does nothing when the variable is not set (not
/// started by systemd with Type=notify).
public struct SystemdNotifier: Sendable {
    public let socketPath: String?
    /// `WATCHDOG_USEC` in seconds, when the watchdog is on for this process.
    public let watchdogInterval: Double?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        var interval: Double?
        if let usec = environment["WATCHDOG_USEC"].flatMap(Double.init), usec > 0 {
            // WATCHDOG_PID, when set, names the process the watchdog is meant for.
            if let pid = environment["WATCHDOG_PID"].flatMap(Int32.init), pid != getpid() {
                interval = nil
            } else {
                interval = usec / 1_000_000
            }
        }
        watchdogInterval = interval
    }

    /// Sends `state` (such as `READY=1` or `STATUS=...`); false when it could not.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { bytes in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        return sent == message.count
    }
}
