import Foundation

/// An RGBA colour, components in 0…1.
struct Color: Equatable {
    var red: Double
    var green: Double
    var blue: Double
    var alpha: Double = 1

    init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// From 0xRRGGBB.
    init(hex: UInt32, alpha: Double = 1) {
        self.init(
            red: Double((hex >> 16) & 0xFF) / 255, green: Double((hex >> 8) & 0xFF) / 255,
            blue: Double(hex & 0xFF) / 255, alpha: alpha
        )
    }

    func withAlpha(_ alpha: Double) -> Color { Color(red: red, green: green, blue: blue, alpha: alpha) }

    var hexString: String {
        let channel = { (value: Double) in String(format: "%02x", Int((min(max(value, 0), 1) * 255).rounded())) }
        return "#" + channel(red) + channel(green) + channel(blue)
    }

    static let ink = Color(hex: 0x222222)
    static let muted = Color(hex: 0x666666)
    static let grid = Color(hex: 0xE3E3E3)
    static let white = Color(hex: 0xFFFFFF)
    /// Before selection.
    static let input = Color(hex: 0x9DB4CE)
    /// After selection.
    static let selected = Color(hex: 0xD9622B)
    static let datapool = Color(hex: 0x6B8E23)
    static let target = Color(hex: 0x222222)

    /// Viridis (dark purple → yellow) at t in 0…1; dark means low, bright means high.
    static func viridis(_ t: Double) -> Color {
        let stops: [UInt32] = [0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6DCD59, 0xB4DE2C, 0xFDE725]
        let clamped = t.isFinite ? min(max(t, 0), 1) : 0
        let position = clamped * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        let fraction = position - Double(index)
        let low = Color(hex: stops[index]), high = Color(hex: stops[index + 1])
        return Color(
            red: low.red + (high.red - low.red) * fraction, green: low.green + (high.green - low.green) * fraction,
            blue: low.blue + (high.blue - low.blue) * fraction
        )
    }
}
