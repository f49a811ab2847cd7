/// Where a model runs.
public enum ComputeDevice: String, Sendable, Hashable, CaseIterable, Codable {
    case cpu
    case cuda
}
