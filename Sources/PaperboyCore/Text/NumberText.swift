/// Numbers as Paperboy prints them to people.
public enum NumberText {
    /// "1,234,567": thousands grouped with commas, whatever the locale
    /// (the output is read by operators and by scripts alike).
    public static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (number < 0 ? "-" : "") + out
    }
}
