import JSON

/// The state of one validation: the problems found and the sample names to check against
/// the input datasource. The checks here are pure functions of the parsed JSON.
struct ValidationRun {
    /// A `file_name` to look up in the input datasource, and what it must be there.
    struct Reference {
        enum Expected { case sample, video, image, frame }
        var file: String
        var fileName: String
        var expected: Expected
    }

    /// What the prediction checks need to know about a task's schema.
    struct SchemaInfo {
        var taskType: TaskType?
        /// Keypoint counts by category id (nil when the category names no keypoints).
        var keypointCounts: [Int: Int?] = [:]
        var categoryIDs: [Int] = []
    }

    private(set) var problems: [LightlyProblem] = []
    private(set) var references: [Reference] = []

    mutating func report(_ file: String, _ path: String, _ message: String) {
        problems.append(LightlyProblem(file: file, jsonPath: path, message: message))
    }

    // MARK: tasks.json

    mutating func checkTasks(_ json: JSONValue, file: String) -> [String] {
        guard let list = json.arrayValue else {
            report(file, "", "expected a list of task names, found \(json.typeName)")
            return []
        }
        var tasks: [String] = []
        for (index, element) in list.enumerated() {
            let path = "[\(index)]"
            guard let name = element.stringValue else {
                report(file, path, "expected a task name (a string), found \(element.typeName)")
                continue
            }
            if !LightlyLayout.isValidTaskName(name) {
                report(file, path, "task name '\(name)' must be non-empty and use only letters, digits and \(LightlyLayout.taskNamePunctuation)")
            } else if tasks.contains(name) {
                report(file, path, "task '\(name)' is listed twice")
            } else {
                tasks.append(name)
            }
        }
        return tasks
    }

    // MARK: Task schema

    mutating func checkSchema(_ json: JSONValue, file: String) -> SchemaInfo {
        var info = SchemaInfo()
        guard let object = json.objectValue else {
            report(file, "", "expected an object with task_type and categories, found \(json.typeName)")
            return info
        }
        switch object["task_type"] {
        case nil:
            report(file, "task_type", "missing required field")
        case .string(let value)?:
            info.taskType = TaskType(rawValue: value)
            if info.taskType == nil {
                let known = TaskType.allCases.map(\.rawValue).joined(separator: ", ")
                report(file, "task_type", "unknown task type '\(value)' (expected one of \(known))")
            }
        case let other?:
            report(file, "task_type", "expected a string, found \(other.typeName)")
        }
        guard let categories = object["categories"] else {
            report(file, "categories", "missing required field")
            return info
        }
        guard let list = categories.arrayValue, !list.isEmpty else {
            report(file, "categories", "expected a non-empty list of categories")
            return info
        }
        for (index, element) in list.enumerated() {
            let path = "categories[\(index)]"
            guard let category = element.objectValue else {
                report(file, path, "expected an object with id and name, found \(element.typeName)")
                continue
            }
            let id = category["id"]
            if let id = id?.intValue, id >= 0 {
                if info.categoryIDs.contains(id) {
                    report(file, "\(path).id", "category id \(id) is used twice")
                } else {
                    info.categoryIDs.append(id)
                    info.keypointCounts[id] = checkKeypointNames(category, file: file, path: path)
                }
            } else {
                report(file, "\(path).id", id == nil ? "missing required field" : "expected an integer ≥ 0")
            }
            if (category["name"]?.stringValue ?? "").isEmpty {
                report(file, "\(path).name", "expected a non-empty category name")
            }
        }
        return info
    }

    /// Checks keypoint names and skeleton; returns the number of names, or nil when there are none.
    private mutating func checkKeypointNames(_ category: [String: JSONValue], file: String, path: String) -> Int? {
        var count: Int?
        if let key = PredictionCategory.namesKeys.first(where: { category[$0] != nil }), let value = category[key] {
            if let names = value.arrayValue, names.allSatisfy({ !($0.stringValue ?? "").isEmpty }) {
                count = names.count
            } else {
                report(file, "\(path).\(key)", "expected a list of non-empty keypoint names")
            }
        }
        if let key = PredictionCategory.skeletonKeys.first(where: { category[$0] != nil }), let value = category[key] {
            guard let pairs = value.arrayValue else {
                report(file, "\(path).\(key)", "expected a list of [i, j] keypoint index pairs")
                return count
            }
            for (index, pair) in pairs.enumerated() {
                let indices = pair.arrayValue?.compactMap(\.intValue) ?? []
                if indices.count != 2 || pair.arrayValue?.count != 2 || indices.contains(where: { $0 < 0 }) {
                    report(file, "\(path).\(key)[\(index)]", "expected a pair [i, j] of keypoint indices ≥ 0")
                } else if let count, indices.contains(where: { $0 >= count }) {
                    report(file, "\(path).\(key)[\(index)]", "keypoint index out of range: the category has \(count) keypoint names")
                }
            }
        }
        return count
    }

    // MARK: Prediction files

