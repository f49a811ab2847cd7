import Foundation

/// What one item's cluster job asks for: a stage's `resources:` block. Not part of any cache
/// key: the same item on more memory gives the same bytes.
public struct ClusterResources: Sendable, Hashable, Codable {
    public var cpus: Int?
    /// Megabytes (`--mem`).
    public var memoryMB: Int?
    public var gpus: Int?
    /// Minutes (`-t`); Slurm's limits have one-minute granularity.
    public var minutes: Int?
    public var partition: String?
    public var account: String?
    public var qos: String?
    /// Raw `sbatch` arguments, appended last.
    public var extra: [String]
    /// The most items one job array may hold (`array:`); 1 submits one job per item. Items of a
    /// stage that start together go as one array (see docs/cluster.md).
    public var arraySize: Int?
    /// How many items one job (or array task) runs one after another (`batch:`); 1 by default.
    /// Worth it for many short items, where starting a job costs more than the item.
    public var batchSize: Int?

    public init(
        cpus: Int? = nil, memoryMB: Int? = nil, gpus: Int? = nil, minutes: Int? = nil, partition: String? = nil,
        account: String? = nil, qos: String? = nil, extra: [String] = [], arraySize: Int? = nil,
        batchSize: Int? = nil
    ) {
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.gpus = gpus
        self.minutes = minutes
        self.partition = partition
        self.account = account
        self.qos = qos
        self.extra = extra
        self.arraySize = arraySize
        self.batchSize = batchSize
    }

    /// The keys a `resources:` block may hold.
    static let keys = ["cpus", "mem", "gpus", "time", "partition", "account", "qos", "extra", "array", "batch"]

    /// The `sbatch` options asking for these resources.
    var sbatchArguments: [String] {
        var arguments: [String] = []
        if let cpus { arguments += ["-c", "\(cpus)"] }
        if let memoryMB { arguments += ["--mem", "\(memoryMB)M"] }
        if let gpus, gpus > 0 { arguments += ["--gres", "gpu:\(gpus)"] }
        if let minutes { arguments += ["-t", "\(minutes)"] }
        if let partition { arguments += ["-p", partition] }
        if let account { arguments += ["-A", account] }
        if let qos { arguments += ["--qos", qos] }
        return arguments + extra
    }

    static let expectedMemory = "a size such as 512M, 4G or 1T (a plain number is megabytes)"

    /// Megabytes for a memory string (`512M`, `4G`, `4GB`, `1.5G`, `1T`, `2048`), `nil` when invalid.
    static func megabytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(number), value > 0 else { return nil }
        var unit = trimmed.dropFirst(number.count)
        if unit.hasSuffix("B") { unit = unit.dropLast() }
        if unit.hasSuffix("I") { unit = unit.dropLast() }  // GiB and GB alike: Slurm counts in MiB.
        let scale: Double
        switch unit {
        case "K": scale = 1.0 / 1024
        case "", "M": scale = 1
        case "G": scale = 1024
        case "T": scale = 1024 * 1024
        default: return nil
        }
        return max(1, Int((value * scale).rounded(.up)))
    }
}
