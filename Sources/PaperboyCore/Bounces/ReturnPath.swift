import Crypto
import Foundation

/// The envelope sender of each message when `bounce.address` is set (VERP):
/// `bounces+TOKEN@example.org`, where the token names the outbox row and is
/// signed together with the address the row went to, so a bounce leads to
/// the row (and its subscriber) even when the bounce quotes nothing of the
/// digest, nobody can make one for another row, and a row id given out
/// again (a database restored from a backup, or made anew) does not lead a
/// late bounce to someone else.
///
/// TOKEN is `<row id in base 36>-<13 letters>`: the first 8 bytes of
/// HMAC-SHA256(secret, "paperboy-return-v1" ‖ 0 ‖ row id in decimal ‖ 0 ‖
/// recipient lower-cased), in lower-case base 32. Lower case and digits
/// only, since some servers change the case of a local part; under 30
/// characters, so the local part stays within 64. Tokens made with a
/// previous secret are still read.
public struct ReturnPath: Sendable {
    /// The plain return address (`bounce.address`).
    public let address: EmailAddress
    private let keys: [SymmetricKey]

    /// What an address made by `sender(outboxID:recipient:)` says before it
    /// is checked: the row it names and its MAC. Only `verify` makes it true.
    public struct Claim: Sendable, Equatable {
        public let outboxID: Int64
        fileprivate let mac: String
    }

    public init(address: EmailAddress, secret: [UInt8], previousSecrets: [[UInt8]] = []) {
        self.address = address
        keys = ([secret] + previousSecrets).map { SymmetricKey(data: $0) }
    }

    /// The envelope sender for outbox row `outboxID`, sent to `recipient`.
    public func sender(outboxID: Int64, recipient: String) -> String {
        "\(address.localPart)+\(String(outboxID, radix: 36))-\(mac(outboxID, recipient, key: keys[0]))@\(address.domain)"
    }

    /// The row `text` names when it is an address of this return path's form
    /// (`Name <addr>`, `<addr>` or a bare address, any case), else nil.
    /// Nothing about it is trusted yet.
    public func claim(in text: String) -> Claim? {
        var candidate = Substring(text)
        if let open = candidate.lastIndex(of: "<"), let close = candidate[open...].firstIndex(of: ">") {
            candidate = candidate[candidate.index(after: open)..<close]
        }
        let trimmed = candidate.trimmingCharacters(in: .whitespaces).lowercased()
        guard let at = trimmed.lastIndex(of: "@"), trimmed[trimmed.index(after: at)...] == address.domain.lowercased() else { return nil }
        let prefix = address.localPart.lowercased() + "+"
        let local = trimmed[..<at]
        guard local.hasPrefix(prefix) else { return nil }
        let parts = local.dropFirst(prefix.count).split(separator: "-")
        guard parts.count == 2, parts[1].count == 13, let id = Int64(parts[0], radix: 36), id > 0, String(id, radix: 36) == parts[0] else { return nil }
        return Claim(outboxID: id, mac: String(parts[1]))
    }

    /// Whether `claim` was made, with the current or a previous secret, for
    /// its row sent to `recipient` (the address the store has for that row).
    public func verify(_ claim: Claim, recipient: String) -> Bool {
        var matched = false
        for key in keys {
            let expected = Array(mac(claim.outboxID, recipient, key: key).utf8)
            let given = Array(claim.mac.utf8)
            var difference = UInt8(expected.count == given.count ? 0 : 1)
            for (a, b) in zip(expected, given) { difference |= a ^ b }
            matched = matched || difference == 0
        }
        return matched
    }

    private func mac(_ id: Int64, _ recipient: String, key: SymmetricKey) -> String {
        var input = Array("paperboy-return-v1".utf8)
        input.append(0)
        input += Array(String(id).utf8)
        input.append(0)
        input += Array(recipient.lowercased().utf8)
        return Self.base32(Array(HMAC<SHA256>.authenticationCode(for: input, using: key).prefix(8)))
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    private static func base32(_ bytes: [UInt8]) -> String {
        var out = ""
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }
}