    mutating func checkPredictionFile(_ json: JSONValue, file: String, task: String, schema: SchemaInfo) {
        guard let object = json.objectValue else {
            report(file, "", "expected an object with file_name and predictions, found \(json.typeName)")
            return
        }
        checkFileName(object, file: file, expectedPath: { LightlyLayout.predictionFile(task: task, sample: $0) },
                      reference: .sample)
        guard let predictions = object["predictions"] else {
            report(file, "predictions", "missing required field")
            return
        }
        guard let list = predictions.arrayValue else {
            report(file, "predictions", "expected a list, found \(predictions.typeName)")
            return
        }
        for (index, element) in list.enumerated() {
            checkPrediction(element, file: file, path: "predictions[\(index)]", schema: schema)
        }
    }

    private mutating func checkFileName(
        _ object: [String: JSONValue], file: String, expectedPath: (String) -> String, reference: Reference.Expected
    ) {
        guard let fileName = object["file_name"]?.stringValue, !fileName.isEmpty else {
            report(file, "file_name", object["file_name"] == nil ? "missing required field" : "expected a non-empty string")
            return
        }
        let expected = expectedPath(fileName)
        if expected != file {
            report(file, "file_name", "'\(fileName)' does not match the file's path: its file would be '\(expected)'")
        }
        references.append(Reference(file: file, fileName: fileName, expected: reference))
    }

    private mutating func checkPrediction(_ json: JSONValue, file: String, path: String, schema: SchemaInfo) {
        guard let prediction = json.objectValue else {
            report(file, path, "expected a prediction object, found \(json.typeName)")
            return
        }
        let type = schema.taskType
        var keypointCount: Int??
        switch prediction["category_id"] {
        case nil:
            report(file, "\(path).category_id", "missing required field")
        case let value?:
            if let id = value.intValue, id >= 0 {
                if let count = schema.keypointCounts[id] {
                    keypointCount = count
                } else if !schema.categoryIDs.isEmpty {
                    let ids = schema.categoryIDs.map(String.init).joined(separator: ", ")
                    report(file, "\(path).category_id", "\(id) is not a category of the task's schema (ids: \(ids))")
                }
            } else {
                report(file, "\(path).category_id", "expected an integer ≥ 0")
            }
        }
        if let score = prediction["score"] {
            checkUnitNumber(score, file: file, path: "\(path).score")
        } else if type?.requiresScore == true {
            report(file, "\(path).score", "missing required field")
        }
        if let bbox = prediction["bbox"] {
            let values = bbox.arrayValue?.compactMap(\.doubleValue) ?? []
            if values.count != 4 || bbox.arrayValue?.count != 4 {
                report(file, "\(path).bbox", "expected [x, y, width, height]: 4 numbers")
            } else if values.contains(where: { $0 < 0 || !$0.isFinite }) {
                report(file, "\(path).bbox", "coordinates and sizes must be ≥ 0 pixels")
            }
        } else if type?.requiresBoundingBox == true {
            report(file, "\(path).bbox", "missing required field for \(type?.rawValue ?? "")")
        }
        if let keypoints = prediction["keypoints"] {
            checkKeypoints(keypoints, file: file, path: "\(path).keypoints", names: keypointCount ?? nil)
        } else if type == .keypointDetection {
            report(file, "\(path).keypoints", "missing required field for keypoint-detection")
        }
        if let segmentation = prediction["segmentation"] {
            let counts = segmentation.arrayValue ?? []
            if segmentation.arrayValue == nil || counts.contains(where: { ($0.intValue ?? -1) < 0 }) {
                report(file, "\(path).segmentation", "expected a run-length encoding: a list of integers ≥ 0")
            }
        } else if type?.requiresSegmentation == true {
            report(file, "\(path).segmentation", "missing required field for \(type?.rawValue ?? "")")
        }
        if let probabilities = prediction["probabilities"] {
            checkProbabilities(probabilities, file: file, path: "\(path).probabilities", categories: schema.categoryIDs.count)
        }
    }

    private mutating func checkUnitNumber(_ value: JSONValue, file: String, path: String) {
        guard let number = value.doubleValue else {
            report(file, path, "expected a number in [0, 1], found \(value.typeName)")
            return
        }
        if !(0...1).contains(number) { report(file, path, "\(number) is outside [0, 1]") }
    }

    private mutating func checkKeypoints(_ value: JSONValue, file: String, path: String, names: Int?) {
        guard let list = value.arrayValue, list.allSatisfy({ $0.doubleValue != nil }) else {
            report(file, path, "expected a flat list of numbers [x1, y1, s1, x2, y2, s2, …]")
            return
        }
        guard list.count >= 3, list.count % 3 == 0 else {
            report(file, path, "expected triples [x, y, s]: \(list.count) values is not a positive multiple of 3")
            return
        }
        if let names, list.count / 3 != names {
            report(file, path, "\(list.count / 3) keypoints, but the category has \(names) keypoint names")
        }
        for (index, element) in list.enumerated() {
            let number = element.doubleValue ?? 0
            if index % 3 == 2 {
                if !(0...1).contains(number) {
                    report(file, "\(path)[\(index)]", "keypoint score \(number) is outside [0, 1]")
                }
            } else if number < 0 || !number.isFinite {
                report(file, "\(path)[\(index)]", "keypoint coordinate \(number) must be ≥ 0 pixels")
            }
        }
    }

