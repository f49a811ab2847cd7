"""The tutorial's frame path: PyAV decode + frame.to_image() per frame. Prints one JSON line."""
import json
import resource
import sys
import time

import av

path = sys.argv[1]
start = time.perf_counter()
frames = 0
with av.open(path) as container:
    for frame in container.decode(video=0):
        image = frame.to_image()
        frames += 1
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"frames": frames, "seconds": seconds, "fps": frames / seconds, "peak_rss_kib": peak, "av": av.__version__}))
