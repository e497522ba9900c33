/// The "relaxed" canonicalizations of RFC 6376 §3.4.2 and §3.4.4.
public enum DKIMCanonicalization {
    /// One header field (name, colon, value with any folding, no final
    /// CRLF) as "name:value\r\n": name lower-cased, value unfolded, runs of
    /// spaces and tabs one space, no whitespace around the colon or at the end.
    public static func relaxedHeader(_ field: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(field.count + 2)
        var iterator = field.makeIterator()
        var name: [UInt8] = []
        while let byte = iterator.next(), byte != 0x3A {
            name.append(byte)
        }
        while let last = name.last, last == 0x20 || last == 0x09 { name.removeLast() }
        for byte in name { out.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte) }
        out.append(0x3A)
        var pendingSpace = false
        var valueStarted = false
        while let byte = iterator.next() {
            switch byte {
            case 0x0D, 0x0A:
                continue
            case 0x20, 0x09:
                pendingSpace = valueStarted
            default:
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                valueStarted = true
                out.append(byte)
            }
        }
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    /// A CRLF body: in every line runs of spaces and tabs become one space
    /// and whitespace at the line end goes; empty lines at the end go; a
    /// non-empty body ends with CRLF.
    public static func relaxedBody(_ body: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 2)
        var line: [UInt8] = []
        var emptyLines = 0
        var pendingSpace = false
        var previousWasCR = false

        func finishLine() {
            if line.isEmpty {
                emptyLines += 1
            } else {
                for _ in 0..<emptyLines { out.append(contentsOf: [0x0D, 0x0A]) }
                emptyLines = 0
                out.append(contentsOf: line)
                out.append(contentsOf: [0x0D, 0x0A])
                line.removeAll(keepingCapacity: true)
            }
            pendingSpace = false
        }

        for byte in body {
            if byte == 0x0A && previousWasCR {
                previousWasCR = false
                finishLine()
                continue
            }
            if previousWasCR {
                // A CR not followed by LF is an ordinary byte.
                if pendingSpace { line.append(0x20); pendingSpace = false }
                line.append(0x0D)
            }
            previousWasCR = byte == 0x0D
            if previousWasCR { continue }
            if byte == 0x20 || byte == 0x09 {
                pendingSpace = true
            } else {
                if pendingSpace { line.append(0x20); pendingSpace = false }
                line.append(byte)
            }
        }
        if previousWasCR {
            if pendingSpace { line.append(0x20) }
            line.append(0x0D)
        }
        if !line.isEmpty { finishLine() }
        return out
    }
}
