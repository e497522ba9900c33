import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A minimal element tree, enough for feeds: local names, namespaces,
/// attributes, text and children.
final class XMLElementNode {
    let name: String
    let namespace: String?
    let attributes: [String: String]
    var text = ""
    var children: [XMLElementNode] = []

    init(name: String, namespace: String?, attributes: [String: String]) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
    }

    /// Frees the subtree without recursion: each node's children are moved
    /// to a worklist before the node goes, so no deinit frees a deep chain.
    /// A node something else still holds is left whole (it is freed later,
    /// the same way).
    deinit {
        var pending = children
        children = []
        while var node = pending.popLast() {
            guard isKnownUniquelyReferenced(&node) else { continue }
            pending.append(contentsOf: node.children)
            node.children = []
        }
    }

    func child(_ name: String, namespace: String? = nil) -> XMLElementNode? {
        children.first { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    func all(_ name: String, namespace: String? = nil) -> [XMLElementNode] {
        children.filter { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// Every descendant with this local name, in document order.
    func descendants(_ name: String) -> [XMLElementNode] {
        var found: [XMLElementNode] = []
        // Depth-first, in document order, with an explicit stack (no recursion).
        var stack: [XMLElementNode] = children.reversed()
        while let node = stack.popLast() {
            if node.name == name { found.append(node) }
            stack.append(contentsOf: node.children.reversed())
        }
        return found
    }

    func childText(_ name: String, namespace: String? = nil) -> String? {
        child(name, namespace: namespace)?.text
    }
}

/// Parses a document into an `XMLElementNode` tree with Foundation's
/// XMLParser (libxml2), which refuses entity-expansion bombs and does not
/// load external entities.
enum XMLTree {
    /// The deepest element nesting a feed may have. Real feeds use fewer
    /// than 10 levels; a deeper document is refused while it is parsed,
    /// before its tree is built.
    static let maxDepth = 64

    static func parse(_ body: [UInt8], maxDepth: Int = XMLTree.maxDepth) throws(FeedError) -> XMLElementNode {
        if !declaresNonUTF8Encoding(body) {
            _ = try FeedBody.utf8(body)
        }
        let builder = TreeBuilder(maxDepth: maxDepth)
        let parser = XMLParser(data: Data(body))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if let line = builder.tooDeepAtLine {
            throw FeedError(
                code: .tooDeep,
                message: "the XML document nests elements more than \(maxDepth) levels deep (line \(line)); it was not read",
                hint: "A feed nests a few levels at most: check that the source's url returns an Atom or RSS feed, or remove the source"
            )
        }
        if ok, builder.root != nil, let open = builder.openElement {
            throw FeedError(
                code: .malformedXML,
                message: "the response is not well-formed XML: it ends before <\(open)> is closed (line \(parser.lineNumber))",
                hint: "The feed was cut off (a dropped connection?); try again later"
            )
        }
        if !ok || builder.root == nil {
            let nsError = parser.parserError.map { $0 as NSError }
            let line = parser.lineNumber
            let column = parser.columnNumber
            let code = nsError?.code ?? 0
            let reason: String
            switch code {
            case 89: reason = "an entity expands too far (an entity-expansion bomb?)"
            case 4, 5: reason = "the document is empty or ends too early"
            default: reason = nsError.map { "XML parser error \($0.code)" } ?? "no root element"
            }
            throw FeedError(
                code: .malformedXML,
                message: "the response is not well-formed XML: \(reason) at line \(line), column \(column)",
                hint: "Check that the source's url returns an Atom or RSS feed"
            )
        }
        return builder.root!
    }

    /// True when the XML declaration names an encoding other than UTF-8;
    /// then libxml2 decodes it, and the UTF-8 check is skipped.
    static func declaresNonUTF8Encoding(_ body: [UInt8]) -> Bool {
        let head = String(decoding: body.prefix(200), as: UTF8.self).lowercased()
        guard head.hasPrefix("<?xml"), let end = head.range(of: "?>") else { return false }
        let declaration = head[..<end.lowerBound]
        guard let range = declaration.range(of: "encoding=") else { return false }
        let value = declaration[range.upperBound...].dropFirst().prefix { $0 != "\"" && $0 != "'" }
        return value != "utf-8" && value != "utf8"
    }
}

private final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: XMLElementNode?
    private var stack: [XMLElementNode] = []
    private let maxDepth: Int
    /// The line where the nesting passed `maxDepth`; parsing stopped there.
    private(set) var tooDeepAtLine: Int?

    init(maxDepth: Int) {
        self.maxDepth = maxDepth
    }

    /// The innermost element still open when the document ended, if any.
    var openElement: String? { stack.last?.name }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        guard tooDeepAtLine == nil else { return }
        if stack.count >= maxDepth {
            tooDeepAtLine = parser.lineNumber
            parser.abortParsing()
            return
        }
        let node = XMLElementNode(name: elementName, namespace: namespaceURI, attributes: attributeDict)
        if let parent = stack.last {
            parent.children.append(node)
        } else if root == nil {
            root = node
        }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard tooDeepAtLine == nil else { return }
        _ = stack.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
    }
}
