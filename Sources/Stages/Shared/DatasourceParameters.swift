import Foundation
import PluginAPI
import Storage

/// The parameters every datasource-reading stage declares, with `upload`'s defaults: a stage's
/// options hold them as a nested `DatasourceOptions`. They flow along `needs`: a `schedule` or
/// `export` below an `upload` uses its datasources unless given.
struct DatasourceOptions: StageOptions {
    @Option(
        "input", type: .url, flowsAlongNeeds: true,
        doc: "The input datasource for the videos: a directory, file:///dir or s3://bucket/prefix.")
    var input = "datasource/input"
    @Option("lightly", type: .url, flowsAlongNeeds: true, doc: "The Lightly datasource for .lightly/predictions and .lightly/metadata.")
    var lightly = "datasource/lightly"
    @Option(
        "endpoint", flowsAlongNeeds: true,
        doc: "S3-compatible endpoint URL (MinIO, Ceph, R2); else AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL. Implies path-style addressing.")
    var endpoint = ""
    @Option("region", flowsAlongNeeds: true, doc: "S3 region; else AWS_REGION, AWS_DEFAULT_REGION, then us-east-1.")
    var region = ""
    @Option("profile", flowsAlongNeeds: true, doc: "Profile in the AWS credentials file; else the AWS_* variables or AWS_PROFILE.")
    var profile = ""
}

/// Opens the datasources a stage names in its `with:` block (`input`, `lightly`), with the
/// shared `endpoint`, `region` and `profile` options; used by `upload`, `schedule`, `export` and `labels`.
enum DatasourceParameters {
    /// ``DatasourceOptions``'s parameters, for stages that declare them in a list.
    static var specs: [ParameterSpec] { DatasourceOptions.specs }

    /// The datasource `name` (`input` or `lightly`), relative paths resolved against the pipeline folder.
    /// - Throws: ``StageError`` (from a ``StorageError``) for a bad URL, endpoint or credentials.
    static func open(_ name: String, context: any StageContext, environment: [String: String]) throws -> any BlobStore {
        try open(name, parameters: context.parameters, pipelineDirectory: context.pipelineDirectory, environment: environment)
    }

    /// The same, outside a stage (`orchestrate rounds`), from a stage's `with:` values.
    static func open(_ name: String, parameters: Parameters, pipelineDirectory: URL, environment: [String: String]) throws -> any BlobStore {
        let options = try DatasourceOptions(parameters)
        let url = name == "input" ? options.input : options.lightly
        func option(_ value: String) -> String? { value.isEmpty ? nil : value }
        return try mapped {
            try Datasources.open(
                url, relativeTo: pipelineDirectory, endpoint: option(options.endpoint), region: option(options.region),
                profile: option(options.profile), environment: environment)
        }
    }
}
