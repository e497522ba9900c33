/// The file name `send-digest --dry-run --out DIR` gives a subscriber's
/// message: the address with ".eml", made safe for any legal address.
///
/// A local part may hold "/" (RFC 5322 atext), which would name a folder,
/// and an address may be 254 bytes, past the 255-byte name limit with
/// ".eml". So "%" and "/" are percent-encoded (different addresses never
/// share a name), and a name still too long keeps its first 200 bytes
/// followed by a hash of the whole address.
enum MessageFileName {
    static let maxBytes = 255

    static func forAddress(_ address: String) -> String {
        var escaped = ""
        for character in address {
            switch character {
            case "%": escaped += "%25"
            case "/": escaped += "%2F"
            default: escaped.append(character)
            }
        }
        if escaped.utf8.count + 4 <= maxBytes { return escaped + ".eml" }
        let hash = String(fnv1a64(address), radix: 16)
        return String(decoding: escaped.utf8.prefix(200), as: UTF8.self) + "~" + hash + ".eml"
    }

    /// FNV-1a, 64 bits: stable across runs and platforms (unlike `Hasher`).
    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
