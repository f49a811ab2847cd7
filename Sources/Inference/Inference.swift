// A safe Swift API over the libtorch shim: TorchScript models, batches, detections.
