import Crypto
import Foundation
import _CryptoExtras

/// A DKIM private key read from PEM; the algorithm follows the key.
enum DKIMKey: Sendable {
    case rsa(_RSA.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    /// The `a=` tag.
    var algorithm: String {
        switch self {
        case .rsa: return "rsa-sha256"
        case .ed25519: return "ed25519-sha256"
        }
    }

    /// RFC 6376 §3.3: rsa-sha256 signs with PKCS#1 v1.5 over SHA-256 of the
    /// data; RFC 8463: ed25519-sha256 signs the SHA-256 hash of the data.
    func sign(_ data: [UInt8]) throws -> Data {
        switch self {
        case .rsa(let key):
            return try key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case .ed25519(let key):
            return try key.signature(for: Data(SHA256.hash(data: data)))
        }
    }

    private static let ed25519OID: [UInt8] = [0x06, 0x03, 0x2B, 0x65, 0x70]
    private static let rsaEncryptionOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]

    init(pem: String) throws(DKIMError) {
        let trimmed = pem.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let label = Self.label(of: trimmed) else {
            throw DKIMError("the DKIM private key is not in PEM form: expected a \"-----BEGIN PRIVATE KEY-----\" or \"-----BEGIN RSA PRIVATE KEY-----\" block (`openssl genpkey -algorithm ed25519` or `openssl genrsa 2048` writes one)")
        }
        switch label {
        case "RSA PRIVATE KEY":
            self = .rsa(try Self.rsaKey(trimmed))
        case "PRIVATE KEY":
            guard let der = Self.derBytes(trimmed) else {
                throw DKIMError("the DKIM private key's PEM block is not valid base64; copy the whole key file again")
            }
            if Self.algorithmIdentifier(der) == Self.ed25519OID {
                do {
                    self = .ed25519(try Curve25519.Signing.PrivateKey(pemRepresentation: trimmed))
                } catch {
                    throw DKIMError("the DKIM Ed25519 private key cannot be read (\(error)); write it again with `openssl genpkey -algorithm ed25519`")
                }
            } else if Self.algorithmIdentifier(der) == Self.rsaEncryptionOID {
                self = .rsa(try Self.rsaKey(trimmed))
            } else {
                throw DKIMError("the DKIM private key is neither RSA nor Ed25519; DKIM signs with rsa-sha256 or ed25519-sha256, so use such a key")
            }
        case "ENCRYPTED PRIVATE KEY":
            throw DKIMError("the DKIM private key is encrypted with a passphrase; store it unencrypted (`openssl pkey -in key.pem -out plain.pem`) and protect the file with its permissions")
        default:
            throw DKIMError("the DKIM private key is a \"\(label)\" block; use an RSA (\"RSA PRIVATE KEY\" or \"PRIVATE KEY\") or Ed25519 (\"PRIVATE KEY\") key")
        }
    }

    private static func rsaKey(_ pem: String) throws(DKIMError) -> _RSA.Signing.PrivateKey {
        let key: _RSA.Signing.PrivateKey
        do {
            // RFC 8301 allows 1024-bit keys for verifiers; 2048 is what signers should use.
            key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
        } catch {
            throw DKIMError("the DKIM RSA private key cannot be read (\(error)); it must be an unencrypted RSA key of at least 1024 bits, such as `openssl genrsa 2048` writes")
        }
        return key
    }

    /// The label of the first "-----BEGIN label-----" line.
    private static func label(of pem: String) -> String? {
        guard let begin = pem.range(of: "-----BEGIN ") else { return nil }
        let rest = pem[begin.upperBound...]
        guard let end = rest.range(of: "-----") else { return nil }
        return String(rest[..<end.lowerBound])
    }

    /// The DER bytes between the BEGIN and END lines.
    private static func derBytes(_ pem: String) -> [UInt8]? {
        let lines = pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }
        return Data(base64Encoded: lines.joined(), options: .ignoreUnknownCharacters).map(Array.init)
    }

    /// The algorithm OID (tag and length included) of a PKCS#8 PrivateKeyInfo:
    /// SEQUENCE { INTEGER version, SEQUENCE { OID, ... }, ... }.
    private static func algorithmIdentifier(_ der: [UInt8]) -> [UInt8]? {
        var index = 0
        func header(expecting tag: UInt8) -> Int? {
            guard index + 2 <= der.count, der[index] == tag else { return nil }
            var length = Int(der[index + 1])
            index += 2
            if length & 0x80 != 0 {
                let count = length & 0x7F
                guard count <= 4, index + count <= der.count else { return nil }
                length = der[index..<index + count].reduce(0) { $0 << 8 | Int($1) }
                index += count
            }
            return index + length <= der.count ? length : nil
        }
        guard header(expecting: 0x30) != nil, let versionLength = header(expecting: 0x02) else { return nil }
        index += versionLength
        guard header(expecting: 0x30) != nil else { return nil }
        let start = index
        guard let oidLength = header(expecting: 0x06) else { return nil }
        return Array(der[start..<index + oidLength])
    }
}
