import Foundation
import Lightly
import PluginAPI

/// `convert`: one video's detections → Lightly predictions (`docs/stages/convert.md`).
///
/// Reads `detections.json` from an upstream output and writes, under `.lightly/predictions/`,
/// `tasks.json`, `<task>/schema.json` (person, with COCO's keypoint names and skeleton) and one
/// `<task>/<frame name>.json` per kept frame, equal to what the tutorial's conversion writes.
public struct ConvertStage: Stage {
    public init() {}

    /// The prediction task `convert` writes, and `export` and `labels` read, unless `task` names
    /// another: the tutorial's.
    public static let defaultTask = "keypoint_rcnn_detection"

    public let descriptor = PluginDescriptor(
        id: "convert", version: "1",
        summary: "Convert detections to Lightly prediction files, one per kept frame.",
        mode: .map,
        parameters: Options.specs
    )

    /// The stage's parameters, declared once.
    struct Options: StageOptions {
        @Option("task", flowsAlongNeeds: true, startsFlow: true, doc: "Prediction task name: the folder under .lightly/predictions/.")
        var task = ConvertStage.defaultTask
        @Option(
            "task_type", type: .oneOf([TaskType.keypointDetection.rawValue, TaskType.objectDetection.rawValue]),
            doc: "keypoint-detection writes keypoints and boxes; object-detection writes boxes only.")
        var taskType = TaskType.keypointDetection.rawValue
        @Option("score_threshold", doc: "Detections scored below this are left out.")
        var scoreThreshold = 0.0
    }

    /// The schema every item writes: person (id 1, as torchvision labels it).
    static func schema(for taskType: TaskType) -> PredictionTaskSchema {
        let person = taskType == .keypointDetection ? PredictionCategory.cocoPerson : PredictionCategory(id: 1, name: "person")
        return PredictionTaskSchema(taskType: taskType, categories: [person])
    }

    public func validate(_ parameters: Parameters) -> [ParameterIssue] {
        PredictionTaskParameter.issues(in: parameters, folderName: true)
    }

    public func run(_ item: StageItem, context: any StageContext) async throws {
        let options = try Options(context.parameters)
        let task = options.task
        let typeName = options.taskType
        guard let taskType = TaskType(rawValue: typeName), taskType == .keypointDetection || taskType == .objectDetection else {
            throw StageError("parameter 'task_type': '\(typeName)' must be keypoint-detection or object-detection",
                             code: .invalidParameter)
        }
        let threshold = options.scoreThreshold
        let detections = try UpstreamFileLocator.decode(
            DetectionsDocument.self, from: UpstreamFileLocator.find(DetectionsDocument.fileName, in: item), item: item)

        let schema = Self.schema(for: taskType)
        let keypointCount = PredictionCategory.cocoKeypointNames.count
        let writer = LightlyTreeWriter(root: context.outputDirectory)
        try writer.writeTasks([task])
        try writer.writeSchema(schema, task: task)
        for (done, frame) in detections.frames.enumerated() {
            try Task.checkCancellation()
            guard frame.index >= 0, frame.index < detections.frameCount else {
                throw StageError("'\(item.key)': frame index \(frame.index) is outside the video's \(detections.frameCount) frames",
                                 code: .invalidInput)
            }
            let predictions: [Prediction]
            do {
                predictions = try TutorialConversion.predictions(
                    frame, withKeypoints: taskType == .keypointDetection, keypointCount: keypointCount,
                    scoreThreshold: threshold)
            } catch let error as TutorialConversion.Failure {
                throw StageError("'\(item.key)': detections.json: \(error.message)", code: .invalidInput)
            }
            if let unknown = predictions.first(where: { schema.category(id: $0.categoryID) == nil }) {
                throw StageError("'\(item.key)': frame \(frame.index) has label \(unknown.categoryID), but the schema has only person (1)",
                                 code: .invalidInput)
            }
            let name = FrameName(videoPath: item.key, index: frame.index, frameCount: detections.frameCount)
            try writer.writePredictions(PredictionFile(fileName: name.description, predictions: predictions), task: task)
            if done % 64 == 63 || done == detections.frames.count - 1 {
                context.reportProgress(completed: done + 1, total: detections.frames.count, unit: "frames")
            }
        }
    }
}
