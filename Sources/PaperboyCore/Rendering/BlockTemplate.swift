/// A template rendered once with a marker in place of each per-digest value,
/// split around the markers, so a digest is assembled by concatenation.
///
/// A marker is U+0001, the value's name, `&`, U+0001. The `&` tells whether
/// the template escaped the value: `{{name}}` in an HTML template turns it
/// into `&amp;`, so that value is HTML-escaped when filled in; `{{{name}}}`
/// and text templates leave it, and the value goes in as it is. Feed text
/// can hold no U+0001 (parsers drop control characters).
///
/// Each value is found by its slot (its name's place in the `names` the
/// block was made with), not looked up by name for every digest; a marker
/// whose name is not among them is always empty.
struct BlockTemplate {
    enum Piece {
        case literal(String)
        /// `slot`: the value's index in `append`'s values; nil for a name the block was not made with.
        case value(name: String, slot: Int?, escaped: Bool)
    }

    let pieces: [Piece]

    static func marker(_ name: String) -> String { "\u{1}\(name)&\u{1}" }

    /// Splits `rendered` at its markers; `names` are the values' names in slot order.
    init(_ rendered: String, names: [String]) {
        func value(_ name: Substring, escaped: Bool) -> Piece {
            let name = String(name)
            return .value(name: name, slot: names.firstIndex(of: name), escaped: escaped)
        }
        var pieces: [Piece] = []
        var rest = Substring(rendered)
        while let start = rest.firstIndex(of: "\u{1}") {
            pieces.append(.literal(String(rest[..<start])))
            let afterStart = rest.index(after: start)
            guard let end = rest[afterStart...].firstIndex(of: "\u{1}") else {
                rest = rest[afterStart...]   // a stray U+0001 from a template is dropped
                continue
            }
            let token = rest[afterStart..<end]
            if token.hasSuffix("&amp;") {
                pieces.append(value(token.dropLast(5), escaped: true))
            } else if token.hasSuffix("&") {
                pieces.append(value(token.dropLast(), escaped: false))
            } else {
                pieces.append(.literal(String(token)))
            }
            rest = rest[rest.index(after: end)...]
        }
        pieces.append(.literal(String(rest)))
        self.pieces = pieces
    }

    /// Appends the block with `values` (by slot) filled in. With `wrapWidth`,
    /// the text around the `papers` value (already wrapped) is wrapped at that width.
    func append(to out: inout String, values: [String], wrapWidth: Int? = nil) {
        guard let wrapWidth else {
            for piece in pieces {
                switch piece {
                case .literal(let text): out += text
                case .value(_, let slot, let escaped):
                    guard let slot else { continue }
                    out += escaped ? HTMLText.escape(values[slot]) : values[slot]
                }
            }
            return
        }
        var segment = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): segment += text
            case .value("papers", let slot, _):
                out += TextWrapper.wrap(segment, width: wrapWidth)
                segment = ""
                if let slot { out += values[slot] }
            case .value(_, let slot, let escaped):
                guard let slot else { continue }
                segment += escaped ? HTMLText.escape(values[slot]) : values[slot]
            }
        }
        out += TextWrapper.wrap(segment, width: wrapWidth)
    }
}

/// The names of the values a digest fills into a kind of block, one case
/// per slot (its raw value).
protocol BlockValueName: CaseIterable, RawRepresentable where RawValue == Int, AllCases == [Self] {
    /// The name the templates use.
    var name: String { get }
}

extension BlockValueName {
    /// Every name, in slot order (what a `BlockTemplate` is made with).
    static var names: [String] { allCases.map(\.name) }
}

/// One digest's values for a kind of block, by name; empty until set.
struct BlockValues<Name: BlockValueName> {
    /// By slot, for `BlockTemplate.append`.
    private(set) var slots = [String](repeating: "", count: Name.allCases.count)

    subscript(name: Name) -> String {
        get { slots[name.rawValue] }
        set { slots[name.rawValue] = newValue }
    }
}
