import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Many TCP connections to 127.0.0.1 from one thread (non-blocking sockets
/// and poll), so that a test can load a server without adding threads of
/// its own to the count it measures.
public final class LoopbackClients {
    public enum Phase { case connecting, writing, reading, closed, failed }

    public struct Connection {
        public var fd: Int32
        public var phase: Phase
        public var sent = 0
        public var received: [UInt8] = []
        public var retries = 0
    }

    public let port: Int
    public private(set) var connections: [Connection] = []
    private let request: [UInt8]
    /// How often a connection the kernel reset before any answer may be made again.
    private let retryResets: Int

    /// `request` is written on each connection once it connects (nothing when
    /// empty). With `retryResets`, a connection reset before the first byte of
    /// an answer (the listen queue overflowed: the kernel drops or resets
    /// connections it has no room for) is made again, up to that many times,
    /// as any client would.
    public init(port: Int, request: String = "", retryResets: Int = 0) {
        self.port = port
        self.request = Array(request.utf8)
        self.retryResets = retryResets
    }

    /// Connections made again after a reset.
    public var retried: Int { connections.reduce(0) { $0 + $1.retries } }

    deinit { closeAll() }

    /// Starts `count` more connections.
    public func open(_ count: Int) throws {
        for _ in 0..<count {
            connections.append(Connection(fd: try connectSocket(), phase: .connecting))
        }
    }

    private func connectSocket() throws -> Int32 {
        do {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ServerStartError(message: "socket(): \(String(cString: strerror(errno)))") }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if result != 0 && errno != EINPROGRESS {
                close(fd)
                throw ServerStartError(message: "connect(): \(String(cString: strerror(errno)))")
            }
            return fd
        }
    }

    /// After a reset before any answer: a new connection, if retries are left.
    private func retry(_ connection: inout Connection) -> Bool {
        guard connection.received.isEmpty, connection.retries < retryResets, let fd = try? connectSocket() else { return false }
        close(connection.fd)
        connection = Connection(fd: fd, phase: .connecting, retries: connection.retries + 1)
        return true
    }

    public func count(_ phase: Phase) -> Int { connections.lazy.filter { $0.phase == phase }.count }

    /// The answers read from connections the server closed.
    public var responses: [String] {
        connections.filter { $0.phase == .closed }.map { String(decoding: $0.received, as: UTF8.self) }
    }

    /// Polls every open connection for up to `milliseconds`, moving each along:
    /// connected → request written → answer read to the server's close.
    public func poll(milliseconds: Int32) {
        var indexes: [Int] = []
        var fds: [pollfd] = []
        for (index, connection) in connections.enumerated() {
            let events: Int16
            switch connection.phase {
            case .connecting, .writing: events = Int16(POLLOUT)
            case .reading: events = Int16(POLLIN)
            case .closed, .failed: continue
            }
            indexes.append(index)
            fds.append(pollfd(fd: connection.fd, events: events, revents: 0))
        }
        guard !fds.isEmpty else { return }
        guard Glibc.poll(&fds, nfds_t(fds.count), milliseconds) > 0 else { return }
        for (slot, index) in indexes.enumerated() where fds[slot].revents != 0 {
            step(index, revents: fds[slot].revents)
        }
    }

    private func step(_ index: Int, revents: Int16) {
        var connection = connections[index]
        defer { connections[index] = connection }
        switch connection.phase {
        case .connecting:
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                if retry(&connection) { return }
                connection.phase = .failed
                close(connection.fd)
                return
            }
            connection.phase = request.isEmpty ? .reading : .writing
            if connection.phase == .writing { fallthrough }
        case .writing:
            let written = request[connection.sent...].withUnsafeBytes { send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 { connection.sent += written }
            if connection.sent == request.count { connection.phase = .reading }
            if written < 0 && errno != EAGAIN {
                if retry(&connection) { return }
                connection.phase = .failed
                close(connection.fd)
            }
        case .reading:
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(connection.fd, &buffer, buffer.count, 0)
            if count > 0 {
                connection.received += buffer[..<count]
            } else if count < 0 && errno == ECONNRESET && retry(&connection) {
                return
            } else if count == 0 || errno == ECONNRESET {
                connection.phase = .closed
                close(connection.fd)
            } else if errno != EAGAIN {
                connection.phase = .failed
                close(connection.fd)
            }
        case .closed, .failed:
            break
        }
    }

    /// Closes every connection still open.
    public func closeAll() {
        for index in connections.indices where connections[index].phase != .closed && connections[index].phase != .failed {
            close(connections[index].fd)
            connections[index].phase = .failed
        }
    }
}

/// Process resources, read from /proc.
public enum ProcessResources {
    /// Threads of this process now.
    public static var threads: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    /// Raises this process's soft open-file limit to at least `wanted` (up to the hard limit).
    public static func raiseOpenFileLimit(to wanted: Int) {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < rlim_t(wanted) else { return }
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
    }

    private static var RLIMIT_NOFILE_VALUE: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }

    /// Connections to 127.0.0.1:`port` that the server has accepted (from
    /// /proc/net/tcp: established, listening side, with a socket inode; those
    /// still waiting in the accept queue have none).
    public static func acceptedConnections(port: Int) -> Int {
        // Read to the end: /proc files have no size, and a one-shot read gets the first page only.
        guard let data = FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() else { return 0 }
        let text = String(decoding: data, as: UTF8.self)
        let local = String(format: ":%04X", port)
        return text.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 9 && fields[1].hasSuffix(local) && fields[3] == "01" && fields[9] != "0"
        }.count
    }
}
