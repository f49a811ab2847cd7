// The Lightly datasource format: Codable types, frame naming, reader, writer, validator.