    private mutating func checkProbabilities(_ value: JSONValue, file: String, path: String, categories: Int) {
        guard let list = value.arrayValue, list.allSatisfy({ $0.doubleValue != nil }) else {
            report(file, path, "expected a list of numbers in [0, 1]")
            return
        }
        let numbers = list.compactMap(\.doubleValue)
        if categories > 0, numbers.count != categories {
            report(file, path, "\(numbers.count) probabilities, but the schema has \(categories) categories")
        }
        if numbers.contains(where: { !(0...1).contains($0) }) {
            report(file, path, "every probability must be in [0, 1]")
        } else if abs(numbers.reduce(0, +) - 1) > 0.01 {
            report(file, path, "probabilities sum to \(numbers.reduce(0, +)), not 1")
        }
    }

    // MARK: Metadata

    mutating func checkMetadataSchema(_ json: JSONValue, file: String) -> [MetadataSchemaEntry] {
        guard let list = json.arrayValue else {
            report(file, "", "expected a list of {name, path, defaultValue, valueDataType}, found \(json.typeName)")
            return []
        }
        var entries: [MetadataSchemaEntry] = []
        for (index, element) in list.enumerated() {
            let path = "[\(index)]"
            guard let object = element.objectValue else {
                report(file, path, "expected an object, found \(element.typeName)")
                continue
            }
            var valid = true
            for key in ["name", "path", "valueDataType"] where (object[key]?.stringValue ?? "").isEmpty {
                report(file, "\(path).\(key)", object[key] == nil ? "missing required field" : "expected a non-empty string")
                valid = false
            }
            if object["defaultValue"] == nil {
                report(file, "\(path).defaultValue", "missing required field")
                valid = false
            }
            guard valid, let name = object["name"]?.stringValue, let keyPath = object["path"]?.stringValue,
                  let typeName = object["valueDataType"]?.stringValue, let defaultValue = object["defaultValue"]
            else { continue }
            let type = MetadataValueDataType(rawValue: typeName)
            if keyPath == "lightly" || keyPath.hasPrefix("lightly.") {
                report(file, "\(path).path", "'\(keyPath)': the top-level key 'lightly' is reserved for Lightly's own metadata")
            } else if keyPath.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                report(file, "\(path).path", "'\(keyPath)' has an empty key: use dot-joined keys such as 'weather.temperature'")
            } else if entries.contains(where: { $0.path == keyPath }) {
                report(file, "\(path).path", "path '\(keyPath)' is declared twice")
            }
            if type.kind == nil {
                report(file, "\(path).valueDataType", "unknown value type '\(typeName)'")
            } else if !type.accepts(defaultValue) {
                report(file, "\(path).defaultValue", "\(defaultValue.typeName) is not a value of type \(typeName)")
            }
            entries.append(MetadataSchemaEntry(name: name, path: keyPath, defaultValue: defaultValue, valueDataType: type))
        }
        return entries
    }

    mutating func checkMetadataFile(_ json: JSONValue, file: String, schema: [MetadataSchemaEntry]) {
        guard let object = json.objectValue else {
            report(file, "", "expected an object with file_name, type and metadata, found \(json.typeName)")
            return
        }
        let type = object["type"]?.stringValue.flatMap(MetadataFileType.init(rawValue:))
        if type == nil {
            report(file, "type", object["type"] == nil ? "missing required field" : "expected 'image', 'video' or 'frame'")
        }
        let reference: Reference.Expected = switch type {
        case .video: .video
        case .frame: .frame
        case .image: .image
        case nil: .sample
        }
        checkFileName(object, file: file, expectedPath: LightlyLayout.metadataFile(sample:), reference: reference)
        if let fileName = object["file_name"]?.stringValue {
            let ext = FrameName.splitExtension(fileName).ext.lowercased()
            if type == .video, !LightlyLayout.videoExtensions.contains(ext) {
                report(file, "type", "'\(fileName)' is not a video (known extensions: \(LightlyLayout.videoExtensions.sorted().joined(separator: ", ")))")
            } else if type == .frame, ParsedFrameName(fileName) == nil || ext != "png" {
                report(file, "file_name", "'\(fileName)' is not a frame name ({video without extension}-{index}-{extension}.png)")
            }
        }
        guard let metadata = object["metadata"] else {
            report(file, "metadata", "missing required field")
            return
        }
        guard metadata.objectValue != nil else {
            report(file, "metadata", "expected an object, found \(metadata.typeName)")
            return
        }
        for entry in schema where entry.valueDataType.kind != nil {
            guard let value = metadata.value(atPath: entry.path), value != .null else { continue }
            if !entry.valueDataType.accepts(value) {
                report(file, "metadata.\(entry.path)", "\(value.typeName) is not a value of type \(entry.valueDataType)")
            }
        }
    }
}
