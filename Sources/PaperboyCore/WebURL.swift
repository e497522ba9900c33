/// Guards every URL that can reach an email: http and https only.
public enum WebURL {
    /// Returns the trimmed URL when it is an absolute http(s) URL with a host
    /// and no whitespace or control characters, else nil.
    public static func safe(_ candidate: String) -> String? {
        let url = TextNormalizer.trimmed(candidate)
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else {
            return nil
        }
        guard let hostStart = rest.first, hostStart != "/" else { return nil }
        for scalar in url.unicodeScalars {
            if scalar.value <= 0x20 || scalar.value == 0x7F || scalar == "\"" || scalar == "<" || scalar == ">" {
                return nil
            }
        }
        return url
    }
}
