/// English Porter stemmer (the classic 1980 algorithm, as in SQLite FTS5's
/// porter tokenizer): "distillation", "distilling" and "distill" all become
/// "distil", "adapters" becomes "adapt".
///
/// Like FTS5, words shorter than 3 or longer than 64 bytes are returned
/// unchanged, and so is any word that is not plain ASCII.
public enum PorterStemmer {
    /// The stem of a lower-cased ASCII word; other words come back unchanged.
    public static func stem(_ word: String) -> String {
        let bytes = Array(word.utf8)
        guard bytes.count >= 3, bytes.count <= 64, bytes.allSatisfy({ $0 < 0x80 }) else { return word }
        var stemmer = PorterWord(bytes)
        stemmer.step1a()
        stemmer.step1b()
        stemmer.step1c()
        stemmer.applyFirstRule(of: PorterWord.step2Rules, minimumMeasure: 1)
        stemmer.applyFirstRule(of: PorterWord.step3Rules, minimumMeasure: 1)
        stemmer.step4()
        stemmer.step5()
        return String(decoding: stemmer.b, as: UTF8.self)
    }
}

/// The word being stemmed, as bytes, with the algorithm's predicates.
private struct PorterWord {
    var b: [UInt8]

    init(_ bytes: [UInt8]) { b = bytes }

    typealias Rule = (suffix: [UInt8], replacement: [UInt8])

    private static func rules(_ pairs: [(String, String)]) -> [Rule] {
        pairs.map { (Array($0.0.utf8), Array($0.1.utf8)) }
    }

    // Within each list the first suffix that fits decides, whether or not
    // its condition then holds (as in Porter's reference implementation).
    static let step2Rules = rules([
        ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
        ("logi", "log"), ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
        ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
        ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    ])
    static let step3Rules = rules([
        ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
    ])
    static let step4Suffixes = rules([
        ("al", ""), ("ance", ""), ("ence", ""), ("er", ""), ("ic", ""), ("able", ""), ("ible", ""), ("ant", ""),
        ("ement", ""), ("ment", ""), ("ent", ""), ("ion", ""), ("ou", ""), ("ism", ""), ("ate", ""), ("iti", ""),
        ("ous", ""), ("ive", ""), ("ize", ""),
    ])

    // MARK: predicates on the prefix b[0..<n]

    func isConsonant(_ i: Int) -> Bool {
        switch b[i] {
        case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"): return false
        case UInt8(ascii: "y"): return i == 0 ? true : !isConsonant(i - 1)
        default: return true
        }
    }

    /// m in [C](VC)^m[V] for b[0..<n].
    func measure(_ n: Int) -> Int {
        var m = 0
        var i = 0
        while i < n && isConsonant(i) { i += 1 }
        while i < n {
            while i < n && !isConsonant(i) { i += 1 }
            guard i < n else { break }
            while i < n && isConsonant(i) { i += 1 }
            m += 1
        }
        return m
    }

    func containsVowel(_ n: Int) -> Bool {
        (0..<n).contains { !isConsonant($0) }
    }

    func endsWithDoubleConsonant(_ n: Int) -> Bool {
        n >= 2 && b[n - 1] == b[n - 2] && isConsonant(n - 1)
    }

    /// consonant-vowel-consonant at the end of b[0..<n], the last not w, x or y.
    func endsCVC(_ n: Int) -> Bool {
        guard n >= 3, isConsonant(n - 3), !isConsonant(n - 2), isConsonant(n - 1) else { return false }
        let last = b[n - 1]
        return last != UInt8(ascii: "w") && last != UInt8(ascii: "x") && last != UInt8(ascii: "y")
    }

    /// True when the word ends with `suffix` and something comes before it.
    func ends(with suffix: [UInt8]) -> Bool {
        b.count > suffix.count && b[(b.count - suffix.count)...].elementsEqual(suffix)
    }

    func ends(with suffix: String) -> Bool { ends(with: Array(suffix.utf8)) }

    mutating func replaceSuffix(_ length: Int, with replacement: [UInt8]) {
        b.removeLast(length)
        b.append(contentsOf: replacement)
    }

    // MARK: steps

    mutating func step1a() {
        if ends(with: "sses") || ends(with: "ies") {
            b.removeLast(2)
        } else if ends(with: "ss") {
            return
        } else if ends(with: "s") {
            b.removeLast()
        }
    }

    mutating func step1b() {
        if ends(with: "eed") {
            if measure(b.count - 3) > 0 { b.removeLast() }
            return
        }
        let suffixLength: Int
        if ends(with: "ed") { suffixLength = 2 } else if ends(with: "ing") { suffixLength = 3 } else { return }
        guard containsVowel(b.count - suffixLength) else { return }
        b.removeLast(suffixLength)
        if ends(with: "at") || ends(with: "bl") || ends(with: "iz") {
            b.append(UInt8(ascii: "e"))
        } else if endsWithDoubleConsonant(b.count) {
            let last = b[b.count - 1]
            if last != UInt8(ascii: "l") && last != UInt8(ascii: "s") && last != UInt8(ascii: "z") { b.removeLast() }
        } else if measure(b.count) == 1 && endsCVC(b.count) {
            b.append(UInt8(ascii: "e"))
        }
    }

    mutating func step1c() {
        if ends(with: "y") && containsVowel(b.count - 1) { b[b.count - 1] = UInt8(ascii: "i") }
    }

    mutating func applyFirstRule(of rules: [Rule], minimumMeasure: Int) {
        guard let rule = rules.first(where: { ends(with: $0.suffix) }) else { return }
        if measure(b.count - rule.suffix.count) >= minimumMeasure {
            replaceSuffix(rule.suffix.count, with: rule.replacement)
        }
    }

    mutating func step4() {
        let fits: (Rule) -> Bool = { rule in
            guard self.ends(with: rule.suffix) else { return false }
            // "ion" only after s or t.
            if rule.suffix == Array("ion".utf8) {
                let before = self.b[self.b.count - 4]
                return before == UInt8(ascii: "s") || before == UInt8(ascii: "t")
            }
            return true
        }
        guard let rule = Self.step4Suffixes.first(where: fits) else { return }
        if measure(b.count - rule.suffix.count) > 1 { b.removeLast(rule.suffix.count) }
    }

    mutating func step5() {
        if ends(with: "e") {
            let m = measure(b.count - 1)
            if m > 1 || (m == 1 && !endsCVC(b.count - 1)) { b.removeLast() }
        }
        if ends(with: "ll") && measure(b.count - 1) > 1 { b.removeLast() }
    }
}
