import Foundation

/// Tokenizer shared by indexing and queries, so both sides see the same words.
public enum TextAnalyzer {
    /// Lower-cases, folds diacritics (é→e, ü→u, ß→ss, ø→o, æ→ae) and splits on
    /// anything that is not a letter or digit:
    /// `"Cross-lingual KD"` → `["cross", "lingual", "kd"]`.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        func flush() {
            if !word.isEmpty {
                words.append(String(word))
                word = String.UnicodeScalarView()
            }
        }
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return asciiWords(text)
        }
        // Compatibility decomposition splits accented letters into a base letter
        // and combining marks (dropped below), and ligatures such as "ﬁ" into letters.
        for scalar in text.decomposedStringWithCompatibilityMapping.unicodeScalars {
            if isDroppedMark(scalar) { continue }
            for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                if isDroppedMark(lower) { continue }
                if let folded = foldedLetters[lower] {
                    word.append(contentsOf: folded.unicodeScalars)
                } else if isWordScalar(lower) {
                    word.append(lower)
                } else {
                    flush()
                }
            }
        }
        flush()
        return words
    }

    /// `words(text)` for ASCII text: each word's bytes, lower-cased, gathered
    /// in one reused buffer and made a string once (titles and abstracts are
    /// nearly all ASCII, and every word of every paper passes through here).
    private static func asciiWords(_ text: String) -> [String] {
        var words: [String] = []
        var word: [UInt8] = []
        word.reserveCapacity(32)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                word.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                word.append(byte + 32)
            default:
                if !word.isEmpty {
                    words.append(String(decoding: word, as: UTF8.self))
                    word.removeAll(keepingCapacity: true)
                }
            }
        }
        if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
        return words
    }

    /// `words(text)` with each word reduced to its English stem by `PorterStemmer`.
    public static func stems(_ text: String) -> [String] {
        words(text).map(PorterStemmer.stem)
    }

    /// Letters that have no decomposition but a plain-Latin spelling.
    private static let foldedLetters: [Unicode.Scalar: String] = [
        "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ı": "i", "þ": "th", "ħ": "h", "ŧ": "t",
    ]

    /// Accents and other marks that sit on a letter without taking space.
    private static func isDroppedMark(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .enclosingMark
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .spacingMark:
            return true
        default:
            return false
        }
    }
}
