/// Seconds with three decimals, for logs (the core does not use Foundation's formatting).
public func formatSeconds(_ seconds: Double) -> String {
    let milliseconds = Int((seconds * 1000).rounded())
    let fraction = String(milliseconds % 1000)
    return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}

/// A rate for progress lines: whole numbers from 100 up, one decimal below.
public func formatRate(_ rate: Double) -> String {
    if rate >= 100 { return String(Int(rate.rounded())) }
    let tenths = Int((rate * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
