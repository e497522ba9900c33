import Foundation

/// Text clean-up shared by every feed parser.
public enum TextNormalizer {
    /// Collapses every run of whitespace (including hard line breaks) into
    /// one space, drops control characters and trims both ends.
    public static func collapsed(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
                continue
            }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                continue
            }
            if pendingSpace {
                result.append(" ")
                pendingSpace = false
            }
            result.append(scalar)
        }
        return String(result)
    }

    /// Trims whitespace at both ends, nothing else.
    public static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.unicodeScalars.first, first.properties.isWhitespace { slice = Substring(slice.unicodeScalars.dropFirst()) }
        while let last = slice.unicodeScalars.last, last.properties.isWhitespace { slice = Substring(slice.unicodeScalars.dropLast()) }
        return String(slice)
    }

    /// A key for comparing titles: lower-cased letters and digits, single spaces.
    public static func titleKey(_ title: String) -> String {
        var words: [String] = []
        var word = ""
        for character in title.lowercased() {
            if character.isLetter || character.isNumber {
                word.append(character)
            } else if !word.isEmpty {
                words.append(word)
                word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        return words.joined(separator: " ")
    }

    /// Turns the TeX accents arXiv keeps in author names (`Andr\'e`,
    /// `M{\"u}ller`, `\c{c}`) into the letters they stand for.
    public static func detexed(_ text: String) -> String {
        guard text.contains("\\") || text.contains("{") else { return text }
        let accents: [Character: Character] = ["'": "\u{301}", "`": "\u{300}", "^": "\u{302}", "\"": "\u{308}", "~": "\u{303}", "=": "\u{304}", ".": "\u{307}", "c": "\u{327}", "v": "\u{30C}", "u": "\u{306}", "H": "\u{30B}", "k": "\u{328}"]
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count, let mark = accents[chars[i + 1]] {
                var j = i + 2
                // Letter accents (\c, \v, ...) need a brace or a space before their letter.
                let isLetterCommand = chars[i + 1].isLetter
                if isLetterCommand {
                    if j < chars.count, chars[j] == " " { j += 1 } else if !(j < chars.count && chars[j] == "{") { out.append(c); i += 1; continue }
                }
                var base: Character?
                if j < chars.count, chars[j] == "{" {
                    if j + 2 < chars.count, chars[j + 2] == "}" {
                        base = chars[j + 1]
                        j += 3
                    }
                } else if j < chars.count {
                    base = chars[j]
                    j += 1
                }
                if let base, base.isLetter {
                    let combined = String(base) + String(mark)
                    out.append(contentsOf: combined.precomposedStringWithCanonicalMapping)
                    i = j
                    continue
                }
            }
            if c == "{" || c == "}" {
                i += 1
                continue
            }
            if c == "\\", i + 2 < chars.count, chars[i + 1] == "i", !chars[i + 2].isLetter {
                out.append("i")
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }
}
