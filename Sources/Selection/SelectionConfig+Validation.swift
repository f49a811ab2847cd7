import JSON

extension SelectionConfig {
    /// Checks the config against the inputs it will run on: tasks, score names, metadata keys and
    /// kinds, embeddings, categories, and the sequence length. Also checks that the inputs are
    /// consistent (one detection list and one embedding row per frame or detection).
    /// - Returns: every problem found, empty when the selection can run.
    public func validate(against inputs: SelectionInputs, sequenceLength: Int = 1) -> [ConfigIssue] {
        var issues = inputs.consistencyIssues()
        if sequenceLength < 1 {
            issues.append(ConfigIssue(.config(["selected_sequence_length"]), "must be at least 1, got \(sequenceLength)"))
        } else if case .count(let count) = size, count > 0, count % sequenceLength != 0 {
            issues.append(ConfigIssue(
                .config(["n_samples"]),
                "\(count) is not a multiple of selected_sequence_length \(sequenceLength)"))
        }
        if constraints != nil {
            if sequenceLength > 1 {
                issues.append(ConfigIssue(.config(["constraints"]), "needs selected_sequence_length 1, got \(sequenceLength)"))
            }
            if let frame = inputs.frames.first(where: { $0.video == nil }) {
                issues.append(ConfigIssue(.config(["constraints"]), "frame '\(frame.name)' has no video; constraints are per video"))
            }
        }
        let taskNames = inputs.tasks.map(\.name)
        for (index, entry) in strategies.enumerated() {
            let path: JSONPath = ["strategies", .index(index), "input"]
            func task(_ name: String) -> TaskPredictions? {
                if let task = inputs.task(named: name) { return task }
                let known = taskNames.isEmpty ? "the inputs have no prediction tasks"
                    : ClosestMatch.listing(for: name, in: taskNames, listName: "tasks")
                issues.append(ConfigIssue(.config(path.appending("task")), "unknown task '\(name)'. \(known)"))
                return nil
            }
            switch entry.input {
            case .embeddings(nil):
                if inputs.frameEmbeddings == nil {
                    issues.append(ConfigIssue(.config(path), "frame-level EMBEDDINGS requested but the inputs have no frame embeddings"))
                }
            case .embeddings(let name?):
                if let task = task(name), task.objectEmbeddings == nil {
                    issues.append(ConfigIssue(.config(path.appending("task")), "task '\(name)' has no object embeddings"))
                }
            case .queryEmbeddings(let datasetID, let tagName):
                if inputs.queryEmbeddings[SelectionInputs.queryKey(datasetID: datasetID, tagName: tagName)] == nil {
                    issues.append(ConfigIssue(.config(path), "no query embeddings for dataset '\(datasetID)' tag '\(tagName)'"))
                }
            case .scores(let name, let score):
                if let task = task(name) {
                    let scores = ScoreCatalog.names(for: task.type)
                    if !scores.contains(score) {
                        issues.append(ConfigIssue(
                            .config(path.appending("score")),
                            "unknown score '\(score)' for \(task.type.rawValue) task '\(name)'. "
                                + ClosestMatch.listing(for: score, in: scores, listName: "scores")))
                    }
                }
            case .metadata(let key):
                guard let kind = inputs.metadataKind(of: key) else {
                    let known = inputs.metadataKeys
                    issues.append(ConfigIssue(
                        .config(path.appending("key")),
                        "unknown metadata key '\(key)'. "
                            + (known.isEmpty ? "the inputs have no metadata" : ClosestMatch.listing(for: key, in: known, listName: "keys"))))
                    continue
                }
                let wanted: MetadataKind = entry.strategy.kind == .balance ? .categorical : .numeric
                if kind != wanted {
                    issues.append(ConfigIssue(
                        .config(path.appending("key")),
                        "metadata key '\(key)' is \(kind.rawValue); \(entry.strategy.kind.rawValue) needs \(wanted.rawValue) metadata"))
                }
            case .predictions(let name, _, let categories):
                if let task = task(name), let categories {
                    let known = task.categoryNamesByID
                    for category in categories where !known.contains(category) {
                        issues.append(ConfigIssue(
                            .config(path.appending("categories")),
                            "unknown category '\(category)' of task '\(name)'. "
                                + ClosestMatch.listing(for: category, in: known, listName: "categories")))
                    }
                }
            case .random:
                break
            }
        }
        return issues
    }
}

extension SelectionInputs {
    /// The kind of a metadata key: declared, or inferred from the first frame that has it.
    public func metadataKind(of key: String) -> MetadataKind? {
        if let kind = metadataKinds[key] { return kind }
        for frame in frames {
            switch frame.metadata[key] {
            case .number?: return .numeric
            case .string?, .bool?: return .categorical
            case nil: continue
            }
        }
        return nil
    }

    var metadataKeys: [String] {
        var keys = Set(metadataKinds.keys)
        for frame in frames { keys.formUnion(frame.metadata.keys) }
        return keys.sorted()
    }

    func consistencyIssues() -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func add(_ message: String) { issues.append(ConfigIssue(.inputs, message)) }
        if let embeddings = frameEmbeddings, embeddings.count != frames.count {
            add("\(embeddings.count) frame embeddings for \(frames.count) frames")
        }
        for task in tasks {
            guard task.detections.count == frames.count else {
                add("task '\(task.name)' has detections for \(task.detections.count) frames, the inputs have \(frames.count)")
                continue
            }
            let objects = task.detections.reduce(0) { $0 + $1.count }
            if let embeddings = task.objectEmbeddings, embeddings.count != objects {
                add("task '\(task.name)' has \(embeddings.count) object embeddings for \(objects) detections")
            }
            for (frame, detections) in task.detections.enumerated() {
                for detection in detections where !(0...1).contains(detection.score) {
                    add("task '\(task.name)', frame '\(frames[frame].name)': score \(detection.score) is outside [0, 1]")
                    break
                }
            }
        }
        return issues
    }
}
