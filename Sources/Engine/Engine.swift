// The DAG engine: pipeline loading and validation (Pipeline/), the plugin registry and
// host (Plugins/), the cache and artifact store (Cache/), planning and scheduling
// (Scheduling/). It knows nothing of video, torch or Lightly.
