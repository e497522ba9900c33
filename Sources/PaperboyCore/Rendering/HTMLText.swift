/// HTML escaping for text placed into rendered HTML outside the templates
/// (and the daemon's own small pages).
public enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as entities.
    ///
    /// Works on the UTF-8 bytes (the five are ASCII, and no byte of a
    /// multi-byte character is ASCII); text without any of them is returned
    /// as it is. Every link in a digest goes through here, so it is kept fast.
    public static func escape(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var extra = 0
            for byte in bytes { extra &+= growth(byte) }
            guard extra > 0 else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count + extra) { out in
                var o = 0
                func put(_ entity: StaticString) {
                    entity.withUTF8Buffer { for byte in $0 { out[o] = byte; o &+= 1 } }
                }
                for byte in bytes {
                    switch byte {
                    case UInt8(ascii: "&"): put("&amp;")
                    case UInt8(ascii: "<"): put("&lt;")
                    case UInt8(ascii: ">"): put("&gt;")
                    case UInt8(ascii: "\""): put("&quot;")
                    case UInt8(ascii: "'"): put("&#39;")
                    default:
                        out[o] = byte
                        o &+= 1
                    }
                }
                return o
            }
        } ?? text
    }

    /// How many bytes longer `byte` gets when escaped (0 for all but the five).
    @inline(__always)
    private static func growth(_ byte: UInt8) -> Int {
        guard byte <= UInt8(ascii: ">") else { return 0 }
        switch byte {
        case UInt8(ascii: "&"): return 4
        case UInt8(ascii: "<"), UInt8(ascii: ">"): return 3
        case UInt8(ascii: "\""): return 5
        case UInt8(ascii: "'"): return 4
        default: return 0
        }
    }
}
