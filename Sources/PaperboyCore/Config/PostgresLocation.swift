import Foundation

/// A PostgreSQL database as the config names it:
/// `database: postgresql://USER@HOST:PORT/NAME?sslmode=verify-full&sslrootcert=/path&connections=8`.
///
/// The password never sits in the URL (config files are read by more
/// people than the database's owner): it comes from
/// `database_password_file`, `PAPERBOY_DATABASE_PASSWORD` or the systemd
/// credential `database-password`. TLS is required and the server's
/// certificate verified unless `sslmode=disable`, which is allowed only to
/// a loopback address, as for SMTP and the return mailbox.
public struct PostgresLocation: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS: loopback only.
        case disable
        /// TLS, the certificate not verified (a server with a self-made certificate).
        case require
        /// TLS, the certificate verified against `sslrootcert` or the system's CAs, and the host name checked.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    public var tls: TLSMode
    /// PEM file of the CA that signs the server's certificate (default: the system's).
    public var caFile: String?
    /// How many connections one Paperboy process keeps open at most.
    public var connections: Int

    public init(host: String, port: Int = 5432, user: String, database: String, tls: TLSMode = .verifyFull, caFile: String? = nil, connections: Int = 8) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.tls = tls
        self.caFile = caFile
        self.connections = connections
    }

    /// True when `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// Reads a `postgresql://` URL; the error says what is wrong and what to write.
    public init(url text: String) throws(PostgresLocationError) {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            // Not repeated: what cannot be read may hold a password.
            throw PostgresLocationError("the database URL cannot be read; write postgresql://USER@HOST:PORT/DATABASE (no password in it; special characters percent-encoded)")
        }
        guard components.password == nil else {
            throw PostgresLocationError("the URL holds a password; remove it and put it in database_password_file (or PAPERBOY_DATABASE_PASSWORD, or the systemd credential database-password)")
        }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw PostgresLocationError("the URL names no user; write postgresql://USER@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresLocationError("the URL names no host; write postgresql://USER@HOST:PORT/DATABASE")
        }
        let name = String(components.path.drop(while: { $0 == "/" })).removingPercentEncoding ?? ""
        guard !name.isEmpty, !name.contains("/") else {
            throw PostgresLocationError("the URL names no database; write postgresql://USER@HOST:PORT/DATABASE")
        }
        var location = PostgresLocation(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: components.port ?? 5432, user: user, database: name)
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw PostgresLocationError("sslmode=\(value) is not allowed; use verify-full (the default), require, or disable (loopback only)")
                }
                location.tls = mode
            case "sslrootcert":
                guard value.hasPrefix("/") else {
                    throw PostgresLocationError("sslrootcert=\(value) is not an absolute path; name the CA's PEM file, such as /etc/paperboy/db-ca.pem")
                }
                location.caFile = value
            case "connections":
                guard let count = Int(value), (1...100).contains(count) else {
                    throw PostgresLocationError("connections=\(value) is not a whole number from 1 to 100")
                }
                location.connections = count
            default:
                throw PostgresLocationError("the URL option \(item.name) is not known; use sslmode, sslrootcert or connections")
            }
        }
        guard (1...65535).contains(location.port) else {
            throw PostgresLocationError("port \(location.port) is out of range")
        }
        if location.tls == .disable && !location.isLoopback {
            throw PostgresLocationError("sslmode=disable sends the password and every subscriber's address in the clear to \(location.host); use verify-full (or require), or a loopback address")
        }
        self = location
    }

    /// 127.0.0.0/8, ::1 or localhost.
    public var isLoopback: Bool {
        if host.lowercased() == "localhost" { return true }
        guard let normal = IPAddressText.normalized(host) else { return false }
        return normal == "::1" || normal.hasPrefix("127.")
    }

    /// The URL without secrets, for messages and logs.
    public var display: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(shownHost):\(port)/\(database)"
    }
}

/// What is wrong with a `postgresql://` URL, and what to write instead.
public struct PostgresLocationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
