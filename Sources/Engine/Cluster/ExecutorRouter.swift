import Foundation

/// Sends each stage's items to the executor its pipeline chose: the stage's own `executor:`,
/// else the run's (`--executor`), else the pipeline's, else local.
public struct ExecutorRouter: ItemExecutor {
    let executors: [String: any ItemExecutor]
    let fallback: any ItemExecutor

    /// - Parameter runExecutor: `orchestrate run --executor`, when given.
    public init(pipeline: Pipeline, store: CacheStore, runExecutor: ExecutorKind?) {
        let local = LocalExecutor(objects: store.objects)
        var slurm: SlurmExecutor?
        var executors: [String: any ItemExecutor] = [:]
        for stage in pipeline.stages {
            switch Self.kind(of: stage, pipeline: pipeline, runExecutor: runExecutor) {
            case .local: executors[stage.name] = local
            case .slurm:
                let executor = slurm ?? SlurmExecutor(store: store, stages: SlurmExecutor.settings(of: pipeline))
                slurm = executor
                executors[stage.name] = executor
            }
        }
        self.executors = executors
        fallback = local
    }

    public static func kind(of stage: StageSpec, pipeline: Pipeline, runExecutor: ExecutorKind?) -> ExecutorKind {
        stage.executor ?? runExecutor ?? pipeline.executor ?? .local
    }

    public func execute(_ job: ItemJob) async throws -> AttemptResult {
        try await (executors[job.id.stage] ?? fallback).execute(job)
    }
}
