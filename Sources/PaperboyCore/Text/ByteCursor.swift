/// Writes bytes and strings one after the other into a buffer the caller
/// sized beforehand (a token's MAC input on the stack, a URL of known
/// length): the one place that copies a string's UTF-8 into raw memory.
struct ByteCursor {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    /// How many bytes were written so far.
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    mutating func put(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    mutating func put(_ text: String) {
        var text = text
        let start = count
        text.withUTF8 { bytes in
            if let source = bytes.baseAddress { (buffer.baseAddress! + start).initialize(from: source, count: bytes.count) }
            count += bytes.count
        }
    }
}
