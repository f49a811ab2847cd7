// FFmpeg-backed probing, decoding, seeking and image encoding.
