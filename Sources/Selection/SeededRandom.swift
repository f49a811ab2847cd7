// SplitMix64: a tiny, well-mixed, platform-independent generator, so a seed gives the same
// selection everywhere.
enum SeededRandom {
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1) for `key` under `seed`.
    static func unit(seed: UInt64, key: UInt64) -> Double {
        Double(mix(mix(seed) ^ key) >> 11) * 0x1.0p-53
    }

    /// FNV-1a of a string, so per-frame values follow the frame's name, not its position.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
