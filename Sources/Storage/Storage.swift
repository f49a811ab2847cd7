// Datasource back ends: file:// and s3://.
