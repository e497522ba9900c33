import Crypto
import Foundation

/// The envelope sender of each digest when `bounce.address` is set (VERP):
/// `bounces+TOKEN@example.org`, where the token names the outbox row and is
/// signed, so a bounce leads to the row (and its subscriber and address)
/// even when the bounce quotes nothing of the digest, and nobody can make
/// one for another row.
///
/// TOKEN is `<row id in base 36>-<13 letters>`: the first 8 bytes of
/// HMAC-SHA256(secret, "paperboy-return-v1" ‖ 0 ‖ row id in decimal), in
/// lower-case base 32. Lower case and digits only, since some servers change
/// the case of a local part; under 40 characters, so the local part stays
/// within 64. Tokens made with a previous secret are still read.
public struct ReturnPath: Sendable {
    /// The plain return address (`bounce.address`).
    public let address: EmailAddress
    private let keys: [SymmetricKey]

    public init(address: EmailAddress, secret: [UInt8], previousSecrets: [[UInt8]] = []) {
        self.address = address
        keys = ([secret] + previousSecrets).map { SymmetricKey(data: $0) }
    }

    /// The envelope sender for outbox row `outboxID`.
    public func sender(outboxID: Int64) -> String {
        "\(address.localPart)+\(token(outboxID, key: keys[0]))@\(address.domain)"
    }

    /// The outbox row an address made by `sender(outboxID:)` names, or nil
    /// when `text` is not such an address or its token does not verify.
    public func outboxID(in text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .init(charactersIn: "<> \t"))
        guard let at = trimmed.lastIndex(of: "@"),
              trimmed[trimmed.index(after: at)...].lowercased() == address.domain.lowercased() else { return nil }
        let local = trimmed[..<at].lowercased()
        let prefix = address.localPart.lowercased() + "+"
        guard local.hasPrefix(prefix) else { return nil }
        let token = local.dropFirst(prefix.count)
        let parts = token.split(separator: "-")
        guard parts.count == 2, let id = Int64(parts[0], radix: 36), id > 0, String(id, radix: 36) == parts[0] else { return nil }
        for key in keys where self.token(id, key: key) == token {
            return id
        }
        return nil
    }

    /// The first row named by any of `addresses`.
    public func outboxID(inAny addresses: [String]) -> Int64? {
        for text in addresses {
            if let id = outboxID(in: text) { return id }
        }
        return nil
    }

    private func token(_ id: Int64, key: SymmetricKey) -> String {
        var input = Array("paperboy-return-v1".utf8)
        input.append(0)
        input += Array(String(id).utf8)
        let mac = Array(HMAC<SHA256>.authenticationCode(for: input, using: key).prefix(8))
        return String(id, radix: 36) + "-" + Self.base32(mac)
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
